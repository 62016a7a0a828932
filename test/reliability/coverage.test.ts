/**
 * Coverage (DESIGN "Coverage", issue 15 items 1 and 3): what a scan did not read is never
 * resolved and never silently dropped. Through the recorded scan (src/app/recordScan.ts), on the
 * emulator over HTTPS and the shared Azurite, with a local Teams receiver:
 *
 * - Lost read access: the scanner loses Reader on the resource group that holds the pools
 *   between two scans. ARM's lists leave the pools out; the report must list them `unknown` with
 *   `TargetNotReadable`, resolve nothing, alert nothing, and not audit their AKS clusters as new
 *   plain targets; when access comes back, nothing is "new" either.
 * - Proof of absence: the pools really are deleted (their resource group with them): a read of
 *   each id answers 404 and their drift is resolved; a pool deleted from a readable group is
 *   resolved without a read.
 * - The scope: `Warned` and `PastDue` subscriptions are scanned; a subscription the previous scan
 *   covered that is no longer listed is `SubscriptionNotScanned` (its drift stale, not resolved);
 *   a scan of no subscription is incomplete (CLI exit 2, not complete for `X-Scan-Complete`).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scanShard } from "../../functions/scanShard.js";
import { enqueueRun } from "../../src/app/fanout.js";
import { recordScan, type RecordScanResult } from "../../src/app/recordScan.js";
import { useServices } from "../../src/app/services.js";
import type { AppServices } from "../../src/app/services.js";
import { runCli } from "../../src/cli/program.js";
import type { Estate, EstateResource } from "../../src/emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { isComplete } from "../../src/http/formats.js";
import type { DriftReport } from "../../src/report/report.js";
import { parseReport } from "../../src/report/read.js";
import { DEMO_SUB_A, DEMO_SUB_B, REPO, testServices } from "../setup/harness.js";
import { startTeamsReceiver, type TeamsReceiver } from "../setup/teamsReceiver.js";
import { SimulatedQueueHost } from "../functions/queueHost.js";

const demo = JSON.parse(readFileSync(join(REPO, "estates", "demo.json"), "utf8")) as Estate;
/** The demo's scannable subscriptions (every one it lists as neither Disabled nor Deleted). */
const SCOPE = demo.subscriptions.filter((s) => !/^(disabled|deleted)$/i.test(s.state ?? "Enabled")).map((s) => s.subscriptionId);
/** The resource group that holds sub A's six cluster pools. */
const POOL_RG = `/subscriptions/${DEMO_SUB_A}/resourceGroups/rg-dataplatform`;
const inside = (id: string, scope: string) => id.toLowerCase() === scope.toLowerCase() || id.toLowerCase().startsWith(`${scope.toLowerCase()}/`);

const pools = demo.resources.filter((r) => /clusterpools$/i.test(r.type) && inside(r.id, POOL_RG));
const poolIds = pools.map((p) => p.id.toLowerCase());
const aksOf = (pool: EstateResource): string =>
  ((pool.properties as { aksClusterProfile: { aksClusterResourceId: string } }).aksClusterProfile.aksClusterResourceId).toLowerCase();
const poolAksIds = pools.map(aksOf);

/** The scanner lost Reader on the pools' resource group (ARM: lists leave it out, reads answer 403). */
const withoutAccess = (e: Estate): Estate => ({ ...e, forbiddenScopes: [...(e.forbiddenScopes ?? []), POOL_RG] });
/** `gone` deleted with everything inside them, and the AKS clusters of the deleted pools (a pool takes its AKS cluster along). */
function without(e: Estate, gone: string[]): Estate {
  const aks = e.resources.filter((r) => /clusterpools$/i.test(r.type) && gone.some((g) => inside(r.id, g))).map(aksOf);
  return { ...e, resources: e.resources.filter((r) => !gone.some((g) => inside(r.id, g)) && !aks.includes(r.id.toLowerCase())) };
}
const withStates = (e: Estate, states: Record<string, string>): Estate => ({
  ...e,
  subscriptions: e.subscriptions.map((s) => (states[s.subscriptionId] ? { ...s, state: states[s.subscriptionId] } : s)),
});

/** Ids of a report's drift (failing, not suppressed) findings, sorted; of some targets only when given. */
function driftIds(report: DriftReport, targetIds?: string[]): string[] {
  return report.targets
    .filter((t) => !targetIds || targetIds.includes(t.id.toLowerCase()))
    .flatMap((t) => t.findings.filter((f) => f.status === "fail" && !f.suppressed).map((f) => f.id))
    .sort();
}

/** One line per scan for the closing note: diff, completeness, errors, alerts. */
const notes: string[] = [];
function note(label: string, r: Extract<RecordScanResult, { status: "complete" }>, receiver: TeamsReceiver): void {
  const d = r.report.diff;
  const codes = r.report.errors.reduce<Record<string, number>>((a, e) => ({ ...a, [e.code]: (a[e.code] ?? 0) + 1 }), {});
  notes.push(
    `${label}: diff ${d ? `new=${d.new.length} resolved=${d.resolved.length} unchanged=${d.unchanged}` : "none (first scan)"}; ` +
      `targets=${r.report.summary.targets} unknown=${r.report.summary.unknown}; complete=${isComplete(r.report)}; errors ${JSON.stringify(codes)}; ` +
      `notification=${r.notification}; webhook posts so far=${receiver.requests.length}`,
  );
}

let receiver: TeamsReceiver;
const emulators: RunningEmulator[] = [];
async function emulator(estate: Estate): Promise<RunningEmulator> {
  const e = await startEmulator({ estate });
  emulators.push(e);
  return e;
}

beforeAll(async () => {
  receiver = await startTeamsReceiver();
});

afterAll(async () => {
  await Promise.all([receiver?.close(), ...emulators.map((e) => e.close())]);
  console.log(`coverage:\n  ${notes.join("\n  ")}`);
});

async function recorded(services: AppServices, subscriptions: string[] = SCOPE): Promise<Extract<RecordScanResult, { status: "complete" }>> {
  const r = await recordScan(services, { scope: { subscriptions }, trigger: "timer" });
  if (r.status !== "complete") throw new Error(`scan skipped: ${r.message}`);
  return r;
}

describe("lost read access on the pools' resource group between two recorded scans", () => {
  let granted: AppServices;
  let revoked: AppServices;
  let first: Extract<RecordScanResult, { status: "complete" }>;

  beforeAll(async () => {
    const [a, b] = await Promise.all([emulator(demo), emulator(withoutAccess(demo))]);
    granted = testServices({ emulator: a, namespace: "covaccess", receiver });
    revoked = testServices({ emulator: b, namespace: "covaccess", receiver });
    first = await recorded(granted);
    note("access: scan 1 (Reader everywhere)", first, receiver);
  }, 60_000);

  /** What must hold for every scan without access: nothing resolved, pools unknown, no new AKS targets. */
  function expectKeptUnknown(r: Extract<RecordScanResult, { status: "complete" }>): void {
    const report = r.report;
    expect(report.diff?.resolved).toEqual([]);
    expect(report.diff?.new).toEqual([]);
    expect(report.diff?.unchanged).toBe(driftIds(first.report).length);
    for (const id of poolIds) {
      const t = report.targets.find((x) => x.id.toLowerCase() === id);
      expect(t?.status, id).toBe("unknown");
      const e = report.errors.find((x) => x.code === "TargetNotReadable" && x.scope.toLowerCase() === id);
      expect(e?.message, id).toMatch(/AuthorizationFailed/);
    }
    // The pools' AKS clusters are still listed (another group), but they are the pools' own.
    const aksTargets = report.targets.filter((t) => t.kind === "aksCluster").map((t) => t.id.toLowerCase());
    expect(aksTargets.filter((id) => poolAksIds.includes(id))).toEqual([]);
    expect(report.summary.targets).toBe(first.report.summary.targets);
    expect(isComplete(report)).toBe(false);
    // The pools' drift stays visible as unknown findings with their last known status.
    const carried = report.targets.filter((t) => poolIds.includes(t.id.toLowerCase())).flatMap((t) => t.findings);
    expect(carried.filter((f) => f.status !== "unknown")).toEqual([]);
    expect(carried.filter((f) => f.evidence?.lastStatus === "fail").map((f) => f.id).sort()).toEqual(
      first.report.targets.filter((t) => poolIds.includes(t.id.toLowerCase())).flatMap((t) => t.findings.filter((f) => f.status === "fail").map((f) => f.id)).sort(),
    );
    expect(r.notification).toBe("not-needed");
  }

  it("resolves nothing, alerts nothing, lists the pools unknown with TargetNotReadable, and scan after scan", async () => {
    expect(driftIds(first.report, poolIds).length).toBeGreaterThan(0);
    const posted = receiver.requests.length;
    const second = await recorded(revoked);
    note("access: scan 2 (Reader revoked on rg-dataplatform)", second, receiver);
    expectKeptUnknown(second);
    const third = await recorded(revoked);
    note("access: scan 3 (still revoked)", third, receiver);
    expectKeptUnknown(third);
    expect(receiver.requests.length).toBe(posted);
  }, 60_000);

  it("finds nothing new when access comes back", async () => {
    const back = await recorded(granted);
    note("access: scan 4 (Reader restored)", back, receiver);
    expect(back.report.diff).toEqual({ new: [], resolved: [], unchanged: driftIds(first.report).length });
    expect(back.report.errors.filter((e) => e.code === "TargetNotReadable")).toEqual([]);
    expect(back.notification).toBe("not-needed");
  }, 60_000);
});

describe("lost read access, scanned through the fan-out: each shard reads its subscriptions' part of the previous scan", () => {
  it("lists the pools unknown with TargetNotReadable and their last findings, resolves nothing", async () => {
    const [a, b] = await Promise.all([emulator(demo), emulator(withoutAccess(demo))]);
    const env = { SCAN_SHARD_SIZE: "1", SCAN_SHARD_QUEUE: "coverage-shards" };
    const granted = testServices({ emulator: a, namespace: "covshard", receiver, env });
    const revoked = testServices({ emulator: b, namespace: "covshard", receiver, env });
    const first = await recorded(granted);
    const host = new SimulatedQueueHost(revoked.runs!.queue, revoked.runs!.poisonQueue);
    await Promise.all([host.queue.createIfNotExists(), host.poison.createIfNotExists()]);
    const { run } = await enqueueRun(revoked, { scope: { subscriptions: SCOPE }, trigger: "timer", subscriptions: SCOPE });
    useServices(revoked);
    try {
      const deliveries = await host.receive();
      expect(deliveries).toHaveLength(SCOPE.length);
      for (const d of deliveries) expect((await host.invoke(d, "scanShard", scanShard)).ok).toBe(true);
    } finally {
      useServices(undefined);
    }
    const report = (await revoked.history!.getReport(run.runId))!;
    expect(report.diff).toMatchObject({ new: [], resolved: [], unchanged: driftIds(first.report).length });
    for (const id of poolIds) {
      expect(report.targets.find((x) => x.id.toLowerCase() === id)?.status, id).toBe("unknown");
      expect(report.errors.some((x) => x.code === "TargetNotReadable" && x.scope.toLowerCase() === id), id).toBe(true);
    }
    const carried = report.targets.filter((t) => poolIds.includes(t.id.toLowerCase())).flatMap((t) => t.findings);
    expect(carried.filter((f) => f.evidence?.lastStatus === "fail").map((f) => f.id).sort()).toEqual(driftIds(first.report, poolIds));
    expect(isComplete(report)).toBe(false);
  }, 60_000);
});

describe("a vanished target is resolved on proof", () => {
  it("resolves the drift of pools whose resource group was deleted: each id read answers 404", async () => {
    const [a, b] = await Promise.all([emulator(demo), emulator(without(demo, [POOL_RG]))]);
    const first = await recorded(testServices({ emulator: a, namespace: "covgone", receiver }));
    const posted = receiver.requests.length;
    const second = await recorded(testServices({ emulator: b, namespace: "covgone", receiver }));
    note("deleted: scan 2 (rg-dataplatform deleted)", second, receiver);
    expect(second.report.diff?.resolved.slice().sort()).toEqual(driftIds(first.report, poolIds));
    expect(second.report.diff?.new).toEqual([]);
    expect(second.report.errors.filter((e) => e.code === "TargetNotReadable")).toEqual([]);
    expect(second.report.targets.filter((t) => poolIds.includes(t.id.toLowerCase()))).toEqual([]);
    expect(b.requestCounts()["get:Microsoft.HDInsight/clusterPools"]).toBe(pools.length);
    expect(b.requestCounts()["error:404"]).toBeGreaterThanOrEqual(pools.length);
    expect(second.notification).toBe("sent");
    expect(receiver.requests.length).toBe(posted + 1);
  }, 60_000);

  it("resolves a pool deleted from a resource group it can still read, without reading its id", async () => {
    const marketing = pools.find((p) => p.name === "pool-marketing")!;
    const [a, b] = await Promise.all([emulator(demo), emulator(without(demo, [marketing.id]))]);
    const first = await recorded(testServices({ emulator: a, namespace: "covlisted", receiver }));
    const second = await recorded(testServices({ emulator: b, namespace: "covlisted", receiver }));
    note("deleted: scan 2 (pool-marketing deleted, its group readable)", second, receiver);
    expect(second.report.diff?.resolved.slice().sort()).toEqual(driftIds(first.report, [marketing.id.toLowerCase()]));
    expect(second.report.errors.filter((e) => e.code === "TargetNotReadable")).toEqual([]);
    expect(b.requestCounts()["get:Microsoft.HDInsight/clusterPools"] ?? 0).toBe(0);
  }, 60_000);
});

describe("the scope does not shrink silently", () => {
  it("scans Warned and PastDue subscriptions, and leaves Disabled ones out", async () => {
    const clean = await emulator(demo);
    const states = await emulator(withStates(demo, { [DEMO_SUB_A]: "PastDue", [DEMO_SUB_B]: "Warned" }));
    const disabled = await emulator(withStates(demo, { [DEMO_SUB_B]: "Disabled" }));
    const scan = (e: RunningEmulator) => testServices({ emulator: e, namespace: "covstates", noStorage: true }).scan({ subscriptionIds: [] });
    const [base, warned, off] = await Promise.all([scan(clean), scan(states), scan(disabled)]);
    expect(warned.scope.subscriptions.slice().sort()).toEqual([...SCOPE].sort());
    expect(warned.summary).toEqual(base.summary);
    expect(off.scope.subscriptions.slice().sort()).toEqual(SCOPE.filter((s) => s !== DEMO_SUB_B).sort());
    expect(off.scope.subscriptions.length).toBeGreaterThan(0);
    expect(off.errors.filter((e) => e.code === "SubscriptionNotScanned")).toEqual([]);
  }, 60_000);

  it("reports a subscription that dropped out of the list as SubscriptionNotScanned and keeps its drift", async () => {
    const [a, b] = await Promise.all([emulator(demo), emulator({ ...demo, subscriptions: demo.subscriptions.filter((s) => s.subscriptionId !== DEMO_SUB_B) })]);
    const first = await recorded(testServices({ emulator: a, namespace: "covdropped", receiver }), []);
    const posted = receiver.requests.length;
    const second = await recorded(testServices({ emulator: b, namespace: "covdropped", receiver }), []);
    note("dropped: scan 2 (subscription B no longer listed)", second, receiver);
    const r = second.report;
    expect(r.errors).toContainEqual(expect.objectContaining({ scope: `/subscriptions/${DEMO_SUB_B}`, code: "SubscriptionNotScanned" }));
    expect(r.diff?.resolved).toEqual([]);
    expect(r.diff?.unchanged).toBe(driftIds(first.report).length);
    const bTargets = first.report.targets.filter((t) => t.subscriptionId === DEMO_SUB_B).map((t) => t.id);
    expect(r.targets.filter((t) => t.subscriptionId === DEMO_SUB_B).map((t) => [t.id, t.status])).toEqual(bTargets.map((id) => [id, "unknown"]));
    expect(isComplete(r)).toBe(false);
    expect(receiver.requests.length).toBe(posted);
    // Still an error on the next scan: the report that named it is now the previous one.
    const third = await recorded(testServices({ emulator: b, namespace: "covdropped", receiver }), []);
    expect(third.report.errors).toContainEqual(expect.objectContaining({ scope: `/subscriptions/${DEMO_SUB_B}`, code: "SubscriptionNotScanned" }));
    expect(third.report.diff?.resolved).toEqual([]);
  }, 60_000);

  it("calls a scan of no subscription incomplete: CLI exit 2, not complete", async () => {
    const e = await emulator({ ...demo, subscriptions: [] });
    let stdout = "";
    let stderr = "";
    const exit = await runCli(["scan", "--arm-endpoint", e.url, "--format", "json", "--quiet"], {
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
      env: { AZURE_ARM_TOKEN: "coverage-token" },
      isTTY: false,
      clientOptions: { maxRetries: 0, caCertificates: [e.caCertPem] },
    });
    const report = parseReport(stdout);
    notes.push(`zero subscriptions: CLI exit ${exit}; complete=${isComplete(report)}; errors ${JSON.stringify(report.errors.map((x) => x.code))}`);
    expect(report.scope.subscriptions, stderr).toEqual([]);
    expect(report.errors).toContainEqual(expect.objectContaining({ scope: "/subscriptions", code: "SubscriptionNotScanned" }));
    expect(report.errors.find((x) => x.scope === "/subscriptions")?.message).toMatch(/no subscription could be listed/);
    expect(isComplete(report)).toBe(false);
    expect(exit).toBe(2);
  }, 60_000);
});
