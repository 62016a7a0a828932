/**
 * The audit of a batch of change events (DESIGN "Change events"): which targets the changes can
 * affect (the latest scan's dependency index), a refresh of only those (src/collect/refresh.ts:
 * what changed is read again by id, the rest taken from the stored snapshot), their judgement,
 * and a report that is the previous one with those targets replaced, diffed, stored and alerted
 * through the same steps as a scan (./recordScan.ts, `finishRecordedScan`).
 *
 * The rules of item 3 of issue 16, and where each holds:
 * - A change no target depends on costs no ARM read: only the index is read (`ignored`).
 * - No drift is resolved on a target this audit did not read: every other target is carried over
 *   from the previous report as it was, and its finding state is not written (`onlyTargets`).
 * - One change is alerted once: the alert is claimed under a fingerprint of the change and the
 *   scan it was measured against (a redelivered batch finds the claim), and the audit is
 *   committed as the scope's latest scan, so the next batch and the timer's next full scan diff
 *   against a state that already holds the change.
 * - A new target (a cluster created), a cluster pool change, or anything the refresh cannot read
 *   by id is audited with a scan of its subscription: its targets are read whole.
 */
import type { AbortSignalLike } from "@azure/abort-controller";
import { affectedTargets, buildDependencyIndex, type DependencyIndex } from "../checks/lib/dependencyIndex.js";
import { emptyBaseline } from "../baseline/baseline.js";
import { targetEvaluator } from "../checks/lib/engine.js";
import { refresh, refreshPlan } from "../collect/refresh.js";
import type { ResourceChange } from "../model/changeEvent.js";
import { parentResourceId, parseResourceId } from "../model/resourceId.js";
import { lockKeyOf, scopeKeyOf, type ScanError, type ScanScope } from "../model/scan.js";
import type { Snapshot, Target } from "../model/snapshot.js";
import { buildReport, type DriftReport, type TargetReport } from "../report/report.js";
import type { CachedState, ScanLock } from "../store/history.js";
import { StorageNotConfiguredError } from "../errors.js";
import { finishRecordedScan } from "./recordScan.js";
import { targetReportOf } from "./scan.js";
import type { AppServices, ChangeBatchOutcome } from "./appServices.js";
import { PhaseTimer } from "../util/phaseTimer.js";

/** The latest stored scan of the scope as the audits hold it between batches. */
export interface AuditBase {
  scanId: string;
  index: DependencyIndex;
  snapshot?: Snapshot;
  report?: DriftReport;
  /** The scope's finding state after that scan's commit. */
  state?: CachedState;
}

/** Options of {@link auditChanges}. */
export interface ChangeAuditOptions {
  abortSignal?: AbortSignalLike;
  log?: (message: string) => void;
  /** The base the previous batch left (saves reading it again); replaced when the scope moved on. */
  cached?: AuditBase;
  /** How long to wait for the scope's lock (a scan in progress) before failing the batch (Event Grid redelivers). */
  lockWaitInMs?: number;
}

/** What {@link auditChanges} did, and the base the next batch can start from. */
export interface ChangeAudit {
  outcome: ChangeBatchOutcome;
  base?: AuditBase;
}

const TARGET_TYPES = new Set(["microsoft.containerservice/managedclusters", "microsoft.hdinsight/clusterpools"]);

/** The type of an id's top-level resource, lower-cased (`microsoft.network/routetables`). */
function topTypeOf(id: string): string | undefined {
  const p = parseResourceId(parentResourceId(id) ?? id);
  return p?.namespace && p.types[0] ? `${p.namespace}/${p.types[0]}`.toLowerCase() : undefined;
}

/** The scope change events audit: the timer's (`SCAN_SUBSCRIPTIONS`). */
export function changeScopeOf(services: AppServices): ScanScope {
  return { subscriptions: services.settings.scanSubscriptions };
}

/** One change per event id, in arrival order (Event Grid redelivers with the same id). */
function distinct(changes: readonly ResourceChange[]): ResourceChange[] {
  const seen = new Set<string>();
  return changes.filter((c) => !seen.has(c.eventId) && seen.add(c.eventId));
}

/** Waits for the scope's lock: a scan in progress holds it for minutes at most. */
async function lockWithin(services: AppServices, scope: ScanScope, waitInMs: number, signal?: AbortSignalLike): Promise<ScanLock> {
  const history = services.history!;
  const deadline = Date.now() + waitInMs;
  for (;;) {
    const lock = await history.acquireLock(lockKeyOf(scope), signal ? { abortSignal: signal } : {});
    if (lock) return lock;
    if (Date.now() >= deadline || signal?.aborted) {
      throw Object.assign(new Error(`another scan of scope ${scopeKeyOf(scope)} held its lock for ${waitInMs} ms; the events will be redelivered`), { code: "ScanInProgress" });
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Audits one coalesced batch of changes; see the module comment. */
export async function auditChanges(services: AppServices, changes: readonly ResourceChange[], options: ChangeAuditOptions = {}): Promise<ChangeAudit> {
  const history = services.history;
  if (!history) throw new StorageNotConfiguredError();
  const log = options.log ?? (() => undefined);
  const signal = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  const scope = changeScopeOf(services);
  const scopeKey = scopeKeyOf(scope);
  const subs = new Set(scope.subscriptions.map((s) => s.toLowerCase()));
  const batch = distinct(changes).filter((c) => subs.size === 0 || subs.has(c.subscriptionId.toLowerCase()));
  const outcome = (o: Partial<ChangeBatchOutcome> & Pick<ChangeBatchOutcome, "status">): ChangeBatchOutcome => ({
    changes: batch.length,
    targets: [],
    armRequests: 0,
    newFindings: 0,
    resolvedFindings: 0,
    notification: "none",
    ...o,
  });

  const lastScanId = await history.lastScanIdOf(scopeKey);
  if (!lastScanId) return { outcome: outcome({ status: "no-scan" }) };
  let base = options.cached?.scanId === lastScanId ? options.cached : undefined;
  if (!base) {
    const index = await history.getDependencyIndex(lastScanId, signal);
    if (!index) {
      log(`scan ${lastScanId} kept no dependency index (stored before change events); the next full scan will`);
      return { outcome: outcome({ status: "no-scan" }) };
    }
    base = { scanId: lastScanId, index };
  }
  const { affected, scanSubscriptions } = plan(base.index, batch);
  if (affected.size === 0 && scanSubscriptions.size === 0) {
    log(`${batch.length} change(s): no target depends on them; nothing read`);
    return { outcome: outcome({ status: "ignored" }), base };
  }

  const lock = await lockWithin(services, scope, options.lockWaitInMs ?? 60_000, options.abortSignal);
  try {
    // The scope may have moved on while this batch waited for the lock: audit against the newest.
    const current = await history.lastScanIdOf(scopeKey);
    if (current !== base.scanId) {
      lock.release().catch(() => undefined);
      return auditChanges(services, changes, { ...options, cached: undefined });
    }
    const timings = new PhaseTimer();
    const snapshot = base.snapshot ?? (await history.getSnapshot(base.scanId, signal));
    const previous = base.report ?? (await history.getReport(base.scanId, signal));
    timings.lap("load");
    if (!snapshot || !previous) return { outcome: outcome({ status: "no-scan" }) };
    const result = await reaudit(services, { snapshot, previous, batch, affected, scanSubscriptions, ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}) });
    timings.lap("read+judge");
    const baseline = await services.loadBaseline?.(signal);
    const index = buildDependencyIndex(result.snapshot, result.snapshot.targets, baseline ? { baseline } : {});
    timings.lap("index");
    await history.saveSnapshot(result.report.scanId, "scan", result.snapshot, index, signal);
    timings.lap("snapshot");
    const finished = await finishRecordedScan(services, {
      scopeKey,
      scope,
      trigger: "event",
      report: result.report,
      lock,
      log,
      onlyTargets: result.read,
      // The first batch reads the rows (thousands at 1,000 targets); the next ones carry them over.
      cachedState: base.state ?? { scanId: "", states: new Map() },
      ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    });
    const diff = finished.report.diff;
    timings.lap("diff+store+alert");
    log(`${batch.length} change(s): ${result.read.size} target(s) re-read, ${result.report.stats.armRequests} ARM request(s); scan ${finished.report.scanId} (${timings.toString()})`);
    return {
      outcome: outcome({
        status: "audited",
        targets: [...result.read],
        armRequests: result.report.stats.armRequests,
        newFindings: diff?.new.length ?? 0,
        resolvedFindings: diff?.resolved.length ?? 0,
        notification: finished.notification,
        scanId: finished.report.scanId,
      }),
      base: { scanId: finished.report.scanId, index, snapshot: result.snapshot, report: finished.report, ...(finished.state ? { state: finished.state } : {}) },
    };
  } finally {
    await lock.release().catch(() => undefined);
  }
}

/** Which targets the batch can affect, and which subscriptions need a scan (a new target, a pool). */
function plan(index: DependencyIndex, batch: readonly ResourceChange[]): { affected: Set<string>; scanSubscriptions: Set<string> } {
  const affected = new Set<string>();
  const scanSubscriptions = new Set<string>();
  for (const c of batch) {
    const targets = affectedTargets(index, c.resourceId);
    for (const t of targets) affected.add(t);
    const type = topTypeOf(c.resourceId);
    const isNewTarget = c.kind === "write" && targets.length === 0 && TARGET_TYPES.has(type ?? "") && parentResourceId(c.resourceId) === undefined;
    const unreadable = targets.length > 0 && refreshPlan([c.resourceId]).needScan.length > 0;
    if (isNewTarget || unreadable) scanSubscriptions.add(c.subscriptionId.toLowerCase());
  }
  return { affected, scanSubscriptions };
}

/** What {@link reaudit} produced. */
interface Reaudit {
  report: DriftReport;
  snapshot: Snapshot;
  /** The targets read (lower-cased ids), whole or refreshed. */
  read: Set<string>;
}

/** Reads the affected targets again (refresh, or a scan of their subscription) and builds the next report. */
async function reaudit(
  services: AppServices,
  input: { snapshot: Snapshot; previous: DriftReport; batch: readonly ResourceChange[]; affected: Set<string>; scanSubscriptions: Set<string>; abortSignal?: AbortSignalLike },
): Promise<Reaudit> {
  const startedAt = new Date();
  const signal = input.abortSignal ? { abortSignal: input.abortSignal } : {};
  const clients = services.armClients!();
  const baseline = (await services.loadBaseline?.(signal)) ?? emptyBaseline;
  const bySub = (id: string) => /^\/subscriptions\/([^/]+)/i.exec(id)?.[1]?.toLowerCase() ?? "";
  const refreshIds = [...input.affected].filter((t) => !input.scanSubscriptions.has(bySub(t)));
  const replaced = new Map<string, TargetReport | undefined>();
  const errors: ScanError[] = [];
  let snapshot = input.snapshot;
  let armRequests = 0;

  if (refreshIds.length) {
    const r = await refresh(clients, { base: snapshot, targetIds: refreshIds, changedIds: input.batch.map((c) => c.resourceId), ...signal });
    const judge = targetEvaluator(r.snapshot, baseline, { now: startedAt });
    const gone = new Set(r.gone.map((g) => g.toLowerCase()));
    for (const t of r.targets) replaced.set(t.id.toLowerCase(), gone.has(t.id.toLowerCase()) ? undefined : targetReportOf(judge(t)));
    if (gone.size) r.snapshot.targets = r.snapshot.targets.filter((t) => !gone.has(t.id.toLowerCase()));
    snapshot = r.snapshot;
    errors.push(...r.errors);
  }
  armRequests += clients.stats.armRequests;

  for (const sub of input.scanSubscriptions) {
    // A new target or a change the refresh cannot read by id: the subscription's targets, read whole.
    let scanned: Snapshot | undefined;
    const others = snapshot.subscriptions.map((s) => s.subscriptionId.toLowerCase()).filter((s) => s !== sub);
    const report = await services.scan({
      subscriptionIds: [sub],
      ...(others.length ? { contextSubscriptionIds: others } : {}),
      previous: input.previous,
      onSnapshot: (s) => (scanned = s),
      ...signal,
    });
    armRequests += report.stats.armRequests;
    errors.push(...report.errors);
    for (const t of input.previous.targets) if (t.subscriptionId.toLowerCase() === sub) replaced.set(t.id.toLowerCase(), undefined);
    for (const t of report.targets) replaced.set(t.id.toLowerCase(), t);
    if (scanned) snapshot = overlay(snapshot, scanned, sub);
  }

  const targets: TargetReport[] = [];
  const seen = new Set<string>();
  for (const t of input.previous.targets) {
    const key = t.id.toLowerCase();
    seen.add(key);
    if (!replaced.has(key)) targets.push(t);
    else if (replaced.get(key)) targets.push(replaced.get(key)!);
  }
  for (const [key, t] of replaced) if (!seen.has(key) && t) targets.push(t);
  targets.sort((a, b) => a.subscriptionId.localeCompare(b.subscriptionId) || a.id.toLowerCase().localeCompare(b.id.toLowerCase()));
  const report = buildReport({
    startedAt,
    finishedAt: new Date(),
    subscriptions: input.previous.scope.subscriptions,
    targets,
    stats: { armRequests, throttled: clients.stats.throttled, retries: clients.stats.retries },
    errors: dedupeErrors([...input.previous.errors, ...errors]),
  });
  return { report, snapshot, read: new Set(replaced.keys()) };
}

/** The snapshot with one subscription's targets and entries taken from a scan of it. */
function overlay(base: Snapshot, scanned: Snapshot, sub: string): Snapshot {
  const out = { ...base } as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(scanned)) {
    if (v && typeof v === "object" && !Array.isArray(v)) out[k] = { ...((base as unknown as Record<string, object>)[k] ?? {}), ...v };
  }
  const kept: Target[] = base.targets.filter((t) => t.subscriptionId.toLowerCase() !== sub);
  (out as unknown as Snapshot).targets = [...kept, ...scanned.targets];
  return out as unknown as Snapshot;
}

function dedupeErrors(errors: ScanError[]): ScanError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.scope}|${e.code}`.toLowerCase();
    return !seen.has(key) && seen.add(key);
  });
}
