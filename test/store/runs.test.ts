/**
 * The fan-out's run store through the real storage SDKs against the shared Azurite: a run and its
 * shard rows, one base64 JSON message per shard on the real queue, and the settling of shards
 * with If-Match ETags: exactly one writer claims the assembly, however the updates interleave;
 * a redelivered shard changes nothing; parts stored as gzip'd report v2 streams; the run in
 * progress keyed by its subscription set. Also the fan-out's app settings.
 */
import { gunzipSync } from "node:zlib";
import { BlobServiceClient } from "@azure/storage-blob";
import { describe, expect, it } from "vitest";
import { readAppSettings, describeAppSettings, shardQueueNameFrom, DEFAULT_SHARD_QUEUE } from "../../src/config/appSettings.js";
import { lockKeyOf, scopeKeyOf } from "../../src/model/scan.js";
import { buildReport, REPORT_SCHEMA_VERSION, type TargetReport } from "../../src/report/report.js";
import { DriftReportSchema } from "../../src/report/schema.js";
import { RunStore } from "../../src/store/runs.js";
import { parseShardMessage } from "../../src/store/shards.js";
import { azurite, schemaErrors } from "../setup/harness.js";

const sub = (n: number) => `${String(n).padStart(8, "0")}-0000-4000-8000-0000000000${String(n).padStart(2, "0")}`;
const store = (queueName = "runs-store-test") => RunStore.fromSettings({ kind: "connectionString", connectionString: azurite() }, { namespace: "runs", queueName });

/** Resolves when `n` callers have arrived: a barrier, to make updates interleave for sure. */
function barrier(n: number): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => (release = resolve));
  return () => {
    arrived += 1;
    if (arrived === n) release();
    return all;
  };
}

describe("RunStore", () => {
  it("records a run with its shards and puts one base64 JSON message per shard on the real queue", async () => {
    const runs = store("runs-store-enqueue");
    const shards = [[sub(1), sub(2)], [sub(3), sub(4)], [sub(5)]];
    const scope = { subscriptions: shards.flat() };
    const run = await runs.createRun({ scope, trigger: "timer", shards });
    await runs.enqueue(run.runId, shards);
    expect(run).toMatchObject({ scopeKey: scopeKeyOf(scope), shardCount: 3, states: "ppp", done: 0, failed: 0, status: "running", assembledBy: -1 });
    expect((await runs.listShards(run.runId)).map((s) => [s.shardIndex, s.subscriptionIds, s.status])).toEqual([
      [0, shards[0], "pending"],
      [1, shards[1], "pending"],
      [2, shards[2], "pending"],
    ]);
    expect((await runs.activeRun(scopeKeyOf(scope)))?.runId).toBe(run.runId);

    const received = await runs.queue.receiveMessages({ numberOfMessages: 32 });
    expect(received.receivedMessageItems).toHaveLength(3);
    const messages = received.receivedMessageItems.map((m) => {
      expect(m.messageText).toMatch(/^[A-Za-z0-9+/]+=*$/); // base64, as the queue trigger decodes it
      const parsed = parseShardMessage(JSON.parse(Buffer.from(m.messageText, "base64").toString("utf8")));
      if (!parsed.ok) throw new Error(parsed.reason);
      return parsed.message;
    });
    expect(messages.sort((a, b) => a.shardIndex - b.shardIndex)).toEqual(shards.map((s, i) => ({ runId: run.runId, shardIndex: i, subscriptionIds: s })));
    expect(await runs.poisonQueue.exists()).toBe(true);
    for (const m of received.receivedMessageItems) await runs.queue.deleteMessage(m.messageId, m.popReceipt);

    await runs.finishRun(run.runId, { status: "complete" });
    expect(await runs.activeRun(scopeKeyOf(scope))).toBeUndefined();
  });

  it("lets exactly one of many shards settling at once claim the assembly", async () => {
    const runs = store();
    const shards = Array.from({ length: 8 }, (_, i) => [sub(10 + i)]);
    const run = await runs.createRun({ scope: { subscriptions: shards.flat() }, trigger: "timer", shards });
    const results = await Promise.all(shards.map((_, i) => runs.settleShard(run.runId, i, i === 3 ? "failed" : "done")));
    expect(results.filter((r) => r.claimed)).toHaveLength(1);
    expect(results.every((r) => !r.duplicate)).toBe(true);
    const claimer = results.findIndex((r) => r.claimed);
    const after = await runs.getRun(run.runId);
    expect(after).toMatchObject({ states: "dddfdddd", done: 7, failed: 1, status: "assembling", assembledBy: claimer });
  });

  it("retries on 412: when the last two shards read the same ETag, one update wins, the other re-reads and is the one that claims", async () => {
    const runs = store();
    const shards = [[sub(20)], [sub(21)], [sub(22)]];
    const run = await runs.createRun({ scope: { subscriptions: shards.flat() }, trigger: "timer", shards });
    await runs.settleShard(run.runId, 0, "done");
    const bothRead = barrier(2);
    const hooks = { afterRunRead: async ({ attempt }: { attempt: number }) => (attempt === 1 ? bothRead() : undefined) };
    const [a, b] = await Promise.all([runs.settleShard(run.runId, 1, "done", { hooks }), runs.settleShard(run.runId, 2, "done", { hooks })]);
    expect([a.claimed, b.claimed].filter(Boolean)).toHaveLength(1);
    expect(a.conflicts + b.conflicts).toBe(1);
    // The loser of the race is the one that sees the run complete, so it claims.
    expect((a.claimed ? a : b).conflicts).toBe(1);
    expect(await runs.getRun(run.runId)).toMatchObject({ states: "ddd", done: 3, status: "assembling", assembledBy: a.claimed ? 1 : 2 });
  });

  it("treats a redelivered shard as a duplicate: no double count, no second claim", async () => {
    const runs = store();
    const shards = [[sub(30)], [sub(31)]];
    const run = await runs.createRun({ scope: { subscriptions: shards.flat() }, trigger: "timer", shards });
    expect(await runs.settleShard(run.runId, 0, "done")).toMatchObject({ claimed: false, duplicate: false });
    expect(await runs.settleShard(run.runId, 0, "done")).toMatchObject({ claimed: false, duplicate: true });
    expect(await runs.settleShard(run.runId, 0, "failed")).toMatchObject({ claimed: false, duplicate: true });
    expect(await runs.settleShard(run.runId, 1, "done")).toMatchObject({ claimed: true, duplicate: false });
    expect(await runs.settleShard(run.runId, 1, "done")).toMatchObject({ claimed: false, duplicate: true, run: { assembledBy: 1 } });
    expect(await runs.getRun(run.runId)).toMatchObject({ states: "dd", done: 2, failed: 0 });
  });

  it("stores, reads and deletes shard parts, and notes failed attempts on the shard", async () => {
    const runs = store();
    const shards = [[sub(40)]];
    const run = await runs.createRun({ scope: { subscriptions: shards.flat() }, trigger: "timer", shards });
    expect(await runs.hasPart(run.runId, 0)).toBe(false);
    await runs.recordAttempt(run.runId, 0, { attempts: 2, error: "EndpointUnreachableError: nope" });
    expect(await runs.getShard(run.runId, 0)).toMatchObject({ status: "retrying", attempts: 2, lastError: "EndpointUnreachableError: nope" });
    const { buildReport } = await import("../../src/report/report.js");
    const report = buildReport({ startedAt: new Date(), finishedAt: new Date(), subscriptions: shards[0]!, targets: [], stats: { armRequests: 1, throttled: 0, retries: 0 }, errors: [] });
    await runs.storePart(run.runId, 0, report, 3);
    expect(await runs.hasPart(run.runId, 0)).toBe(true);
    expect(await runs.readPart(run.runId, 0)).toEqual(report);
    expect(await runs.getShard(run.runId, 0)).toMatchObject({ status: "stored", attempts: 3, part: `runs/${run.runId}/shard-0.json` });
    expect(await runs.deleteParts(run.runId)).toBe(1);
    expect(await runs.hasPart(run.runId, 0)).toBe(false);
  });
});

describe("RunStore, report v2 parts and the pointer of a subscription set", () => {
  const blobs = (runs: RunStore) => BlobServiceClient.fromConnectionString(azurite()).getContainerClient(runs.names.container);

  it("stores a part as gzip'd report v2 JSON with shared evidence referenced once, and reads it back whole", async () => {
    const runs = store();
    const subs = [sub(50)];
    const run = await runs.createRun({ scope: { subscriptions: subs }, trigger: "http", shards: [subs] });
    const rules = { rules: Array.from({ length: 40 }, (_, i) => ({ name: `allow-${i}`, fqdns: [`host-${i}.example.net`] })) };
    const targetOf = (name: string): TargetReport => ({
      id: `/subscriptions/${subs[0]}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/${name}`,
      kind: "aksCluster",
      name,
      subscriptionId: subs[0]!,
      tags: { team: "data" },
      status: "drifted",
      findings: [{ id: `firewall-required-egress:${name}`, checkId: "firewall-required-egress", status: "fail", severity: "high", resourceId: "/fw", message: "m", expected: "e", actual: "a", evidence: { policy: rules } }],
    });
    const report = buildReport({ startedAt: new Date(), finishedAt: new Date(), subscriptions: subs, targets: [targetOf("a"), targetOf("b")], stats: { armRequests: 3, throttled: 0, retries: 0 }, errors: [] });
    await runs.storePart(run.runId, 0, report, 1);

    const blob = blobs(runs).getBlockBlobClient(`runs/${run.runId}/shard-0.json`);
    const props = await blob.getProperties();
    expect(props.contentEncoding).toBe("gzip");
    const raw = await blob.downloadToBuffer();
    expect([raw[0], raw[1]]).toEqual([0x1f, 0x8b]);
    const written = JSON.parse(gunzipSync(raw).toString("utf8")) as { schemaVersion: string; checks: unknown; sharedEvidence: Record<string, unknown>; targets: Array<{ findings: Array<{ evidence: { policy: unknown } }> }> };
    expect(written.schemaVersion).toBe(REPORT_SCHEMA_VERSION);
    // The rule list both targets share is written once and referenced.
    expect(Object.keys(written.sharedEvidence)).toHaveLength(1);
    expect(written.targets.map((t) => t.findings[0]!.evidence.policy)).toEqual([{ $ref: expect.stringMatching(/^#\/sharedEvidence\//) as unknown }, { $ref: expect.stringMatching(/^#\/sharedEvidence\//) as unknown }]);
    expect(schemaErrors(DriftReportSchema, written)).toBe("");

    const read = await runs.readPart(run.runId, 0);
    expect(read).toEqual(report);
    expect(read?.targets[0]?.tags).toEqual({ team: "data" });
    expect(read?.checks).toEqual(report.checks);
  });

  it("still reads a plain JSON part of version 1 (stored by an earlier release mid-run), upgraded with its finding ids", async () => {
    const runs = store();
    const subs = [sub(51)];
    const run = await runs.createRun({ scope: { subscriptions: subs }, trigger: "timer", shards: [subs] });
    const finding = { id: "mc-group-public-ip:abc", checkId: "mc-group-public-ip", status: "pass", severity: "high", resourceId: "/r", message: "m", expected: "e", actual: "a", evidence: { ips: [] }, remediation: "Remove it." };
    const v1 = { schemaVersion: "1.0", scanId: run.runId, startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), scope: { subscriptions: subs }, summary: { targets: 1, compliant: 1, drifted: 0, unknown: 0, findings: { fail: 0, pass: 1, unknown: 0 } }, stats: { armRequests: 1, throttled: 0, retries: 0, durationMs: 0 }, targets: [{ id: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c", kind: "aksCluster", name: "c", subscriptionId: subs[0], status: "compliant", findings: [finding] }], errors: [] };
    const text = JSON.stringify(v1);
    await blobs(runs).getBlockBlobClient(`runs/${run.runId}/shard-0.json`).upload(text, Buffer.byteLength(text));
    const read = await runs.readPart(run.runId, 0);
    expect(read?.schemaVersion).toBe(REPORT_SCHEMA_VERSION);
    expect(read?.targets[0]?.findings.map((f) => f.id)).toEqual(["mc-group-public-ip:abc"]);
    expect(read?.targets[0]?.findings[0]).not.toHaveProperty("remediation");
    expect(read?.checks["mc-group-public-ip"]).toBeDefined();
  });

  it("keys the run in progress by the subscription set, whatever the run's target filter, and marks a shard being scanned", async () => {
    const runs = store();
    const subs = [sub(60), sub(61)];
    const scope = { subscriptions: subs, targets: [`/subscriptions/${sub(60)}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c`] };
    const run = await runs.createRun({ scope, trigger: "http", shards: [subs] });
    expect(scopeKeyOf(scope)).not.toBe(lockKeyOf(scope));
    expect((await runs.activeRun(lockKeyOf({ subscriptions: [...subs].reverse() })))?.runId).toBe(run.runId);
    expect(await runs.activeRun(scopeKeyOf(scope))).toBeUndefined();
    await runs.markShardScanning(run.runId, 0, 1);
    expect(await runs.getShard(run.runId, 0)).toMatchObject({ status: "scanning", attempts: 1 });
    await runs.finishRun(run.runId, { status: "abandoned", detail: "test" });
    expect(await runs.activeRun(lockKeyOf(scope))).toBeUndefined();
    expect(runs.hasQueue).toBe(true);
  });
});

describe("fan-out settings", () => {
  const base = { AZURE_ARM_ENDPOINT: "https://127.0.0.1:9", AZURE_ARM_TOKEN: "t" };

  it("default to off, shards of 5, queue egress-audit-shards; read SCAN_FANOUT, SCAN_SHARD_SIZE and SCAN_SHARD_QUEUE", () => {
    expect(readAppSettings(base).fanOut).toEqual({ mode: "off", shardSize: 5, queueName: DEFAULT_SHARD_QUEUE });
    const s = readAppSettings({ ...base, SCAN_FANOUT: "Queue", SCAN_SHARD_SIZE: "3", SCAN_SHARD_QUEUE: "my-shards" });
    expect(s.fanOut).toEqual({ mode: "queue", shardSize: 3, queueName: "my-shards" });
    expect(describeAppSettings(s)).toContain("fanout=queue(shard=3,queue=my-shards)");
    expect(readAppSettings({ ...base, SCAN_FANOUT: "auto" }).fanOut.mode).toBe("auto");
    expect(shardQueueNameFrom({})).toBe("egress-audit-shards");
    const id = readAppSettings({ ...base, AzureWebJobsStorage__accountName: "stegress", SCAN_FANOUT: "queue" });
    expect(id.storage).toMatchObject({ kind: "identity", queueServiceUri: "https://stegress.queue.core.windows.net" });
  });

  it("SCAN_SYNC_WAIT_IN_MS: whole milliseconds from 0 to 200000, default 10000", () => {
    expect(readAppSettings(base).syncScanWaitInMs).toBe(10_000);
    expect(readAppSettings({ ...base, SCAN_SYNC_WAIT_IN_MS: " 0 " }).syncScanWaitInMs).toBe(0);
    expect(readAppSettings({ ...base, SCAN_SYNC_WAIT_IN_MS: "200000" }).syncScanWaitInMs).toBe(200_000);
    expect(describeAppSettings(readAppSettings({ ...base, SCAN_SYNC_WAIT_IN_MS: "2500" }))).toContain("syncScanWait=2500ms");
    for (const bad of ["200001", "-1", "1.5", "10s", "1e4"]) {
      expect(() => readAppSettings({ ...base, SCAN_SYNC_WAIT_IN_MS: bad }), bad).toThrow(/SCAN_SYNC_WAIT_IN_MS must be a whole number of milliseconds from 0 to 200000/);
    }
  });

  it("refuses bad values naming the setting", () => {
    expect(() => readAppSettings({ ...base, SCAN_FANOUT: "yes" })).toThrow(/SCAN_FANOUT must be off, queue or auto/);
    for (const size of ["0", "101", "2.5", "five", "-1"]) {
      expect(() => readAppSettings({ ...base, SCAN_SHARD_SIZE: size })).toThrow(/SCAN_SHARD_SIZE must be a whole number/);
    }
    for (const name of ["ab", "Shards", "a--b", "-ab", "ab-", "x".repeat(57), "a_b"]) {
      expect(() => readAppSettings({ ...base, SCAN_SHARD_QUEUE: name }), name).toThrow(/SCAN_SHARD_QUEUE must be a queue name/);
    }
    expect(readAppSettings({ ...base, SCAN_SHARD_QUEUE: "x".repeat(56) }).fanOut.queueName).toHaveLength(56);
    expect(() =>
      readAppSettings({ ...base, SCAN_FANOUT: "queue", AzureWebJobsStorage__blobServiceUri: "https://a.blob.core.windows.net", AzureWebJobsStorage__tableServiceUri: "https://a.table.core.windows.net" }),
    ).toThrow(/SCAN_FANOUT=queue needs a queue endpoint/);
  });
});
