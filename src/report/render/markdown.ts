/**
 * GitHub-flavoured Markdown rendering of a drift report, for pull-request comments and wikis:
 * a summary table, one section per drifted or unknown target listing its failing and unknown
 * findings (with the remediation of each failing check, from the report's catalog `checks`), the
 * passing findings folded in a `<details>` block, then the read errors. Evidence is not shown
 * (the JSON, HTML and CSV forms carry it).
 *
 * Every value from the report is escaped (`escapeMarkdown` and `markdownCode` in `common.ts`;
 * `escapeHtml` inside the raw-HTML `<summary>` lines), statuses and times included, and those
 * sanitise first: a resource name or ARM error message cannot break a table, start a link,
 * inject HTML into the comment, carry control or bidi characters, or start a line, in a cell or
 * out of one (its line breaks show as `\n`, like every control character, as a visible escape).
 */
import { summaryLine, type CheckCatalog, type DriftReport, type ReportFinding, type TargetReport } from "../report.js";
import { countByStatus, escapeHtml, escapeMarkdown as md, markdownCode as code, remediationOf, shortId, sortFindings, sortTargets, suppressionText } from "./common.js";

/** Renders the report as GitHub-flavoured Markdown. */
export function renderMarkdown(report: DriftReport): string {
  const s = report.summary;
  const out: string[] = [];
  out.push("## egress-audit drift report", "");
  out.push(
    `${s.drifted ? `**${s.drifted} of ${s.targets} targets drifted**` : `No drift in ${s.targets} targets`}` +
      (s.unknown ? `, ${s.unknown} could not be fully audited` : "") +
      `. Scan ${code(report.scanId)}, ${md(report.startedAt)} to ${md(report.finishedAt)}, ` +
      `${report.scope.subscriptions.length} subscription${report.scope.subscriptions.length === 1 ? "" : "s"}.`,
    "",
  );
  out.push("| Targets | Compliant | Drifted | Unknown | Failing findings | Unknown findings | Passing findings |");
  out.push("|---:|---:|---:|---:|---:|---:|---:|");
  out.push(`| ${s.targets} | ${s.compliant} | ${s.drifted} | ${s.unknown} | ${s.findings.fail} | ${s.findings.unknown} | ${s.findings.pass} |`);
  out.push("");

  const targets = sortTargets(report.targets);
  const attention = targets.filter((t) => t.status !== "compliant" || t.findings.some((f) => f.status !== "pass"));
  if (attention.length) {
    out.push("### Targets needing attention", "");
    for (const t of attention) out.push(...targetSection(t, report.checks));
  }

  const passing = targets.flatMap((t) => t.findings.filter((f) => f.status === "pass").map((f) => [t, f] as const));
  const compliant = targets.filter((t) => t.status === "compliant");
  if (passing.length || compliant.length) {
    out.push(
      `<details><summary>${passing.length} passing finding${passing.length === 1 ? "" : "s"}` +
        ` (${compliant.length} compliant target${compliant.length === 1 ? "" : "s"})</summary>`,
      "",
    );
    if (passing.length) {
      out.push("| Target | Check | Resource | Actual |", "|---|---|---|---|");
      for (const [t, f] of passing) out.push(`| ${md(t.name)} | ${code(f.checkId)} | ${code(shortId(f.resourceId))} | ${md(f.actual)} |`);
    } else {
      out.push("No passing findings.");
    }
    out.push("", "</details>", "");
  }

  if (report.expiredSuppressions?.length) {
    out.push(`### Expired suppressions (${report.expiredSuppressions.length})`, "");
    out.push("These no longer apply: the failures they matched are reported as drift.", "");
    out.push("| Check | Resource | Expired | Owner | Reason | Matching failures |", "|---|---|---|---|---|---|");
    for (const x of report.expiredSuppressions) {
      out.push(`| ${code(x.checkId)} | ${code(x.resourceId)} | ${md(x.expires)} | ${md(x.owner)} | ${md(x.reason)} | ${x.matchingFindingIds.length} |`);
    }
    out.push("");
  }
  if (report.errors.length) {
    out.push(`### Read errors (${report.errors.length})`, "");
    out.push("Findings that needed these reads are `unknown`, never `pass`.", "");
    out.push("| Code | Scope | Message |", "|---|---|---|");
    for (const e of report.errors) out.push(`| ${code(e.code)} | ${code(e.scope)} | ${md(e.message)} |`);
    out.push("");
  }

  out.push(`<sub>${md(summaryLine(report))}</sub>`, "");
  return out.join("\n");
}

function targetSection(t: TargetReport, checks: CheckCatalog | undefined): string[] {
  const counts = countByStatus(t.findings);
  const out: string[] = [];
  out.push(`#### ${md(t.name)}: ${md(t.status)}`, "");
  out.push(
    `${t.kind === "clusterPool" ? "Cluster pool" : "AKS cluster"} ${code(t.id)}; ` +
      `${counts.fail} failing, ${counts.unknown} unknown, ${counts.pass} passing.`,
    "",
  );
  const shown = sortFindings(t.findings.filter((f) => f.status !== "pass"));
  if (!shown.length) {
    out.push("No failing or unknown findings.", "");
    return out;
  }
  out.push("| Status | Severity | Check | Resource | Expected | Actual | Finding |", "|---|---|---|---|---|---|---|");
  for (const f of shown) out.push(row(f));
  out.push("");
  // The remediation is the catalog's, once per check (a check the catalog does not hold has none to show).
  const fixes = new Map<string, string>();
  for (const f of shown) if (f.status === "fail" && !fixes.has(f.checkId)) fixes.set(f.checkId, remediationOf(checks, f.checkId));
  for (const [checkId, remediation] of fixes) {
    if (!remediation) continue;
    out.push(`<details><summary>How to fix ${escapeHtml(checkId)}</summary>`, "", md(remediation), "", "</details>", "");
  }
  return out;
}

function row(f: ReportFinding): string {
  const status = f.suppressed ? `${md(f.status)} (suppressed: ${md(suppressionText(f.suppressed))})` : `**${md(f.status)}**`;
  return `| ${status} | ${md(f.severity)} | ${code(f.checkId)} | ${code(shortId(f.resourceId))} | ${md(f.expected)} | ${md(f.actual)} | ${md(f.message)} |`;
}
