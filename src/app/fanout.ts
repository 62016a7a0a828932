/**
 * Fan-out of a scheduled scan across Functions instances (DESIGN "Storage and scale-out";
 * README "Fan-out across instances").
 *
 * 1. The timer ({@link startFanOut}) cuts the scope's subscriptions into shards, records a run
 *    and its shards, and enqueues one message per shard (base64 JSON, as the queue trigger wants).
 * 2. A queue-triggered invocation ({@link processShard}) scans its shard's subscriptions, stores
 *    the part, and settles its shard in the run record with an If-Match update. The update that
 *    leaves no shard pending also claims the assembly: exactly one invocation makes it, however
 *    many finish at the same moment (the others get 412, re-read and see a settled run).
 * 3. A scan that throws is rethrown: the host retries the message up to `maxDequeueCount`
 *    (host.json) times, then moves it to `<queue>-poison`, whose trigger
 *    ({@link processPoisonedShard}) settles the shard as failed (and assembles if it is last).
 * 4. The assembler ({@link assembleRun}) takes the scope's lock, merges the parts (a failed shard
 *    becomes errors and `unknown` placeholders, src/report/assemble.ts), and runs the recorded
 *    scan's own diff, store, alert and commit steps (src/app/recordScan.ts).
 *
 * `POST /api/scans` hands a scan that outlasts its wait to the same machinery ({@link enqueueRun},
 * src/app/requestedScan.ts); `GET /api/scans/{id}` reads a run's progress (src/app/scanProgress.ts).
 *
 * Storage layout: src/store/runs.ts; shard plan and queue message: src/store/shards.ts.
 */
import type { Snapshot } from "../model/snapshot.js";
import { keepSnapshot } from "./recordScan.js";
import { setTimeout as sleep } from "node:timers/promises";
import type { AbortSignalLike } from "@azure/abort-controller";
import { lockKeyOf, scopeKeyOf, type NotificationStatus, type ScanScope, type ScanTrigger } from "../model/scan.js";
import { assembleReport, type FailedShard, type ShardPart } from "../report/assemble.js";
import type { DriftReport, EvidenceMode } from "../report/report.js";
import { restrictToTargets } from "../report/restrict.js";
import type { HistoryStore, ScanLock } from "../store/history.js";
import { MissingPageError } from "../store/reportPages.js";
import { DONE, PENDING, type RunRecord, type RunStore, type SettleHooks, type ShardRecord } from "../store/runs.js";
import { parseShardMessage, planShards, type ShardMessage } from "../store/shards.js";
import { finishRecordedScan } from "./recordScan.js";
import { SHARD_SCAN_TIME_LIMIT_IN_MS, type AppServices } from "./appServices.js";
import { ScopeBusyError, StorageNotConfiguredError } from "../errors.js";
import { firstLine } from "../util/text.js";
import { PhaseTimer } from "../util/phaseTimer.js";

/** A run older than this that never finished is abandoned: the next timer starts a new one. */
export const FANOUT_RUN_EXPIRY_IN_MS = 2 * 60 * 60_000;
/** How long an assembler waits for the scope's lock (an HTTP scan of the same scope) before it gives up and the host retries. */
export const ASSEMBLY_LOCK_WAIT_IN_MS = 3 * 60_000;

/** `Code: first line of the message` of anything thrown (a shard's recorded failure). */
export function describeFailure(err: unknown): string {
  const e = err as { name?: unknown; code?: unknown; message?: unknown };
  const code = typeof e?.code === "string" && e.code ? e.code : typeof e?.name === "string" ? e.name : "Error";
  const message = typeof e?.message === "string" ? e.message : String(err);
  return firstLine(`${code}: ${message}`);
}

// ---------------------------------------------------------------------------------------------
// The use cases: start (timer), process a shard (queue), process a poisoned shard, assemble.

function runsOf(services: AppServices): RunStore {
  if (!services.history || !services.runs) throw new StorageNotConfiguredError();
  return services.runs;
}

/** True when a run still in progress was started longer than `expiryInMs` ago: it is abandoned, not waited for. */
export function isExpiredRun(run: Pick<RunRecord, "createdAt">, now: Date, expiryInMs = FANOUT_RUN_EXPIRY_IN_MS): boolean {
  return now.getTime() - Date.parse(run.createdAt) >= expiryInMs;
}

/**
 * The run in progress of the scope's subscription set, if any. One that never finished within
 * `runExpiryInMs` (default {@link FANOUT_RUN_EXPIRY_IN_MS}) is abandoned here, so it blocks the
 * subscription set no longer, and undefined is returned.
 */
export async function activeRunOf(
  services: AppServices,
  scope: ScanScope,
  options: { now?: Date; runExpiryInMs?: number; warn?: (message: string) => void } = {},
): Promise<RunRecord | undefined> {
  const runs = runsOf(services);
  const active = await runs.activeRun(lockKeyOf(scope));
  if (!active) return undefined;
  const now = options.now ?? new Date();
  if (!isExpiredRun(active, now, options.runExpiryInMs)) return active;
  const minutes = Math.round((now.getTime() - Date.parse(active.createdAt)) / 60_000);
  options.warn?.(`fan-out run ${active.runId} of scope ${active.scopeKey} never finished (started ${active.createdAt}); abandoning it`);
  await runs.finishRun(active.runId, { status: "abandoned", detail: `did not finish within ${minutes} min; abandoned by a newer run` });
  return undefined;
}

/** Options of {@link enqueueRun}. */
export interface EnqueueRunOptions {
  scope: ScanScope;
  trigger: ScanTrigger;
  /** The scope's subscriptions (listed when the scope is every visible subscription). */
  subscriptions: readonly string[];
  now?: Date;
  /** What the run's report keeps of pass evidence (default `failures`): recorded on the run, used by its shards and its assembly. */
  evidence?: EvidenceMode;
}

/**
 * Records a run of `scope` cut into shards of `SCAN_SHARD_SIZE` subscriptions and puts one message
 * per shard on the queue. A run whose messages could not all be sent is abandoned at once (some
 * shards would never come) and the error rethrown. The caller has checked that no run of the
 * subscription set is in progress.
 */
export async function enqueueRun(services: AppServices, options: EnqueueRunOptions): Promise<{ run: RunRecord; shards: string[][] }> {
  const runs = runsOf(services);
  const shards = planShards(options.subscriptions, services.settings.fanOut.shardSize);
  const run = await runs.createRun({ scope: options.scope, trigger: options.trigger, shards, ...(options.now ? { now: options.now } : {}), ...(options.evidence ? { evidence: options.evidence } : {}) });
  try {
    await runs.enqueue(run.runId, shards);
  } catch (err) {
    // Some shards may never come: give the run up now rather than leave it blocking the scope.
    await runs.finishRun(run.runId, { status: "abandoned", detail: `enqueueing failed: ${describeFailure(err)}` }).catch(() => undefined);
    throw err;
  }
  return { run, shards };
}

/** Options of {@link startFanOut}. */
export interface StartFanOutOptions {
  scope: ScanScope;
  trigger: ScanTrigger;
  log?: (message: string) => void;
  warn?: (message: string) => void;
  abortSignal?: AbortSignalLike;
  /** Default {@link FANOUT_RUN_EXPIRY_IN_MS}. */
  runExpiryInMs?: number;
  now?: () => Date;
}

/** What {@link startFanOut} did. */
export type StartFanOutResult =
  /** Messages are on the queue; the shards' invocations take it from here. */
  | { status: "enqueued"; runId: string; scopeKey: string; shards: number; subscriptions: number }
  /** A run of the scope is still in progress. */
  | { status: "skipped"; runId: string; scopeKey: string; message: string }
  /** `auto` and the scope fits one shard, or no subscription to shard: scan in this invocation. */
  | { status: "single"; reason: string };

/**
 * Starts a fan-out run of `scope` per `SCAN_FANOUT` and `SCAN_SHARD_SIZE`. An empty scope (every
 * visible subscription) is listed first, so the shards are known.
 */
export async function startFanOut(services: AppServices, options: StartFanOutOptions): Promise<StartFanOutResult> {
  const { mode, shardSize } = services.settings.fanOut;
  if (mode === "off") return { status: "single", reason: "SCAN_FANOUT is off" };
  const runs = runsOf(services);
  const log = options.log ?? (() => undefined);
  const warn = options.warn ?? log;
  const now = options.now ?? (() => new Date());
  const scopeKey = scopeKeyOf(options.scope);

  let subscriptions = [...options.scope.subscriptions];
  if (subscriptions.length === 0) {
    if (!services.listSubscriptions) throw new Error("cannot list the visible subscriptions to shard them");
    subscriptions = await services.listSubscriptions(options.abortSignal ? { abortSignal: options.abortSignal } : {});
    log(`fan-out: ${subscriptions.length} visible subscription(s) in scope ${scopeKey}`);
  }
  if (subscriptions.length === 0) return { status: "single", reason: "no subscription to shard" };
  if (mode === "auto" && subscriptions.length <= shardSize) {
    return { status: "single", reason: `${subscriptions.length} subscription(s) fit one shard of ${shardSize}` };
  }

  const active = await activeRunOf(services, options.scope, { now: now(), warn, ...(options.runExpiryInMs !== undefined ? { runExpiryInMs: options.runExpiryInMs } : {}) });
  if (active) {
    const message = `fan-out run ${active.runId} of scope ${scopeKey} is still in progress (${active.done + active.failed} of ${active.shardCount} shards settled); this run skips`;
    log(message);
    return { status: "skipped", runId: active.runId, scopeKey, message };
  }

  const { run, shards } = await enqueueRun(services, { scope: options.scope, trigger: options.trigger, subscriptions, now: now() });
  log(`fan-out run ${run.runId}: ${shards.length} shard(s) of up to ${shardSize} subscription(s) enqueued on ${runs.names.queue}`);
  return { status: "enqueued", runId: run.runId, scopeKey, shards: shards.length, subscriptions: subscriptions.length };
}

/** Options of {@link processShard} and {@link processPoisonedShard}. */
export interface ShardOptions {
  /** The queue's dequeue count of this delivery (trigger metadata); 1 when unknown. */
  dequeueCount?: number;
  log?: (message: string) => void;
  warn?: (message: string) => void;
  abortSignal?: AbortSignalLike;
  /** Default {@link SHARD_SCAN_TIME_LIMIT_IN_MS}. */
  timeLimitInMs?: number;
  hooks?: SettleHooks;
  /** Options of the assembly, should this invocation claim it. */
  assembly?: AssemblyOptions;
}

/** What a shard invocation did. */
export type ShardOutcome =
  /** The message is not a shard message (or does not match its run): dropped, retrying cannot help. */
  | { status: "rejected"; reason: string }
  /** Nothing to do: unknown, finished or abandoned run, or a shard already settled (a redelivery). */
  | { status: "ignored"; runId: string; shardIndex: number; reason: string }
  /** Settled; other shards are still pending. */
  | { status: "settled"; runId: string; shardIndex: number; outcome: "done" | "failed"; conflicts: number; reusedPart: boolean }
  /** Settled the last pending shard and assembled the report. */
  | {
      status: "assembled";
      runId: string;
      shardIndex: number;
      outcome: "done" | "failed";
      conflicts: number;
      reusedPart: boolean;
      assembly: AssemblyResult;
    };

type Validated = { message: ShardMessage; run: RunRecord; shard: ShardRecord } | { outcome: ShardOutcome };

async function validate(runs: RunStore, entry: unknown, log: (m: string) => void, warn: (m: string) => void): Promise<Validated> {
  const parsed = parseShardMessage(entry);
  if (!parsed.ok) {
    warn(`not a shard message, dropped: ${parsed.reason}`);
    return { outcome: { status: "rejected", reason: parsed.reason } };
  }
  const { message } = parsed;
  const { runId, shardIndex } = message;
  const run = await runs.getRun(runId);
  if (!run) {
    warn(`shard ${shardIndex} of unknown run ${runId}, dropped`);
    return { outcome: { status: "ignored", runId, shardIndex, reason: "UnknownRun" } };
  }
  const shard = shardIndex < run.shardCount ? await runs.getShard(runId, shardIndex) : undefined;
  const expected = (shard?.subscriptionIds ?? []).map((s) => s.toLowerCase()).sort().join(",");
  if (!shard || expected !== [...message.subscriptionIds].sort().join(",")) {
    const reason = `shard ${shardIndex} of run ${runId} does not match the run's record`;
    warn(`${reason}, dropped`);
    return { outcome: { status: "rejected", reason } };
  }
  if (run.status === "complete" || run.status === "abandoned") {
    log(`run ${runId} is ${run.status}; shard ${shardIndex} has nothing left to do`);
    return { outcome: { status: "ignored", runId, shardIndex, reason: run.status === "complete" ? "RunComplete" : "RunAbandoned" } };
  }
  return { message, run, shard };
}

async function settleAndMaybeAssemble(
  services: AppServices,
  runs: RunStore,
  v: { run: RunRecord; message: ShardMessage },
  outcome: "done" | "failed",
  reusedPart: boolean,
  options: ShardOptions,
): Promise<ShardOutcome> {
  const log = options.log ?? (() => undefined);
  const { runId, shardIndex } = v.message;
  const settled = await runs.settleShard(runId, shardIndex, outcome, options.hooks ? { hooks: options.hooks } : {});
  const resume = settled.duplicate && settled.run.status === "assembling" && settled.run.assembledBy === shardIndex;
  if (settled.duplicate && !resume) {
    log(`shard ${shardIndex} of run ${runId} was already settled (${settled.run.states[shardIndex]}); a redelivery, nothing to do`);
    return { status: "ignored", runId, shardIndex, reason: "AlreadySettled" };
  }
  if (!settled.claimed && !resume) {
    log(`shard ${shardIndex} of run ${runId} ${outcome}; ${settled.run.done + settled.run.failed} of ${settled.run.shardCount} settled${settled.conflicts ? ` (${settled.conflicts} ETag conflict(s) retried)` : ""}`);
    return { status: "settled", runId, shardIndex, outcome, conflicts: settled.conflicts, reusedPart };
  }
  log(
    resume
      ? `shard ${shardIndex} of run ${runId} claimed the assembly earlier; resuming it`
      : `shard ${shardIndex} of run ${runId} settled last${settled.conflicts ? ` after ${settled.conflicts} ETag conflict(s)` : ""}: assembling`,
  );
  const assembly = await assembleRun(services, runId, { ...options.assembly, log, ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}) });
  return { status: "assembled", runId, shardIndex, outcome, conflicts: settled.conflicts, reusedPart, assembly };
}

/**
 * Handles one shard message: scan (unless a previous delivery already stored the part), store the
 * part, settle, assemble if last. A scan that throws is recorded on the shard and rethrown, so the
 * host retries the message and, after `maxDequeueCount` failures, poisons it.
 */
export async function processShard(services: AppServices, entry: unknown, options: ShardOptions = {}): Promise<ShardOutcome> {
  const runs = runsOf(services);
  const log = options.log ?? (() => undefined);
  const warn = options.warn ?? log;
  const v = await validate(runs, entry, log, warn);
  if ("outcome" in v) return v.outcome;
  const { message, run } = v;
  const { runId, shardIndex } = message;
  const attempts = Math.max(1, options.dequeueCount ?? 1);

  // Retried after claiming the assembly (the previous delivery died while assembling).
  if (run.status === "assembling") return settleAndMaybeAssemble(services, runs, v, "done", true, options);
  if (run.states[shardIndex] !== PENDING) {
    log(`shard ${shardIndex} of run ${runId} was already settled; a redelivery, nothing to do`);
    return { status: "ignored", runId, shardIndex, reason: "AlreadySettled" };
  }

  const reusedPart = await runs.hasPart(runId, shardIndex);
  if (reusedPart) {
    log(`shard ${shardIndex} of run ${runId}: part already stored by an earlier delivery; not scanning again`);
  } else {
    // The rest of the run's scope is read for its shared resources only (a hub firewall, central
    // DNS zones), so this shard judges its targets as a scan of the whole scope would.
    const mine = new Set(message.subscriptionIds);
    const context = [...new Set((await runs.listShards(runId)).flatMap((s) => s.subscriptionIds.map((x) => x.toLowerCase())))].filter((s) => !mine.has(s));
    log(`shard ${shardIndex} of run ${runId} (attempt ${attempts}): scanning ${message.subscriptionIds.length} subscription(s), ${context.length} more for shared resources`);
    await runs.markShardScanning(runId, shardIndex, attempts);
    let report: DriftReport;
    let snapshot: Snapshot | undefined;
    const timings = new PhaseTimer();
    try {
      // The previous complete scan of the scope: the shard's targets in it are not taken as gone
      // without proof (the scan narrows it to the shard's subscriptions).
      const lastScanId = await services.history?.lastScanIdOf(run.scopeKey);
      const previous = lastScanId && services.history ? await previousScanPart(services.history, lastScanId, message.subscriptionIds) : undefined;
      timings.lap("previous report");
      report = await services.scan({
        subscriptionIds: message.subscriptionIds,
        contextSubscriptionIds: context,
        ...(previous ? { previous } : {}),
        timeLimitInMs: options.timeLimitInMs ?? SHARD_SCAN_TIME_LIMIT_IN_MS,
        ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
        ...(run.evidence ? { evidence: run.evidence } : {}),
        onSnapshot: (s) => (snapshot = s),
      });
    } catch (err) {
      const failure = describeFailure(err);
      warn(`shard ${shardIndex} of run ${runId} failed on attempt ${attempts}: ${failure}`);
      await runs.recordAttempt(runId, shardIndex, { attempts, error: failure }).catch(() => undefined);
      throw err;
    }
    timings.lap("scan");
    // The shard's snapshot, under the run's scan id (the assembled report's): change events re-audit from it.
    if (snapshot && services.history) await keepSnapshot(services, runId, `shard-${shardIndex}`, snapshot, options.abortSignal);
    timings.lap("snapshot");
    await runs.storePart(runId, shardIndex, report, attempts);
    timings.lap("part");
    log(`shard ${shardIndex} of run ${runId}: ${report.summary.targets} target(s), ${report.errors.length} error(s), ${report.stats.armRequests} ARM request(s); ${timings.toString()}`);
  }
  return settleAndMaybeAssemble(services, runs, v, "done", reusedPart, options);
}

/**
 * The previous scan as a shard (or the assembly, for its failed shards) needs it: its head and the
 * targets of some subscriptions, read from the stored pages; the whole report only when a page is
 * missing.
 */
async function previousScanPart(history: HistoryStore, scanId: string, subscriptionIds: readonly string[]): Promise<DriftReport | undefined> {
  const pages = await history.reportPages(scanId);
  if (!pages) return undefined;
  try {
    return await pages.withSubscriptions(subscriptionIds);
  } catch (err) {
    if (err instanceof MissingPageError) return history.getReport(scanId);
    throw err;
  }
}

/**
 * Handles a message the host moved to the poison queue: its shard is settled as failed (or done,
 * when an earlier delivery stored the part and only the settling failed), and the run assembled if
 * it was the last. The report then names the shard and its subscriptions as not scanned.
 */
export async function processPoisonedShard(services: AppServices, entry: unknown, options: ShardOptions = {}): Promise<ShardOutcome> {
  const runs = runsOf(services);
  const log = options.log ?? (() => undefined);
  const warn = options.warn ?? log;
  const v = await validate(runs, entry, log, warn);
  if ("outcome" in v) return v.outcome;
  const { message, run, shard } = v;
  const { runId, shardIndex } = message;
  if (run.status === "assembling") return settleAndMaybeAssemble(services, runs, v, "done", true, options);
  // The part is written only after a successful scan: if it is there, the shard did its work.
  const stored = await runs.hasPart(runId, shardIndex);
  if (!stored) {
    warn(`shard ${shardIndex} of run ${runId} was poisoned${shard.attempts ? ` after ${shard.attempts} attempt(s)` : ""}${shard.lastError ? `: ${shard.lastError}` : ""}; its subscriptions are reported as not scanned`);
    await runs.markShardFailed(runId, shardIndex);
  } else {
    log(`shard ${shardIndex} of run ${runId} was poisoned, but its part was stored: settling it as done`);
  }
  return settleAndMaybeAssemble(services, runs, v, stored ? "done" : "failed", stored, options);
}

/** Options of {@link assembleRun}. */
export interface AssemblyOptions {
  log?: (message: string) => void;
  abortSignal?: AbortSignalLike;
  /** How long to wait for the scope's lock; default {@link ASSEMBLY_LOCK_WAIT_IN_MS}. */
  lockWaitInMs?: number;
  lockPollInMs?: number;
}

/** What an assembly did. */
export type AssemblyResult =
  | { status: "assembled"; scanId: string; report: DriftReport; notification: NotificationStatus; alertBytes?: number; failedShards: number[] }
  /** An earlier attempt already committed this run (a retried assembler). */
  | { status: "already-complete"; scanId: string };

async function waitForLock(services: AppServices, scopeKey: string, options: AssemblyOptions): Promise<ScanLock | undefined> {
  const history = services.history;
  if (!history) throw new StorageNotConfiguredError();
  const deadline = Date.now() + (options.lockWaitInMs ?? ASSEMBLY_LOCK_WAIT_IN_MS);
  for (;;) {
    const lock = await history.acquireLock(scopeKey, options.abortSignal ? { abortSignal: options.abortSignal } : {});
    if (lock || Date.now() >= deadline) return lock;
    await sleep(options.lockPollInMs ?? 2_000);
  }
}

/**
 * Assembles a run whose shards are all settled: under the scope's lock, merges the parts (failed
 * shards as errors and `unknown` placeholders taken from the previous complete scan), then diffs,
 * stores, alerts and commits with the recorded scan's own steps. Idempotent: a retry after the
 * commit finds the scope already pointing at this run and only closes the run record.
 */
export async function assembleRun(services: AppServices, runId: string, options: AssemblyOptions = {}): Promise<AssemblyResult> {
  const runs = runsOf(services);
  const history = services.history;
  if (!history) throw new StorageNotConfiguredError();
  const log = options.log ?? (() => undefined);
  const first = await runs.getRun(runId);
  if (!first) throw new Error(`run ${runId} is not recorded`);
  if (first.status === "complete") return { status: "already-complete", scanId: runId };
  if (first.status !== "assembling") throw new Error(`run ${runId} is ${first.status}, not ready to assemble`);

  // The lock of the subscription set, as every scan of it takes (a requested run may filter targets).
  const lock = await waitForLock(services, lockKeyOf(first.scope), options);
  if (!lock) throw new ScopeBusyError(`another scan of scope ${first.scopeKey} held its lock for longer than the assembly waits; the host retries`);
  try {
    const run = (await runs.getRun(runId)) ?? first;
    if (run.status === "complete") return { status: "already-complete", scanId: runId };
    const last = await history.lastScanIdOf(run.scopeKey);
    if (last === runId) {
      log(`run ${runId} was already committed by an earlier attempt; closing it`);
      const stored = await history.getReport(runId);
      await runs.finishRun(runId, { status: "complete", ...(stored ? {} : { detail: "committed without a stored report" }) });
      await runs.deleteParts(runId).catch(() => 0);
      return { status: "already-complete", scanId: runId };
    }
    const timings = new PhaseTimer();
    const shards = new Map((await runs.listShards(runId)).map((s) => [s.shardIndex, s] as const));
    const parts: ShardPart[] = [];
    const failed: FailedShard[] = [];
    for (let i = 0; i < run.shardCount; i++) {
      const shard = shards.get(i);
      const subscriptionIds = shard?.subscriptionIds ?? [];
      const part = run.states[i] === DONE ? await runs.readPart(runId, i) : undefined;
      if (part) {
        parts.push({ shardIndex: i, subscriptionIds, report: part });
      } else {
        const reason = run.states[i] === DONE ? "its stored part could not be read" : (shard?.lastError ?? (shard ? "" : "no shard record"));
        failed.push({ shardIndex: i, subscriptionIds, reason, ...(shard?.attempts ? { attempts: shard.attempts } : {}) });
      }
    }
    timings.lap("parts");
    // The previous scan only names a failed shard's targets: read only theirs, and only when one failed.
    const failedSubscriptions = failed.flatMap((f) => f.subscriptionIds);
    const previous = last && failedSubscriptions.length > 0 ? await previousScanPart(history, last, failedSubscriptions) : undefined;
    timings.lap("previous report");
    const assembled = assembleReport({ runId, startedAt: new Date(run.createdAt), finishedAt: new Date(), parts, failed, ...(previous ? { previous } : {}) });
    timings.lap("assemble");
    // A requested scan's `targets` restrict what its report lists, as in a scan made in one request.
    const targets = run.scope.targets;
    const report = targets?.length ? { ...restrictToTargets(assembled, targets), checks: assembled.checks } : assembled;
    if (failed.length) {
      log(`run ${runId}: ${failed.length} of ${run.shardCount} shard(s) failed (${failed.map((f) => f.shardIndex).join(", ")}); their subscriptions are reported as not scanned`);
    }
    const finished = await finishRecordedScan(services, {
      scopeKey: run.scopeKey,
      scope: run.scope,
      trigger: run.trigger,
      report,
      lock,
      log,
      ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
      ...(run.evidence ? { evidence: run.evidence } : {}),
    });
    timings.lap("record");
    await runs.finishRun(runId, { status: "complete", notification: finished.notification });
    await runs.deleteParts(runId).catch(() => 0);
    timings.lap("close");
    log(`run ${runId} assembled and recorded: ${timings.toString()}`);
    return {
      status: "assembled",
      scanId: runId,
      report: finished.report,
      notification: finished.notification,
      failedShards: failed.map((f) => f.shardIndex),
      ...(finished.alertBytes !== undefined ? { alertBytes: finished.alertBytes } : {}),
    };
  } finally {
    await lock.release();
  }
}
