/**
 * Outbound types compared as egress designs, not strings (CHECKS.md "NAT gateway egress" and
 * "Network-isolated clusters"; reference §8.1-8.2):
 * - the preview spelling `managedNATGatewayV2` is `managedNATGateway` with `natGatewayProfile.sku`
 *   `StandardV2`: a baseline requiring `managedNATGateway` accepts either SKU, one requiring
 *   `managedNATGatewayV2` needs the StandardV2 gateway whatever the spelling;
 * - `none` and `block` stay distinct values (both network isolated: `block` also makes AKS write
 *   NSG rules that stop internet egress, managed VNet only);
 * - every other value is compared case-insensitively as the API spells it.
 * Pure.
 */
import type { AksCluster, ReadError, Snapshot } from "../../model/snapshot.js";
import { sameText } from "./names.js";
import { isManagedNatMode, natGatewaySkuOf } from "./natOutbound.js";
import type { NatSku } from "./natOutbound.js";
import { egressDesignOf } from "./target.js";

/** Whether an outbound type satisfies the one a baseline requires. */
export type DesignMatch =
  | { kind: "match"; note?: string }
  | { kind: "mismatch"; note?: string }
  | { kind: "unknown"; error: ReadError; note: string };

/** The StandardV2 NAT gateway SKU name. */
export const STANDARD_V2 = "StandardV2";

/**
 * Compares the outbound type `actual` with the baseline's `required`. `sku` tells the NAT gateway
 * SKU of the cluster, asked only when the answer depends on it.
 */
export function matchOutboundType(required: string, actual: string, sku: () => NatSku): DesignMatch {
  if (sameText(required, actual)) return { kind: "match" };
  if (sameText(required, "managedNATGateway") && sameText(actual, "managedNATGatewayV2")) {
    return {
      kind: "match",
      note: "managedNATGatewayV2 is the preview spelling of managedNATGateway with natGatewayProfile.sku StandardV2; the baseline names no SKU",
    };
  }
  if (sameText(required, "managedNATGatewayV2") && sameText(actual, "managedNATGateway")) {
    const known = sku();
    if (!known.ok) {
      return {
        kind: "unknown",
        error: known.error,
        note: "it names the StandardV2 NAT gateway, natGatewayProfile.sku is not stated and the NAT gateway of the outbound addresses could not be read",
      };
    }
    return sameText(known.sku, STANDARD_V2)
      ? { kind: "match", note: `managedNATGateway with NAT gateway SKU StandardV2 (${known.source}) is the design managedNATGatewayV2 names` }
      : { kind: "mismatch", note: `managedNATGateway with NAT gateway SKU ${known.sku} (${known.source}), not StandardV2` };
  }
  if (egressDesignOf(required) === "isolated" && egressDesignOf(actual) === "isolated") {
    return {
      kind: "mismatch",
      note: "both are network-isolated outbound types, but none and block are distinct values; block also makes AKS write NSG rules that stop internet egress, managed VNet only",
    };
  }
  return { kind: "mismatch" };
}

/** The spelling, design and NAT gateway SKU of an outbound type, for a finding's evidence and `actual`. */
export interface OutboundDescription {
  evidence: Record<string, unknown>;
  /** `managedNATGateway (NAT gateway StandardV2)`, `none (network isolated)`, or the spelling alone. */
  text: string;
  /** The SKU lookup (cached), for {@link matchOutboundType}. */
  sku: () => NatSku;
}

/** Describes an outbound type; `aks` is the target's AKS cluster when readable. */
export function describeOutboundType(snapshot: Snapshot, mode: string, aks: AksCluster | undefined): OutboundDescription {
  const design = egressDesignOf(mode);
  let cached: NatSku | undefined;
  const sku = (): NatSku =>
    (cached ??=
      aks !== undefined
        ? natGatewaySkuOf(snapshot, aks, mode)
        : sameText(mode, "managedNATGatewayV2")
          ? { ok: true, sku: STANDARD_V2, source: "outboundType managedNATGatewayV2 (preview spelling of managedNATGateway with sku StandardV2)" }
          : { ok: false, error: { code: "NotCollected", message: "the AKS cluster was not collected, so its NAT gateway SKU is not known" } });
  const evidence: Record<string, unknown> = { outboundTypeSpelling: mode, egressDesign: design };
  let text = mode;
  if (sameText(mode, "managedNATGatewayV2")) evidence.spellingNote = "preview spelling of managedNATGateway with natGatewayProfile.sku StandardV2";
  if (isManagedNatMode(mode)) {
    const known = sku();
    evidence.natGatewaySku = known.ok ? known.sku : "not stated (natGatewayProfile.sku absent; the region's default applies)";
    if (known.ok) {
      evidence.natGatewaySkuSource = known.source;
      text = `${mode} (NAT gateway ${known.sku})`;
    }
  } else if (design === "natGateway" && aks?.natGatewaySku !== undefined) {
    evidence.natGatewaySku = aks.natGatewaySku;
    text = `${mode} (NAT gateway ${aks.natGatewaySku})`;
  } else if (design === "isolated") {
    text = `${mode} (network isolated)`;
  }
  return { evidence, text, sku };
}
