/**
 * The fenced commit (issue 15, item 9): the scope's "last complete scan" pointer is written only
 * by the holder of the scope's lock and only over the pointer that holder read. Through the real
 * storage SDKs against the shared Azurite:
 *
 * - a run whose lease was lost (broken, then taken by another run) is refused at its commit: the
 *   Renew Lease under its lease id answers 409, and nothing of it is committed;
 * - a run that read the pointer before another run moved it cannot overwrite the newer pointer
 *   (If-Match on the ETag it read: 412), nor the newer finding state;
 * - two first scans of a scope: the second cannot replace the first one's pointer.
 */
import { BlobServiceClient } from "@azure/storage-blob";
import { describe, expect, it } from "vitest";
import { readAppSettings } from "../../src/config/appSettings.js";
import { scopeKeyOf } from "../../src/model/scan.js";
import type { FindingStateRecord } from "../../src/report/diff.js";
import { buildReport, type DriftReport } from "../../src/report/report.js";
import { HistoryStore } from "../../src/store/history.js";
import { recordScan } from "../../src/app/recordScan.js";
import { createServices, type AppServices } from "../../src/app/services.js";
import { azurite } from "../setup/harness.js";

const NS = "fence";
const store = () => HistoryStore.fromSettings({ kind: "connectionString", connectionString: azurite() }, { namespace: NS });

function report(sub: string): DriftReport {
  const now = Date.now();
  return buildReport({
    startedAt: new Date(now - 1_000),
    finishedAt: new Date(now),
    subscriptions: [sub],
    targets: [],
    stats: { armRequests: 0, throttled: 0, retries: 0 },
    errors: [],
  });
}

function record(sub: string, i: number, scanId: string): FindingStateRecord {
  return { findingId: `check:${i}`, checkId: "check", targetId: `/subscriptions/${sub}/t`, resourceId: `/subscriptions/${sub}/r/${i}`, severity: "low", state: "fail", stale: false, lastStatus: "fail", since: "2025-01-01T00:00:00.000Z", lastScanId: scanId };
}

function commitInput(sub: string, r: DriftReport, next: FindingStateRecord[]) {
  return { scopeKey: scopeKeyOf({ subscriptions: [sub] }), scope: { subscriptions: [sub] }, report: r, next, removed: [], stale: 0, trigger: "timer" as const, notification: "not-needed" as const };
}

/** Breaks the lease of a scope's lock blob at once, as its expiry would free it. */
async function breakLock(h: HistoryStore, scopeKey: string): Promise<void> {
  const blob = BlobServiceClient.fromConnectionString(azurite()).getContainerClient(h.names.container).getBlobClient(`locks/${scopeKey}`);
  await blob.getBlobLeaseClient().breakLease(0);
}

const statusOf = (err: unknown) => (err as { statusCode?: number }).statusCode;

describe("the fenced commit of a scope's pointer", () => {
  it("a stale reader cannot overwrite a newer pointer or the newer finding state (If-Match on the ETag it read)", async () => {
    const sub = "fe000001-0000-4000-8000-000000000001";
    const key = scopeKeyOf({ subscriptions: [sub] });
    const h = store();
    const r0 = report(sub);
    await h.commitScan(commitInput(sub, r0, [record(sub, 0, r0.scanId)]));
    const stale = await h.loadState(key); // run A reads the pointer ...
    const fresh = await h.loadState(key); // ... and so does run B
    const r1 = report(sub);
    await h.commitScan({ ...commitInput(sub, r1, [record(sub, 1, r1.scanId)]), expectedPointer: fresh!.pointer }); // B commits first
    const r2 = report(sub);
    const refused = await h.commitScan({ ...commitInput(sub, r2, [record(sub, 2, r2.scanId)]), expectedPointer: stale!.pointer }).catch((e: unknown) => e);
    expect(statusOf(refused)).toBe(412);
    expect(await h.lastScanIdOf(key)).toBe(r1.scanId);
    expect((await h.findingStates(key)).map((s) => s.findingId).sort()).toEqual(["check:0", "check:1"]);
    expect((await h.latest(key))?.scanId).toBe(r1.scanId);
  });

  it("two first scans of a scope: the second cannot replace the first one's pointer", async () => {
    const sub = "fe000002-0000-4000-8000-000000000002";
    const key = scopeKeyOf({ subscriptions: [sub] });
    const h = store();
    expect(await h.loadState(key)).toBeUndefined();
    const a = report(sub);
    const b = report(sub);
    await h.commitScan({ ...commitInput(sub, a, []), expectedPointer: "none" });
    const refused = await h.commitScan({ ...commitInput(sub, b, []), expectedPointer: "none" }).catch((e: unknown) => e);
    expect([409, 412]).toContain(statusOf(refused));
    expect(await h.lastScanIdOf(key)).toBe(a.scanId);
  });

  it("a holder whose lease was lost is refused at the commit (Renew Lease under its lease id: 409)", async () => {
    const sub = "fe000003-0000-4000-8000-000000000003";
    const key = scopeKeyOf({ subscriptions: [sub] });
    const h = store();
    const a = await h.acquireLock(key, { leaseDurationInSeconds: 15, renewEveryInMs: 600_000 });
    expect(a).toBeDefined();
    await breakLock(h, key);
    const b = await h.acquireLock(key, { leaseDurationInSeconds: 15 });
    expect(b).toBeDefined();
    const rb = report(sub);
    await h.commitScan({ ...commitInput(sub, rb, []), lock: b!, expectedPointer: "none" });
    const ra = report(sub);
    // Even with the pointer it read right now, A no longer holds the lock.
    const state = await h.loadState(key);
    const refused = await h.commitScan({ ...commitInput(sub, ra, [record(sub, 9, ra.scanId)]), lock: a!, expectedPointer: state!.pointer }).catch((e: unknown) => e);
    expect(statusOf(refused)).toBe(409);
    expect(await h.lastScanIdOf(key)).toBe(rb.scanId);
    expect(await h.findingStates(key)).toEqual([]);
    await Promise.all([a!.release(), b!.release()]);
  });

  it("a recorded scan whose lease expired mid-scan while another run committed: refused, the newer scan stays the scope's last", async () => {
    const sub = "fe000004-0000-4000-8000-000000000004";
    const scope = { subscriptions: [sub] };
    const key = scopeKeyOf(scope);
    const base = createServices(readAppSettings({ AZURE_ARM_ENDPOINT: "https://127.0.0.1:9", AZURE_ARM_TOKEN: "t", AzureWebJobsStorage: azurite() }), { historyNamespace: NS });
    const h = base.history!;
    const seed = report(sub);
    await recordScan({ ...base, scan: () => Promise.resolve(seed) }, { scope, trigger: "timer" });
    const newer = report(sub);
    const older = report(sub);
    const other: AppServices = { ...base, scan: () => Promise.resolve(newer) };
    const slow: AppServices = {
      ...base,
      // While run A scans, its lease runs out and run B scans and commits the scope.
      scan: async () => {
        await breakLock(h, key);
        const b = await recordScan(other, { scope, trigger: "http" });
        expect(b.status).toBe("complete");
        return older;
      },
    };
    const lines: string[] = [];
    const refused = await recordScan(slow, { scope, trigger: "timer", log: (m) => lines.push(m) }).catch((e: unknown) => e);
    expect([409, 412]).toContain(statusOf(refused));
    expect(lines.join("\n")).toContain(`scan ${older.scanId} not committed`);
    expect(await h.lastScanIdOf(key)).toBe(newer.scanId);
    const mine = (await h.listScans({ limit: 100 })).items.filter((i) => i.scopeKey === key).map((i) => i.scanId);
    expect(mine).toContain(newer.scanId);
    expect(mine).not.toContain(older.scanId);
  });
});
