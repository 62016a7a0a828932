/**
 * Phases 3 and 4, the targets: every cluster pool and every AKS cluster that is not a pool's
 * own, then per target what its checks read: the pool's clusters, the AKS cluster, the MC group,
 * the subnets with their route tables and NSGs (plus, from sharedResources.ts, its DNS zones and
 * role definitions). Each target is reported through `onTargetCollected` once all of that is in.
 *
 * A resource the subscription lists returned is taken from them; one they did not return is
 * fetched by id, which tells "not found" from "forbidden". The MC group is read with
 * resource-group-scoped lists, because its checks judge by absence ("no public IP") and absence
 * in a subscription-wide list proves nothing when the caller may not read every resource group:
 * a forbidden group must come out `unknown`, never compliant.
 */
import type { PrivateZone } from "@azure/arm-privatedns";
import { listPoolClusters } from "../../arm/clusterPools.js";
import { parseResourceId } from "../../model/resourceId.js";
import type { AksCluster, ClusterPool, HdiCluster, LoadBalancer, McGroupContents, Part, PublicIp, Subnet, Target } from "../../model/snapshot.js";
import type { CollectionContext } from "../context.js";
import { normalizeAksCluster, normalizeHdiCluster, normalizeLoadBalancer, normalizeNsg, normalizePublicIp, normalizeRouteTable, normalizeSubnet } from "../normalize.js";
import { drain, failed, ok } from "../reads.js";
import { privateDnsZone, roleDefinition } from "./sharedResources.js";
import type { ListIndex } from "../listIndex.js";

/**
 * A pool's clusters, read once under the subscription's cluster limit. The pool list starts
 * these reads as soon as it is in (subscriptionLists.ts); the target then awaits the same read.
 */
export function poolClusters(ctx: CollectionContext, sub: string, poolId: string): Promise<Part<HdiCluster[]>> {
  return ctx.once(`clusters|${poolId}`, () =>
    ctx.clusterLimit(sub, () =>
      ctx.read(`${poolId}/clusters`, async () => drain(listPoolClusters(ctx.clients.rest(), poolId, ctx.signal), normalizeHdiCluster)),
    ),
  );
}

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
  /** Reads every target depends on (the firewall policies), started before the target reads. */
  sharedReads: Promise<unknown>;
}

/**
 * Reads what each target's checks look at, at most `targetConcurrency` targets per subscription
 * at once, and reports each through `onTargetCollected` as soon as its part of the snapshot is
 * complete, so a scan can judge it while other targets are still being read.
 */
export async function readTargets(ctx: CollectionContext, targets: Target[], inputs: TargetReadInputs): Promise<void> {
  const { snapshot, options } = ctx;
  const { index, zonesOf, roleDefinitionsOf, sharedReads } = inputs;
  let targetsDone = 0;
  await Promise.all(
    targets.map((t) =>
      ctx.targetLimit(t.subscriptionId, async () => {
        if (t.kind === "clusterPool") t.clusters = await poolClusters(ctx, t.subscriptionId, t.id);
        const aks = t.aksClusterId ? await aksCluster(ctx, index, t.aksClusterId) : undefined;
        if (aks && t.aksClusterId) snapshot.aksClusters[t.aksClusterId.toLowerCase()] = aks;
        if (t.subnetIds.length === 0 && aks?.ok) t.subnetIds = [...aks.value.agentPoolSubnetIds];

        // The MC group lives in the AKS cluster's subscription; its name comes from the pool or AKS.
        const mcName = t.pool?.aksManagedResourceGroupName ?? (aks?.ok ? aks.value.nodeResourceGroup : undefined);
        const mcSub = parseResourceId(t.aksClusterId ?? t.id)?.subscriptionId ?? t.subscriptionId;
        if (mcName) {
          t.mcGroupId = `/subscriptions/${mcSub}/resourceGroups/${mcName}`;
          // Load balancers are needed in every mode: outbound rules (loadBalancer egress) and the
          // internal ingress frontends that private DNS records must point to.
          await mcGroup(ctx, index, t.mcGroupId);
        }
        // The private DNS zones that can answer this target's private FQDNs, read as soon as
        // they are known (each zone once), so zone reads share the budget with target reads.
        await Promise.all([
          ...t.subnetIds.map((s) => subnet(ctx, index, s)),
          ...zonesOf(t).map((z) => privateDnsZone(ctx, z)),
          ...(aks?.ok ? roleDefinitionsOf(aks.value).map((id) => roleDefinition(ctx, id)) : []),
        ]);
        // Everything shared is in too (policies read alongside the targets), then it is judged.
        await sharedReads;
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

/** A subnet (from its VNet's list entry, or else by id), then its route table and NSG. */
async function subnet(ctx: CollectionContext, index: ListIndex, id: string): Promise<void> {
  await ctx.once(`subnet|${id}`, async () => {
    const embedded = index.subnets.get(id.toLowerCase());
    let part: Part<Subnet>;
    if (embedded) {
      part = ok(embedded);
    } else {
      // Not in any list we could read: ask for it by id, so 403 and 404 are told apart.
      const p = parseResourceId(id);
      part =
        p?.resourceGroup && p.names.length === 2
          ? await ctx.read(id, async () =>
              normalizeSubnet(await ctx.clients.network(p.subscriptionId).subnets.get(p.resourceGroup!, p.names[0]!, p.names[1]!, ctx.signal)),
            )
          : ctx.invalidId(`not a subnet id: ${id}`, id);
    }
    ctx.snapshot.subnets[id.toLowerCase()] = part;
    if (part.ok) {
      await Promise.all([
        part.value.routeTableId ? routeTable(ctx, part.value.routeTableId) : undefined,
        part.value.networkSecurityGroupId ? networkSecurityGroup(ctx, part.value.networkSecurityGroupId) : undefined,
      ]);
    }
  });
}

/** A route table no list returned, by id. */
async function routeTable(ctx: CollectionContext, id: string): Promise<void> {
  await ctx.once(`rt|${id}`, async () => {
    const { snapshot } = ctx;
    if (snapshot.routeTables[id.toLowerCase()]) return;
    const p = parseResourceId(id);
    snapshot.routeTables[id.toLowerCase()] =
      p?.resourceGroup && p.names[0]
        ? await ctx.read(id, async () => normalizeRouteTable(await ctx.clients.network(p.subscriptionId).routeTables.get(p.resourceGroup!, p.names[0]!, ctx.signal)))
        : ctx.invalidId(`not a route table id: ${id}`, id);
  });
}

/** A network security group no list returned, by id. */
async function networkSecurityGroup(ctx: CollectionContext, id: string): Promise<void> {
  await ctx.once(`nsg|${id}`, async () => {
    const { snapshot } = ctx;
    if (snapshot.networkSecurityGroups[id.toLowerCase()]) return;
    const p = parseResourceId(id);
    snapshot.networkSecurityGroups[id.toLowerCase()] =
      p?.resourceGroup && p.names[0]
        ? await ctx.read(id, async () =>
            normalizeNsg(await ctx.clients.network(p.subscriptionId).networkSecurityGroups.get(p.resourceGroup!, p.names[0]!, ctx.signal)),
          )
        : ctx.invalidId(`not a network security group id: ${id}`, id);
  });
}

/**
 * The MC group's public IPs and load balancers. From the subscription-wide lists when the
 * group is in the caller's readable resource groups (so the lists are complete for it: no
 * request at all); otherwise from resource-group lists, whose 403/404 then says why.
 */
async function mcGroup(ctx: CollectionContext, index: ListIndex, mcGroupId: string): Promise<void> {
  await ctx.once(`mc|${mcGroupId}`, async () => {
    const { snapshot } = ctx;
    const p = parseResourceId(mcGroupId);
    if (!p?.resourceGroup) {
      // The group name came from the pool or AKS cluster; it becomes a request path only if it is one.
      snapshot.mcGroups[mcGroupId.toLowerCase()] = ctx.invalidId(`not a resource group id: ${mcGroupId.slice(0, 300)}`, mcGroupId.slice(0, 300));
      return;
    }
    const sub = p.subscriptionId.toLowerCase();
    const rg = p.resourceGroup;
    const pipsByGroup = index.publicIpsByGroup.get(sub);
    const lbsByGroup = index.loadBalancersByGroup.get(sub);
    let pips: Part<PublicIp[]>;
    let lbs: Part<LoadBalancer[]>;
    if (pipsByGroup && lbsByGroup && index.readableGroups.get(sub)?.has(rg.toLowerCase())) {
      pips = ok(pipsByGroup.get(rg.toLowerCase()) ?? []);
      lbs = ok(lbsByGroup.get(rg.toLowerCase()) ?? []);
    } else {
      const net = ctx.clients.network(p.subscriptionId);
      pips = await ctx.read(`${mcGroupId}/providers/Microsoft.Network/publicIPAddresses`, async () =>
        drain(net.publicIPAddresses.list(rg, ctx.signal), normalizePublicIp),
      );
      lbs = await ctx.read(`${mcGroupId}/providers/Microsoft.Network/loadBalancers`, async () =>
        drain(net.loadBalancers.list(rg, ctx.signal), normalizeLoadBalancer),
      );
    }
    if (pips.ok) for (const pip of pips.value) snapshot.publicIps[pip.id.toLowerCase()] = ok(pip);
    if (lbs.ok) for (const lb of lbs.value) snapshot.loadBalancers[lb.id.toLowerCase()] = ok(lb);
    // The MC group counts as read only when every list it needs was read.
    snapshot.mcGroups[mcGroupId.toLowerCase()] = !pips.ok
      ? failed(pips.error)
      : !lbs.ok
        ? failed(lbs.error)
        : ok<McGroupContents>({ id: mcGroupId, publicIpIds: pips.value.map((x) => x.id), loadBalancerIds: lbs.value.map((x) => x.id) });
  });
}
