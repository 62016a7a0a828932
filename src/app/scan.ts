/**
 * The scan use case: collect -> evaluate -> report. Trigger adapters (CLI, HTTP, timer) call
 * this and only map its result; nothing here knows how it was triggered. A scan keeps its report
 * in memory ({@link runScan}) or spools its targets to disk for a streamed report of any size
 * ({@link runSpooledScan}); both judge each target as it is read and keep only its report form.
 */
import type { AbortSignalLike } from "@azure/abort-controller";
import { ArmClients, type ArmClientOptions } from "../arm/clients.js";
import { emptyBaseline, type Baseline } from "../baseline/baseline.js";
import { expiredSuppressionEntries, type FailingResult } from "../baseline/suppressions.js";
import { targetEvaluator, type EvaluateOptions, type TargetEvaluation } from "../checks/lib/engine.js";
import { collect, type CollectOptions, type CollectProgress, type CollectResult } from "../collect/collector.js";
import type { Snapshot, Target } from "../model/snapshot.js";
import type { ArmSettings } from "../config/settings.js";
import type { Severity } from "../checks/lib/types.js";
import { buildReport, toReportFinding, type BuildReportInput, type DriftReport, type EvidenceMode, type TargetReport } from "../report/report.js";
import { TargetSpool, type SpoolOptions } from "../report/spool.js";
import type { StreamedReport } from "../report/stream.js";
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
  /** Which findings carry their evidence (default `failures`: fail and unknown; `all`: pass too). */
  evidence?: EvidenceMode;
}

/** A finished scan: the report and the snapshot it judged. */
export interface ScanResult {
  report: DriftReport;
  snapshot: Snapshot;
}

/**
 * Runs one scan and keeps its report in memory (recorded scans, fan-out shards, a fresh audit of
 * one target, the CLI's text formats). Each target is turned into its report form as soon as it is
 * judged, so the full evaluations (pass evidence, remediation) are never held for the whole scan.
 * Throws only for configuration problems and an unreachable endpoint.
 */
export async function runScan(options: ScanOptions): Promise<ScanResult> {
  const scan = await scanInto(options, (target) => target);
  return { report: buildReport({ ...scan.input, targets: scan.kept }), snapshot: scan.snapshot };
}

/** A scan whose report streams from a spool (see {@link runSpooledScan}). */
export interface SpooledScan extends AsyncDisposable {
  /**
   * The report: its head (summary and all) in memory, its targets read back from the spool one at
   * a time, in the order {@link runScan} gives them. Hand it to `writeReportJson` or
   * `reportJsonChunks` (src/report/stream.ts); it can be iterated more than once until closed.
   */
  report: StreamedReport;
  /** Severities of the unsuppressed failing findings (the exit code with `--fail-on`). */
  failingSeverities: ReadonlySet<Severity>;
  /** Removes the spool. Call it (or `await using`) whatever happens. */
  close(): Promise<void>;
}

/**
 * Runs one scan for a report of any size (the CLI's `--format json`): each judged target is
 * written to a temporary spool file (src/report/spool.ts) at once, the scan keeps only where
 * each lies and the counts, and the snapshot is dropped when the scan returns. Memory grows with
 * the snapshot, not with the findings. The spool is removed on error and by `close()`.
 */
export async function runSpooledScan(options: ScanOptions & { spool?: SpoolOptions }): Promise<SpooledScan> {
  const spool = TargetSpool.create(options.spool);
  try {
    const { input, kept } = await scanInto(options, (target) => spool.add(target));
    // The head as buildReport makes it; the summary counted by the spool (the targets are on disk).
    const head = { ...buildReport({ ...input, targets: [] }), summary: spool.summary };
    const targets = { [Symbol.iterator]: () => spool.targets(kept) };
    return {
      report: { ...head, targets },
      failingSeverities: spool.failingSeverities,
      close: () => spool.close(),
      [Symbol.asyncDispose]: () => spool.close(),
    };
  } catch (err) {
    await spool.close();
    throw err;
  }
}

/** What {@link scanInto} hands back: the report's inputs, the targets as the sink kept them, in report order. */
interface ScanParts<H> {
  input: Omit<BuildReportInput, "targets">;
  kept: H[];
  snapshot: Snapshot;
}

/**
 * The scan itself: collect and judge, each judged target given to `keep` in its report form (the
 * evaluation is dropped then), the kept values returned in the report's target order: the
 * snapshot's order, with expected targets that could not be read sorted in.
 */
async function scanInto<H extends Pick<TargetReport, "id" | "subscriptionId">>(options: ScanOptions, keep: (target: TargetReport) => H): Promise<ScanParts<H>> {
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const clients = new ArmClients(options.settings, options.clients);
  const stop = linkedStop(options.abortSignal, options.timeLimitInMs);
  const baseline = options.baseline ?? emptyBaseline;
  const evidence = options.evidence ?? "failures";
  // Expired suppressions list the failing findings they would still match: only failures of
  // their checks are kept for that (none when nothing expired).
  const expiredChecks = new Set(expiredSuppressionEntries(baseline, startedAt, []).map((s) => s.checkId));
  const failing: FailingResult[] = [];
  let collected: CollectedAndJudged<H>;
  try {
    collected = await collectAndJudge(
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
      {
        keep: (e) => {
          if (expiredChecks.size > 0) {
            for (const f of e.findings) if (f.status === "fail" && expiredChecks.has(f.checkId)) failing.push({ id: f.id, checkId: f.checkId, resourceId: f.resourceId });
          }
          return keep(targetReportOf(e, evidence));
        },
      },
    );
  } finally {
    stop.dispose();
  }
  const kept = collected.judged;
  if (collected.unreadableTargets?.length) {
    // Expected targets that could not be read: `unknown`, their previous findings kept (stale).
    const before = new Map((options.previous?.targets ?? []).map((t) => [t.id.toLowerCase(), t] as const));
    for (const u of collected.unreadableTargets) kept.push(keep(unreadableTargetReport(u, before.get(u.target.id.toLowerCase()))));
    kept.sort((a, b) => a.subscriptionId.localeCompare(b.subscriptionId) || a.id.toLowerCase().localeCompare(b.id.toLowerCase()));
  }
  return {
    input: {
      startedAt,
      finishedAt: now(),
      subscriptions: collected.subscriptionIds,
      stats: { ...clients.stats },
      errors: collected.errors,
      expiredSuppressions: expiredSuppressionEntries(baseline, startedAt, failing),
    },
    kept,
    snapshot: collected.snapshot,
  };
}

/** The report form of a judged target: its tags, its findings without remediation, pass evidence per `evidence`. */
export function targetReportOf(e: TargetEvaluation, evidence: EvidenceMode = "failures"): TargetReport {
  return {
    id: e.target.id,
    kind: e.target.kind,
    name: e.target.name,
    subscriptionId: e.target.subscriptionId,
    ...(e.target.tags ? { tags: e.target.tags } : {}),
    ...(e.target.kind === "clusterPool" && e.target.aksClusterId ? { aksClusterId: e.target.aksClusterId } : {}),
    status: e.status,
    findings: e.findings.map((f) => toReportFinding(f, evidence)),
  };
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

/** Timings of judging during a collection. */
interface JudgeTimings {
  /** Time from the last read to the last judgement (the rest ran while reads were pending; the tail yields between slices). */
  evaluateTailInMs: number;
  /** Time spent judging in all, during and after the reads. */
  evaluateTotalInMs: number;
}

/** A collection and the judgement of each of its targets, in the snapshot's target order. */
export interface CollectedAndEvaluated extends CollectResult, JudgeTimings {
  evaluations: TargetEvaluation[];
}

/** A collection and what {@link collectAndJudge} kept of each judged target, in the snapshot's target order. */
interface CollectedAndJudged<H> extends CollectResult, JudgeTimings {
  judged: H[];
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
  const { judged, ...rest } = await collectAndJudge(clients, collectOptions, baseline, evaluateOptions, { ...pipelineOptions, keep: (e) => e });
  return { ...rest, evaluations: judged };
}

/**
 * {@link collectAndEvaluate} keeping only `keep(evaluation)` of each target, called as soon as
 * the target is judged (the scan keeps its report form, or where a spool wrote it), so the
 * evaluations themselves are garbage at once.
 */
async function collectAndJudge<H>(
  clients: ArmClients,
  collectOptions: CollectOptions,
  baseline: Baseline,
  evaluateOptions: EvaluateOptions,
  pipelineOptions: PipelineOptions & { keep: (evaluation: TargetEvaluation) => H },
): Promise<CollectedAndJudged<H>> {
  const { keep } = pipelineOptions;
  let judge: ((target: Target) => TargetEvaluation) | undefined;
  const judged = new Map<Target, H>();
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
      judged.set(target, keep(judge(target)));
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
          judged.set(target, keep(judge(target)));
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
  const inOrder: H[] = [];
  let sliceStartedAt = performance.now();
  for (const t of collected.snapshot.targets) {
    const kept = judged.get(t);
    if (kept !== undefined) {
      inOrder.push(kept);
      continue;
    }
    inOrder.push(keep(finalJudge(t)));
    // Seconds of judging at 10,000 targets: the loop yields between slices, so the process
    // stays responsive (progress display, signals) and the garbage collector's tasks run.
    if (performance.now() - sliceStartedAt >= JUDGE_SLICE_IN_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStartedAt = performance.now();
    }
  }
  const evaluateTailInMs = performance.now() - tailStartedAt;
  return { ...collected, judged: inOrder, evaluateTailInMs, evaluateTotalInMs: judgedDuringReadsInMs + evaluateTailInMs };
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
