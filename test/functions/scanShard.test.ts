/**
 * The fan-out end to end on real parts: the ARM emulator over HTTPS (a generated estate of six
 * subscriptions, shards of two: three shards), the shared Azurite (tables, blobs and the real
 * queues), a local Teams receiver; the timer, `scanShard` and `scanShardPoison` handlers, with
 * the host's queue behaviour (dequeue counts, retries, the poison queue) done by hand on the real
 * queues (test/functions/queueHost.ts).
 *
 * - The timer puts one base64 JSON message per shard on the queue; three invocations scan the
 *   shards and the last assembles the same report a single-instance scan makes.
 * - A second timer run while a run of the scope is in progress skips.
 * - One shard fails (its ARM endpoint is unreachable): retried maxDequeueCount times, poisoned;
 *   the poison function settles it as failed and assembles: the report carries the shard's error,
 *   its targets `unknown`, its drift kept (stale), not resolved; no Teams post.
 * - The last two shards finish at once (forced onto the same ETag): exactly one assembles, one
 *   report, one Teams post; all three delivered at once through the handler: one assembly.
 * - An assembler that dies while posting is redelivered, resumes and does not post again; a
 *   poisoned message whose part was stored counts as done without scanning again.
 * - A redelivered message of a finished run changes nothing; a message that is not a shard
 *   message is dropped, not retried.
 * - A first scan (every visible subscription, shards of one) whose failed shard is poisoned
 *   first: the report names the missing subscription and is never compliant.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Timer } from "@azure/functions";
import { BlobServiceClient } from "@azure/storage-blob";
import { generateEstate, type GeneratedEstate } from "../../bench/generate.js";
import { scanShard } from "../../functions/scanShard.js";
import { scanShardPoison } from "../../functions/scanShardPoison.js";
import { scheduledScan, type ScheduledScanOutcome } from "../../functions/scheduledScan.js";
import { parseEstate, type Estate } from "../../src/emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { exitCodeOf, type DriftReport } from "../../src/report/report.js";
import { processShard, type ShardOutcome } from "../../src/app/fanout.js";
import { scopeKeyOf } from "../../src/model/scan.js";
import { useServices, type AppServices } from "../../src/app/services.js";
import { publicIp } from "../helpers/estate.js";
import { azurite, cardText, invocation, noteCardSize, storageCounts, testServices } from "../setup/harness.js";
import { startTeamsReceiver, type TeamsReceiver } from "../setup/teamsReceiver.js";
import { SimulatedQueueHost, type Delivery, type Invocation } from "./queueHost.js";

const timer: Timer = {
  isPastDue: false,
  schedule: { adjustForDST: true },
  scheduleStatus: { last: "2025-01-01T00:00:00.000Z", next: "2025-01-01T06:00:00.000Z", lastUpdated: "2025-01-01T00:00:00.000Z" },
};
const STRAY_IP = "stray-fanout-pip";
/** Nothing listens on the discard port: a shard scanned through this fails to reach ARM. */
const UNREACHABLE_ARM = "https://127.0.0.1:9";

let generated: GeneratedEstate;
let subs: string[];
let receiver: TeamsReceiver;
let base: RunningEmulator;
let changed: RunningEmulator;
let clean: RunningEmulator;
let good: AppServices;
let goodChanged: AppServices;
let broken: AppServices;
let host: SimulatedQueueHost;

const fanOutEnv = (extra: Record<string, string> = {}) => ({ SCAN_FANOUT: "queue", SCAN_SHARD_SIZE: "2", SCAN_SHARD_QUEUE: "fanout-e2e-shards", ...extra });

beforeAll(async () => {
  generated = generateEstate({ targets: 24, subscriptions: 6, driftRate: 0.25, seed: "fanout" });
  subs = generated.estate.subscriptions.map((s) => s.subscriptionId);
  // The change: a public IP left in the MC group of a compliant pool of the first shard.
  const pool = generated.estate.resources.find((r) => /managedclusters$/i.test(r.type) && r.name === "pool-0-1");
  const mcGroup = (pool?.properties as { nodeResourceGroup?: string } | undefined)?.nodeResourceGroup;
  expect(mcGroup).toBeTruthy();
  expect(generated.seeded.some((d) => d.target === "pool-0-1")).toBe(false);
  const withStrayIp: Estate = { ...generated.estate, resources: [...generated.estate.resources, publicIp(subs[0]!, mcGroup!, STRAY_IP)] };
  const cleanEstate = generateEstate({ targets: 9, subscriptions: 3, driftRate: 0, seed: "fanout-clean" });
  receiver = await startTeamsReceiver();
  [base, changed, clean] = await Promise.all([
    startEmulator({ estate: parseEstate(generated.estate) }),
    startEmulator({ estate: parseEstate(withStrayIp) }),
    startEmulator({ estate: parseEstate(cleanEstate.estate) }),
  ]);
  const env = fanOutEnv({ SCAN_SUBSCRIPTIONS: subs.join(",") });
  good = testServices({ emulator: base, namespace: "fanout", receiver, env });
  goodChanged = testServices({ emulator: changed, namespace: "fanout", receiver, env });
  broken = testServices({ emulator: { ...base, url: UNREACHABLE_ARM }, namespace: "fanout", receiver, env });
  host = new SimulatedQueueHost(good.runs!.queue, good.runs!.poisonQueue);
  expect(host.maxDequeueCount).toBe(5);
});

afterAll(async () => {
  useServices(undefined);
  await Promise.all([base?.close(), changed?.close(), clean?.close(), receiver?.close()]);
});

async function timerRun(services: AppServices): Promise<{ outcome: ScheduledScanOutcome; lines: string[] }> {
  useServices(services);
  const { context, lines } = invocation("scheduledScan");
  return { outcome: await scheduledScan(timer, context), lines };
}

function fannedOut(outcome: ScheduledScanOutcome): { runId: string; shards: number } {
  expect(outcome.status).toBe("fanned-out");
  if (outcome.status !== "fanned-out") throw new Error("not fanned out");
  return outcome;
}

const shardOf = (d: Delivery) => (d.entry as { shardIndex: number }).shardIndex;
const byShard = (ds: Delivery[]) => [...ds].sort((a, b) => shardOf(a) - shardOf(b));

/** Delivers a message to `scanShard` with `services` installed, as the host would. */
async function deliver(d: Delivery, services: AppServices) {
  useServices(services);
  return host.invoke(d, "scanShard", scanShard);
}

async function blobNames(services: AppServices, prefix: string): Promise<string[]> {
  const container = BlobServiceClient.fromConnectionString(azurite()).getContainerClient(services.history!.names.container);
  const out: string[] = [];
  for await (const b of container.listBlobsFlat({ prefix })) out.push(b.name);
  return out;
}

const key = (r: DriftReport) =>
  r.targets
    .map((t) => `${t.id.toLowerCase()}=${t.status}:${t.findings.map((f) => `${f.id}/${f.status}`).sort().join(",")}`)
    .sort();

const targetsOf = (r: DriftReport, subscriptionIds: readonly string[]) => r.targets.filter((t) => subscriptionIds.includes(t.subscriptionId.toLowerCase()));

describe("fan-out across instances", () => {
  const scopeKey = () => scopeKeyOf({ subscriptions: subs });

  it("the timer enqueues one base64 JSON message per shard on the real queue; the last shard assembles the report a single scan makes", async () => {
    const { outcome } = await timerRun(good);
    const run = fannedOut(outcome);
    expect(outcome).toMatchObject({ shards: 3, subscriptions: 6 });

    const deliveries = byShard(await host.receive());
    expect(deliveries).toHaveLength(3);
    for (const d of deliveries) expect(d.text).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(deliveries.map((d) => d.entry)).toEqual([0, 1, 2].map((i) => ({ runId: run.runId, shardIndex: i, subscriptionIds: subs.slice(2 * i, 2 * i + 2) })));
    expect(await good.runs!.getRun(run.runId)).toMatchObject({ shardCount: 3, states: "ppp", status: "running", scopeKey: scopeKey() });

    const results: ShardOutcome[] = [];
    for (const d of deliveries) {
      const r = await deliver(d, good);
      if (!r.ok) throw r.error;
      results.push(r.result);
      if (results.length === 1) expect(await blobNames(good, `runs/${run.runId}/`)).toEqual([`runs/${run.runId}/shard-0.json`]);
    }
    expect(results.map((r) => r.status)).toEqual(["settled", "settled", "assembled"]);
    const last = results[2]!;
    if (last.status !== "assembled" || last.assembly.status !== "assembled") throw new Error("not assembled");
    expect(last.assembly).toMatchObject({ scanId: run.runId, notification: "not-needed", failedShards: [] });

    const report = (await good.history!.getReport(run.runId))!;
    const single = await good.scan({ subscriptionIds: subs });
    expect(key(report)).toEqual(key(single));
    expect(report.summary).toEqual(single.summary);
    expect(report.scope.subscriptions).toEqual(subs);
    expect(report.errors).toEqual([]);
    expect(report.diff).toBeUndefined(); // the scope's first scan only seeds its state
    expect(report.stats.armRequests).toBeGreaterThan(0);
    expect(exitCodeOf(report)).toBe(1); // the seeded drift
    expect(report.summary.drifted).toBe(generated.seeded.length);

    expect(await good.runs!.getRun(run.runId)).toMatchObject({ states: "ddd", done: 3, status: "complete", assembledBy: 2, notification: "not-needed" });
    expect(await good.runs!.activeRun(scopeKey())).toBeUndefined();
    expect(await blobNames(good, `runs/${run.runId}/`)).toEqual([]);
    expect(await host.receive()).toEqual([]);
    expect((await good.history!.latest(scopeKey()))?.scanId).toBe(run.runId);
    expect(receiver.requests).toHaveLength(0);
  });

  it("a timer run while a run of the same scope is in progress skips and says so", async () => {
    const run = fannedOut((await timerRun(good)).outcome);
    const counts = await storageCounts(good.history!);
    const second = await timerRun(good);
    expect(second.outcome).toMatchObject({ status: "skipped" });
    expect(second.lines.join("\n")).toMatch(new RegExp(`warning: scheduled scan skipped: fan-out run ${run.runId} of scope subs-[0-9a-f]+ is still in progress \\(0 of 3 shards settled\\)`));
    expect(await storageCounts(good.history!)).toEqual(counts);

    const deliveries = await host.receive();
    expect(deliveries).toHaveLength(3); // only the first run's
    const results = [];
    for (const d of byShard(deliveries)) results.push(await deliver(d, good));
    const last = results.at(-1)!;
    expect(last).toMatchObject({ ok: true, result: { status: "assembled", assembly: { status: "assembled", notification: "not-needed" } } });
    const report = (await good.history!.getReport(run.runId))!;
    expect(report.diff).toMatchObject({ new: [], resolved: [] });
    expect(receiver.requests).toHaveLength(0);
  });

  it("one of three shards fails: retried maxDequeueCount times, poisoned; the poison function settles it and assembles a report with its error and its targets unknown, never compliant, its drift not resolved", async () => {
    const previous = (await good.history!.getReport((await good.history!.latest(scopeKey()))!.scanId))!;
    const run = fannedOut((await timerRun(good)).outcome);
    const failedSubs = subs.slice(2, 4);
    const posts = receiver.requests.length;

    // Shards 0 and 2 do their work; shard 1 cannot reach ARM.
    const deliveries = byShard(await host.receive());
    expect(await deliver(deliveries[0]!, good)).toMatchObject({ ok: true, result: { status: "settled" } });
    expect(await deliver(deliveries[2]!, good)).toMatchObject({ ok: true, result: { status: "settled" } });
    const dequeueCounts: number[] = [];
    let poisoned = false;
    let pending: Delivery[] = [deliveries[1]!];
    while (!poisoned) {
      const d = pending[0]!;
      dequeueCounts.push(d.dequeueCount);
      const r = await deliver(d, broken);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(String(r.error)).toMatch(/cannot reach ARM endpoint/);
        poisoned = r.poisoned;
      }
      if (!poisoned) pending = await host.receive();
    }
    expect(dequeueCounts).toEqual([1, 2, 3, 4, 5]); // the queue's own dequeue counts
    expect(await host.receive()).toEqual([]);
    expect(await good.runs!.getShard(run.runId, 1)).toMatchObject({ status: "retrying", attempts: 5, lastError: expect.stringMatching(/^EndpointUnreachable.*cannot reach ARM endpoint/) as unknown });
    expect(await good.runs!.getRun(run.runId)).toMatchObject({ states: "dpd", status: "running" });

    // The host moved it to the poison queue; the poison function takes it from there.
    const poison = await host.receive(host.poison);
    expect(poison).toHaveLength(1);
    expect(poison[0]!.entry).toEqual({ runId: run.runId, shardIndex: 1, subscriptionIds: failedSubs });
    useServices(good);
    const handled = await host.invoke(poison[0]!, "scanShardPoison", scanShardPoison);
    if (!handled.ok) throw handled.error;
    expect(handled.result).toMatchObject({ status: "assembled", outcome: "failed", assembly: { status: "assembled", failedShards: [1], notification: "not-needed" } });
    expect(handled.lines.join("\n")).toMatch(/warning: shard 1 of run .* was poisoned after 5 attempt\(s\): EndpointUnreachable/);
    expect(await host.receive(host.poison)).toEqual([]);
    expect(await good.runs!.getShard(run.runId, 1)).toMatchObject({ status: "failed" });
    expect(await good.runs!.getRun(run.runId)).toMatchObject({ states: "dfd", done: 2, failed: 1, status: "complete" });

    const report = (await good.history!.getReport(run.runId))!;
    // The error names the shard, its subscriptions and why.
    expect(report.errors).toContainEqual({
      scope: "shard:1",
      code: "ShardFailed",
      message: expect.stringMatching(new RegExp(`^shard 1 of run ${run.runId} \\(subscriptions ${failedSubs.join(", ")}\\) failed after 5 attempt\\(s\\) and went to the poison queue: EndpointUnreachable.*its targets are unknown$`)) as unknown,
    });
    for (const s of failedSubs) expect(report.errors).toContainEqual(expect.objectContaining({ scope: `/subscriptions/${s}`, code: "SubscriptionNotScanned" }));
    expect(report.scope.subscriptions).toEqual([...subs.slice(0, 2), ...subs.slice(4)]);
    // Its targets, known from the previous scan, are unknown: none of them is claimed compliant.
    const missing = targetsOf(report, failedSubs);
    expect(missing.map((t) => t.id).sort()).toEqual(targetsOf(previous, failedSubs).map((t) => t.id).sort());
    expect(missing.length).toBe(8);
    expect(missing.every((t) => t.status === "unknown" && t.findings.length === 0)).toBe(true);
    expect(report.summary.unknown).toBe(8);
    expect(report.summary.targets).toBe(24);
    expect(exitCodeOf(report)).not.toBe(0);
    // The other shards' results are whole.
    expect(key({ ...report, targets: report.targets.filter((t) => !failedSubs.includes(t.subscriptionId.toLowerCase())) })).toEqual(
      key({ ...previous, targets: previous.targets.filter((t) => !failedSubs.includes(t.subscriptionId.toLowerCase())) }),
    );

    // The failed shard's drift is kept (stale), not resolved; nothing changed, so nothing was posted.
    expect(report.diff).toMatchObject({ new: [], resolved: [] });
    const failedDrift = generated.seeded.filter((d) => failedSubs.some((s) => targetsOf(previous, [s]).some((t) => t.name === d.target)));
    expect(failedDrift.map((d) => d.target).sort()).toEqual(["pool-2-3", "pool-3-3"]);
    const states = await good.history!.findingStates(scopeKey());
    const staleFails = states.filter((s) => s.state === "fail" && s.stale && failedSubs.some((sub) => s.targetId.toLowerCase().includes(sub)));
    expect(staleFails.length).toBeGreaterThanOrEqual(2);
    expect(receiver.requests.length).toBe(posts);
    const entry = await good.history!.latest(scopeKey());
    expect(entry).toMatchObject({ scanId: run.runId, trigger: "timer", notification: "not-needed" });
    expect(entry!.errors).toBe(3);
  });

  it("the last two shards finishing at once (forced onto the same ETag): exactly one assembles, one report, one Teams post", async () => {
    const run = fannedOut((await timerRun(goodChanged)).outcome);
    const reportsBefore = await blobNames(good, "reports/");
    const indexBefore = (await good.history!.listScans({ limit: 100 })).items.length;
    const posts = receiver.requests.length;
    const deliveries = byShard(await host.receive());
    expect(await deliver(deliveries[0]!, goodChanged)).toMatchObject({ ok: true, result: { status: "settled" } });

    // Both read the run record before either writes: one update gets 412, re-reads and claims.
    let arrived = 0;
    let release!: () => void;
    const bothRead = new Promise<void>((resolve) => (release = resolve));
    const hooks = {
      afterRunRead: async ({ attempt }: { attempt: number }) => {
        if (attempt > 1) return;
        if (++arrived === 2) release();
        await bothRead;
      },
    };
    const outcomes = await Promise.all(
      deliveries.slice(1).map((d) => processShard(goodChanged, d.entry, { dequeueCount: d.dequeueCount, hooks })),
    );
    for (const d of deliveries.slice(1)) await host.complete(d);
    expect(outcomes.map((o) => o.status).sort()).toEqual(["assembled", "settled"]);
    const conflicts = outcomes.map((o) => ("conflicts" in o ? o.conflicts : 0));
    expect(conflicts.reduce((a, b) => a + b, 0)).toBe(1);
    const assembled = outcomes.find((o) => o.status === "assembled")!;
    expect(assembled).toMatchObject({ conflicts: 1, assembly: { status: "assembled", notification: "sent" } });

    const reportsAfter = await blobNames(good, "reports/");
    expect(reportsAfter.filter((n) => !reportsBefore.includes(n))).toEqual([`reports/${run.runId}.json.gz`]);
    expect((await good.history!.listScans({ limit: 100 })).items.length).toBe(indexBefore + 1);
    expect(receiver.requests.length).toBe(posts + 1);
    const post = receiver.requests.at(-1)!;
    noteCardSize(post.bytes);
    expect(cardText(post.body)).toContain(STRAY_IP);
    expect(cardText(post.body)).toContain("New drift (1)");
    const report = (await good.history!.getReport(run.runId))!;
    // The shard that failed last time is read again: its drift was kept, so it is unchanged, not new.
    expect(report.diff?.new).toHaveLength(1);
    expect(report.diff?.resolved).toEqual([]);
    expect(report.errors).toEqual([]);
  });

  it("all three shards delivered at once through the handler: one assembly, one report, no post without a change", async () => {
    const run = fannedOut((await timerRun(goodChanged)).outcome);
    const reportsBefore = await blobNames(good, "reports/");
    const posts = receiver.requests.length;
    const deliveries = await host.receive();
    useServices(goodChanged);
    const results = await Promise.all(deliveries.map((d) => host.invoke(d, "scanShard", scanShard)));
    const statuses = results.map((r) => (r.ok ? r.result.status : "threw"));
    expect(statuses.filter((s) => s === "assembled")).toHaveLength(1);
    expect(statuses.filter((s) => s === "settled")).toHaveLength(2);
    expect((await blobNames(good, "reports/")).filter((n) => !reportsBefore.includes(n))).toEqual([`reports/${run.runId}.json.gz`]);
    expect(receiver.requests.length).toBe(posts);
    expect(await host.receive()).toEqual([]);
  });

  it("an assembler that dies while posting to Teams is retried by the host: it resumes the assembly and does not post again", async () => {
    // Back to the base estate: the stray IP is gone, so its drift resolves and a post is due.
    const run = fannedOut((await timerRun(good)).outcome);
    const posts = receiver.requests.length;
    const deliveries = byShard(await host.receive());
    for (const d of deliveries.slice(0, 2)) expect(await deliver(d, good)).toMatchObject({ ok: true, result: { status: "settled" } });

    // The invocation "dies" while Teams receives the post (aborted mid-request) and throws.
    const controller = new AbortController();
    receiver.onRequest = () => controller.abort();
    const died = await host.invoke(deliveries[2]!, "scanShard", (entry, context) =>
      processShard(good, entry, { dequeueCount: Number(context.triggerMetadata?.dequeueCount), abortSignal: controller.signal }),
    );
    receiver.onRequest = undefined;
    expect(died).toMatchObject({ ok: false, poisoned: false });
    if (!died.ok) expect(String(died.error)).toMatch(/abort/i);
    expect(receiver.requests.length).toBe(posts + 1);
    noteCardSize(receiver.requests.at(-1)!.bytes);
    expect(cardText(receiver.requests.at(-1)!.body)).toContain("Resolved drift (1)");
    expect(await good.runs!.getRun(run.runId)).toMatchObject({ status: "assembling", assembledBy: 2 });
    expect((await good.history!.latest(scopeKey()))?.scanId).not.toBe(run.runId); // not committed

    // The host redelivers it: the shard is settled already, it claimed the assembly, so it resumes.
    const [again] = await host.receive();
    expect(again!.dequeueCount).toBe(2);
    const retried = await deliver(again!, good);
    expect(retried).toMatchObject({ ok: true, result: { status: "assembled", reusedPart: true, assembly: { status: "assembled", notification: "duplicate" } } });
    if (retried.ok) expect(retried.lines.join("\n")).toContain("claimed the assembly earlier; resuming it");
    expect(receiver.requests.length).toBe(posts + 1);
    expect(await good.history!.latest(scopeKey())).toMatchObject({ scanId: run.runId, notification: "duplicate", diff: { new: 0, resolved: 1 } });
    expect(await good.runs!.getRun(run.runId)).toMatchObject({ status: "complete" });
  });

  it("a poisoned message whose part was stored (only settling failed) counts as done, without scanning again", async () => {
    const run = fannedOut((await timerRun(good)).outcome);
    const deliveries = byShard(await host.receive());
    // Shard 0 stores its part, then its settling fails (storage hiccup) on every delivery.
    const failSettling = { afterRunRead: () => Promise.reject(new Error("table unavailable")) };
    const stored = await host.invoke(deliveries[0]!, "scanShard", (entry) => processShard(good, entry, { hooks: failSettling }));
    expect(stored).toMatchObject({ ok: false });
    expect(await good.runs!.getShard(run.runId, 0)).toMatchObject({ status: "stored" });
    const [redelivered] = await host.receive();
    // Later deliveries find the part and do not scan again; the host gives up after the last.
    const requests = base.totalRequests();
    const { context } = host.context(redelivered!, "scanShard");
    await expect(processShard(good, redelivered!.entry, { hooks: failSettling, dequeueCount: Number(context.triggerMetadata?.dequeueCount) })).rejects.toThrow(/table unavailable/);
    expect(base.totalRequests()).toBe(requests);
    await host.complete(redelivered!);
    await host.poison.sendMessage(redelivered!.text);

    const [poisoned] = await host.receive(host.poison);
    useServices(good);
    const handled = await host.invoke(poisoned!, "scanShardPoison", scanShardPoison);
    expect(handled).toMatchObject({ ok: true, result: { status: "settled", outcome: "done", reusedPart: true } });
    if (handled.ok) expect(handled.lines.join("\n")).toContain("its part was stored: settling it as done");
    expect(base.totalRequests()).toBe(requests);
    for (const d of deliveries.slice(1)) await deliver(d, good);
    const report = (await good.history!.getReport(run.runId))!;
    expect(report.errors).toEqual([]);
    expect(report.summary.targets).toBe(24);
    expect(report.summary.unknown).toBe(0);
  });

  it("a redelivered message of a finished run changes nothing and scans nothing; a message that is not a shard message is dropped, not retried", async () => {
    const latest = (await good.history!.latest(scopeKey()))!;
    const shards = await good.runs!.listShards(latest.scanId);
    expect(shards).toHaveLength(3);
    const counts = await storageCounts(good.history!);
    const requests = changed.totalRequests();
    useServices(goodChanged);
    const { context } = invocation("scanShard");
    const again = await scanShard({ runId: latest.scanId, shardIndex: 1, subscriptionIds: shards[1]!.subscriptionIds }, context);
    expect(again).toEqual({ status: "ignored", runId: latest.scanId, shardIndex: 1, reason: "RunComplete" });
    const poisonAgain = await scanShardPoison({ runId: latest.scanId, shardIndex: 1, subscriptionIds: shards[1]!.subscriptionIds }, context);
    expect(poisonAgain).toMatchObject({ status: "ignored", reason: "RunComplete" });
    expect(changed.totalRequests()).toBe(requests);
    expect(await storageCounts(good.history!)).toEqual(counts);

    expect(await scanShard("not a message", context)).toMatchObject({ status: "rejected" });
    expect(await scanShard({ runId: latest.scanId, shardIndex: 1, subscriptionIds: [subs[0]] }, context)).toMatchObject({
      status: "rejected",
      reason: expect.stringMatching(/does not match the run's record/) as unknown,
    });
    expect(await scanShard({ runId: "00000000-0000-4000-8000-000000000000", shardIndex: 0, subscriptionIds: [subs[0]] }, context)).toMatchObject({ status: "ignored", reason: "UnknownRun" });
    expect(changed.totalRequests()).toBe(requests);
  });

  it("a first scan of every visible subscription whose failed shard is poisoned first: the report names the missing subscription and is never compliant", async () => {
    const env = fanOutEnv({ SCAN_SHARD_SIZE: "1", SCAN_SHARD_QUEUE: "fanout-e2e-clean" });
    const cleanGood = testServices({ emulator: clean, namespace: "fanoutclean", receiver, env });
    const cleanBroken = testServices({ emulator: { ...clean, url: UNREACHABLE_ARM }, namespace: "fanoutclean", receiver, env });
    const cleanHost = new SimulatedQueueHost(cleanGood.runs!.queue, cleanGood.runs!.poisonQueue);
    const run = fannedOut((await timerRun(cleanGood)).outcome);
    expect(run.shards).toBe(3); // the timer listed the three visible subscriptions
    const deliveries = byShard(await cleanHost.receive());
    const missingSub = (deliveries[0]!.entry as { subscriptionIds: string[] }).subscriptionIds[0]!;

    let d: Delivery | undefined = deliveries[0];
    while (d) {
      useServices(cleanBroken);
      const r: Invocation<ShardOutcome> = await cleanHost.invoke(d, "scanShard", scanShard);
      expect(r.ok).toBe(false);
      d = r.ok || r.poisoned ? undefined : (await cleanHost.receive())[0];
    }
    const [poisoned] = await cleanHost.receive(cleanHost.poison);
    useServices(cleanGood);
    const marked = await cleanHost.invoke(poisoned!, "scanShardPoison", scanShardPoison);
    expect(marked).toMatchObject({ ok: true, result: { status: "settled", outcome: "failed" } });

    const rest = await Promise.all(deliveries.slice(1).map((x) => cleanHost.invoke(x, "scanShard", scanShard)));
    const assembled = rest.map((r) => (r.ok ? r.result : undefined)).find((r) => r?.status === "assembled");
    expect(assembled).toMatchObject({ outcome: "done", assembly: { status: "assembled", failedShards: [0], notification: "not-needed" } });

    const report = (await cleanGood.history!.getReport(run.runId))!;
    expect(report.summary).toMatchObject({ targets: 6, compliant: 6, drifted: 0, unknown: 0 });
    expect(report.targets.some((t) => t.subscriptionId.toLowerCase() === missingSub)).toBe(false);
    expect(report.errors.map((e) => [e.scope, e.code])).toEqual([
      ["shard:0", "ShardFailed"],
      [`/subscriptions/${missingSub}`, "SubscriptionNotScanned"],
    ]);
    expect(exitCodeOf(report)).toBe(2); // incomplete, never "compliant"
    expect((await cleanGood.history!.latest("all"))?.scanId).toBe(run.runId);
  });

  it("auto fans out only when the scope has more subscriptions than one shard", async () => {
    const small = testServices({ emulator: base, namespace: "fanoutauto", env: { ...fanOutEnv({ SCAN_FANOUT: "auto", SCAN_SHARD_SIZE: "5" }), SCAN_SUBSCRIPTIONS: subs.slice(0, 2).join(",") } });
    const { outcome, lines } = await timerRun(small);
    expect(outcome).toMatchObject({ status: "complete" });
    expect(lines.join("\n")).toContain("scheduled scan runs in this instance: 2 subscription(s) fit one shard of 5");
  });
});
