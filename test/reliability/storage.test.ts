/**
 * Storage and delivery faults, end to end through `POST /api/scans` and the recorded scan:
 *
 * - History storage (a second Azurite this file starts, stops and restarts on the same ports and
 *   data folder) goes away during a scan: the caller still gets its report (200,
 *   `X-Scan-Recorded: false`), the history write is retried by the storage SDK and then reported,
 *   no alert is posted that could not be recorded; when storage comes back the next run records
 *   the change and alerts exactly once. Storage going away right after the Teams post: the alert
 *   is not posted again.
 * - The Teams webhook answers 400 (logged, one attempt), 429 with Retry-After and 500 (retried
 *   with backoff, delivered once), or never answers (timeout, "uncertain", never re-sent). A post
 *   that failed is pending: the next run sends it once (./pendingAlerts.test.ts has the rest).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TableClient } from "@azure/data-tables";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { BlobServiceClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startScan } from "../../functions/startScan.js";
import { readAppSettings } from "../../src/config/appSettings.js";
import type { Estate } from "../../src/emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { postToTeams } from "../../src/notify/teams.js";
import type { DriftReport } from "../../src/report/report.js";
import { startAzurite, type RunningAzurite } from "../../src/serve/azurite.js";
import { HistoryStore } from "../../src/store/history.js";
import { scopeKeyOf } from "../../src/model/scan.js";
import { alertFingerprint, recordScan } from "../../src/app/recordScan.js";
import { createServices, useServices, type AppServices } from "../../src/app/services.js";
import { publicIp } from "../helpers/estate.js";
import { DEMO_SUB_A, DEMO_SUB_B, REPO, azurite as sharedAzurite, httpRequest, invocation, readResponse } from "../setup/harness.js";
import { startTeamsReceiver, type TeamsReceiver } from "../setup/teamsReceiver.js";

const SCOPE = [DEMO_SUB_A, DEMO_SUB_B];
const demo = JSON.parse(readFileSync(join(REPO, "estates", "demo.json"), "utf8")) as Estate;
/** The change between the two estates: a stray public IP in the MC group of the compliant pool-finance. */
const STRAY = "outage-test-stray-pip";
function withStrayIp(estate: Estate): Estate {
  const aks = estate.resources.find((r) => /managedclusters$/i.test(r.type) && r.name === "pool-finance")!;
  const mc = (aks.properties as { nodeResourceGroup: string }).nodeResourceGroup;
  return { ...estate, resources: [...estate.resources, publicIp(DEMO_SUB_A, mc, STRAY)] };
}

/** Alert bookkeeping for the closing note. */
const outage = { changes: 0, delivered: 0, duplicated: 0 };
const webhook: string[] = [];
let webhookDuplicates = 0;

let before: RunningEmulator;
let after: RunningEmulator;
let receiver: TeamsReceiver;
let reportBefore: DriftReport;
let reportAfter: DriftReport;

beforeAll(async () => {
  [before, after, receiver] = await Promise.all([startEmulator({ estate: demo }), startEmulator({ estate: withStrayIp(demo) }), startTeamsReceiver()]);
  const scanner = (emulator: RunningEmulator) =>
    createServices(readAppSettings({ AZURE_ARM_ENDPOINT: emulator.url, AZURE_ARM_TOKEN: "t" }), { clients: { caCertificates: [emulator.caCertPem], maxRetries: 0 } }).scan;
  [reportBefore, reportAfter] = await Promise.all([scanner(before)({ subscriptionIds: SCOPE }), scanner(after)({ subscriptionIds: SCOPE })]);
});

afterAll(async () => {
  useServices(undefined);
  await Promise.all([before?.close(), after?.close(), receiver?.close()]);
  console.log(
    `storage outage: ${outage.changes} changes, ${outage.delivered} alerts delivered, ${outage.changes - outage.delivered} lost, ${outage.duplicated} duplicated; ` +
      `webhook: ${webhook.join("; ")}; re-sent after delivery or uncertainty: ${webhookDuplicates}`,
  );
});

/** Counts every attempt a storage client makes (the SDK's retries included). */
function attemptCounter(): { policy: PipelinePolicy; attempts: number } {
  const policy: PipelinePolicy = {
    name: "countAttempts",
    sendRequest: (request, next) => {
      counter.attempts += 1;
      return next(request);
    },
  };
  const counter = { attempts: 0, policy };
  return counter;
}

describe("history storage goes away during a scan", () => {
  let dir: string;
  let storage: RunningAzurite;
  let ports: { blob: number; queue: number; table: number };
  let history: HistoryStore;
  const tableAttempts = attemptCounter();
  let strayFindingId = "";

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "egress-audit-outage-"));
    storage = await startAzurite({ location: dir });
    const port = (url: string) => Number(new URL(url).port);
    ports = { blob: port(storage.blobEndpoint), queue: port(storage.queueEndpoint), table: port(storage.tableEndpoint) };
    const cs = storage.connectionString; // stays valid: the restart reuses the ports
    // Short SDK retries so an outage is reported in well under a second (production keeps the defaults).
    history = new HistoryStore(
      {
        blobs: BlobServiceClient.fromConnectionString(cs, { retryOptions: { maxTries: 3, retryDelayInMs: 20, maxRetryDelayInMs: 100 } }),
        table: (name) =>
          TableClient.fromConnectionString(cs, name, {
            allowInsecureConnection: true,
            retryOptions: { maxRetries: 2, retryDelayInMs: 20, maxRetryDelayInMs: 100 },
            additionalPolicies: [{ policy: tableAttempts.policy, position: "perRetry" }],
          }),
      },
      { namespace: "outage" },
    );
  }, 30_000);

  afterAll(async () => {
    await storage?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Services on one emulator with the outage store and the receiver; `hooks` run around the scan and the post. */
  function services(emulator: RunningEmulator, hooks: { afterScan?: () => Promise<void>; afterPost?: () => Promise<void> } = {}): AppServices {
    const base = createServices(
      readAppSettings({ AZURE_ARM_ENDPOINT: emulator.url, AZURE_ARM_TOKEN: "t", AzureWebJobsStorage: storage.connectionString, TEAMS_WEBHOOK_URL: receiver.url }),
      { clients: { caCertificates: [emulator.caCertPem], maxRetries: 0 }, teams: { retryDelayInMs: 1, maxRetryDelayInMs: 20, timeoutInMs: 5_000 } },
    );
    return {
      ...base,
      history,
      scan: async (request) => {
        const report = await base.scan(request);
        await hooks.afterScan?.();
        return report;
      },
      notify: async (message, options) => {
        const sent = await base.notify!(message, options);
        await hooks.afterPost?.();
        return sent;
      },
    };
  }

  async function post(s: AppServices) {
    useServices(s);
    const { context, lines } = invocation("startScan");
    const r = await readResponse(await startScan(httpRequest("POST", "/api/scans", { headers: { "content-type": "application/json" }, body: JSON.stringify({ subscriptions: SCOPE }) }), context));
    return { ...r, lines, report: r.json as DriftReport };
  }

  /**
   * Storage comes back with its data. The scope's lock (a 60 s blob lease) taken by the run that
   * lost storage could not be released; it expires on its own, and is broken here to skip the wait.
   */
  const restart = async () => {
    storage = await startAzurite({ location: dir, ports });
    const lock = BlobServiceClient.fromConnectionString(storage.connectionString)
      .getContainerClient(history.names.container)
      .getBlobClient(`locks/${scopeKeyOf({ subscriptions: SCOPE })}`);
    await lock.getBlobLeaseClient().breakLease(0).catch(() => undefined);
  };

  it("stopped before the alert is claimed: the caller gets its report, nothing is posted; back up, the change alerts exactly once", async () => {
    receiver.reset();
    const first = await post(services(before));
    expect(first.status, first.text.slice(0, 300)).toBe(201);
    expect(first.headers["x-scan-recorded"]).toBe("true");

    // The change appears; storage stops while the scan runs (after it took the scope's lock).
    outage.changes += 1;
    const attemptsBefore = tableAttempts.attempts;
    const during = await post(services(after, { afterScan: () => storage.stop() }));
    expect(during.status, during.text.slice(0, 300)).toBe(200);
    expect(during.headers["x-scan-recorded"]).toBe("false");
    expect(during.headers.location).toBeUndefined();
    const stray = during.report.targets.flatMap((t) => t.findings).find((f) => f.resourceId.toLowerCase().includes(STRAY));
    expect(stray?.status).toBe("fail");
    // The history write was retried by the SDK (1 + 2 retries), then reported in the log.
    expect(tableAttempts.attempts - attemptsBefore).toBeGreaterThanOrEqual(3);
    expect(during.lines.join("\n")).toMatch(/error: scan [0-9a-f-]{36} finished but the history could not be written/);
    expect(receiver.requests).toHaveLength(0);

    // While storage is down, a new scan cannot even take its lock: 503 with Retry-After, nothing posted.
    const down = await post(services(after));
    expect(down.status).toBe(503);
    expect(down.json).toMatchObject({ code: "StorageUnavailable" });
    expect(down.headers["retry-after"]).toBe("30");

    await restart();
    const back = await post(services(after));
    expect(back.status, back.text.slice(0, 300)).toBe(201);
    expect(back.report.diff?.new).toEqual([stray!.id]);
    strayFindingId = stray!.id;
    expect(receiver.delivered()).toHaveLength(1);

    const again = await post(services(after));
    expect(again.status).toBe(201);
    expect(again.report.diff).toMatchObject({ new: [], resolved: [] });
    expect(receiver.delivered()).toHaveLength(1);
    outage.delivered += receiver.delivered().length;
    outage.duplicated += Math.max(0, receiver.requests.length - 1);
  }, 60_000);

  it("stopped right after the Teams post: the report still answers, and the retried run does not post again", async () => {
    receiver.reset();
    // The change: the stray IP goes away (a resolved finding), measured against the last recorded scan.
    outage.changes += 1;
    const dying = await post(services(before, { afterPost: () => storage.stop() }));
    expect(dying.status, dying.text.slice(0, 300)).toBe(200);
    expect(dying.headers["x-scan-recorded"]).toBe("false");
    // Not recorded, so no diff of record; the stray IP's finding is gone from the report.
    expect(dying.report.targets.flatMap((t) => t.findings).some((f) => f.id === strayFindingId)).toBe(false);
    expect(receiver.delivered()).toHaveLength(1);

    await restart();
    // Same previous scan, same change: the claim made before the post is there, never finished.
    const scopeKey = scopeKeyOf({ subscriptions: SCOPE });
    const base = (await history.loadState(scopeKey))!.lastScanId;
    const claim = await history.getAlert(scopeKey, alertFingerprint(scopeKey, base, { new: [], resolved: [strayFindingId], unchanged: 0 }));
    expect(claim?.state).toBe("sending");
    const retried = await post(services(before));
    expect(retried.status).toBe(201);
    expect(retried.report.diff?.resolved).toHaveLength(1);
    expect(receiver.requests).toHaveLength(1);
    const page = await history.listScans({ limit: 1 });
    expect(page.items[0]?.notification).toBe("duplicate");
    outage.delivered += receiver.delivered().length;
    outage.duplicated += Math.max(0, receiver.requests.length - 1);
  }, 60_000);
});

describe("the Teams webhook misbehaves", () => {
  /** One recorded scope per case: a first scan, then the changed one that alerts. */
  async function alertOnce(namespace: string, teams: { timeoutInMs?: number } = {}) {
    const history = HistoryStore.fromSettings({ kind: "connectionString", connectionString: sharedAzurite() }, { namespace });
    const retries: Array<{ attempt: number; status?: number; delayInMs: number }> = [];
    const queue = [reportBefore, reportAfter, reportAfter];
    const services: AppServices = {
      ...createServices(readAppSettings({ AZURE_ARM_ENDPOINT: before.url, AZURE_ARM_TOKEN: "t", TEAMS_WEBHOOK_URL: receiver.url })),
      history,
      // Real reports of the two estates, each run under a fresh scan id.
      scan: () => Promise.resolve({ ...queue.shift()!, scanId: crypto.randomUUID() }),
      notify: (message, { abortSignal }) =>
        postToTeams(receiver.url, message, {
          maxAttempts: 4,
          retryDelayInMs: 40,
          maxRetryDelayInMs: 2_000,
          timeoutInMs: teams.timeoutInMs ?? 5_000,
          onRetry: (e) => retries.push(e),
          ...(abortSignal ? { abortSignal } : {}),
        }),
    };
    const lines: string[] = [];
    const run = () => recordScan(services, { scope: { subscriptions: SCOPE }, trigger: "timer", log: (m) => lines.push(m) });
    const first = await run();
    expect(first).toMatchObject({ status: "complete", notification: "not-needed" });
    const second = await run();
    // A later run re-measures against the committed state: nothing new, nothing re-sent.
    const third = await run();
    expect(third).toMatchObject({ status: "complete", notification: "not-needed" });
    const record = second.status === "complete" ? second.notification : second.status;
    webhook.push(`${namespace.replace("dlv", "")} → ${record} after ${receiver.requests.length} request(s)`);
    // After a 2xx, or after a request that may have arrived, the same alert must never go out again.
    const settled = receiver.requests.findIndex((r) => (r.status >= 200 && r.status < 300) || r.status === 0);
    if (settled >= 0) webhookDuplicates += receiver.requests.length - settled - 1;
    return { second, retries, lines, history };
  }

  it("400: logged with the status, one attempt, not retried in the run; pending, the next run sends it once", async () => {
    receiver.reset();
    receiver.script([{ status: 400 }]);
    const { second, retries, lines } = await alertOnce("dlv400");
    expect(second).toMatchObject({ status: "complete", notification: "failed" });
    expect(receiver.requests.map((r) => r.status)).toEqual([400, 202]);
    expect(retries).toEqual([]);
    expect(lines.join("\n")).toContain("Teams alert failed after 1 attempt(s) (HTTP 400)");
  });

  it("429 with Retry-After: waits what it asks, then delivers once", async () => {
    receiver.reset();
    receiver.script([{ status: 429, headers: { "retry-after": "1" } }]);
    const { second, retries } = await alertOnce("dlv429");
    expect(second).toMatchObject({ status: "complete", notification: "sent" });
    expect(retries).toEqual([{ attempt: 1, status: 429, delayInMs: 1_000 }]);
    expect(receiver.delivered()).toHaveLength(1);
  });

  it("500 twice: retried with exponential backoff, then delivered once", async () => {
    receiver.reset();
    receiver.script([{ status: 500 }, { status: 500 }]);
    const { second, retries, history } = await alertOnce("dlv500");
    expect(second).toMatchObject({ status: "complete", notification: "sent" });
    expect(retries.map((r) => [r.status, r.delayInMs])).toEqual([
      [500, 40],
      [500, 80],
    ]);
    expect(receiver.requests).toHaveLength(3);
    expect(receiver.delivered()).toHaveLength(1);
    const entry = (await history.listScans({ limit: 10 })).items.find((i) => i.notification === "sent");
    expect(entry).toBeDefined();
  });

  it("500 until the attempts run out: bounded (4 attempts), recorded as failed, sent once by the next run", async () => {
    receiver.reset();
    receiver.script([{ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }]);
    const { second, retries, lines } = await alertOnce("dlv500x");
    expect(second).toMatchObject({ status: "complete", notification: "failed" });
    expect(receiver.requests.map((r) => r.status)).toEqual([500, 500, 500, 500, 202]);
    expect(retries.map((r) => r.delayInMs)).toEqual([40, 80, 160]);
    expect(lines.join("\n")).toContain("Teams alert failed after 4 attempt(s) (HTTP 500)");
  });

  it("hanging: times out, recorded as uncertain, never re-sent (it may have arrived)", async () => {
    receiver.reset();
    receiver.script(["hang"]);
    const { second, retries, lines } = await alertOnce("dlvhang", { timeoutInMs: 400 });
    expect(second).toMatchObject({ status: "complete", notification: "uncertain" });
    expect(receiver.requests).toHaveLength(1);
    expect(retries).toEqual([]);
    expect(lines.join("\n")).toContain("Teams alert uncertain after 1 attempt(s) (timed out)");
  });
});
