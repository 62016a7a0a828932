/**
 * HTML rendering of a drift report: one self-contained file to open from disk, attach to a ticket
 * or archive. No script, no external resource of any kind (no stylesheet, font, image or link
 * outside the page): the only style is one inline `<style>` element, pinned by a
 * Content-Security-Policy hash so the page cannot load anything even if a value slipped through.
 * Every value from the report is HTML-escaped by `escapeHtml`, which first runs the one sanitiser:
 * control and bidi characters and line breaks show as visible escapes (`\u202e`, `\n`), so a name
 * cannot reorder what the page shows or start a line of its own (the evidence `<pre>` keeps the
 * line breaks of its pretty-printed JSON, whose strings JSON has escaped).
 *
 * Check titles and remediation come from the report's catalog (`checks`), looked up by id; a check
 * the catalog does not hold shows its id and no remediation. Evidence is shown where a finding
 * carries it: fail and unknown findings always, passes when the scan kept their evidence.
 *
 * Accessibility: `lang`, one `h1` and a heading per section and target, data tables with a
 * caption and `th` scope, statuses in words (colour only repeats them), keyboard-scrollable
 * wide tables, colours that meet WCAG AA contrast in light and dark schemes (see
 * {@link htmlPalette}; the tests compute the ratios), and a layout that reflows to phone width.
 */
import { createHash } from "node:crypto";
import type { Severity } from "../../checks/lib/types.js";
import { summaryLine, type CheckCatalog, type DriftReport, type ReportFinding, type TargetReport } from "../report.js";
import { catalogEntry, countByStatus, evidenceOf, escapeHtml as h, escapeHtmlLines, remediationOf, shortId, sortFindings, sortTargets, suppressionText } from "./common.js";
import { toolInfo } from "./tool.js";

/** Colours of the page, per scheme; every text/background pair meets WCAG AA (4.5:1). */
export const htmlPalette = {
  light: {
    bg: "#ffffff",
    fg: "#1f2328",
    muted: "#59636e",
    border: "#d1d9e0",
    panel: "#f6f8fa",
    failFg: "#a40e26",
    failBg: "#ffebe9",
    unknownFg: "#7d4e00",
    unknownBg: "#fff8c5",
    passFg: "#116329",
    passBg: "#dafbe1",
  },
  dark: {
    bg: "#0d1117",
    fg: "#e6edf3",
    muted: "#9198a1",
    border: "#3d444d",
    panel: "#151b23",
    failFg: "#ffa198",
    failBg: "#3c1618",
    unknownFg: "#e3b341",
    unknownBg: "#2e2a12",
    passFg: "#7ee787",
    passBg: "#12261e",
  },
} as const;

/** The text/background pairs the stylesheet uses (for the contrast test). */
export const htmlContrastPairs: ReadonlyArray<readonly [keyof typeof htmlPalette.light, keyof typeof htmlPalette.light]> = [
  ["fg", "bg"],
  ["fg", "panel"],
  ["muted", "bg"],
  ["muted", "panel"],
  ["failFg", "failBg"],
  ["failFg", "bg"],
  ["unknownFg", "unknownBg"],
  ["unknownFg", "bg"],
  ["passFg", "passBg"],
  ["passFg", "bg"],
];

const severities: Severity[] = ["critical", "high", "medium", "low", "info"];

function vars(p: Record<string, string>): string {
  return Object.entries(p)
    .map(([k, v]) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}:${v}`)
    .join(";");
}

const css = [
  `:root{color-scheme:light dark;${vars(htmlPalette.light)}}`,
  `@media (prefers-color-scheme: dark){:root{${vars(htmlPalette.dark)}}}`,
  "*{box-sizing:border-box}",
  "body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}",
  "header,main,footer{max-width:80rem;margin:0 auto;padding:1rem}",
  "h1{font-size:1.75rem;margin:.5rem 0}h2{font-size:1.35rem;margin:2rem 0 .5rem;border-bottom:1px solid var(--border)}",
  "h3{font-size:1.1rem;margin:1.5rem 0 .25rem}",
  "p,dd{margin:.25rem 0}.meta{color:var(--muted)}",
  "code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.875em}",
  "pre{background:var(--panel);padding:.5rem;overflow:auto;white-space:pre-wrap;word-break:break-all}",
  ".tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.75rem;margin:1rem 0}",
  ".tiles div{background:var(--panel);border:1px solid var(--border);border-radius:.5rem;padding:.75rem}",
  ".tiles dt{color:var(--muted);font-size:.875rem}.tiles dd{font-size:1.75rem;font-weight:600}",
  ".scroll{overflow-x:auto;margin:.5rem 0}",
  ".scroll:focus{outline:2px solid var(--fg);outline-offset:2px}",
  "table{border-collapse:collapse;width:100%;font-size:.9375rem}",
  "caption{text-align:left;font-weight:600;padding:.25rem 0}",
  "th,td{border:1px solid var(--border);padding:.375rem .5rem;text-align:left;vertical-align:top}",
  "thead th{background:var(--panel)}td.num,th.num{text-align:right}",
  "td code{word-break:break-all}",
  ".status{display:inline-block;padding:0 .4rem;border-radius:.25rem;font-weight:600;white-space:nowrap}",
  ".fail,.drifted{color:var(--fail-fg);background:var(--fail-bg)}",
  ".unknown{color:var(--unknown-fg);background:var(--unknown-bg)}",
  ".pass,.compliant{color:var(--pass-fg);background:var(--pass-bg)}",
  "details{margin:.5rem 0}summary{cursor:pointer}",
  "a{color:inherit}",
  "@media (max-width:40rem){body{font-size:15px}header,main,footer{padding:.5rem}th,td{padding:.25rem}}",
  "@media print{.scroll{overflow:visible}details{display:block}}",
].join("\n");

const cssHash = createHash("sha256").update(css, "utf8").digest("base64");

/** The page's Content-Security-Policy: nothing may load; only the inline stylesheet applies. */
export const htmlCsp = `default-src 'none'; style-src 'sha256-${cssHash}'; base-uri 'none'; form-action 'none'`;

/** Renders the report as one self-contained HTML document. */
export function renderHtml(report: DriftReport): string {
  const s = report.summary;
  const tool = toolInfo();
  const targets = sortTargets(report.targets);
  const anchor = new Map(targets.map((t, i) => [t, `target-${i + 1}`]));
  const title = `Egress drift report: ${s.drifted} of ${s.targets} targets drifted`;

  const body: string[] = [];
  body.push(
    "<header>",
    `<h1>Egress drift report</h1>`,
    `<p class="meta">Scan <code>${h(report.scanId)}</code>, ` +
      `<time datetime="${h(report.startedAt)}">${h(report.startedAt)}</time> to ` +
      `<time datetime="${h(report.finishedAt)}">${h(report.finishedAt)}</time>; ` +
      `${report.scope.subscriptions.length} subscription(s): ${report.scope.subscriptions.map((id) => `<code>${h(id)}</code>`).join(", ") || "none"}.</p>`,
    "</header>",
    "<main>",
  );

  // Summary.
  body.push('<section aria-labelledby="summary"><h2 id="summary">Summary</h2>', '<dl class="tiles">');
  for (const [label, value, cls] of [
    ["Targets", s.targets, ""],
    ["Drifted", s.drifted, "drifted"],
    ["Unknown", s.unknown, "unknown"],
    ["Compliant", s.compliant, "compliant"],
    ["Failing findings", s.findings.fail, ""],
    ["Unknown findings", s.findings.unknown, ""],
  ] as const) {
    body.push(`<div><dt>${label}</dt><dd${cls && value ? ` class="${cls}"` : ""}>${value}</dd></div>`);
  }
  body.push("</dl>");
  body.push(...failingByCheck(report));
  body.push("</section>");

  // Target overview.
  body.push('<section aria-labelledby="targets"><h2 id="targets">Targets</h2>');
  body.push(
    scroll(
      "Targets",
      `<table><caption>Targets, drifted first</caption><thead><tr>` +
        `<th scope="col">Target</th><th scope="col">Kind</th><th scope="col">Subscription</th><th scope="col">Status</th>` +
        `<th scope="col" class="num">Failing</th><th scope="col" class="num">Unknown</th><th scope="col" class="num">Passing</th>` +
        `</tr></thead><tbody>` +
        targets
          .map((t) => {
            const c = countByStatus(t.findings);
            return (
              `<tr><th scope="row"><a href="#${anchor.get(t)}">${h(t.name)}</a></th><td>${kindLabel(t)}</td>` +
              `<td><code>${h(t.subscriptionId)}</code></td><td>${badge(t.status)}</td>` +
              `<td class="num">${c.fail}</td><td class="num">${c.unknown}</td><td class="num">${c.pass}</td></tr>`
            );
          })
          .join("") +
        `</tbody></table>`,
    ),
  );
  body.push("</section>");

  // One section per target.
  body.push('<section aria-labelledby="details"><h2 id="details">Findings by target</h2>');
  for (const t of targets) body.push(...targetSection(t, anchor.get(t)!, report.checks));
  body.push("</section>");

  if (report.errors.length) {
    body.push(
      '<section aria-labelledby="errors"><h2 id="errors">Read errors</h2>',
      "<p>Findings that needed these reads are <em>unknown</em>, never <em>pass</em>.</p>",
      scroll(
        "Read errors",
        `<table><caption>${report.errors.length} failed read(s)</caption><thead><tr><th scope="col">Code</th><th scope="col">Scope</th><th scope="col">Message</th></tr></thead><tbody>` +
          report.errors.map((e) => `<tr><td><code>${h(e.code)}</code></td><td><code>${h(e.scope)}</code></td><td>${h(e.message)}</td></tr>`).join("") +
          "</tbody></table>",
      ),
      "</section>",
    );
  }
  body.push("</main>");
  body.push(`<footer><p class="meta">${h(summaryLine(report))}. Generated by ${h(tool.name)} ${h(tool.version)}.</p></footer>`);

  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${h(htmlCsp)}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    `<title>${h(title)}</title>`,
    `<style>${css}</style>`,
    "</head>",
    "<body>",
    ...body,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

function failingByCheck(report: DriftReport): string[] {
  const counts = new Map<string, Record<Severity, number>>();
  for (const t of report.targets) {
    for (const f of t.findings) {
      if (f.status !== "fail") continue;
      const row = counts.get(f.checkId) ?? { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
      row[f.severity] += 1;
      counts.set(f.checkId, row);
    }
  }
  if (!counts.size) return ["<p>No failing findings.</p>"];
  const head = severities.map((sev) => `<th scope="col" class="num">${sev}</th>`).join("");
  const rows = [...counts]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([check, row]) => {
      const title = catalogEntry(report.checks, check)?.title;
      const named = typeof title === "string" && title !== "" && title !== check ? `<br><small>${h(title)}</small>` : "";
      return `<tr><th scope="row"><code>${h(check)}</code>${named}</th>${severities.map((sev) => `<td class="num">${row[sev]}</td>`).join("")}</tr>`;
    })
    .join("");
  return [
    scroll(
      "Failing findings by check and severity",
      `<table><caption>Failing findings by check and severity</caption><thead><tr><th scope="col">Check</th>${head}</tr></thead><tbody>${rows}</tbody></table>`,
    ),
  ];
}

function targetSection(t: TargetReport, id: string, checks: CheckCatalog | undefined): string[] {
  const c = countByStatus(t.findings);
  const open = sortFindings(t.findings.filter((f) => f.status !== "pass"));
  const passes = sortFindings(t.findings.filter((f) => f.status === "pass"));
  const out: string[] = [
    `<section aria-labelledby="${id}"><h3 id="${id}">${h(t.name)} ${badge(t.status)}</h3>`,
    `<p class="meta">${kindLabel(t)} <code>${h(t.id)}</code>; ${c.fail} failing, ${c.unknown} unknown, ${c.pass} passing.</p>`,
  ];
  if (open.length) out.push(findingTable(`Failing and unknown findings of ${t.name}`, open, checks));
  else out.push("<p>No failing or unknown findings.</p>");
  if (passes.length) {
    out.push(
      `<details><summary>${passes.length} passing finding(s)</summary>`,
      findingTable(`Passing findings of ${t.name}`, passes, undefined),
      "</details>",
    );
  }
  out.push("</section>");
  return out;
}

/**
 * A table of findings. With `fixes` (the catalog), each finding's details name its check's
 * remediation (when the catalog holds the check). Evidence is shown where the finding carries it:
 * always on fail and unknown findings, on passes only when the scan kept pass evidence.
 */
function findingTable(caption: string, findings: ReportFinding[], fixes: CheckCatalog | undefined): string {
  const rows = findings
    .map((f) => {
      const suppressed = f.suppressed ? `<br><small>suppressed: ${h(suppressionText(f.suppressed))}</small>` : "";
      const fix = fixes ? remediationOf(fixes, f.checkId) : "";
      const evidence = evidenceOf(f);
      const more =
        `<details><summary>Details</summary>` +
        `<p>Resource: <code>${h(f.resourceId)}</code></p>` +
        (fix ? `<p>Remediation: ${h(fix)}</p>` : "") +
        (evidence ? `<p>Evidence:</p><pre>${escapeHtmlLines(JSON.stringify(evidence, null, 2))}</pre>` : "") +
        `<p class="meta">Finding id <code>${h(f.id)}</code></p></details>`;
      return (
        `<tr><td>${badge(f.status)}${suppressed}</td><td>${h(f.severity)}</td><td><code>${h(f.checkId)}</code></td>` +
        `<td><code>${h(shortId(f.resourceId))}</code></td><td>${h(f.expected)}</td><td>${h(f.actual)}</td>` +
        `<td>${h(f.message)}${more}</td></tr>`
      );
    })
    .join("");
  return scroll(
    caption,
    `<table><caption>${h(caption)}</caption><thead><tr><th scope="col">Status</th><th scope="col">Severity</th><th scope="col">Check</th>` +
      `<th scope="col">Resource</th><th scope="col">Expected</th><th scope="col">Actual</th><th scope="col">Finding</th></tr></thead>` +
      `<tbody>${rows}</tbody></table>`,
  );
}

/** A wide table in a region that scrolls sideways and can be focused and scrolled by keyboard. */
function scroll(label: string, table: string): string {
  return `<div class="scroll" role="region" aria-label="${h(label)}" tabindex="0">${table}</div>`;
}

function badge(status: string): string {
  return `<span class="status ${h(status)}">${h(status)}</span>`;
}

function kindLabel(t: TargetReport): string {
  return t.kind === "clusterPool" ? "Cluster pool" : "AKS cluster";
}
