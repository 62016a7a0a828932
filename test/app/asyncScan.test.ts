/**
 * Asynchronous scans (issue 14, item 5) on real parts: the ARM emulator over HTTPS (a generated
 * estate of six subscriptions; one copy answers slowly, so a scan outlasts a short wait), the
 * shared Azurite (tables, blobs, the real shard queue), the route pipeline the functions run, and
 * the host's queue behaviour done by hand on the real queues (test/functions/queueHost.ts):
 *
 * - a POST whose scan outlasts `SCAN_SYNC_WAIT_IN_MS` answers 202 with Location, Retry-After and
 *   its progress; polling the Location shows the progress and then (200) the report, valid
 *   against the report v2 schema, with the same findings a scan made in one request reports;
 * - while it is queued, a scan of the same subscriptions (any targets) is 409 naming it; the
 *   instance's scan slot is free again once the scan is handed over;
 * - a small fast scope answers 201 with the report, nothing queued;
 * - bad bodies are 400 with nothing enqueued and no run recorded;
 * - a poisoned shard ends as an incomplete report on the Location, not a poll that never ends;
 *   an abandoned or expired run is 410 ScanFailed; an unknown id 404.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateEstate } from "../../bench/generate.js";
import { scanShard } from "../../functions/scanShard.js";
import { scanShardPoison } from "../../functions/scanShardPoison.js";
import { FANOUT_RUN_EXPIRY_IN_MS } from "../../src/app/fanout.js";
import { useServices, type AppServices } from "../../src/app/services.js";
import { DEFAULT_SYNC_SCAN_WAIT_IN_MS, readAppSettings } from "../../src/config/appSettings.js";
import { parseEstate } from "../../src/emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { getOpenApi, getScan, startScan } from "../../src/http/routes.js";
import { ScanProgress } from "../../src/http/schemas.js";
import { lockKeyOf } from "../../src/model/scan.js";
import { readReport } from "../../src/report/read.js";
import { exitCodeOf, type DriftReport } from "../../src/report/report.js";
import { DriftReportSchema } from "../../src/report/schema.js";
import { schemaErrors, testServices } from "../setup/harness.js";
import { SimulatedQueueHost, type Delivery } from "../functions/queueHost.js";
import { callRoute, type Answer } from "./routeCalls.js";

const QUEUE = "async-scan-shards";
/** Nothing listens on the discard port: a shard scanned through this fails to reach ARM. */
const UNREACHABLE_ARM = "https://127.0.0.1:9";
const SCAN_ID = /^\/api\/scans\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

let subs: string[];
let targetIds: string[];
let fast: RunningEmulator;
let slow: RunningEmulator;
/** Scans that outlast a 200 ms wait: the slow emulator. */
let slowAsync: AppServices;
/** The same estate scanned in one request (the reference). */
let syncRef: AppServices;
/** Wait 0: every scan goes to the queue at once; shards scanned on the fast emulator. */
let queued: AppServices;
let broken: AppServices;
let host: SimulatedQueueHost;

const env = (extra: Record<string, string> = {}) => ({ SCAN_SHARD_SIZE: "2", SCAN_SHARD_QUEUE: QUEUE, SCAN_RATE_LIMIT_PER_MINUTE: "0", SCAN_RATE_LIMIT_GLOBAL_PER_MINUTE: "0", ...extra });

beforeAll(async () => {
  const generated = generateEstate({ targets: 18, subscriptions: 6, driftRate: 0.25, seed: "async-scan" });
  subs = generated.estate.subscriptions.map((s) => s.subscriptionId);
  targetIds = generated.estate.resources.filter((r) => /managedclusters$|clusterpools$/i.test(r.type)).map((r) => r.id);
  [fast, slow] = await Promise.all([
    startEmulator({ estate: parseEstate(generated.estate) }),
    startEmulator({ estate: parseEstate(generated.estate), faults: { latencyInMs: 150 } }),
  ]);
  slowAsync = testServices({ emulator: slow, namespace: "asyncslow", env: env({ SCAN_SYNC_WAIT_IN_MS: "200" }) });
  syncRef = testServices({ emulator: fast, namespace: "asyncref", env: env() });
  queued = testServices({ emulator: fast, namespace: "asyncqueued", env: env({ SCAN_SYNC_WAIT_IN_MS: "0" }) });
  broken = testServices({ emulator: { ...fast, url: UNREACHABLE_ARM }, namespace: "asyncqueued", env: env({ SCAN_SYNC_WAIT_IN_MS: "0" }) });
  // Every store here shares the queue (one name); each test drains what it enqueued.
  host = new SimulatedQueueHost(queued.runs!.queue, queued.runs!.poisonQueue);
  await Promise.all([host.queue.createIfNotExists(), host.poison.createIfNotExists()]);
}, 60_000);

afterAll(async () => {
  useServices(undefined);
  await Promise.all([fast?.close(), slow?.close()]);
});

const call = callRoute;

const post = (services: AppServices, body: unknown, raw?: string) =>
  call(startScan, services, { headers: { "content-type": "application/json", "x-functions-key": "k" }, body: raw ?? JSON.stringify(body) }, "/api/scans");
const get = (services: AppServices, location: string) => {
  const scanId = SCAN_ID.exec(location)?.[1];
  if (!scanId) throw new Error(`not a scan location: ${location}`);
  return call(getScan, services, { headers: { "x-functions-key": "k" }, params: { scanId } }, location);
};

/** What a report says about each target: its status and its findings' ids and statuses. */
const key = (r: DriftReport) => r.targets.map((t) => `${t.id.toLowerCase()}=${t.status}:${t.findings.map((f) => `${f.id}/${f.status}`).sort().join(",")}`).sort();

const shardOf = (d: Delivery) => (d.entry as { shardIndex: number }).shardIndex;
const runOf = (d: Delivery) => (d.entry as { runId: string }).runId;

async function deliveriesOf(runId: string): Promise<Delivery[]> {
  const all = await host.receive();
  const others = all.filter((d) => runOf(d) !== runId);
  expect(others.map(runOf)).toEqual([]);
  return all.sort((a, b) => shardOf(a) - shardOf(b));
}

async function deliver(d: Delivery, services: AppServices) {
  useServices(services);
  return host.invoke(d, "scanShard", scanShard);
}

function accepted(r: Answer): { scanId: string; location: string } {
  expect(r.status, JSON.stringify(r.json)).toBe(202);
  const location = r.headers.location ?? "";
  const scanId = SCAN_ID.exec(location)?.[1];
  expect(scanId).toBeTruthy();
  expect(Number(r.headers["retry-after"])).toBeGreaterThanOrEqual(1);
  expect(schemaErrors(ScanProgress, r.json)).toBe("");
  expect((r.json as { scanId: string }).scanId).toBe(scanId);
  return { scanId: scanId!, location };
}

describe("POST /api/scans of a scope that outlasts the wait", () => {
  it("answers 202 with Location, Retry-After and progress; the Location shows the progress, then 200 with the report a scan in one request makes", async () => {
    expect(readAppSettings({}).syncScanWaitInMs).toBe(DEFAULT_SYNC_SCAN_WAIT_IN_MS);
    const started = Date.now();
    const first = await post(slowAsync, { subscriptions: subs });
    const { scanId, location } = accepted(first);
    // The wait (200 ms), not the scan, set the answer's time: a scan of the slow estate takes seconds.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(first.lines.join("\n")).toMatch(/was not done within 200 ms \(SCAN_SYNC_WAIT_IN_MS\); it continues on the shard queue/);
    expect(first.json).toMatchObject({ status: "queued", shards: { total: 3, pending: 3, scanning: 0, done: 0, failed: 0 }, subscriptions: { total: 6, scanned: 0 }, targetsScanned: 0 });
    // Handed over: the instance's scan slot is free, nothing is stored yet.
    expect(slowAsync.scanSlots.running).toBe(0);
    expect(await slowAsync.history!.getReport(scanId)).toBeUndefined();

    const polled = await get(slowAsync, location);
    expect(accepted(polled).scanId).toBe(scanId);
    expect(polled.json).toMatchObject({ status: "queued", shards: { done: 0 } });

    // While it is queued, a scan of the same subscriptions (with a target filter) is 409 and names it.
    const again = await post(slowAsync, { subscriptions: [...subs].reverse(), targets: [targetIds[0]] });
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ code: "ScanInProgress" });
    expect((again.json as { detail: string }).detail).toContain(scanId);
    expect(again.headers.location).toBe(location);

    // The shard queue holds one base64 JSON message per shard of two subscriptions.
    const deliveries = await deliveriesOf(scanId);
    expect(deliveries.map((d) => d.entry)).toEqual([0, 1, 2].map((i) => ({ runId: scanId, shardIndex: i, subscriptionIds: subs.slice(2 * i, 2 * i + 2) })));

    expect(await deliver(deliveries[0]!, slowAsync)).toMatchObject({ ok: true, result: { status: "settled" } });
    const running = await get(slowAsync, location);
    accepted(running);
    expect(running.json).toMatchObject({ status: "running", shards: { total: 3, pending: 2, done: 1, failed: 0 }, subscriptions: { total: 6, scanned: 2 } });
    expect((running.json as { targetsScanned: number }).targetsScanned).toBeGreaterThan(0);

    for (const d of deliveries.slice(1)) expect((await deliver(d, slowAsync)).ok).toBe(true);
    const done = await get(slowAsync, location);
    expect(done.status).toBe(200);
    expect(schemaErrors(DriftReportSchema, done.json)).toBe("");
    const report = readReport(done.json);
    expect(report.scanId).toBe(scanId);
    expect(report.schemaVersion).toMatch(/^2\./);
    expect(report.scope.subscriptions).toEqual(subs);
    expect(report.errors).toEqual([]);

    // The same estate scanned in one request: the same targets, findings (ids) and statuses.
    const inRequest = await post(syncRef, { subscriptions: subs });
    expect(inRequest.status).toBe(201);
    const reference = readReport(inRequest.json);
    expect(report.targets.length).toBe(18);
    expect(key(report)).toEqual(key(reference));
    expect(report.summary).toEqual(reference.summary);
    expect(exitCodeOf(report)).toBe(exitCodeOf(reference));

    // Complete: the scope is free again.
    expect(await slowAsync.runs!.activeRun(lockKeyOf({ subscriptions: subs }))).toBeUndefined();
    expect(await slowAsync.runs!.getRun(scanId)).toMatchObject({ status: "complete", trigger: "http", states: "ddd" });

    // The next request for these subscriptions (here with a target filter) knows the last scan
    // took longer than the wait: it goes to the queue at once, with no read spent in the request.
    const stored = await slowAsync.history!.latest();
    expect(Date.parse(stored!.finishedAt) - Date.parse(stored!.startedAt)).toBeGreaterThan(200);
    const readsBefore = slow.totalRequests();
    const next = await post(slowAsync, { subscriptions: subs, targets: [targetIds[0]] });
    const queuedAgain = accepted(next);
    expect(slow.totalRequests()).toBe(readsBefore);
    expect(next.lines.join("\n")).toMatch(new RegExp(`last scan of these subscriptions \\(${scanId}\\) took \\d+ ms, more than the wait of 200 ms \\(SCAN_SYNC_WAIT_IN_MS\\): straight to the shard queue`));
    for (const d of await deliveriesOf(queuedAgain.scanId)) expect((await deliver(d, slowAsync)).ok).toBe(true);
    expect((await get(slowAsync, queuedAgain.location)).status).toBe(200);
  }, 120_000);

  it("with `targets`, the queued scan's report lists only those targets, as a scan in one request does", async () => {
    const all = (await syncRef.scan({ subscriptionIds: subs })).targets.map((t) => t.id);
    const wanted = [all[1]!, all[7]!];
    const r = await post(queued, { subscriptions: subs, targets: wanted });
    const { scanId, location } = accepted(r);
    for (const d of await deliveriesOf(scanId)) expect((await deliver(d, queued)).ok).toBe(true);
    const done = await get(queued, location);
    expect(done.status).toBe(200);
    const report = readReport(done.json);
    expect(report.targets.map((t) => t.id.toLowerCase()).sort()).toEqual(wanted.map((t) => t.toLowerCase()).sort());
    expect(report.summary.targets).toBe(2);
    const reference = readReport((await post(syncRef, { subscriptions: subs, targets: wanted })).json);
    expect(key(report)).toEqual(key(reference));
  }, 60_000);

  it("`?evidence=all` is carried by the queued run: its shards keep pass evidence and the stored report serves it", async () => {
    const r = await call(startScan, queued, { query: "evidence=all", headers: { "content-type": "application/json", "x-functions-key": "k" }, body: JSON.stringify({ subscriptions: subs }) }, "/api/scans");
    const { scanId, location } = accepted(r);
    expect((await queued.runs!.getRun(scanId))?.evidence).toBe("all");
    for (const d of await deliveriesOf(scanId)) expect((await deliver(d, queued)).ok).toBe(true);
    const done = await call(getScan, queued, { query: "evidence=all", headers: { "x-functions-key": "k" }, params: { scanId } }, location);
    expect(done.status).toBe(200);
    const passes = readReport(done.json).targets.flatMap((t) => t.findings.filter((f) => f.status === "pass"));
    expect(passes.length).toBeGreaterThan(0);
    for (const f of passes) expect(f.evidence, f.id).toBeDefined();
    // Without the query the same stored report answers without pass evidence.
    const plain = await get(queued, location);
    for (const t of readReport(plain.json).targets) for (const f of t.findings) if (f.status === "pass") expect(f.evidence, f.id).toBeUndefined();
  }, 60_000);

  it("documents the 202 of POST /api/scans and GET /api/scans/{scanId} in the OpenAPI document, with Location and Retry-After", async () => {
    const doc = (await call(getOpenApi, queued, { headers: { "x-functions-key": "k" } }, "/api/openapi.json")).json as {
      paths: Record<string, Record<string, { responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, { schema: unknown }> }> }>>;
      components: { schemas: Record<string, unknown> };
    };
    for (const [path, method] of [["/scans", "post"], ["/scans/{scanId}", "get"]] as const) {
      const r202 = doc.paths[path]?.[method]?.responses["202"];
      expect(r202, `${method} ${path}`).toBeDefined();
      expect(Object.keys(r202!.headers ?? {}).sort()).toEqual(["location", "retry-after"]);
      expect(r202!.content?.["application/json"]?.schema).toEqual({ $ref: "#/components/schemas/ScanProgress" });
    }
    expect(doc.paths["/scans/{scanId}"]?.get?.responses["410"]).toBeDefined();
    expect(doc.components.schemas.ScanProgress).toBeDefined();
  });
});

describe("POST /api/scans of a small fast scope", () => {
  it("answers 201 with the report, scanned in the request: nothing queued, no run recorded", async () => {
    const r = await post(syncRef, { subscriptions: [subs[0]] });
    expect(r.status).toBe(201);
    expect(r.headers["x-scan-recorded"]).toBe("true");
    const report = readReport(r.json);
    expect(r.headers.location).toBe(`/api/scans/${report.scanId}`);
    expect(schemaErrors(DriftReportSchema, r.json)).toBe("");
    expect(await syncRef.runs!.getRun(report.scanId)).toBeUndefined();
    expect((await host.queue.peekMessages({ numberOfMessages: 32 })).peekedMessageItems).toEqual([]);
    // Its Location is the stored report.
    const stored = await get(syncRef, r.headers.location!);
    expect(stored.status).toBe(200);
    expect(readReport(stored.json).scanId).toBe(report.scanId);
  }, 60_000);
});

describe("POST /api/scans?evidence=all of a small fast scope", () => {
  it("keeps pass evidence in the answer and in the stored report; without it, a stored report refuses evidence=all (409 EvidenceNotKept)", async () => {
    const r = await call(startScan, syncRef, { query: "evidence=all", headers: { "content-type": "application/json", "x-functions-key": "k" }, body: JSON.stringify({ subscriptions: [subs[1]] }) }, "/api/scans");
    expect(r.status).toBe(201);
    const passes = readReport(r.json).targets.flatMap((t) => t.findings.filter((f) => f.status === "pass"));
    expect(passes.length).toBeGreaterThan(0);
    for (const f of passes) expect(f.evidence, f.id).toBeDefined();
    const scanId = SCAN_ID.exec(r.headers.location ?? "")![1]!;
    const stored = await call(getScan, syncRef, { query: "evidence=all", headers: { "x-functions-key": "k" }, params: { scanId } }, r.headers.location!);
    expect(stored.status).toBe(200);
    expect(readReport(stored.json).targets.flatMap((t) => t.findings.filter((f) => f.status === "pass" && f.evidence !== undefined)).length).toBe(passes.length);
    const plain = await post(syncRef, { subscriptions: [subs[2]] });
    expect(plain.status).toBe(201);
    const refused = await call(getScan, syncRef, { query: "evidence=all", headers: { "x-functions-key": "k" }, params: { scanId: SCAN_ID.exec(plain.headers.location!)![1]! } }, plain.headers.location!);
    expect(refused.status).toBe(409);
    expect((refused.json as { code: string }).code).toBe("EvidenceNotKept");
  }, 60_000);
});

describe("bad requests", () => {
  it("are 400 with nothing enqueued and no run recorded, even when every scan goes to the queue", async () => {
    const lockKey = lockKeyOf({ subscriptions: [subs[0]!] });
    const cases: Array<[unknown, string | undefined, string]> = [
      [{ subscriptions: ["prod"] }, undefined, "ValidationFailed"],
      [{ subscriptions: [] }, undefined, "ValidationFailed"],
      [{ subscriptions: [subs[0]], targets: [targetIds.find((t) => !t.toLowerCase().includes(subs[0]!))] }, undefined, "TargetOutsideScope"],
      [undefined, '{"subscriptions": [', "MalformedJson"],
      [{ subscriptions: [subs[0]], extra: true }, undefined, "ValidationFailed"],
    ];
    for (const [body, raw, code] of cases) {
      const r = await post(queued, body, raw);
      expect(r.status, code).toBe(400);
      expect(r.json).toMatchObject({ code });
    }
    expect((await host.queue.peekMessages({ numberOfMessages: 32 })).peekedMessageItems).toEqual([]);
    expect(await queued.runs!.activeRun(lockKey)).toBeUndefined();
  });
});

describe("a scan that fails on the queue", () => {
  it("a poisoned shard ends as an incomplete report on the Location, not a poll that never ends", async () => {
    const { scanId, location } = accepted(await post(queued, { subscriptions: subs }));
    const deliveries = await deliveriesOf(scanId);
    expect(deliveries).toHaveLength(3);
    expect((await deliver(deliveries[0]!, queued)).ok).toBe(true);
    expect((await deliver(deliveries[2]!, queued)).ok).toBe(true);
    // Shard 1 cannot reach ARM: retried until the host poisons it.
    let pending: Delivery[] = [deliveries[1]!];
    for (let attempt = 1; ; attempt++) {
      const r = await deliver(pending[0]!, broken);
      expect(r.ok).toBe(false);
      if (!r.ok && r.poisoned) break;
      const retrying = await get(queued, location);
      expect(retrying.status).toBe(202);
      expect(retrying.json).toMatchObject({ status: "running", shards: { done: 2, scanning: 1, pending: 0 } });
      pending = await host.receive();
      expect(pending).toHaveLength(1);
      expect(attempt).toBeLessThan(host.maxDequeueCount);
    }
    // The host moved it to the poison queue; the poison function settles it and assembles.
    const poisoned = await host.receive(host.poison);
    expect(poisoned).toHaveLength(1);
    useServices(queued);
    const r = await host.invoke(poisoned[0]!, "scanShardPoison", scanShardPoison);
    expect(r).toMatchObject({ ok: true, result: { status: "assembled", outcome: "failed" } });

    const done = await get(queued, location);
    expect(done.status).toBe(200);
    expect(done.headers["x-scan-complete"]).toBe("false");
    expect(schemaErrors(DriftReportSchema, done.json)).toBe("");
    const report = readReport(done.json);
    expect(report.errors.map((e) => e.code)).toEqual(expect.arrayContaining(["ShardFailed", "SubscriptionNotScanned"]));
    expect(report.errors.filter((e) => e.code === "SubscriptionNotScanned").map((e) => e.scope)).toEqual(subs.slice(2, 4).map((s) => `/subscriptions/${s}`));
    expect(report.scope.subscriptions).toEqual([...subs.slice(0, 2), ...subs.slice(4)]);
    expect(exitCodeOf(report)).not.toBe(0);
  }, 120_000);

  it("an abandoned or expired run is 410 ScanFailed (no endless 202); a newer scan of its subscriptions is not refused by it; an unknown id is 404", async () => {
    const runs = queued.runs!;
    const scope = { subscriptions: subs.slice(0, 2) };
    const expired = await runs.createRun({ scope, trigger: "http", shards: [scope.subscriptions], now: new Date(Date.now() - FANOUT_RUN_EXPIRY_IN_MS - 60_000) });
    const stale = await get(queued, `/api/scans/${expired.runId}`);
    expect(stale.status).toBe(410);
    expect(stale.json).toMatchObject({ code: "ScanFailed", status: 410 });
    expect((stale.json as { detail: string }).detail).toMatch(/did not finish within 120 minutes/);
    expect(stale.headers["retry-after"]).toBeUndefined();

    // A new scan of the same subscriptions abandons the expired run instead of answering 409.
    const fresh = accepted(await post(queued, scope));
    expect(fresh.scanId).not.toBe(expired.runId);
    expect(await runs.getRun(expired.runId)).toMatchObject({ status: "abandoned" });
    const abandoned = await get(queued, `/api/scans/${expired.runId}`);
    expect(abandoned.json).toMatchObject({ code: "ScanFailed" });
    expect((abandoned.json as { detail: string }).detail).toMatch(/ended without a report: did not finish within \d+ min; abandoned by a newer run/);
    for (const d of await deliveriesOf(fresh.scanId)) expect((await deliver(d, queued)).ok).toBe(true);
    expect((await get(queued, fresh.location)).status).toBe(200);

    const unknown = await get(queued, "/api/scans/0f0f0f0f-0000-4000-8000-000000000000");
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ code: "ScanNotFound" });
  }, 60_000);
});
