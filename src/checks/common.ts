/**
 * Pure helpers shared by the checks: egress mode, part resolution (a referenced resource absent from
 * the snapshot is `NotCollected`), unknown results, IPv4/CIDR arithmetic and route lookups.
 * Nothing here does I/O.
 */
import { lookup } from "../model/snapshot.js";
import type {
  AksCluster,
  AzureFirewall,
  Part,
  ReadError,
  Route,
  RouteTable,
  Snapshot,
  Subnet,
  Target,
} from "../model/snapshot.js";
import type { BaselineRules } from "../baseline/baseline.js";
import type { CheckResult } from "./lib/types.js";

// ---------------------------------------------------------------------------------------------
// Parts and errors
// ---------------------------------------------------------------------------------------------

/** The error for a resource that is referenced but absent from the snapshot. */
export function notCollected(scope: string, what: string): ReadError {
  return { code: "NotCollected", message: `${what} was not collected`, scope };
}

/**
 * Reads a resource from a snapshot map by id; an id the map does not hold is a `NotCollected` error
 * (absence from a snapshot is never proof that the resource does not exist).
 */
export function resolve<T>(map: Record<string, Part<T>>, id: string, what: string): Part<T> {
  return lookup(map, id) ?? { ok: false, error: notCollected(id, what) };
}

/**
 * A resource that lives in an MC group (load balancer, public IP, private link service) by id. One
 * that is absent because its MC group could not be read carries that group's read error (the
 * cause), not a bare `NotCollected`.
 */
export function resolveInGroup<T>(snapshot: Snapshot, map: Record<string, Part<T>>, id: string, what: string): Part<T> {
  const found = lookup(map, id);
  if (found) return found;
  const groupId = /^(\/subscriptions\/[^/]+\/resourcegroups\/[^/]+)\//i.exec(id)?.[1];
  const group = groupId !== undefined ? lookup(snapshot.mcGroups, groupId) : undefined;
  if (group !== undefined && !group.ok) return { ok: false, error: errorOf(group, groupId) };
  return { ok: false, error: notCollected(id, what) };
}

/** The error of a part, with its scope filled in when the collector left it out. */
export function errorOf(part: { ok: false; error: ReadError }, scope?: string): ReadError {
  return part.error.scope !== undefined || scope === undefined ? part.error : { ...part.error, scope };
}

/** Builds an `unknown` result: the decision needed data that could not be read. */
export function unknownResult(
  resourceId: string,
  message: string,
  error: ReadError,
  options: { item?: string; expected?: string; evidence?: Record<string, unknown> } = {},
): CheckResult {
  const result: CheckResult = {
    status: "unknown",
    resourceId,
    message,
    expected: options.expected ?? "readable configuration",
    actual: `unknown (${error.code})`,
    evidence: { ...options.evidence, readError: error },
  };
  if (options.item !== undefined) result.item = options.item;
  return result;
}

// ---------------------------------------------------------------------------------------------
// Names and comparisons
// ---------------------------------------------------------------------------------------------

/** The last segment of an ARM id (the resource name). */
export function nameOf(id: string): string {
  const parts = id.split("/").filter((p) => p.length > 0);
  return parts[parts.length - 1] ?? id;
}

/** Case-insensitive comparison of enum-like strings (`VirtualAppliance`, `userDefinedRouting`). */
export function sameText(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

/** Upper-cases the first letter (for labels at the start of a sentence). */
export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `cluster pool <name>` or `AKS cluster <name>`. */
export function targetLabel(target: Target): string {
  return `${target.kind === "clusterPool" ? "cluster pool" : "AKS cluster"} ${target.name}`;
}

/** The subscription id segment of an ARM id. */
export function subscriptionOf(id: string): string | undefined {
  return /^\/subscriptions\/([^/]+)/i.exec(id)?.[1];
}

// ---------------------------------------------------------------------------------------------
// Target topology
// ---------------------------------------------------------------------------------------------

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

/** De-duplicates ids case-insensitively, keeping the first spelling. */
export function dedupeIds(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const id of ids) {
    const key = id.toLowerCase();
    if (!seen.has(key)) {
      seen.add(key);
      out.push(id);
    }
  }
  return out;
}

/** A subnet, or why it could not be read. */
export function subnetOf(snapshot: Snapshot, subnetId: string): Part<Subnet> {
  const part = resolve(snapshot.subnets, subnetId, `subnet ${subnetId}`);
  return part.ok ? part : { ok: false, error: errorOf(part, subnetId) };
}

/** The route table of a subnet: `undefined` when the subnet has none, else the table or its read error. */
export function routeTableOf(snapshot: Snapshot, subnet: Subnet): Part<RouteTable | undefined> {
  if (subnet.routeTableId === undefined || subnet.routeTableId === "") return { ok: true, value: undefined };
  const part = resolve(snapshot.routeTables, subnet.routeTableId, `route table ${subnet.routeTableId}`);
  return part.ok ? part : { ok: false, error: errorOf(part, subnet.routeTableId) };
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
  const sub = subscriptionOf(aks.value.id) ?? target.subscriptionId;
  return { ok: true, value: `/subscriptions/${sub}/resourceGroups/${aks.value.nodeResourceGroup}` };
}

// ---------------------------------------------------------------------------------------------
// IPv4 and CIDR
// ---------------------------------------------------------------------------------------------

/** Parses a dotted IPv4 address into an unsigned 32-bit number. */
export function parseIpv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text.trim());
  if (m === null) return undefined;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

/** A parsed IPv4 prefix; `network` has the host bits cleared. */
export interface Ipv4Prefix {
  network: number;
  length: number;
}

/** Parses `a.b.c.d/n` (or a bare address as /32). Returns undefined for service tags and garbage. */
export function parseIpv4Prefix(text: string): Ipv4Prefix | undefined {
  const [addr, len, extra] = text.trim().split("/");
  if (addr === undefined || extra !== undefined) return undefined;
  const ip = parseIpv4(addr);
  if (ip === undefined) return undefined;
  let length = 32;
  if (len !== undefined) {
    if (!/^\d{1,2}$/.test(len)) return undefined;
    length = Number(len);
    if (length > 32) return undefined;
  }
  return { network: maskOf(ip, length), length };
}

function maskOf(ip: number, length: number): number {
  if (length === 0) return 0;
  const hostBits = 32 - length;
  return Math.floor(ip / 2 ** hostBits) * 2 ** hostBits;
}

/** The prefix length of `a.b.c.d/n`, or undefined when it is not an IPv4 prefix. */
export function prefixLength(text: string): number | undefined {
  return parseIpv4Prefix(text)?.length;
}

/** True when `inner` lies entirely inside `outer`. */
export function prefixContains(outer: string, inner: string): boolean {
  const o = parseIpv4Prefix(outer);
  const i = parseIpv4Prefix(inner);
  if (o === undefined || i === undefined || i.length < o.length) return false;
  return maskOf(i.network, o.length) === o.network;
}

/** True for `0.0.0.0/0`, however written. */
export function isDefaultRoutePrefix(text: string): boolean {
  const p = parseIpv4Prefix(text);
  return p !== undefined && p.length === 0;
}

/** True when two addresses are the same IPv4 address (tolerates whitespace / leading zeros). */
export function sameIpv4(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const x = parseIpv4(a);
  const y = parseIpv4(b);
  return x !== undefined && x === y;
}

// ---------------------------------------------------------------------------------------------
// Routes and firewalls
// ---------------------------------------------------------------------------------------------

/** The `0.0.0.0/0` route of a table, if any. */
export function findDefaultRoute(table: RouteTable): Route | undefined {
  return table.routes.find((r) => isDefaultRoutePrefix(r.addressPrefix));
}

/** `VirtualAppliance 10.0.1.4`, `Internet`, ... */
export function describeNextHop(route: Route): string {
  return route.nextHopIpAddress !== undefined && route.nextHopIpAddress !== ""
    ? `${route.nextHopType} ${route.nextHopIpAddress}`
    : route.nextHopType;
}

/** True when the route's next hop is a network virtual appliance. */
export function isApplianceRoute(route: Route): boolean {
  return sameText(route.nextHopType, "VirtualAppliance");
}

/** Firewalls in the snapshot that hold a private address, and the firewall reads that failed. */
export interface FirewallMatch {
  firewalls: AzureFirewall[];
  /** Errors of firewall reads (and of firewall inventories) that might have hidden a match. */
  readErrors: ReadError[];
  /** Whether any firewall inventory was collected at all. */
  inventoryCollected: boolean;
}

/** Finds the Azure Firewalls with a private address, and every read error that could hide one. */
export function firewallsAt(snapshot: Snapshot, address: string): FirewallMatch {
  const firewalls: AzureFirewall[] = [];
  const readErrors: ReadError[] = [];
  for (const [key, part] of Object.entries(snapshot.firewalls)) {
    if (part.ok) {
      if (part.value.privateIpAddresses.some((ip) => sameIpv4(ip, address))) firewalls.push(part.value);
    } else {
      readErrors.push(errorOf(part, key));
    }
  }
  const inventories = Object.entries(snapshot.firewallInventory);
  for (const [sub, part] of inventories) {
    if (!part.ok) readErrors.push(errorOf(part, `/subscriptions/${sub}`));
  }
  firewalls.sort((a, b) => a.id.toLowerCase().localeCompare(b.id.toLowerCase()));
  return { firewalls, readErrors, inventoryCollected: inventories.length > 0 };
}

/** The public addresses of a firewall that the snapshot holds. */
export function firewallPublicAddresses(snapshot: Snapshot, firewall: AzureFirewall): string[] {
  const out: string[] = [];
  for (const id of firewall.publicIpIds) {
    const pip = lookup(snapshot.publicIps, id);
    if (pip?.ok === true && pip.value.ipAddress !== undefined) out.push(pip.value.ipAddress);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

/** Reads an integer parameter, throwing (→ `CheckFailed`) when the baseline set a bad value. */
export function integerParam(params: Record<string, unknown>, name: string, min: number, max: number): number {
  const value = params[name];
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`parameter ${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}
