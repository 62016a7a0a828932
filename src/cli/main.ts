#!/usr/bin/env node
/** Process entry of `egress-audit`: wires the real stdout/stderr/env into {@link runCli}. */
import { EXIT, runCli } from "./program.js";

runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
  isTTY: process.stdout.isTTY,
  ...(process.stdout.columns ? { columns: process.stdout.columns } : {}),
  stderrStream: process.stderr,
  stdoutStream: process.stdout,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Not a usage problem and not a scan result: a bug. Say so, without dumping secrets from env.
    process.stderr.write(`egress-audit: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = EXIT.internal;
  },
);
