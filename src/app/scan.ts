/**
 * The scan use case: collect -> evaluate -> report. Trigger adapters (CLI, HTTP, timer) call
 * this and only map its result; nothing here knows how it was triggered.
 */
import type { AbortSignalLike } from "@azure/abort-controller";
import { ArmClients, type ArmClientOptions } from "../arm/clients.js";
import { emptyBaseline, type Baseline } from "../baseline/baseline.js";
import { expiredSuppressionEntries } from "../baseline/suppressions.js";
import { targetEvaluator, type EvaluateOptions, type TargetEvaluation } from "../checks/lib/engine.js";
import { collect, type CollectOptions, type CollectProgress, type CollectResult } from "../collect/collector.js";
import type { Snapshot, Target } from "../model/snapshot.js";
import type { ArmSettings } from "../config/settings.js";
import { buildReport, type DriftReport, type TargetReport } from "../report/report.js";
import { TimeLimitExceededError } from "../errors.js";
import { expectationsOf, unreadableTargetReport } from "./expectations.js";

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
  /**
   * The report of the previous complete scan of the same scope (recorded scans and fan-out
   * shards; the CLI has none): what it covered is not taken as gone without proof. Its targets
   * this scan cannot read are reported `unknown` with `TargetNotReadable`, its subscriptions this
   * scan does not cover are `SubscriptionNotScanned` (./expectations.ts).
   */
  previous?: DriftReport;
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
  const baseline = options.baseline ?? emptyBaseline;
  let collected: CollectedAndEvaluated;
  try {
    collected = await collectAndEvaluate(
      clients,
      {
        ...(options.subscriptionIds ? { subscriptionIds: options.subscriptionIds } : {}),
        ...(options.contextSubscriptionIds?.length ? { contextSubscriptionIds: options.contextSubscriptionIds } : {}),
        abortSignal: stop.signal,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.previous ? { expected: expectationsOf(options.previous, options.subscriptionIds ?? []) } : {}),
      },
      baseline,
      { now: startedAt },
    );
  } finally {
    stop.dispose();
  }
  const { evaluations } = collected;
  const failing = evaluations.flatMap((e) => e.findings.filter((f) => f.status === "fail"));
  const expired = expiredSuppressionEntries(baseline, startedAt, failing);
  const targets: TargetReport[] = evaluations.map((e) => ({
    id: e.target.id,
    kind: e.target.kind,
    name: e.target.name,
    subscriptionId: e.target.subscriptionId,
    status: e.status,
    findings: e.findings,
  }));
  if (collected.unreadableTargets?.length) {
    // Expected targets that could not be read: `unknown`, their previous findings kept (stale).
    const before = new Map((options.previous?.targets ?? []).map((t) => [t.id.toLowerCase(), t] as const));
    for (const u of collected.unreadableTargets) targets.push(unreadableTargetReport(u, before.get(u.target.id.toLowerCase())));
    targets.sort((a, b) => a.subscriptionId.localeCompare(b.subscriptionId) || a.id.toLowerCase().localeCompare(b.id.toLowerCase()));
  }
  const report = buildReport({
    startedAt,
    finishedAt: now(),
    subscriptions: collected.subscriptionIds,
    targets,
    stats: { ...clients.stats },
    errors: collected.errors,
    expiredSuppressions: expired,
  });
  return { report, snapshot: collected.snapshot };
}

/** Options of {@link collectAndEvaluate}. */
export interface PipelineOptions {
  /**
   * When a reported target is judged: `idle` (default) in slices while reads leave the process
   * idle; `immediately` in the collector's callback (tests use it to hold every target to the
   * snapshot as it stood when the target was reported).
   */
  judgeWhenReady?: "idle" | "immediately";
}

/** A collection and the judgement of each of its targets, in the snapshot's target order. */
export interface CollectedAndEvaluated extends CollectResult {
  evaluations: TargetEvaluation[];
  /** Time spent judging after the last read (the rest ran while reads were pending). */
  evaluateTailInMs: number;
  /** Time spent judging in all, during and after the reads. */
  evaluateTotalInMs: number;
}

/**
 * Collects and judges in one pass: each target is judged as soon as the collector reports it
 * read (see `onTargetCollected`), in the time the scan otherwise spends waiting for ARM's read
 * budget, instead of all of them after the last read. The judgement is the same as
 * `evaluate(snapshot)` after collection (a test holds them equal); targets the collector did not
 * report (a stopped scan) are judged at the end.
 */
export async function collectAndEvaluate(
  clients: ArmClients,
  collectOptions: CollectOptions,
  baseline: Baseline,
  evaluateOptions: EvaluateOptions = {},
  pipelineOptions: PipelineOptions = {},
): Promise<CollectedAndEvaluated> {
  let judge: ((target: Target) => TargetEvaluation) | undefined;
  const judged = new Map<Target, TargetEvaluation>();
  // Reported targets in order; those before `next` are judged (an index, not shift(): thousands queue).
  const ready: Target[] = [];
  let next = 0;
  // Judging runs in short slices while the process is mostly idle (waiting for the read budget
  // or for ARM), never while reads keep it busy: the CPU a read needs is worth more early, when
  // an unspent read budget is lost once the bucket is full.
  let utilization = performance.eventLoopUtilization();
  let judgingInMs = 0;
  let judgedDuringReadsInMs = 0;
  const pump = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const { active, idle } = performance.eventLoopUtilization(now, utilization);
    utilization = now;
    // How busy the reads kept the loop since the last tick (judging's own time left out).
    const readsBusy = (active - judgingInMs) / Math.max(1, active + idle);
    judgingInMs = 0;
    if (readsBusy > READS_BUSY_LIMIT || judge === undefined) return;
    const started = performance.now();
    while (next < ready.length && performance.now() - started < JUDGE_SLICE_IN_MS) {
      const target = ready[next++]!;
      judged.set(target, judge(target));
    }
    judgingInMs = performance.now() - started;
    judgedDuringReadsInMs += judgingInMs;
  }, JUDGE_INTERVAL_IN_MS);
  let collected: CollectResult;
  try {
    collected = await collect(clients, {
      ...collectOptions,
      onTargetCollected: (target, snapshot) => {
        judge ??= targetEvaluator(snapshot, baseline, evaluateOptions);
        if (pipelineOptions.judgeWhenReady === "immediately") {
          const started = performance.now();
          judged.set(target, judge(target));
          judgedDuringReadsInMs += performance.now() - started;
        }
        else ready.push(target);
        collectOptions.onTargetCollected?.(target, snapshot);
      },
    });
  } finally {
    clearInterval(pump);
  }
  const tailStartedAt = performance.now();
  const finalJudge = judge ?? targetEvaluator(collected.snapshot, baseline, evaluateOptions);
  const evaluations = collected.snapshot.targets.map((t) => judged.get(t) ?? finalJudge(t));
  const evaluateTailInMs = performance.now() - tailStartedAt;
  return { ...collected, evaluations, evaluateTailInMs, evaluateTotalInMs: judgedDuringReadsInMs + evaluateTailInMs };
}

/**
 * Share of the event loop the reads may keep busy and still leave room for judging. Measured at
 * 10,000 targets (npm run bench): 0.6 with 10 ms slices left 0.9 to 2.3 s of judging after the
 * last read; 0.9 with 20 ms slices 0 to 2.4 s; 0.9 with 40 ms slices 0.01 s in two runs out of
 * two, and the reads (paced by the budget) did not end later.
 */
const READS_BUSY_LIMIT = 0.9;
const JUDGE_INTERVAL_IN_MS = 20;
/**
 * Longest stretch of judging before reads get the loop back (a target takes well under 1 ms).
 * A response waits at most this long, small next to the read budget's pace.
 */
const JUDGE_SLICE_IN_MS = 40;

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
