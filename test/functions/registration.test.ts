/**
 * A bad `SCAN_SCHEDULE` must not stop the app from loading: the timer's registration holds the
 * app-setting reference `%SCAN_SCHEDULE%` (the host resolves it), nothing reads the value at
 * import, and the timer itself says clearly what is wrong when it runs.
 *
 * The import check runs in a fresh Node process (the way the worker loads the app: every file of
 * functions/ with the environment set before the first import), not in this one, where the
 * modules are already cached.
 */
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import type { Timer } from "@azure/functions";
import { SCAN_SCHEDULE_REFERENCE, scheduledScan, scheduledScanTimer } from "../../functions/scheduledScan.js";
import { useServices } from "../../src/app/services.js";
import { REPO, invocation } from "../setup/harness.js";

const run = promisify(execFile);
const functionFiles = readdirSync(join(REPO, "functions")).filter((f) => f.endsWith(".ts")).sort();

/** Imports every functions/*.ts in a fresh process with `env`; the exported names per file. */
async function importAll(env: NodeJS.ProcessEnv): Promise<Record<string, string[]>> {
  const script = [
    "const out = {};",
    `for (const f of ${JSON.stringify(functionFiles)}) {`,
    `  const m = await import(${JSON.stringify(join(REPO, "functions"))} + "/" + f);`,
    "  out[f] = Object.keys(m).filter((k) => typeof m[k] === 'function').sort();",
    "}",
    "process.stdout.write(JSON.stringify(out));",
  ].join("\n");
  const { stdout } = await run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: REPO, env, timeout: 60_000 });
  return JSON.parse(stdout) as Record<string, string[]>;
}

afterEach(() => {
  delete process.env.SCAN_SCHEDULE;
  useServices(undefined);
});

describe("function registration and SCAN_SCHEDULE", () => {
  it("registers the timer with the app-setting reference %SCAN_SCHEDULE%, not a value read at import", () => {
    expect(SCAN_SCHEDULE_REFERENCE).toBe("%SCAN_SCHEDULE%");
    expect(scheduledScanTimer.schedule).toBe("%SCAN_SCHEDULE%");
    expect(scheduledScanTimer.handler).toBe(scheduledScan);
    expect(scheduledScanTimer).toMatchObject({ useMonitor: true, runOnStartup: false });
  });

  it("imports every functions/*.ts with SCAN_SCHEDULE=garbage, each exporting its handler", async () => {
    expect(functionFiles.length).toBeGreaterThanOrEqual(12);
    const good = await importAll({ ...process.env, SCAN_SCHEDULE: "0 0 */6 * * *" });
    const bad = await importAll({ ...process.env, SCAN_SCHEDULE: "garbage" });
    expect(bad).toEqual(good);
    expect(Object.keys(bad).sort()).toEqual(functionFiles);
    // Every file exports its handler under the function's name (the file name).
    for (const file of functionFiles) expect(bad[file], file).toContain(file.replace(/\.ts$/, ""));
  }, 90_000);

  it("the timer reports a bad SCAN_SCHEDULE clearly when it runs, naming the setting", async () => {
    process.env.SCAN_SCHEDULE = "*/5 * * * *";
    const timer: Timer = { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: { last: "", next: "", lastUpdated: "" } };
    const { context, lines } = invocation("scheduledScan");
    await expect(scheduledScan(timer, context)).rejects.toThrow(/SCAN_SCHEDULE must be an NCRONTAB expression with six fields/);
    expect(lines.join("\n")).toMatch(/error: scheduledScan: SCAN_SCHEDULE must be an NCRONTAB expression/);
  });
});
