/**
 * How the route and firewall checks use the egress-path resolver on the paths of 2026, where a
 * case file cannot say it (a check that emits nothing, a finding's severity, the firewall scope).
 */
import { describe, expect, it } from "vitest";
import type { Baseline } from "../../../src/baseline/baseline.js";
import { emptyBaseline } from "../../../src/baseline/baseline.js";
import { evaluate } from "../../../src/checks/lib/engine.js";
import { firewallScopes } from "../../../src/checks/lib/firewall/scope.js";
import { caseFixture as fixture, runCheck as run } from "../case-files.js";

const SDR = "subnet-default-route";
const DRF = "default-route-firewall";
const FRE = "firewall-required-egress";
const REQUIRE_FIREWALL: Baseline = { schemaVersion: 1, defaults: { requireFirewallEgress: true } };

function setOutboundType(snapshot: ReturnType<typeof fixture>["snapshot"], outboundType: string): void {
  for (const part of Object.values(snapshot.aksClusters)) if (part.ok) part.value.outboundType = outboundType;
}

describe("which targets subnet-default-route judges", () => {
  it("NAT gateway designs need no firewall unless the baseline requires it", () => {
    for (const outboundType of ["managedNATGateway", "managedNATGatewayV2", "userAssignedNATGateway"]) {
      const { snapshot, target } = fixture(SDR, "fail-nat-gateway-bypasses-required-firewall");
      setOutboundType(snapshot, outboundType);
      expect(run(SDR, snapshot, target)).toEqual([]);
      expect(run(DRF, snapshot, target)).toEqual([]);
      expect(run(SDR, snapshot, target, REQUIRE_FIREWALL).map((r) => r.status)).toEqual(["fail"]);
    }
  });

  it("network-isolated clusters (none, block) are judged for public paths, whatever the baseline", () => {
    for (const outboundType of ["none", "block", "None"]) {
      const { snapshot, target } = fixture(SDR, "pass-network-isolated-private-subnet");
      setOutboundType(snapshot, outboundType);
      expect(run(SDR, snapshot, target).map((r) => r.status)).toEqual(["pass"]);
      expect(run(SDR, snapshot, target, REQUIRE_FIREWALL).map((r) => r.status)).toEqual(["pass"]);
      // No firewall is required (not even by the baseline: no egress may exist), and none is on the path.
      expect(run(DRF, snapshot, target)).toEqual([]);
      expect(run(DRF, snapshot, target, REQUIRE_FIREWALL)).toEqual([]);
      expect(firewallScopes(snapshot, target, { requireFirewallEgress: true })).toMatchObject({ scopes: [], problems: [] });
    }
  });

  it("a network-isolated cluster in an AKS-managed VNet: block passes, none is unknown (the managed subnet is not read), node public IPs fail", () => {
    const { snapshot, target } = fixture(SDR, "pass-network-isolated-private-subnet");
    target.subnetIds = [];
    for (const part of Object.values(snapshot.aksClusters)) {
      if (!part.ok) continue;
      part.value.agentPoolSubnetIds = [];
      part.value.agentPools = [{ name: "nodepool1", mode: "System" }];
    }
    for (const part of Object.values(snapshot.scaleSets ?? {})) if (part.ok) part.value.subnetIds = [];
    expect(run(SDR, snapshot, target).map((r) => [r.status, r.resourceId])).toEqual([["unknown", target.id]]);
    setOutboundType(snapshot, "block");
    expect(run(SDR, snapshot, target).map((r) => r.status)).toEqual(["pass"]);
    for (const part of Object.values(snapshot.aksClusters)) if (part.ok) part.value.agentPools = [{ name: "nodepool1", enableNodePublicIP: true }];
    expect(run(SDR, snapshot, target).map((r) => r.status)).toEqual(["fail"]);
  });

  it("a network-isolated subnet without its own default route depends on the Virtual WAN: a secured hub outranks its exits, an unreadable one leaves them unknown", () => {
    const hubbed = fixture(SDR, "pass-vwan-routing-intent-to-hub-firewall");
    setOutboundType(hubbed.snapshot, "none");
    const secured = run(SDR, hubbed.snapshot, hubbed.target);
    expect(secured.map((r) => [r.status, r.actual])).toEqual([["pass", "0.0.0.0/0 not to the internet"]]);
    expect(secured[0]?.message).toContain("Virtual WAN hub vhub-weu sends 0.0.0.0/0 to Azure Firewall fw-vhub-weu");

    const blind = fixture(SDR, "unknown-vwan-hub-inventory-failed");
    setOutboundType(blind.snapshot, "none");
    expect(run(SDR, blind.snapshot, blind.target).map((r) => r.status)).toEqual(["unknown"]);
    // A private subnet with no other exit has nothing a hub could change.
    for (const part of Object.values(blind.snapshot.subnets)) if (part.ok) part.value.defaultOutboundAccess = false;
    expect(run(SDR, blind.snapshot, blind.target).map((r) => r.status)).toEqual(["pass"]);
  });

  it("a fail-open finding stays critical", () => {
    const c = fixture(SDR, "fail-default-outbound-udr-no-route-table-fails-open");
    const [evaluation] = evaluate(c.snapshot, emptyBaseline, { checkIds: [SDR], now: new Date("2026-12-01T00:00:00Z") });
    const finding = evaluation?.findings[0];
    expect([finding?.status, finding?.severity, finding?.evidence.internetEgressWithoutFirewall]).toEqual(["fail", "critical", true]);
  });
});

describe("default-route-firewall on a Virtual WAN spoke", () => {
  it("an unreadable hub elsewhere says nothing about a target that needs no firewall; the hub that connects its VNet does", () => {
    const hubDown = fixture(SDR, "unknown-vwan-hub-unreadable");
    expect(run(DRF, hubDown.snapshot, hubDown.target).map((r) => r.status)).toEqual(["unknown"]);
    setOutboundType(hubDown.snapshot, "loadBalancer");
    expect(run(DRF, hubDown.snapshot, hubDown.target)).toEqual([]);

    const fwDown = fixture(DRF, "unknown-vwan-hub-firewall-unreadable");
    setOutboundType(fwDown.snapshot, "loadBalancer");
    expect(run(DRF, fwDown.snapshot, fwDown.target).map((r) => r.status)).toEqual(["unknown"]);
  });

  it("judges the hub firewall for a target that needs none, like an appliance route; a baseline approved address or firewall applies", () => {
    const { snapshot, target } = fixture(DRF, "pass-vwan-hub-firewall-succeeded");
    setOutboundType(snapshot, "loadBalancer");
    expect(run(DRF, snapshot, target).map((r) => r.status)).toEqual(["pass"]);
    const approved: Baseline = { schemaVersion: 1, defaults: { approvedApplianceIps: ["10.100.0.132"] } };
    expect(run(DRF, snapshot, target, approved)[0]?.actual).toBe("approved appliance 10.100.0.132");
    const other: Baseline = { schemaVersion: 1, defaults: { firewallResourceId: "/subscriptions/8c0d5e21-4a6f-4b3c-a1d9-6e7f2b8c9d04/resourceGroups/rg-hub-weu/providers/Microsoft.Network/azureFirewalls/fw-hub-weu" } };
    expect(run(DRF, snapshot, target, other).map((r) => [r.status, r.actual])).toEqual([["fail", "Azure Firewall fw-vhub-weu"]]);
  });
});

describe("firewall scope on the paths of 2026", () => {
  it("gives the hub firewall (and its policy) to the firewall checks, found by the hub chain", () => {
    const { snapshot, target } = fixture(FRE, "pass-vwan-hub-firewall-policy-aks-items");
    const found = firewallScopes(snapshot, target, {});
    expect(found.problems).toEqual([]);
    expect(found.scopes.map((s) => [s.firewall.name, s.prefixes])).toEqual([["fw-vhub-weu", ["10.30.0.0/22"]]]);
    expect(found.scopes[0]?.foundBy[0]).toContain("routing intent");
    expect(found.scopes[0]?.foundBy[0]).toContain("at 10.100.0.132");
  });

  it("a hub appliance that is no Azure Firewall, and an unreadable hub, are problems; an unreadable hub elsewhere is none for a target that needs no firewall", () => {
    const { snapshot, target } = fixture(FRE, "pass-vwan-hub-firewall-policy-aks-items");
    for (const part of Object.values(snapshot.virtualHubs ?? {})) {
      if (!part.ok) continue;
      for (const p of part.value.routingIntent?.routingPolicies ?? []) p.nextHop = p.nextHop.replace("azureFirewalls/fw-vhub-weu", "networkVirtualAppliances/nva-weu");
    }
    expect(firewallScopes(snapshot, target, {}).problems.map((p) => p.error.code)).toEqual(["FirewallNotFound"]);

    const down = fixture(FRE, "unknown-vwan-hub-unreadable");
    expect(firewallScopes(down.snapshot, down.target, {}).problems.map((p) => p.error.code)).toEqual(["AuthorizationFailed"]);
    setOutboundType(down.snapshot, "loadBalancer");
    expect(firewallScopes(down.snapshot, down.target, {})).toMatchObject({ scopes: [], problems: [] });
  });
});
