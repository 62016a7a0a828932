/**
 * The dependency index of a scan (DESIGN.md "Change events"): per resource id the findings read,
 * the targets that read it, so that a change event (a resource id written or deleted) maps to the
 * targets it can affect, and an event no target depends on costs no ARM read.
 *
 * Two kinds of keys, all lower-cased:
 * - **resources**: ids of snapshot entries a target's checks read (`dependencyTrace.ts` follows the
 *   references as the checks do). Child resources (a route, a rule collection group, an A record, an
 *   agent pool, a subnet, a hub connection) are covered by their parent: an event's id is looked up
 *   with every parent ({@link affectedTargets}).
 * - **inventories**: lists a finding judged by absence or membership, where a resource that is not
 *   in the snapshot yet can change a finding: `<resource group id>` for a group listed as a whole
 *   (the MC group: a new public IP there is a new finding) and
 *   `/subscriptions/<sub>/providers/<provider>/<type>` for a subscription-wide list (firewalls,
 *   Virtual WAN hubs, private DNS zones, role assignments). Never a bare subscription: every event
 *   would match it.
 *
 * The lists of configuration-keyed parts (AKS outbound dependency lists) are no ARM resource and
 * are not indexed. Pure.
 */
import { parseResourceId } from "../../model/resourceId.js";
import type { Snapshot, Target } from "../../model/snapshot.js";
import type { Baseline, BaselineRules } from "../../baseline/baseline.js";
import { effectiveBaseline } from "../../baseline/overrides.js";
import { typeListKey } from "./dependencySet.js";
import { traceTarget } from "./dependencyTrace.js";

/**
 * What one target's checks read: every resource id (lower-case) whose snapshot entry a finding of it
 * depends on, and the "inventories" whose new members can change a finding.
 */
export interface TargetDependencies {
  /** Sorted, lower-cased resource ids. */
  resources: string[];
  /** Sorted inventory keys (see the module comment). */
  inventories: string[];
}

/** Resource id or inventory key (lower-case) -> target ids (as in `snapshot.targets`). */
export interface DependencyIndex {
  version: 1;
  resources: Record<string, string[]>;
  inventories: Record<string, string[]>;
}

/** Options of {@link targetDependencies} and {@link buildDependencyIndex}. */
export interface DependencyOptions {
  /**
   * The baseline the scan judged with: `firewallResourceId` and `firewallPrivateIp` name firewalls
   * the checks read. Without it, only what the snapshot itself references is traced.
   */
  baseline?: Baseline;
}

/** What one target's checks read from the snapshot. */
export function targetDependencies(snapshot: Snapshot, target: Target, options: DependencyOptions = {}): TargetDependencies {
  const deps = traceTarget(snapshot, target, rulesOf(target, options.baseline));
  return { resources: [...deps.resources].sort(), inventories: [...deps.inventories].sort() };
}

function rulesOf(target: Target, baseline: Baseline | undefined): BaselineRules {
  return baseline === undefined ? {} : effectiveBaseline(baseline, target).rules;
}

/** Indexes the dependencies of the targets (default: every target of the snapshot). */
export function buildDependencyIndex(snapshot: Snapshot, targets: readonly Target[] = snapshot.targets, options: DependencyOptions = {}): DependencyIndex {
  const resources = new Map<string, string[]>();
  const inventories = new Map<string, string[]>();
  const push = (map: Map<string, string[]>, key: string, targetId: string): void => {
    const list = map.get(key);
    if (list === undefined) map.set(key, [targetId]);
    else if (list[list.length - 1] !== targetId) list.push(targetId);
  };
  for (const target of targets) {
    const deps = traceTarget(snapshot, target, rulesOf(target, options.baseline));
    for (const id of deps.resources) push(resources, id, target.id);
    for (const key of deps.inventories) push(inventories, key, target.id);
  }
  return { version: 1, resources: sortedRecord(resources), inventories: sortedRecord(inventories) };
}

function sortedRecord(map: Map<string, string[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const key of [...map.keys()].sort()) out[key] = [...new Set(map.get(key))];
  return out;
}

/**
 * The index as stored compactly: each target id once, in `targets`, and every key's targets as
 * positions in it. At 1,000 targets the target ids repeated under every key are most of the plain
 * index's JSON (see {@link packDependencyIndex}).
 */
export interface PackedDependencyIndex {
  version: 1;
  packed: true;
  targets: string[];
  resources: Record<string, number[]>;
  inventories: Record<string, number[]>;
}

/** Packs an index: target ids once, keys mapping to positions. {@link unpackDependencyIndex} restores it exactly. */
export function packDependencyIndex(index: DependencyIndex): PackedDependencyIndex {
  const targets: string[] = [];
  const position = new Map<string, number>();
  const pack = (record: Record<string, string[]>): Record<string, number[]> => {
    const out: Record<string, number[]> = {};
    for (const [key, ids] of Object.entries(record)) {
      out[key] = ids.map((id) => {
        let i = position.get(id);
        if (i === undefined) position.set(id, (i = targets.push(id) - 1));
        return i;
      });
    }
    return out;
  };
  const resources = pack(index.resources);
  const inventories = pack(index.inventories);
  return { version: 1, packed: true, targets, resources, inventories };
}

/** The plain index of a packed one. */
export function unpackDependencyIndex(packed: PackedDependencyIndex): DependencyIndex {
  const unpack = (record: Record<string, number[]>): Record<string, string[]> => {
    const out: Record<string, string[]> = {};
    for (const [key, positions] of Object.entries(record)) out[key] = positions.map((i) => packed.targets[i] ?? "");
    return out;
  };
  return { version: 1, resources: unpack(packed.resources), inventories: unpack(packed.inventories) };
}

/**
 * The target ids a change of this ARM id can affect: the id itself, its parent resources (route ->
 * route table, rule collection group -> policy, A record -> zone, agentPool -> managed cluster,
 * subnet/peering -> VNet, securityRule -> NSG, hub child -> hub, role assignment -> its scope
 * resource), and the inventories it belongs to. Case-insensitive; sorted.
 */
export function affectedTargets(index: DependencyIndex, resourceId: string): string[] {
  const out = new Set<string>();
  for (const id of [normalise(resourceId), ...parentsOf(resourceId)]) for (const t of index.resources[id] ?? []) out.add(t);
  for (const key of inventoryKeysOf(resourceId)) for (const t of index.inventories[key] ?? []) out.add(t);
  return [...out].sort();
}

/**
 * The inventory keys an id belongs to (lower-case):
 * - a top-level resource in a resource group: the group (`/subscriptions/s/resourcegroups/rg`) and
 *   its subscription-wide type list (`/subscriptions/s/providers/microsoft.network/publicipaddresses`);
 * - a child of a Virtual WAN hub: the hub list (a new connection can attach a VNet that no hub
 *   connected, which the checks judged by absence);
 * - any other child resource: none (its parent is what a list holds, and a child of a new parent
 *   comes after the parent's own write, which carries the parent's keys);
 * - a role assignment (at any scope in a subscription): that subscription's role assignment list;
 * - a resource group, a subscription, anything that is no ARM id: none.
 */
export function inventoryKeysOf(resourceId: string): string[] {
  const ext = extensionOf(resourceId);
  if (ext !== undefined) {
    const sub = /^\/subscriptions\/([^/]+)/i.exec(ext.scope)?.[1];
    return sub !== undefined && ext.type === "microsoft.authorization/roleassignments" ? [typeListKey(sub, "Microsoft.Authorization", "roleAssignments")] : [];
  }
  const p = parseResourceId(resourceId);
  if (p === undefined || p.resourceGroup === undefined || p.namespace === undefined || p.types.length === 0) return [];
  const [first] = p.types as [string];
  if (p.types.length === 1) return [`/subscriptions/${p.subscriptionId}/resourcegroups/${p.resourceGroup}`.toLowerCase(), typeListKey(p.subscriptionId, p.namespace, first)];
  return `${p.namespace}/${first}`.toLowerCase() === "microsoft.network/virtualhubs" ? [typeListKey(p.subscriptionId, p.namespace, first)] : [];
}

/** The resources above an ARM id (lower-case, outermost first; not the id itself), for an extension resource its scope and those above it. */
function parentsOf(resourceId: string): string[] {
  const ext = extensionOf(resourceId);
  if (ext !== undefined) return [ext.scope, ...parentsOf(ext.scope)];
  const p = parseResourceId(resourceId);
  if (p === undefined || p.resourceGroup === undefined || p.namespace === undefined) return [];
  const out: string[] = [];
  let id = `/subscriptions/${p.subscriptionId}/resourcegroups/${p.resourceGroup}/providers/${p.namespace}`.toLowerCase();
  for (let i = 0; i < p.types.length - 1; i++) {
    id += `/${p.types[i]!}/${p.names[i]!}`.toLowerCase();
    out.push(id);
  }
  return out;
}

/**
 * An extension resource (`<scope>/providers/<namespace>/<type>/<name>` with a scope that is itself
 * a resource, a resource group or a subscription): its scope and type, lower-cased.
 */
function extensionOf(resourceId: string): { scope: string; type: string } | undefined {
  const id = normalise(resourceId);
  const m = /^(.*)\/providers\/(microsoft\.authorization\/[^/]+)\/[^/]+$/.exec(id);
  if (m === null) return undefined;
  const scope = m[1]!;
  // The scope must be a subscription, a resource group or a resource: never the root or a management group here.
  return /^\/subscriptions\/[^/]+/.test(scope) ? { scope, type: m[2]! } : undefined;
}

function normalise(id: string): string {
  return id.trim().toLowerCase().replace(/\/+$/, "");
}
