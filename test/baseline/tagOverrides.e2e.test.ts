/**
 * Overrides by tag, end to end: the demo estate served by the emulator, scanned through the real
 * SDK clients over HTTPS, judged against a baseline parsed by the one parser. The targets carry
 * their own ARM tags (the pool's, or the plain AKS cluster's), and an override by a tag changes
 * exactly the target that carries it. Before, targets had no tags and the engine passed `{}`: an
 * override by `pciScope` changed nothing, and one by `constructor` applied to every target.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { baselineFromJson } from "../../src/app/baseline.js";
import { runScan, type ScanResult } from "../../src/app/scan.js";
import { readArmSettings } from "../../src/config/settings.js";
import { loadEstate } from "../../src/emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import type { DriftReport } from "../../src/report/report.js";
import { REPO } from "../setup/harness.js";

let emulator: RunningEmulator;
const NOW = () => new Date("2026-01-15T00:00:00Z");

async function scan(baseline?: unknown): Promise<ScanResult> {
  return runScan({
    settings: readArmSettings({}, { endpoint: emulator.url, staticToken: "t" }),
    clients: { caCertificates: [emulator.caCertPem], maxRetries: 0 },
    now: NOW,
    ...(baseline === undefined ? {} : { baseline: baselineFromJson(baseline, "test") }),
  });
}

/** `target name -> check id -> statuses`, the judgement of a report in a comparable form. */
function judgement(report: DriftReport): Record<string, { status: string; checks: Record<string, string[]> }> {
  const out: Record<string, { status: string; checks: Record<string, string[]> }> = {};
  for (const t of report.targets) {
    const checks: Record<string, string[]> = {};
    for (const f of t.findings) (checks[f.checkId] ??= []).push(`${f.status}:${f.resourceId.toLowerCase()}`);
    for (const list of Object.values(checks)) list.sort();
    out[t.name] = { status: t.status, checks };
  }
  return out;
}

let plain: ScanResult;

beforeAll(async () => {
  emulator = await startEmulator({ estate: await loadEstate(join(REPO, "estates", "demo.json")) });
  plain = await scan();
});
afterAll(async () => emulator?.close());

describe("overrides by tag through the emulator", () => {
  it("gives each target its own ARM tags: the pool's for a pool (not its AKS cluster's), the cluster's for a plain AKS cluster", () => {
    const byName = new Map(plain.snapshot.targets.map((t) => [t.name, t]));
    expect(byName.get("aks-payments")?.tags).toEqual({ environment: "dev", owner: "payments", pciScope: "true" });
    expect(byName.get("aks-web")?.tags).toEqual({ archv2: "", tier: "production" });
    expect(byName.get("pool-restricted")?.tags).toMatchObject({ workload: "risk", dataClassification: "restricted" });
    const finance = byName.get("pool-finance");
    expect(finance?.tags).toMatchObject({ environment: "prod", workload: "finance" });
    expect(finance?.tags).not.toHaveProperty("hdinsight-on-aks-cluster-pool");
  });

  it("changes exactly the tagged target's result, and no override by an unset tag name changes anything", async () => {
    const { report } = await scan({
      schemaVersion: 1,
      overrides: [
        // aks-payments (UDR) carries pciScope=true: require loadBalancer there, so it fails.
        { match: { tag: { name: "PCISCOPE", value: "true" } }, rules: { outboundType: "loadBalancer" } },
        // Tag names that no target carries, inherited Object members among them: nothing changes.
        { match: { tag: { name: "constructor" } }, rules: { privateApiServer: true } },
        { match: { tag: { name: "__proto__" } }, rules: { privateApiServer: true } },
        { match: { tag: { name: "toString" } }, rules: { privateApiServer: true } },
        // The AKS clusters behind pools carry this tag; the pool targets do not.
        { match: { tag: { name: "hdinsight-on-aks-cluster-pool" } }, rules: { privateApiServer: true } },
        // aks-web carries tier=production: values compare exactly.
        { match: { tag: { name: "tier", value: "Production" } }, rules: { privateApiServer: true } },
      ],
    });
    const before = judgement(plain.report);
    const after = judgement(report);
    const aksPayments = plain.report.targets.find((t) => t.name === "aks-payments")!;
    expect(before["aks-payments"]).toMatchObject({ status: "compliant", checks: { "pool-outbound-type": [`pass:${aksPayments.id.toLowerCase()}`] } });
    expect(after["aks-payments"]).toMatchObject({ status: "drifted", checks: { "pool-outbound-type": [`fail:${aksPayments.id.toLowerCase()}`] } });
    const outbound = report.targets.find((t) => t.name === "aks-payments")!.findings.find((f) => f.checkId === "pool-outbound-type")!;
    expect(outbound.evidence).toMatchObject({ baselineOutboundType: "loadBalancer" });
    // Everything else is as without a baseline.
    delete before["aks-payments"];
    delete after["aks-payments"];
    expect(after).toEqual(before);
  });

  it("applies an override by a tag without a value to every target carrying the tag, whatever its value", async () => {
    // Both subscriptions' pools carry `costCenter`; plain AKS clusters do not (aks-payments, aks-web).
    const { report } = await scan({ schemaVersion: 1, overrides: [{ match: { tag: { name: "CostCenter" } }, rules: { outboundType: "none" } }] });
    const outbound = (name: string) =>
      report.targets.find((t) => t.name === name)!.findings.filter((f) => f.checkId === "pool-outbound-type").map((f) => f.status);
    expect(outbound("pool-finance")).toEqual(["fail"]);
    expect(outbound("pool-sandbox")).toEqual(["fail"]);
    expect(outbound("aks-payments")).toEqual(["pass"]);
    expect(outbound("aks-web")).toEqual(["pass"]);
  });
});
