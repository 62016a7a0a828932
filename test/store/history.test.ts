/**
 * The history store through the real storage SDKs against the shared Azurite: reports in blobs,
 * the index and finding state in tables (batches beyond 100 rows), the scope lock (a blob lease),
 * the alert claim; and the app settings that configure it, secrets never echoed.
 */
import { describe, expect, it } from "vitest";
import { readAppSettings, describeAppSettings, DEFAULT_SCAN_SCHEDULE } from "../../src/config/appSettings.js";
import type { FindingStateRecord } from "../../src/report/diff.js";
import { buildReport, type DriftReport } from "../../src/report/report.js";
import { HistoryStore } from "../../src/store/history.js";
import { decodeContinuationToken } from "../../src/store/scanIndex.js";
import { scopeKeyOf } from "../../src/model/scan.js";
import { azurite } from "../setup/harness.js";

const SUB = "aaaaaaaa-0000-4000-8000-000000000001";
const store = () => HistoryStore.fromSettings({ kind: "connectionString", connectionString: azurite() }, { namespace: "store" });

function report(minute: number): DriftReport {
  return buildReport({
    startedAt: new Date(Date.UTC(2025, 0, 1, 0, minute)),
    finishedAt: new Date(Date.UTC(2025, 0, 1, 0, minute, 30)),
    subscriptions: [SUB],
    targets: [],
    stats: { armRequests: 0, throttled: 0, retries: 0 },
    errors: [],
  });
}

function record(i: number): FindingStateRecord {
  return { findingId: `check:${String(i).padStart(20, "0")}`, checkId: "check", targetId: `/subscriptions/${SUB}/t`, resourceId: `/subscriptions/${SUB}/r/${i}`, severity: "low", state: i % 2 ? "fail" : "pass", stale: false, lastStatus: i % 2 ? "fail" : "pass", since: "2025-01-01T00:00:00.000Z", lastScanId: "s" };
}

describe("HistoryStore", () => {
  it("stores and reads reports; an unknown or malformed id reads as absent", async () => {
    const h = store();
    const r = report(1);
    await h.saveReport(r);
    expect(await h.getReport(r.scanId)).toEqual(r);
    expect(await h.getReport("00000000-0000-4000-8000-000000000000")).toBeUndefined();
    expect(await h.getReport("../locks/all")).toBeUndefined();
  });

  it("stores a report whose targets come once (a spool) as a gzip'd stream with pages; a report without pages gets them on its first read, once", async () => {
    const reads: string[] = [];
    const h = HistoryStore.fromSettings({ kind: "connectionString", connectionString: azurite() }, { namespace: "store", onBlobRead: (name) => reads.push(name) });
    const base = report(2);
    const targets = Array.from({ length: 230 }, (_, i) => ({
      id: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-${i}`,
      kind: "aksCluster" as const,
      name: `aks-${i}`,
      subscriptionId: SUB,
      status: "compliant" as const,
      findings: [{ id: `check:${i}`, checkId: "check", status: "pass" as const, severity: "low" as const, resourceId: "r", message: "m", expected: "e", actual: "a", evidence: { i } }],
    }));
    let iterations = 0;
    async function* once() {
      iterations += 1;
      for (const t of targets) yield await Promise.resolve(t);
    }
    const summary = await h.saveReport({ ...base, targets: once() });
    expect(iterations).toBe(1);
    expect(summary).toMatchObject({ evidence: "failures", chunks: 3, targetsPerChunk: 100 });
    // Pass evidence is not kept by default.
    const stored = await h.getReport(base.scanId);
    expect(stored?.targets).toEqual(targets.map((t) => ({ ...t, findings: t.findings.map(({ evidence: _e, ...f }) => f) })));

    // A version-2 blob whose pages were never written: its first read builds them, the next ones page.
    const blobs = (await import("@azure/storage-blob")).BlobServiceClient.fromConnectionString(azurite()).getContainerClient(h.names.container);
    for (const name of ["summary", "index"]) await blobs.getBlockBlobClient(`pages/${base.scanId}/${name}.json.gz`).delete();
    const fresh = HistoryStore.fromSettings({ kind: "connectionString", connectionString: azurite() }, { namespace: "store", onBlobRead: (name) => reads.push(name) });
    reads.length = 0;
    const [a, b] = await Promise.all([fresh.reportPages(base.scanId), fresh.reportPages(base.scanId)]);
    expect(reads.filter((n) => n === `reports/${base.scanId}.json.gz`)).toHaveLength(1);
    expect(a?.summary).toEqual(b?.summary);
    expect(a?.summary.head).toEqual({ ...base, targets: undefined, checks: base.checks });
    expect(await blobs.getBlockBlobClient(`pages/${base.scanId}/summary.json.gz`).exists()).toBe(true);
    reads.length = 0;
    const again = HistoryStore.fromSettings({ kind: "connectionString", connectionString: azurite() }, { namespace: "store", onBlobRead: (name) => reads.push(name) });
    expect((await again.getReport(base.scanId))?.targets).toHaveLength(230);
    expect(reads.some((n) => n.startsWith("reports/"))).toBe(false);
  });

  it("reads a stored report's head and only the targets of some subscriptions, from the chunks that hold them (a shard's previous scan)", async () => {
    const reads: string[] = [];
    const h = HistoryStore.fromSettings({ kind: "connectionString", connectionString: azurite() }, { namespace: "store", onBlobRead: (name) => reads.push(name) });
    const subs = ["aaaaaaaa-0000-4000-8000-00000000000a", "aaaaaaaa-0000-4000-8000-00000000000b", "aaaaaaaa-0000-4000-8000-00000000000c"];
    // 150 targets per subscription, in the report's order (subscription, then id): chunks of 100.
    const targets = subs.flatMap((sub) =>
      Array.from({ length: 150 }, (_, i) => ({
        id: `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-${String(i).padStart(3, "0")}`,
        kind: "aksCluster" as const,
        name: `aks-${i}`,
        subscriptionId: sub,
        status: "drifted" as const,
        findings: [{ id: `check:${sub}:${i}`, checkId: "check", status: "fail" as const, severity: "low" as const, resourceId: "r", message: "m", expected: "e", actual: "a", evidence: { i } }],
      })),
    );
    const base = { ...report(3), scope: { subscriptions: subs }, errors: [{ scope: `/subscriptions/${subs[2]}`, code: "SubscriptionNotScanned", message: "m" }] };
    await h.saveReport({ ...base, targets });
    const pages = (await h.reportPages(base.scanId))!;
    reads.length = 0;
    const part = await pages.withSubscriptions([subs[1]!.toUpperCase()]);
    expect(part.targets).toEqual(targets.filter((t) => t.subscriptionId === subs[1]));
    expect(part.scope).toEqual(base.scope);
    expect(part.errors).toEqual(base.errors);
    // Targets 150-299 lie in chunks 1 and 2; chunks 0, 3 and 4 and the whole report are not read.
    expect(reads.filter((n) => n.includes("/targets-")).sort()).toEqual([`pages/${base.scanId}/targets-1.json.gz`, `pages/${base.scanId}/targets-2.json.gz`]);
    expect(reads.some((n) => n.startsWith("reports/"))).toBe(false);
    expect((await pages.withSubscriptions(["bbbbbbbb-0000-4000-8000-000000000000"])).targets).toEqual([]);
  });

  it("commits scans: state in batches past 100 rows, deletes, the scope pointer, and a newest-first paged index", async () => {
    const h = store();
    const scope = { subscriptions: [SUB], targets: [`/subscriptions/${SUB}/x`] };
    const key = scopeKeyOf(scope);
    expect(await h.loadState(key)).toBeUndefined();
    const reports = [report(10), report(20), report(30)];
    const next = Array.from({ length: 250 }, (_, i) => record(i));
    await h.commitScan({ scopeKey: key, scope, report: reports[0]!, next, removed: [], stale: 0, trigger: "timer", notification: "not-needed" });
    await h.commitScan({ scopeKey: key, scope, report: reports[1]!, next: next.slice(0, 200), removed: next.slice(200).map((r) => r.findingId), diff: { new: [], resolved: [], unchanged: 100 }, stale: 3, trigger: "http", notification: "sent" });
    await h.commitScan({ scopeKey: key, scope, report: reports[2]!, next: [], removed: [], diff: { new: ["a"], resolved: [], unchanged: 0 }, stale: 0, trigger: "timer", notification: "failed" });
    const loaded = await h.loadState(key);
    expect(loaded?.lastScanId).toBe(reports[2]!.scanId);
    expect(loaded?.states.size).toBe(200);
    expect(loaded?.states.get(record(7).findingId)).toEqual(record(7));

    const latest = await h.latest(key);
    expect(latest?.scanId).toBe(reports[2]!.scanId);
    const p1 = await h.listScans({ limit: 2 });
    const mine = (await h.listScans({ limit: 100 })).items.filter((i) => i.scopeKey === key);
    expect(mine.map((i) => i.scanId)).toEqual([reports[2]!.scanId, reports[1]!.scanId, reports[0]!.scanId]);
    expect(mine[1]).toMatchObject({ trigger: "http", notification: "sent", diff: { new: 0, resolved: 0, unchanged: 100, stale: 3 }, scope: { subscriptions: [SUB], targets: scope.targets } });
    expect(mine[2]!.diff).toBeUndefined();
    expect(p1.items).toHaveLength(2);
    const after = decodeContinuationToken(p1.continuationToken!);
    expect(after).toBeDefined();
    const p2 = await h.listScans({ limit: 2, afterRowKey: after! });
    expect(p2.items.map((i) => i.scanId)).not.toContain(p1.items[0]!.scanId);
    expect(decodeContinuationToken(Buffer.from("PartitionKey ne ''").toString("base64url"))).toBeUndefined();
  });

  it("lets one holder at a time take a scope's lock", async () => {
    const a = store();
    const b = store();
    const key = scopeKeyOf({ subscriptions: ["bbbbbbbb-0000-4000-8000-000000000002"] });
    const lock = await a.acquireLock(key, { leaseDurationInSeconds: 15 });
    expect(lock).toBeDefined();
    expect(await b.acquireLock(key, { leaseDurationInSeconds: 15 })).toBeUndefined();
    await lock!.release();
    const again = await b.acquireLock(key, { leaseDurationInSeconds: 15 });
    expect(again).toBeDefined();
    await again!.release();
  });

  it("grants an alert claim once per fingerprint, and records how it ended", async () => {
    const h = store();
    expect(await h.claimAlert("scope1", "f".repeat(40), "scan-1")).toBe(true);
    expect(await h.claimAlert("scope1", "f".repeat(40), "scan-2")).toBe(false);
    await h.finishAlert("scope1", "f".repeat(40), { state: "sent", scanId: "scan-1", httpStatus: 202, attempts: 2, bytes: 1234 });
    expect(await h.getAlert("scope1", "f".repeat(40))).toEqual({ state: "sent", scanId: "scan-1", httpStatus: 202, attempts: 2, bytes: 1234 });
  });

  it("keys scopes independently of order and case", () => {
    expect(scopeKeyOf({ subscriptions: [] })).toBe("all");
    expect(scopeKeyOf({ subscriptions: ["B", "a"] })).toBe(scopeKeyOf({ subscriptions: ["A", "b", "a"] }));
    expect(scopeKeyOf({ subscriptions: ["a"], targets: ["/X"] })).not.toBe(scopeKeyOf({ subscriptions: ["a"] }));
  });
});

describe("app settings", () => {
  const base = { AZURE_ARM_ENDPOINT: "https://127.0.0.1:9", AZURE_ARM_TOKEN: "t" };

  it("reads defaults and the documented settings", () => {
    const s = readAppSettings({ ...base, SCAN_SUBSCRIPTIONS: `${SUB.toUpperCase()}, ${SUB}`, AzureWebJobsStorage: "UseDevelopmentStorage=true", WEBSITE_HOSTNAME: "app.azurewebsites.net" });
    expect(s.scanSchedule).toBe(DEFAULT_SCAN_SCHEDULE);
    expect(s.scanSubscriptions).toEqual([SUB]);
    expect(s.publicBaseUrl).toBe("https://app.azurewebsites.net");
    expect(s.storage).toEqual({ kind: "connectionString", connectionString: "UseDevelopmentStorage=true" });
    const id = readAppSettings({ ...base, AzureWebJobsStorage__accountName: "stegress", AzureWebJobsStorage__clientId: "cid" });
    expect(id.storage).toEqual({
      kind: "identity",
      blobServiceUri: "https://stegress.blob.core.windows.net",
      tableServiceUri: "https://stegress.table.core.windows.net",
      queueServiceUri: "https://stegress.queue.core.windows.net",
      clientId: "cid",
    });
  });

  it("refuses bad settings naming the setting, and never echoes a secret", () => {
    const secret = "https://prod.westus.logic.azure.com/workflows/abc?sig=SECRET-SIGNATURE";
    expect(() => readAppSettings({ ...base, TEAMS_WEBHOOK_URL: secret.replace("https", "http") })).toThrow(/TEAMS_WEBHOOK_URL must use https/);
    try {
      readAppSettings({ ...base, TEAMS_WEBHOOK_URL: secret.replace("https", "http") });
    } catch (err) {
      expect((err as Error).message).not.toContain("SECRET");
    }
    expect(() => readAppSettings({ ...base, SCAN_SCHEDULE: "*/5 * * * *" })).toThrow(/SCAN_SCHEDULE must be an NCRONTAB expression with six fields/);
    expect(() => readAppSettings({ ...base, SCAN_SUBSCRIPTIONS: "prod" })).toThrow(/SCAN_SUBSCRIPTIONS: "prod" is not a subscription id/);
    expect(() => readAppSettings({ ...base, BASELINE_JSON: "{" })).toThrow(/BASELINE_JSON is not valid JSON/);
    expect(() => readAppSettings({ ...base, AzureWebJobsStorage: "nonsense" })).toThrow(/AzureWebJobsStorage is not a storage connection string/);
    const s = readAppSettings({ ...base, TEAMS_WEBHOOK_URL: secret, AzureWebJobsStorage: azurite(), AZURE_ARM_TOKEN: "tok-SECRET" });
    const described = describeAppSettings(s);
    expect(described).not.toMatch(/SECRET|AccountKey|Eby8/);
    expect(described).toContain("teams=configured(redacted)");
  });
});
