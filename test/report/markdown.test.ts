/**
 * Markdown: tables keep their shape whatever the values hold (pipes, newlines, HTML), the
 * sections a pull-request reader needs are there, and passes are folded away.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { escapeMarkdown } from "../../src/report/render/common.js";
import { renderMarkdown } from "../../src/report/render/markdown.js";
import type { DriftReport } from "../../src/report/report.js";
import { demoReport, findings, hostileReport } from "./fixtures.js";
import { expectNeutral, FORGED_TEXT, poisonedReport } from "./hostile.js";

/** Cells of a GFM table row: split on `|` not preceded by a backslash. */
function cells(line: string): string[] {
  return line.replace(/^\|/, "").replace(/\|$/, "").split(/(?<!\\)\|/);
}

/** Every table of the document: consecutive lines starting with `|`. */
function tables(md: string): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  for (const line of md.split("\n")) {
    if (line.startsWith("|")) current.push(line);
    else if (current.length) {
      out.push(current);
      current = [];
    }
  }
  if (current.length) out.push(current);
  return out;
}

describe("Markdown", () => {
  let demo: DriftReport;
  beforeAll(async () => {
    demo = await demoReport();
  });

  it("every table row has as many cells as its header, hostile values included", () => {
    for (const md of [renderMarkdown(demo), renderMarkdown(hostileReport()), renderMarkdown(poisonedReport())]) {
      const all = tables(md);
      expect(all.length).toBeGreaterThan(2);
      for (const t of all) {
        const width = cells(t[0]!).length;
        expect(t[1]).toMatch(/^\|(-{3,}|-{2,}:|:-{2,})(\|(-{3,}|-{2,}:|:-{2,}))*\|$/);
        for (const row of t) expect(cells(row), row).toHaveLength(width);
      }
    }
  });

  it("escapes pipes, newlines and HTML in values, so nothing renders as markup", () => {
    const md = renderMarkdown(hostileReport());
    expect(md).not.toContain("<script>");
    expect(md).toContain("&lt;script&gt;alert(1)&lt;/script&gt; \\| 0.0.0.0/0\\\\nsecond line &amp; more");
    expect(md).toContain("#### pool-evil &lt;b&gt;\\|x\\|&lt;/b&gt;: drifted");
    expect(md).not.toMatch(/<b>/);
  });

  it("has the summary, a section per drifted or unknown target with its failing and unknown findings, passes folded, errors listed", () => {
    const md = renderMarkdown(demo);
    const s = demo.summary;
    expect(md).toContain(`| ${s.targets} | ${s.compliant} | ${s.drifted} | ${s.unknown} | ${s.findings.fail} | ${s.findings.unknown} | ${s.findings.pass} |`);
    const attention = md.slice(md.indexOf("### Targets needing attention"), md.indexOf("<details><summary>" + s.findings.pass));
    for (const t of demo.targets) {
      const heading = `#### ${t.name}: ${t.status}`;
      if (t.status === "compliant") expect(attention).not.toContain(heading);
      else expect(attention).toContain(heading);
    }
    // Every failing or unknown finding is in a section's table; no pass is outside the fold.
    const open = demo.targets.flatMap((t) => t.findings.filter((f) => f.status !== "pass"));
    expect(attention.split("\n").filter((l) => /^\| (\*\*)?(fail|unknown)/.test(l))).toHaveLength(open.length);
    expect(attention).not.toMatch(/^\| \*\*pass/m);
    const fold = md.slice(md.indexOf(`<details><summary>${s.findings.pass} passing findings`));
    expect(fold).toContain("</details>");
    expect(md).toContain(`### Read errors (${demo.errors.length})`);
    expect(md).toContain("`AuthorizationFailed`");
  });

  it("shows a suppression and the remediation of failing checks", () => {
    const md = renderMarkdown(hostileReport());
    expect(md).toContain("| fail (suppressed: Known jump host, ticket NET-42 (net-team, until 2099-01-01)) | low |");
    expect(md).toContain("<details><summary>How to fix subnet-default-route</summary>");
    expect(md).toContain("&lt;rg&gt;");
    expect(md).not.toContain(findings.pass.id);
  });

  it("takes each failing check's remediation from the report's catalog, once per check and target, and skips a check the catalog does not hold", () => {
    const report = hostileReport();
    report.checks["mc-group-public-ip"] = { ...report.checks["mc-group-public-ip"]!, remediation: "Catalog fix | <pip> *now*" };
    report.targets[0]!.findings.push({ ...findings.medium, id: "retired-check:1", checkId: "retired-check" });
    const md = renderMarkdown(report);
    const fix = "<details><summary>How to fix mc-group-public-ip</summary>\n\nCatalog fix \\| &lt;pip&gt; \\*now\\*\n\n</details>";
    // Two failing findings of the check on the pool (one suppressed), one remediation block.
    expect(md.split(fix)).toHaveLength(2);
    expect(md).toContain(`<details><summary>How to fix subnet-default-route</summary>\n\n${escapeMarkdown(report.checks["subnet-default-route"]!.remediation)}\n`);
    expect(md).not.toContain("How to fix retired-check");
    expect(md).toContain("| `retired-check` |");
    // No remediation for a check that only passes or is unknown.
    expect(md).not.toContain("How to fix pool-outbound-type");
    expect(md).not.toContain("How to fix default-route-firewall");
  });

  it("renders passes without evidence, and the same with `evidence all` (Markdown shows no evidence)", () => {
    const md = renderMarkdown(hostileReport());
    // The one `null` is a CLI argument in the catalog's remediation of subnet-default-route.
    expect(md.replace("--nat-gateway null", "")).not.toMatch(/undefined|\bnull\b/);
    expect(md).toContain("| aks-ok | `pool-outbound-type` | `managedClusters/aks-ok` | VirtualAppliance |");
    expect(renderMarkdown(hostileReport({ evidence: "all" }))).toBe(md);
  });

  it("hostile names (OSC 52, bidi override, CRLF, `;`, `=cmd`) come out inert: no control or bidi character, no forged line in a cell or out of one", () => {
    const md = renderMarkdown(poisonedReport());
    expectNeutral(md);
    expect(md).not.toContain("<br>");
    // Shown as visible escapes (the backslash itself escaped for Markdown), in headings, cells and code spans.
    expect(md).toMatch(/^#### =cmd.*\\\\u001b\\\]52;c;.*\\\\u202etxt\.exe.*\\\\r\\\\nFORGED/m);
    expect(md).toContain("`=cmd\\|' /C calc'!A0;=1+1,x ");
    expect(md).toContain(`\\\\u2028${FORGED_TEXT}`);
    // Every table row is still one line with its header's cell count (checked above); no row starts with the forged text.
    expect(md.split("\n").filter((l) => l.startsWith("| FORGED"))).toEqual([]);
  });
});
