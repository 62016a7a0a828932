/** Shared helpers and the "does not apply" paths the case files cannot express (no result at all). */
import { describe, expect, it } from "vitest";
import type { Baseline } from "../../src/baseline/baseline.js";
import { egressMode, findDefaultRoute, isDefaultRoutePrefix, mcGroupIdOf, parseIpv4, parseIpv4Prefix, prefixContains, prefixLength, requiresFirewallEgress, targetSubnets } from "../../src/checks/common.js";
import { caseFixture as fixture, runCheck as run } from "./case-files.js";



describe("IPv4 helpers", () => {
  it("parses addresses and prefixes", () => {
    expect(parseIpv4("10.0.1.4")).toBe(10 * 2 ** 24 + 1 * 2 ** 8 + 4);
    expect(parseIpv4("255.255.255.255")).toBe(2 ** 32 - 1);
    expect(parseIpv4("256.0.0.1")).toBeUndefined();
    expect(parseIpv4("10.0.1")).toBeUndefined();
    expect(parseIpv4Prefix("10.20.0.0/22")).toEqual({ network: parseIpv4("10.20.0.0"), length: 22 });
    expect(parseIpv4Prefix("10.20.3.7/22")).toEqual({ network: parseIpv4("10.20.0.0"), length: 22 });
    expect(parseIpv4Prefix("20.61.10.5")).toEqual({ network: parseIpv4("20.61.10.5"), length: 32 });
    expect(parseIpv4Prefix("10.0.0.0/33")).toBeUndefined();
    expect(parseIpv4Prefix("AzureCloud.westeurope")).toBeUndefined();
    expect(prefixLength("128.0.0.0/1")).toBe(1);
    expect(prefixLength("Internet")).toBeUndefined();
  });

  it("recognises the default route and containment", () => {
    expect(isDefaultRoutePrefix("0.0.0.0/0")).toBe(true);
    expect(isDefaultRoutePrefix("0.0.0.0/1")).toBe(false);
    expect(isDefaultRoutePrefix("0.0.0.0")).toBe(false);
    expect(prefixContains("52.160.0.0/11", "52.160.0.0/16")).toBe(true);
    expect(prefixContains("52.160.0.0/11", "52.191.255.0/24")).toBe(true);
    expect(prefixContains("52.160.0.0/11", "52.192.0.0/16")).toBe(false);
    expect(prefixContains("52.160.0.0/16", "52.160.0.0/11")).toBe(false);
    expect(prefixContains("0.0.0.0/0", "128.0.0.0/1")).toBe(true);
    expect(findDefaultRoute({ id: "x", name: "x", routes: [{ name: "a", addressPrefix: "0.0.0.0/1", nextHopType: "Internet" }] })).toBeUndefined();
  });
});

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

describe("checks that do not apply emit nothing", () => {
  it("subnet-default-route: a loadBalancer target without a firewall requirement", () => {
    const { snapshot, target } = fixture("subnet-default-route", "fail-udr-pool-no-route-table");
    expect(run("subnet-default-route", snapshot, target)).toHaveLength(1);
    if (target.pool !== undefined) target.pool.outboundType = "loadBalancer";
    expect(run("subnet-default-route", snapshot, target)).toEqual([]);
    // ... unless the baseline requires firewall egress.
    const required: Baseline = { schemaVersion: 1, defaults: { requireFirewallEgress: true } };
    expect(run("subnet-default-route", snapshot, target, required).map((r) => r.status)).toEqual(["fail"]);
  });

  it("default-route-firewall: a loadBalancer target whose default route is not an appliance", () => {
    const { snapshot, target } = fixture("default-route-firewall", "fail-udr-pool-default-route-internet");
    expect(run("default-route-firewall", snapshot, target).map((r) => r.status)).toEqual(["fail"]);
    if (target.pool !== undefined) target.pool.outboundType = "loadBalancer";
    expect(run("default-route-firewall", snapshot, target)).toEqual([]);
  });

  it("default-route-firewall: an unreadable route table is unknown even when no firewall is required", () => {
    const { snapshot, target } = fixture("default-route-firewall", "unknown-route-table-forbidden");
    if (target.pool !== undefined) target.pool.outboundType = "loadBalancer";
    expect(run("default-route-firewall", snapshot, target).map((r) => r.status)).toEqual(["unknown"]);
  });

  it("subnet-default-route: an unknown egress mode is unknown per subnet, never silent", () => {
    const { snapshot, target } = fixture("subnet-default-route", "pass-udr-pool-default-route-to-firewall");
    if (target.pool === undefined) throw new Error("no pool");
    delete target.pool.outboundType;
    for (const key of Object.keys(snapshot.aksClusters)) {
      snapshot.aksClusters[key] = { ok: false, error: { code: "AuthorizationFailed", message: "forbidden", statusCode: 403 } };
    }
    const results = run("subnet-default-route", snapshot, target);
    expect(results.map((r) => r.status)).toEqual(["unknown"]);
    expect((results[0]?.evidence.readError as { code: string }).code).toBe("AuthorizationFailed");
  });
});
