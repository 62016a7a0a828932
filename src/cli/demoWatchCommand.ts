/**
 * The `--watch` and `--coalesce-ms` flags of `egress-audit demo` (./demoWatch.ts runs the demo).
 * Kept apart from ./demoWatch.ts so that the other commands load none of what it needs (Azurite,
 * the local server, the functions): it is imported only when `--watch` is given.
 */
import { UsageError } from "../errors.js";
import type { CliIo } from "./io.js";

/** The `demo` flags `--watch` looks at. */
export interface DemoWatchFlags {
  watch?: boolean;
  coalesceMs?: number;
  quiet?: boolean;
  verbose?: boolean;
  estate?: string;
  baseline?: string;
  format?: string;
  output?: string;
  failOn?: string;
  sarifArtifact?: string;
  evidence?: string;
}

/** `--coalesce-ms`: a whole number of milliseconds 0-20000 (what `CHANGE_COALESCE_IN_MS` takes), else `InvalidFlag`. */
export function coalesceFlag(v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isInteger(n) || n < 0 || n > 20_000) {
    throw new UsageError("InvalidFlag", `--coalesce-ms must be a whole number of milliseconds from 0 to 20000 (got ${JSON.stringify(v)})`);
  }
  return n;
}

/**
 * `demo --watch`: refuses the flags that shape a report (they take no part in it) and
 * `--coalesce-ms` without `--watch` (exit 3, nothing started), then runs the demo with SIGINT and
 * SIGTERM stopping it (everything it started is stopped, Azurite included); resolves with the exit code.
 */
export async function runDemoWatchCommand(flags: DemoWatchFlags, io: CliIo): Promise<number> {
  if (!flags.watch) throw new UsageError("InvalidFlag", "--coalesce-ms needs --watch");
  const refused = (["estate", "baseline", "format", "output", "failOn", "sarifArtifact", "evidence"] as const).filter((k) => flags[k] !== undefined);
  if (refused.length > 0) {
    const names = refused.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    throw new UsageError("InvalidFlag", `demo --watch prints a transcript of the demo estate; it takes no ${names.join(", ")}`);
  }
  const { runDemoWatch } = await import("./demoWatch.js");
  const stop = new AbortController();
  const onSignal = () => stop.abort(new Error("interrupted"));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    return await runDemoWatch({
      stdout: io.stdout,
      stderr: io.stderr,
      quiet: !!flags.quiet,
      verbose: !!flags.verbose,
      abortSignal: stop.signal,
      ...(flags.coalesceMs !== undefined ? { coalesceInMs: flags.coalesceMs } : {}),
    });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
