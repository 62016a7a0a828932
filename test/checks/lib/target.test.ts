/** What the checks know about a target: egress mode, firewall requirement, subnets, MC group (src/checks/lib/target.ts). */
import { describe, expect, it } from "vitest";
import { egressMode, mcGroupIdOf, requiresFirewallEgress, targetSubnets } from "../../../src/checks/lib/target.js";
import { caseFixture as fixture } from "../case-files.js";

describe("egress mode", () => {
  it("prefers the pool, then the AKS cluster, then loadBalancer", () => {
    const { snapshot, target } = fixture("pool-outbound-type", "fail-pool-and-aks-disagree");
    const pool = egressMode(snapshot, target);
    expect(pool.ok && pool.mode).toBe("userDefinedRouting");
    expect(pool.ok && pool.source).toBe("pool");

    if (target.pool === undefined) throw new Error("no pool");
    delete target.pool.outboundType;
    target.pool.networkProfilePresent = false;
    const aks = egressMode(snapshot, target);
    expect(aks.ok && aks.mode).toBe("loadBalancer");
    expect(aks.ok && aks.source).toBe("aksCluster");

    for (const part of Object.values(snapshot.aksClusters)) if (part.ok) delete part.value.outboundType;
    const def = egressMode(snapshot, target);
    expect(def.ok && def.mode).toBe("loadBalancer");
    expect(def.ok && def.source).toBe("default");
  });

  it("is not known when the pool is silent and the AKS cluster is unreadable", () => {
    const { snapshot, target } = fixture("pool-outbound-type", "unknown-pool-without-network-profile-aks-forbidden");
    const mode = egressMode(snapshot, target);
    expect(mode.ok).toBe(false);
    if (!mode.ok) expect(mode.error.code).toBe("AuthorizationFailed");
    // The baseline still decides that a firewall is required.
    const req = requiresFirewallEgress(snapshot, target, { requireFirewallEgress: true });
    expect(req.known && req.required).toBe(true);
    expect(requiresFirewallEgress(snapshot, target, {}).known).toBe(false);
  });

  it("derives the subnets and the MC group of a pool that did not state them", () => {
    const { snapshot, target } = fixture("subnet-default-route", "pass-pool-without-network-profile-uses-aks-subnet");
    const subnets = targetSubnets(snapshot, target);
    expect(subnets.ok && subnets.value.ids).toHaveLength(1);
    delete target.mcGroupId;
    if (target.pool !== undefined) delete target.pool.aksManagedResourceGroupName;
    const mc = mcGroupIdOf(snapshot, target);
    expect(mc.ok && mc.value).toMatch(/\/resourceGroups\/MC_hdi-45cd32aead6e4a91b079a0cdbfac8c36_pool-analytics_westeurope$/);
  });
});
