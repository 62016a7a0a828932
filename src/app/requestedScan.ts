/**
 * The scan a caller asks for (`POST /api/scans`; docs/service.md "Asynchronous scans"). The
 * Functions host cuts an HTTP request at 230 s, and a large scope takes longer, so the request
 * scans only for a short wait (`SCAN_SYNC_WAIT_IN_MS`, default 10 s):
 *
 * - finished within the wait: the recorded scan as before (diff, store, alert, commit) and the
 *   report in the answer (`recorded`, HTTP 201);
 * - not finished: that scan is stopped and dropped, and the scope becomes a fan-out run on the
 *   shard queue (./fanout.ts: a run record, one message per shard; the shard consumers scan, the
 *   last one assembles, restricts to `targets`, stores, diffs and alerts). The caller gets the
 *   run's id (`accepted`, HTTP 202 with `Location`) and polls it (./scanProgress.ts). The report id
 *   is the run id.
 *
 * Why scan in the request first instead of enqueueing and waiting for the queue: a small scope
 * then answers at once with exactly the scan it always made (one scan of the whole scope, no
 * shard overhead), without depending on how soon a consumer polls an idle queue (the host backs
 * off to a minute). The price for a large scope is at most the wait's worth of reads, and only
 * once: when the last full scan of the same subscriptions took longer than the wait, the request
 * goes straight to the queue.
 *
 * Concurrency, as before and for the handed-over run: the scan takes one of the instance's scan
 * slots (`SCAN_MAX_CONCURRENT`, "throttled" when full) for its subscription set while it runs in
 * the request; the storage lease of the subscription set ("skipped" when another scan holds it)
 * covers the scan in the request and the creation of the run; a run of the same subscription set
 * still in progress is "skipped" too (whatever its target filter), until it completes or expires
 * (`FANOUT_RUN_EXPIRY_IN_MS`). The slot is released once the scan is handed over: the queue's
 * consumers bound the work of a run (host.json `batchSize`), not the instance that took the request.
 *
 * Storage failing after a scan made in the request: the caller still gets the report, marked as
 * not recorded (`unrecorded`), instead of losing the scan to an outage it cannot fix. Nothing was
 * committed, so the next run of the scope measures the same change against the same previous scan;
 * if the failure came after the alert's claim, the claim stops a repeat.
 *
 * Without a queue (identity-based storage with no queue endpoint) there is nothing to hand over
 * to: the scan runs in the request up to the request's time limit, as before asynchronous scans.
 */
import type { Snapshot } from "../model/snapshot.js";
import { lockKeyOf, scopeKeyOf, type ScanScope } from "../model/scan.js";
import type { DriftReport, EvidenceMode } from "../report/report.js";
import { restrictToTargets } from "../report/restrict.js";
import type { ScanLock } from "../store/history.js";
import { DEFAULT_SYNC_SCAN_WAIT_IN_MS } from "../config/appSettings.js";
import { activeRunOf, enqueueRun } from "./fanout.js";
import { finishRecordedScan } from "./recordScan.js";
import { progressOf, type ScanProgress } from "./scanProgress.js";
import { HTTP_SCAN_TIME_LIMIT_IN_MS, type AppServices } from "./appServices.js";
import { isRestError } from "@azure/core-rest-pipeline";
import { StorageNotConfiguredError } from "../errors.js";

/** Options of {@link runRequestedScan}. */
export interface RequestedScanOptions {
  scope: ScanScope;
  /** Time limit of a scan that runs in the request to the end (no queue). Default {@link HTTP_SCAN_TIME_LIMIT_IN_MS}. */
  timeLimitInMs?: number;
  /** How long to scan in the request before handing over to the queue; default the `SCAN_SYNC_WAIT_IN_MS` setting. */
  syncWaitInMs?: number;
  /** Progress and decisions, for the invocation log (never secrets). */
  log?: (message: string) => void;
  /** The storage failure that left a scan unrecorded. */
  error?: (message: string) => void;
  /** Which findings the stored report keeps evidence of (default `failures`; `all` for `?evidence=all`), in the request and on the queue. */
  evidence?: EvidenceMode;
}

/** What a requested scan did. */
export type RequestedScanResult =
  /** Scanned within the wait, stored with its diff (and alerted when the diff is not empty). */
  | { status: "recorded"; report: DriftReport }
  /**
   * Another scan of the scope's subscriptions holds its lock (here or on another instance), or a
   * run of them is in progress (`runId`: poll it instead).
   */
  | { status: "skipped"; message: string; runId?: string }
  /** This instance already runs as many scans as `SCAN_MAX_CONCURRENT` allows: nothing was done. */
  | { status: "throttled"; message: string; retryAfterInSeconds: number }
  /** Scanned, but the history could not be written: the report, not stored, nothing alerted. */
  | { status: "unrecorded"; report: DriftReport }
  /** Not done within the wait: a fan-out run is on the shard queue; its id is the report's. */
  | { status: "accepted"; runId: string; progress: ScanProgress };

/**
 * Runs a scan of `scope` for a caller: in the request when it is done within the wait, else as a
 * run on the shard queue. Throws {@link StorageNotConfiguredError} without storage (before
 * scanning) and rethrows any failure that is not storage's after a scan.
 */
export async function runRequestedScan(services: AppServices, options: RequestedScanOptions): Promise<RequestedScanResult> {
  const log = options.log ?? (() => undefined);
  const error = options.error ?? log;
  if (!services.history) throw new StorageNotConfiguredError();
  const lockKey = lockKeyOf(options.scope);
  return services.scanSlots.run(lockKey, `another scan of subscriptions ${lockKey} is still in progress on this instance`, () =>
    underLock(services, options, log, error),
  );
}

async function underLock(services: AppServices, options: RequestedScanOptions, log: (m: string) => void, error: (m: string) => void): Promise<RequestedScanResult> {
  const history = services.history;
  if (!history) throw new StorageNotConfiguredError();
  const { scope } = options;
  const evidence = options.evidence ?? "failures";
  const scopeKey = scopeKeyOf(scope);
  // The lock covers the subscription set, whatever the target filter: the scan reads it all.
  const lock = await history.acquireLock(lockKeyOf(scope));
  if (!lock) {
    const message = `another scan of scope ${scopeKey} is still in progress`;
    log(`${message}; this request skips`);
    return { status: "skipped", message };
  }
  try {
    const active = services.runs ? await activeRunOf(services, scope, { warn: log }) : undefined;
    if (active) {
      const message = `scan ${active.runId} of these subscriptions is still in progress (${active.done + active.failed} of ${active.shardCount} shards settled; GET /api/scans/${active.runId})`;
      log(`${message}; this request skips`);
      return { status: "skipped", message, runId: active.runId };
    }
    const queue = services.runs?.hasQueue === true;
    const waitInMs = queue ? (options.syncWaitInMs ?? services.settings.syncScanWaitInMs ?? DEFAULT_SYNC_SCAN_WAIT_IN_MS) : undefined;
    const known = waitInMs !== undefined && waitInMs > 0 ? await lastScanDuration(history, scope) : undefined;
    if (known !== undefined && waitInMs !== undefined && known.durationInMs > waitInMs) {
      // Scanning in the request would only spend the wait's worth of ARM's read budget on reads
      // that are dropped, leaving the shards a drained bucket (about 10 s at 10,000 targets).
      log(`the last scan of these subscriptions (${known.scanId}) took ${known.durationInMs} ms, more than the wait of ${waitInMs} ms (SCAN_SYNC_WAIT_IN_MS): straight to the shard queue`);
    } else if (waitInMs === undefined || waitInMs > 0) {
      const inRequest = await scanInRequest(services, { scope, scopeKey, lock, waitInMs, timeLimitInMs: options.timeLimitInMs ?? HTTP_SCAN_TIME_LIMIT_IN_MS, log, error, evidence });
      if (inRequest.status !== "outlasted") return inRequest;
      log(`the scan of scope ${scopeKey} was not done within ${waitInMs} ms (SCAN_SYNC_WAIT_IN_MS); it continues on the shard queue`);
    }
    const { run, shards } = await enqueueRun(services, { scope, trigger: "http", subscriptions: scope.subscriptions, evidence });
    log(`scan ${run.runId} of scope ${scopeKey}: ${shards.length} shard(s) enqueued on ${services.runs?.names.queue ?? "the shard queue"}`);
    return { status: "accepted", runId: run.runId, progress: progressOf(run) };
  } finally {
    await lock.release();
  }
}

/** How many index entries of a scope are looked through for its last full scan (change-event audits are not one). */
const DURATION_LOOKBACK = 20;

/**
 * How long the last full scan (timer or HTTP, not a change-event audit) of the scope's
 * subscriptions took, from start to stored, as its index entry records it; undefined when there
 * is none among the scope's newest {@link DURATION_LOOKBACK} entries. The subscription set's own
 * scope is asked first: a scan with a target filter reads all of its subscriptions too.
 */
async function lastScanDuration(history: NonNullable<AppServices["history"]>, scope: ScanScope): Promise<{ scanId: string; durationInMs: number } | undefined> {
  const keys = [...new Set([scopeKeyOf({ subscriptions: scope.subscriptions }), scopeKeyOf(scope)])];
  for (const key of keys) {
    const entry = await history.latestFull(key, DURATION_LOOKBACK);
    if (!entry) continue;
    const durationInMs = Date.parse(entry.finishedAt) - Date.parse(entry.startedAt);
    if (Number.isFinite(durationInMs) && durationInMs >= 0) return { scanId: entry.scanId, durationInMs };
  }
  return undefined;
}

type InRequest = Exclude<RequestedScanResult, { status: "accepted" | "throttled" | "skipped" }> | { status: "outlasted" };

/**
 * The scan in the request: stopped when `waitInMs` passes (then "outlasted": its partial report is
 * dropped, the queue scans again in full), else diffed, stored and alerted under the caller's lock.
 */
async function scanInRequest(
  services: AppServices,
  o: { scope: ScanScope; scopeKey: string; lock: ScanLock; waitInMs: number | undefined; timeLimitInMs: number; log: (m: string) => void; error: (m: string) => void; evidence: EvidenceMode },
): Promise<InRequest> {
  const history = services.history;
  if (!history) throw new StorageNotConfiguredError();
  const stop = new AbortController();
  const timer = o.waitInMs !== undefined ? setTimeout(() => stop.abort(new Error(`not done within the wait of ${o.waitInMs} ms`)), o.waitInMs) : undefined;
  // The scan's own report, kept so that a storage outage after the scan still answers with it.
  let scanned: DriftReport | undefined;
  try {
    // The previous complete scan of the scope: what it covered is not taken as gone without proof.
    const lastScanId = await history.lastScanIdOf(o.scopeKey);
    const previous = lastScanId ? await history.getReport(lastScanId) : undefined;
    let report: DriftReport;
    let snapshot: Snapshot | undefined;
    try {
      report = await services.scan({
        onSnapshot: (s) => (snapshot = s),
        subscriptionIds: o.scope.subscriptions,
        ...(previous ? { previous } : {}),
        abortSignal: stop.signal,
        timeLimitInMs: o.timeLimitInMs,
        evidence: o.evidence,
      });
    } catch (err) {
      // Stopped while it was not reading yet (the baseline's download): the queue starts over.
      if (stop.signal.aborted) return { status: "outlasted" };
      throw err;
    }
    clearTimeout(timer);
    // Stopped by the wait while reading: the collector's one scan-level error says so. A scan the
    // wait reached after its last read is complete and kept.
    if (stop.signal.aborted && report.errors.some((e) => e.scope === "scan")) return { status: "outlasted" };
    scanned = report;
    if (o.scope.targets?.length) report = restrictToTargets(report, o.scope.targets);
    const finished = await finishRecordedScan(services, {
      scopeKey: o.scopeKey,
      scope: o.scope,
      trigger: "http",
      report,
      lock: o.lock,
      log: o.log,
      evidence: o.evidence,
      // As a timer scan: the scope's latest scan keeps the snapshot change events start from.
      ...(snapshot && !o.scope.targets?.length ? { snapshot } : {}),
    });
    return { status: "recorded", report: finished.report };
  } catch (err) {
    // Storage failed after the scan (the SDK's retries are spent); anything else is not ours to absorb.
    if (scanned === undefined || !isRestError(err)) throw err;
    const e = err as { code?: unknown; statusCode?: unknown };
    o.error(
      `scan ${scanned.scanId} finished but the history could not be written (${typeof e.code === "string" ? e.code : "storage error"}${typeof e.statusCode === "number" ? `, HTTP ${e.statusCode}` : ""}); ` +
        "answering with the report unrecorded; the next run of this scope records it and sends any alert",
    );
    const targets = o.scope.targets;
    return { status: "unrecorded", report: targets ? restrictToTargets(scanned, targets) : scanned };
  } finally {
    clearTimeout(timer);
  }
}
