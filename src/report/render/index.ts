/**
 * The report renderers, by format: what `egress-audit scan --format` and the API's `?format=`
 * offer. Each renderer is pure (report in, text out) and says how to serve or save its output.
 * JSON is written as a stream ({@link JsonRenderer.stream}): a report of any size, never one
 * string; the text formats render an in-memory report.
 */
import type { DriftReport } from "../report.js";
import { reportJsonChunks, reportJsonTextSync, type ReportStreamOptions, type StreamedReport } from "../stream.js";
import { renderCsv } from "./csv.js";
import { renderHtml } from "./html.js";
import { renderMarkdown } from "./markdown.js";
import { renderSarif } from "./sarif.js";
import { renderTable } from "./table.js";
import type { SarifBaselineFile } from "./sarifLocations.js";
import type { ToolInfo } from "./tool.js";

/** Every format, in the order of the DESIGN contract. */
export const formats = ["json", "table", "markdown", "sarif", "csv", "html"] as const;

/** A report format. */
export type Format = (typeof formats)[number];

/** Options of a renderer; each ignores what does not apply to it. */
export interface RenderOptions {
  /**
   * List passing findings too. `table`: adds them to each target's table; `sarif`: emits them as
   * `kind: "pass"` results. `json`, `csv`, `markdown` and `html` always carry them (the last two
   * folded away).
   */
  includePasses?: boolean;
  /** `table` only: ANSI colour. Pass false for NO_COLOR, non-terminals, files and HTTP. */
  color?: boolean;
  /** `table` only: terminal width in columns (default 120, at least 80). */
  width?: number;
  /** `sarif` only: override the tool name, version or home page (default: package.json). */
  tool?: Partial<ToolInfo>;
  /** `sarif` only: the baseline file the scan used, to place suppressed and overridden results at its lines. */
  baselineFile?: SarifBaselineFile;
  /** `sarif` only: a repository-relative file to place the other results at (`--sarif-artifact`). */
  artifactUri?: string;
  /** `sarif` only: the exit code the invocation reports (default: the report's own). */
  exitCode?: number;
}

/** A renderer: the text and how to label it. */
export interface Renderer {
  /** MIME type for an HTTP `Content-Type`. */
  contentType: string;
  /** File extension, without the dot. */
  fileExtension: string;
  render(report: DriftReport, options?: RenderOptions): string;
}

/**
 * The JSON renderer: the report as written (report v2: head with the summary first, then one
 * target per line, then `sharedEvidence`; read it back with `readReport`/`parseReport`).
 */
export interface JsonRenderer extends Renderer {
  /**
   * The report's JSON text in chunks of about 64 KB, targets taken one at a time from
   * `report.targets` (an array, or any async iterable: a spool, stored pages). Joined, the
   * chunks are the text {@link render} gives. Pipe them to a file, stdout, an HTTP response or a
   * gzip stream (`writeReportJson` in src/report/stream.ts does it with backpressure).
   */
  stream(report: StreamedReport, options?: ReportStreamOptions): AsyncGenerator<string>;
  /**
   * The same text as one string: only for small in-memory reports (tests, a one-target audit).
   * A scan's report goes through {@link stream}.
   */
  render(report: DriftReport): string;
}

const json: JsonRenderer = {
  contentType: "application/json; charset=utf-8",
  fileExtension: "json",
  stream: (report, options) => reportJsonChunks(report, options),
  render: (report) => reportJsonTextSync(report),
};

/** The renderer of each format. */
export const renderers: Readonly<Record<Exclude<Format, "json">, Renderer> & { json: JsonRenderer }> = Object.freeze({
  json,
  table: {
    contentType: "text/plain; charset=utf-8",
    fileExtension: "txt",
    render: (report: DriftReport, options: RenderOptions = {}) =>
      renderTable(report, {
        color: options.color ?? false,
        verbose: options.includePasses ?? false,
        ...(options.width !== undefined ? { width: options.width } : {}),
      }),
  },
  markdown: {
    contentType: "text/markdown; charset=utf-8; variant=GFM",
    fileExtension: "md",
    render: (report: DriftReport) => renderMarkdown(report),
  },
  sarif: {
    // Registered with IANA for SARIF 2.1.0.
    contentType: "application/sarif+json",
    fileExtension: "sarif",
    render: (report: DriftReport, options: RenderOptions = {}) =>
      renderSarif(report, {
        includePasses: options.includePasses ?? false,
        ...(options.tool ? { tool: options.tool } : {}),
        ...(options.baselineFile ? { baselineFile: options.baselineFile } : {}),
        ...(options.artifactUri ? { artifactUri: options.artifactUri } : {}),
        ...(options.exitCode !== undefined ? { exitCode: options.exitCode } : {}),
      }),
  },
  csv: {
    contentType: "text/csv; charset=utf-8; header=present",
    fileExtension: "csv",
    render: (report: DriftReport) => renderCsv(report),
  },
  html: {
    contentType: "text/html; charset=utf-8",
    fileExtension: "html",
    render: (report: DriftReport) => renderHtml(report),
  },
});

/** Whether a string names a format (for parsing `--format` and `?format=`). */
export function isFormat(value: string): value is Format {
  return (formats as readonly string[]).includes(value);
}
