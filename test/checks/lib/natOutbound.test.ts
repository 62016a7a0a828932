/** What a NAT gateway design explains, and the NAT gateway SKU (src/checks/lib/natOutbound.ts). */
import { describe, expect, it } from "vitest";
import { aksClusterOf } from "../../../src/checks/lib/target.js";
import { isManagedNatMode, natExplains, natGatewaySkuOf, natOutboundOf } from "../../../src/checks/lib/natOutbound.js";
import { caseFixture as fixture } from "../case-files.js";

const MC = "/subscriptions/3f2a1c9e-7b4d-4e8a-9c61-2d5e8f0a7b13/resourceGroups/MC_rg-payments_aks-payments_westeurope";

describe("natOutboundOf / natExplains", () => {
  it("explains effectiveOutboundIPs (public IPs and prefixes) and what sits on the AKS-managed gateway of the MC group", () => {
    const { snapshot, target } = fixture("mc-group-public-ip", "pass-nat-gateway-managed-v2-outbound-ip-and-prefix");
    const nat = natOutboundOf(snapshot, target, aksClusterOf(snapshot, target), "managedNATGateway", MC);
    expect(nat.errors).toEqual([]);
    expect(natExplains(nat, `${MC}/providers/Microsoft.Network/publicIPPrefixes/MGDOUTBOUNDPREFIX1`)).toMatch(/effectiveOutboundIPs/);
    expect(natExplains(nat, `${MC}/providers/Microsoft.Network/publicIPAddresses/other`, `${MC}/providers/Microsoft.Network/natGateways/natgateway`)).toMatch(
      /AKS-managed NAT gateway natgateway/,
    );
    expect(natExplains(nat, `${MC}/providers/Microsoft.Network/publicIPAddresses/other`)).toBeUndefined();
    // A NAT gateway outside the MC group is not AKS's own.
    expect(natExplains(nat, "/x", "/subscriptions/s/resourceGroups/rg-other/providers/Microsoft.Network/natGateways/n")).toBeUndefined();
  });

  it("userAssignedNATGateway: the gateway on the subnet explains its addresses; an unreadable subnet is an error", () => {
    const { snapshot, target } = fixture("mc-group-public-ip", "pass-nat-gateway-user-assigned-subnet-gateway-ip");
    const nat = natOutboundOf(snapshot, target, aksClusterOf(snapshot, target), "userAssignedNATGateway", MC);
    expect(nat.managedGroupId).toBeUndefined();
    expect(natExplains(nat, `${MC}/providers/Microsoft.Network/publicIPAddresses/pip-natgw-spoke-weu`)).toMatch(/natgw-spoke-weu on subnet snet-aks-nodes/);

    const forbidden = fixture("mc-group-public-ip", "unknown-nat-gateway-user-assigned-subnet-forbidden");
    const none = natOutboundOf(forbidden.snapshot, forbidden.target, aksClusterOf(forbidden.snapshot, forbidden.target), "userAssignedNATGateway", MC);
    expect(none.gateways.size).toBe(0);
    expect(none.errors.map((e) => e.code)).toEqual(["AuthorizationFailed"]);
  });

  it("knows the managed spellings", () => {
    expect(isManagedNatMode("managedNATGateway")).toBe(true);
    expect(isManagedNatMode("MANAGEDNATGATEWAYV2")).toBe(true);
    expect(isManagedNatMode("userAssignedNATGateway")).toBe(false);
  });
});

describe("natGatewaySkuOf", () => {
  it("prefers natGatewayProfile.sku, then the V2 spelling, then the gateway of the outbound addresses", () => {
    const { snapshot, target } = fixture("pool-outbound-type", "pass-nat-gateway-sku-read-from-gateway-baseline-v2");
    const aks = aksClusterOf(snapshot, target);
    if (!aks.ok) throw new Error("no AKS cluster");
    const fromGateway = natGatewaySkuOf(snapshot, aks.value, "managedNATGateway");
    expect(fromGateway.ok && fromGateway.sku).toBe("StandardV2");
    expect(fromGateway.ok && fromGateway.source).toMatch(/natGateways\/natgateway sku.name/);
    const stated = natGatewaySkuOf(snapshot, { ...aks.value, natGatewaySku: "Standard" }, "managedNATGateway");
    expect(stated.ok && stated.sku).toBe("Standard");
    const spelled = natGatewaySkuOf(snapshot, { ...aks.value, natEffectiveOutboundIds: [] }, "managedNATGatewayV2");
    expect(spelled.ok && spelled.sku).toBe("StandardV2");
  });

  it("is not known when nothing says it (never a guess from the regional default)", () => {
    const { snapshot, target } = fixture("pool-outbound-type", "unknown-nat-gateway-v2-required-sku-not-stated");
    const aks = aksClusterOf(snapshot, target);
    if (!aks.ok) throw new Error("no AKS cluster");
    const sku = natGatewaySkuOf(snapshot, aks.value, "managedNATGateway");
    expect(sku.ok).toBe(false);
    expect(!sku.ok && sku.error.code).toBe("Throttled");
    const nothing = natGatewaySkuOf(snapshot, { ...aks.value, natEffectiveOutboundIds: [] }, "managedNATGateway");
    expect(!nothing.ok && nothing.error.code).toBe("NotCollected");
  });
});
