/**
 * The scan's report v2 (src/app/scan.ts): each target in its report form as soon as it is judged
 * (tags, findings without remediation, pass evidence only with evidence "all"), equal to judging
 * the finished snapshot; and the spooled path the CLI's JSON takes gives the same report, streamed,
 * with its temporary file gone whatever happens.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runScan, runSpooledScan, type ScanOptions } from "../../src/app/scan.js";
import { emptyBaseline } from "../../src/baseline/baseline.js";
import { checks } from "../../src/checks/index.js";
import { evaluate } from "../../src/checks/lib/engine.js";
import { readArmSettings } from "../../src/config/settings.js";
import { loadEstate } from "../../src/emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { parseReport } from "../../src/report/read.js";
import type { DriftReport } from "../../src/report/report.js";
import { reportJsonText } from "../../src/report/stream.js";

let emu: RunningEmulator;
const scratch = mkdtempSync(join(tmpdir(), "egress-audit-scan-report-"));
const now = new Date("2026-11-26T00:00:00Z");
let options: ScanOptions;
let scanned: Awaited<ReturnType<typeof runScan>>;

beforeAll(async () => {
  emu = await startEmulator({ estate: await loadEstate(join(import.meta.dirname, "..", "..", "estates", "demo.json")) });
  options = { settings: readArmSettings({}, { endpoint: emu.url, staticToken: "t" }), clients: { caCertificates: [emu.caCertPem], maxRetries: 0 }, now: () => now };
  scanned = await runScan(options);
});
afterAll(async () => {
  await emu?.close();
  rmSync(scratch, { recursive: true, force: true });
});

const findingsOf = (report: Pick<DriftReport, "targets">) => report.targets.flatMap((t) => t.findings);

describe("runScan: report v2", () => {
  it("holds each target as judging the finished snapshot gives it, in report form", () => {
    const { report, snapshot } = scanned;
    const evaluations = evaluate(snapshot, emptyBaseline, { now });
    expect(report.targets.map((t) => t.id)).toEqual(evaluations.map((e) => e.target.id));
    evaluations.forEach((e, i) => {
      const t = report.targets[i]!;
      expect(t.status, t.name).toBe(e.status);
      expect(t.tags).toEqual(e.target.tags);
      if (e.target.kind === "clusterPool") expect(t.aksClusterId, t.name).toBe(e.target.aksClusterId);
      expect(t.findings.map((f) => f.id)).toEqual(e.findings.map((f) => f.id));
      e.findings.forEach((f, j) => {
        const { remediation, evidence, ...rest } = f;
        expect(remediation.length).toBeGreaterThan(0);
        expect(t.findings[j]).toEqual(f.status === "pass" ? rest : { ...rest, evidence });
      });
    });
    expect(report.summary.findings.pass).toBeGreaterThan(0);
    expect(report.targets.some((t) => t.tags !== undefined)).toBe(true);
  });

  it("carries the catalog once, with each check's remediation, and no remediation on findings", () => {
    const { report } = scanned;
    expect(Object.keys(report.checks)).toEqual(checks.map((c) => c.meta.id));
    for (const c of checks) expect(report.checks[c.meta.id]!.remediation).toBe(c.meta.remediation);
    for (const f of findingsOf(report)) expect(f).not.toHaveProperty("remediation");
  });

  it("leaves pass evidence out by default and keeps it with evidence all; fail and unknown always carry it", async () => {
    const passes = findingsOf(scanned.report).filter((f) => f.status === "pass");
    expect(passes.filter((f) => f.evidence !== undefined)).toEqual([]);
    for (const f of findingsOf(scanned.report).filter((x) => x.status !== "pass")) expect(f.evidence, f.id).toBeDefined();
    const all = await runScan({ ...options, evidence: "all" });
    expect(findingsOf(all.report).map((f) => f.id)).toEqual(findingsOf(scanned.report).map((f) => f.id));
    for (const f of findingsOf(all.report)) expect(f.evidence, f.id).toBeDefined();
  });
});

describe("runSpooledScan: the report streamed from a spool", () => {
  it("gives the same report as runScan, target by target, and leaves no file behind", async () => {
    const dir = mkdtempSync(join(scratch, "spool-"));
    const spooled = await runSpooledScan({ ...options, spool: { dir } });
    let read: DriftReport;
    try {
      expect(spooled.report.summary).toEqual(scanned.report.summary);
      // Read twice: the targets come back from the spool each time.
      read = parseReport(await reportJsonText(spooled.report));
      expect(parseReport(await reportJsonText(spooled.report)).targets).toEqual(read.targets);
    } finally {
      await spooled.close();
    }
    expect(read.targets).toEqual(scanned.report.targets);
    expect(read.checks).toEqual(scanned.report.checks);
    expect(read.scope).toEqual(scanned.report.scope);
    expect(read.errors).toEqual(scanned.report.errors);
    // Unsuppressed failures' severities, for --fail-on.
    const severities = new Set(findingsOf(scanned.report).filter((f) => f.status === "fail" && !f.suppressed).map((f) => f.severity));
    expect(severities.size).toBeGreaterThan(0);
    expect(spooled.failingSeverities).toEqual(severities);
    expect(readdirSync(dir)).toEqual([]);
    // Closed: nothing more to read.
    await expect(reportJsonText(spooled.report)).rejects.toThrow(/closed/);
  });

  it("removes the spool when the scan fails", async () => {
    const dir = mkdtempSync(join(scratch, "spool-"));
    await expect(
      runSpooledScan({ ...options, settings: readArmSettings({}, { endpoint: "https://127.0.0.1:1", staticToken: "t" }), spool: { dir } }),
    ).rejects.toThrow();
    expect(readdirSync(dir)).toEqual([]);
  });
});
