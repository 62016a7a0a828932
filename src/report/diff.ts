/**
 * Diff of a drift report against the finding state left by the previous complete scan of the same
 * scope: which drift is new, which is resolved, how much is unchanged. Pure: the history store
 * loads and saves the state, this decides.
 *
 * Rules (DESIGN "Data flow" → diff; issue 4 → History):
 * - drift = a `fail` finding without a suppression. A suppressed failure is not drift.
 * - `unknown` is not "resolved": a finding that could not be evaluated keeps its previous state
 *   and is marked stale. The same holds for a finding that vanished from the report while the
 *   reads that would have produced it failed (its subscription, resource group or target is named
 *   by a report error, or its subscription was not scanned at all).
 *   A target the collector expected (it was in the previous complete scan) and could neither find
 *   nor prove gone is named by a `TargetNotReadable` error and listed `unknown`: its drift stays
 *   open and stale, never resolved. So is every target the report lists `unknown` without findings
 *   (a placeholder: a failed shard's targets).
 * - a finding that vanished while everything around it was read (the resource or the target was
 *   deleted, which for a vanished target means a 404 on its id or a readable resource group that
 *   no longer lists it) is gone: resolved if it was drift.
 * - the first scan of a scope has nothing to compare with: it carries no `diff` and only seeds
 *   the state, so a new deployment does not announce every existing drift as "new".
 * - the state keeps a record for each `fail` and `unknown` finding only. A pass (or a suppressed
 *   failure) tells a later diff nothing an absent record does not: a failure with no record is
 *   new, a pass with no record is no change. At 10,000 targets that is about 900 records instead
 *   of 120,000, which every scan of the scope and the first change batch after it read. A pass
 *   record a scan finds (written before) is removed; a pass that cannot be evaluated now is
 *   `unknown`, as a finding never evaluated is.
 * - the diff reads only ids, statuses, suppressions and where a finding sits, never evidence or
 *   remediation: report version 2 keeps the ids of version 1, so a state recorded from a version-1
 *   report diffs against a version-2 report without churn.
 */
import type { FindingStatus, Severity } from "../checks/lib/types.js";
import type { DriftReport, ReportFinding } from "./report.js";

/** The state of one finding as the history keeps it. */
export type FindingState = "fail" | "pass" | "unknown";

/** One finding's recorded state in a scope. */
export interface FindingStateRecord {
  findingId: string;
  checkId: string;
  targetId: string;
  resourceId: string;
  severity: Severity;
  /**
   * `fail` = drift; `unknown` = not evaluated successfully since it last passed or was first seen;
   * `pass` = passing or suppressed, only in records written before passes kept no record.
   */
  state: FindingState;
  /** True when the latest scan could not evaluate it and the state was carried over. */
  stale: boolean;
  /** What the latest scan said: its status, or `absent` when it did not list the finding. */
  lastStatus: FindingStatus | "absent";
  /** When the finding entered its current state (ISO date-time). */
  since: string;
  /** The scan that last wrote this record. */
  lastScanId: string;
}

/** The `diff` of the report contract. */
export interface ReportDiff {
  new: string[];
  resolved: string[];
  unchanged: number;
}

/** Result of {@link diffReport}. */
export interface DiffResult {
  /** Undefined for the first scan of a scope (nothing to compare with). */
  diff?: ReportDiff;
  /** Ids whose state was carried over because they could not be evaluated. */
  stale: string[];
  /** The records to store after this scan: one per `fail` or `unknown` finding (stale failures included). */
  next: FindingStateRecord[];
  /** Ids whose record is to be deleted (gone from a fully read scope). */
  removed: string[];
}

/** True when the finding is drift: a failure nobody suppressed. */
export function isDrift(f: Pick<ReportFinding, "status" | "suppressed">): boolean {
  return f.status === "fail" && f.suppressed === undefined;
}

/** True when the diff says something changed (what triggers a Teams alert). */
export function diffIsEmpty(diff: ReportDiff | undefined): boolean {
  return !diff || (diff.new.length === 0 && diff.resolved.length === 0);
}

function subscriptionOf(id: string): string | undefined {
  return /^\/subscriptions\/([^/]+)/i.exec(id)?.[1]?.toLowerCase();
}

/** Per report: the lower-cased ids of the targets it lists `unknown` without findings (placeholders). */
const placeholderCache = new WeakMap<DriftReport, Set<string>>();

function placeholdersOf(report: DriftReport): Set<string> {
  let ids = placeholderCache.get(report);
  if (!ids) {
    ids = new Set(report.targets.filter((t) => t.status === "unknown" && t.findings.length === 0).map((t) => t.id.toLowerCase()));
    placeholderCache.set(report, ids);
  }
  return ids;
}

/**
 * True when the report cannot vouch for the absence of a finding: its subscription was not
 * scanned, a report error covers its subscription's lists, its resource group, its target or
 * its resource (`TargetNotReadable` names the target), or the report lists its target `unknown`
 * without findings.
 */
export function absenceUnproven(report: DriftReport, record: Pick<FindingStateRecord, "targetId" | "resourceId">): boolean {
  const sub = subscriptionOf(record.targetId);
  if (!sub || !report.scope.subscriptions.some((s) => s.toLowerCase() === sub)) return true;
  const target = record.targetId.toLowerCase();
  if (placeholdersOf(report).has(target)) return true;
  const resource = record.resourceId.toLowerCase();
  return report.errors.some((e) => {
    const scope = e.scope.toLowerCase().replace(/\/+$/, "");
    // A scan-level error (the scan was stopped: time limit, abort) may have left anything unread.
    if (scope === "" || scope === "/subscriptions" || scope === "scan") return true;
    if (scope === `/subscriptions/${sub}` || scope.startsWith(`/subscriptions/${sub}/providers/`)) return true;
    return target.startsWith(scope) || resource.startsWith(scope) || scope.startsWith(target);
  });
}

/**
 * Diffs `report` against `previous` (the state after the previous complete scan of the same scope,
 * or undefined when there is none). Finding ids compare exactly: they are already case-normalised.
 */
export function diffReport(
  report: DriftReport,
  previous: ReadonlyMap<string, FindingStateRecord> | undefined,
  options: { now?: Date } = {},
): DiffResult {
  const now = (options.now ?? new Date(report.finishedAt)).toISOString();
  const fresh: string[] = [];
  const resolved: string[] = [];
  const stale: string[] = [];
  const next: FindingStateRecord[] = [];
  const removed: string[] = [];
  let unchanged = 0;
  const seen = new Set<string>();

  for (const target of report.targets) {
    for (const f of target.findings) {
      if (seen.has(f.id)) continue; // one finding id, one record (defensive: ids are unique per report)
      seen.add(f.id);
      const prev = previous?.get(f.id);
      const base = { findingId: f.id, checkId: f.checkId, targetId: target.id, resourceId: f.resourceId, severity: f.severity, lastScanId: report.scanId };
      if (f.status === "unknown") {
        if (prev?.state === "fail") {
          // Drift that could not be evaluated stays drift, stale: never resolved without a read.
          stale.push(f.id);
          unchanged += 1;
          next.push({ ...base, state: "fail", stale: true, lastStatus: "unknown", since: prev.since });
        } else {
          next.push({ ...base, state: "unknown", stale: false, lastStatus: "unknown", since: prev?.state === "unknown" ? prev.since : now });
        }
        continue;
      }
      const state: FindingState = isDrift(f) ? "fail" : "pass";
      if (state === "fail") {
        if (prev?.state === "fail") unchanged += 1;
        else fresh.push(f.id);
        next.push({ ...base, state, stale: false, lastStatus: f.status, since: prev?.state === "fail" ? prev.since : now });
        continue;
      }
      if (prev?.state === "fail") resolved.push(f.id);
      // A pass keeps no record: the one it had (a failure now resolved, an unknown, an old pass) goes.
      if (prev) removed.push(f.id);
    }
  }

  for (const [id, prev] of previous ?? []) {
    if (seen.has(id)) continue;
    if (prev.state === "fail" && absenceUnproven(report, prev)) {
      stale.push(id);
      unchanged += 1;
      next.push({ ...prev, stale: true, lastStatus: "absent", lastScanId: report.scanId });
      continue;
    }
    if (prev.state === "fail") resolved.push(id);
    removed.push(id);
  }

  return {
    ...(previous ? { diff: { new: fresh, resolved, unchanged } } : {}),
    stale,
    next,
    removed,
  };
}
