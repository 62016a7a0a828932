/**
 * A report narrowed to some of its targets: what `POST /api/scans` with `targets` stores and what
 * a fresh audit of one target answers. The summary is recomputed from the kept targets; the
 * catalog (`checks`) and each kept target (its tags and findings, evidence as the scan kept it)
 * carry over unchanged.
 */
import { buildReport, type DriftReport } from "./report.js";

/**
 * Keeps only the targets named in `targetIds` (case-insensitive) and recomputes the summary; a
 * named target the scan did not find becomes a report error `TargetNotFound`.
 */
export function restrictToTargets(report: DriftReport, targetIds: readonly string[]): DriftReport {
  const wanted = new Set(targetIds.map((t) => t.toLowerCase()));
  const targets = report.targets.filter((t) => wanted.has(t.id.toLowerCase()));
  const found = new Set(targets.map((t) => t.id.toLowerCase()));
  const missing = targetIds.filter((t) => !found.has(t.toLowerCase()));
  const kept = new Set(targets.flatMap((t) => t.findings.map((f) => f.id)));
  const restricted = buildReport({
    scanId: report.scanId,
    startedAt: new Date(report.startedAt),
    finishedAt: new Date(report.finishedAt),
    subscriptions: report.scope.subscriptions,
    targets,
    stats: report.stats,
    errors: [
      ...report.errors,
      ...missing.map((scope) => ({ scope, code: "TargetNotFound", message: `target ${scope} was not found by the scan` })),
    ],
    // The whole catalog, as the scan carried it: a renderer looks every check id up in it.
    checks: report.checks,
    // Expired suppressions stay listed (they are baseline facts); their matches narrow to the kept targets.
    ...(report.expiredSuppressions
      ? { expiredSuppressions: report.expiredSuppressions.map((e) => ({ ...e, matchingFindingIds: e.matchingFindingIds.filter((id) => kept.has(id)) })) }
      : {}),
  });
  return { ...restricted, schemaVersion: report.schemaVersion };
}
