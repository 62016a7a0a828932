/**
 * HTML: one self-contained file (no script, nothing loaded from anywhere, CSP pinned to the one
 * inline stylesheet), every value escaped, and the accessibility basics (lang, headings, table
 * headers with scope, captions, AA contrast in both colour schemes).
 */
import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { htmlContrastPairs, htmlCsp, htmlPalette, renderHtml } from "../../src/report/render/html.js";
import type { DriftReport } from "../../src/report/report.js";
import { demoReport, findings, hostileReport } from "./fixtures.js";
import { expectNeutral, FORGED_TEXT, poisonedReport } from "./hostile.js";

/** WCAG 2 contrast ratio of two `#rrggbb` colours. */
function contrast(a: string, b: string): number {
  const lum = (hex: string) => {
    const [r, g, bl] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

/** Asserts the page can load nothing: no script, no external reference of any kind. */
function expectSelfContained(html: string): void {
  expect(html).not.toMatch(/<(script|link|img|iframe|object|embed|audio|video|source|base|form)\b/i);
  expect(html).not.toMatch(/\s(src|srcset|action|formaction|poster|background|ping)\s*=/i);
  expect(html).not.toMatch(/url\(|@import/i);
  for (const m of html.matchAll(/\shref\s*=\s*"([^"]*)"/gi)) expect(m[1]).toMatch(/^#[\w-]+$/);
  // No scheme-bearing reference anywhere in markup (text such as an error message may name a URL,
  // escaped, but never in an attribute).
  for (const m of html.matchAll(/<[^>]+>/g)) expect(m[0]).not.toMatch(/(https?|ftp|file|data|javascript):/i);
}

describe("HTML", () => {
  let demo: DriftReport;
  let page: string;
  beforeAll(async () => {
    demo = await demoReport();
    page = renderHtml(demo);
  });

  it("is one self-contained document that loads nothing", () => {
    expect(page.startsWith("<!DOCTYPE html>\n<html lang=\"en\">")).toBe(true);
    expectSelfContained(page);
    expectSelfContained(renderHtml(hostileReport()));
  });

  it("pins its CSP to the inline stylesheet's hash and forbids everything else", () => {
    const style = /<style>([\s\S]*?)<\/style>/.exec(page)![1]!;
    const hash = createHash("sha256").update(style, "utf8").digest("base64");
    expect(htmlCsp).toBe(`default-src 'none'; style-src 'sha256-${hash}'; base-uri 'none'; form-action 'none'`);
    expect(page).toContain(`<meta http-equiv="Content-Security-Policy" content="${htmlCsp.replace(/'/g, "&#39;")}">`);
    expect(page.match(/<style>/g)).toHaveLength(1);
    expect(page).not.toMatch(/\sstyle\s*=/i); // inline style attributes would be blocked by the CSP
  });

  it("escapes every value: a script in a finding message or a target name stays text", () => {
    const html = renderHtml(hostileReport());
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<b>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("pool-evil &lt;b&gt;|x|&lt;/b&gt;");
    expect(html).toContain("The client &#39;x&#39; has no &lt;read&gt; | access");
  });

  it("hostile names (OSC 52, bidi override, CRLF) come out inert: no control or bidi character, no line of their own, evidence exact", () => {
    const report = poisonedReport();
    const html = renderHtml(report);
    expectNeutral(html);
    expectSelfContained(html);
    // Shown as visible escapes in headings, cells, attributes and the title of the page.
    expect(html).toMatch(/<h3 id="target-\d+">=cmd\|&#39; \/C calc&#39;!A0;=1\+1,x pool-evil .*\\u001b\]52;c;ZWNobyBwd25lZA==\\u0007/);
    expect(html).toContain(`\\u202etxt.exe`);
    expect(html).toContain(`\\r\\n${FORGED_TEXT}\\r${FORGED_TEXT}\\n${FORGED_TEXT}\\u2028${FORGED_TEXT}`);
    // The evidence block is the pretty-printed JSON of the exact evidence, hostile keys included.
    const unescape = (t: string) => t.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
    const blocks = [...html.matchAll(/<pre>([\s\S]*?)<\/pre>/g)].map((m) => JSON.parse(unescape(m[1]!)) as unknown);
    const evidence = report.targets.flatMap((t) => t.findings.flatMap((f) => (f.evidence === undefined ? [] : [f.evidence])));
    expect(evidence.length).toBeGreaterThanOrEqual(4);
    expect(blocks.length).toBe(evidence.length);
    for (const b of blocks) expect(evidence).toContainEqual(b);
  });

  it("shows each failing finding's remediation from the report's catalog, escaped, and none for a check the catalog does not hold", () => {
    const report = hostileReport();
    report.checks["subnet-default-route"] = { ...report.checks["subnet-default-route"]!, remediation: "Catalog fix: <route> & \"next hop\"" };
    report.targets[0]!.findings.push({ ...findings.medium, id: "retired-check:1", checkId: "retired-check" });
    const html = renderHtml(report);
    const details = (id: string) => {
      const at = html.indexOf(`Finding id <code>${id}</code>`);
      return html.slice(html.lastIndexOf("<details><summary>Details</summary>", at), at);
    };
    expect(details(findings.critical.id)).toContain("<p>Remediation: Catalog fix: &lt;route&gt; &amp; &quot;next hop&quot;</p>");
    expect(details(findings.medium.id)).toContain(`<p>Remediation: ${report.checks["mc-group-public-ip"]!.remediation.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;")}</p>`);
    expect(details("retired-check:1")).not.toContain("Remediation:");
    expect(details("retired-check:1")).toContain("<p>Evidence:</p><pre>{}</pre>");
    // The failing-by-check table names each check by its catalog title; the unknown check by its id alone.
    expect(html).toContain(`<th scope="row"><code>subnet-default-route</code><br><small>${report.checks["subnet-default-route"].title}</small></th>`);
    expect(html).toContain(`<th scope="row"><code>retired-check</code></th>`);
    expect(html).not.toMatch(/undefined|>null</);
  });

  it("renders a pass without evidence without an evidence block, and shows pass evidence when the scan kept it", () => {
    const passDetails = (html: string) => {
      const at = html.indexOf(`Finding id <code>${findings.pass.id}</code>`);
      expect(at).toBeGreaterThan(0);
      return html.slice(html.lastIndexOf("<details><summary>Details</summary>", at), at);
    };
    const byDefault = renderHtml(hostileReport());
    expect(byDefault).not.toMatch(/undefined|>null</);
    expect(passDetails(byDefault)).toBe(`<details><summary>Details</summary><p>Resource: <code>${findings.pass.resourceId}</code></p><p class="meta">`);
    // Every failing and unknown finding keeps its evidence block.
    expect(byDefault.match(/<p>Evidence:<\/p><pre>/g)).toHaveLength(4);
    const all = renderHtml(hostileReport({ evidence: "all" }));
    expect(passDetails(all)).toContain("<p>Evidence:</p><pre>{\n  &quot;outboundType&quot;: &quot;userDefinedRouting&quot;,\n  &quot;proof&quot;: &quot;pass &lt;evidence&gt; | kept&quot;\n}</pre>");
    expect(all.match(/<p>Evidence:<\/p><pre>/g)).toHaveLength(6);
    // Passes never show a remediation.
    expect(passDetails(all)).not.toContain("Remediation:");
  });

  it("has the accessibility basics: one h1, captions, scoped headers, labelled scroll regions, working anchors", () => {
    expect(page.match(/<h1[ >]/g)).toHaveLength(1);
    const tables = page.match(/<table>/g)!.length;
    expect(page.match(/<caption>/g)).toHaveLength(tables);
    for (const th of page.match(/<th\b[^>]*>/g)!) expect(th).toMatch(/scope="(col|row)"/);
    for (const region of page.match(/<div class="scroll"[^>]*>/g)!) expect(region).toMatch(/role="region" aria-label="[^"]+" tabindex="0"/);
    const ids = new Set([...page.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
    for (const m of page.matchAll(/href="#([^"]+)"/g)) expect(ids.has(m[1])).toBe(true);
    for (const m of page.matchAll(/aria-labelledby="([^"]+)"/g)) expect(ids.has(m[1])).toBe(true);
    expect(page).toMatch(/<meta name="viewport" content="width=device-width, initial-scale=1">/);
  });

  it("meets WCAG AA contrast (4.5:1) for every text colour on its background, light and dark", () => {
    for (const scheme of ["light", "dark"] as const) {
      const p = htmlPalette[scheme];
      for (const [fg, bg] of htmlContrastPairs) {
        expect(contrast(p[fg], p[bg]), `${scheme} ${fg} on ${bg}`).toBeGreaterThanOrEqual(4.5);
      }
    }
    // The stylesheet really uses the palette.
    expect(page).toContain(`--fail-fg:${htmlPalette.light.failFg}`);
    expect(page).toContain(`--fail-fg:${htmlPalette.dark.failFg}`);
  });

  it("shows the demo's numbers and a section for every target, with its failing findings", () => {
    const s = demo.summary;
    expect(page).toContain(`<dt>Targets</dt><dd>${s.targets}</dd>`);
    expect(page).toContain(`<dt>Drifted</dt><dd class="drifted">${s.drifted}</dd>`);
    for (const t of demo.targets) {
      expect(page).toMatch(new RegExp(`<h3 id="target-\\d+">${t.name} <span class="status ${t.status}">${t.status}</span></h3>`));
      for (const f of t.findings.filter((x) => x.status === "fail")) expect(page).toContain(`<code>${f.checkId}</code>`);
    }
    expect(page).toContain("Read errors");
  });
});
