/**
 * The benchmark's estate generator, small: a scan of a generated estate reports exactly the
 * seeded drift as failures, nothing unknown, and every other target compliant, with every shape in
 * it (Virtual WAN spokes, NAT gateway and network-isolated clusters, node-public-IP pools, a scale
 * set per node pool). The benchmark relies on this to check findings at scale.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateEstate, type GeneratedEstate } from "../../bench/generate.js";
import { readArmSettings } from "../../src/config/settings.js";
import { parseEstate } from "../../src/emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { runScan } from "../../src/app/scan.js";
import type { DriftReport } from "../../src/report/report.js";

let emu: RunningEmulator;
let generated: GeneratedEstate;
let report: DriftReport;
beforeAll(async () => {
  // Shares raised so that 20 targets per subscription hold every shape (defaults: 0.05, 0.05, 0.03).
  generated = generateEstate({ targets: 60, subscriptions: 3, driftRate: 0.2, privateIngressShare: 0.5, pageSize: 7, vwanShare: 0.1, natShare: 0.05, isolatedShare: 0.05 });
  emu = await startEmulator({ estate: parseEstate(generated.estate) });
  ({ report } = await runScan({
    settings: readArmSettings({}, { endpoint: emu.url, staticToken: "t" }),
    clients: { caCertificates: [emu.caCertPem], maxRetries: 0 },
    // Every finding's evidence, passes included: the naive comparison below holds them equal.
    evidence: "all",
  }));
});
afterAll(async () => emu?.close());

describe("generated estates", () => {
  it("hold the targets, kinds and seeded drift they were asked for", () => {
    expect(report.summary.targets).toBe(60);
    expect(generated.counts.pools + generated.counts.aksClusters).toBe(60);
    expect(generated.counts.privateIngressPools).toBeGreaterThan(0);
    expect(generated.counts.vwanSpokes).toBeGreaterThan(0);
    expect(generated.counts.natClusters).toBeGreaterThan(0);
    expect(generated.counts.isolatedClusters).toBeGreaterThan(0);
    expect(generated.counts.nodePublicIpPools).toBeGreaterThan(0);
    expect(new Set(generated.seeded.map((d) => d.kind))).toEqual(
      new Set(["stray-public-ip", "route-to-internet", "missing-network-contributor", "dns-wrong-address", "node-public-ip"]),
    );
    // A scale set per node pool in every MC group; node-public-IP pools add theirs with instance NICs and public IPs.
    const of = (type: string) => generated.estate.resources.filter((r) => r.type === type).length;
    expect(of("Microsoft.Compute/virtualMachineScaleSets")).toBe(60 + generated.counts.nodePublicIpPools);
    expect(of("Microsoft.Compute/virtualMachineScaleSets/virtualMachines/networkInterfaces/ipConfigurations/publicIPAddresses")).toBe(2 * generated.counts.nodePublicIpPools);
    expect(of("Microsoft.Network/virtualHubs/hubVirtualNetworkConnections")).toBeGreaterThan(0);
  });

  it("scan to exactly the seeded failures, nothing unknown, everything else compliant", () => {
    const of = (status: string) =>
      report.targets.flatMap((t) => t.findings.filter((f) => f.status === status).map((f) => `${f.checkId}|${f.resourceId}`.toLowerCase())).sort();
    expect(of("fail")).toEqual(generated.seeded.flatMap((d) => d.failing).sort());
    expect(of("unknown")).toEqual(generated.seeded.flatMap((d) => d.unknown).sort());
    expect(report.errors).toEqual([]);
    const drifted = new Set(generated.seeded.map((d) => d.target));
    for (const t of report.targets) {
      const unknown = t.findings.filter((f) => f.status === "unknown" && !drifted.has(t.name));
      expect(unknown, t.name).toEqual([]);
      expect(t.status, t.name).toBe(drifted.has(t.name) ? "drifted" : "compliant");
    }
  });
});

describe("the naive comparator", () => {
  it("reads the same estate per target, with many more requests, to the same findings", async () => {
    const { ArmClients } = await import("../../src/arm/clients.js");
    const { collectNaive } = await import("../../bench/naive.js");
    const { evaluate } = await import("../../src/checks/lib/engine.js");
    const { emptyBaseline } = await import("../../src/baseline/baseline.js");
    const clients = new ArmClients(readArmSettings({}, { endpoint: emu.url, staticToken: "t" }), {
      caCertificates: [emu.caCertPem],
      maxRetries: 0,
      readBudget: false,
    });
    // The hub VNet's firewall, as a script would have it configured (the Virtual WAN hub's is found through the hub).
    const firewallId = generated.estate.resources.find((r) => r.type === "Microsoft.Network/azureFirewalls" && /\/fw-hub$/.test(r.id))!.id;
    const naive = await collectNaive(clients, { subscriptionIds: report.scope.subscriptions, firewallId });
    expect(naive.errors).toEqual([]);
    // Same findings down to message and evidence: evidence names what was read (the chain that decided,
    // the scale sets whose instance public IPs were read), so a read the naive chain makes and the
    // collector skips, or the other way round, shows here even where the status happens to agree.
    const line = (f: { id: string; status: string; message: string; evidence?: unknown }) => `${f.id}|${f.status}|${f.message}|${JSON.stringify(f.evidence)}`;
    const findings = evaluate(naive.snapshot, emptyBaseline)
      .flatMap((e) => e.findings.map(line))
      .sort();
    const optimized = report.targets.flatMap((t) => t.findings.map(line)).sort();
    expect(findings).toEqual(optimized);
    expect(clients.stats.armRequests / 60).toBeGreaterThanOrEqual(10);
    expect(report.stats.armRequests).toBeLessThan(clients.stats.armRequests / 3);
  });
});
