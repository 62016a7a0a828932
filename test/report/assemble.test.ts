/**
 * The assembly of one report from the parts of a fan-out run (report v2 parts), where a failed
 * shard is never read as compliant and never resolves drift.
 */
import { describe, expect, it } from "vitest";
import type { FindingStatus } from "../../src/checks/lib/types.js";
import { assembleReport } from "../../src/report/assemble.js";
import { diffReport, type FindingStateRecord } from "../../src/report/diff.js";
import { buildReport, catalogOf, exitCodeOf, type DriftReport, type ReportFinding, type TargetReport } from "../../src/report/report.js";
import { DriftReportSchema } from "../../src/report/schema.js";
import { reportJsonText } from "../../src/report/stream.js";
import { parseReport } from "../../src/report/read.js";
import { schemaErrors } from "../setup/harness.js";

const RUN = "0f1e2d3c-4b5a-4968-8776-655443322110";
const sub = (n: number) => `${String(n).padStart(8, "0")}-0000-4000-8000-00000000000${n % 10}`;
const targetId = (s: string, name: string) => `/subscriptions/${s}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/${name}`;

function finding(target: string, id: string, status: FindingStatus): ReportFinding {
  return { id, checkId: "mc-group-public-ip", status, severity: "high", resourceId: `${target}/x/${id}`, message: "", expected: "", actual: "", ...(status === "pass" ? {} : { evidence: {} }) };
}

function target(s: string, name: string, statuses: FindingStatus[]): TargetReport {
  const id = targetId(s, name);
  const findings = statuses.map((st, i) => finding(id, `${name}-${i}`, st));
  const status = statuses.includes("fail") ? "drifted" : statuses.includes("unknown") ? "unknown" : "compliant";
  return { id, kind: "aksCluster", name, subscriptionId: s, status, findings };
}

function part(subs: string[], targets: TargetReport[], extra: Partial<Pick<DriftReport, "errors" | "expiredSuppressions">> & { requests?: number } = {}): DriftReport {
  return buildReport({
    startedAt: new Date("2025-01-02T00:00:00Z"),
    finishedAt: new Date("2025-01-02T00:01:00Z"),
    subscriptions: subs,
    targets,
    stats: { armRequests: extra.requests ?? 10, throttled: 1, retries: 2 },
    errors: extra.errors ?? [],
    ...(extra.expiredSuppressions ? { expiredSuppressions: extra.expiredSuppressions } : {}),
  });
}

describe("assembleReport", () => {
  const [s1, s2, s3, s4, s5] = [1, 2, 3, 4, 5].map(sub) as [string, string, string, string, string];
  const previous = part([s1, s2, s3, s4, s5], [
    target(s1, "a1", ["pass"]),
    target(s3, "c1", ["fail", "pass"]),
    target(s3, "c2", ["pass"]),
    target(s4, "d1", ["pass"]),
    target(s5, "e1", ["pass"]),
  ]);

  it("merges parts: targets, summed statistics, deduplicated errors, merged expired suppressions", () => {
    const sharedError = { scope: `/subscriptions/${s1}/resourceGroups/rg-hub/providers/Microsoft.Network/azureFirewalls/fw`, code: "Http500", message: "boom" };
    const expired = (ids: string[]) => [{ checkId: "c", resourceId: "/r", reason: "r", owner: "o", expires: "2024-01-01", matchingFindingIds: ids }];
    const r = assembleReport({
      runId: RUN,
      startedAt: new Date("2025-01-02T00:00:00Z"),
      finishedAt: new Date("2025-01-02T00:05:00Z"),
      parts: [
        { shardIndex: 1, subscriptionIds: [s3, s4], report: part([s3, s4], [target(s3, "c1", ["fail", "pass"]), target(s4, "d1", ["pass"])], { errors: [sharedError], expiredSuppressions: expired(["x"]) }) },
        { shardIndex: 0, subscriptionIds: [s1, s2], report: part([s1, s2], [target(s1, "a1", ["pass"])], { errors: [sharedError], expiredSuppressions: expired(["y"]), requests: 5 }) },
      ],
      failed: [],
    });
    expect(r.scanId).toBe(RUN);
    expect(r.scope.subscriptions).toEqual([s1, s2, s3, s4]);
    expect(r.targets.map((t) => t.name)).toEqual(["a1", "c1", "d1"]);
    expect(r.stats).toEqual({ armRequests: 15, throttled: 2, retries: 4, durationMs: 300_000 });
    expect(r.errors).toEqual([sharedError]);
    expect(r.expiredSuppressions?.[0]?.matchingFindingIds).toEqual(["y", "x"]);
    expect(r.summary).toMatchObject({ targets: 3, compliant: 2, drifted: 1, unknown: 0 });
  });

  it("merges version-2 parts: the catalog once (the union of the parts'), targets with their tags, placeholders with the tags the previous scan knew; valid against the report v2 schema", () => {
    const tagged = (t: TargetReport, tags: Record<string, string>): TargetReport => ({ ...t, tags });
    const catalog = catalogOf();
    const [firstId, secondId] = Object.keys(catalog) as [string, string];
    // A part of an older release may know fewer checks: the union is carried.
    const older = { ...part([s1, s2], [tagged(target(s1, "a1", ["pass"]), { team: "a" })]), checks: { [firstId]: catalog[firstId]! } };
    const newer = { ...part([s5], [target(s5, "e1", ["fail"])]), checks: { [secondId]: catalog[secondId]! } };
    const before = { ...previous, targets: previous.targets.map((t) => (t.name === "c1" ? tagged(t, { owner: "c-team" }) : t)) };
    const r = assembleReport({
      runId: RUN,
      startedAt: new Date("2025-01-02T00:00:00Z"),
      finishedAt: new Date("2025-01-02T00:05:00Z"),
      parts: [
        { shardIndex: 0, subscriptionIds: [s1, s2], report: older },
        { shardIndex: 2, subscriptionIds: [s5], report: newer },
      ],
      failed: [{ shardIndex: 1, subscriptionIds: [s3, s4], reason: "" }],
      previous: before,
    });
    expect(Object.keys(r.checks).sort()).toEqual([firstId, secondId].sort());
    expect(r.targets.find((t) => t.name === "a1")?.tags).toEqual({ team: "a" });
    expect(r.targets.find((t) => t.name === "c1")).toMatchObject({ status: "unknown", tags: { owner: "c-team" }, findings: [] });
    expect(r.targets.find((t) => t.name === "c2")).not.toHaveProperty("tags");
    expect(schemaErrors(DriftReportSchema, r)).toBe("");
    // Without parts (every shard failed): the registry's catalog, never none.
    expect(assembleReport({ runId: RUN, startedAt: new Date(), finishedAt: new Date(), parts: [], failed: [{ shardIndex: 0, subscriptionIds: [s1], reason: "" }] }).checks).toEqual(catalog);
  });

  it("reads parts as stored (streamed JSON through parseReport): the assembled report is the same", async () => {
    const parts = [
      { shardIndex: 0, subscriptionIds: [s1, s2], report: part([s1, s2], [target(s1, "a1", ["pass", "fail"])]) },
      { shardIndex: 1, subscriptionIds: [s3], report: part([s3], [target(s3, "c1", ["unknown"])]) },
    ];
    const input = { runId: RUN, startedAt: new Date("2025-01-02T00:00:00Z"), finishedAt: new Date("2025-01-02T00:05:00Z"), failed: [] };
    const fromMemory = assembleReport({ ...input, parts });
    const stored = await Promise.all(parts.map(async (p) => ({ ...p, report: parseReport(await reportJsonText(p.report)) })));
    expect(assembleReport({ ...input, parts: stored })).toEqual(fromMemory);
  });

  it("reports a failed shard with an error, its subscriptions as not scanned and its known targets unknown: never compliant", () => {
    const r = assembleReport({
      runId: RUN,
      startedAt: new Date("2025-01-02T00:00:00Z"),
      finishedAt: new Date("2025-01-02T00:05:00Z"),
      parts: [
        { shardIndex: 0, subscriptionIds: [s1, s2], report: part([s1, s2], [target(s1, "a1", ["pass"])]) },
        { shardIndex: 2, subscriptionIds: [s5], report: part([s5], [target(s5, "e1", ["pass"])]) },
      ],
      failed: [{ shardIndex: 1, subscriptionIds: [s3, s4.toUpperCase()], attempts: 5, reason: "EndpointUnreachableError: cannot reach ARM endpoint\nstack" }],
      previous,
    });
    expect(r.scope.subscriptions).toEqual([s1, s2, s5]);
    expect(r.errors).toEqual([
      {
        scope: "shard:1",
        code: "ShardFailed",
        message: `shard 1 of run ${RUN} (subscriptions ${s3}, ${s4}) failed after 5 attempt(s) and went to the poison queue: EndpointUnreachableError: cannot reach ARM endpoint; its targets are unknown`,
      },
      { scope: `/subscriptions/${s3}`, code: "SubscriptionNotScanned", message: `subscription ${s3} was not scanned: shard 1 failed` },
      { scope: `/subscriptions/${s4}`, code: "SubscriptionNotScanned", message: `subscription ${s4} was not scanned: shard 1 failed` },
    ]);
    const placeholders = r.targets.filter((t) => t.subscriptionId === s3 || t.subscriptionId === s4);
    expect(placeholders.map((t) => [t.name, t.status, t.findings.length])).toEqual([["c1", "unknown", 0], ["c2", "unknown", 0], ["d1", "unknown", 0]]);
    expect(r.summary).toMatchObject({ targets: 5, compliant: 2, drifted: 0, unknown: 3 });
    expect(exitCodeOf(r)).toBe(2);

    // The diff keeps the failed shard's drift (stale), it does not resolve it.
    const states = new Map<string, FindingStateRecord>(
      // As the store holds it: a record per failing finding (passes keep none).
      previous.targets.flatMap((t) =>
        t.findings
          .filter((f) => f.status === "fail")
          .map((f): [string, FindingStateRecord] => [
            f.id,
            { findingId: f.id, checkId: f.checkId, targetId: t.id, resourceId: f.resourceId, severity: f.severity, state: "fail", stale: false, lastStatus: f.status, since: previous.startedAt, lastScanId: previous.scanId },
          ]),
      ),
    );
    const d = diffReport(r, states);
    expect(d.diff).toEqual({ new: [], resolved: [], unchanged: 1 });
    // c1-0 was failing: stale, unchanged. The rest passed and keep no record, so none is removed.
    expect(d.stale.sort()).toEqual(["c1-0"]);
    expect(d.removed).toEqual([]);
  });

  it("turns a shard's scan-level stop (time limit) into errors on the shard and its subscriptions, so the diff keeps what it did not read", () => {
    const stop = { scope: "scan", code: "TimeLimitExceeded", message: "the scan was stopped before it finished (time limit of 360000 ms reached); what was not read is unknown" };
    const r = assembleReport({
      runId: RUN,
      startedAt: new Date("2025-01-02T00:00:00Z"),
      finishedAt: new Date("2025-01-02T00:05:00Z"),
      parts: [
        { shardIndex: 0, subscriptionIds: [s1, s2], report: part([s1, s2], [target(s1, "a1", ["pass"])]) },
        // Shard 1 was cut short: it read c1 only, c2 and d1 are not in its part.
        { shardIndex: 1, subscriptionIds: [s3, s4], report: part([s3, s4], [target(s3, "c1", ["fail", "pass"])], { errors: [stop] }) },
        { shardIndex: 2, subscriptionIds: [s5], report: part([s5], [target(s5, "e1", ["pass"])]) },
      ],
      failed: [],
      previous,
    });
    expect(r.errors.map((e) => [e.scope, e.code])).toEqual([
      ["shard:1", "TimeLimitExceeded"],
      [`/subscriptions/${s3}`, "TimeLimitExceeded"],
      [`/subscriptions/${s4}`, "TimeLimitExceeded"],
    ]);
    const states = new Map<string, FindingStateRecord>(
      // As the store holds it: a record per failing finding (passes keep none).
      previous.targets.flatMap((t) =>
        t.findings
          .filter((f) => f.status === "fail")
          .map((f): [string, FindingStateRecord] => [
            f.id,
            { findingId: f.id, checkId: f.checkId, targetId: t.id, resourceId: f.resourceId, severity: f.severity, state: "fail", stale: false, lastStatus: f.status, since: previous.startedAt, lastScanId: previous.scanId },
          ]),
      ),
    );
    // Say c2-0 and d1-0 were failing (they passed in the previous report; drift since then is the
    // case that matters): the shard that did not read them keeps them stale, never resolved.
    for (const id of ["c2-0", "d1-0"]) {
      const t = previous.targets.find((x) => x.findings.some((f) => f.id === id))!;
      const f = t.findings.find((x) => x.id === id)!;
      states.set(id, { findingId: id, checkId: f.checkId, targetId: t.id, resourceId: f.resourceId, severity: f.severity, state: "fail", stale: false, lastStatus: "fail", since: previous.startedAt, lastScanId: previous.scanId });
    }
    const d = diffReport(r, states);
    expect(d.removed).toEqual([]);
    expect(d.diff?.resolved).toEqual([]);
    expect(d.stale.sort()).toEqual(["c2-0", "d1-0"]);
  });

  it("without a previous scan, a failed shard still leaves the report incomplete: its subscriptions are named in errors", () => {
    const r = assembleReport({
      runId: RUN,
      startedAt: new Date("2025-01-02T00:00:00Z"),
      finishedAt: new Date("2025-01-02T00:05:00Z"),
      parts: [{ shardIndex: 1, subscriptionIds: [s3], report: part([s3], [target(s3, "c2", ["pass"])]) }],
      failed: [{ shardIndex: 0, subscriptionIds: [s1, s2], reason: "" }],
    });
    expect(r.summary).toMatchObject({ targets: 1, compliant: 1, drifted: 0, unknown: 0 });
    expect(r.errors.map((e) => [e.scope, e.code])).toEqual([
      ["shard:0", "ShardFailed"],
      [`/subscriptions/${s1}`, "SubscriptionNotScanned"],
      [`/subscriptions/${s2}`, "SubscriptionNotScanned"],
    ]);
    expect(r.errors[0]!.message).not.toContain("attempt");
    expect(exitCodeOf(r)).toBe(2);
  });
});
