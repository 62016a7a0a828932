/**
 * Phase 3b, the expected targets: what the previous complete scan of the same scope reported and
 * the subscription lists no longer show (`CollectOptions.expected`; the recorded scan passes it).
 *
 * ARM filters its lists by the caller's access: when the scanner loses Reader on the resource
 * group that holds some pools, they silently leave the lists. Absence in a list is therefore no
 * proof that a target is gone. An expected target that no list returned is gone only on proof:
 * - its resource group is readable (listed in the readable resource groups) and the list, read
 *   in full, no longer holds it; or
 * - a direct read of its id answers 404 (the target, or its resource group, does not exist).
 * A direct read that answers it is taken as a target again. Anything else (403, a failed list,
 * a failed read, a stopped scan) leaves it unreadable: an error `TargetNotReadable` scoped to its
 * id, and the target reported `unknown` with its findings kept (src/app/scan.ts), never resolved.
 * A cluster pool that cannot be read keeps its AKS cluster: that cluster (still in the AKS list)
 * is not audited as a new plain AKS target.
 */
import { createRestError } from "@azure-rest/core-client";
import { CLUSTER_POOL_API_VERSION, type ArmResourceBody } from "../../arm/clusterPools.js";
import type { ScanError } from "../../model/scan.js";
import { parseResourceId } from "../../model/resourceId.js";
import type { Part, Target } from "../../model/snapshot.js";
import { toReadError, type CollectionContext } from "../context.js";
import type { ListIndex } from "../listIndex.js";
import { normalizeAksCluster, normalizeClusterPool } from "../normalize.js";
import type { ExpectedTarget } from "../options.js";
import { aksTarget, poolTarget, sortTargets } from "./targets.js";

/** What became of an expected target the lists did not return. */
type Outcome = { kind: "gone" } | { kind: "found"; target: Target } | { kind: "unreadable"; why: string };

const LIST_NAMES = { clusterPool: "cluster pools", aksCluster: "AKS clusters" } as const;
const KIND_NAMES = { clusterPool: "cluster pool", aksCluster: "AKS cluster" } as const;

/**
 * Each expected subscription that was scanned but whose target lists (cluster pools and AKS
 * clusters) both failed is `SubscriptionNotScanned`: nothing in it could be discovered.
 */
function noteUnreadableSubscriptions(ctx: CollectionContext, index: ListIndex): void {
  for (const raw of ctx.options.expected?.subscriptionIds ?? []) {
    const sub = raw.toLowerCase();
    const lists = index.lists.get(sub);
    if (!lists || ctx.notScanned.has(sub) || lists.pools.ok || lists.aksClusters.ok) continue;
    const error: ScanError = {
      scope: `/subscriptions/${sub}`,
      code: "SubscriptionNotScanned",
      message: `subscription ${sub} was covered by the previous complete scan of this scope but could not be read now: its lists of cluster pools and AKS clusters failed (${lists.pools.error.code}, ${lists.aksClusters.error.code}); its findings are kept, stale`,
    };
    ctx.record(error);
    ctx.notScanned.set(sub, error);
  }
}

/** `<code> (HTTP <status>): <message>` of a read error. */
function describe(e: { code: string; statusCode?: number; message: string }): string {
  return `${e.code}${e.statusCode !== undefined ? ` (HTTP ${e.statusCode})` : ""}: ${e.message}`;
}

/** Proves an expected target gone, finds it by id, or says why it cannot be read. */
async function proveAbsence(ctx: CollectionContext, index: ListIndex, expected: ExpectedTarget, sub: string): Promise<Outcome> {
  const p = parseResourceId(expected.id);
  const type = `${p?.namespace ?? ""}/${p?.types.join("/") ?? ""}`.toLowerCase();
  const wanted = expected.kind === "clusterPool" ? "microsoft.hdinsight/clusterpools" : "microsoft.containerservice/managedclusters";
  if (!p?.resourceGroup || type !== wanted || p.subscriptionId.toLowerCase() !== sub) {
    return { kind: "unreadable", why: `its id is not a ${KIND_NAMES[expected.kind]} id of subscription ${sub}` };
  }
  const lists = index.lists.get(sub);
  const list: Part<unknown> | undefined = expected.kind === "clusterPool" ? lists?.pools : lists?.aksClusters;
  if (!list?.ok) {
    // A failed list proves nothing, and a read per target would only repeat its failure.
    return { kind: "unreadable", why: `the list of ${LIST_NAMES[expected.kind]} of subscription ${sub} failed${list ? ` (${describe(list.error)})` : ""}` };
  }
  // Readable group, complete list, not in it: gone. ARM lists a group only to a caller who can read it.
  if (index.readableGroups.get(sub)?.has(p.resourceGroup.toLowerCase())) return { kind: "gone" };
  if (ctx.options.abortSignal?.aborted) return { kind: "unreadable", why: "the scan was stopped before it could be read by id" };
  try {
    if (expected.kind === "clusterPool") {
      const response = await ctx.clients
        .rest()
        .pathUnchecked(expected.id)
        .get({ queryParameters: { "api-version": CLUSTER_POOL_API_VERSION }, ...ctx.signal });
      if (!/^2\d\d$/.test(response.status)) throw createRestError(response);
      return { kind: "found", target: poolTarget(normalizeClusterPool(response.body as ArmResourceBody)) };
    }
    const aks = normalizeAksCluster(await ctx.clients.containerService(p.subscriptionId).managedClusters.get(p.resourceGroup, p.names[0]!, ctx.signal));
    index.aksClusters.set(aks.id.toLowerCase(), aks);
    return { kind: "found", target: aksTarget(aks) };
  } catch (err) {
    const e = toReadError(err, expected.id);
    // 404: the resource (or its resource group) does not exist. That is the proof.
    if (e.statusCode === 404) return { kind: "gone" };
    return { kind: "unreadable", why: `reading it by id failed: ${describe(e)}` };
  }
}

/**
 * Adds to `targets` what the previous complete scan of the scope knew and the lists no longer
 * show (see the module comment): targets found by id join them; targets proven gone stay out;
 * the rest are recorded as unreadable (`ctx.unreadableTargets`, error `TargetNotReadable`, or the
 * `SubscriptionNotScanned` error of their subscription). Returns the targets, sorted, and sets
 * `snapshot.targets`.
 */
export async function reconcileExpected(ctx: CollectionContext, index: ListIndex, targets: Target[]): Promise<Target[]> {
  noteUnreadableSubscriptions(ctx, index);
  const expected = ctx.options.expected?.targets ?? [];
  if (expected.length === 0) return targets;
  const present = new Set(targets.map((t) => t.id.toLowerCase()));
  const poolAks = new Set(targets.map((t) => (t.kind === "clusterPool" ? t.aksClusterId?.toLowerCase() : undefined)).filter((x): x is string => !!x));
  const scanned = new Set(ctx.subscriptionIds);
  const missing = new Map<string, ExpectedTarget>();
  for (const e of expected) if (!present.has(e.id.toLowerCase())) missing.set(e.id.toLowerCase(), e);

  const found: Target[] = [];
  const keptAks = new Set<string>();
  await Promise.all(
    [...missing.values()].map(async (e) => {
      const sub = (e.subscriptionId || parseResourceId(e.id)?.subscriptionId || "").toLowerCase();
      const keep = (error: ScanError) => {
        ctx.unreadableTargets.push({ target: e, error });
        if (e.kind === "clusterPool" && e.aksClusterId) keptAks.add(e.aksClusterId.toLowerCase());
      };
      const subscriptionError = ctx.notScanned.get(sub);
      if (subscriptionError) return keep(subscriptionError);
      // Not scanned and not an error: a Disabled or Deleted subscription left the scope on purpose.
      if (!scanned.has(sub)) return;
      // A plain AKS cluster that a listed pool now names is audited with that pool.
      if (e.kind === "aksCluster" && poolAks.has(e.id.toLowerCase())) return;
      const outcome = await ctx.targetLimit(sub, () => proveAbsence(ctx, index, e, sub));
      if (outcome.kind === "gone") return;
      if (outcome.kind === "found") {
        found.push(outcome.target);
        return;
      }
      const label = `${KIND_NAMES[e.kind]} ${e.name || e.id}`;
      const error: ScanError = {
        scope: e.id,
        code: "TargetNotReadable",
        message: `${label} was in the previous complete scan of this scope and is not in this scan's list of ${LIST_NAMES[e.kind]}, and its absence could not be proven: ${outcome.why}; it is reported unknown and its findings are kept, stale`,
      };
      ctx.record(error);
      keep(error);
    }),
  );

  // A pool found by id owns its AKS cluster, as a listed pool does; an unreadable pool keeps its
  // own (unless that cluster was itself a plain target of the previous scan).
  const foundPoolAks = new Set(found.flatMap((t) => (t.kind === "clusterPool" && t.aksClusterId ? [t.aksClusterId.toLowerCase()] : [])));
  const expectedPlain = new Set(expected.filter((e) => e.kind === "aksCluster").map((e) => e.id.toLowerCase()));
  const result = [...targets, ...found].filter((t) => {
    if (t.kind !== "aksCluster") return true;
    const id = t.id.toLowerCase();
    return !foundPoolAks.has(id) && !(keptAks.has(id) && !expectedPlain.has(id));
  });
  ctx.unreadableTargets.sort((a, b) => a.target.id.toLowerCase().localeCompare(b.target.id.toLowerCase()));
  ctx.snapshot.targets = sortTargets(result);
  return ctx.snapshot.targets;
}
