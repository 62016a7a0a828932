/** The egress-path resolver (src/checks/lib/egressPath.ts): where a subnet's 0.0.0.0/0 goes and which firewall is there. */
import { describe, expect, it } from "vitest";
import { egressPathOf, findDefaultRoute, pathDefaultRoute, pathRouteTable, preferredFirewall } from "../../../src/checks/lib/egressPath.js";
import type { AzureFirewall, Target } from "../../../src/model/snapshot.js";
import { caseFixture as fixture } from "../case-files.js";

const FRE = "firewall-required-egress";

describe("routes", () => {
  it("finds only the 0.0.0.0/0 route", () => {
    expect(findDefaultRoute({ id: "x", name: "x", routes: [{ name: "a", addressPrefix: "0.0.0.0/1", nextHopType: "Internet" }] })).toBeUndefined();
  });
});

function firstSubnet(target: Target): string {
  const subnetId = target.subnetIds[0];
  if (subnetId === undefined) throw new Error("fixture has no subnet");
  return subnetId;
}

describe("egressPathOf", () => {
  it("follows subnet, route table and default route to the Azure Firewall at the next hop", () => {
    const { snapshot, target } = fixture(FRE, "pass-udr-pool-spark-complete-policy");
    const path = egressPathOf(snapshot, firstSubnet(target));
    expect(path.kind).toBe("appliance");
    if (path.kind !== "appliance") return;
    expect(path.address).toBe(path.route.nextHopIpAddress);
    expect(pathRouteTable(path)?.id).toBe(path.subnet.routeTableId);
    expect(pathDefaultRoute(path)).toBe(path.route);
    const match = path.firewallsAtHop();
    expect(preferredFirewall(match)?.name).toBe("fw-hub-weu");
    expect(path.firewallsAtHop()).toBe(match); // looked up once
  });

  it("names each way the path can end before a firewall", () => {
    const { snapshot, target } = fixture(FRE, "pass-udr-pool-spark-complete-policy");
    const subnetId = firstSubnet(target);
    const subnet = snapshot.subnets[subnetId.toLowerCase()];
    if (subnet?.ok !== true) throw new Error("no subnet");
    const rtKey = (subnet.value.routeTableId ?? "").toLowerCase();
    const table = snapshot.routeTables[rtKey];
    if (table?.ok !== true) throw new Error("no route table");

    table.value.routes = table.value.routes.map((r) => ({ ...r, nextHopType: "Internet", nextHopIpAddress: undefined }));
    expect(egressPathOf(snapshot, subnetId).kind).toBe("nonApplianceHop");
    table.value.routes = [];
    expect(egressPathOf(snapshot, subnetId).kind).toBe("noDefaultRoute");
    snapshot.routeTables[rtKey] = { ok: false, error: { code: "AuthorizationFailed", message: "no" } };
    const unreadable = egressPathOf(snapshot, subnetId);
    expect(unreadable.kind === "routeTableUnreadable" && [unreadable.routeTableId, unreadable.error.scope]).toEqual([subnet.value.routeTableId, subnet.value.routeTableId]);
    delete subnet.value.routeTableId;
    expect(egressPathOf(snapshot, subnetId).kind).toBe("noRouteTable");
    delete snapshot.subnets[subnetId.toLowerCase()];
    const missing = egressPathOf(snapshot, subnetId);
    expect(missing.kind === "subnetUnreadable" && missing.error.code).toBe("NotCollected");
  });

  it("prefers a Succeeded firewall at the next hop, else the first by id", () => {
    const fw = (name: string, provisioningState: string): AzureFirewall => ({ id: `/x/${name}`, name, provisioningState, privateIpAddresses: ["10.0.1.4"], publicIpIds: [] });
    expect(preferredFirewall({ firewalls: [fw("a", "Failed"), fw("b", "Succeeded")], readErrors: [], inventoryCollected: true })?.name).toBe("b");
    expect(preferredFirewall({ firewalls: [fw("a", "Failed"), fw("b", "Updating")], readErrors: [], inventoryCollected: true })?.name).toBe("a");
    expect(preferredFirewall({ firewalls: [], readErrors: [], inventoryCollected: true })).toBeUndefined();
  });
});
