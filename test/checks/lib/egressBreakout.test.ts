/**
 * The egress-path resolver's exits (src/checks/lib/egress/breakout.ts, publicExits.ts) and its
 * cross-subscription firewall lookup (egress/firewalls.ts): default outbound access, NAT gateway,
 * node public IPs and outbound rules, and where an address lies.
 */
import { describe, expect, it } from "vitest";
import { breakoutOf, egressPathOf, firewallsAt } from "../../../src/checks/lib/egressPath.js";
import { nodeExitsOf } from "../../../src/checks/lib/egress/publicExits.js";
import type { Snapshot, Subnet } from "../../../src/model/snapshot.js";
import { caseFixture } from "../case-files.js";

const SDR = "subnet-default-route";
const DRF = "default-route-firewall";
const OTHER = "5b1e7c3a-9d2f-4e6b-8a47-c0f3d2e1b9a8";

function subnetOf(snapshot: Snapshot, id: string): Subnet {
  const part = snapshot.subnets[id.toLowerCase()];
  if (part?.ok !== true) throw new Error("no subnet");
  return part.value;
}

describe("default outbound access and NAT gateway (the system route's exit)", () => {
  it("a NAT gateway first, then default outbound access unless the subnet is private", () => {
    const { snapshot, target } = caseFixture(SDR, "fail-nat-gateway-bypasses-required-firewall");
    const subnet = subnetOf(snapshot, target.subnetIds[0] as string);
    const nat = breakoutOf(snapshot, subnet);
    expect(nat.via === "natGateway" && [nat.natGatewayId, nat.natGateway?.skuName]).toEqual([subnet.natGatewayId, "StandardV2"]);
    delete subnet.natGatewayId;
    expect(breakoutOf(snapshot, subnet)).toEqual({ via: "none" });
    subnet.defaultOutboundAccess = true;
    expect(breakoutOf(snapshot, subnet)).toEqual({ via: "defaultOutboundAccess", defaultOutboundAccess: true });
    delete subnet.defaultOutboundAccess;
    expect(breakoutOf(snapshot, subnet)).toEqual({ via: "defaultOutboundAccess", defaultOutboundAccess: undefined });
  });

  it("the path carries the exit of a system route and of an Internet hop, not of an appliance or None hop", () => {
    const { snapshot, target } = caseFixture(SDR, "fail-default-outbound-udr-no-route-table-fails-open");
    const subnetId = target.subnetIds[0] as string;
    const path = egressPathOf(snapshot, subnetId);
    expect(path.kind === "noRouteTable" && path.breakout.via).toBe("defaultOutboundAccess");

    const none = caseFixture(SDR, "fail-network-isolated-internet-route");
    const rt = Object.values(none.snapshot.routeTables)[0];
    if (rt?.ok !== true) throw new Error("no route table");
    const internet = egressPathOf(none.snapshot, subnetId);
    expect(internet.kind === "nonApplianceHop" && internet.breakout?.via).toBe("none");
    rt.value.routes = [{ name: "drop", addressPrefix: "0.0.0.0/0", nextHopType: "None" }];
    const dropped = egressPathOf(none.snapshot, subnetId);
    expect(dropped.kind === "nonApplianceHop" && dropped.breakout).toBeUndefined();
  });
});

describe("node public IPs and outbound rules", () => {
  it("finds agent pool flags and instance-level public IPs on the subnet, and lists what was not read", () => {
    const { snapshot, target } = caseFixture(SDR, "fail-network-isolated-node-public-ip");
    const subnetId = target.subnetIds[0] as string;
    const found = nodeExitsOf(snapshot, target, subnetId);
    expect(found.exits.map((e) => e.kind)).toEqual(["nodePublicIp", "nodePublicIp"]);
    expect(found.unread).toEqual([]);
    // On another subnet, neither the pool nor the scale set counts.
    expect(nodeExitsOf(snapshot, target, `${subnetId}-other`).exits).toEqual([]);
    // Not read is never "none".
    const aks = Object.values(snapshot.aksClusters)[0];
    if (aks?.ok !== true) throw new Error("no AKS cluster");
    delete aks.value.agentPools;
    const group = Object.values(snapshot.mcGroups)[0];
    if (group?.ok !== true) throw new Error("no MC group");
    delete group.value.scaleSetIds;
    const blind = nodeExitsOf(snapshot, target, subnetId);
    expect(blind.exits).toEqual([]);
    expect(blind.unread.map((e) => e.code)).toEqual(["NotCollected", "NotCollected"]);
  });

  it("a scale set that configures instance public IPs counts even before its IPs are listed; a load balancer outbound rule counts", () => {
    const { snapshot, target } = caseFixture(SDR, "fail-network-isolated-load-balancer-outbound-rule");
    const subnetId = target.subnetIds[0] as string;
    expect(nodeExitsOf(snapshot, target, subnetId).exits.map((e) => e.kind)).toEqual(["loadBalancerOutbound"]);
    const ss = Object.values(snapshot.scaleSets ?? {})[0];
    if (ss?.ok !== true) throw new Error("no scale set");
    ss.value.instancePublicIpConfigured = true;
    expect(nodeExitsOf(snapshot, target, subnetId).exits.map((e) => e.kind)).toEqual(["nodePublicIp", "loadBalancerOutbound"]);
  });
});

describe("firewalls at an address in another subscription", () => {
  const vnetOf = (snapshot: Snapshot): string => Object.keys(snapshot.virtualNetworks ?? {})[0] as string;

  it("an address in a peered VNet whose subscription's firewall list was never read is a read error naming the VNet and subscription", () => {
    const { snapshot, target } = caseFixture(DRF, "unknown-cross-subscription-peered-hub-not-inventoried");
    const subnetId = target.subnetIds[0] as string;
    const match = firewallsAt(snapshot, "10.0.1.4", { subnetId });
    expect(match.firewalls).toEqual([]);
    expect(match.home).toMatchObject({ subscriptionId: OTHER, peeringName: "peer-to-hub-weu" });
    expect(match.readErrors[0]).toMatchObject({ code: "NotCollected", scope: match.home?.vnetId });
    expect(match.readErrors[0]?.message).toContain(`subscription ${OTHER}`);
    // Without the subnet, the lookup is as before: every inventory read, nothing found.
    expect(firewallsAt(snapshot, "10.0.1.4").readErrors).toEqual([]);
    // An address outside the VNet and its peerings: absence stays a fact.
    expect(firewallsAt(snapshot, "172.16.0.4", { subnetId }).readErrors).toEqual([]);
  });

  it("a failed inventory of that subscription comes first, once; a read one makes absence a fact", () => {
    const { snapshot, target } = caseFixture(DRF, "unknown-cross-subscription-peered-hub-inventory-forbidden");
    const subnetId = target.subnetIds[0] as string;
    const match = firewallsAt(snapshot, "10.0.1.4", { subnetId });
    expect(match.readErrors).toHaveLength(1);
    expect(match.readErrors[0]?.code).toBe("AuthorizationFailed");
    expect(match.readErrors[0]?.message).toContain("10.0.1.4 lies in peered virtual network vnet-hub-weu");
    snapshot.firewallInventory[OTHER] = { ok: true, value: [] };
    expect(firewallsAt(snapshot, "10.0.1.4", { subnetId }).readErrors).toEqual([]);
  });

  it("where the address lies, only that subscription's list matters: another unreadable list hides nothing, an unread firewall still may", () => {
    const { snapshot, target } = caseFixture(DRF, "fail-cross-subscription-peered-hub-no-firewall-at-address");
    const subnetId = target.subnetIds[0] as string;
    snapshot.firewallInventory["0d4c2b1a-8e7f-4a6b-9c5d-3e2f1a0b9c8d"] = { ok: false, error: { code: "AuthorizationFailed", message: "no" } };
    expect(firewallsAt(snapshot, "10.0.1.4", { subnetId }).readErrors).toEqual([]);
    expect(firewallsAt(snapshot, "10.0.1.4").readErrors.map((e) => e.code)).toEqual(["AuthorizationFailed"]);
    const unread = "/subscriptions/0d4c2b1a-8e7f-4a6b-9c5d-3e2f1a0b9c8d/resourcegroups/rg/providers/microsoft.network/azurefirewalls/fw-x";
    snapshot.firewalls[unread] = { ok: false, error: { code: "AuthorizationFailed", message: "no", scope: unread } };
    expect(firewallsAt(snapshot, "10.0.1.4", { subnetId }).readErrors.map((e) => e.scope)).toEqual([unread]);
  });

  it("a VNet that was not collected (in a snapshot that collects VNets) or could not be read hides where the address lies; a snapshot without VNets is judged as before", () => {
    const { snapshot, target } = caseFixture(DRF, "unknown-cross-subscription-peered-hub-not-inventoried");
    const subnetId = target.subnetIds[0] as string;
    const key = vnetOf(snapshot);
    snapshot.virtualNetworks = { [key]: { ok: false, error: { code: "AuthorizationFailed", message: "no", scope: key } } };
    expect(firewallsAt(snapshot, "10.0.1.4", { subnetId }).readErrors[0]?.code).toBe("AuthorizationFailed");
    snapshot.virtualNetworks = {};
    expect(firewallsAt(snapshot, "10.0.1.4", { subnetId }).readErrors[0]?.code).toBe("NotCollected");
    delete snapshot.virtualNetworks;
    expect(firewallsAt(snapshot, "10.0.1.4", { subnetId }).readErrors).toEqual([]);
  });

  it("the appliance path looks the next hop up with its subnet", () => {
    const { snapshot, target } = caseFixture(DRF, "unknown-cross-subscription-peered-hub-not-inventoried");
    const path = egressPathOf(snapshot, target.subnetIds[0] as string);
    expect(path.kind === "appliance" && path.firewallsAtHop().home?.subscriptionId).toBe(OTHER);
  });
});
