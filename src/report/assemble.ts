/**
 * Assembly of one report from the parts of a fan-out run (README "Fan-out across instances"): each
 * shard's own report, and the shards that failed. The app's fan-out (src/app/fanout.ts) reads the
 * parts from storage and calls {@link assembleReport} once every shard is settled.
 *
 * A shard that failed (its message ended in the poison queue) is never read as compliant:
 * - the report gets an error `{ scope: "shard:<i>", code: "ShardFailed" }`, and one error
 *   `{ scope: "/subscriptions/<id>", code: "SubscriptionNotScanned" }` per subscription of the
 *   shard, so the report is incomplete (exit code 2, unless drift elsewhere makes it 1);
 * - its subscriptions are left out of `scope.subscriptions` (they were not scanned), so the diff
 *   carries their findings over as stale instead of resolving them;
 * - the targets the previous complete scan found in those subscriptions are listed as `unknown`
 *   placeholders without findings, so the summary counts them as unknown, not as gone.
 *
 * A shard that stopped early (its time limit) is done, with its unread parts `unknown`; its
 * scan-level stop error becomes one per shard and one per subscription of the shard, so the diff
 * keeps what it did not read instead of resolving it.
 *
 * Parts are version-2 reports (as read back by src/report/read.ts): the catalog (`checks`) is the
 * union of the parts' (every shard judged with the same checks; a part of an older release may
 * know fewer), targets are kept as they are (tags included), findings as the shard wrote them.
 */
import type { ArmStats } from "../arm/clients.js";
import type { ScanError } from "../model/scan.js";
import { buildReport, catalogOf, type CheckCatalog, type DriftReport, type ExpiredSuppression, type TargetReport } from "./report.js";
import { firstLine } from "../util/text.js";

/** The scope of the collector's one "the scan was stopped" error. */
const SCAN_SCOPE = "scan";

/** A shard that stored its part. */
export interface ShardPart {
  shardIndex: number;
  subscriptionIds: readonly string[];
  report: DriftReport;
}

/** A shard that did not: its message went to the poison queue. */
export interface FailedShard {
  shardIndex: number;
  subscriptionIds: readonly string[];
  /** Delivery attempts before it was given up. */
  attempts?: number;
  /** Why its last attempt failed, as recorded by that attempt ("" when unknown). */
  reason: string;
}

/** Inputs of {@link assembleReport}. */
export interface AssembleInput {
  /** The run id; becomes the report's scan id. */
  runId: string;
  startedAt: Date;
  finishedAt: Date;
  parts: readonly ShardPart[];
  failed: readonly FailedShard[];
  /** The previous complete scan of the scope: where a failed shard's targets are taken from. */
  previous?: DriftReport;
}

function sumStats(reports: readonly DriftReport[]): ArmStats {
  const total: ArmStats = { armRequests: 0, throttled: 0, retries: 0 };
  for (const r of reports) {
    for (const key of Object.keys(total) as Array<keyof ArmStats>) {
      const v = r.stats[key];
      if (typeof v === "number") total[key] += v;
    }
  }
  return total;
}

function mergeExpired(reports: readonly DriftReport[]): ExpiredSuppression[] {
  const byKey = new Map<string, ExpiredSuppression>();
  for (const r of reports) {
    for (const e of r.expiredSuppressions ?? []) {
      const key = `${e.checkId}|${e.resourceId}`.toLowerCase();
      const seen = byKey.get(key);
      if (!seen) byKey.set(key, { ...e, matchingFindingIds: [...e.matchingFindingIds] });
      else for (const id of e.matchingFindingIds) if (!seen.matchingFindingIds.includes(id)) seen.matchingFindingIds.push(id);
    }
  }
  return [...byKey.values()];
}

/** The parts' catalogs merged (first part wins on a check both carry); the registry's when there is no part. */
function mergeCatalogs(reports: readonly DriftReport[]): CheckCatalog {
  if (reports.length === 0) return catalogOf();
  const out: CheckCatalog = {};
  for (const r of reports) for (const [id, entry] of Object.entries(r.checks ?? {})) if (!(id in out)) out[id] = entry;
  return out;
}

/**
 * One report from the shards of a run: targets, errors (deduplicated: a shared firewall's read
 * error may come from several shards) and ARM statistics summed; for each failed shard its errors
 * and its previously known targets as `unknown` placeholders (see the module comment).
 */
export function assembleReport(input: AssembleInput): DriftReport {
  const parts = [...input.parts].sort((a, b) => a.shardIndex - b.shardIndex);
  const failed = [...input.failed].sort((a, b) => a.shardIndex - b.shardIndex);
  const reports = parts.map((p) => p.report);

  const subscriptions: string[] = [];
  const seenSubs = new Set<string>();
  for (const r of reports) {
    for (const s of r.scope.subscriptions) {
      if (!seenSubs.has(s.toLowerCase())) {
        seenSubs.add(s.toLowerCase());
        subscriptions.push(s);
      }
    }
  }

  const targets: TargetReport[] = [];
  const seenTargets = new Set<string>();
  for (const t of reports.flatMap((r) => r.targets)) {
    if (seenTargets.has(t.id.toLowerCase())) continue; // a target lives in one subscription, so in one shard
    seenTargets.add(t.id.toLowerCase());
    targets.push(t);
  }

  const errors: ScanError[] = [];
  const seenErrors = new Set<string>();
  const addError = (e: ScanError) => {
    const key = `${e.scope}|${e.code}`.toLowerCase();
    if (seenErrors.has(key)) return;
    seenErrors.add(key);
    errors.push(e);
  };
  for (const p of parts) {
    for (const e of p.report.errors) {
      if (e.scope !== SCAN_SCOPE) {
        addError(e);
        continue;
      }
      // A shard stopped early (time limit, abort) says so once, for the whole scan; in the
      // assembled report it is said per shard and per subscription, so the diff never takes what
      // the shard did not get to read as gone (its drift is kept, stale).
      addError({ scope: `shard:${p.shardIndex}`, code: e.code, message: `shard ${p.shardIndex}: ${e.message}` });
      for (const sub of p.subscriptionIds) {
        addError({ scope: `/subscriptions/${sub.toLowerCase()}`, code: e.code, message: `subscription ${sub.toLowerCase()} was not read completely: shard ${p.shardIndex} was stopped before it finished` });
      }
    }
  }

  for (const f of failed) {
    const subs = f.subscriptionIds.map((s) => s.toLowerCase());
    const attempts = f.attempts ? ` after ${f.attempts} attempt(s)` : "";
    const reason = f.reason ? `: ${firstLine(f.reason)}` : "";
    addError({
      scope: `shard:${f.shardIndex}`,
      code: "ShardFailed",
      message: `shard ${f.shardIndex} of run ${input.runId} (subscriptions ${subs.join(", ")}) failed${attempts} and went to the poison queue${reason}; its targets are unknown`,
    });
    for (const sub of subs) {
      addError({
        scope: `/subscriptions/${sub}`,
        code: "SubscriptionNotScanned",
        message: `subscription ${sub} was not scanned: shard ${f.shardIndex} failed`,
      });
    }
    const missing = new Set(subs);
    for (const t of input.previous?.targets ?? []) {
      if (!missing.has(t.subscriptionId.toLowerCase()) || seenTargets.has(t.id.toLowerCase())) continue;
      seenTargets.add(t.id.toLowerCase());
      targets.push({ id: t.id, kind: t.kind, name: t.name, subscriptionId: t.subscriptionId, ...(t.tags ? { tags: t.tags } : {}), status: "unknown", findings: [] });
    }
  }

  const expired = mergeExpired(reports);
  return buildReport({
    scanId: input.runId,
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
    subscriptions,
    targets,
    stats: sumStats(reports),
    errors,
    ...(expired.length ? { expiredSuppressions: expired } : {}),
    checks: mergeCatalogs(reports),
  });
}
