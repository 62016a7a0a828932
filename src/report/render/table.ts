import Table from "cli-table3";
import pc from "picocolors";
import type { Finding } from "../../checks/types.js";
import { summaryLine, type DriftReport, type TargetStatus } from "../report.js";

/** Options of the terminal table renderer. */
export interface TableOptions {
  /** Colour (ANSI). Callers pass false for NO_COLOR, non-TTY and files. */
  color?: boolean;
  /** Also list passing findings (default: only fail and unknown). */
  verbose?: boolean;
  /** Terminal width; long cells wrap to fit. */
  width?: number;
}

const statusOrder: Record<TargetStatus, number> = { drifted: 0, unknown: 1, compliant: 2 };

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

/** Renders a drift report as text tables: one per target, failing and unknown findings first. */
export function renderTable(report: DriftReport, options: TableOptions = {}): string {
  const color = options.color ?? false;
  const c = color ? pc : pc.createColors(false);
  const width = Math.max(80, options.width ?? 120);
  const paint = (status: string): string =>
    status === "fail" || status === "drifted"
      ? c.red(status)
      : status === "unknown"
        ? c.yellow(status)
        : c.green(status);

  const out: string[] = [];
  out.push(c.bold(`egress-audit drift report ${report.scanId}`));
  out.push(`scope: ${report.scope.subscriptions.join(", ") || "(none)"}`);
  out.push("");

  const targets = [...report.targets].sort((a, b) => statusOrder[a.status] - statusOrder[b.status] || a.name.localeCompare(b.name));
  for (const t of targets) {
    const passes = t.findings.filter((f) => f.status === "pass").length;
    out.push(`${c.bold(t.name)} (${t.kind}, ${t.subscriptionId}) ${paint(t.status)}  ${passes} pass`);
    const shown = t.findings.filter((f) => options.verbose || f.status !== "pass" || f.suppressed);
    if (shown.length) {
      // Fixed columns plus the two value columns sharing what is left of the width.
      const rest = Math.max(30, width - 8 - 10 - 24 - 28 - 8);
      const table = new Table({
        head: ["status", "severity", "check", "resource", "expected", "actual"],
        colWidths: [9, 10, 24, 28, Math.floor(rest / 2), Math.ceil(rest / 2)],
        wordWrap: true,
        style: { head: color ? ["cyan"] : [], border: color ? ["grey"] : [] },
      });
      for (const f of sortFindings(shown)) {
        table.push([
          f.suppressed ? `${paint(f.status)}*` : paint(f.status),
          f.severity,
          f.checkId,
          shortId(f.resourceId),
          f.expected,
          f.actual,
        ]);
      }
      out.push(table.toString());
      for (const f of shown) if (f.status !== "pass") out.push(`  - ${f.message}`);
    }
    out.push("");
  }
  if (targets.some((t) => t.findings.some((f) => f.suppressed))) out.push("* suppressed by the baseline");
  if (report.errors.length) {
    out.push(c.bold(`read errors (${report.errors.length}):`));
    for (const e of report.errors) out.push(`  ${c.yellow(e.code)} ${e.scope}: ${e.message}`);
    out.push("");
  }
  out.push(summaryLine(report));
  return out.join("\n") + "\n";
}

const rank: Record<string, number> = { fail: 0, unknown: 1, pass: 2 };
function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort((a, b) => (rank[a.status] ?? 3) - (rank[b.status] ?? 3));
}
