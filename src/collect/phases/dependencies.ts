/**
 * The AKS clusters' outbound dependency lists
 * (`managedClusters/{name}/outboundNetworkDependenciesEndpoints`), read once per configuration,
 * not once per cluster: clusters with the same `dependencyConfigKey` (region and enabled add-ons)
 * get the same list apart from their own API server FQDN, which their bodies give (why that holds:
 * src/checks/lib/firewall/dependencies.ts). So the clusters of the scan (plain targets and the
 * pools' AKS clusters) are grouped by key and one of each group is read; the list is stored under
 * `snapshot.outboundDependencies[key]` with the cluster it came from.
 *
 * A representative whose read fails for a reason of its own (403: the scanner may not read that
 * cluster; 404: it was deleted since it was listed) does not decide for the group: one more
 * cluster of the same key is tried. Any other failure (throttling, 5xx, a timeout) would hit the
 * second read too, so it is kept. Fail closed: a list that could not be read is a failed part with
 * the read error, and every target of that configuration judges the documented list and says so.
 */
import { dependencyConfigKey } from "../../model/dependencies.js";
import type { EndpointCategory, OutboundDependencyList } from "../../model/dependencies.js";
import { parseResourceId } from "../../model/resourceId.js";
import type { AksCluster, Part, Target } from "../../model/snapshot.js";
import type { CollectionContext } from "../context.js";
import type { ListIndex } from "../listIndex.js";
import { normalizeEndpointCategory } from "../normalize.js";
import { drain, failed, ok, pushTo } from "../reads.js";

/** Statuses of a failure that belongs to one cluster, not to the configuration: another cluster may still be read. */
const PER_CLUSTER_STATUS = new Set([403, 404]);

/** Reads (once) the dependency list of an AKS cluster's configuration; resolves when it is stored. */
export type DependencyListReader = (aks: AksCluster) => Promise<void>;

/**
 * Starts the dependency-list reads of every configuration among the targets' AKS clusters that the
 * subscription lists returned (registered with the context, so they run alongside the target
 * reads) and returns the reader a target awaits for its own cluster: the same read for a listed
 * cluster, and a read of the cluster itself for one that had to be read by id and whose
 * configuration no listed cluster shares.
 */
export function startDependencyReads(ctx: CollectionContext, index: ListIndex, targets: readonly Target[]): DependencyListReader {
  const groups = new Map<string, AksCluster[]>();
  const seen = new Set<string>();
  for (const t of targets) {
    const id = t.aksClusterId?.toLowerCase();
    if (id === undefined || seen.has(id)) continue;
    seen.add(id);
    const aks = index.aksClusters.get(id);
    if (aks) pushTo(groups, dependencyConfigKey(aks), aks);
  }
  // The representative is the first by id, so repeated scans of one estate read the same cluster.
  for (const members of groups.values()) members.sort((a, b) => a.id.toLowerCase().localeCompare(b.id.toLowerCase()));
  const reader: DependencyListReader = (aks) => {
    const key = dependencyConfigKey(aks);
    return dependencyList(ctx, key, groups.get(key) ?? [aks]);
  };
  for (const [key, members] of groups) ctx.track(dependencyList(ctx, key, members));
  return reader;
}

/** The list of one configuration, from its first cluster or, after a per-cluster failure, its second; stored once. */
function dependencyList(ctx: CollectionContext, key: string, members: readonly AksCluster[]): Promise<void> {
  return ctx.once(`deps|${key}`, async () => {
    const [first, second] = members;
    if (first === undefined || ctx.snapshot.outboundDependencies?.[key]) return; // kept from a stored snapshot (refresh.ts)
    let part = await readList(ctx, first, key);
    if (!part.ok && second !== undefined && !ctx.stopped && PER_CLUSTER_STATUS.has(part.error.statusCode ?? 0)) {
      part = await readList(ctx, second, key);
    }
    if (!part.ok && !ctx.stopped) ctx.record(part.error);
    ctx.snapshot.outboundDependencies![key] = part;
  });
}

/** One cluster's list, unrecorded on failure (the caller decides which failure the report keeps). */
async function readList(ctx: CollectionContext, aks: AksCluster, key: string): Promise<Part<OutboundDependencyList>> {
  const p = parseResourceId(aks.id);
  const scope = `${aks.id}/outboundNetworkDependenciesEndpoints`;
  if (!p?.resourceGroup || !p.names[0]) return failed({ code: "InvalidResourceId", message: `not an AKS cluster id: ${aks.id.slice(0, 300)}`, scope });
  const [rg, name] = [p.resourceGroup, p.names[0]];
  const about = `${ctx.describe("the outbound dependency list of AKS cluster", aks.id)} (configuration ${key})`;
  const categories = await ctx.tryRead(
    scope,
    () => drain(ctx.clients.containerService(p.subscriptionId).managedClusters.listOutboundNetworkDependenciesEndpoints(rg, name, ctx.signal), normalizeEndpointCategory),
    about,
  );
  return categories.ok ? ok(listOf(aks.id, categories.value)) : failed(categories.error);
}

function listOf(readFromClusterId: string, categories: EndpointCategory[]): OutboundDependencyList {
  return { readFromClusterId, categories };
}
