/** Outbound types compared as egress designs, not strings (src/checks/lib/outboundDesign.ts). */
import { describe, expect, it } from "vitest";
import { describeOutboundType, matchOutboundType } from "../../../src/checks/lib/outboundDesign.js";
import type { NatSku } from "../../../src/checks/lib/natOutbound.js";
import { caseFixture as fixture } from "../case-files.js";

const v2: () => NatSku = () => ({ ok: true, sku: "StandardV2", source: "natGatewayProfile.sku" });
const standard: () => NatSku = () => ({ ok: true, sku: "Standard", source: "natGatewayProfile.sku" });
const unread: () => NatSku = () => ({ ok: false, error: { code: "Throttled", message: "429" } });
const never: () => NatSku = () => {
  throw new Error("the SKU was asked although the answer does not depend on it");
};

describe("matchOutboundType", () => {
  it("compares the same spelling case-insensitively without asking for the SKU", () => {
    expect(matchOutboundType("userDefinedRouting", "userdefinedrouting", never).kind).toBe("match");
    expect(matchOutboundType("managedNATGateway", "managedNATGateway", never).kind).toBe("match");
    expect(matchOutboundType("managedNATGatewayV2", "managedNATGatewayV2", never).kind).toBe("match");
  });

  it("accepts the preview V2 spelling where the baseline names managedNATGateway (no SKU)", () => {
    const m = matchOutboundType("managedNATGateway", "managedNATGatewayV2", never);
    expect(m.kind).toBe("match");
    expect(m.kind === "match" && m.note).toMatch(/preview spelling/);
  });

  it("needs the StandardV2 gateway where the baseline names managedNATGatewayV2", () => {
    expect(matchOutboundType("managedNATGatewayV2", "managedNATGateway", v2).kind).toBe("match");
    expect(matchOutboundType("managedNATGatewayV2", "managedNATGateway", standard).kind).toBe("mismatch");
    const unknown = matchOutboundType("managedNATGatewayV2", "managedNATGateway", unread);
    expect(unknown.kind).toBe("unknown");
    expect(unknown.kind === "unknown" && unknown.error.code).toBe("Throttled");
  });

  it("keeps none and block distinct, and the NAT designs apart from each other", () => {
    const isolated = matchOutboundType("none", "block", never);
    expect(isolated.kind).toBe("mismatch");
    expect(isolated.kind === "mismatch" && isolated.note).toMatch(/distinct/);
    expect(matchOutboundType("block", "none", never).kind).toBe("mismatch");
    expect(matchOutboundType("managedNATGateway", "userAssignedNATGateway", never).kind).toBe("mismatch");
    expect(matchOutboundType("userAssignedNATGateway", "managedNATGatewayV2", never).kind).toBe("mismatch");
    expect(matchOutboundType("userDefinedRouting", "loadBalancer", never).kind).toBe("mismatch");
  });
});

describe("describeOutboundType", () => {
  it("says the spelling, the design and the SKU", () => {
    const { snapshot } = fixture("pool-outbound-type", "pass-nat-gateway-v2-preview-spelling-baseline-managed");
    const preview = describeOutboundType(snapshot, "managedNATGatewayV2", undefined);
    expect(preview.text).toBe("managedNATGatewayV2 (NAT gateway StandardV2)");
    expect(preview.evidence).toMatchObject({ outboundTypeSpelling: "managedNATGatewayV2", egressDesign: "natGateway", natGatewaySku: "StandardV2" });
    expect(describeOutboundType(snapshot, "none", undefined).text).toBe("none (network isolated)");
    expect(describeOutboundType(snapshot, "userDefinedRouting", undefined).text).toBe("userDefinedRouting");
  });

  it("reads an unstated SKU from the NAT gateway of the outbound addresses, once", () => {
    const { snapshot } = fixture("pool-outbound-type", "pass-nat-gateway-sku-read-from-gateway-baseline-v2");
    const aks = Object.values(snapshot.aksClusters)[0];
    if (aks === undefined || !aks.ok) throw new Error("no AKS cluster");
    const described = describeOutboundType(snapshot, "managedNATGateway", aks.value);
    expect(described.text).toBe("managedNATGateway (NAT gateway StandardV2)");
    expect(described.sku()).toBe(described.sku());
  });
});
