import Table from "cli-table3";
import pc from "picocolors";
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
        : c.green(status);

  const out: string[] = [];
  out.push(c.bold(`egress-audit drift report ${report.scanId}`));
  out.push(`scope: ${report.scope.subscriptions.join(", ") || "(none)"}`);
  out.push("");

  const targets = sortTargets(report.targets);
  for (const t of targets) {
    const passes = t.findings.filter((f) => f.status === "pass").length;
    out.push(`${c.bold(clean(t.name))} (${t.kind}, ${t.subscriptionId}) ${paint(t.status)}  ${passes} pass`);
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
          f.severity,
          f.checkId,
          shortId(f.resourceId),
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

/**
 * Text from ARM (names, error messages) without control characters, so a crafted value cannot
 * move the cursor, recolour or clear the terminal (an ANSI escape starts with ESC, U+001B).
 */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, "\uFFFD");
}
