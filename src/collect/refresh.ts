/**
 * A refresh: the targeted re-read behind change events (DESIGN "Change events"). It starts from a
 * stored scan's snapshot, drops the entries the changed resources stand behind, and runs the same
 * per-target reads a collection runs (phases/targets.ts) for the affected targets only: every
 * entry still in the snapshot is taken as it is, so only what changed is read again (by id), with
 * the same normalisers, the same fail-closed parts and the same shared read budget.
 *
 * What it does not do: find new targets (a cluster created), or anything that needs a
 * subscription-wide list it did not keep (a new Virtual WAN hub). {@link refreshPlan} says so, and
 * the caller audits those with a scan of the subscription instead.
 */
import type { ArmClients } from "../arm/clients.js";
import type { ScanError } from "../model/scan.js";
import { parentResourceId, parseResourceId } from "../model/resourceId.js";
import type { Part, Snapshot, Target } from "../model/snapshot.js";
import { CollectionContext } from "./context.js";
import { emptyListIndex, type ListIndex } from "./listIndex.js";
import { normalizeIpGroup, normalizeRoleAssignment } from "./normalize.js";
import { drain } from "./reads.js";
import { byId, natGateway, networkSecurityGroup, publicIp, publicIpPrefix, routeTable } from "./phases/byId.js";
import { startDependencyReads } from "./phases/dependencies.js";
import { startSharedReads, virtualHub } from "./phases/hubs.js";
import { firewallById, roleDefinitionFinder } from "./phases/sharedResources.js";
import { readTargets } from "./phases/targets.js";
import { targetVnet } from "./phases/references.js";
import { zoneFinder } from "./phases/zones.js";
import { listOrNone } from "./context.js";
import type { AbortSignalLike } from "@azure/abort-controller";

/** What a refresh reads. */
export interface RefreshRequest {
  /** The stored snapshot (not changed: the refresh works on a copy). */
  base: Snapshot;
  /** The targets to re-read and re-judge (ids as in `base.targets`, compared case-insensitively). */
  targetIds: readonly string[];
  /** The ARM ids the changes name (written or deleted). */
  changedIds: readonly string[];
  abortSignal?: AbortSignalLike;
}

/** What a refresh read. */
export interface RefreshResult {
  /** The base with the re-read entries replaced: the next refresh starts from it. */
  snapshot: Snapshot;
  /** The re-read targets, as they are in `snapshot.targets`. */
  targets: Target[];
  /** Targets whose own resource answered 404 by id: gone, on proof. */
  gone: string[];
  errors: ScanError[];
}

/** The resource types a refresh re-reads by id (lower-cased type paths after the namespace). */
const REFRESHABLE = new Set([
  "microsoft.containerservice/managedclusters",
  "microsoft.network/routetables",
  "microsoft.network/virtualnetworks",
  "microsoft.network/virtualhubs",
  "microsoft.network/azurefirewalls",
  "microsoft.network/firewallpolicies",
  "microsoft.network/ipgroups",
  "microsoft.network/publicipaddresses",
  "microsoft.network/publicipprefixes",
  "microsoft.network/natgateways",
  "microsoft.network/networksecuritygroups",
  "microsoft.network/loadbalancers",
  "microsoft.network/privatednszones",
  "microsoft.compute/virtualmachinescalesets",
]);

/** The kinds an MC group is read for as lists (phases/mcGroup.ts): a change to one lists the group again. */
const GROUP_LISTED = new Set([
  "microsoft.network/publicipaddresses",
  "microsoft.network/loadbalancers",
  "microsoft.network/publicipprefixes",
  "microsoft.compute/virtualmachinescalesets",
]);

const ROLE_ASSIGNMENT = /\/providers\/microsoft\.authorization\/roleassignments\/[^/]+$/i;

/** The type of a top-level resource id, `<namespace>/<type>` lower-cased. */
function typeOf(id: string): string | undefined {
  const p = parseResourceId(id);
  return p?.namespace && p.types[0] ? `${p.namespace}/${p.types[0]}`.toLowerCase() : undefined;
}

/**
 * Whether a refresh can take these changes: each names a resource of a type it re-reads by id, or
 * a role assignment. A cluster pool (its clusters, its AKS cluster's identity) or a resource of a
 * type no check reads is left to a scan of its subscription.
 */
export function refreshPlan(changedIds: readonly string[]): { refreshable: string[]; needScan: string[] } {
  const refreshable: string[] = [];
  const needScan: string[] = [];
  for (const id of changedIds) {
    const top = parentResourceId(id) ?? id;
    if (ROLE_ASSIGNMENT.test(id) || REFRESHABLE.has(typeOf(top) ?? "")) refreshable.push(id);
    else needScan.push(id);
  }
  return { refreshable, needScan };
}

/** A copy of the snapshot whose maps and targets can be changed without touching the original. */
function copyOf(base: Snapshot): Snapshot {
  const copy = { ...base, targets: base.targets.map((t) => ({ ...t, subnetIds: [...t.subnetIds] })) } as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(base)) if (v && typeof v === "object" && !Array.isArray(v)) copy[k] = { ...(v as object) };
  return copy as unknown as Snapshot;
}

/** The resource group id of an ARM id, lower-cased. */
function groupOf(id: string): string | undefined {
  const p = parseResourceId(id);
  return p?.resourceGroup ? `/subscriptions/${p.subscriptionId}/resourcegroups/${p.resourceGroup}`.toLowerCase() : undefined;
}

/** Drops what the changed ids stand behind; returns the top-level ids to read again by id. */
function invalidate(snapshot: Snapshot, changedIds: readonly string[]): { reread: string[]; roleSubscriptions: string[] } {
  const maps = snapshot as unknown as Record<string, Record<string, Part<unknown>> | undefined>;
  const reread = new Set<string>();
  const roleSubscriptions = new Set<string>();
  for (const raw of changedIds) {
    const id = raw.toLowerCase();
    if (ROLE_ASSIGNMENT.test(id)) {
      const sub = /^\/subscriptions\/([^/]+)/.exec(id)?.[1];
      if (sub) roleSubscriptions.add(sub);
      continue;
    }
    const top = (parentResourceId(id) ?? id).toLowerCase();
    reread.add(top);
    for (const key of new Set([id, top])) {
      for (const [name, map] of Object.entries(maps)) {
        if (!map || typeof map !== "object" || Array.isArray(map) || name === "mcGroups") continue;
        delete map[key];
      }
    }
    // A VNet's subnets come with it; a subnet's entry goes with its VNet's.
    if (typeOf(top) === "microsoft.network/virtualnetworks") {
      for (const key of Object.keys(snapshot.subnets)) if (key.startsWith(`${top}/subnets/`)) delete snapshot.subnets[key];
    }
    // Something of a kind the MC group is listed for (a new public IP, a load balancer, a prefix,
    // a scale set): the group is listed again. An NSG there is read by id like any other.
    const group = groupOf(top);
    if (group && snapshot.mcGroups[group] && GROUP_LISTED.has(typeOf(top) ?? "")) delete snapshot.mcGroups[group];
  }
  return { reread: [...reread], roleSubscriptions: [...roleSubscriptions] };
}

/** The list index a refresh reads through: the stored snapshot's entries, standing in for the lists it does not read again. */
function indexOf(snapshot: Snapshot): ListIndex {
  const index = emptyListIndex();
  const each = <T>(map: Record<string, Part<T>> | undefined, into: Map<string, T>) => {
    for (const [k, v] of Object.entries(map ?? {})) if (v.ok) into.set(k, v.value);
  };
  each(snapshot.aksClusters, index.aksClusters);
  each(snapshot.subnets, index.subnets);
  each(snapshot.virtualNetworks, index.virtualNetworks);
  each(snapshot.natGateways, index.natGateways);
  each(snapshot.publicIpPrefixes, index.publicIpPrefixes);
  for (const [k, hub] of Object.entries(snapshot.virtualHubs ?? {})) if (hub.ok && hub.value.azureFirewallId) index.firewallsByHub.set(k, hub.value.azureFirewallId);
  for (const inventory of Object.values(snapshot.privateDnsZoneInventory)) {
    if (!inventory.ok) continue;
    for (const id of inventory.value) index.dnsZones.set(id.toLowerCase(), { id, name: parseResourceId(id)?.names[0] ?? "" });
  }
  for (const s of snapshot.subscriptions) index.sharedListed.add(s.subscriptionId.toLowerCase());
  return index;
}

/** Re-reads one top-level resource by id into the snapshot, with what it names. */
async function reread(ctx: CollectionContext, index: ListIndex, id: string): Promise<void> {
  const type = typeOf(id);
  switch (type) {
    case "microsoft.network/routetables":
      return routeTable(ctx, id);
    case "microsoft.network/networksecuritygroups":
      return networkSecurityGroup(ctx, id);
    case "microsoft.network/natgateways":
      return natGateway(ctx, index, id);
    case "microsoft.network/publicipaddresses":
      return groupListed(ctx, id) ? undefined : publicIp(ctx, index, id);
    case "microsoft.network/publicipprefixes":
      return groupListed(ctx, id) ? undefined : publicIpPrefix(ctx, index, id);
    case "microsoft.network/virtualnetworks":
      // By id, with its subnets and peerings (also a peered hub VNet, which no target read re-reads).
      await targetVnet(ctx, index, id);
      return;
    case "microsoft.network/azurefirewalls":
      return firewallById(ctx, index, id);
    case "microsoft.network/ipgroups":
      await byId(ctx, ctx.snapshot.ipGroups, id, "IP group", ["ipGroups"], async (p) =>
        normalizeIpGroup(await ctx.clients.network(p.subscriptionId).ipGroups.get(p.resourceGroup, p.names[0]!, ctx.signal)),
      );
      return;
    case "microsoft.network/virtualhubs": {
      const p = parseResourceId(id);
      if (!p?.resourceGroup || !p.names[0]) return;
      const hub = await ctx.read(id, () => ctx.clients.network(p.subscriptionId).virtualHubs.get(p.resourceGroup!, p.names[0]!, ctx.signal), ctx.describe("virtual hub", id));
      if (!hub.ok) {
        ctx.snapshot.virtualHubs![id] = hub;
        return;
      }
      index.virtualHubs.set(id, hub.value);
      return virtualHub(ctx, index, hub.value.id ?? id);
    }
    default:
      // Managed clusters, VNets, policies, zones, load balancers and scale sets are read again by
      // the target reads themselves (their entries are gone from the snapshot and the index).
      return;
  }
}

/** Whether an id lies in an MC group the snapshot listed: the target reads list the group again. */
function groupListed(ctx: CollectionContext, id: string): boolean {
  const group = groupOf(id);
  return group !== undefined && ctx.snapshot.targets.some((t) => t.mcGroupId?.toLowerCase() === group);
}

/** Re-reads what the changes stand behind for the affected targets; see the module comment. */
export async function refresh(clients: ArmClients, request: RefreshRequest): Promise<RefreshResult> {
  const snapshot = copyOf(request.base);
  snapshot.collectedAt = new Date().toISOString();
  const ctx = new CollectionContext(clients, request.abortSignal ? { abortSignal: request.abortSignal } : {}, snapshot);
  ctx.subscriptionIds = snapshot.subscriptions.map((s) => s.subscriptionId.toLowerCase());
  const { reread: ids, roleSubscriptions } = invalidate(snapshot, request.changedIds);
  const index = indexOf(snapshot);
  const wanted = new Set(request.targetIds.map((t) => t.toLowerCase()));
  const targets = snapshot.targets.filter((t) => wanted.has(t.id.toLowerCase()));
  // A plain AKS target's subnets are its agent pools': a re-read cluster gives them afresh.
  for (const t of targets) if (t.kind === "aksCluster" && t.aksClusterId && !index.aksClusters.has(t.aksClusterId.toLowerCase())) t.subnetIds = [];

  await Promise.all([
    ...ids.map((id) => reread(ctx, index, id)),
    ...roleSubscriptions.map(async (sub) => {
      snapshot.roleAssignments[sub] = await ctx.read(`/subscriptions/${sub}/providers/Microsoft.Authorization/roleAssignments`, () =>
        listOrNone(() => drain(clients.authorization(sub).roleAssignments.listForSubscription(ctx.signal), normalizeRoleAssignment)),
      );
    }),
  ]);
  startSharedReads(ctx, index);
  const dependencyListOf = startDependencyReads(ctx, index, targets);
  await readTargets(ctx, targets, {
    index,
    zonesOf: zoneFinder(index.dnsZones),
    roleDefinitionsOf: roleDefinitionFinder(snapshot.roleAssignments),
    dependencyListOf,
  });
  await ctx.sharedSettled();
  ctx.noteStop();
  const gone = targets
    .filter((t) => {
      const own = t.kind === "aksCluster" ? snapshot.aksClusters[t.id.toLowerCase()] : undefined;
      return own !== undefined && !own.ok && own.error.statusCode === 404;
    })
    .map((t) => t.id);
  return { snapshot, targets, gone, errors: ctx.result().errors };
}
