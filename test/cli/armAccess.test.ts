/**
 * The CLI's ARM access flags (issue 15, items 7 and 8): an endpoint outside the Azure clouds is a
 * usage error without a static token (exit 3, nothing contacted), and `--read-deadline` bounds a
 * stalled read, which turns `unknown` while the scan goes on.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli, type CliIo } from "../../src/cli/program.js";
import { loadEstate } from "../../src/emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { parseReport } from "../../src/report/read.js";
import { estateSubnets } from "../setup/demoFacts.js";

const root = join(import.meta.dirname, "..", "..");

async function cli(args: string[], env: NodeJS.ProcessEnv = {}, extra: Partial<CliIo> = {}) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env, isTTY: false, clientOptions: { maxRetries: 0 }, ...extra });
  return { code, stdout, stderr };
}

let emu: RunningEmulator | undefined;
let listener: Server | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
  await new Promise<void>((r) => (listener ? listener.close(() => r()) : r()));
  listener = undefined;
});

describe("--arm-endpoint outside the Azure clouds", () => {
  it("without AZURE_ARM_TOKEN: exit 3, the flag named, and no connection is made", async () => {
    let connections = 0;
    listener = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((r) => listener!.listen(0, "127.0.0.1", () => r()));
    const port = (listener.address() as { port: number }).port;
    const r = await cli(["scan", "--arm-endpoint", `https://127.0.0.1:${port}`, "--format", "json"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/--arm-endpoint names 127\.0\.0\.1:\d+, which is not the Resource Manager of an Azure cloud/);
    expect(r.stderr).toContain("AZURE_ARM_TOKEN");
    expect(r.stdout).toBe("");
    expect(connections).toBe(0);
  });

  it("the same from AZURE_ARM_ENDPOINT, naming the variable", async () => {
    const r = await cli(["scan"], { AZURE_ARM_ENDPOINT: "https://management.azure.com.evil.example" });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/AZURE_ARM_ENDPOINT names management\.azure\.com\.evil\.example/);
  });
});

describe("--read-deadline", () => {
  it("refuses a value that is not whole seconds from 1 to 3600 (exit 3)", async () => {
    for (const bad of ["0", "1.5", "soon"]) {
      const r = await cli(["scan", "--read-deadline", bad], { AZURE_ARM_TOKEN: "t", AZURE_ARM_ENDPOINT: "https://127.0.0.1:1" });
      expect(r.code, bad).toBe(3);
      expect(r.stderr, bad).toContain("--read-deadline must be a whole number of seconds from 1 to 3600");
    }
  });

  it("a list that stalls past it turns unknown as Timeout, within the deadline, and the scan goes on", async () => {
    // Every route table read answers after 60 s: with a 20 s per-attempt timeout the four attempts
    // would take 80 s before giving up; the 1 s deadline ends each read first.
    const estate = await loadEstate(join(root, "estates", "demo.json"));
    emu = await startEmulator({ estate, faults: { rules: [{ path: "/routeTables", kind: "slow", delayInMs: 60_000 }] } });
    const started = performance.now();
    const r = await cli(["scan", "--arm-endpoint", emu.url, "--read-deadline", "1", "--format", "json", "--quiet"], { AZURE_ARM_TOKEN: "t" }, {
      clientOptions: { caCertificates: [emu.caCertPem], maxRetries: 3, retryDelayInMs: 1, requestTimeoutInMs: 20_000 },
    });
    const elapsed = performance.now() - started;
    const report = parseReport(r.stdout);
    const timeouts = report.errors.filter((e) => e.code === "Timeout");
    expect(timeouts.length).toBeGreaterThan(0);
    for (const e of timeouts) expect(e.scope).toMatch(/routeTables/i);
    expect(timeouts[0]!.message).toContain("read deadline of 1000 ms");
    // The route checks of subnets with a route table could not look: unknown, never pass or fail.
    // (A subnet without one, a Virtual WAN spoke or a NAT gateway's, is judged without a route table.)
    // Everything else was read and judged.
    const findings = report.targets.flatMap((t) => t.findings);
    const routed = new Set([...estateSubnets(estate).values()].filter((s) => s.routeTableId !== undefined).map((s) => s.id));
    const routes = findings.filter((f) => f.checkId === "subnet-default-route" && routed.has(f.resourceId.toLowerCase()));
    expect(routes.length).toBeGreaterThan(0);
    for (const f of routes) expect(`${f.resourceId} ${f.status}`).toBe(`${f.resourceId} unknown`);
    expect(findings.some((f) => f.checkId !== "subnet-default-route" && (f.status === "pass" || f.status === "fail"))).toBe(true);
    const expected = JSON.parse(readFileSync(join(root, "estates", "demo.expected.json"), "utf8")) as { targets: object };
    expect(report.summary.targets).toBe(Object.keys(expected.targets).length);
    expect([1, 2]).toContain(r.code); // never "compliant" (0), never a usage error (3)
    // Each stalled read costs the deadline, not four attempt timeouts (80 s).
    expect(elapsed).toBeLessThan(15_000);
  });
});
