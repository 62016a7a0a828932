/**
 * Phases 3 and 4, the targets: every cluster pool and every AKS cluster that is not a pool's
 * own, then per target what its checks read: the pool's clusters, the AKS cluster, the MC group
 * (mcGroup.ts), the subnets with their VNets and peerings (references.ts), route tables, NSGs
 * and NAT gateways, the AKS cluster's node prefixes and NAT outbound addresses (byId.ts), plus,
 * from sharedResources.ts, its DNS zones and role definitions, and the dependency list of its AKS
 * cluster's configuration (dependencies.ts). Each target is reported through `onTargetCollected`
 * once all of that, and every shared read (policies, hubs, dependency lists), is in.
 *
 * A resource the subscription lists returned is taken from them; one they did not return is
 * fetched by id, which tells "not found" from "forbidden".
 */
import type { PrivateZone } from "@azure/arm-privatedns";
import { parseResourceId } from "../../model/resourceId.js";
import type { AksCluster, ClusterPool, Part, Target } from "../../model/snapshot.js";
import type { CollectionContext } from "../context.js";
import { normalizeAksCluster } from "../normalize.js";
import { ok } from "../reads.js";
import { aksEgressReferences, natGateway, networkSecurityGroup, routeTable } from "./byId.js";
import type { DependencyListReader } from "./dependencies.js";
import { mcGroup } from "./mcGroup.js";
import { poolClusters } from "./poolClusters.js";
import { targetSubnet } from "./references.js";
import { privateDnsZone, roleDefinition } from "./sharedResources.js";
import type { ListIndex } from "../listIndex.js";

/** The target of a cluster pool. */
export function poolTarget(pool: ClusterPool): Target {
  const parsed = parseResourceId(pool.id);
  return {
    id: pool.id,
    kind: "clusterPool",
    name: pool.name,
    subscriptionId: parsed?.subscriptionId.toLowerCase() ?? "",
    resourceGroup: parsed?.resourceGroup ?? "",
    location: pool.location,
    pool,
    ...(pool.aksClusterResourceId ? { aksClusterId: pool.aksClusterResourceId } : {}),
    subnetIds: pool.subnetId ? [pool.subnetId] : [],
    // The pool's own tags, not its AKS cluster's: baseline overrides by tag match these.
    ...(pool.tags ? { tags: pool.tags } : {}),
  };
}

/** The target of a plain AKS cluster (one that is no pool's own). */
export function aksTarget(aks: AksCluster): Target {
  const parsed = parseResourceId(aks.id);
  return {
    id: aks.id,
    kind: "aksCluster",
    name: aks.name,
    subscriptionId: parsed?.subscriptionId.toLowerCase() ?? "",
    resourceGroup: parsed?.resourceGroup ?? "",
    location: aks.location,
    aksClusterId: aks.id,
    subnetIds: [...aks.agentPoolSubnetIds],
    ...(aks.tags ? { tags: aks.tags } : {}),
  };
}

/** Sorts targets by subscription and id, the order of `snapshot.targets` and of the report. */
export function sortTargets(targets: Target[]): Target[] {
  return targets.sort((a, b) => a.subscriptionId.localeCompare(b.subscriptionId) || a.id.toLowerCase().localeCompare(b.id.toLowerCase()));
}

/**
 * The targets: every cluster pool, and every AKS cluster that is not a pool's own, sorted by
 * subscription and id. Sets `snapshot.targets` (phases/expected.ts then adds what the previous
 * complete scan knew and these lists no longer show).
 */
export function findTargets(ctx: CollectionContext, index: ListIndex): Target[] {
  const pools: ClusterPool[] = [];
  for (const l of index.lists.values()) if (l.pools.ok) pools.push(...l.pools.value);
  const poolAks = new Set(pools.map((p) => p.aksClusterResourceId?.toLowerCase()).filter((x): x is string => !!x));
  const targets: Target[] = pools.map(poolTarget);
  for (const l of index.lists.values()) {
    if (!l.aksClusters.ok) continue;
    for (const aks of l.aksClusters.value) if (!poolAks.has(aks.id.toLowerCase())) targets.push(aksTarget(aks));
  }
  ctx.snapshot.targets = sortTargets(targets);
  return targets;
}

/** What the target reads need from the other phases. */
export interface TargetReadInputs {
  index: ListIndex;
  /** The private DNS zones a target's checks may need (zones.ts). */
  zonesOf: (t: Target) => PrivateZone[];
  /** The role definitions assigned to an AKS cluster's identities (sharedResources.ts). */
  roleDefinitionsOf: (aks: AksCluster) => string[];
  /** Reads (once per configuration) the dependency list of an AKS cluster (dependencies.ts). */
  dependencyListOf: DependencyListReader;
}

/**
 * Reads what each target's checks look at, at most `targetConcurrency` targets per subscription
 * at once, and reports each through `onTargetCollected` as soon as its part of the snapshot is
 * complete (its own reads and every shared read so far: firewall policies, hubs, the firewalls
 * and IP groups they name), so a scan can judge it while other targets are still being read.
 */
export async function readTargets(ctx: CollectionContext, targets: Target[], inputs: TargetReadInputs): Promise<void> {
  const { snapshot, options } = ctx;
  const { index, zonesOf, roleDefinitionsOf, dependencyListOf } = inputs;
  let targetsDone = 0;
  await Promise.all(
    targets.map((t) =>
      ctx.targetLimit(t.subscriptionId, async () => {
        // A refresh (refresh.ts) keeps the clusters a stored snapshot holds; a collection has none yet.
        if (t.kind === "clusterPool" && !t.clusters) t.clusters = await poolClusters(ctx, t.subscriptionId, t.id);
        const aks = t.aksClusterId ? await aksCluster(ctx, index, t.aksClusterId) : undefined;
        if (aks && t.aksClusterId) snapshot.aksClusters[t.aksClusterId.toLowerCase()] = aks;
        // Its configuration's list: already under way for a listed cluster, else read from this one.
        const dependencies = aks?.ok ? dependencyListOf(aks.value) : undefined;
        if (t.subnetIds.length === 0 && aks?.ok) t.subnetIds = [...aks.value.agentPoolSubnetIds];

        // The MC group lives in the AKS cluster's subscription; its name comes from the pool or AKS.
        const mcName = t.pool?.aksManagedResourceGroupName ?? (aks?.ok ? aks.value.nodeResourceGroup : undefined);
        const mcSub = parseResourceId(t.aksClusterId ?? t.id)?.subscriptionId ?? t.subscriptionId;
        if (mcName) {
          t.mcGroupId = `/subscriptions/${mcSub}/resourceGroups/${mcName}`;
          // Load balancers are needed in every mode: outbound rules (loadBalancer egress) and the
          // internal ingress frontends that private DNS records must point to.
          await mcGroup(ctx, index, t.mcGroupId, aks);
        }
        // The subnets with their VNets (whose peerings may reach subscriptions whose shared lists,
        // DNS zones among them, are read first) and the AKS cluster's egress references; then the
        // private DNS zones that can answer the target's private FQDNs and its role definitions.
        await Promise.all([...t.subnetIds.map((s) => subnet(ctx, index, s)), aks?.ok ? aksEgressReferences(ctx, index, aks.value) : undefined, dependencies]);
        await Promise.all([
          ...zonesOf(t).map((z) => privateDnsZone(ctx, z)),
          ...(aks?.ok ? roleDefinitionsOf(aks.value).map((id) => roleDefinition(ctx, id)) : []),
        ]);
        // Everything shared is in too (policies and hubs read alongside the targets), then it is judged.
        await ctx.sharedSettled();
        options.onTargetCollected?.(t, snapshot);
        ctx.progress("targets", ++targetsDone, targets.length);
      }),
    ),
  );
}

/** An AKS cluster: from the subscription list, or else by id. */
function aksCluster(ctx: CollectionContext, index: ListIndex, id: string): Promise<Part<AksCluster>> {
  return ctx.once(`aks|${id}`, async () => {
    const listed = index.aksClusters.get(id.toLowerCase());
    if (listed) return ok(listed);
    const p = parseResourceId(id);
    if (!p?.resourceGroup || !p.names[0]) return ctx.invalidId<AksCluster>(`not an AKS cluster id: ${id}`, id);
    return ctx.read(id, async () =>
      normalizeAksCluster(await ctx.clients.containerService(p.subscriptionId).managedClusters.get(p.resourceGroup!, p.names[0]!, ctx.signal)),
    );
  });
}

/** A target subnet (with its VNet and peerings), then its route table, NSG and NAT gateway. */
async function subnet(ctx: CollectionContext, index: ListIndex, id: string): Promise<void> {
  await ctx.once(`subnet|${id}`, async () => {
    const part = await targetSubnet(ctx, index, id);
    ctx.snapshot.subnets[id.toLowerCase()] = part;
    if (part.ok) {
      await Promise.all([
        part.value.routeTableId ? routeTable(ctx, part.value.routeTableId) : undefined,
        part.value.networkSecurityGroupId ? networkSecurityGroup(ctx, part.value.networkSecurityGroupId) : undefined,
        part.value.natGatewayId ? natGateway(ctx, index, part.value.natGatewayId) : undefined,
      ]);
    }
  });
}
