/**
 * The report side of coverage (issue 15 items 1 and 3), without ARM: a target listed `unknown`
 * without findings never has its drift resolved; a target that could not be read carries its
 * previous findings as `unknown` (their last status and the pool's AKS cluster kept for the next
 * scan); the expectations a recorded scan derives from its previous report; a scan of no
 * subscription is never exit 0.
 */
import { describe, expect, it } from "vitest";
import { expectationsOf, unreadableTargetReport } from "../../src/app/expectations.js";
import type { Finding } from "../../src/checks/lib/types.js";
import { diffReport, type FindingStateRecord } from "../../src/report/diff.js";
import { buildReport, exitCodeOf, toReportFinding, type DriftReport, type ReportFinding, type TargetReport } from "../../src/report/report.js";

const SUB = "aaaaaaaa-0000-4000-8000-000000000001";
const GONE_SUB = "aaaaaaaa-0000-4000-8000-000000000002";
const POOL = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.HDInsight/clusterpools/pool`;
const AKS = `/subscriptions/${SUB}/resourceGroups/hdi-1/providers/Microsoft.ContainerService/managedClusters/pool`;

/** A finding in the report form (version 2: a pass carries no evidence). */
function finding(id: string, status: Finding["status"], evidence: Record<string, unknown> = {}): ReportFinding {
  return toReportFinding({ id, checkId: "api-server-private", status, severity: "medium", resourceId: POOL, message: "m", expected: "private", actual: "public", evidence, remediation: "fix it" });
}

function report(targets: TargetReport[], subscriptions = [SUB], errors: DriftReport["errors"] = []): DriftReport {
  return buildReport({
    startedAt: new Date("2025-01-02T00:00:00Z"),
    finishedAt: new Date("2025-01-02T00:01:00Z"),
    subscriptions,
    targets,
    stats: { armRequests: 0, throttled: 0, retries: 0 },
    errors,
  });
}

const poolTarget = (findings: ReportFinding[], status: TargetReport["status"] = "drifted"): TargetReport => ({ id: POOL, kind: "clusterPool", name: "pool", subscriptionId: SUB, status, findings });

const failState: FindingStateRecord = {
  findingId: "f1",
  checkId: "api-server-private",
  targetId: POOL,
  resourceId: POOL,
  severity: "medium",
  state: "fail",
  stale: false,
  lastStatus: "fail",
  since: "2025-01-01T00:00:00.000Z",
  lastScanId: "prev",
};

describe("coverage in the report", () => {
  it("keeps the drift of a target listed unknown without findings, stale, even without an error naming it", () => {
    const r = diffReport(report([poolTarget([], "unknown")]), new Map([["f1", failState]]));
    expect(r.diff).toEqual({ new: [], resolved: [], unchanged: 1 });
    expect(r.stale).toEqual(["f1"]);
    expect(r.removed).toEqual([]);
  });

  it("carries an unreadable target's findings as unknown, with their last status and the pool's AKS cluster", () => {
    const previous = poolTarget([finding("f1", "fail", { aksClusterId: AKS }), finding("f2", "pass")]);
    const error = { scope: POOL, code: "TargetNotReadable", message: "cluster pool pool ... AuthorizationFailed" };
    const first = unreadableTargetReport({ target: { id: POOL, kind: "clusterPool", name: "pool", subscriptionId: SUB }, error }, previous);
    expect(first.status).toBe("unknown");
    expect(previous.findings[1]!.evidence).toBeUndefined(); // the pass, as report v2 carries it
    expect(first.findings.map((f) => [f.id, f.status, f.evidence?.lastStatus, f.evidence?.aksClusterId])).toEqual([
      ["f1", "unknown", "fail", AKS],
      ["f2", "unknown", "pass", AKS],
    ]);
    expect(first.findings[0]?.evidence?.readError).toEqual(error);
    // The next scan's expectations still know the pool's AKS cluster and keep the last real status.
    const next = report([first]);
    expect(expectationsOf(next).targets).toEqual([{ id: POOL, kind: "clusterPool", name: "pool", subscriptionId: SUB, aksClusterId: AKS }]);
    const again = unreadableTargetReport({ target: expectationsOf(next).targets[0]!, error }, first);
    expect(again.findings.map((f) => f.evidence?.lastStatus)).toEqual(["fail", "pass"]);
    // And the diff keeps the drift, stale.
    expect(diffReport(next, new Map([["f1", failState]])).diff).toEqual({ new: [], resolved: [], unchanged: 1 });
  });

  it("expects the subscriptions the previous report covered, its targets' and those it reported not scanned", () => {
    const previous = report([poolTarget([])], [SUB], [{ scope: `/subscriptions/${GONE_SUB}`, code: "SubscriptionNotScanned", message: "gone" }]);
    expect(expectationsOf(previous).subscriptionIds.sort()).toEqual([SUB, GONE_SUB].sort());
    expect(expectationsOf(previous, [GONE_SUB])).toEqual({ subscriptionIds: [GONE_SUB], targets: [] });
  });

  it("never calls a scan of no subscription complete (exit 2)", () => {
    expect(exitCodeOf(report([], []))).toBe(2);
    expect(exitCodeOf(report([], [SUB]))).toBe(0);
  });
});
