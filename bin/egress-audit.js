#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`; `npm ci` builds it through the `prepare`
// script). Never the TypeScript sources: that needed tsx, a devDependency, at run time and cost
// twice the CPU on every call. Without dist/ it says how to build and exits 3 (a configuration
// error: nothing was run), the code of `NotBuilt` in docs/errors.md.
import { existsSync } from "node:fs";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const compiled = join(root, "dist", "src", "cli", "main.js");
if (existsSync(compiled)) {
  await import(pathToFileURL(compiled).href);
} else {
  process.stderr.write(
    `egress-audit: NotBuilt: the CLI is not built (${compiled} is missing): run \`npm run build\` in ${root}\n` +
      "  (npm ci builds it; an install with --ignore-scripts does not)\n",
  );
  process.exitCode = 3;
}
