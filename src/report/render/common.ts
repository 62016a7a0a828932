/** Helpers shared by the renderers: ordering, short ids, escaping, counting. */
import type { Finding, FindingStatus, Severity } from "../../checks/lib/types.js";
import type { TargetReport, TargetStatus } from "../report.js";

const targetRank: Record<TargetStatus, number> = { drifted: 0, unknown: 1, compliant: 2 };
const findingRank: Record<FindingStatus, number> = { fail: 0, unknown: 1, pass: 2 };
const severityRank: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

/** Drifted targets first, then unknown, then compliant; by name within a status. */
export function sortTargets(targets: readonly TargetReport[]): TargetReport[] {
  return [...targets].sort((a, b) => targetRank[a.status] - targetRank[b.status] || a.name.localeCompare(b.name));
}

/** Failing findings first, then unknown, then passing; the most severe first within a status. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
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

/** Text for HTML element content and (double-quoted) attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/**
 * Text as literal Markdown (GFM), safe inside a table cell: inline syntax is backslash-escaped,
 * HTML is turned into entities (GitHub would otherwise render or strip it), `|` cannot end the
 * cell and line breaks become `<br>` (a raw newline would end the table row).
 */
export function escapeMarkdown(text: string, newline: "<br>" | " " = "<br>"): string {
  return text
    .replace(/[\\`*_[\]~|#!]/g, (c) => `\\${c}`)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\r\n|\r|\n/g, newline);
}

/** An inline code span safe in a GFM table cell (backticks fenced, `|` escaped, one line). */
export function markdownCode(text: string): string {
  const flat = text.replace(/\r\n|\r|\n/g, " ").replace(/\|/g, "\\|");
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** Findings of a target by status. */
export function countByStatus(findings: readonly Finding[]): Record<FindingStatus, number> {
  const counts: Record<FindingStatus, number> = { fail: 0, unknown: 0, pass: 0 };
  for (const f of findings) counts[f.status] += 1;
  return counts;
}

/** A suppression in words: `reason (owner, until 2026-12-31)`. */
export function suppressionText(s: NonNullable<Finding["suppressed"]>): string {
  return `${s.reason} (${s.owner}${s.expires ? `, until ${s.expires}` : ""})`;
}
