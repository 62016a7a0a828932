/**
 * The domain types of a scan: what it covered, where it came from, what went wrong while reading,
 * and what happened to its alert. Collect, checks, report, store and app all speak these.
 */
import { createHash } from "node:crypto";

/** A scan-level error for the report's `errors` list. */
export interface ScanError {
  /** Subscription, resource group or resource id the failed read was about. */
  scope: string;
  code: string;
  message: string;
}

/** What a scan covered: its subscriptions (empty = every visible one) and an optional target filter. */
export interface ScanScope {
  subscriptions: readonly string[];
  targets?: readonly string[];
}

/** Where a scan came from. */
export type ScanTrigger = "timer" | "http" | "event";

/** What happened to the Teams alert of a scan. */
export type NotificationStatus =
  | "sent"
  /** Delivery failed (4xx, or retries on 429/5xx exhausted); the record says why. */
  | "failed"
  /** The request may or may not have reached Teams (timeout, abort): never re-sent. */
  | "uncertain"
  /** Another run already claimed this exact change (a retried run): not sent again. */
  | "duplicate"
  /** The diff was empty, or the scan was the first of its scope. */
  | "not-needed"
  /** `TEAMS_WEBHOOK_URL` is not set. */
  | "not-configured";

/**
 * Stable key of a scope: `all`, or a hash of its sorted subscriptions (and target filter). It keys
 * a scope's history (finding state, diff base, alert claims): a target-filtered scan has its own.
 * The scan lock is keyed by {@link lockKeyOf} instead.
 */
export function scopeKeyOf(scope: ScanScope): string {
  const subs = [...new Set(scope.subscriptions.map((s) => s.toLowerCase()))].sort();
  const targets = [...new Set((scope.targets ?? []).map((t) => t.toLowerCase()))].sort();
  const hash = (xs: string[]) => createHash("sha256").update(xs.join(","), "utf8").digest("hex").slice(0, 16);
  const base = subs.length === 0 ? "all" : `subs-${hash(subs)}`;
  return targets.length === 0 ? base : `${base}-targets-${hash(targets)}`;
}

/**
 * Key of the scan lock of a scope: its subscription set only, never its target filter. A
 * target-filtered scan reads its subscriptions in full (the filter applies to the report), so two
 * scans of the same subscriptions with different `targets` are two full scans of the same ARM
 * budget and must exclude each other. For a scope without targets it equals {@link scopeKeyOf}, so
 * the timer, `POST /api/scans` and fresh target audits of one subscription set share one lock.
 */
export function lockKeyOf(scope: ScanScope): string {
  return scopeKeyOf({ subscriptions: scope.subscriptions });
}
