/**
 * Judging while collecting: a target is judged as soon as the collector reports it read, while
 * other targets' reads (their DNS zones, role definitions, MC groups) are still pending. Each
 * judgement must equal the one made on the finished snapshot, or a shared index built too early
 * (a zone "listed but not read") would leak into findings.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { generateEstate } from "../../bench/generate.js";
import { ArmClients } from "../../src/arm/clients.js";
import { emptyBaseline } from "../../src/baseline/baseline.js";
import { evaluate } from "../../src/checks/lib/engine.js";
import type { Target } from "../../src/model/snapshot.js";
import { readArmSettings } from "../../src/config/settings.js";
import { parseEstate, type Estate } from "../../src/emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { collectAndEvaluate } from "../../src/app/scan.js";

let emu: RunningEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function judgedBothWays(estate: Estate) {
  emu = await startEmulator({ estate: parseEstate(estate) });
  const clients = new ArmClients(readArmSettings({}, { endpoint: emu.url, staticToken: "t" }), { caCertificates: [emu.caCertPem], maxRetries: 0 });
  const reported: Target[] = [];
  const now = new Date("2026-11-26T00:00:00Z");
  const result = await collectAndEvaluate(clients, { onTargetCollected: (t) => reported.push(t) }, emptyBaseline, { now }, { judgeWhenReady: "immediately" });
  const after = evaluate(result.snapshot, emptyBaseline, { now });
  return { result, after, reported };
}

describe("collectAndEvaluate", () => {
  it("judges each demo target, when it is reported, exactly as on the finished snapshot", async () => {
    const demo = JSON.parse(readFileSync(new URL("../../estates/demo.json", import.meta.url), "utf8")) as Estate;
    const { result, after, reported } = await judgedBothWays(demo);
    // As many as the demo holds (its expectations file lists each target).
    const expected = JSON.parse(readFileSync(new URL("../../estates/demo.expected.json", import.meta.url), "utf8")) as { targets: object };
    expect(result.evaluations.length).toBe(Object.keys(expected.targets).length);
    // Every target reported once, and judged then (the callback order is the order of reads).
    expect(new Set(reported).size).toBe(reported.length);
    expect([...reported].sort((a, b) => a.id.localeCompare(b.id))).toEqual([...result.snapshot.targets].sort((a, b) => a.id.localeCompare(b.id)));
    expect(result.evaluations).toEqual(after);
    expect(result.evaluations.map((e) => e.status)).toContain("unknown"); // the forbidden network group
  });

  it("holds on a generated estate with shared zones, private ingress and seeded drift", async () => {
    const generated = generateEstate({ targets: 80, subscriptions: 3, driftRate: 0.25, privateIngressShare: 0.6, pageSize: 9 });
    const { result, after, reported } = await judgedBothWays(generated.estate);
    expect(reported.length).toBe(80);
    expect(result.evaluations).toEqual(after);
    const failing = result.evaluations.flatMap((e) => e.findings.filter((f) => f.status === "fail").map((f) => `${f.checkId}|${f.resourceId}`.toLowerCase()));
    expect(failing.sort()).toEqual(generated.seeded.flatMap((d) => d.failing).sort());
    expect(result.evaluations.some((e) => e.findings.some((f) => f.checkId === "private-dns-a-record" && f.status === "pass"))).toBe(true);
  });
});
