/**
 * Report version 2 in the renderers, the diff and `restrictToTargets`: every format renders a pass
 * without evidence without an `undefined` or `null` placeholder, a check the catalog does not hold
 * falls back to its id, a finding state recorded from a version-1 report diffs against a version-2
 * report of the same findings without churn (the ids did not change), and a restricted report
 * keeps the catalog and the targets' tags.
 */
import { describe, expect, it } from "vitest";
import { diffReport, type FindingStateRecord } from "../../src/report/diff.js";
import { readReport } from "../../src/report/read.js";
import { renderCsv } from "../../src/report/render/csv.js";
import { renderHtml } from "../../src/report/render/html.js";
import { renderMarkdown } from "../../src/report/render/markdown.js";
import { renderSarif } from "../../src/report/render/sarif.js";
import { renderTable } from "../../src/report/render/table.js";
import { REPORT_SCHEMA_VERSION, toReportFinding, type DriftReport } from "../../src/report/report.js";
import { restrictToTargets } from "../../src/report/restrict.js";
import { AKS_ID, findings, hostileReport, judged, POOL_ID } from "./fixtures.js";

const renderAll: Record<string, (r: DriftReport) => string> = {
  table: (r) => renderTable(r, { verbose: true }),
  markdown: renderMarkdown,
  sarif: (r) => renderSarif(r, { includePasses: true }),
  csv: renderCsv,
  html: renderHtml,
};

/**
 * The hostile report as version 1 stored it: every finding with its remediation and its full
 * evidence (passes included), no catalog. A JSON value, as a stored blob parses to.
 */
function v1Of(report: DriftReport): unknown {
  const full = Object.fromEntries(Object.values(judged).map((f) => [f.id, f]));
  const { checks: _checks, ...rest } = report;
  return JSON.parse(
    JSON.stringify({
      ...rest,
      schemaVersion: "1.0",
      targets: report.targets.map((t) => ({ ...t, findings: t.findings.map((f) => full[f.id]!) })),
    }),
  );
}

/**
 * The hostile report with a catalog whose texts never say `null` or `undefined` as a word (the
 * registry's remediation of subnet-default-route passes `--nat-gateway null`, a real CLI argument),
 * so a placeholder a renderer printed is the only way the word gets into its output.
 */
function placeholderFree(report: DriftReport): DriftReport {
  for (const entry of Object.values(report.checks)) entry.remediation = entry.remediation.replace(/\b(null|undefined)\b/g, "none");
  expect(JSON.stringify(report.checks)).not.toMatch(/\bnull\b|\bundefined\b/);
  return report;
}

/** The state the history keeps, by finding id. */
const stateOf = (records: readonly FindingStateRecord[]) => new Map(records.map((r) => [r.findingId, r]));

describe("renderers on report v2", () => {
  for (const [format, render] of Object.entries(renderAll)) {
    it(`${format}: a pass without evidence renders without an undefined or null placeholder`, () => {
      const report = placeholderFree(hostileReport());
      expect(report.targets[0]!.findings.find((f) => f.status === "pass")!.evidence).toBeUndefined();
      const text = render(report);
      expect(text).not.toMatch(/\bundefined\b/);
      expect(text).not.toMatch(/\bnull\b/);
      expect(text).toContain(format === "markdown" ? "`pool-outbound-type`" : "pool-outbound-type");
    });

    it(`${format}: a check the report's catalog does not hold renders by its id, without placeholders`, () => {
      const report = placeholderFree(hostileReport());
      report.targets[0]!.findings.push({ ...findings.medium, id: "retired-check:1", checkId: "retired-check" });
      // An id that names an Object.prototype member is a check id like any other.
      report.targets[0]!.findings.push({ ...findings.medium, id: "constructor:1", checkId: "constructor" });
      const text = render(report);
      expect(text).toContain("retired-check");
      expect(text).toContain("constructor");
      expect(text).not.toMatch(/\bundefined\b|\bnull\b|\[object Object\]|function Object\(\)/);
    });
  }

  it("a version-1 report upgraded by readReport renders like the version-2 report of the same findings, its evidence kept", () => {
    const v2 = hostileReport({ evidence: "all" });
    const upgraded = readReport(v1Of(hostileReport()));
    expect(upgraded.schemaVersion).toBe(REPORT_SCHEMA_VERSION);
    // The upgraded catalog is this build's registry (the remediation version 1 stored on findings
    // of checks it holds is dropped), as in the version-2 report; version 1 stored every evidence.
    for (const [format, render] of Object.entries(renderAll)) expect(render(upgraded), format).toBe(render(v2));
  });
});

describe("the diff across report versions", () => {
  it("a finding state recorded from a version-1 report diffs against a version-2 report of the same findings as empty", () => {
    const upgraded = readReport(v1Of(hostileReport()));
    const v2 = hostileReport();
    // The same finding ids in both, in the same places.
    const ids = (r: DriftReport) => r.targets.flatMap((t) => t.findings.map((f) => `${t.id} ${f.id} ${f.status}`));
    expect(ids(upgraded)).toEqual(ids(v2));
    const stored = diffReport(upgraded, undefined);
    expect(stored.diff).toBeUndefined(); // the first scan of the scope only seeds the state
    const next = diffReport(v2, stateOf(stored.next));
    // Drift: the critical and medium failures (the suppressed one is not drift); the unknown is not counted.
    expect(next.diff).toEqual({ new: [], resolved: [], unchanged: 2 });
    expect(next.removed).toEqual([]);
    expect(next.stale).toEqual([]);
    // The records carry over: same states, same `since`, only the scan that wrote them changed.
    const strip = (rs: readonly FindingStateRecord[]) => rs.map(({ lastScanId: _s, ...r }) => r);
    expect(strip(next.next)).toEqual(strip(stored.next));
  });

  it("the same state still sees real changes in a version-2 report: new and resolved drift", () => {
    const stored = diffReport(readReport(v1Of(hostileReport())), undefined);
    const v2 = hostileReport();
    const pool = v2.targets[0]!;
    pool.findings = pool.findings.map((f) => (f.id === findings.critical.id ? toReportFinding({ ...judged.critical, status: "pass" }) : f));
    v2.targets[1]!.findings.push(toReportFinding({ ...judged.medium, id: "mc-group-public-ip:new", resourceId: `${AKS_ID}/x` }));
    const next = diffReport(v2, stateOf(stored.next));
    expect(next.diff).toEqual({ new: ["mc-group-public-ip:new"], resolved: [findings.critical.id], unchanged: 1 });
  });
});

describe("restrictToTargets on report v2", () => {
  it("keeps the catalog, the targets' tags and their findings as the scan kept them; recomputes the summary", () => {
    const report = hostileReport({ evidence: "all" });
    report.targets[0]!.tags = { env: "prod", "cost-center": "42" };
    const restricted = restrictToTargets(report, [POOL_ID.toUpperCase(), "/subscriptions/x/resourceGroups/y/providers/Microsoft.ContainerService/managedClusters/gone"]);
    expect(restricted.schemaVersion).toBe(report.schemaVersion);
    expect(restricted.checks).toEqual(report.checks);
    expect(restricted.targets).toHaveLength(1);
    expect(restricted.targets[0]).toEqual(report.targets[0]);
    expect(restricted.targets[0]!.tags).toEqual({ env: "prod", "cost-center": "42" });
    expect(restricted.targets[0]!.findings.find((f) => f.id === findings.pass.id)!.evidence).toEqual(judged.pass.evidence);
    expect(restricted.summary).toEqual({ targets: 1, compliant: 0, drifted: 1, unknown: 0, findings: { fail: 3, pass: 1, unknown: 1 } });
    expect(restricted.errors.map((e) => e.code)).toEqual(["AuthorizationFailed", "TargetNotFound"]);
  });

  it("keeps a catalog that differs from this build's registry (an upgraded or foreign report)", () => {
    const report = hostileReport();
    report.checks = { "retired-check": { title: "retired-check", severity: "medium", risk: "", remediation: "old fix" } };
    expect(restrictToTargets(report, [AKS_ID]).checks).toEqual({ "retired-check": { title: "retired-check", severity: "medium", risk: "", remediation: "old fix" } });
  });
});
