/** Which firewall judges a target (src/checks/lib/firewall/scope.ts), and the check paths that follow from it. */
import { describe, expect, it } from "vitest";
import type { Baseline } from "../../../../src/baseline/baseline.js";
import { firewallScopes } from "../../../../src/checks/lib/firewall/scope.js";
import { caseFixture as fixture, runCheck as run } from "../../case-files.js";
import { HUB, fw } from "./fixtures.js";

const FRE = "firewall-required-egress";
const FOB = "firewall-overbroad-allow";

describe("which firewall judges a target", () => {
  it("follows the default route's next hop, or the baseline firewall", () => {
    const { snapshot, target } = fixture(FRE, "pass-udr-pool-spark-complete-policy");
    const found = firewallScopes(snapshot, target, {});
    expect(found.problems).toEqual([]);
    expect(found.scopes.map((s) => [s.firewall.name, s.prefixes])).toEqual([["fw-hub-weu", ["10.20.0.0/22"]]]);

    const other = `${HUB}/azureFirewalls/fw-other`;
    snapshot.firewalls[other.toLowerCase()] = { ok: true, value: fw({ id: other, name: "fw-other", privateIpAddresses: ["10.9.9.9"] }) };
    const byBaseline = firewallScopes(snapshot, target, { firewallResourceId: other });
    expect(byBaseline.scopes.map((s) => s.firewall.name)).toEqual(["fw-other"]);
    expect(byBaseline.scopes[0]?.foundBy[0]).toContain("baseline firewallResourceId");
  });

  it("does not apply to a loadBalancer target without an appliance default route", () => {
    const { snapshot, target } = fixture(FRE, "pass-udr-pool-spark-complete-policy");
    if (target.pool === undefined) throw new Error("no pool");
    target.pool.outboundType = "loadBalancer";
    for (const rt of Object.values(snapshot.routeTables)) if (rt.ok) rt.value.routes = [];
    expect(firewallScopes(snapshot, target, {})).toMatchObject({ scopes: [], problems: [] });
    expect(run(FRE, snapshot, target)).toEqual([]);
    expect(run(FOB, snapshot, target)).toEqual([]);
    // The same loadBalancer target with an appliance route is judged.
    const again = fixture(FRE, "pass-udr-pool-spark-complete-policy");
    if (again.target.pool === undefined) throw new Error("no pool");
    again.target.pool.outboundType = "loadBalancer";
    expect(run(FRE, again.snapshot, again.target).every((r) => r.status === "pass")).toBe(true);
  });

  it("reports unknown when the next hop is no Azure Firewall or a required subnet has no appliance route", () => {
    const { snapshot, target } = fixture(FRE, "pass-udr-pool-spark-complete-policy");
    for (const rt of Object.values(snapshot.routeTables)) if (rt.ok) for (const r of rt.value.routes) r.nextHopIpAddress = "10.0.9.9";
    const nva = run(FRE, snapshot, target);
    expect(nva.map((r) => [r.status, r.actual])).toEqual([["unknown", "unknown (FirewallNotFound)"]]);
    // A baseline-approved appliance has no rules to read: the checks do not apply to that subnet.
    const approved: Baseline = { schemaVersion: 1, defaults: { approvedApplianceIps: ["10.0.9.9"] } };
    expect(run(FRE, snapshot, target, approved)).toEqual([]);
    expect(run(FOB, snapshot, target, approved)).toEqual([]);
    for (const rt of Object.values(snapshot.routeTables)) if (rt.ok) rt.value.routes = [];
    expect(run(FOB, snapshot, target).map((r) => r.actual)).toEqual(["unknown (NoFirewallRoute)"]);
  });
});
