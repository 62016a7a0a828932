import type { Client } from "@azure-rest/core-client";
import type { AbortSignalLike } from "@azure/abort-controller";
import { parseResourceId } from "../model/resourceId.js";
import { listPaged } from "./restLists.js";

/**
 * HDInsight on AKS cluster pools over plain REST (src/arm/restLists.ts). Microsoft retired the
 * service (2025-01-31) and withdrew `@azure/arm-hdinsightcontainers`.
 */
export const CLUSTER_POOL_API_VERSION = "2024-05-01-preview";

/** A cluster pool or cluster as ARM returns it (wire shape, `properties` nested). */
export type { ArmResourceBody } from "./restLists.js";

/** `ClusterPools_ListBySubscription`. */
export function listClusterPools(client: Client, subscriptionId: string, options: { abortSignal?: AbortSignalLike } = {}) {
  return listPaged(
    client,
    `/subscriptions/${encodeURIComponent(subscriptionId)}/providers/Microsoft.HDInsight/clusterpools`,
    CLUSTER_POOL_API_VERSION,
    options.abortSignal,
  );
}

/** `Clusters_ListByClusterPoolName`: the clusters of one pool (by the pool's ARM id, checked first). */
export function listPoolClusters(client: Client, poolId: string, options: { abortSignal?: AbortSignalLike } = {}) {
  if (parseResourceId(poolId)?.types.length !== 1) {
    throw Object.assign(new Error(`not a cluster pool id: ${JSON.stringify(poolId.slice(0, 300))}`), { code: "InvalidResourceId" });
  }
  return listPaged(client, `${poolId.replace(/\/+$/, "")}/clusters`, CLUSTER_POOL_API_VERSION, options.abortSignal);
}

/** api-version of `ResourceGroups_List` (Microsoft.Resources). */
export const RESOURCE_GROUPS_API_VERSION = "2021-04-01";

/**
 * `ResourceGroups_List`: the resource groups of a subscription the caller can read. ARM filters
 * this list by the caller's access, which makes it the cheap proof that a group's silence in a
 * subscription-wide list means "nothing there" rather than "not allowed to look".
 */
export function listResourceGroups(client: Client, subscriptionId: string, options: { abortSignal?: AbortSignalLike } = {}) {
  return listPaged(client, `/subscriptions/${encodeURIComponent(subscriptionId)}/resourcegroups`, RESOURCE_GROUPS_API_VERSION, options.abortSignal);
}
