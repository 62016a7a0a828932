/**
 * The paged report routes (issue 14; /work contract "Paged report API"): a stored scan's summary
 * and its targets a page at a time, by scan id or for the latest scan. They read the report's
 * pages (summary, target index, the chunks of one page), never the whole report, so a dashboard on
 * a 10,000-target estate gets its first page in a few KB. Handlers are thin: the paging and the
 * filters are in src/app/reportPaging.ts.
 */
import { scanSummaryOf, targetPage, pagesOf, type ScanRef, type ScanSummary as ScanSummaryBody, type TargetFilters } from "../app/reportPaging.js";
import { getServices } from "../app/services.js";
import { ProblemError, type ProblemCode } from "./problem.js";
import { defineRoute, type RouteResult } from "./route.js";
import { LatestSummaryQuery, LatestTargetsQuery, ScanParams, ScanSummary, SummaryQuery, TargetsPage, TargetsQuery } from "./schemas.js";
import type { Static } from "@sinclair/typebox";

function summaryResult(summary: ScanSummaryBody): RouteResult {
  const base = `/api/scans/${summary.scanId}`;
  return { status: 200, json: { ...summary, links: { targets: `${base}/targets`, report: base } } };
}

const summaryProblems: ProblemCode[] = ["ValidationFailed", "UnexpectedBody", "PayloadTooLarge", "StorageNotConfigured", "ConfigurationError", "InternalError"];
const summaryDescription =
  "Counts of a stored scan without its targets: the report's summary, stats and errors, counts by check (every catalog check) and by severity, the diff's counts, whether the scan is complete and what the report kept of pass evidence. Read from a summary stored beside the report: its size does not grow with the targets.";

export const getScanSummary = defineRoute({
  name: "getScanSummary",
  method: "GET",
  route: "scans/{scanId}/summary",
  authLevel: "function",
  tags: ["scans"],
  summary: "A stored scan's summary",
  description: summaryDescription,
  params: ScanParams,
  query: SummaryQuery,
  responses: { 200: { description: "The scan's summary.", schema: ScanSummary } },
  problems: [...summaryProblems, "ScanNotFound"],
  async handle({ params }) {
    const pages = await pagesOf(getServices(), { scanId: params.scanId });
    if (!pages) throw new ProblemError("ScanNotFound", `no stored scan has the id ${params.scanId}`);
    return summaryResult(scanSummaryOf(pages.summary));
  },
});

export const getLatestScanSummary = defineRoute({
  name: "getLatestScanSummary",
  method: "GET",
  route: "scans/latest/summary",
  authLevel: "function",
  tags: ["scans"],
  summary: "The latest scan's summary",
  description: `${summaryDescription} The newest scan of any scope, or of the scope named by \`subscription\` (repeatable).`,
  query: LatestSummaryQuery,
  responses: { 200: { description: "The newest scan's summary.", schema: ScanSummary } },
  problems: [...summaryProblems, "NoScans"],
  async handle({ query }) {
    const pages = await pagesOf(getServices(), { latest: true, ...(query.subscription ? { subscriptions: query.subscription } : {}) });
    if (!pages) throw noScans(query.subscription);
    return summaryResult(scanSummaryOf(pages.summary));
  },
});

function noScans(subscriptions: readonly string[] | undefined): ProblemError {
  return new ProblemError("NoScans", subscriptions ? `no complete scan of the scope ${subscriptions.join(", ")} is stored yet` : "no complete scan is stored yet");
}

type TargetsQueryValue = Static<typeof TargetsQuery> & { subscription?: string[] };

/** The query of the next page's link: the filters (never the function key, never the latest route's scope) and the token. */
function nextLink(scanId: string, query: TargetsQueryValue, token: string): string {
  const params = new URLSearchParams();
  for (const key of ["status", "check", "severity", "q", "id", "limit", "findings", "evidence"] as const) {
    const value = query[key];
    if (value !== undefined) params.set(key, String(value));
  }
  params.set("continuationToken", token);
  return `/api/scans/${scanId}/targets?${params.toString()}`;
}

async function targetsResult(ref: ScanRef, query: TargetsQueryValue): Promise<RouteResult> {
  const filters: TargetFilters = {
    ...(query.status ? { status: query.status } : {}),
    ...(query.check ? { check: query.check } : {}),
    ...(query.severity ? { severity: query.severity } : {}),
    ...(query.q !== undefined ? { q: query.q } : {}),
    ...(query.id ? { id: query.id } : {}),
  };
  const result = await targetPage(getServices(), ref, {
    filters,
    limit: query.limit ?? 50,
    ...(query.continuationToken !== undefined ? { continuationToken: query.continuationToken } : {}),
    findings: query.findings ?? "failures",
    evidence: query.evidence ?? "failures",
  });
  switch (result.status) {
    case "invalid-token":
      throw new ProblemError("ValidationFailed", "continuationToken is not a token from a previous page of this scan with these filters", [
        { path: "/query/continuationToken", message: "must be a continuationToken returned by a previous page of this scan, with the same filters" },
      ]);
    case "evidence-not-kept":
      throw new ProblemError("EvidenceNotKept", "the stored report kept only the evidence of fail and unknown findings; ask without evidence=all");
    case "not-found":
      if ("scanId" in ref) throw new ProblemError("ScanNotFound", `no stored scan has the id ${ref.scanId}`);
      throw noScans(ref.subscriptions);
    case "page": {
      const { page } = result;
      return {
        status: 200,
        json: { ...page, links: page.continuationToken ? { next: nextLink(page.scanId, query, page.continuationToken) } : {} },
      };
    }
  }
}

const targetsProblems: ProblemCode[] = ["ValidationFailed", "UnexpectedBody", "PayloadTooLarge", "EvidenceNotKept", "StorageNotConfigured", "ConfigurationError", "InternalError"];
const targetsDescription =
  "A page of a stored scan's targets, in report order, filtered by `status`, `check`, `severity`, `q` (text) and `id` (all that are given must hold). Each item carries its counts and its fail and unknown findings (`findings=all`: every finding). " +
  "Reads the target index and the few chunks of the page stored beside the report, never the whole report. `continuationToken` (from the previous page, with the same filters) gives the next page; `links.next` is that page's URL.";

export const listScanTargets = defineRoute({
  name: "listScanTargets",
  method: "GET",
  route: "scans/{scanId}/targets",
  authLevel: "function",
  tags: ["scans"],
  summary: "A page of a stored scan's targets",
  description: targetsDescription,
  params: ScanParams,
  query: TargetsQuery,
  responses: { 200: { description: "A page of targets.", schema: TargetsPage } },
  problems: [...targetsProblems, "ScanNotFound"],
  async handle({ params, query }) {
    return targetsResult({ scanId: params.scanId }, query);
  },
});

export const listLatestScanTargets = defineRoute({
  name: "listLatestScanTargets",
  method: "GET",
  route: "scans/latest/targets",
  authLevel: "function",
  tags: ["scans"],
  summary: "A page of the latest scan's targets",
  description: `${targetsDescription} The newest scan of any scope, or of the scope named by \`subscription\`; a continuation token keeps to the scan its first page came from.`,
  query: LatestTargetsQuery,
  responses: { 200: { description: "A page of targets.", schema: TargetsPage } },
  problems: [...targetsProblems, "NoScans"],
  async handle({ query }) {
    return targetsResult({ latest: true, ...(query.subscription ? { subscriptions: query.subscription } : {}) }, query);
  },
});

/** The paged report routes, in documentation order. */
export function reportPageRoutes() {
  return [getScanSummary, getLatestScanSummary, listScanTargets, listLatestScanTargets];
}
