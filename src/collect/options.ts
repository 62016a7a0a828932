/** The public shapes of a collection: its options, its progress events and its result (src/collect/collector.ts). */
import type { AbortSignalLike } from "@azure/abort-controller";
import type { ScanError } from "../model/scan.js";
import type { Snapshot, Target, TargetKind } from "../model/snapshot.js";

/** Progress events, for a CLI progress display. */
export interface CollectProgress {
  phase: "subscriptions" | "lists" | "targets";
  done: number;
  total: number;
}

/** Options of {@link collect}. */
export interface CollectOptions {
  /** Subscriptions to scan; empty or absent: every subscription the credential can list. */
  subscriptionIds?: string[];
  /** Stops every ARM call; what was read so far is kept, the rest becomes `unknown`. */
  abortSignal?: AbortSignalLike;
  /**
   * Subscriptions read at once (default 64). Each subscription has its own ARM read budget, so a
   * subscription left waiting for a slot leaves its budget idle; the read budget paces each one.
   */
  subscriptionConcurrency?: number;
  /** Targets read at once per subscription (default 16; the read budget paces them). */
  targetConcurrency?: number;
  onProgress?: (progress: CollectProgress) => void;
  /**
   * Called once per target, as soon as everything its checks look at has been read: its own
   * reads (pool clusters, AKS cluster, MC group with its scale sets, subnets with their VNets,
   * route tables, NSGs and NAT gateways, the DNS zones for its names, the role definitions its
   * identities are assigned), the subscription lists and the shared reads (firewall policies,
   * Virtual WAN hubs, the firewalls and IP groups they name). The snapshot part about it does not change
   * after this, so a scan can judge it while other targets are still being read.
   */
  onTargetCollected?: (target: Target, snapshot: Snapshot) => void;
  /**
   * More subscriptions read only for the shared resources that targets use across subscription
   * boundaries: firewalls (and policies), IP groups, private DNS zones, Virtual WAN hubs. Their
   * own targets are not audited and they are not part of the scan's scope. A fan-out shard
   * (src/app/fanout.ts) passes the rest of its run's scope here, so it judges its targets against
   * the same hub firewall and DNS zones as a scan of the whole scope: five list requests per
   * subscription. (A subscription that a target's VNet peers into and that is neither scanned nor
   * context has the same lists read, once, when the collector meets the peering.)
   */
  contextSubscriptionIds?: string[];
  /**
   * What the previous complete scan of the same scope covered (the recorded scan passes it; the
   * CLI has no history). A subscription or target of it that this scan cannot find is not taken
   * as gone without proof: see {@link ScanExpectations}.
   */
  expected?: ScanExpectations;
}

/**
 * What the previous complete scan of the same scope covered. ARM filters lists by the caller's
 * access, so "not in the list" proves nothing once access was lost. The collector therefore
 * proves each absence: an expected target is gone only when a direct read of its id answers 404,
 * or its resource group is readable and the list no longer holds it; otherwise it is reported as
 * unreadable (`TargetNotReadable`). An expected subscription that is no longer listed (state
 * `Disabled`/`Deleted` aside) or cannot be read is `SubscriptionNotScanned`.
 */
export interface ScanExpectations {
  /** The subscriptions the previous complete scan covered. */
  subscriptionIds: string[];
  /** The targets it reported. */
  targets: ExpectedTarget[];
}

/** A target of the previous complete scan. */
export interface ExpectedTarget {
  id: string;
  kind: TargetKind;
  name: string;
  subscriptionId: string;
  /**
   * A cluster pool's AKS cluster: while the pool cannot be read, its AKS cluster (still in the
   * AKS list) is not audited as a new plain AKS target.
   */
  aksClusterId?: string;
}

/** An expected target this scan could not read, and why (the `TargetNotReadable` or `SubscriptionNotScanned` error). */
export interface UnreadableTarget {
  target: ExpectedTarget;
  error: ScanError;
}

/** What a collection produced. */
export interface CollectResult {
  snapshot: Snapshot;
  /** The subscriptions scanned. */
  subscriptionIds: string[];
  errors: ScanError[];
  /**
   * Targets of {@link CollectOptions.expected} that were not found and not proven gone: they are
   * reported `unknown`, their findings kept (stale), never resolved. (Optional for collectors
   * that take no expectations, such as the benchmark's naive one.)
   */
  unreadableTargets?: UnreadableTarget[];
}
