/**
 * The REST API: every route with its schemas and its handler. Handlers are thin: they call the
 * use cases (recorded scan, history reads, the scan itself) and map results; the pipeline in
 * route.ts does parsing, validation and errors. `functions/*.ts` registers each route with Azure
 * Functions; `npm run serve` serves the same ones.
 */
import { latestReport, listScanPage, storedReport } from "../app/scanHistory.js";
import { runRequestedScan } from "../app/requestedScan.js";
import { pendingScan, SCAN_POLL_RETRY_AFTER_IN_SECONDS, type ScanProgress as ScanProgressBody } from "../app/scanProgress.js";
import { getServices } from "../app/services.js";
import { auditTarget, subscriptionOf, type AuditTargetOptions } from "../app/targetAudit.js";
import { checks } from "../checks/index.js";
import { dashboard } from "./dashboard.js";
import { reportPageRoutes } from "./reportRoutes.js";
import { availableFormats, reportResult } from "./formats.js";
import { buildOpenApi } from "./openapi.js";
import { ProblemError, type ProblemFieldError } from "./problem.js";
import { defineRoute, type CompiledRoute } from "./route.js";
import {
  CheckList,
  DriftReport,
  Health,
  JsonHeaders,
  KeyOnlyQuery,
  LatestQuery,
  ListQuery,
  OpenApiDocument,
  ReportQuery,
  ScanPage,
  ScanParams,
  ScanProgress,
  StartScanBody,
  DriftQuery,
  type ReportFormatName,
} from "./schemas.js";
import { packageVersion } from "../util/packageRoot.js";

/** The 429 of a full instance (`SCAN_MAX_CONCURRENT`): the same `RateLimited` problem as the rate limit's. */
function tooManyScans(refusal: { message: string; retryAfterInSeconds: number }): ProblemError {
  return new ProblemError("RateLimited", `${refusal.message}; retry in ${refusal.retryAfterInSeconds} s`, undefined, { "retry-after": String(refusal.retryAfterInSeconds) });
}

/** Refuses a format with no renderer before any work is done (nothing scanned, nothing stored). */
function requireFormat(format: ReportFormatName | undefined): void {
  if (format && !availableFormats().includes(format)) {
    throw new ProblemError("FormatNotAvailable", `format ${format} is not available in this build; available: ${availableFormats().join(", ")}`);
  }
}

function withLinks<T extends { scanId: string }>(entry: T): T & { links: { report: string } } {
  return { ...entry, links: { report: `/api/scans/${entry.scanId}` } };
}

/** Headers of every report response (src/http/formats.ts). */
const reportHeaders = {
  "x-scan-complete": {
    description:
      "`true` when every read succeeded and nothing is `unknown`; `false` when the report is incomplete (the CLI's exit code 2 condition): `errors` names each failed read.",
  },
};

const reportResponse = (description: string) => ({
  description,
  schema: DriftReport,
  alternativeMediaTypes: ["application/sarif+json", "text/csv", "text/markdown"],
  headers: reportHeaders,
});

/** Headers and schema of a `202 Accepted`: the scan runs on the shard queue (src/app/requestedScan.ts). */
const acceptedResponse = (description: string) => ({
  description,
  schema: ScanProgress,
  headers: {
    location: { description: "The scan's URL, `/api/scans/{scanId}`: poll it until it answers 200 with the report." },
    "retry-after": { description: "Seconds to wait before polling the Location again." },
  },
});

/** The `202 Accepted` of a scan still on the queue: its progress, where to poll, and when. */
function accepted(progress: ScanProgressBody, retryAfterInSeconds: number) {
  return { status: 202, json: progress, headers: { location: `/api/scans/${progress.scanId}`, "retry-after": String(retryAfterInSeconds) } };
}

export const startScan = defineRoute({
  name: "startScan",
  method: "POST",
  route: "scans",
  authLevel: "function",
  tags: ["scans"],
  summary: "Run a scan now",
  description:
    "Scans the given subscriptions (optionally reporting only some targets), stores the report in the history with its diff against the previous complete scan of the same scope, alerts Teams when the diff is not empty, and returns the report (201). " +
    "A scan not done within `SCAN_SYNC_WAIT_IN_MS` (default 10 s) continues on the shard queue: 202 with its progress, `Location` (/api/scans/{scanId}) and `Retry-After`; poll the Location until it answers 200 with the report. " +
    "The subscriptions are read in full whatever `targets` says, so a scan of subscriptions another scan is reading or has queued (with any targets) answers 409; one past the instance's `SCAN_MAX_CONCURRENT` scans running in requests answers 429.",
  query: ReportQuery,
  headers: JsonHeaders,
  body: StartScanBody,
  responses: {
    200: {
      ...reportResponse("The report of a scan whose history write failed (storage outage after the scan): `X-Scan-Recorded: false`, nothing alerted; the next run records the change."),
      headers: { ...reportHeaders, "x-scan-recorded": { description: "`false`: the report was not stored." } },
    },
    201: {
      ...reportResponse("The stored report."),
      headers: { ...reportHeaders, location: { description: "URL of the stored report." }, "x-scan-recorded": { description: "`true`: the report is in the history." } },
    },
    202: acceptedResponse("The scan was not done within `SCAN_SYNC_WAIT_IN_MS`: it continues on the shard queue. Nothing is stored yet; poll the Location."),
  },
  problems: ["ValidationFailed", "MalformedJson", "MissingBody", "UnsupportedMediaType", "PayloadTooLarge", "TargetOutsideScope", "FormatNotAvailable", "ScanInProgress", "StorageNotConfigured", "ArmUnreachable", "ConfigurationError", "InternalError"],
  spendsArmBudget: true,
  async handle({ query, body }, ctx) {
    const subscriptions = [...new Set(body.subscriptions.map((s) => s.toLowerCase()))];
    const outside: ProblemFieldError[] = [];
    (body.targets ?? []).forEach((t, i) => {
      if (!subscriptions.includes(subscriptionOf(t))) {
        outside.push({ path: `/body/targets/${i}`, message: `is in subscription ${subscriptionOf(t)}, which is not in /body/subscriptions` });
      }
    });
    if (outside.length) throw new ProblemError("TargetOutsideScope", `${outside.length} target(s) are outside the scanned subscriptions`, outside);
    requireFormat(query.format);
    // ARM ids compare case-insensitively: one entry per target, in the caller's spelling.
    const targets = body.targets ? [...new Map(body.targets.map((t) => [t.toLowerCase(), t] as const)).values()] : undefined;
    const evidence = query.evidence ?? "failures";
    const result = await runRequestedScan(getServices(), {
      scope: { subscriptions, ...(targets ? { targets } : {}) },
      log: (m) => ctx.invocation.log(m),
      error: (m) => ctx.invocation.error(m),
      evidence,
    });
    if (result.status === "skipped") {
      throw new ProblemError("ScanInProgress", `${result.message}; retry later`, undefined, result.runId ? { location: `/api/scans/${result.runId}` } : {});
    }
    if (result.status === "throttled") throw tooManyScans(result);
    if (result.status === "accepted") return accepted(result.progress, SCAN_POLL_RETRY_AFTER_IN_SECONDS);
    if (result.status === "unrecorded") return reportResult(result.report, query.format, 200, { "x-scan-recorded": "false" }, { evidence });
    return reportResult(result.report, query.format, 201, { location: `/api/scans/${result.report.scanId}`, "x-scan-recorded": "true" }, { evidence });
  },
});

export const getLatestScan = defineRoute({
  name: "getLatestScan",
  method: "GET",
  route: "scans/latest",
  authLevel: "function",
  tags: ["scans"],
  summary: "The latest complete report",
  description: "The newest stored report, of any scope or of the scope named by `subscription` (repeatable).",
  query: LatestQuery,
  responses: { 200: reportResponse("The newest stored report (`format=json`: streamed, head first, then the targets one per line).") },
  problems: ["ValidationFailed", "UnexpectedBody", "PayloadTooLarge", "NoScans", "FormatNotAvailable", "EvidenceNotKept", "StorageNotConfigured", "ConfigurationError", "InternalError"],
  async handle({ query }) {
    requireFormat(query.format);
    const report = await latestReport(getServices(), query.subscription ? { subscriptions: query.subscription } : {});
    if (!report) {
      throw new ProblemError("NoScans", query.subscription ? `no complete scan of the scope ${query.subscription.join(", ")} is stored yet` : "no complete scan is stored yet");
    }
    return reportResult(report, query.format, 200, {}, { evidence: query.evidence ?? "failures" });
  },
});

export const getScan = defineRoute({
  name: "getScan",
  method: "GET",
  route: "scans/{scanId}",
  authLevel: "function",
  tags: ["scans"],
  summary: "One stored report, or the progress of a scan still on the shard queue",
  description:
    "The stored report (200). For a scan `POST /api/scans` handed to the shard queue (its 202 `Location`): 202 with its progress and `Retry-After` until the report is stored; 410 `ScanFailed` when it ended without a report (abandoned, or not finished within 2 hours). A scan whose shards failed still ends with a report, incomplete.",
  params: ScanParams,
  query: ReportQuery,
  responses: { 200: reportResponse("The stored report."), 202: acceptedResponse("The scan is still on the shard queue: its progress. Poll again after `Retry-After` seconds.") },
  problems: ["ValidationFailed", "UnexpectedBody", "PayloadTooLarge", "ScanNotFound", "ScanFailed", "FormatNotAvailable", "StorageNotConfigured", "ConfigurationError", "InternalError"],
  async handle({ params, query }) {
    requireFormat(query.format);
    const pending = await pendingScan(getServices(), params.scanId);
    if (pending?.status === "pending") return accepted(pending.progress, pending.retryAfterInSeconds);
    if (pending?.status === "failed") throw new ProblemError("ScanFailed", pending.message);
    const report = await storedReport(getServices(), params.scanId);
    if (!report) throw new ProblemError("ScanNotFound", `no stored scan has the id ${params.scanId}`);
    return reportResult(report, query.format, 200, {}, { evidence: query.evidence ?? "failures" });
  },
});

export const listScans = defineRoute({
  name: "listScans",
  method: "GET",
  route: "scans",
  authLevel: "function",
  tags: ["scans"],
  summary: "Recent scans, newest first, paged",
  query: ListQuery,
  responses: { 200: { description: "A page of the scan index.", schema: ScanPage } },
  problems: ["ValidationFailed", "UnexpectedBody", "PayloadTooLarge", "StorageNotConfigured", "ConfigurationError", "InternalError"],
  async handle({ query }) {
    const listing = await listScanPage(getServices(), {
      limit: query.limit ?? 20,
      ...(query.continuationToken !== undefined ? { continuationToken: query.continuationToken } : {}),
    });
    if (listing.status === "invalid-token") {
      throw new ProblemError("ValidationFailed", "continuationToken is not a token from a previous page", [
        { path: "/query/continuationToken", message: "must be a continuationToken returned by a previous page" },
      ]);
    }
    const { page } = listing;
    return { status: 200, json: { items: page.items.map(withLinks), ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}) } };
  },
});

export const getTargetDrift = defineRoute({
  name: "getTargetDrift",
  method: "GET",
  route: "targets/drift",
  authLevel: "function",
  tags: ["targets"],
  summary: "A fresh audit of one target",
  description:
    "Scans the target's subscription now and returns a report restricted to that target (its ARM id in `id`: a query parameter, as the Functions host in Azure rejects an encoded `/` in a path segment). `evidence=all` keeps pass findings' evidence. Nothing is stored and nothing is sent: this is a read. It takes the scan lock of the subscription (409 while another scan of it runs) and one of the instance's scan slots (429 when `SCAN_MAX_CONCURRENT` scans run).",
  query: DriftQuery,
  responses: { 200: reportResponse("A report with exactly one target.") },
  problems: ["ValidationFailed", "UnexpectedBody", "PayloadTooLarge", "TargetNotFound", "FormatNotAvailable", "ScanInProgress", "ArmUnreachable", "ConfigurationError", "StorageUnavailable", "InternalError"],
  spendsArmBudget: true,
  async handle({ query }) {
    requireFormat(query.format);
    const evidence = query.evidence ?? "failures";
    // The scan keeps pass evidence only when asked (src/app/targetAudit.ts passes it to the scan).
    const auditOptions: AuditTargetOptions = { evidence };
    const audit = await auditTarget(getServices(), query.id, auditOptions);
    if (audit.status === "skipped") throw new ProblemError("ScanInProgress", `${audit.message}; retry later`);
    if (audit.status === "throttled") throw tooManyScans(audit);
    if (audit.status === "not-found") {
      const { unreadable } = audit;
      throw new ProblemError(
        "TargetNotFound",
        `no cluster pool or AKS cluster ${query.id} was found in subscription ${audit.subscriptionId}` +
          (unreadable ? ` (${unreadable} read(s) failed, so it may exist but be unreadable to this identity)` : ""),
      );
    }
    return reportResult(audit.report, query.format, 200, {}, { evidence });
  },
});

export const listChecks = defineRoute({
  name: "listChecks",
  method: "GET",
  route: "checks",
  authLevel: "function",
  tags: ["catalog"],
  summary: "The check catalog",
  query: KeyOnlyQuery,
  responses: { 200: { description: "Every check, in report order.", schema: CheckList } },
  problems: ["ValidationFailed", "UnexpectedBody", "PayloadTooLarge", "InternalError"],
  // eslint-disable-next-line @typescript-eslint/require-await -- every handler is async by contract
  async handle() {
    return { status: 200, json: { checks: checks.map((c) => c.meta) } };
  },
});

/**
 * The OpenAPI `servers` URL: the configured public base (`PUBLIC_BASE_URL`, else the platform's
 * `WEBSITE_HOSTNAME`) plus `/api`, else the relative `/api`. Never the request's `Host`: that
 * header is the caller's to choose, and a document that echoed it would send the next client
 * (and its function key) wherever the first caller pointed it.
 */
export function openApiServerUrl(publicBaseUrl: string | undefined): string {
  return publicBaseUrl ? `${publicBaseUrl}/api` : "/api";
}

export const getOpenApi = defineRoute({
  name: "getOpenApi",
  method: "GET",
  route: "openapi.json",
  authLevel: "function",
  tags: ["meta"],
  summary: "This API's OpenAPI 3.1 document",
  query: KeyOnlyQuery,
  description: "Its `servers` URL is `PUBLIC_BASE_URL` (else `https://$WEBSITE_HOSTNAME`) plus `/api`, else the relative `/api`; never taken from the request.",
  responses: { 200: { description: "OpenAPI 3.1 document, generated from the route schemas.", schema: OpenApiDocument } },
  problems: ["ValidationFailed", "UnexpectedBody", "PayloadTooLarge", "ConfigurationError", "InternalError"],
  // eslint-disable-next-line @typescript-eslint/require-await -- every handler is async by contract
  async handle() {
    return { status: 200, json: buildOpenApi(allRoutes(), { version: packageVersion(), serverUrl: openApiServerUrl(getServices().settings.publicBaseUrl) }) };
  },
});

export const health = defineRoute({
  name: "health",
  method: "GET",
  route: "health",
  authLevel: "anonymous",
  tags: ["meta"],
  summary: "Liveness",
  query: KeyOnlyQuery,
  responses: { 200: { description: "The service is up.", schema: Health } },
  problems: ["ValidationFailed", "UnexpectedBody", "PayloadTooLarge", "InternalError"],
  // eslint-disable-next-line @typescript-eslint/require-await -- every handler is async by contract
  async handle() {
    return { status: 200, json: { status: "ok", version: packageVersion(), time: new Date().toISOString() } };
  },
});

/** Every route, in documentation order. */
export function allRoutes(): CompiledRoute[] {
  return [startScan, getLatestScan, getScan, ...reportPageRoutes(), listScans, getTargetDrift, listChecks, getOpenApi, health];
}

/** HTML pages: served like the routes above (same pipeline, same keys), not in the OpenAPI document. */
export function pageRoutes(): CompiledRoute[] {
  return [dashboard];
}
