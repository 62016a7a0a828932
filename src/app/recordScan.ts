/**
 * The recorded scan: the use case behind the timer and `POST /api/scans`. It takes the scope's
 * lock, scans, diffs against the previous complete scan of the scope, stores the report, alerts
 * Teams when the diff is not empty, and commits the new state last.
 *
 * Why this order: the alert is claimed in storage (keyed by the change and the scan it was
 * measured against) before it is posted, and the state is committed after. A run that dies
 * anywhere in between is retried against the same previous scan, measures the same change, finds
 * the claim and does not post again; a run that dies before the commit leaves the previous scan
 * as the base, so no change is lost from the history either. An alert Teams did not take stays
 * pending and is re-sent by the next run of the scope (./pendingAlerts.ts); the commit is fenced
 * by the scope's lock and the pointer the run read (HistoryStore.commitScan).
 *
 * The steps after the scan ({@link finishRecordedScan}) are shared with the fan-out
 * (src/app/fanout.ts), whose last shard assembles a report from the shards' parts.
 */
import { createHash } from "node:crypto";
import type { AbortSignalLike } from "@azure/abort-controller";
import { buildAlertMessage, changedTargetOf, dashboardLink, messageBytes, type CardItem } from "../notify/card.js";
import { diffIsEmpty, diffReport, type FindingStateRecord, type ReportDiff } from "../report/diff.js";
import type { DriftReport, EvidenceMode } from "../report/report.js";
import { restrictToTargets } from "../report/restrict.js";
import type { CachedState, ScanLock } from "../store/history.js";
import type { Snapshot } from "../model/snapshot.js";
import { buildDependencyIndex } from "../checks/lib/dependencyIndex.js";
import type { ScanIndexEntry } from "../store/scanIndex.js";
import { lockKeyOf, scopeKeyOf, type NotificationStatus, type ScanScope, type ScanTrigger } from "../model/scan.js";
import type { AppServices } from "./appServices.js";
import { notificationOf, resendPendingAlerts, type ResentAlert } from "./pendingAlerts.js";
import { StorageNotConfiguredError, statusCodeOf } from "../errors.js";
import { PhaseTimer } from "../util/phaseTimer.js";

/** Options of {@link recordScan}. */
export interface RecordScanOptions {
  scope: ScanScope;
  trigger: ScanTrigger;
  abortSignal?: AbortSignalLike;
  /** Passed to the scan: it stops reading then and reports what it has. */
  timeLimitInMs?: number;
  /** What the stored report keeps of pass evidence (default `failures`; `all` for `?evidence=all` later). */
  evidence?: EvidenceMode;
  /** Progress and decisions, for the invocation log (never secrets). */
  log?: (message: string) => void;
}

/** What a recorded scan did. */
export type RecordScanResult =
  | { status: "skipped"; scopeKey: string; reason: "ScanInProgress"; message: string }
  | {
      status: "complete";
      scopeKey: string;
      report: DriftReport;
      entry: ScanIndexEntry;
      notification: NotificationStatus;
      /** Size of the Teams message, when one was built. */
      alertBytes?: number;
      /** Alerts of earlier runs this run sent again. */
      resent?: ResentAlert[];
    };

function itemsOf(ids: readonly string[], lookup: (id: string) => CardItem | undefined): CardItem[] {
  return ids.map(lookup).filter((x): x is CardItem => x !== undefined);
}

/**
 * The state records worth writing: those whose state says something new (`lastScanId` aside,
 * which only names the scan that last wrote a record), of the targets the scan read (`targets`;
 * absent: all). A scan whose findings did not change writes no row: at 10,000 targets a full scan
 * otherwise rewrote its 120,000 rows (1,200 Table transactions, one after another) to say what
 * they said, and a burst of change events on a policy shared by hundreds of targets rewrote tens
 * of thousands. A scope's first scan has no previous state: every record is new.
 */
function changedStates(next: readonly FindingStateRecord[], previous: ReadonlyMap<string, FindingStateRecord> | undefined, targets?: ReadonlySet<string>): FindingStateRecord[] {
  return next.filter((r) => {
    if (targets && !targets.has(r.targetId.toLowerCase())) return false;
    const p = previous?.get(r.findingId);
    return (
      !p ||
      p.state !== r.state ||
      p.stale !== r.stale ||
      p.lastStatus !== r.lastStatus ||
      p.since !== r.since ||
      p.severity !== r.severity ||
      p.resourceId !== r.resourceId ||
      p.checkId !== r.checkId ||
      p.targetId !== r.targetId
    );
  });
}

/** Fingerprint of one change of one scope measured against one previous scan. */
export function alertFingerprint(scopeKey: string, baseScanId: string, diff: ReportDiff): string {
  const key = [scopeKey, baseScanId, [...diff.new].sort().join(","), [...diff.resolved].sort().join(",")].join("|");
  return createHash("sha256").update(key, "utf8").digest("hex").slice(0, 40);
}

function throwIfAborted(signal: AbortSignalLike | undefined): void {
  if (signal?.aborted) throw new DOMException("the scan was aborted", "AbortError");
}

/** Options of {@link finishRecordedScan}. */
export interface FinishScanOptions {
  scopeKey: string;
  scope: ScanScope;
  trigger: ScanTrigger;
  /** The scan's report (a single scan's, or one assembled from shards). */
  report: DriftReport;
  /** The scope's lock the caller holds: the commit renews it under its lease id first (the fence). */
  lock?: ScanLock;
  /** What the stored report keeps of pass evidence (default `failures`), recorded with it. */
  evidence?: EvidenceMode;
  abortSignal?: AbortSignalLike;
  log?: (message: string) => void;
  /**
   * The targets this report read (lower-cased ids): only their finding state is written (of any
   * scan, only the records that changed: see `changedStates`). A change
   * event's audit passes the targets it re-read; every other target is carried over unchanged from
   * the previous report, and so is its state. Absent: every target.
   */
  onlyTargets?: ReadonlySet<string>;
  /**
   * The scope's finding state as the caller left it after its last commit (change events audit
   * batch after batch): not read again while the scope's pointer still names that scan. With it,
   * the result carries the state after this commit, for the next batch.
   */
  cachedState?: CachedState;
  /**
   * The snapshot the scan judged: stored with its dependency index once the scan is committed
   * (change events start from the scope's latest scan). After the commit, so that storage failing
   * mid-way fails the scan exactly as before; a snapshot that could not be stored is logged, and
   * events find no base (they audit nothing) until the next scan.
   */
  snapshot?: Snapshot;
}

/** What {@link finishRecordedScan} did. */
export interface FinishedScan {
  report: DriftReport;
  entry: ScanIndexEntry;
  notification: NotificationStatus;
  alertBytes?: number;
  /** Alerts of earlier runs this run sent again. */
  resent?: ResentAlert[];
  /** The scope's finding state after this commit (only when the caller passed `cachedState`). */
  state?: CachedState;
}

/**
 * The steps after a scan, shared by the recorded scan and the fan-out's assembly: diff against
 * the previous complete scan of the scope, store the report, alert Teams when the diff is not
 * empty (claimed first, so a retry never posts twice), commit the new state last. The caller
 * holds the scope's lock.
 */
export async function finishRecordedScan(services: AppServices, options: FinishScanOptions): Promise<FinishedScan> {
  const history = services.history;
  if (!history) throw new StorageNotConfiguredError();
  const log = options.log ?? (() => undefined);
  const { scopeKey } = options;
  let report = options.report;
  const timings = new PhaseTimer();
  const previous = await history.loadState(scopeKey, options.cachedState ? { cached: options.cachedState } : {});
  timings.lap("state");
  const result = diffReport(report, previous?.states);
  if (result.diff) report = { ...report, diff: result.diff };
  timings.lap("diff");
  // Streamed to the blob with its pages beside it; the evidence mode is recorded in its summary.
  await history.saveReport(report, { evidence: options.evidence ?? "failures", ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}) });
  timings.lap("report");
  log(
    result.diff
      ? `scan ${report.scanId}: ${result.diff.new.length} new, ${result.diff.resolved.length} resolved, ${result.diff.unchanged} unchanged, ${result.stale.length} stale`
      : `scan ${report.scanId}: first scan of scope ${scopeKey}, no diff`,
  );

  // Earlier runs' undelivered alerts first, so the channel reads in the order the changes happened.
  const resent = await resendPendingAlerts(services, { scopeKey, scanId: report.scanId, log, ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}) });
  let notification: NotificationStatus = "not-needed";
  let alertBytes: number | undefined;
  if (result.diff && previous && !diffIsEmpty(result.diff)) {
    if (!services.notify) {
      notification = "not-configured";
    } else {
      const fingerprint = alertFingerprint(scopeKey, previous.lastScanId, result.diff);
      const findings = new Map(report.targets.flatMap((t) => t.findings.map((f) => [f.id, f] as const)));
      const fromReport = (id: string): CardItem | undefined => {
        const f = findings.get(id);
        return f ? { findingId: id, checkId: f.checkId, severity: f.severity, resourceId: f.resourceId } : undefined;
      };
      const fromState = (id: string): CardItem | undefined => {
        const s: FindingStateRecord | undefined = previous.states.get(id);
        return s ? { findingId: id, checkId: s.checkId, severity: s.severity, resourceId: s.resourceId } : fromReport(id);
      };
      const base = services.settings.publicBaseUrl;
      const message = buildAlertMessage({
        report,
        diff: result.diff,
        newItems: itemsOf(result.diff.new, fromReport),
        resolvedItems: itemsOf(result.diff.resolved, fromState),
        staleCount: result.stale.length,
        ...(base ? { reportUrl: dashboardLink(base, report.scanId, changedTargetOf(report, result.diff)) } : {}),
      });
      alertBytes = messageBytes(message);
      if (!(await history.claimAlert(scopeKey, fingerprint, report.scanId, JSON.stringify(message)))) {
        notification = "duplicate";
        log(`the alert for this change was already claimed by an earlier run; not posting it again`);
      } else {
        const sent = await services.notify(message, options.abortSignal ? { abortSignal: options.abortSignal } : {});
        notification = notificationOf(sent);
        await history.finishAlert(scopeKey, fingerprint, {
          state: notification,
          scanId: report.scanId,
          attempts: sent.attempts,
          bytes: alertBytes,
          ...(sent.status !== undefined ? { httpStatus: sent.status } : {}),
          ...(sent.detail ? { detail: sent.detail } : {}),
          // Not delivered, and the commit below makes the change known: the next run sends it.
          // Never an `uncertain` one: it may have reached Teams, and a second post could duplicate it.
          pending: notification === "failed",
        });
        log(`Teams alert ${notification} after ${sent.attempts} attempt(s)${sent.detail ? ` (${sent.detail})` : ""}, ${alertBytes} bytes`);
      }
    }
  }
  throwIfAborted(options.abortSignal);
  timings.lap("alerts");

  let entry: ScanIndexEntry;
  const written = changedStates(result.next, previous?.states, options.onlyTargets);
  try {
    entry = await history.commitScan({
      scopeKey,
      scope: options.scope,
      report,
      next: written,
      removed: result.removed,
      ...(result.diff ? { diff: result.diff } : {}),
      stale: result.stale.length,
      trigger: options.trigger,
      notification,
      ...(options.lock ? { lock: options.lock } : {}),
      expectedPointer: previous ? previous.pointer : "none",
    });
  } catch (err) {
    const status = statusCodeOf(err);
    if (status === 409 || status === 412) log(`scan ${report.scanId} not committed (HTTP ${status}): this run lost the scope's lock or a newer scan moved its pointer; the newer state stands`);
    throw err;
  }
  timings.lap(`commit (${written.length} of ${result.next.length} state records written, ${result.removed.length} removed)`);
  if (options.snapshot) {
    await keepSnapshot(services, report.scanId, "scan", options.snapshot, options.abortSignal).catch((err: unknown) =>
      log(`the snapshot of scan ${report.scanId} was not stored (${(err as Error).message}); change events have no base until the next scan`),
    );
  }
  // Only the scope's latest scan is a change event's base: the one before gives its snapshot up.
  if (previous && previous.lastScanId !== report.scanId) {
    await history.deleteSnapshot(previous.lastScanId).catch((err: unknown) => log(`the snapshot of scan ${previous.lastScanId} was not deleted: ${(err as Error).message}`));
  }
  timings.lap("snapshot");
  log(`scan ${report.scanId} stored: ${timings.toString()}`);
  return {
    report,
    entry,
    notification,
    ...(alertBytes !== undefined ? { alertBytes } : {}),
    ...(resent.length ? { resent } : {}),
    ...(options.cachedState ? { state: { scanId: report.scanId, states: stateAfter(previous?.states, result.next, result.removed) } } : {}),
  };
}

/** The state after a commit: the previous one with the scan's records written and its removed ones gone. */
function stateAfter(previous: ReadonlyMap<string, FindingStateRecord> | undefined, next: readonly FindingStateRecord[], removed: readonly string[]): Map<string, FindingStateRecord> {
  const states = new Map(previous ?? []);
  for (const r of next) states.set(r.findingId, r);
  for (const id of removed) states.delete(id);
  return states;
}

/**
 * Stores a scan's snapshot and its dependency index (change events start from them). A failure
 * is logged by the caller's error path like any storage failure: the scan is not committed, so the
 * scope never points at a scan without them.
 */
export async function keepSnapshot(services: AppServices, scanId: string, part: string, snapshot: Snapshot, abortSignal?: AbortSignalLike): Promise<void> {
  const signal = abortSignal ? { abortSignal } : {};
  // The baseline names firewalls the checks then read (`firewallResourceId`, `firewallPrivateIp`).
  const baseline = await services.loadBaseline?.(signal);
  await services.history!.saveSnapshot(scanId, part, snapshot, buildDependencyIndex(snapshot, snapshot.targets, baseline ? { baseline } : {}), signal);
}

/** Runs one recorded scan. Throws {@link StorageNotConfiguredError} without storage. */
export async function recordScan(services: AppServices, options: RecordScanOptions): Promise<RecordScanResult> {
  const history = services.history;
  if (!history) throw new StorageNotConfiguredError();
  const log = options.log ?? (() => undefined);
  const scopeKey = scopeKeyOf(options.scope);
  // The lock covers the subscription set, whatever the target filter: the scan reads it all.
  const lock = await history.acquireLock(lockKeyOf(options.scope), options.abortSignal ? { abortSignal: options.abortSignal } : {});
  if (!lock) {
    const message = `another scan of scope ${scopeKey} is still in progress; this run skips`;
    log(message);
    return { status: "skipped", scopeKey, reason: "ScanInProgress", message };
  }
  try {
    // The previous complete scan of the scope: what it covered is not taken as gone without proof
    // (a target that vanished from the lists is unreadable until a read proves it deleted).
    const lastScanId = await history.lastScanIdOf(scopeKey);
    const previous = lastScanId ? await history.getReport(lastScanId) : undefined;
    let snapshot: Snapshot | undefined;
    let report = await services.scan({
      onSnapshot: (s) => (snapshot = s),
      subscriptionIds: options.scope.subscriptions,
      ...(previous ? { previous } : {}),
      ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
      ...(options.timeLimitInMs !== undefined ? { timeLimitInMs: options.timeLimitInMs } : {}),
    });
    if (options.scope.targets?.length) report = restrictToTargets(report, options.scope.targets);
    throwIfAborted(options.abortSignal);
    const finished = await finishRecordedScan(services, {
      scopeKey,
      scope: options.scope,
      trigger: options.trigger,
      report,
      lock,
      log,
      ...(snapshot && !options.scope.targets?.length ? { snapshot } : {}),
      ...(options.evidence ? { evidence: options.evidence } : {}),
      ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    });
    return { status: "complete", scopeKey, ...finished };
  } finally {
    await lock.release();
  }
}
