/** The NSGs on the node NICs of a target (src/checks/lib/nicNsgs.ts). */
import { describe, expect, it } from "vitest";
import { nicNsgsOf } from "../../../src/checks/lib/nicNsgs.js";
import { caseFixture as fixture, runCheck } from "../case-files.js";

describe("nicNsgsOf", () => {
  it("collects each NSG once with the scale sets that carry it", () => {
    const { snapshot, target } = fixture("subnet-nsg-inbound", "fail-nic-nsg-ssh-from-internet-no-subnet-nsg");
    const nics = nicNsgsOf(snapshot, target);
    expect(nics.notCollected).toBe(false);
    expect(nics.gaps).toEqual([]);
    expect(nics.nsgs.map((n) => [n.id.split("/").pop(), n.scaleSetNames])).toEqual([["aks-agentpool-38290115-nsg", ["aks-nodepool1-38290115-vmss"]]]);
  });

  it("says 'not collected' for a snapshot without the scale set map", () => {
    const { snapshot, target } = fixture("subnet-nsg-inbound", "pass-aks-cluster-no-nsg-not-required");
    expect(nicNsgsOf(snapshot, target)).toMatchObject({ notCollected: true, nsgs: [], gaps: [] });
  });

  it("an unreadable MC group or scale set is a gap, never 'no NSG'", () => {
    const { snapshot, target } = fixture("subnet-nsg-inbound", "fail-nic-nsg-ssh-from-internet-no-subnet-nsg");
    const groups = structuredClone(snapshot);
    for (const key of Object.keys(groups.mcGroups)) groups.mcGroups[key] = { ok: false, error: { code: "AuthorizationFailed", message: "403" } };
    expect(nicNsgsOf(groups, target).gaps.map((g) => g.error.code)).toEqual(["AuthorizationFailed"]);
    const sets = structuredClone(snapshot);
    for (const key of Object.keys(sets.scaleSets ?? {})) sets.scaleSets![key] = { ok: false, error: { code: "Throttled", message: "429" } };
    expect(nicNsgsOf(sets, target).gaps.map((g) => g.error.code)).toEqual(["Throttled"]);
  });
});

describe("subnet-nsg-inbound with node NIC NSGs", () => {
  it("judges an NSG that is on both the subnet and the NICs once, on the subnet", () => {
    const { snapshot, target } = fixture("subnet-nsg-inbound", "fail-nic-nsg-ssh-from-internet-no-subnet-nsg");
    const nsgId = Object.values(snapshot.networkSecurityGroups)[0];
    if (nsgId === undefined || !nsgId.ok) throw new Error("no NSG");
    for (const s of Object.values(snapshot.subnets)) if (s.ok) s.value.networkSecurityGroupId = nsgId.value.id;
    const results = runCheck("subnet-nsg-inbound", snapshot, target);
    expect(results.map((r) => [r.status, r.resourceId === target.subnetIds[0]])).toEqual([["fail", true]]);
  });

  it("a subnet without NSG and a clean NIC NSG: both pass; requireNsg still fails the subnet", () => {
    const { snapshot, target } = fixture("subnet-nsg-inbound", "pass-nic-nsg-aks-managed-nsg-clean");
    expect(runCheck("subnet-nsg-inbound", snapshot, target).map((r) => r.status)).toEqual(["pass", "pass"]);
    const required = runCheck("subnet-nsg-inbound", snapshot, target, { schemaVersion: 1, defaults: { requireNsg: true } });
    expect(required.map((r) => r.status)).toEqual(["fail", "pass"]);
  });
});
