/**
 * The scan index of the history (table `EgressAuditScans`, partition `scan`): one row per complete
 * scan, keyed `<inverted finish time>-<scanId>` so a partition scan returns the newest first, and
 * the opaque continuation token of its pages (the row key a page ended at).
 */
import type { NotificationStatus, ScanTrigger } from "../model/scan.js";
import type { DriftReport } from "../report/report.js";
import { json, str, type Entity } from "./entity.js";

/** The partition of the index rows. */
export const SCAN_PARTITION = "scan";

/** One row of the scan index, as `GET /api/scans` lists it. */
export interface ScanIndexEntry {
  scanId: string;
  scopeKey: string;
  /** The scope as requested: subscriptions (empty = all visible) and target filter. */
  scope: { subscriptions: string[]; targets: string[] };
  /** The subscriptions actually scanned. */
  subscriptions: string[];
  trigger: ScanTrigger;
  startedAt: string;
  finishedAt: string;
  summary: DriftReport["summary"];
  errors: number;
  /** Absent for the first scan of a scope. */
  diff?: { new: number; resolved: number; unchanged: number; stale: number };
  notification: NotificationStatus;
}

/** Page of the scan index. */
export interface ScanPage {
  items: ScanIndexEntry[];
  /** Opaque token for the next page; absent on the last one. */
  continuationToken?: string;
}

const MAX_TIME = 9_999_999_999_999;

/** Row key of an index entry: newest first, then by scan id. */
export function indexRowKey(finishedAt: string, scanId: string): string {
  return `${String(MAX_TIME - Date.parse(finishedAt)).padStart(13, "0")}-${scanId}`;
}

const INDEX_ROW_KEY = /^\d{13}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Encodes the row key a page ended at as an opaque token. */
export function encodeToken(rowKey: string): string {
  return Buffer.from(rowKey, "utf8").toString("base64url");
}

/** Decodes a continuation token; undefined when it is not one of ours. */
export function decodeContinuationToken(token: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(token)) return undefined;
  const rowKey = Buffer.from(token, "base64url").toString("utf8");
  return INDEX_ROW_KEY.test(rowKey) ? rowKey : undefined;
}

/** Reads an index row; missing or odd fields fall back to empty values, never throw. */
/** A stored trigger; rows written before change events know only `timer` and `http`. */
function triggerOf(text: string): ScanTrigger {
  return text === "timer" || text === "event" ? text : "http";
}

export function indexEntryOf(e: Entity): ScanIndexEntry {
  const diff = json<ScanIndexEntry["diff"] | null>(e, "diffJson", null);
  return {
    scanId: str(e, "scanId"),
    scopeKey: str(e, "scopeKey"),
    scope: json(e, "scopeJson", { subscriptions: [], targets: [] }),
    subscriptions: json(e, "subscriptionsJson", []),
    trigger: triggerOf(str(e, "trigger")),
    startedAt: str(e, "startedAt"),
    finishedAt: str(e, "finishedAt"),
    summary: json(e, "summaryJson", { targets: 0, compliant: 0, drifted: 0, unknown: 0, findings: { fail: 0, pass: 0, unknown: 0 } }),
    errors: typeof e.errors === "number" ? e.errors : 0,
    ...(diff ? { diff } : {}),
    notification: (str(e, "notification") || "not-needed") as NotificationStatus,
  };
}

/** The index row of an entry, as {@link indexEntryOf} reads it back. */
export function indexRowOf(entry: ScanIndexEntry): Record<string, unknown> & { partitionKey: string; rowKey: string } {
  return {
    partitionKey: SCAN_PARTITION,
    rowKey: indexRowKey(entry.finishedAt, entry.scanId),
    scanId: entry.scanId,
    scopeKey: entry.scopeKey,
    scopeJson: JSON.stringify(entry.scope),
    subscriptionsJson: JSON.stringify(entry.subscriptions),
    trigger: entry.trigger,
    startedAt: entry.startedAt,
    finishedAt: entry.finishedAt,
    summaryJson: JSON.stringify(entry.summary),
    errors: entry.errors,
    diffJson: JSON.stringify(entry.diff ?? null),
    notification: entry.notification,
  };
}
