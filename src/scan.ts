/**
 * The scan use case: collect -> evaluate -> report. Trigger adapters (CLI, HTTP, timer) call
 * this and only map its result; nothing here knows how it was triggered.
 */
import type { AbortSignalLike } from "@azure/abort-controller";
import { ArmClients, type ArmClientOptions } from "./arm/clients.js";
import { emptyBaseline, type Baseline } from "./baseline/baseline.js";
import { evaluate, expiredSuppressions } from "./checks/engine.js";
import { idMatches } from "./baseline/baseline.js";
import { collect, type CollectProgress } from "./collect/collector.js";
import type { Snapshot } from "./collect/snapshot.js";
import type { ArmSettings } from "./config/settings.js";
import { buildReport, type DriftReport } from "./report/report.js";

/** Options of {@link runScan}. */
export interface ScanOptions {
  settings: ArmSettings;
  /** Subscriptions to scan; empty: all the credential can list. */
  subscriptionIds?: string[];
  /** Subscriptions read only for shared resources (hub firewalls, DNS zones): a fan-out shard's rest of scope. */
  contextSubscriptionIds?: string[];
  baseline?: Baseline;
  abortSignal?: AbortSignalLike;
  /**
   * Stop reading after this long and report what was read, the rest `unknown` (set it below the
   * host's function timeout so a scan always ends with a report).
   */
  timeLimitInMs?: number;
  /** Client tuning (retries, emulator CA). */
  clients?: ArmClientOptions;
  onProgress?: (progress: CollectProgress) => void;
  /** Clock, for tests and suppression expiry. */
  now?: () => Date;
}

/** A finished scan: the report and the snapshot it judged. */
export interface ScanResult {
  report: DriftReport;
  snapshot: Snapshot;
}

/** Runs one scan. Throws only for configuration problems and an unreachable endpoint. */
export async function runScan(options: ScanOptions): Promise<ScanResult> {
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const clients = new ArmClients(options.settings, options.clients);
  const stop = linkedStop(options.abortSignal, options.timeLimitInMs);
  let collected;
  try {
    collected = await collect(clients, {
      ...(options.subscriptionIds ? { subscriptionIds: options.subscriptionIds } : {}),
      ...(options.contextSubscriptionIds?.length ? { contextSubscriptionIds: options.contextSubscriptionIds } : {}),
      abortSignal: stop.signal,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  } finally {
    stop.dispose();
  }
  const baseline = options.baseline ?? emptyBaseline;
  const evaluations = evaluate(collected.snapshot, baseline, { now: startedAt });
  const failing = evaluations.flatMap((e) => e.findings.filter((f) => f.status === "fail"));
  const expired = expiredSuppressions(baseline, startedAt).map((s) => ({
    checkId: s.checkId,
    resourceId: s.resourceId,
    reason: s.reason,
    owner: s.owner,
    expires: s.expires ?? "",
    matchingFindingIds: failing.filter((f) => f.checkId === s.checkId && idMatches(s.resourceId, f.resourceId)).map((f) => f.id),
  }));
  const report = buildReport({
    startedAt,
    finishedAt: now(),
    subscriptions: collected.subscriptionIds,
    targets: evaluations.map((e) => ({
      id: e.target.id,
      kind: e.target.kind,
      name: e.target.name,
      subscriptionId: e.target.subscriptionId,
      status: e.status,
      findings: e.findings,
    })),
    stats: { ...clients.stats },
    errors: collected.errors,
    expiredSuppressions: expired,
  });
  return { report, snapshot: collected.snapshot };
}

/** Thrown into reads when the time limit passes; its code names the stop in the report. */
export class TimeLimitExceededError extends Error {
  override readonly name = "TimeLimitExceededError";
  readonly code = "TimeLimitExceeded";
}

/** One signal that fires on the caller's abort or when the time limit passes. */
function linkedStop(parent: AbortSignalLike | undefined, timeLimitInMs: number | undefined): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onAbort = () => controller.abort((parent as { reason?: unknown }).reason ?? new Error("aborted by the caller"));
  if (parent?.aborted) onAbort();
  else parent?.addEventListener("abort", onAbort);
  const timer =
    timeLimitInMs !== undefined
      ? setTimeout(() => controller.abort(new TimeLimitExceededError(`time limit of ${timeLimitInMs} ms reached`)), timeLimitInMs)
      : undefined;
  return {
    signal: controller.signal,
    dispose: () => {
      if (timer) clearTimeout(timer);
      parent?.removeEventListener("abort", onAbort);
    },
  };
}
