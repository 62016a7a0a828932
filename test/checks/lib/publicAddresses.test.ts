/** Public addresses beyond publicIPAddresses: prefixes, node public IPs, and the gaps (src/checks/lib/publicAddresses.ts). */
import { describe, expect, it } from "vitest";
import type { McGroupContents, ScaleSet, Snapshot } from "../../../src/model/snapshot.js";
import { agentPoolIdOf, instanceOf, publicAddressInventory } from "../../../src/checks/lib/publicAddresses.js";
import { aksClusterOf, mcGroupIdOf } from "../../../src/checks/lib/target.js";
import { caseFixture as fixture, runCheck } from "../case-files.js";

function groupOf(snapshot: Snapshot, id: string): McGroupContents {
  const part = snapshot.mcGroups[id.toLowerCase()];
  if (part === undefined || !part.ok) throw new Error("no MC group");
  return part.value;
}

function inventoryOf(check: string, name: string, edit?: (snapshot: Snapshot) => void) {
  const { snapshot, target } = fixture(check, name);
  edit?.(snapshot);
  const mc = mcGroupIdOf(snapshot, target);
  if (!mc.ok) throw new Error("no MC group id");
  return { inventory: publicAddressInventory(snapshot, groupOf(snapshot, mc.value), aksClusterOf(snapshot, target)), snapshot, target };
}

function scaleSetsOf(snapshot: Snapshot): ScaleSet[] {
  return Object.values(snapshot.scaleSets ?? {}).flatMap((p) => (p.ok ? [p.value] : []));
}

describe("publicAddressInventory", () => {
  it("lists the node pool's prefix once (MC group and nodePublicIPPrefixID) and every instance-level IP", () => {
    const { inventory } = inventoryOf("mc-group-public-ip", "fail-node-public-ip-udr-prefix-and-instance-ips");
    expect(inventory.prefixes).toHaveLength(1);
    expect(inventory.prefixes[0]).toMatchObject({ inMcGroup: true, nodePools: ["nodepool1"] });
    expect(inventory.instanceIps.map((e) => e.ip.ipAddress)).toEqual(["20.31.200.249", "20.31.200.250"]);
    expect(inventory.gaps).toEqual([]);
    expect(inventory.nodePublicIpPools).toEqual(["nodepool1"]);
  });

  it("judges a snapshot written before prefixes and scale sets were read as before, with a note", () => {
    const { inventory } = inventoryOf("mc-group-public-ip", "pass-udr-pool-empty-mc-group");
    expect(inventory.gaps).toEqual([]);
    expect(inventory.prefixes).toEqual([]);
    expect(inventory.notes).toHaveLength(2);
  });

  it("a scale set that configures instance public IPs needs them read, even when no agent pool says so", () => {
    const { inventory } = inventoryOf("mc-group-public-ip", "pass-public-ip-prefix-none-and-no-node-public-ip", (s) => {
      for (const ss of scaleSetsOf(s)) ss.instancePublicIpConfigured = true;
    });
    expect(inventory.gaps.map((g) => [g.item, g.error.code])).toEqual([["instancePublicIps", "NotCollected"]]);
  });

  it("a scale set without the pool tag counts for a flagged pool no tagged scale set carries", () => {
    const { inventory } = inventoryOf("mc-group-public-ip", "pass-public-ip-prefix-none-and-no-node-public-ip", (s) => {
      for (const p of Object.values(s.aksClusters)) if (p.ok) p.value.agentPools = [{ name: "nodepool1", enableNodePublicIP: true }];
      for (const ss of scaleSetsOf(s)) delete ss.agentPoolName;
    });
    expect(inventory.gaps.map((g) => g.resourceId)).toEqual([scaleSetsOf(fixture("mc-group-public-ip", "pass-public-ip-prefix-none-and-no-node-public-ip").snapshot)[0]?.id]);
  });

  it("a flagged pool that no scale set carries is a gap on the agent pool", () => {
    const { inventory, target } = inventoryOf("mc-group-public-ip", "pass-public-ip-prefix-none-and-no-node-public-ip", (s) => {
      for (const p of Object.values(s.aksClusters)) if (p.ok) p.value.agentPools = [{ name: "spot", enableNodePublicIP: true }];
    });
    expect(inventory.gaps.map((g) => g.resourceId)).toEqual([agentPoolIdOf(target.id, "spot")]);
  });

  it("an unreadable scale set is a gap; a readable one that configures nothing is not read", () => {
    const { inventory } = inventoryOf("mc-group-public-ip", "pass-public-ip-prefix-none-and-no-node-public-ip", (s) => {
      for (const key of Object.keys(s.scaleSets ?? {})) s.scaleSets![key] = { ok: false, error: { code: "AuthorizationFailed", message: "403" } };
    });
    expect(inventory.gaps.map((g) => g.error.code)).toEqual(["AuthorizationFailed"]);
    const clean = inventoryOf("mc-group-public-ip", "pass-public-ip-prefix-none-and-no-node-public-ip").inventory;
    expect(clean.gaps).toEqual([]);
    expect(clean.scaleSetsRead).toEqual([]);
  });
});

describe("instanceOf", () => {
  it("reads the instance and NIC from the ip configuration id (VmssPublicIpListAll.json shape)", () => {
    const vmss = "/subscriptions/subid/resourceGroups/vmss-tester/providers/Microsoft.Compute/virtualMachineScaleSets/vmss1";
    expect(instanceOf({ id: `${vmss}/virtualMachines/3/networkInterfaces/nic1/ipConfigurations/ip1/publicIPAddresses/pub1`, name: "pub1" })).toEqual({
      instance: "3",
      nic: "nic1",
    });
  });
});

describe("mc-group-public-ip outside the case files", () => {
  it("an agent pool flag with every scale set read and no instance IP is a pass that names the pool", () => {
    const { snapshot, target } = fixture("mc-group-public-ip", "pass-public-ip-prefix-none-and-no-node-public-ip");
    for (const p of Object.values(snapshot.aksClusters)) if (p.ok) p.value.agentPools = [{ name: "nodepool1", enableNodePublicIP: true }];
    for (const ss of scaleSetsOf(snapshot)) ss.instancePublicIps = { ok: true, value: [] };
    const results = runCheck("mc-group-public-ip", snapshot, target);
    expect(results.map((r) => r.status)).toEqual(["pass"]);
    expect(JSON.stringify(results[0]?.evidence)).toContain("\"nodePublicIpPools\":[\"nodepool1\"]");
  });

  it("network-isolated (none, block) and unknown outbound types explain no public address", () => {
    for (const mode of ["none", "block", "someFutureType"]) {
      const { snapshot, target } = fixture("mc-group-public-ip", "pass-nat-gateway-managed-v2-outbound-ip-and-prefix");
      for (const p of Object.values(snapshot.aksClusters)) if (p.ok) p.value.outboundType = mode;
      expect(runCheck("mc-group-public-ip", snapshot, target).map((r) => r.status)).toEqual(["fail", "fail"]);
    }
  });

  it("a NAT read failure does not make an address unknown when its own back-reference says it is on no NAT gateway", () => {
    const { snapshot, target } = fixture("mc-group-public-ip", "unknown-nat-gateway-user-assigned-subnet-forbidden");
    for (const p of Object.values(snapshot.publicIps)) if (p.ok) delete p.value.attachedTo;
    expect(runCheck("mc-group-public-ip", snapshot, target).map((r) => r.status)).toEqual(["fail"]);
  });
});
