/**
 * The queue triggers `npm run serve` runs itself (src/serve/queueWorker.ts), on the real queues of
 * the shared Azurite: a scan `POST /api/scans` hands to the shard queue completes locally (polled
 * through its Location until the report), and the worker treats messages as the Functions host
 * does: base64 JSON handed over decoded, with `dequeueCount`; retried after a failure, moved to
 * `<queue>-poison` after `maxDequeueCount` deliveries, where the poison trigger takes it.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InvocationContext } from "@azure/functions";
import { QueueClient } from "@azure/storage-queue";
import { scanShard } from "../../functions/scanShard.js";
import { scanShardPoison } from "../../functions/scanShardPoison.js";
import { useServices, type AppServices } from "../../src/app/services.js";
import { loadEstate } from "../../src/emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { getScan, startScan } from "../../src/http/routes.js";
import { readReport } from "../../src/report/read.js";
import { DriftReportSchema } from "../../src/report/schema.js";
import { queueHostSettings, startQueueWorker, type RunningQueueWorker } from "../../src/serve/queueWorker.js";
import { encodeShardMessage } from "../../src/store/shards.js";
import { azurite, DEMO_SUB_A, DEMO_SUB_B, DEMO_SUB_C, REPO, schemaErrors, testServices } from "../setup/harness.js";
import { callRoute } from "./routeCalls.js";

let emulator: RunningEmulator;
let services: AppServices;
const workers: RunningQueueWorker[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ estate: await loadEstate(join(REPO, "estates", "demo.json")) });
  services = testServices({ emulator, namespace: "asyncworker", env: { SCAN_SYNC_WAIT_IN_MS: "0", SCAN_SHARD_SIZE: "1", SCAN_SHARD_QUEUE: "async-worker-shards" } });
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  useServices(undefined);
  await emulator?.close();
});

async function until<T>(probe: () => Promise<T | undefined>, timeoutInMs = 60_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutInMs) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("the serve queue worker", () => {
  it("reads host.json's queue settings", () => {
    expect(queueHostSettings()).toEqual({ maxDequeueCount: 5, batchSize: 4, visibilityTimeoutInSeconds: 30 });
  });

  it("completes a scan POST /api/scans handed to the shard queue: its Location turns from 202 into the report", async () => {
    useServices(services); // the queue handlers take the installed services
    const worker = startQueueWorker({
      triggers: [
        { functionName: "scanShard", queue: services.runs!.queue, poison: services.runs!.poisonQueue, handler: scanShard },
        { functionName: "scanShardPoison", queue: services.runs!.poisonQueue, handler: scanShardPoison },
      ],
      pollIntervalInMs: 100,
      log: () => undefined,
    });
    workers.push(worker);
    const body = JSON.stringify({ subscriptions: [DEMO_SUB_A, DEMO_SUB_B, DEMO_SUB_C] });
    const posted = await callRoute(startScan, services, { headers: { "content-type": "application/json", "x-functions-key": "k" }, body }, "/api/scans");
    expect(posted.status).toBe(202);
    expect(posted.json).toMatchObject({ shards: { total: 3 } });
    const location = posted.headers.location!;
    const scanId = location.split("/").at(-1)!;
    const statuses: number[] = [];
    const done = await until(async () => {
      const r = await callRoute(getScan, services, { headers: { "x-functions-key": "k" }, params: { scanId } }, location);
      statuses.push(r.status);
      return r.status === 200 ? r : undefined;
    });
    expect(statuses[0]).toBe(202);
    expect(schemaErrors(DriftReportSchema, done.json)).toBe("");
    const report = readReport(done.json);
    expect(report.scanId).toBe(scanId);
    // The demo estate's forbidden peered subscription is a read error, not a failed shard.
    expect(report.errors.map((e) => e.code)).not.toContain("ShardFailed");
    expect(report.scope.subscriptions).toEqual([DEMO_SUB_A, DEMO_SUB_B, DEMO_SUB_C]);
    expect(report.summary.targets).toBeGreaterThan(0);
    expect((await services.runs!.queue.peekMessages({ numberOfMessages: 32 })).peekedMessageItems).toEqual([]);
  }, 90_000);

  it("retries a message whose handler throws and moves it to the poison queue after maxDequeueCount deliveries", async () => {
    const cs = azurite();
    const queue = new QueueClient(cs, "async-worker-fail");
    const poison = new QueueClient(cs, "async-worker-fail-poison");
    await Promise.all([queue.createIfNotExists(), poison.createIfNotExists()]);
    const seen: Array<{ entry: unknown; dequeueCount: unknown }> = [];
    const poisoned: unknown[] = [];
    const worker = startQueueWorker({
      triggers: [
        {
          functionName: "failing",
          queue,
          poison,
          handler: (entry: unknown, context: InvocationContext) => {
            seen.push({ entry, dequeueCount: context.triggerMetadata?.dequeueCount });
            return Promise.reject(new Error("this shard always fails"));
          },
        },
        {
          functionName: "failingPoison",
          queue: poison,
          handler: (entry: unknown) => {
            poisoned.push(entry);
            return Promise.resolve();
          },
        },
      ],
      settings: { maxDequeueCount: 3, visibilityTimeoutInSeconds: 0 },
      pollIntervalInMs: 100,
      log: () => undefined,
    });
    workers.push(worker);
    const message = { runId: "0f0f0f0f-0000-4000-8000-000000000001", shardIndex: 0, subscriptionIds: [DEMO_SUB_A] };
    await queue.sendMessage(encodeShardMessage(message));
    await until(() => Promise.resolve(poisoned.length ? true : undefined), 30_000);
    expect(seen).toEqual([1, 2, 3].map((n) => ({ entry: message, dequeueCount: n })));
    expect(poisoned).toEqual([message]);
    await worker.stop();
    expect((await queue.peekMessages()).peekedMessageItems).toEqual([]);
    expect((await poison.peekMessages()).peekedMessageItems).toEqual([]);
  }, 60_000);
});
