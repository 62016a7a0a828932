/**
 * The progress display: drawn on a terminal with the scan's counts, silent on a pipe, under CI
 * and with --quiet; and the colour and CI rules it shares with the table.
 */
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { runCli, type CliIo } from "../../src/cli/program.js";
import { isCi, useColor, type ProgressStream } from "../../src/cli/progress.js";
import { parseReport } from "../../src/report/read.js";

/** A stream that says it is a terminal and records what is drawn on it. */
function fakeTerminal(isTTY = true): ProgressStream & { text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  }) as Writable & { isTTY?: boolean; columns?: number; text: () => string };
  stream.isTTY = isTTY;
  stream.columns = 200;
  stream.text = () => chunks.join("");
  return stream;
}

async function demo(args: string[], env: NodeJS.ProcessEnv, stream: ProgressStream) {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env,
    isTTY: false,
    stderrStream: stream,
    clientOptions: { maxRetries: 0 },
  };
  const code = await runCli(["demo", ...args], io);
  return { code, stdout, stderr };
}

describe("progress display", () => {
  it("draws subscriptions, targets and ARM requests on a terminal, clears itself, then prints the summary", async () => {
    const tty = fakeTerminal();
    const r = await demo(["--format", "json"], {}, tty);
    expect(r.code).toBe(1);
    const report = parseReport(r.stdout);
    const drawn = tty.text();
    // Out of as many subscriptions as the scan covered (the demo's), reached by the end.
    const scopes = report.scope.subscriptions.length;
    expect(scopes).toBeGreaterThan(1);
    expect(drawn).toMatch(new RegExp(`subscriptions \\d+/${scopes}`));
    expect(drawn).toContain(`subscriptions ${scopes}/${scopes}`);
    expect(drawn).toContain(`targets ${report.summary.targets}/${report.summary.targets}`);
    expect(drawn).toMatch(/\d+ ARM requests, 0 throttled/);
    // The live count comes from watching the requests; it reaches the report's own count.
    const counts = [...drawn.matchAll(/(\d+) ARM requests/g)].map((m) => Number(m[1]));
    expect(Math.max(...counts)).toBe(report.stats.armRequests);
    expect(drawn).toContain("\u001b[?25l"); // cursor hidden while drawing ...
    expect(drawn).toContain("\u001b[?25h"); // ... and restored
    // json on stdout has no summary line of its own: stderr gets it once the bar is gone.
    expect(r.stderr).toMatch(/^demo: emulator at .*\n\d+ targets: .* ARM requests .* ms\n$/);
  });

  it("is silent on a pipe, under CI and with --quiet", async () => {
    for (const [stream, env, args] of [
      [fakeTerminal(false), {}, []],
      [fakeTerminal(), { CI: "true" }, []],
      [fakeTerminal(), {}, ["--quiet"]],
    ] as const) {
      const r = await demo(["--format", "json", ...args], env, stream);
      expect(r.code).toBe(1);
      expect(stream.text()).toBe("");
      expect(r.stderr).not.toMatch(/targets: /);
    }
  });

  it("leaves the table's own summary line as the only one", async () => {
    const tty = fakeTerminal();
    const r = await demo([], {}, tty);
    expect(tty.text()).toContain("ARM requests");
    expect(r.stderr).not.toMatch(/targets: /);
    expect(r.stdout.trimEnd().split("\n").at(-1)).toMatch(/^\d+ targets: /);
  });
});

describe("colour and CI rules", () => {
  it("NO_COLOR wins, FORCE_COLOR forces, TERM=dumb and pipes stay plain", () => {
    expect(useColor({}, true)).toBe(true);
    expect(useColor({}, false)).toBe(false);
    expect(useColor({ NO_COLOR: "1" }, true)).toBe(false);
    expect(useColor({ NO_COLOR: "" }, true)).toBe(true); // no-color.org: set and non-empty
    expect(useColor({ FORCE_COLOR: "1" }, false)).toBe(true);
    expect(useColor({ FORCE_COLOR: "0" }, true)).toBe(false);
    expect(useColor({ NO_COLOR: "1", FORCE_COLOR: "1" }, true)).toBe(false);
    expect(useColor({ TERM: "dumb" }, true)).toBe(false);
  });

  it("CI is any value but empty, 0 or false", () => {
    expect(isCi({ CI: "true" })).toBe(true);
    expect(isCi({ CI: "1" })).toBe(true);
    expect(isCi({ CI: "false" })).toBe(false);
    expect(isCi({ CI: "0" })).toBe(false);
    expect(isCi({})).toBe(false);
  });
});
