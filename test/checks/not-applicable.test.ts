/** The "does not apply" paths the case files cannot express (no result at all). */
import { describe, expect, it } from "vitest";
import type { Baseline } from "../../src/baseline/baseline.js";
import { caseFixture as fixture, runCheck as run } from "./case-files.js";

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

describe("private DNS and ingress checks that do not apply emit nothing", () => {
  it("private-dns-a-record: plain AKS clusters, and pools with no private cluster and no managed-group zone", () => {
    const aks = fixture("cluster-private-ingress", "pass-aks-cluster-baseline-no-public-ingress");
    expect(run("private-dns-a-record", aks.snapshot, aks.target)).toEqual([]);
    const { snapshot, target } = fixture("private-dns-a-record", "pass-no-private-cluster-clean-managed-zone");
    expect(run("private-dns-a-record", snapshot, target).map((r) => r.status)).toEqual(["pass"]);
    // Snapshots are immutable once built (checks index them): derive a new one without zones.
    const withoutZones = {
      ...snapshot,
      privateDnsZones: {},
      privateDnsZoneInventory: Object.fromEntries(Object.keys(snapshot.privateDnsZoneInventory).map((k) => [k, { ok: true as const, value: [] }])),
    };
    expect(run("private-dns-a-record", withoutZones, target)).toEqual([]);
  });

  it("cluster-private-ingress: a plain AKS cluster is judged only under a private-ingress baseline", () => {
    const { snapshot, target } = fixture("cluster-private-ingress", "fail-aks-cluster-baseline-private-public-ingress");
    expect(run("cluster-private-ingress", snapshot, target)).toEqual([]);
    const required: Baseline = { schemaVersion: 1, defaults: { privateIngress: true } };
    expect(run("cluster-private-ingress", snapshot, target, required).map((r) => r.status)).toEqual(["fail"]);
  });

  it("api-server-private always judges (pools and plain AKS)", () => {
    const { snapshot, target } = fixture("api-server-private", "pass-aks-cluster-public-with-authorized-ranges");
    expect(run("api-server-private", snapshot, target).map((r) => r.status)).toEqual(["pass"]);
  });
});
