/**
 * The diff rules: new / resolved / unchanged against the previous state, `unknown` never resolves
 * (the previous state is kept and marked stale), absence proves resolution only where everything
 * was read, suppressed failures are not drift, and the first scan of a scope has no diff.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Finding, FindingStatus } from "../../src/checks/lib/types.js";
import { absenceUnproven, diffReport, type FindingStateRecord } from "../../src/report/diff.js";
import { buildReport, type DriftReport } from "../../src/report/report.js";

const SUB = "aaaaaaaa-0000-4000-8000-000000000001";
const TARGET = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks`;

function finding(id: string, status: FindingStatus, extra: Partial<Finding> = {}): Finding {
  return { id, checkId: "mc-group-public-ip", status, severity: "high", resourceId: `${TARGET}/x/${id}`, message: "", expected: "", actual: "", evidence: {}, remediation: "", ...extra };
}

function report(findings: Finding[], errors: DriftReport["errors"] = [], subscriptions = [SUB]): DriftReport {
  return buildReport({
    startedAt: new Date("2025-01-02T00:00:00Z"),
    finishedAt: new Date("2025-01-02T00:01:00Z"),
    subscriptions,
    targets: [{ id: TARGET, kind: "aksCluster", name: "aks", subscriptionId: SUB, status: "drifted", findings }],
    stats: { armRequests: 0, throttled: 0, retries: 0 },
    errors,
  });
}

function state(id: string, s: FindingStateRecord["state"]): FindingStateRecord {
  return { findingId: id, checkId: "mc-group-public-ip", targetId: TARGET, resourceId: `${TARGET}/x/${id}`, severity: "high", state: s, stale: false, lastStatus: s === "unknown" ? "unknown" : s, since: "2025-01-01T00:00:00.000Z", lastScanId: "prev" };
}

const prev = (...records: FindingStateRecord[]) => new Map(records.map((r) => [r.findingId, r]));

describe("diffReport", () => {
  it("has no diff for the first scan of a scope, and seeds the state", () => {
    const r = diffReport(report([finding("a", "fail"), finding("b", "pass")]), undefined);
    expect(r.diff).toBeUndefined();
    expect(r.next.map((n) => [n.findingId, n.state])).toEqual([["a", "fail"], ["b", "pass"]]);
  });

  it("tells new, resolved and unchanged drift apart", () => {
    const r = diffReport(report([finding("a", "fail"), finding("b", "pass"), finding("c", "fail")]), prev(state("a", "fail"), state("b", "fail"), state("c", "pass")));
    expect(r.diff).toEqual({ new: ["c"], resolved: ["b"], unchanged: 1 });
    expect(r.stale).toEqual([]);
  });

  it("never resolves an unknown finding: it keeps its previous state, marked stale", () => {
    const r = diffReport(report([finding("a", "unknown"), finding("b", "unknown")]), prev(state("a", "fail"), state("b", "pass")));
    expect(r.diff).toEqual({ new: [], resolved: [], unchanged: 1 });
    expect(r.stale.sort()).toEqual(["a", "b"]);
    expect(r.next.find((n) => n.findingId === "a")).toMatchObject({ state: "fail", stale: true, lastStatus: "unknown", since: "2025-01-01T00:00:00.000Z" });
  });

  it("treats a suppressed failure as not drift (a new suppression resolves)", () => {
    const r = diffReport(report([finding("a", "fail", { suppressed: { reason: "known", owner: "team" } })]), prev(state("a", "fail")));
    expect(r.diff).toEqual({ new: [], resolved: ["a"], unchanged: 0 });
  });

  it("resolves a vanished failure only when its scope was fully read", () => {
    const gone = state("gone", "fail");
    expect(diffReport(report([]), prev(gone)).diff).toEqual({ new: [], resolved: ["gone"], unchanged: 0 });
    expect(diffReport(report([]), prev(gone)).removed).toEqual(["gone"]);
    // A failed read of the target's resource group: unproven, so stale and unchanged.
    const unread = diffReport(report([], [{ scope: `/subscriptions/${SUB}/resourceGroups/rg`, code: "AuthorizationFailed", message: "" }]), prev(gone));
    expect(unread.diff).toEqual({ new: [], resolved: [], unchanged: 1 });
    expect(unread.stale).toEqual(["gone"]);
    // A failed subscription-level list: unproven.
    expect(absenceUnproven(report([], [{ scope: `/subscriptions/${SUB}/providers/Microsoft.Network/virtualNetworks`, code: "Http500", message: "" }]), gone)).toBe(true);
    // A subscription no longer scanned (lost access): unproven.
    expect(absenceUnproven(report([], [], ["bbbbbbbb-0000-4000-8000-000000000002"]), gone)).toBe(true);
    // A scan stopped at its time limit may not have read it: unproven.
    expect(absenceUnproven(report([], [{ scope: "scan", code: "TimeLimitExceeded", message: "" }]), gone)).toBe(true);
    // An error elsewhere does not cover it.
    expect(absenceUnproven(report([], [{ scope: `/subscriptions/${SUB}/resourceGroups/other`, code: "AuthorizationFailed", message: "" }]), gone)).toBe(false);
  });

  it("holds its invariants for any previous state and any statuses", () => {
    const statuses = fc.constantFrom<FindingStatus>("pass", "fail", "unknown");
    const states = fc.constantFrom<FindingStateRecord["state"]>("pass", "fail", "unknown");
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom("a", "b", "c", "d", "e"), statuses), fc.dictionary(fc.constantFrom("a", "b", "c", "f", "g"), states), (now, before) => {
        const rep = report(Object.entries(now).map(([id, s]) => finding(id, s)));
        const { diff, next, stale } = diffReport(rep, prev(...Object.entries(before).map(([id, s]) => state(id, s))));
        const d = diff!;
        // new and resolved are disjoint; an unknown finding is never resolved; new drift fails now.
        expect(d.new.filter((id) => d.resolved.includes(id))).toEqual([]);
        for (const id of d.resolved) expect(now[id]).not.toBe("unknown");
        for (const id of d.new) expect(now[id]).toBe("fail");
        // Every failing state after the scan was either new or counted unchanged.
        expect(next.filter((n) => n.state === "fail").length).toBe(d.new.length + d.unchanged);
        for (const id of stale) expect(next.find((n) => n.findingId === id)?.stale).toBe(true);
      }),
    );
  });
});
