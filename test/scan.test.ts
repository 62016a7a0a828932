/**
 * The scan use case under a time limit: it stops reading, reports what it has, and everything
 * that needed the missing reads is unknown (never pass), with one error saying why. What was read
 * before the stop is judged as usual: a target that needs none of the held-back reads may be
 * compliant, one that needs any of them never is.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readArmSettings } from "../src/config/settings.js";
import { loadEstate } from "../src/emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../src/emulator/server.js";
import { runScan } from "../src/app/scan.js";
import { estateTargets } from "./setup/demoFacts.js";

let emu: RunningEmulator;
let withSubnets: string[];
beforeAll(async () => {
  const estate = await loadEstate(join(import.meta.dirname, "..", "estates", "demo.json"));
  // Targets whose checks judge a subnet: subnets come from the virtual network lists (or, after
  // them, by id), which the fault below holds back past the limit.
  withSubnets = estateTargets(estate)
    .filter((t) => t.subnetIds.length > 0)
    .map((t) => t.name);
  // Virtual network lists never answer within the limit: every subnet read is cut off.
  emu = await startEmulator({ estate, faults: { rules: [{ path: "/providers/Microsoft.Network/virtualNetworks$", kind: "slow", delayInMs: 20_000 }] } });
});
afterAll(async () => emu?.close());

describe("runScan with a time limit", () => {
  it("returns a report at the limit with the unread parts unknown and the stop named", async () => {
    const { report } = await runScan({
      settings: readArmSettings({}, { endpoint: emu.url, staticToken: "t" }),
      clients: { caCertificates: [emu.caCertPem], maxRetries: 0 },
      timeLimitInMs: 1500,
    });
    expect(report.errors).toContainEqual(expect.objectContaining({ scope: "scan", code: "TimeLimitExceeded" }));
    expect(report.errors.filter((e) => e.code === "TimeLimitExceeded")).toHaveLength(1);
    const routeFindings = report.targets.flatMap((t) => t.findings.filter((f) => f.checkId === "subnet-default-route"));
    expect(routeFindings.length).toBeGreaterThan(0);
    for (const f of routeFindings) expect(f.status).toBe("unknown");
    // What was not read is never compliant: no target that needs a subnet is (it is unknown, or
    // drifted by a failure read before the stop). A target without any subnet (an AKS-managed VNet)
    // may be judged compliant from what the lists returned in time.
    expect(withSubnets.length).toBeGreaterThan(0);
    const statusOf = new Map(report.targets.map((t) => [t.name.toLowerCase(), t.status]));
    for (const name of withSubnets) {
      expect(statusOf.has(name.toLowerCase()), name).toBe(true);
      expect(statusOf.get(name.toLowerCase()), name).not.toBe("compliant");
    }
    const compliant = report.targets.filter((t) => t.status === "compliant").map((t) => t.name.toLowerCase());
    expect(compliant.filter((name) => withSubnets.some((w) => w.toLowerCase() === name))).toEqual([]);
    // Targets were found before the stop: all of the demo's.
    const expected = JSON.parse(readFileSync(join(import.meta.dirname, "..", "estates", "demo.expected.json"), "utf8")) as { targets: object };
    expect(report.summary.targets).toBe(Object.keys(expected.targets).length);
  });

  it("honours the caller's abort signal the same way", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(Object.assign(new Error("function host shutting down"), { code: "HostShutdown" })), 1000);
    const { report } = await runScan({
      settings: readArmSettings({}, { endpoint: emu.url, staticToken: "t" }),
      clients: { caCertificates: [emu.caCertPem], maxRetries: 0 },
      abortSignal: controller.signal,
    });
    expect(report.errors).toContainEqual(expect.objectContaining({ scope: "scan", code: "HostShutdown" }));
    expect(report.targets.flatMap((t) => t.findings).filter((f) => f.checkId === "subnet-default-route" && f.status === "pass")).toEqual([]);
  });
});
