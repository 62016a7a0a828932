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
    // A pass keeps no record: a later failure without one is new, a pass without one no change.
    expect(r.next.map((n) => [n.findingId, n.state])).toEqual([["a", "fail"]]);
    expect(r.removed).toEqual([]);
  });

  it("tells new, resolved and unchanged drift apart", () => {
    const r = diffReport(report([finding("a", "fail"), finding("b", "pass"), finding("c", "fail")]), prev(state("a", "fail"), state("b", "fail"), state("c", "pass")));
    expect(r.diff).toEqual({ new: ["c"], resolved: ["b"], unchanged: 1 });
    expect(r.stale).toEqual([]);
  });

  it("never resolves an unknown finding: drift keeps its state, marked stale; a pass that cannot be evaluated is unknown", () => {
    const r = diffReport(report([finding("a", "unknown"), finding("b", "unknown")]), prev(state("a", "fail"), state("b", "pass")));
    expect(r.diff).toEqual({ new: [], resolved: [], unchanged: 1 });
    expect(r.stale).toEqual(["a"]);
    expect(r.next.find((n) => n.findingId === "a")).toMatchObject({ state: "fail", stale: true, lastStatus: "unknown", since: "2025-01-01T00:00:00.000Z" });
    expect(r.next.find((n) => n.findingId === "b")).toMatchObject({ state: "unknown", stale: false, lastStatus: "unknown", since: "2025-01-02T00:01:00.000Z" });
  });

  it("removes the record of a finding that passes now (a resolved failure, an unknown, a pass record written before)", () => {
    const r = diffReport(report([finding("a", "pass"), finding("b", "pass"), finding("c", "pass"), finding("d", "pass")]), prev(state("a", "fail"), state("b", "unknown"), state("c", "pass")));
    expect(r.diff).toEqual({ new: [], resolved: ["a"], unchanged: 0 });
    expect(r.next).toEqual([]);
    expect(r.removed).toEqual(["a", "b", "c"]);
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
        const { diff, next, stale, removed } = diffReport(rep, prev(...Object.entries(before).map(([id, s]) => state(id, s))));
        const d = diff!;
        // new and resolved are disjoint; an unknown finding is never resolved; new drift fails now.
        expect(d.new.filter((id) => d.resolved.includes(id))).toEqual([]);
        for (const id of d.resolved) expect(now[id]).not.toBe("unknown");
        for (const id of d.new) expect(now[id]).toBe("fail");
        // Every failing state after the scan was either new or counted unchanged.
        expect(next.filter((n) => n.state === "fail").length).toBe(d.new.length + d.unchanged);
        for (const id of stale) expect(next.find((n) => n.findingId === id)?.stale).toBe(true);
        // Passes keep no record; a record is either written or removed, never both.
        expect(next.filter((n) => n.state === "pass")).toEqual([]);
        expect(next.filter((n) => removed.includes(n.findingId))).toEqual([]);
      }),
    );
  });

  it("diffs every sequence of scans as the state with pass records did (they carried nothing)", () => {
    // Per scan: each finding's status, or absent; and whether the target's resource group could not be read.
    const scanOf = fc.record({ now: fc.dictionary(fc.constantFrom("a", "b", "c", "d"), fc.constantFrom<FindingStatus>("pass", "fail", "unknown")), unreadable: fc.boolean(), suppressB: fc.boolean() });
    fc.assert(
      fc.property(fc.array(scanOf, { minLength: 2, maxLength: 6 }), (scans) => {
        let legacy: Map<string, FindingStateRecord> | undefined;
        let current: Map<string, FindingStateRecord> | undefined;
        for (const s of scans) {
          const rep = report(
            Object.entries(s.now).map(([id, st]) => finding(id, st, id === "b" && s.suppressB ? { suppressed: { reason: "known", owner: "team" } } : {})),
            s.unreadable ? [{ scope: `/subscriptions/${SUB}/resourceGroups/rg`, code: "AuthorizationFailed", message: "" }] : [],
          );
          const a = legacyDiff(rep, legacy);
          const b = diffReport(rep, current);
          expect(b.diff && { ...b.diff, new: [...b.diff.new].sort(), resolved: [...b.diff.resolved].sort() }).toEqual(a.diff && { ...a.diff, new: [...a.diff.new].sort(), resolved: [...a.diff.resolved].sort() });
          legacy = apply(legacy, a.next, a.removed, true);
          current = apply(current, b.next, b.removed, false);
          // The failing records are the same in both; the new state holds nothing else but unknowns.
          const failing = (m: Map<string, FindingStateRecord>) => [...m.values()].filter((r) => r.state === "fail").map((r) => `${r.findingId}:${r.stale}`).sort();
          expect(failing(current)).toEqual(failing(legacy));
          expect([...current.values()].every((r) => r.state !== "pass")).toBe(true);
        }
      }),
    );
  });
});

/** The stored state after a commit (the legacy model replaced every record; the current one writes and removes). */
function apply(before: Map<string, FindingStateRecord> | undefined, next: FindingStateRecord[], removed: string[], replaceAll: boolean): Map<string, FindingStateRecord> {
  const m = new Map(replaceAll ? [] : (before ?? []));
  if (replaceAll) for (const [id, r] of before ?? []) m.set(id, r);
  for (const r of next) m.set(r.findingId, r);
  for (const id of removed) m.delete(id);
  return m;
}

/**
 * The diff as it was while every finding kept a record, passes included (before the state kept
 * fail and unknown records only): the reference the current rules must agree with.
 */
function legacyDiff(report: DriftReport, previous: ReadonlyMap<string, FindingStateRecord> | undefined): { diff?: { new: string[]; resolved: string[]; unchanged: number }; next: FindingStateRecord[]; removed: string[] } {
  const now = new Date(report.finishedAt).toISOString();
  const fresh: string[] = [];
  const resolved: string[] = [];
  const next: FindingStateRecord[] = [];
  const removed: string[] = [];
  let unchanged = 0;
  const seen = new Set<string>();
  for (const target of report.targets) {
    for (const f of target.findings) {
      if (seen.has(f.id)) continue;
      seen.add(f.id);
      const prev = previous?.get(f.id);
      const base = { findingId: f.id, checkId: f.checkId, targetId: target.id, resourceId: f.resourceId, severity: f.severity, lastScanId: report.scanId };
      if (f.status === "unknown") {
        if (prev && prev.state !== "unknown") {
          if (prev.state === "fail") unchanged += 1;
          next.push({ ...base, state: prev.state, stale: true, lastStatus: "unknown", since: prev.since });
        } else {
          next.push({ ...base, state: "unknown", stale: false, lastStatus: "unknown", since: prev?.since ?? now });
        }
        continue;
      }
      const state = f.status === "fail" && f.suppressed === undefined ? "fail" : "pass";
      if (state === "fail") {
        if (prev?.state === "fail") unchanged += 1;
        else fresh.push(f.id);
      } else if (prev?.state === "fail") {
        resolved.push(f.id);
      }
      next.push({ ...base, state, stale: false, lastStatus: f.status, since: prev?.state === state ? prev.since : now });
    }
  }
  for (const [id, prev] of previous ?? []) {
    if (seen.has(id)) continue;
    if (prev.state !== "unknown" && absenceUnproven(report, prev)) {
      if (prev.state === "fail") unchanged += 1;
      next.push({ ...prev, stale: true, lastStatus: "absent", lastScanId: report.scanId });
      continue;
    }
    if (prev.state === "fail") resolved.push(id);
    removed.push(id);
  }
  return { ...(previous ? { diff: { new: fresh, resolved, unchanged } } : {}), next, removed };
}
