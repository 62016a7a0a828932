/**
 * What the checks need to know about a target (a cluster pool or a plain AKS cluster): its label,
 * AKS cluster, egress mode, whether its egress must pass a firewall, its subnets and its MC group.
 * Pure; a fact that cannot be read is a `Part` error, never a guess.
 */
import { parseResourceId } from "../../model/resourceId.js";
import type { AksCluster, HdiCluster, Part, ReadError, Snapshot, Subnet, Target } from "../../model/snapshot.js";
import type { BaselineRules } from "../../baseline/baseline.js";
import { dedupeIds, sameText } from "./names.js";
import { errorOf, notCollected, resolve } from "./parts.js";

/** `cluster pool <name>` or `AKS cluster <name>`. */
export function targetLabel(target: Target): string {
  return `${target.kind === "clusterPool" ? "cluster pool" : "AKS cluster"} ${target.name}`;
}

/** Evidence note for a pool whose GET carried no `networkProfile`. */
export const NO_NETWORK_PROFILE_NOTE =
  "the cluster pool's GET response carried no networkProfile (outboundType and subnetId not stated by the pool)";

/** Pool-level evidence every check adds for pools: whether the pool stated its network profile. */
export function poolEvidence(target: Target): Record<string, unknown> {
  if (target.kind !== "clusterPool" || target.pool === undefined) return {};
  return target.pool.networkProfilePresent
    ? { poolId: target.pool.id }
    : { poolId: target.pool.id, networkProfilePresent: false, note: NO_NETWORK_PROFILE_NOTE };
}

/** The clusters of a pool target, or why they are not known (not collected, or their list failed). */
export function poolClustersOf(target: Target): Part<HdiCluster[]> {
  const clusters = target.clusters;
  if (clusters === undefined) {
    return { ok: false, error: { code: "NotCollected", message: "the pool's clusters were not collected", scope: target.id } };
  }
  return clusters.ok ? clusters : { ok: false, error: errorOf(clusters, target.id) };
}

/** The ARM id of the AKS cluster behind a target, when known. */
export function aksClusterIdOf(target: Target): string | undefined {
  return target.aksClusterId ?? target.pool?.aksClusterResourceId ?? (target.kind === "aksCluster" ? target.id : undefined);
}

/** The AKS cluster behind a target, or why it is not available. */
export function aksClusterOf(snapshot: Snapshot, target: Target): Part<AksCluster> {
  const id = aksClusterIdOf(target);
  if (id === undefined) {
    return {
      ok: false,
      error: notCollected(target.id, `the AKS cluster of ${targetLabel(target)} (aksClusterResourceId not returned)`),
    };
  }
  const part = resolve(snapshot.aksClusters, id, `AKS cluster ${id}`);
  return part.ok ? part : { ok: false, error: errorOf(part, id) };
}

// ---------------------------------------------------------------------------------------------
// Egress mode
// ---------------------------------------------------------------------------------------------

/** Where the egress mode of a target came from. */
export type EgressModeSource = "pool" | "aksCluster" | "default";

/** The egress mode of a target, or why it cannot be told. */
export type EgressMode =
  | { ok: true; mode: string; source: EgressModeSource; evidence: Record<string, unknown> }
  | { ok: false; error: ReadError; evidence: Record<string, unknown> };

/** Default outbound type of the pool and AKS APIs. */
export const DEFAULT_OUTBOUND_TYPE = "loadBalancer";

/**
 * Egress mode of a target: the pool's `networkProfile.outboundType` when present, else the AKS
 * cluster's `networkProfile.outboundType`, else `loadBalancer` (the API default). Not known when the
 * pool does not state it and the AKS cluster could not be read.
 */
export function egressMode(snapshot: Snapshot, target: Target): EgressMode {
  const pool = target.pool;
  if (pool?.outboundType !== undefined && pool.outboundType !== "") {
    return {
      ok: true,
      mode: pool.outboundType,
      source: "pool",
      evidence: { egressMode: pool.outboundType, egressModeSource: `${pool.id} networkProfile.outboundType` },
    };
  }
  const base = poolEvidence(target);
  const aksId = aksClusterIdOf(target);
  if (aksId === undefined) {
    if (target.kind === "clusterPool" && pool !== undefined && !pool.networkProfilePresent) {
      return {
        ok: false,
        error: notCollected(
          target.id,
          `the outbound type of ${targetLabel(target)} (no networkProfile and no aksClusterResourceId in the pool's GET)`,
        ),
        evidence: base,
      };
    }
    return {
      ok: true,
      mode: DEFAULT_OUTBOUND_TYPE,
      source: "default",
      evidence: { ...base, egressMode: DEFAULT_OUTBOUND_TYPE, egressModeSource: "API default (nothing stated)" },
    };
  }
  const aks = aksClusterOf(snapshot, target);
  if (!aks.ok) return { ok: false, error: aks.error, evidence: { ...base, aksClusterId: aksId } };
  if (aks.value.outboundType !== undefined && aks.value.outboundType !== "") {
    return {
      ok: true,
      mode: aks.value.outboundType,
      source: "aksCluster",
      evidence: {
        ...base,
        egressMode: aks.value.outboundType,
        egressModeSource: `${aks.value.id} networkProfile.outboundType`,
      },
    };
  }
  return {
    ok: true,
    mode: DEFAULT_OUTBOUND_TYPE,
    source: "default",
    evidence: { ...base, aksClusterId: aks.value.id, egressMode: DEFAULT_OUTBOUND_TYPE, egressModeSource: "API default (nothing stated)" },
  };
}

/**
 * The egress design an outbound type names, whatever its spelling (CHECKS.md "Egress paths and
 * estates of 2026"; reference §8.1-8.2):
 * - `udr`: `userDefinedRouting`, a route table on the subnet sends egress to an appliance;
 * - `loadBalancer`: the AKS load balancer's outbound rules;
 * - `natGateway`: `managedNATGateway` (with `natGatewayProfile.sku` Standard or StandardV2), the
 *   preview spelling `managedNATGatewayV2` (the same design as `managedNATGateway` + StandardV2),
 *   and `userAssignedNATGateway` (the gateway on the BYO subnet);
 * - `isolated`: `none` (GA) and `block` (preview): no egress path is built, none may exist;
 * - `other`: a value this version does not know (judged as no known design: never a pass by guess).
 */
export type EgressDesign = "udr" | "loadBalancer" | "natGateway" | "isolated" | "other";

/** The {@link EgressDesign} of an outbound type, compared case-insensitively. */
export function egressDesignOf(mode: string): EgressDesign {
  switch (mode.toLowerCase()) {
    case "userdefinedrouting":
      return "udr";
    case "loadbalancer":
      return "loadBalancer";
    case "managednatgateway":
    case "managednatgatewayv2":
    case "userassignednatgateway":
      return "natGateway";
    case "none":
    case "block":
      return "isolated";
    default:
      return "other";
  }
}

/** True for the NAT gateway designs (managed, managed V2, user-assigned). */
export function isNatGatewayMode(mode: string): boolean {
  return egressDesignOf(mode) === "natGateway";
}

/** True for the network-isolated outbound types `none` and `block`. */
export function isIsolatedMode(mode: string): boolean {
  return egressDesignOf(mode) === "isolated";
}

/** True for the `userDefinedRouting` egress mode. */
export function isUdr(mode: string): boolean {
  return sameText(mode, "userDefinedRouting");
}

/** Whether a target must send its egress through a firewall, or why that cannot be told. */
export type FirewallEgressRequirement =
  | { known: true; required: boolean; reason: string; evidence: Record<string, unknown> }
  | { known: false; error: ReadError; evidence: Record<string, unknown> };

/** Firewall egress is required for UDR targets and when the baseline sets `requireFirewallEgress`. */
export function requiresFirewallEgress(
  snapshot: Snapshot,
  target: Target,
  rules: BaselineRules,
): FirewallEgressRequirement {
  const mode = egressMode(snapshot, target);
  if (rules.requireFirewallEgress === true) {
    return { known: true, required: true, reason: "baseline requireFirewallEgress", evidence: mode.evidence };
  }
  if (!mode.ok) return { known: false, error: mode.error, evidence: mode.evidence };
  return isUdr(mode.mode)
    ? { known: true, required: true, reason: "userDefinedRouting target", evidence: mode.evidence }
    : { known: true, required: false, reason: `${mode.mode} target`, evidence: mode.evidence };
}

// ---------------------------------------------------------------------------------------------
// Subnets and MC group
// ---------------------------------------------------------------------------------------------

/** The subnets of a target and where they came from. */
export interface TargetSubnets {
  ids: string[];
  source: string;
}

/**
 * The pool subnet(s) of a target: `target.subnetIds`; for a pool that did not state its subnet, the
 * AKS cluster's agent-pool subnets. An error when neither is available.
 */
export function targetSubnets(snapshot: Snapshot, target: Target): Part<TargetSubnets> {
  if (target.subnetIds.length > 0) {
    return {
      ok: true,
      value: {
        ids: dedupeIds(target.subnetIds),
        source: target.kind === "clusterPool" ? "pool networkProfile.subnetId" : "agentPoolProfiles[].vnetSubnetID",
      },
    };
  }
  const aks = aksClusterOf(snapshot, target);
  if (!aks.ok) return aks;
  return {
    ok: true,
    value: { ids: dedupeIds(aks.value.agentPoolSubnetIds), source: `${aks.value.id} agentPoolProfiles[].vnetSubnetID` },
  };
}

/** A subnet, or why it could not be read. */
export function subnetOf(snapshot: Snapshot, subnetId: string): Part<Subnet> {
  const part = resolve(snapshot.subnets, subnetId, `subnet ${subnetId}`);
  return part.ok ? part : { ok: false, error: errorOf(part, subnetId) };
}

/** Resolves the MC group id of a target: the collector's, else derived from the pool or AKS cluster. */
export function mcGroupIdOf(snapshot: Snapshot, target: Target): Part<string> {
  if (target.mcGroupId !== undefined && target.mcGroupId !== "") return { ok: true, value: target.mcGroupId };
  const pool = target.pool;
  if (pool?.aksManagedResourceGroupName !== undefined && pool.aksManagedResourceGroupName !== "") {
    return { ok: true, value: `/subscriptions/${target.subscriptionId}/resourceGroups/${pool.aksManagedResourceGroupName}` };
  }
  const aks = aksClusterOf(snapshot, target);
  if (!aks.ok) return aks;
  if (aks.value.nodeResourceGroup === undefined || aks.value.nodeResourceGroup === "") {
    return { ok: false, error: notCollected(aks.value.id, `the node resource group of AKS cluster ${aks.value.name}`) };
  }
  const sub = parseResourceId(aks.value.id)?.subscriptionId ?? target.subscriptionId;
  return { ok: true, value: `/subscriptions/${sub}/resourceGroups/${aks.value.nodeResourceGroup}` };
}
