/** The public shapes of a collection: its options, its progress events and its result (src/collect/collector.ts). */
import type { AbortSignalLike } from "@azure/abort-controller";
import type { ScanError } from "../model/scan.js";
import type { Snapshot, Target } from "../model/snapshot.js";

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
   * reads (pool clusters, AKS cluster, MC group, subnets with their route tables and NSGs, the
   * DNS zones for its names, the role definitions its identities are assigned), the
   * subscription lists and the firewall policies. The snapshot part about it does not change
   * after this, so a scan can judge it while other targets are still being read.
   */
  onTargetCollected?: (target: Target, snapshot: Snapshot) => void;
  /**
   * More subscriptions read only for the shared resources that targets use across subscription
   * boundaries: firewalls (and policies), IP groups, private DNS zones. Their own targets are not
   * audited and they are not part of the scan's scope. A fan-out shard (src/app/fanout.ts)
   * passes the rest of its run's scope here, so it judges its targets against the same hub
   * firewall and DNS zones as a scan of the whole scope: four list requests per subscription.
   */
  contextSubscriptionIds?: string[];
}

/** What a collection produced. */
export interface CollectResult {
  snapshot: Snapshot;
  /** The subscriptions scanned. */
  subscriptionIds: string[];
  errors: ScanError[];
}
