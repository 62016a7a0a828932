/**
 * CSV rendering of a drift report: one row per finding (every status), for spreadsheets and BI.
 *
 * RFC 4180: a header row, CRLF line ends (also after the last row), a quote inside a field is
 * doubled. UTF-8 without a BOM. Every data field is quoted, whatever it holds: a reader that
 * splits on another list separator (`;` in locales with a decimal comma, tab) cannot split a
 * field, so no part of a value can start a cell of its own. The header row is the fixed column
 * names (ASCII identifiers, no separator), written bare so the documented header line stays as
 * it was.
 *
 * Every value first goes through the one sanitiser (`util/sanitize.ts`): control characters,
 * CR and LF among them, bidi controls and line separators become visible escapes (`\n`,
 * `\u001b`, `\u202e`), so a record is exactly one line and nothing in a field can forge a line
 * for a line-based reader (`grep`, a terminal's `cat`), move the cursor or reorder text. The
 * `evidence` column is JSON; the escapes are JSON's own, so it still parses to the exact value.
 *
 * Formula injection guard (OWASP "CSV injection"): a spreadsheet runs a cell that starts with
 * `=`, `+`, `-` or `@` as a formula, tab, CR, LF or NUL can smuggle one in, and some spreadsheets
 * (CJK input) treat the full-width `＝ ＋ － ＠` (U+FF1D, U+FF0B, U+FF0D, U+FF20) the same way.
 * Finding text comes from ARM (resource names, tags, error messages), which whoever can write
 * the resource controls, so every cell that (after sanitising) starts with one of those gets a
 * leading `'` (the quote-prefix that spreadsheets show as text). A consumer that needs the raw
 * value strips one leading `'` from a cell whose second character is one of those. No cell of
 * ours is numeric, so nothing is lost. The JSON report carries every value exactly.
 *
 * A target without findings still gets one row (finding columns empty), so every target
 * appears. Report-level read errors are not rows: they are in the other formats.
 *
 * Report version 2: the columns are those of version 1. The `remediation` column of a fail or
 * unknown finding is its check's remediation from the report's catalog (`checks`; empty for a
 * check the catalog does not hold); a pass row leaves it empty (nothing to fix, and repeating the
 * catalog's text on every pass made most of the file). The `evidence` column is empty for a
 * finding without evidence (a pass, unless the scan kept pass evidence with `--evidence all`).
 */
import { safeLine } from "../../util/sanitize.js";
import type { DriftReport, ReportFinding, TargetReport } from "../report.js";
import { evidenceOf, remediationOf } from "./common.js";

/** The columns, in order: the header row. */
export const csvColumns = [
  "scanId",
  "targetId",
  "targetName",
  "targetKind",
  "subscriptionId",
  "targetStatus",
  "findingId",
  "checkId",
  "status",
  "severity",
  "resourceId",
  "message",
  "expected",
  "actual",
  "suppressed",
  "suppressionReason",
  "suppressionOwner",
  "suppressionExpires",
  "remediation",
  "evidence",
] as const;

export type CsvColumn = (typeof csvColumns)[number];

const CRLF = "\r\n";
/** A cell a spreadsheet would run as a formula (the full-width forms too). */
export const formulaStart = /^[=+\-@\t\r\n\0\uff1d\uff0b\uff0d\uff20]/;

/** Renders the report as RFC 4180 CSV. */
export function renderCsv(report: DriftReport): string {
  const lines = [csvColumns.join(",")];
  for (const t of report.targets) {
    const rows: ReadonlyArray<ReportFinding | undefined> = t.findings.length ? t.findings : [undefined];
    for (const f of rows) {
      const row = rowOf(report, t, f);
      lines.push(csvColumns.map((c) => csvField(row[c])).join(","));
    }
  }
  return lines.join(CRLF) + CRLF;
}

function rowOf(report: DriftReport, t: TargetReport, f: ReportFinding | undefined): Record<CsvColumn, string> {
  const evidence = f ? evidenceOf(f) : undefined;
  return {
    scanId: report.scanId,
    targetId: t.id,
    targetName: t.name,
    targetKind: t.kind,
    subscriptionId: t.subscriptionId,
    targetStatus: t.status,
    findingId: f?.id ?? "",
    checkId: f?.checkId ?? "",
    status: f?.status ?? "",
    severity: f?.severity ?? "",
    resourceId: f?.resourceId ?? "",
    message: f?.message ?? "",
    expected: f?.expected ?? "",
    actual: f?.actual ?? "",
    suppressed: f ? String(!!f.suppressed) : "",
    suppressionReason: f?.suppressed?.reason ?? "",
    suppressionOwner: f?.suppressed?.owner ?? "",
    suppressionExpires: f?.suppressed?.expires ?? "",
    remediation: f && f.status !== "pass" ? remediationOf(report.checks, f.checkId) : "",
    evidence: evidence ? JSON.stringify(evidence) : "",
  };
}

/** One data field: sanitised to one line, injection-guarded, quoted (inner quotes doubled). */
export function csvField(value: string): string {
  const line = safeLine(value);
  const guarded = formulaStart.test(line) ? `'${line}` : line;
  return `"${guarded.replace(/"/g, '""')}"`;
}
