/**
 * `?format=` negotiation for report responses: a registry of renderers by format name. JSON is
 * built in; SARIF, CSV and Markdown come from the report renderers (`src/report/render/index.ts`),
 * the same ones the CLI's `--format` uses. A format with no renderer answers 406.
 */
import { renderers } from "../report/render/index.js";
import type { DriftReport } from "../report/report.js";
import type { ReportFormatName } from "./schemas.js";
import { ProblemError } from "./problem.js";
import type { RouteResult } from "./route.js";

/** A way to render a report as a response body. */
export interface ReportRenderer {
  /** Media type of the rendered body, e.g. `text/csv; charset=utf-8`. */
  contentType: string;
  render(report: DriftReport): string;
}

const registry = new Map<ReportFormatName, ReportRenderer>([
  // Compact: an API response, not a file for people.
  ["json", { contentType: "application/json; charset=utf-8", render: (r) => JSON.stringify(r) }],
  // The shared renderer registry (also behind the CLI's --format): the formats the API offers.
  ...(["sarif", "csv", "markdown"] as const).map(
    (name) => [name, { contentType: renderers[name].contentType, render: (r: DriftReport) => renderers[name].render(r) }] as const,
  ),
]);

/** Makes a format available (or replaces its renderer). */
export function registerReportFormat(name: ReportFormatName, renderer: ReportRenderer): void {
  registry.set(name, renderer);
}

/** Formats available in this build. */
export function availableFormats(): ReportFormatName[] {
  return [...registry.keys()];
}

/**
 * Whether a report is complete: every read succeeded and nothing is `unknown` (the condition the
 * CLI's exit code 2 reports). Sent as `X-Scan-Complete` with every report.
 */
export function isComplete(report: DriftReport): boolean {
  return report.errors.length === 0 && report.summary.unknown === 0 && report.summary.findings.unknown === 0;
}

/** Answers `report` in `format`, or 406 `FormatNotAvailable` when no renderer exists for it. */
export function reportResult(report: DriftReport, format: ReportFormatName | undefined, status = 200, extraHeaders: Record<string, string> = {}): RouteResult {
  const name = format ?? "json";
  const renderer = registry.get(name);
  if (!renderer) {
    throw new ProblemError("FormatNotAvailable", `format ${name} is not available in this build; available: ${availableFormats().join(", ")}`);
  }
  const headers = { "x-scan-complete": String(isComplete(report)), ...extraHeaders };
  if (name === "json") return { status, json: report, headers };
  return { status, text: { contentType: renderer.contentType, body: renderer.render(report) }, headers };
}
