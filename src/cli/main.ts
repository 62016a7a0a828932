#!/usr/bin/env node
/** Process entry of `egress-audit`: wires the real stdout/stderr/env into {@link runCli}. */
import { tuneHeapGrowth } from "./heap.js";
import { EXIT, runCli } from "./program.js";

// Before any work: the heap grows by 30% of what survived, not up to 4x (./heap.ts).
tuneHeapGrowth();

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
