/**
 * What a recorded scan writes of its scope's finding state (src/app/recordScan.ts,
 * `changedStates`): only records that say something new. The demo estate on the ARM emulator
 * over HTTPS, changed through the real SDK, history in the shared Azurite, the state read back
 * through the history store. A record per failing or unknown finding (passes keep none); each
 * record's `lastScanId` names the scan that last wrote it, so an unchanged scope keeps every record
 * of the scan that first wrote it, a change writes exactly the records it changed, and its fix
 * removes them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NetworkManagementClient } from "@azure/arm-network";
import type { Estate } from "../../src/emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { recordScan, type RecordScanResult } from "../../src/app/recordScan.js";
import type { AppServices } from "../../src/app/services.js";
import type { FindingStateRecord } from "../../src/report/diff.js";
import { DEMO_SUB_B, REPO, testServices } from "../setup/harness.js";

const demo = JSON.parse(readFileSync(join(REPO, "estates", "demo.json"), "utf8")) as Estate;
const RG_NET = "rg-payments-network";
const SCOPE = { subscriptions: [DEMO_SUB_B] };

let emulator: RunningEmulator;
let services: AppServices;
let network: NetworkManagementClient;

async function scan(): Promise<Extract<RecordScanResult, { status: "complete" }>> {
  const r = await recordScan(services, { scope: SCOPE, trigger: "timer" });
  if (r.status !== "complete") throw new Error(`scan ${r.status}`);
  return r;
}

async function state(scopeKey: string): Promise<Map<string, FindingStateRecord>> {
  const loaded = await services.history!.loadState(scopeKey);
  return new Map(loaded!.states);
}

async function setDefaultRoute(nextHopType: "Internet" | "VirtualAppliance", ip?: string): Promise<void> {
  await network.routes.beginCreateOrUpdateAndWait(RG_NET, "rt-snet-aks-payments", "default-to-fw-hub", {
    addressPrefix: "0.0.0.0/0",
    nextHopType,
    ...(ip ? { nextHopIpAddress: ip } : {}),
  });
}

beforeAll(async () => {
  emulator = await startEmulator({ estate: demo });
  services = testServices({ emulator, namespace: "statew", env: { SCAN_SUBSCRIPTIONS: DEMO_SUB_B } });
  const credential = { getToken: () => Promise.resolve({ token: "t", expiresOnTimestamp: Date.now() + 3_600_000 }) };
  // A variable, not a literal: the SDK's options type does not name `credentialScopes`, which its pipeline reads.
  const options = { endpoint: emulator.url, credentialScopes: ["https://management.azure.com/.default"], tlsOptions: { ca: emulator.caCertPem } };
  network = new NetworkManagementClient(credential, DEMO_SUB_B, options);
}, 120_000);

afterAll(async () => {
  await emulator?.close();
});

describe("finding state a recorded scan writes", () => {
  it("writes a record per failing or unknown finding once, none again while nothing changes, exactly the changed ones after a change, and removes them after its fix", async () => {
    const first = await scan();
    const afterFirst = await state(first.scopeKey);
    const findings = first.report.targets.flatMap((t) => t.findings);
    const kept = findings.filter((f) => f.status === "unknown" || (f.status === "fail" && f.suppressed === undefined));
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(findings.length / 2);
    expect([...afterFirst.keys()].sort()).toEqual(kept.map((f) => f.id).sort());
    expect([...afterFirst.values()].every((r) => r.lastScanId === first.report.scanId)).toBe(true);

    // Nothing changed: the scan is recorded (index, pointer), its state rows are not rewritten.
    const second = await scan();
    expect(second.report.diff).toEqual({ new: [], resolved: [], unchanged: expect.any(Number) as number });
    expect(second.entry.scanId).toBe(second.report.scanId);
    const afterSecond = await state(second.scopeKey);
    expect(afterSecond).toEqual(afterFirst);

    // The payments cluster's default route now bypasses the firewall: its new drift, and the
    // findings that drift turns over (pass -> fail, pass -> gone, new unknowns), are rewritten or
    // added; every other record still names the first scan.
    const route = (await network.routes.get(RG_NET, "rt-snet-aks-payments", "default-to-fw-hub")).nextHopIpAddress!;
    await setDefaultRoute("Internet");
    const third = await scan();
    expect(third.report.diff!.new.length).toBeGreaterThan(0);
    const afterThird = await state(third.scopeKey);
    const rewritten = [...afterThird.values()].filter((r) => r.lastScanId === third.report.scanId);
    for (const id of third.report.diff!.new) expect(afterThird.get(id)).toMatchObject({ state: "fail", lastScanId: third.report.scanId });
    const payments = third.report.targets.find((t) => t.name === "aks-payments")!;
    // Only records of the changed target were written.
    expect(rewritten.length).toBeGreaterThan(0);
    expect(rewritten.every((r) => r.targetId.toLowerCase() === payments.id.toLowerCase())).toBe(true);
    for (const r of afterThird.values()) if (r.targetId.toLowerCase() !== payments.id.toLowerCase()) expect(r.lastScanId).toBe(first.report.scanId);

    // Fixed: the drift resolves and its records go (a pass keeps none); the scope's state is the
    // first scan's again.
    await setDefaultRoute("VirtualAppliance", route);
    const fourth = await scan();
    expect([...fourth.report.diff!.resolved].sort()).toEqual([...third.report.diff!.new].sort());
    const afterFourth = await state(fourth.scopeKey);
    for (const id of third.report.diff!.new) expect(afterFourth.has(id)).toBe(false);
    expect([...afterFourth.keys()].sort()).toEqual([...afterFirst.keys()].sort());
    expect(await scan().then((r) => r.report.diff)).toEqual({ new: [], resolved: [], unchanged: expect.any(Number) as number });
  }, 120_000);
});
