/**
 * The egress-path resolver's Virtual WAN rules (src/checks/lib/egress/hub.ts via egressPathOf): one
 * test per link of the secured-hub chain, each from a case file of the `vwan-` clause, changed in
 * one place. The hub index is cached per `virtualHubs` map, so a test that edits hubs after a first
 * resolve replaces the map object.
 */
import { describe, expect, it } from "vitest";
import { egressPathOf, hubResolutionOf, pathChain, vnetIdOf } from "../../../src/checks/lib/egressPath.js";
import type { EgressPath } from "../../../src/checks/lib/egressPath.js";
import type { Snapshot, VirtualHub } from "../../../src/model/snapshot.js";
import { caseFixture } from "../case-files.js";

const SDR = "subnet-default-route";

function vwan(name = "pass-vwan-routing-intent-to-hub-firewall"): { snapshot: Snapshot; subnetId: string; hub: VirtualHub } {
  const { snapshot, target } = caseFixture(SDR, name);
  const subnetId = target.subnetIds[0] as string;
  const hubPart = Object.values(snapshot.virtualHubs ?? {})[0];
  if (hubPart?.ok !== true) throw new Error("fixture has no readable hub");
  return { snapshot, subnetId, hub: hubPart.value };
}

function kindOf(path: EgressPath): string {
  return path.kind;
}

describe("Virtual WAN secured hub", () => {
  it("proves subnet → hub connection → routing intent Internet policy → hub firewall, and names that chain", () => {
    const { snapshot, subnetId } = vwan();
    const path = egressPathOf(snapshot, subnetId);
    expect(path.kind).toBe("securedHub");
    if (path.kind !== "securedHub") return;
    expect(path.address).toBe("10.100.0.132");
    expect(path.firewall.name).toBe("fw-vhub-weu");
    expect(path.hub.source.by).toBe("routingIntent");
    const chain = pathChain(path);
    expect(chain[0]).toBe(`subnet ${subnetId}`);
    expect(chain[1]).toBe("no route table");
    expect(chain[2]).toContain("hub connection");
    expect(chain[2]).toContain("enableInternetSecurity true");
    expect(chain[3]).toContain("policy InternetTraffic (Internet)");
    expect(chain[4]).toContain("at 10.100.0.132");
  });

  it("without routing intent, follows the connection's route table (defaultRouteTable unless it names another)", () => {
    const { snapshot, subnetId, hub } = vwan("pass-vwan-hub-default-route-table-without-routing-intent");
    const path = egressPathOf(snapshot, subnetId);
    expect(path.kind === "securedHub" && path.hub.source.by).toBe("hubRouteTable");

    // An associated table without 0.0.0.0/0 (noneRouteTable) is a missing link.
    const none = hub.routeTables.find((t) => t.name === "noneRouteTable");
    const connection = hub.connections[0];
    if (none === undefined || connection === undefined) throw new Error("fixture hub incomplete");
    connection.associatedRouteTableId = none.id;
    snapshot.virtualHubs = { ...snapshot.virtualHubs };
    const gap = egressPathOf(snapshot, subnetId);
    expect(gap.kind === "noDefaultRoute" && gap.hubGap?.missing).toBe("hubDefaultRoute");

    // An associated table the hub part does not hold cannot be judged.
    connection.associatedRouteTableId = `${hub.id}/hubRouteTables/rt-missing`;
    snapshot.virtualHubs = { ...snapshot.virtualHubs };
    const unreadable = egressPathOf(snapshot, subnetId);
    expect(unreadable.kind === "hubUnreadable" && [unreadable.connected, unreadable.error.code]).toEqual([true, "NotCollected"]);
  });

  it("enableInternetSecurity false or unset on the connection: the spoke does not learn the hub's default route", () => {
    for (const value of [false, undefined]) {
      const { snapshot, subnetId, hub } = vwan();
      const connection = hub.connections[0];
      if (connection === undefined) throw new Error("no connection");
      if (value === undefined) delete connection.enableInternetSecurity;
      else connection.enableInternetSecurity = value;
      const path = egressPathOf(snapshot, subnetId);
      expect(path.kind).toBe("noRouteTable");
      if (path.kind !== "noRouteTable") return;
      expect(path.hubGap?.missing).toBe("enableInternetSecurity");
      expect(path.breakout.via).toBe("defaultOutboundAccess");
      expect(pathChain(path).some((l) => l.startsWith("missing: hub connection conn-vnet-aks-weu"))).toBe(true);
    }
  });

  it("routing intent without an Internet policy is a missing link", () => {
    const { snapshot, subnetId } = vwan("fail-vwan-routing-intent-without-internet-policy");
    const path = egressPathOf(snapshot, subnetId);
    expect(path.kind === "noRouteTable" && path.hubGap?.missing).toBe("internetPolicy");
  });

  it("disableBgpRoutePropagation on a spoke table without its own 0.0.0.0/0 cuts the hub route, whatever the hubs say", () => {
    const { snapshot, subnetId } = vwan("fail-vwan-spoke-table-disables-bgp-propagation");
    const path = egressPathOf(snapshot, subnetId);
    expect(path.kind === "noDefaultRoute" && path.hubGap?.missing).toBe("gatewayRoutePropagation");
    // No hub read can change that outcome, so an unreadable hub does not make it unknown.
    snapshot.virtualHubs = Object.fromEntries(Object.keys(snapshot.virtualHubs ?? {}).map((key) => [key, { ok: false, error: { code: "AuthorizationFailed", message: "no" } }]));
    const blind = egressPathOf(snapshot, subnetId);
    expect(blind.kind === "noDefaultRoute" && blind.hubGap).toBeUndefined();
  });

  it("the subnet's own 0.0.0.0/0 outranks the hub's", () => {
    const { snapshot, subnetId } = vwan();
    const subnet = snapshot.subnets[subnetId.toLowerCase()];
    if (subnet?.ok !== true) throw new Error("no subnet");
    const rtId = `${subnetId.split("/virtualNetworks/")[0]}/routeTables/rt-own`;
    subnet.value.routeTableId = rtId;
    snapshot.routeTables[rtId.toLowerCase()] = {
      ok: true,
      value: { id: rtId, name: "rt-own", routes: [{ name: "to-internet", addressPrefix: "0.0.0.0/0", nextHopType: "Internet" }] },
    };
    const path = egressPathOf(snapshot, subnetId);
    expect(path.kind === "nonApplianceHop" && path.breakout?.via).toBe("defaultOutboundAccess");
  });

  it("an unreadable hub, hub firewall or hub inventory is unknown; a readable hub that connects the VNet still decides", () => {
    const hubDown = caseFixture(SDR, "unknown-vwan-hub-unreadable");
    const a = egressPathOf(hubDown.snapshot, hubDown.target.subnetIds[0] as string);
    expect(a.kind === "hubUnreadable" && [a.connected, a.error.code]).toEqual([false, "AuthorizationFailed"]);

    const fwDown = caseFixture(SDR, "unknown-vwan-hub-firewall-unreadable");
    const b = egressPathOf(fwDown.snapshot, fwDown.target.subnetIds[0] as string);
    expect(b.kind === "hubUnreadable" && b.connected).toBe(true);

    const invDown = caseFixture(SDR, "unknown-vwan-hub-inventory-failed");
    const c = egressPathOf(invDown.snapshot, invDown.target.subnetIds[0] as string);
    expect(c.kind === "hubUnreadable" && c.error.scope).toBe("/subscriptions/8c0d5e21-4a6f-4b3c-a1d9-6e7f2b8c9d04");

    // Another hub that cannot be read does not hide the connection of a readable one.
    const { snapshot, subnetId } = vwan();
    snapshot.virtualHubs = { ...snapshot.virtualHubs, "/subscriptions/x/resourcegroups/y/providers/microsoft.network/virtualhubs/other": { ok: false, error: { code: "AuthorizationFailed", message: "no" } } };
    expect(kindOf(egressPathOf(snapshot, subnetId))).toBe("securedHub");
  });

  it("no hub connects the VNet: a fact when every hub list was read, unknown when the VNet's subscription's was not, and no hub at all in a snapshot without hub maps", () => {
    const { snapshot, subnetId } = vwan();
    snapshot.virtualHubs = {};
    const vnetId = vnetIdOf(subnetId) as string;
    expect(hubResolutionOf(snapshot, vnetId)).toEqual({ kind: "none", legacy: false });
    expect(kindOf(egressPathOf(snapshot, subnetId))).toBe("noRouteTable");

    const inventory = snapshot.hubInventory ?? {};
    snapshot.hubInventory = Object.fromEntries(Object.entries(inventory).filter(([sub]) => sub !== "3f2a1c9e-7b4d-4e8a-9c61-2d5e8f0a7b13"));
    const missing = egressPathOf(snapshot, subnetId);
    expect(missing.kind === "hubUnreadable" && missing.error.code).toBe("NotCollected");

    delete snapshot.hubInventory;
    delete snapshot.virtualHubs;
    expect(hubResolutionOf(snapshot, vnetId)).toEqual({ kind: "none", legacy: true });
    expect(kindOf(egressPathOf(snapshot, subnetId))).toBe("noRouteTable");
  });

  it("an Internet policy to something that is no Azure Firewall is a hub appliance", () => {
    const { snapshot, subnetId, hub } = vwan();
    const policy = hub.routingIntent?.routingPolicies.find((p) => p.name === "InternetTraffic");
    if (policy === undefined) throw new Error("no policy");
    policy.nextHop = policy.nextHop.replace("azureFirewalls/fw-vhub-weu", "networkVirtualAppliances/nva-weu");
    const path = egressPathOf(snapshot, subnetId);
    expect(path.kind === "hubAppliance" && path.nextHopId).toBe(policy.nextHop);
  });
});
