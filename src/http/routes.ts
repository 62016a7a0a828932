/**
 * The REST API: every route with its schemas and its handler. Handlers are thin: they call the
 * use cases (recorded scan, history reads, the scan itself) and map results; the pipeline in
 * route.ts does parsing, validation and errors. `functions/*.ts` registers each route with Azure
 * Functions; `npm run serve` serves the same ones.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { checks } from "../checks/index.js";
import { decodeContinuationToken, type ScanIndexEntry } from "../store/history.js";
import { scopeKeyOf } from "../model/scan.js";
import { recordScan, restrictToTargets } from "../store/recorder.js";
import type { DriftReport as Report } from "../report/report.js";
import { getServices, HTTP_SCAN_TIME_LIMIT_IN_MS, StorageNotConfiguredError, type AppServices } from "../store/services.js";
import { dashboard } from "./dashboard.js";
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
  StartScanBody,
  TargetParams,
  type ReportFormatName,
} from "./schemas.js";

function historyOf(services: AppServices) {
  if (!services.history) throw new StorageNotConfiguredError();
  return services.history;
}

/** Refuses a format with no renderer before any work is done (nothing scanned, nothing stored). */
function requireFormat(format: ReportFormatName | undefined): void {
  if (format && !availableFormats().includes(format)) {
    throw new ProblemError("FormatNotAvailable", `format ${format} is not available in this build; available: ${availableFormats().join(", ")}`);
  }
}

function subscriptionOf(armId: string): string {
  return armId.split("/")[2]!.toLowerCase();
}

function withLinks(entry: ScanIndexEntry): ScanIndexEntry & { links: { report: string } } {
  return { ...entry, links: { report: `/api/scans/${entry.scanId}` } };
}

let cachedVersion: string | undefined;
/** The package version (from package.json above this file, in src/ or dist/). */
export function serviceVersion(): string {
  if (cachedVersion) return cachedVersion;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6 && !existsSync(join(dir, "package.json")); i++) dir = dirname(dir);
  try {
    const version = (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version?: unknown }).version;
    cachedVersion = typeof version === "string" ? version : "0.0.0";
  } catch {
    cachedVersion = "0.0.0";
  }
  return cachedVersion;
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

export const startScan = defineRoute({
  name: "startScan",
  method: "POST",
  route: "scans",
  authLevel: "function",
  tags: ["scans"],
  summary: "Run a scan now",
  description:
    "Scans the given subscriptions (optionally reporting only some targets), stores the report in the history with its diff against the previous complete scan of the same scope, alerts Teams when the diff is not empty, and returns the report.",
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
    const services = getServices();
    historyOf(services);
    // ARM ids compare case-insensitively: one entry per target, in the caller's spelling.
    const targets = body.targets ? [...new Map(body.targets.map((t) => [t.toLowerCase(), t] as const)).values()] : undefined;
    // The scan's own report, kept so that a storage outage after the scan still answers with it.
    let scanned: Report | undefined;
    const observed: AppServices = { ...services, scan: async (request) => (scanned = await services.scan(request)) };
    let result: Awaited<ReturnType<typeof recordScan>>;
    try {
      result = await recordScan(observed, {
        scope: { subscriptions, ...(targets ? { targets } : {}) },
        trigger: "http",
        timeLimitInMs: HTTP_SCAN_TIME_LIMIT_IN_MS,
        log: (m) => ctx.invocation.log(m),
      });
    } catch (err) {
      if (scanned === undefined || (err as { name?: unknown }).name !== "RestError") throw err;
      // Storage failed after the scan (the SDK's retries are spent): the caller gets the report,
      // marked as not recorded. Nothing was committed, so the next run of the scope measures the
      // same change against the same previous scan: if the failure came before the alert's claim,
      // nothing was posted and that run alerts; if it came after the post, the claim stops a repeat.
      const e = err as { code?: unknown; statusCode?: unknown };
      ctx.invocation.error(
        `scan ${scanned.scanId} finished but the history could not be written (${typeof e.code === "string" ? e.code : "storage error"}${typeof e.statusCode === "number" ? `, HTTP ${e.statusCode}` : ""}); ` +
          "answering with the report unrecorded; the next run of this scope records it and sends any alert",
      );
      const report = targets ? restrictToTargets(scanned, targets) : scanned;
      return reportResult(report, query.format, 200, { "x-scan-recorded": "false" });
    }
    if (result.status === "skipped") throw new ProblemError("ScanInProgress", `${result.message}; retry later`);
    return reportResult(result.report, query.format, 201, { location: `/api/scans/${result.report.scanId}`, "x-scan-recorded": "true" });
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
  responses: { 200: reportResponse("The newest stored report.") },
  problems: ["ValidationFailed", "UnexpectedBody", "PayloadTooLarge", "NoScans", "FormatNotAvailable", "StorageNotConfigured", "ConfigurationError", "InternalError"],
  async handle({ query }) {
    requireFormat(query.format);
    const history = historyOf(getServices());
    const scopeKey = query.subscription ? scopeKeyOf({ subscriptions: query.subscription }) : undefined;
    const entry = await history.latest(scopeKey);
    const report = entry ? await history.getReport(entry.scanId) : undefined;
    if (!report) {
      throw new ProblemError("NoScans", scopeKey ? `no complete scan of the scope ${query.subscription!.join(", ")} is stored yet` : "no complete scan is stored yet");
    }
    return reportResult(report, query.format);
  },
});

export const getScan = defineRoute({
  name: "getScan",
  method: "GET",
  route: "scans/{scanId}",
  authLevel: "function",
  tags: ["scans"],
  summary: "One stored report",
  params: ScanParams,
  query: ReportQuery,
  responses: { 200: reportResponse("The stored report.") },
  problems: ["ValidationFailed", "UnexpectedBody", "PayloadTooLarge", "ScanNotFound", "FormatNotAvailable", "StorageNotConfigured", "ConfigurationError", "InternalError"],
  async handle({ params, query }) {
    requireFormat(query.format);
    const report = await historyOf(getServices()).getReport(params.scanId);
    if (!report) throw new ProblemError("ScanNotFound", `no stored scan has the id ${params.scanId}`);
    return reportResult(report, query.format);
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
    const limit = query.limit ?? 20;
    let afterRowKey: string | undefined;
    if (query.continuationToken !== undefined) {
      afterRowKey = decodeContinuationToken(query.continuationToken);
      if (!afterRowKey) {
        throw new ProblemError("ValidationFailed", "continuationToken is not a token from a previous page", [
          { path: "/query/continuationToken", message: "must be a continuationToken returned by a previous page" },
        ]);
      }
    }
    const page = await historyOf(getServices()).listScans({ limit, ...(afterRowKey ? { afterRowKey } : {}) });
    return { status: 200, json: { items: page.items.map(withLinks), ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}) } };
  },
});

export const getTargetDrift = defineRoute({
  name: "getTargetDrift",
  method: "GET",
  route: "targets/{targetId}/drift",
  authLevel: "function",
  tags: ["targets"],
  summary: "A fresh audit of one target",
  description:
    "Scans the target's subscription now and returns a report restricted to that target (the ARM id URL-encoded in the path). Nothing is stored and nothing is sent: this is a read.",
  params: TargetParams,
  query: ReportQuery,
  responses: { 200: reportResponse("A report with exactly one target.") },
  problems: ["ValidationFailed", "UnexpectedBody", "PayloadTooLarge", "TargetNotFound", "FormatNotAvailable", "ArmUnreachable", "ConfigurationError", "InternalError"],
  spendsArmBudget: true,
  async handle({ params, query }) {
    requireFormat(query.format);
    const sub = subscriptionOf(params.targetId);
    const report = await getServices().scan({ subscriptionIds: [sub], timeLimitInMs: HTTP_SCAN_TIME_LIMIT_IN_MS });
    if (!report.targets.some((t) => t.id.toLowerCase() === params.targetId.toLowerCase())) {
      const unreadable = report.errors.length;
      throw new ProblemError(
        "TargetNotFound",
        `no cluster pool or AKS cluster ${params.targetId} was found in subscription ${sub}` +
          (unreadable ? ` (${unreadable} read(s) failed, so it may exist but be unreadable to this identity)` : ""),
      );
    }
    return reportResult(restrictToTargets(report, [params.targetId]), query.format);
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

export const getOpenApi = defineRoute({
  name: "getOpenApi",
  method: "GET",
  route: "openapi.json",
  authLevel: "function",
  tags: ["meta"],
  summary: "This API's OpenAPI 3.1 document",
  query: KeyOnlyQuery,
  responses: { 200: { description: "OpenAPI 3.1 document, generated from the route schemas.", schema: OpenApiDocument } },
  problems: ["ValidationFailed", "UnexpectedBody", "PayloadTooLarge", "InternalError"],
  // eslint-disable-next-line @typescript-eslint/require-await -- every handler is async by contract
  async handle(_input, ctx) {
    return { status: 200, json: buildOpenApi(allRoutes(), { version: serviceVersion(), serverUrl: ctx.origin ? `${ctx.origin}/api` : "/api" }) };
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
    return { status: 200, json: { status: "ok", version: serviceVersion(), time: new Date().toISOString() } };
  },
});

/** Every route, in documentation order. */
export function allRoutes(): CompiledRoute[] {
  return [startScan, getLatestScan, getScan, listScans, getTargetDrift, listChecks, getOpenApi, health];
}

/** HTML pages: served like the routes above (same pipeline, same keys), not in the OpenAPI document. */
export function pageRoutes(): CompiledRoute[] {
  return [dashboard];
}
