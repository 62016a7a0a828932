/**
 * Suppressions: known, owned, possibly temporary exceptions. A suppression applies to a failing
 * result of its check on a resource its glob matches until it expires; an expired one no longer
 * applies and is listed in the report with the failures it would still cover, so an exception
 * that ran out is seen instead of silently turning into drift.
 */
import { idMatches, type Baseline, type Suppression } from "./baseline.js";

/**
 * The instant a suppression stops applying. A date-only `expires` (`2025-06-30`) covers that whole
 * day (UTC); a date-time is exact. Undefined when the suppression never expires; `NaN` time when the
 * value cannot be parsed (treated as expired).
 */
export function suppressionEnd(s: Suppression): Date | undefined {
  if (s.expires === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(s.expires)) {
    const start = Date.parse(`${s.expires}T00:00:00Z`);
    return new Date(start + 24 * 60 * 60 * 1000);
  }
  return new Date(Date.parse(s.expires));
}

/** True when the suppression has expired at `now` (an unparseable date counts as expired). */
export function isExpired(s: Suppression, now: Date): boolean {
  const end = suppressionEnd(s);
  if (end === undefined) return false;
  const t = end.getTime();
  return Number.isNaN(t) || now.getTime() >= t;
}

/** The baseline's suppressions that have expired at `now`, for the report to list. */
export function expiredSuppressions(baseline: Baseline, now: Date = new Date()): Suppression[] {
  return (baseline.suppressions ?? []).filter((s) => isExpired(s, now));
}

/** The first unexpired suppression that matches a failure of `checkId` on `resourceId`. */
export function matchingSuppression(
  baseline: Baseline,
  checkId: string,
  resourceId: string,
  now: Date,
): Suppression | undefined {
  return (baseline.suppressions ?? []).find(
    (s) => s.checkId === checkId && !isExpired(s, now) && idMatches(s.resourceId, resourceId),
  );
}

/** A failing finding, as far as matching a suppression is concerned. */
export interface FailingResult {
  id: string;
  checkId: string;
  resourceId: string;
}

/** An expired suppression as the report lists it (the report's `ExpiredSuppression`). */
export interface ExpiredSuppressionEntry {
  checkId: string;
  resourceId: string;
  reason: string;
  owner: string;
  expires: string;
  /** Ids of the failing findings it would still match. */
  matchingFindingIds: string[];
}

/**
 * The suppressions expired at `now`, each with the ids of the failures among `failing` it would
 * still cover if it had not expired.
 */
export function expiredSuppressionEntries(baseline: Baseline, now: Date, failing: readonly FailingResult[]): ExpiredSuppressionEntry[] {
  return expiredSuppressions(baseline, now).map((s) => ({
    checkId: s.checkId,
    resourceId: s.resourceId,
    reason: s.reason,
    owner: s.owner,
    expires: s.expires ?? "",
    matchingFindingIds: failing.filter((f) => f.checkId === s.checkId && idMatches(s.resourceId, f.resourceId)).map((f) => f.id),
  }));
}
