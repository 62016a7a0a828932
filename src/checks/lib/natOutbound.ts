/**
 * NAT gateway egress (CHECKS.md "Egress paths and estates of 2026", "NAT gateway egress"): which
 * public addresses a NAT gateway design explains, and which NAT gateway SKU a managed design runs.
 * Pure; a fact that needed an unreadable resource is an error, never a guess.
 *
 * Sources, in the order they are consulted (reference §8.1):
 * - `natGatewayProfile.effectiveOutboundIPs` of the AKS cluster: ids of public IPs **or** public IP
 *   prefixes (read-only, set by AKS for the managed designs);
 * - for the managed designs (`managedNATGateway`, preview `managedNATGatewayV2`), a NAT gateway in
 *   the MC group is AKS's own, so what is attached to it is its outbound address;
 * - the NAT gateway on the target's subnets (`Subnet.natGatewayId`), with its `publicIpAddresses`
 *   and `publicIpPrefixes` (the `userAssignedNATGateway` design; harmless for the others).
 */
import type { AksCluster, NatGateway, Part, ReadError, Snapshot, Target } from "../../model/snapshot.js";
import { lookup } from "../../model/snapshot.js";
import { nameOf, sameText } from "./names.js";
import { errorOf, notCollected, resolve } from "./parts.js";
import { subnetOf, targetSubnets } from "./target.js";

/** What a NAT gateway design explains for one target. */
export interface NatOutbound {
  /** Lower-cased public IP / public IP prefix id -> why it is explained. */
  addresses: Map<string, string>;
  /** Lower-cased NAT gateway id -> why the addresses attached to it are explained. */
  gateways: Map<string, string>;
  /** Managed designs: a NAT gateway in this resource group (the MC group) is AKS's own. */
  managedGroupId?: string;
  /** Reads that failed on the way; they matter only for an address nothing else explains. */
  errors: ReadError[];
  /** What was consulted, for a finding's evidence. */
  evidence: Record<string, unknown>;
}

/** True for the spellings of the AKS-managed NAT gateway design. */
export function isManagedNatMode(mode: string): boolean {
  return sameText(mode, "managedNATGateway") || sameText(mode, "managedNATGatewayV2");
}

/**
 * The addresses a NAT gateway design explains for a target whose egress mode is `mode` (one of the
 * NAT spellings). `aks` is the target's AKS cluster part; `mcGroupId` its MC group.
 */
export function natOutboundOf(snapshot: Snapshot, target: Target, aks: Part<AksCluster>, mode: string, mcGroupId: string): NatOutbound {
  const out: NatOutbound = { addresses: new Map(), gateways: new Map(), errors: [], evidence: {} };
  if (aks.ok) {
    const effective = aks.value.natEffectiveOutboundIds;
    if (effective !== undefined) {
      for (const id of effective) out.addresses.set(id.toLowerCase(), `${aks.value.name} natGatewayProfile.effectiveOutboundIPs`);
      out.evidence.natEffectiveOutboundIds = effective;
    }
    if (aks.value.natGatewaySku !== undefined) out.evidence.natGatewaySku = aks.value.natGatewaySku;
  } else {
    out.errors.push(aks.error);
  }
  if (isManagedNatMode(mode)) {
    out.managedGroupId = mcGroupId;
    out.evidence.managedNatGatewayGroup = mcGroupId;
  }
  const subnets = targetSubnets(snapshot, target);
  if (!subnets.ok) {
    out.errors.push(subnets.error);
    return out;
  }
  const onSubnets: Array<Record<string, unknown>> = [];
  for (const subnetId of subnets.value.ids) {
    const subnet = subnetOf(snapshot, subnetId);
    if (!subnet.ok) {
      out.errors.push(subnet.error);
      continue;
    }
    const gatewayId = subnet.value.natGatewayId;
    if (gatewayId === undefined || gatewayId === "") continue;
    const why = `NAT gateway ${nameOf(gatewayId)} on subnet ${subnet.value.name}`;
    out.gateways.set(gatewayId.toLowerCase(), why);
    const gateway = natGatewayOf(snapshot, gatewayId);
    if (gateway === undefined) {
      // A snapshot written before NAT gateways were read: the gateway id alone still explains
      // what is attached to it (the address's own back-reference).
      onSubnets.push({ subnetId, natGatewayId: gatewayId, natGateway: "not collected in this snapshot" });
      continue;
    }
    if (!gateway.ok) {
      out.errors.push(gateway.error);
      // No error object here: this evidence also rides on passes that did not need the gateway.
      onSubnets.push({ subnetId, natGatewayId: gatewayId, natGateway: `not readable (${gateway.error.code})` });
      continue;
    }
    for (const id of [...gateway.value.publicIpIds, ...gateway.value.publicIpPrefixIds]) {
      if (!out.addresses.has(id.toLowerCase())) out.addresses.set(id.toLowerCase(), `${why} (publicIpAddresses / publicIpPrefixes)`);
    }
    onSubnets.push({
      subnetId,
      natGatewayId: gateway.value.id,
      skuName: gateway.value.skuName ?? "not stated",
      publicIpIds: gateway.value.publicIpIds,
      publicIpPrefixIds: gateway.value.publicIpPrefixIds,
    });
  }
  if (onSubnets.length > 0) out.evidence.subnetNatGateways = onSubnets;
  return out;
}

/** The NAT gateway part, or undefined when the snapshot predates NAT gateways (no map at all). */
function natGatewayOf(snapshot: Snapshot, id: string): Part<NatGateway> | undefined {
  if (snapshot.natGateways === undefined) return undefined;
  const part = resolve(snapshot.natGateways, id, `NAT gateway ${id}`);
  return part.ok ? part : { ok: false, error: errorOf(part, id) };
}

/**
 * Why the NAT design explains an address: its id is one of the explained ones, or it is attached
 * to (`attachedGatewayId`) the subnet's NAT gateway or, for the managed designs, a NAT gateway in
 * the MC group. Undefined when it does not.
 */
export function natExplains(nat: NatOutbound, id: string, attachedGatewayId?: string): string | undefined {
  const direct = nat.addresses.get(id.toLowerCase());
  if (direct !== undefined) return direct;
  if (attachedGatewayId === undefined || attachedGatewayId === "") return undefined;
  const onSubnet = nat.gateways.get(attachedGatewayId.toLowerCase());
  if (onSubnet !== undefined) return onSubnet;
  if (nat.managedGroupId !== undefined && attachedGatewayId.toLowerCase().startsWith(`${nat.managedGroupId.toLowerCase()}/`)) {
    return `AKS-managed NAT gateway ${nameOf(attachedGatewayId)} in the MC group`;
  }
  return undefined;
}

/** The NAT gateway SKU of a managed design, and where it was read, or why it is not known. */
export type NatSku = { ok: true; sku: string; source: string } | { ok: false; error: ReadError };

/**
 * The NAT gateway SKU an AKS cluster runs: `natGatewayProfile.sku` when stated, `StandardV2` for
 * the preview spelling `managedNATGatewayV2`, else the `sku.name` of the NAT gateway its
 * `effectiveOutboundIPs` are attached to. Not known when none of those can be read (a cluster that
 * does not state `sku` may run either: reference §8.1).
 */
export function natGatewaySkuOf(snapshot: Snapshot, aks: AksCluster, mode: string): NatSku {
  if (aks.natGatewaySku !== undefined && aks.natGatewaySku !== "") {
    return { ok: true, sku: aks.natGatewaySku, source: `${aks.id} networkProfile.natGatewayProfile.sku` };
  }
  if (sameText(mode, "managedNATGatewayV2")) {
    return { ok: true, sku: "StandardV2", source: "outboundType managedNATGatewayV2 (preview spelling of managedNATGateway with sku StandardV2)" };
  }
  let error: ReadError = notCollected(aks.id, `the NAT gateway SKU of AKS cluster ${aks.name} (natGatewayProfile.sku not stated)`);
  for (const id of aks.natEffectiveOutboundIds ?? []) {
    const gatewayId = attachedGatewayOf(snapshot, id);
    if (!gatewayId.ok) {
      error = gatewayId.error;
      continue;
    }
    const gateway = natGatewayOf(snapshot, gatewayId.value);
    if (gateway === undefined) continue;
    if (!gateway.ok) {
      error = gateway.error;
      continue;
    }
    if (gateway.value.skuName !== undefined && gateway.value.skuName !== "") {
      return { ok: true, sku: gateway.value.skuName, source: `${gateway.value.id} sku.name (the NAT gateway of effectiveOutboundIPs)` };
    }
  }
  return { ok: false, error };
}

/** The NAT gateway a public IP or prefix is attached to, from its own back-reference. */
function attachedGatewayOf(snapshot: Snapshot, id: string): Part<string> {
  const isPrefix = /\/publicipprefixes\//i.test(id);
  if (isPrefix) {
    if (snapshot.publicIpPrefixes === undefined) return { ok: false, error: notCollected(id, `public IP prefix ${id}`) };
    const prefix = lookup(snapshot.publicIpPrefixes, id) ?? { ok: false as const, error: notCollected(id, `public IP prefix ${id}`) };
    if (!prefix.ok) return { ok: false, error: errorOf(prefix, id) };
    return prefix.value.natGatewayId !== undefined
      ? { ok: true, value: prefix.value.natGatewayId }
      : { ok: false, error: notCollected(id, `the NAT gateway of public IP prefix ${nameOf(id)}`) };
  }
  const pip = resolve(snapshot.publicIps, id, `public IP ${id}`);
  if (!pip.ok) return { ok: false, error: errorOf(pip, id) };
  const attached = pip.value.attachedTo;
  return attached?.kind === "natGateway"
    ? { ok: true, value: attached.resourceId }
    : { ok: false, error: notCollected(id, `the NAT gateway of public IP ${nameOf(id)}`) };
}
