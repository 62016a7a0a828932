/**
 * Reading stored reports (src/report/read.ts): a version-1 report (remediation on every finding,
 * evidence on every finding, no catalog) loads as version 2 with the same finding ids, so history
 * and diffs carry over; anything else is refused with UnreadableReportError.
 */
import { describe, expect, it } from "vitest";
import { checks } from "../../src/checks/index.js";
import { findingId } from "../../src/checks/lib/engine.js";
import { parseReport, readReport, UnreadableReportError } from "../../src/report/read.js";
import { REPORT_SCHEMA_VERSION } from "../../src/report/report.js";

const SUB = "00000000-0000-0000-0000-000000000003";
const POOL = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.HDInsight/clusterpools/pool-a`;
const SUBNET = `/subscriptions/${SUB}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/s`;
const meta = (id: string) => checks.find((c) => c.meta.id === id)!.meta;

/** A report exactly as version 1 wrote it: schemaVersion "1.0", remediation and evidence on every finding, no catalog. */
function v1Report(): Record<string, unknown> {
  const f = (checkId: string, status: string, resourceId: string, evidence: Record<string, unknown>, old?: { severity: string; remediation: string }) => ({
    id: findingId(checkId, POOL, resourceId),
    checkId,
    status,
    severity: old?.severity ?? meta(checkId).defaultSeverity,
    resourceId,
    message: `${checkId} ${status}`,
    expected: "e",
    actual: "a",
    evidence,
    remediation: old?.remediation ?? meta(checkId).remediation,
  });
  return {
    schemaVersion: "1.0",
    scanId: "v1-scan",
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:00:09.000Z",
    scope: { subscriptions: [SUB] },
    summary: { targets: 1, compliant: 0, drifted: 1, unknown: 0, findings: { fail: 2, pass: 1, unknown: 0 } },
    stats: { armRequests: 9, throttled: 0, retries: 0, durationMs: 9000 },
    targets: [
      {
        id: POOL,
        kind: "clusterPool",
        name: "pool-a",
        subscriptionId: SUB,
        status: "drifted",
        findings: [
          f("pool-outbound-type", "pass", POOL, { aksClusterId: "/aks", outboundType: "userDefinedRouting" }),
          f("subnet-default-route", "fail", SUBNET, { defaultRoute: null }),
          // A check the registry no longer has: its remediation is only in the old report.
          f("retired-check", "fail", SUBNET, { why: "old" }, { severity: "low", remediation: "Do the retired thing." }),
        ],
      },
    ],
    errors: [],
    diff: { new: [], resolved: ["x:1"], unchanged: 2 },
  };
}

describe("readReport", () => {
  it("loads a version-1 report as version 2: same finding ids, catalog built, remediation moved there, evidence kept", () => {
    const v1 = v1Report();
    const ids = (v1.targets as Array<{ findings: Array<{ id: string }> }>)[0]!.findings.map((f) => f.id);
    const report = readReport(structuredClone(v1));
    expect(report.schemaVersion).toBe(REPORT_SCHEMA_VERSION);
    expect(report.targets[0]!.findings.map((f) => f.id)).toEqual(ids);
    expect(ids[0]).toBe(findingId("pool-outbound-type", POOL, POOL));
    // Every check of the registry, in its order, then the retired one from the old findings.
    expect(Object.keys(report.checks)).toEqual([...checks.map((c) => c.meta.id), "retired-check"]);
    expect(report.checks["subnet-default-route"]).toEqual({
      title: meta("subnet-default-route").title,
      severity: meta("subnet-default-route").defaultSeverity,
      risk: meta("subnet-default-route").risk,
      remediation: meta("subnet-default-route").remediation,
    });
    expect(report.checks["retired-check"]).toMatchObject({ remediation: "Do the retired thing.", severity: "low" });
    for (const f of report.targets[0]!.findings) expect(f).not.toHaveProperty("remediation");
    // Version 1 stored evidence on passes too: kept (and the pool's AKS cluster is still found there).
    expect(report.targets[0]!.findings[0]!.evidence).toEqual({ aksClusterId: "/aks", outboundType: "userDefinedRouting" });
    expect(report.summary).toEqual(v1.summary);
    expect(report.diff).toEqual(v1.diff);
    expect(parseReport(JSON.stringify(v1)).targets).toEqual(report.targets);
  });

  it("refuses what is not a report of a known version", () => {
    const unknownVersion = { ...v1Report(), schemaVersion: "3.0" };
    expect(() => readReport(unknownVersion)).toThrow(UnreadableReportError);
    expect(() => readReport(unknownVersion)).toThrow(/schemaVersion "3.0"/);
    expect(() => readReport({ ...v1Report(), schemaVersion: undefined })).toThrow(UnreadableReportError);
    expect(() => readReport({ ...v1Report(), targets: "none" })).toThrow(UnreadableReportError);
    expect(() => readReport(null)).toThrow(UnreadableReportError);
    expect(() => readReport([])).toThrow(UnreadableReportError);
    const thrown = (() => {
      try {
        readReport({ schemaVersion: "0.9", targets: [] });
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(UnreadableReportError);
    expect((thrown as UnreadableReportError).code).toBe("UnreadableReport");
  });

  it("refuses a version-2 report whose finding references shared evidence it does not hold", () => {
    const v2 = {
      ...v1Report(),
      schemaVersion: "2.0",
      checks: {},
      targets: [{ id: POOL, kind: "clusterPool", name: "p", subscriptionId: SUB, status: "drifted", findings: [{ id: "a:1", checkId: "a", status: "fail", severity: "low", resourceId: POOL, message: "m", expected: "e", actual: "a", evidence: { rules: { $ref: "#/sharedEvidence/0123456789abcdef" } } }] }],
      sharedEvidence: { fedcba9876543210: [1, 2, 3] },
    };
    expect(() => readReport(v2)).toThrow(/references shared evidence 0123456789abcdef/);
  });
});
