/**
 * The paged reads of a stored report (issue 14; DESIGN "Drift report": served in pages): its
 * summary, and its targets filtered by status, check, severity, text or id, a page at a time. Both
 * read the report's pages (src/store/reportPages.ts): the summary blob, the target index and only
 * the chunks that hold the page's targets, never the whole report.
 *
 * Continuation tokens are opaque to callers: base64url of the scan id, a hash of the filters and
 * the position of the next match, with a check value. A token is accepted only by the scan and the
 * filters it came from (anything else is the caller's mistake: 400), and a report never changes,
 * so a position stays meaningful for as long as the report is stored.
 */
import { createHash } from "node:crypto";
import type { AbortSignalLike } from "@azure/abort-controller";
import type { FindingStatus, Severity } from "../checks/lib/types.js";
import { scopeKeyOf } from "../model/scan.js";
import { toReportFinding, type EvidenceMode, type ReportFinding, type TargetReport, type TargetStatus } from "../report/report.js";
import type { HistoryStore } from "../store/history.js";
import type { ReportHead, ReportPages, StoredSummary, TargetIndexEntry } from "../store/reportPages.js";
import type { AppServices } from "./appServices.js";
import { StorageNotConfiguredError } from "../errors.js";

function historyOf(services: AppServices): HistoryStore {
  if (!services.history) throw new StorageNotConfiguredError();
  return services.history;
}

/**
 * Whether a report is complete: every read succeeded and nothing is `unknown` (the CLI's exit
 * code 2 condition, sent as `X-Scan-Complete` and the summary's `complete`).
 */
export function isComplete(report: Pick<ReportHead, "errors" | "summary">): boolean {
  return report.errors.length === 0 && report.summary.unknown === 0 && report.summary.findings.unknown === 0;
}

/** Which scan a paged read is about: one by id, or the newest (of the scope of these subscriptions). */
export type ScanRef = { scanId: string } | { latest: true; subscriptions?: readonly string[] };

/** The pages of the scan a reference names, or undefined when there is none. */
export async function pagesOf(services: AppServices, ref: ScanRef, options: { abortSignal?: AbortSignalLike } = {}): Promise<ReportPages | undefined> {
  const history = historyOf(services);
  if ("scanId" in ref) return history.reportPages(ref.scanId, options);
  const entry = await history.latest(ref.subscriptions ? scopeKeyOf({ subscriptions: ref.subscriptions }) : undefined);
  return entry ? history.reportPages(entry.scanId, options) : undefined;
}

/** One check in the summary: catalog title and default severity, and its counts. */
export interface CheckSummary {
  title: string;
  severity: Severity;
  fail: number;
  pass: number;
  unknown: number;
  /** Targets with a fail or unknown finding of this check. */
  targets: number;
}

/** The summary of a stored scan (the summary route's body without its links). */
export interface ScanSummary {
  scanId: string;
  schemaVersion: string;
  startedAt: string;
  finishedAt: string;
  scope: ReportHead["scope"];
  summary: ReportHead["summary"];
  stats: ReportHead["stats"];
  complete: boolean;
  evidence: EvidenceMode;
  byCheck: Record<string, CheckSummary>;
  bySeverity: StoredSummary["bySeverity"];
  errors: ReportHead["errors"];
  expiredSuppressions: number;
  diff?: { new: number; resolved: number; unchanged: number };
}

/** The summary of a stored report, from its summary blob alone. */
export function scanSummaryOf(stored: StoredSummary): ScanSummary {
  const h = stored.head;
  const byCheck: Record<string, CheckSummary> = {};
  for (const [id, tally] of Object.entries(stored.byCheck)) {
    const entry = h.checks?.[id];
    byCheck[id] = { title: entry?.title ?? id, severity: entry?.severity ?? "medium", ...tally };
  }
  return {
    scanId: h.scanId,
    schemaVersion: h.schemaVersion,
    startedAt: h.startedAt,
    finishedAt: h.finishedAt,
    scope: h.scope,
    summary: h.summary,
    stats: h.stats,
    complete: isComplete(h),
    evidence: stored.evidence,
    byCheck,
    bySeverity: stored.bySeverity,
    errors: h.errors,
    expiredSuppressions: h.expiredSuppressions?.length ?? 0,
    ...(h.diff ? { diff: { new: h.diff.new.length, resolved: h.diff.resolved.length, unchanged: h.diff.unchanged } } : {}),
  };
}

/** The filters of the targets route; all given ones must hold. */
export interface TargetFilters {
  status?: TargetStatus;
  /** Targets with a fail (suppressed or not) or unknown finding of this check. */
  check?: string;
  /** Targets with an unsuppressed fail or an unknown finding at this severity. */
  severity?: Severity;
  /** Case-insensitive substring of name, id, subscription id, tag keys and values. */
  q?: string;
  /** One target's ARM id, compared case-insensitively. */
  id?: string;
}

/** Whether an index entry passes the filters. */
export function matchesFilters(t: TargetIndexEntry, filters: TargetFilters): boolean {
  if (filters.status && t.status !== filters.status) return false;
  if (filters.check && !t.f.some(([checkId]) => checkId === filters.check)) return false;
  if (filters.severity && !t.f.some(([, severity, kind]) => severity === filters.severity && kind !== 1)) return false;
  if (filters.id && t.id.toLowerCase() !== filters.id.toLowerCase()) return false;
  if (filters.q) {
    const q = filters.q.toLowerCase();
    const inTags = Object.entries(t.tags ?? {}).some(([k, v]) => k.toLowerCase().includes(q) || v.toLowerCase().includes(q));
    if (!inTags && ![t.name, t.id, t.subscriptionId].some((s) => s.toLowerCase().includes(q))) return false;
  }
  return true;
}

/** A canonical hash of the filters (a token is bound to them). */
function filtersHash(filters: TargetFilters, findings: string, evidence: string): string {
  const canonical = JSON.stringify([filters.status ?? "", filters.check ?? "", filters.severity ?? "", filters.q?.toLowerCase() ?? "", filters.id?.toLowerCase() ?? "", findings, evidence]);
  return createHash("sha256").update(canonical).digest("hex").slice(0, 16);
}

function checkValue(payload: string): string {
  return createHash("sha256").update(`egress-audit/page/${payload}`).digest("hex").slice(0, 12);
}

const TOKEN_PAYLOAD = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([0-9a-f]{16})\.([1-9][0-9]{0,8})\.([0-9a-f]{12})$/;

/** The token of the page that starts at match `position`. */
export function encodePageToken(scanId: string, hash: string, position: number): string {
  const payload = `${scanId}.${hash}.${position}`;
  return Buffer.from(`${payload}.${checkValue(payload)}`, "utf8").toString("base64url");
}

/** A decoded token, or undefined when it is not one of ours (malformed, edited, forged). */
export function decodePageToken(token: string): { scanId: string; hash: string; position: number } | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(token)) return undefined;
  const m = TOKEN_PAYLOAD.exec(Buffer.from(token, "base64url").toString("utf8"));
  if (!m) return undefined;
  const [, scanId, hash, position, check] = m;
  if (checkValue(`${scanId}.${hash}.${position}`) !== check) return undefined;
  return { scanId: scanId!, hash: hash!, position: Number(position) };
}

/**
 * Which findings a page item carries: fail and unknown (default), every one, or `none` (the
 * counts only: a list that shows counts reads the index alone, no target chunk).
 */
export type FindingsMode = "failures" | "all" | "none";

/** Options of {@link targetPage}. */
export interface TargetPageOptions {
  filters: TargetFilters;
  /** 1-200. */
  limit: number;
  continuationToken?: string;
  findings?: FindingsMode;
  evidence?: EvidenceMode;
  abortSignal?: AbortSignalLike;
}

/** One target of a page. */
export interface TargetItem {
  id: string;
  kind: TargetReport["kind"];
  name: string;
  subscriptionId: string;
  tags?: Record<string, string>;
  status: TargetStatus;
  counts: Record<FindingStatus, number>;
  findings: ReportFinding[];
}

/** A page of targets. */
export interface TargetPage {
  scanId: string;
  /** Targets matching the filters, on all pages. */
  total: number;
  items: TargetItem[];
  continuationToken?: string;
}

/** What {@link targetPage} found. */
export type TargetPageResult =
  | { status: "page"; page: TargetPage }
  | { status: "not-found" }
  /** The token is not one this service handed out for this scan and these filters. */
  | { status: "invalid-token" }
  /** `evidence: all` asked of a report that did not keep pass evidence. */
  | { status: "evidence-not-kept" };

/**
 * A page of a stored report's targets, in report order. Reads the summary, the index and the
 * chunks of the page's targets. A token names its scan: on the latest route it keeps the pages of
 * one walk on the scan it started on, even when a newer scan is stored meanwhile.
 */
export async function targetPage(services: AppServices, ref: ScanRef, options: TargetPageOptions): Promise<TargetPageResult> {
  const findings = options.findings ?? "failures";
  const evidence = options.evidence ?? "failures";
  const hash = filtersHash(options.filters, findings, evidence);
  let start = 0;
  let target = ref;
  // The token is checked before storage is needed, so a bad one is the caller's mistake whatever the configuration.
  if (options.continuationToken !== undefined) {
    const token = decodePageToken(options.continuationToken);
    if (!token || token.hash !== hash || ("scanId" in ref && token.scanId !== ref.scanId)) return { status: "invalid-token" };
    start = token.position;
    target = { scanId: token.scanId };
  }
  const signal = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  const pages = await pagesOf(services, target, signal);
  if (!pages) return "scanId" in ref || options.continuationToken === undefined ? { status: "not-found" } : { status: "invalid-token" };
  if (evidence === "all" && pages.summary.evidence !== "all") return { status: "evidence-not-kept" };
  const index = await pages.index(signal);
  const positions: number[] = [];
  index.forEach((t, i) => {
    if (matchesFilters(t, options.filters)) positions.push(i);
  });
  if (start > 0 && start >= positions.length) return { status: "invalid-token" };
  const slice = positions.slice(start, start + options.limit);
  // An item's identity, status and counts are in the index; only its findings need the chunks
  // (`none`: not read at all).
  const targets = findings === "none" ? undefined : await pages.targetsAt(slice, signal);
  const items = slice.map((position, i): TargetItem => {
    const entry = index[position]!;
    return {
      id: entry.id,
      kind: entry.kind,
      name: entry.name,
      subscriptionId: entry.subscriptionId,
      ...(entry.tags ? { tags: entry.tags } : {}),
      status: entry.status,
      counts: entry.counts,
      findings: targets ? targets[i]!.findings.filter((f) => findings === "all" || f.status !== "pass").map((f) => toReportFinding(f, evidence)) : [],
    };
  });
  const next = start + slice.length;
  return {
    status: "page",
    page: {
      scanId: pages.scanId,
      total: positions.length,
      items,
      ...(next < positions.length ? { continuationToken: encodePageToken(pages.scanId, hash, next) } : {}),
    },
  };
}
