/**
 * CSV rendering of a drift report: one row per finding (every status), for spreadsheets and BI.
 *
 * RFC 4180: a header row, CRLF line ends (also after the last row), a field is quoted when it
 * holds a comma, a double quote, CR or LF, and a quote inside is doubled. UTF-8 without a BOM.
 *
 * Formula injection guard (OWASP "CSV injection"): a spreadsheet runs a cell that starts with
 * `=`, `+`, `-` or `@` as a formula, and tab or CR can smuggle one in. Finding text comes from
 * ARM (resource names, tags, error messages), which whoever can write the resource controls, so
 * every cell that starts with one of `= + - @ \t \r` gets a leading `'` (the quote-prefix that
 * spreadsheets show as text). A consumer that needs the raw value strips one leading `'` from a
 * cell whose second character is one of those. No cell of ours is numeric, so nothing is lost.
 *
 * A target without findings still gets one row (finding columns empty), so every target
 * appears. Report-level read errors are not rows: they are in the other formats.
 */
import type { Finding } from "../../checks/lib/types.js";
import type { DriftReport, TargetReport } from "../report.js";

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
const formulaStart = /^[=+\-@\t\r]/;

/** Renders the report as RFC 4180 CSV. */
export function renderCsv(report: DriftReport): string {
  const lines = [csvColumns.map(csvField).join(",")];
  for (const t of report.targets) {
    const rows: Array<Finding | undefined> = t.findings.length ? t.findings : [undefined];
    for (const f of rows) {
      const row = rowOf(report, t, f);
      lines.push(csvColumns.map((c) => csvField(row[c])).join(","));
    }
  }
  return lines.join(CRLF) + CRLF;
}

function rowOf(report: DriftReport, t: TargetReport, f: Finding | undefined): Record<CsvColumn, string> {
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
    remediation: f?.remediation ?? "",
    evidence: f ? JSON.stringify(f.evidence) : "",
  };
}

/** One field: injection-guarded, then quoted when RFC 4180 requires it. */
export function csvField(value: string): string {
  const guarded = formulaStart.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}
