/**
 * `local.settings.sample.json` is the list of the function app's settings: every setting the code
 * reads from the environment is in it (found by reading the sources, so a new setting without a
 * sample entry fails here), with the code's own defaults, values the settings reader accepts, and
 * no secret.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_MAX_CONCURRENT_SCANS,
  DEFAULT_RATE_LIMIT,
  DEFAULT_SCAN_SCHEDULE,
  DEFAULT_SHARD_QUEUE,
  DEFAULT_SHARD_SIZE,
  describeAppSettings,
  readAppSettings,
} from "../../src/config/appSettings.js";
import { REPO } from "../setup/harness.js";

/**
 * Environment reads that are not function app settings, and why. Anything else the sources read
 * must be in the sample.
 */
const NOT_APP_SETTINGS: Record<string, string> = {
  CI: "the CLI's progress output (src/cli/progress.ts)",
  NO_COLOR: "the CLI's colours",
  FORCE_COLOR: "the CLI's colours",
  TERM: "the CLI's terminal detection",
  NODE_EXTRA_CA_CERTS: "the ARM emulator's CA for child processes (src/emulator/)",
  NODE_OPTIONS: "the CLI leaves a user's own --heap-growing-percent alone (src/cli/heap.ts)",
  PORT: "`npm run serve` only; the Functions host picks its own port",
  EGRESS_AUDIT_FUNCTION_KEY: "`npm run serve` only; the Functions host has its own keys",
  EGRESS_AUDIT_MASTER_KEY: "`npm run serve` only; the Functions host has its own keys",
  EVENTGRID_SYSTEM_KEY: "`npm run serve` only; the Functions host has its own eventgrid_extension system key",
};

/** Settings whose value is a secret: the sample leaves them empty. */
const SECRETS = ["AZURE_ARM_TOKEN", "TEAMS_WEBHOOK_URL", "BASELINE_URL", "BASELINE_JSON"];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

/** Every `env.NAME`, `env?.NAME` and `env["NAME"]` in src/ and functions/, with where it is read. */
function settingsRead(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of [...sourceFiles(join(REPO, "src")), ...sourceFiles(join(REPO, "functions"))]) {
    const text = readFileSync(file, "utf8");
    // Settings are upper case or `AzureWebJobs…`; lower-case `env.x` are other objects named env.
    for (const m of text.matchAll(/\benv\??\.([A-Z][A-Za-z0-9_]*)|\benv\[["']([A-Za-z][A-Za-z0-9_]*)["']\]/g)) {
      const name = m[1] ?? m[2]!;
      if (!found.has(name)) found.set(name, relative(REPO, file));
    }
  }
  return found;
}

const sample = JSON.parse(readFileSync(join(REPO, "local.settings.sample.json"), "utf8")) as { IsEncrypted: boolean; Values: Record<string, string> };

describe("local.settings.sample.json", () => {
  it("lists every setting the app reads (found in the sources), and nothing it does not read", () => {
    const read = settingsRead();
    // The reader finds the settings this test is about (guards against a regex that finds nothing).
    for (const name of ["SCAN_SCHEDULE", "AZURE_ARM_ENDPOINT", "AzureWebJobsStorage__queueServiceUri", "AUTH_ALLOWED_GROUPS", "SCAN_RATE_LIMIT_GLOBAL_PER_MINUTE"]) {
      expect(read.has(name), name).toBe(true);
    }
    const missing = [...read].filter(([name]) => !(name in NOT_APP_SETTINGS) && !(name in sample.Values)).map(([name, file]) => `${name} (read in ${file})`);
    expect(missing).toEqual([]);
    const unread = Object.keys(sample.Values).filter((name) => name !== "FUNCTIONS_WORKER_RUNTIME" && !read.has(name));
    expect(unread).toEqual([]);
    expect(Object.keys(sample.Values).length).toBeGreaterThanOrEqual(20);
  });

  it("holds the code's defaults and values the settings reader accepts, and no secret", () => {
    const v = sample.Values;
    expect(sample.IsEncrypted).toBe(false);
    expect(v.FUNCTIONS_WORKER_RUNTIME).toBe("node");
    expect(v.SCAN_SCHEDULE).toBe(DEFAULT_SCAN_SCHEDULE);
    expect(v.SCAN_FANOUT).toBe("off");
    expect(Number(v.SCAN_SHARD_SIZE)).toBe(DEFAULT_SHARD_SIZE);
    expect(v.SCAN_SHARD_QUEUE).toBe(DEFAULT_SHARD_QUEUE);
    expect(Number(v.SCAN_MAX_CONCURRENT)).toBe(DEFAULT_MAX_CONCURRENT_SCANS);
    expect(Number(v.SCAN_RATE_LIMIT_PER_MINUTE)).toBe(DEFAULT_RATE_LIMIT.perCallerPerMinute);
    expect(Number(v.SCAN_RATE_LIMIT_GLOBAL_PER_MINUTE)).toBe(DEFAULT_RATE_LIMIT.globalPerMinute);
    for (const name of SECRETS) expect(v[name], name).toBe("");
    // No key, password or signature anywhere in the file.
    expect(JSON.stringify(sample)).not.toMatch(/AccountKey=|SharedAccessSignature|[?&]sig=|[?&]code=|password/i);

    const settings = readAppSettings(v);
    expect(settings.scanSchedule).toBe(DEFAULT_SCAN_SCHEDULE);
    expect(settings.storage).toEqual({ kind: "connectionString", connectionString: "UseDevelopmentStorage=true" });
    expect(settings.publicBaseUrl).toBe("http://localhost:7071");
    expect(describeAppSettings(settings)).toContain("fanout=off");
  });
});
