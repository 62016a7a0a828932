/**
 * Terminal rendering of a drift report: one table per target, failing and unknown findings first.
 *
 * Every value from the report goes through the one sanitiser (`safeLine`, here `clean`), the
 * resource column and the scope line included: control characters (ESC, so no ANSI or OSC 52
 * sequence), bidi controls and line breaks show as visible escapes (`\u001b`, `\u202e`, `\n`), so
 * a crafted name cannot drive the terminal, reorder what is shown or forge a line.
 */
import Table from "cli-table3";
import pc from "picocolors";
import { safeLine as clean } from "../../util/sanitize.js";
import { summaryLine, type DriftReport } from "../report.js";
import { shortId, sortFindings, sortTargets, suppressionText } from "./common.js";

/** Options of the terminal table renderer. */
export interface TableOptions {
  /** Colour (ANSI). Callers pass false for NO_COLOR, non-TTY and files. */
  color?: boolean;
  /** Also list passing findings (default: only fail and unknown). */
  verbose?: boolean;
  /** Terminal width; long cells wrap to fit. */
  width?: number;
}

/** Kept here for callers that imported it from the table renderer. */
export { shortId };

/** Renders a drift report as text tables: one per target, failing and unknown findings first. */
export function renderTable(report: DriftReport, options: TableOptions = {}): string {
  const color = options.color ?? false;
  // createColors(true), not the default export: that one is off whenever the process itself has no TTY.
  const c = pc.createColors(color);
  const width = Math.max(80, options.width ?? 120);
  const paint = (status: string): string =>
    status === "fail" || status === "drifted"
      ? c.red(status)
      : status === "unknown"
        ? c.yellow(status)
        : c.green(clean(status));

  const out: string[] = [];
  out.push(c.bold(`egress-audit drift report ${clean(report.scanId)}`));
  out.push(`scope: ${report.scope.subscriptions.map(clean).join(", ") || "(none)"}`);
  out.push("");

  const targets = sortTargets(report.targets);
  for (const t of targets) {
    const passes = t.findings.filter((f) => f.status === "pass").length;
    out.push(`${c.bold(clean(t.name))} (${clean(t.kind)}, ${clean(t.subscriptionId)}) ${paint(t.status)}  ${passes} pass`);
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
      const sorted = sortFindings(shown);
      for (const f of sorted) {
        table.push([
          f.suppressed ? `${paint(f.status)}*` : paint(f.status),
          clean(f.severity),
          clean(f.checkId),
          clean(shortId(f.resourceId)),
          clean(f.expected),
          clean(f.actual),
        ]);
      }
      out.push(table.toString());
      for (const f of sorted) {
        if (f.status === "pass") continue;
        const why = f.suppressed ? ` [suppressed: ${clean(suppressionText(f.suppressed))}]` : "";
        out.push(`  - ${clean(f.message)}${why}`);
      }
    }
    out.push("");
  }
  if (targets.some((t) => t.findings.some((f) => f.suppressed))) out.push("* suppressed by the baseline");
  if (report.expiredSuppressions?.length) {
    out.push(c.bold(`expired suppressions (${report.expiredSuppressions.length}), no longer applied:`));
    for (const x of report.expiredSuppressions) {
      out.push(
        `  ${c.yellow(clean(x.checkId))} ${clean(x.resourceId)}: expired ${clean(x.expires)} (owner ${clean(x.owner)}: ${clean(x.reason)}); ` +
          `${x.matchingFindingIds.length} failing finding(s) it matched`,
      );
    }
    out.push("");
  }
  if (report.errors.length) {
    out.push(c.bold(`read errors (${report.errors.length}):`));
    for (const e of report.errors) out.push(`  ${c.yellow(clean(e.code))} ${clean(e.scope)}: ${clean(e.message)}`);
    out.push("");
  }
  out.push(summaryLine(report));
  return out.join("\n") + "\n";
}
