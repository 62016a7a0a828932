/**
 * `?format=` negotiation for report responses. JSON is built in and streamed (src/report/stream.ts:
 * the head, then the targets one per line, never one string, whatever the report's size); SARIF,
 * CSV and Markdown come from the report renderers (`src/report/render/index.ts`), the same ones the
 * CLI's `--format` uses. A format with no renderer answers 406.
 *
 * `?evidence=`: pass findings carry their evidence only with `all`; a stored report that did not
 * keep it answers 409 `EvidenceNotKept` rather than a report that silently lacks it.
 */
import { isComplete } from "../app/reportPaging.js";
import type { StoredReport } from "../app/scanHistory.js";
import { renderers } from "../report/render/index.js";
import { toReportFinding, type DriftReport, type EvidenceMode, type TargetReport } from "../report/report.js";
import { reportJsonChunks, type StreamedReport } from "../report/stream.js";
import type { ReportFormatName } from "./schemas.js";
import { ProblemError } from "./problem.js";
import type { RouteResult } from "./route.js";

export { isComplete } from "../app/reportPaging.js";

/** A way to render a report as a response body (formats other than JSON, which is streamed). */
export interface ReportRenderer {
  /** Media type of the rendered body, e.g. `text/csv; charset=utf-8`. */
  contentType: string;
  render(report: DriftReport): string;
}

/** Media type of the streamed JSON report. */
export const JSON_REPORT_CONTENT_TYPE = "application/json; charset=utf-8";

const registry = new Map<ReportFormatName, ReportRenderer>(
  // The shared renderer registry (also behind the CLI's --format): the formats the API offers.
  (["sarif", "csv", "markdown"] as const).map((name) => [name, { contentType: renderers[name].contentType, render: (r: DriftReport) => renderers[name].render(r) }] as const),
);

/** Makes a format available (or replaces its renderer). JSON is always the streamed report. */
export function registerReportFormat(name: Exclude<ReportFormatName, "json">, renderer: ReportRenderer): void {
  registry.set(name, renderer);
}

/** Formats available in this build. */
export function availableFormats(): ReportFormatName[] {
  return ["json", ...registry.keys()];
}

/** Options of {@link reportResult}. */
export interface ReportResultOptions {
  /** `all`: pass findings keep their evidence (default `failures`: only fail and unknown evidence). */
  evidence?: EvidenceMode;
}

async function* withEvidence(targets: StreamedReport["targets"], mode: EvidenceMode): AsyncGenerator<TargetReport> {
  for await (const t of targets) yield { ...t, findings: t.findings.map((f) => toReportFinding(f, mode)) };
}

/**
 * Answers `report` (in memory, or a stream over stored pages) in `format`: JSON streamed, other
 * formats rendered; 406 `FormatNotAvailable` when no renderer exists for it, 409 `EvidenceNotKept`
 * when pass evidence is asked of a stored report that did not keep it.
 */
export async function reportResult(
  report: StreamedReport | DriftReport | StoredReport,
  format: ReportFormatName | undefined,
  status = 200,
  extraHeaders: Record<string, string> = {},
  options: ReportResultOptions = {},
): Promise<RouteResult> {
  const name = format ?? "json";
  const renderer = name === "json" ? undefined : registry.get(name);
  if (name !== "json" && !renderer) {
    throw new ProblemError("FormatNotAvailable", `format ${name} is not available in this build; available: ${availableFormats().join(", ")}`);
  }
  const evidence = options.evidence ?? "failures";
  if (evidence === "all" && "evidenceKept" in report && report.evidenceKept !== "all") {
    throw new ProblemError("EvidenceNotKept", `scan ${report.scanId} was stored without pass evidence; ask without evidence=all, or run a scan with evidence=all`);
  }
  const headers = { "x-scan-complete": String(isComplete(report)), ...extraHeaders };
  const { targets, ...head } = report as StreamedReport & { evidenceKept?: unknown };
  delete head.evidenceKept;
  const shown = withEvidence(targets, evidence);
  if (!renderer) return { status, stream: { contentType: JSON_REPORT_CONTENT_TYPE, chunks: reportJsonChunks({ ...head, targets: shown }) }, headers };
  // A renderer takes the report in memory (its output is one string anyway): the targets, not one JSON text.
  const all: TargetReport[] = [];
  for await (const t of shown) all.push(t);
  return { status, text: { contentType: renderer.contentType, body: renderer.render({ ...head, targets: all }) }, headers };
}
