/**
 * `egress-audit demo --watch`, as a user runs it (a real process from the TypeScript sources):
 * a recorded scan, a change through the emulator with the real SDK, the Event Grid delivery to the
 * local webhook, the audit, and the Teams alert naming aks-payments; exit 0, and no Azurite left
 * running, also when the run is interrupted. Bad flag combinations are usage errors (exit 3).
 */
import { describe, expect, it } from "vitest";
import { runCli, type CliIo } from "../../src/cli/program.js";
import { finish, readUntil, spawnCli } from "./processes.js";

/** Whether a process with this pid still exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Waits up to `ms` for the process to be gone (a SIGKILL'd child is reaped asynchronously). */
async function goneWithin(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

function azuritePidOf(stdout: string): number {
  const m = /Azurite pid (\d+)/.exec(stdout);
  expect(m, stdout).not.toBeNull();
  return Number(m![1]);
}

/** The transcript's section of one step: its line and the indented lines under it. */
function section(stdout: string, step: string): string {
  const lines = stdout.split("\n");
  const at = lines.findIndex((l) => new RegExp(`^\\[[^\\]]+\\] ${step.replace(/[()]/g, "\\$&")}\\s`).test(l));
  if (at < 0) return "";
  const out = [lines[at]!];
  for (const l of lines.slice(at + 1)) {
    if (!/^\s/.test(l)) break;
    out.push(l);
  }
  return out.join("\n");
}

describe("demo --watch", () => {
  it("records a scan, makes a change through the emulator and prints the Teams alert naming aks-payments, then stops everything and exits 0", async () => {
    const child = spawnCli(["demo", "--watch", "--coalesce-ms", "200"], {});
    const run = await finish(child);
    expect(run.code, run.stderr).toBe(0);

    const scan = section(run.stdout, "(a) scan");
    expect(scan).toMatch(/recorded scan [0-9a-f-]{36} of 3 subscriptions/);
    // The summary line of the scan, as the CLI prints it.
    expect(scan).toMatch(/\d+ targets: \d+ compliant, \d+ drifted, \d+ unknown; findings: \d+ fail, \d+ pass, \d+ unknown; \d+ ARM requests/);

    const change = section(run.stdout, "(b) change");
    expect(change).toContain("routes.beginCreateOrUpdateAndWait");
    expect(change).toMatch(/rt-snet-aks-payments\/routes\/default-to-fw-hub.*VirtualAppliance 10\.0\.1\.4 is now -> Internet \(Succeeded\)/);

    const delivery = section(run.stdout, "(c) delivery");
    expect(delivery).toMatch(/ResourceWriteSuccess Microsoft\.Network\/routeTables\/routes\/write on default-to-fw-hub/);
    const audit = section(run.stdout, "(c) audit");
    expect(audit).toMatch(/audited: 1 target\(s\) re-read \(aks-payments\), [1-9]\d* ARM request\(s\), [1-9]\d* new and 0 resolved finding\(s\); Teams: sent/);

    const alert = section(run.stdout, "(d) alert");
    expect(alert).toMatch(/Teams card received \d+\.\d\d s after the write: "Egress drift changed"/);
    expect(alert).toMatch(/New drift: [1-9]/);
    // The new drift is on aks-payments' subnet, and the card's link opens that target.
    expect(alert).toContain("snet-aks-payments");
    expect(alert).toMatch(/Open report: .*managedClusters%2Faks-payments/);
    // The alert came after the coalescing window, not before it.
    const seconds = Number(/received (\d+\.\d\d) s after the write/.exec(alert)![1]);
    expect(seconds).toBeGreaterThanOrEqual(0.2);

    expect(await goneWithin(azuritePidOf(run.stdout), 5_000)).toBe(true);
    expect(run.stderr).toMatch(/stopped the API server, the emulator, the Teams receiver and Azurite/);
  }, 120_000);

  it("stops Azurite when interrupted (SIGINT) midway, and exits 2", async () => {
    // A long window: the interrupt lands while the change waits in the coalescing window.
    const child = spawnCli(["demo", "--watch", "--coalesce-ms", "5000"], {});
    const ended = finish(child);
    const upTo = await readUntil(child, /\(b\) change/);
    const pid = azuritePidOf(upTo);
    expect(alive(pid)).toBe(true);
    child.kill("SIGINT");
    // Azurite is stopped at once, not when the process ends.
    expect(await goneWithin(pid, 10_000)).toBe(true);
    const run = await ended;
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/interrupted/);
    expect(run.stdout).not.toMatch(/\(d\) alert/);
  }, 120_000);

  it("refuses --coalesce-ms without --watch, a bad window and report flags with --watch (exit 3, nothing started)", async () => {
    const cli = async (args: string[]) => {
      let stdout = "";
      let stderr = "";
      const io: CliIo = { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: {}, isTTY: false };
      return { code: await runCli(args, io), stdout, stderr };
    };
    const without = await cli(["demo", "--coalesce-ms", "200"]);
    expect(without.code).toBe(3);
    expect(without.stderr).toMatch(/--coalesce-ms needs --watch/);
    for (const bad of ["-1", "20001", "1.5", "abc"]) {
      const r = await cli(["demo", "--watch", "--coalesce-ms", bad]);
      expect(r.code, bad).toBe(3);
      expect(r.stderr).toMatch(/--coalesce-ms must be a whole number/);
    }
    const withFormat = await cli(["demo", "--watch", "--format", "json", "--output", "x.json"]);
    expect(withFormat.code).toBe(3);
    expect(withFormat.stderr).toMatch(/takes no --format, --output/);
    expect(withFormat.stdout).toBe("");
  });
});
