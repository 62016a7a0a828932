/** The renderer registry the CLI and the HTTP layer share. */
import { describe, expect, it } from "vitest";
import { formats, isFormat, renderers } from "../../src/report/render/index.js";
import type { DriftReport } from "../../src/report/report.js";
import { hostileReport } from "./fixtures.js";

describe("renderer registry", () => {
  it("has exactly the formats of the contract, each with a content type and extension", () => {
    expect([...formats].sort()).toEqual(["csv", "html", "json", "markdown", "sarif", "table"]);
    expect(Object.keys(renderers).sort()).toEqual([...formats].sort());
    const ext = Object.fromEntries(formats.map((f) => [f, renderers[f].fileExtension]));
    expect(ext).toEqual({ json: "json", table: "txt", markdown: "md", sarif: "sarif", csv: "csv", html: "html" });
    expect(renderers.sarif.contentType).toBe("application/sarif+json");
    expect(renderers.csv.contentType).toMatch(/^text\/csv; charset=utf-8/);
    expect(renderers.html.contentType).toBe("text/html; charset=utf-8");
    expect(renderers.json.contentType).toBe("application/json; charset=utf-8");
  });

  it("renders every format; json is the report itself; options reach the renderers that use them", () => {
    const report = hostileReport();
    for (const f of formats) expect(renderers[f].render(report).length, f).toBeGreaterThan(100);
    expect(JSON.parse(renderers.json.render(report)) as DriftReport).toEqual(report);
    expect(renderers.table.render(report, { color: true })).toContain("\u001b[");
    expect(renderers.table.render(report)).not.toContain("\u001b[");
    const sarif = (o?: { includePasses: boolean }) => (JSON.parse(renderers.sarif.render(report, o)) as { runs: Array<{ results: unknown[] }> }).runs[0]!.results.length;
    expect(sarif({ includePasses: true })).toBe(sarif() + 2);
    const tool = JSON.parse(renderers.sarif.render(report, { tool: { version: "9.9.9", informationUri: "https://example.org/egress-audit" } })) as {
      runs: Array<{ tool: { driver: { version: string; informationUri: string } } }>;
    };
    expect(tool.runs[0]!.tool.driver).toMatchObject({ version: "9.9.9", informationUri: "https://example.org/egress-audit" });
  });

  it("recognises format names and nothing else", () => {
    expect(formats.every(isFormat)).toBe(true);
    expect(isFormat("xml")).toBe(false);
    expect(isFormat("toString")).toBe(false);
  });
});
