/**
 * A pool's clusters, read once under the subscription's cluster limit. The pool list starts these
 * reads as soon as it is in (subscriptionLists.ts); the target then awaits the same read
 * (targets.ts). Apart from both so neither phase imports the other.
 */
import { listPoolClusters } from "../../arm/clusterPools.js";
import type { HdiCluster, Part } from "../../model/snapshot.js";
import { listOrNone, type CollectionContext } from "../context.js";
import { normalizeHdiCluster } from "../normalize.js";
import { drain } from "../reads.js";

/** A pool's clusters; see the module comment. */
export function poolClusters(ctx: CollectionContext, sub: string, poolId: string): Promise<Part<HdiCluster[]>> {
  return ctx.once(`clusters|${poolId}`, () =>
    ctx.clusterLimit(sub, () =>
      ctx.read(`${poolId}/clusters`, async () => listOrNone(() => drain(listPoolClusters(ctx.clients.rest(), poolId, ctx.signal), normalizeHdiCluster))),
    ),
  );
}
