/**
 * Helpers shared by the renderers: ordering, short ids, escaping, counting, catalog lookups.
 *
 * The escaping helpers first pass text through the one sanitiser (`util/sanitize.ts`: control,
 * bidi and line-separator characters become visible escapes), then escape their own format, so
 * a renderer that escapes a value for its format has also neutralised it for the reader.
 */
import type { FindingStatus, Severity } from "../../checks/lib/types.js";
import { safeLine, safeLines } from "../../util/sanitize.js";
import type { CatalogEntry, CheckCatalog, ReportFinding, TargetReport, TargetStatus } from "../report.js";

const targetRank: Record<TargetStatus, number> = { drifted: 0, unknown: 1, compliant: 2 };
const findingRank: Record<FindingStatus, number> = { fail: 0, unknown: 1, pass: 2 };
const severityRank: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

/** Drifted targets first, then unknown, then compliant; by name within a status. */
export function sortTargets(targets: readonly TargetReport[]): TargetReport[] {
  return [...targets].sort((a, b) => targetRank[a.status] - targetRank[b.status] || a.name.localeCompare(b.name));
}

/** Failing findings first, then unknown, then passing; the most severe first within a status. */
export function sortFindings(findings: readonly ReportFinding[]): ReportFinding[] {
  return [...findings].sort(
    (a, b) => findingRank[a.status] - findingRank[b.status] || severityRank[a.severity] - severityRank[b.severity],
  );
}

/** Last segment(s) of an ARM id, enough for a person to recognise the resource. */
export function shortId(id: string): string {
  const parts = id.split("/").filter(Boolean);
  if (parts.length >= 2 && parts.length % 2 === 0) {
    const name = parts[parts.length - 1]!;
    const type = parts[parts.length - 2]!;
    if (/^resourcegroups$/i.test(type)) return `rg/${name}`;
    if (parts.length >= 10) return `${parts[parts.length - 3]}/${type}/${name}`;
    return `${type}/${name}`;
  }
  return id;
}

/**
 * Text for HTML element content and (double-quoted) attribute values: sanitised to one line (a
 * line break shows as `\n`, like every other control character), then `& < > " '` as entities.
 */
export function escapeHtml(text: string): string {
  return entities(safeLine(text));
}

/** {@link escapeHtml} for a `<pre>` block whose line breaks are meant (pretty-printed JSON). */
export function escapeHtmlLines(text: string): string {
  return entities(safeLines(text));
}

function entities(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/**
 * Text as literal Markdown (GFM), safe inside a table cell: sanitised first, then inline syntax
 * backslash-escaped, HTML turned into entities (GitHub would otherwise render or strip it) and
 * `|` escaped so it cannot end the cell. A line break in the text shows as `\n` (the default: a
 * value's own line break must neither start a line of the cell nor end the table row); our own
 * prose (a check's risk in SARIF help) may ask for a space instead.
 */
export function escapeMarkdown(text: string, newline: "escape" | " " = "escape"): string {
  const escaped = (newline === "escape" ? safeLine(text) : safeLines(text))
    .replace(/[\\`*_[\]~|#!]/g, (c) => `\\${c}`)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
  // Only `safeLines` leaves line breaks (as LF).
  return newline === "escape" ? escaped : escaped.replace(/\n/g, newline);
}

/**
 * An inline code span safe in a GFM table cell: one line (sanitised, so a line break shows as
 * `\n`), backticks fenced, `|` escaped.
 */
export function markdownCode(text: string): string {
  const flat = safeLine(text).replace(/\|/g, "\\|");
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** Findings of a target by status. */
export function countByStatus(findings: readonly ReportFinding[]): Record<FindingStatus, number> {
  const counts: Record<FindingStatus, number> = { fail: 0, unknown: 0, pass: 0 };
  for (const f of findings) counts[f.status] += 1;
  return counts;
}

/** A suppression in words: `reason (owner, until 2026-12-31)`. */
export function suppressionText(s: NonNullable<ReportFinding["suppressed"]>): string {
  return `${s.reason} (${s.owner}${s.expires ? `, until ${s.expires}` : ""})`;
}

/**
 * The catalog entry of a check, by id (one property lookup, so a renderer may ask per finding);
 * undefined when the report's catalog does not hold it (a check a newer or older build named, a
 * retired check of an upgraded version-1 report). Own properties only: a check id such as
 * `constructor` or `__proto__` never finds `Object.prototype`.
 */
export function catalogEntry(checks: CheckCatalog | undefined, checkId: string): CatalogEntry | undefined {
  return checks !== undefined && Object.hasOwn(checks, checkId) ? checks[checkId] : undefined;
}

/** A check's remediation from the catalog; empty when the catalog does not hold the check. */
export function remediationOf(checks: CheckCatalog | undefined, checkId: string): string {
  const text = catalogEntry(checks, checkId)?.remediation;
  return typeof text === "string" ? text : "";
}

/** A check's title from the catalog; the check id itself when the catalog does not hold it (or has no title). */
export function titleOf(checks: CheckCatalog | undefined, checkId: string): string {
  const text = catalogEntry(checks, checkId)?.title;
  return typeof text === "string" && text !== "" ? text : checkId;
}

/**
 * The evidence a finding carries, or undefined: absent on a pass unless the scan kept pass
 * evidence (`--evidence all`). A `null` from a hand-edited or foreign report counts as absent, so
 * no renderer prints a `null` placeholder.
 */
export function evidenceOf(f: Pick<ReportFinding, "evidence">): Record<string, unknown> | undefined {
  const e: unknown = f.evidence;
  return typeof e === "object" && e !== null ? (e as Record<string, unknown>) : undefined;
}
