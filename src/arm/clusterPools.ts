import { createRestError, type Client } from "@azure-rest/core-client";
import type { AbortSignalLike } from "@azure/abort-controller";
import { parseResourceId } from "../model/resourceId.js";

/**
 * HDInsight on AKS cluster pools over plain REST. Microsoft retired the service (2025-01-31) and
 * withdrew `@azure/arm-hdinsightcontainers`, so this goes through `@azure-rest/core-client` on
 * the same pipeline as the SDK clients (retries, bearer token, request counting).
 */
export const CLUSTER_POOL_API_VERSION = "2024-05-01-preview";

/** A cluster pool or cluster as ARM returns it (wire shape, `properties` nested). */
export interface ArmResourceBody {
  id: string;
  name: string;
  type: string;
  location?: string;
  tags?: Record<string, string>;
  properties?: Record<string, unknown>;
  [key: string]: unknown;
}

interface ListPage {
  value?: ArmResourceBody[];
  nextLink?: string;
}

/**
 * Follows a list and its `nextLink`s; throws the ARM error (a RestError) of a failed page. The
 * clients' page guard (src/arm/paging.ts) sees every page and ends a list whose `nextLink` loops
 * or that runs past the page cap, so this loop always ends.
 */
async function* listPaged(
  client: Client,
  path: string,
  abortSignal?: AbortSignalLike,
  apiVersion = CLUSTER_POOL_API_VERSION,
): AsyncGenerator<ArmResourceBody> {
  let next: string | undefined = path;
  let first = true;
  while (next) {
    // nextLink already carries api-version (and the skip token): send it verbatim.
    const response = await client.pathUnchecked(next).get({
      ...(first ? { queryParameters: { "api-version": apiVersion } } : {}),
      ...(abortSignal ? { abortSignal } : {}),
    });
    if (!/^2\d\d$/.test(response.status)) throw createRestError(response);
    const page = response.body as ListPage;
    for (const item of page.value ?? []) yield item;
    next = page.nextLink || undefined;
    first = false;
  }
}

/** `ClusterPools_ListBySubscription`. */
export function listClusterPools(client: Client, subscriptionId: string, options: { abortSignal?: AbortSignalLike } = {}) {
  return listPaged(
    client,
    `/subscriptions/${encodeURIComponent(subscriptionId)}/providers/Microsoft.HDInsight/clusterpools`,
    options.abortSignal,
  );
}

/** `Clusters_ListByClusterPoolName`: the clusters of one pool (by the pool's ARM id, checked first). */
export function listPoolClusters(client: Client, poolId: string, options: { abortSignal?: AbortSignalLike } = {}) {
  if (parseResourceId(poolId)?.types.length !== 1) {
    throw Object.assign(new Error(`not a cluster pool id: ${JSON.stringify(poolId.slice(0, 300))}`), { code: "InvalidResourceId" });
  }
  return listPaged(client, `${poolId.replace(/\/+$/, "")}/clusters`, options.abortSignal);
}

/** api-version of `ResourceGroups_List` (Microsoft.Resources). */
export const RESOURCE_GROUPS_API_VERSION = "2021-04-01";

/**
 * `ResourceGroups_List`: the resource groups of a subscription the caller can read. ARM filters
 * this list by the caller's access, which makes it the cheap proof that a group's silence in a
 * subscription-wide list means "nothing there" rather than "not allowed to look".
 */
export function listResourceGroups(client: Client, subscriptionId: string, options: { abortSignal?: AbortSignalLike } = {}) {
  return listPaged(client, `/subscriptions/${encodeURIComponent(subscriptionId)}/resourcegroups`, options.abortSignal, RESOURCE_GROUPS_API_VERSION);
}
