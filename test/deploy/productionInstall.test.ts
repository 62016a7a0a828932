// The Function app's production install: what `npm ci --omit=dev --omit=optional` keeps (no
// selfsigned, the emulator's optional dependency), and a CLI without selfsigned that still runs
// every command but the emulator's, which fail with a usage error (exit 3).
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hasErrorCode } from "../../src/errors.js";
import { loadSelfSigned } from "../../src/emulator/ca.js";
import { productionPackages } from "./lock.js";

const root = join(import.meta.dirname, "..", "..");
const hide = join(import.meta.dirname, "fixtures", "without-selfsigned.ts");
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
};

function cli(args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", "--import", hide, join(root, "src", "cli", "main.ts"), ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: "1" },
  });
}

describe("production install", () => {
  it("keeps selfsigned out: an optional dependency, absent from the lock file's production tree", () => {
    expect(manifest.dependencies).not.toHaveProperty("selfsigned");
    expect(manifest.optionalDependencies).toHaveProperty("selfsigned");
    const prod = productionPackages(root);
    expect(prod.size).toBeGreaterThan(20);
    expect(prod).toContain("@azure/functions");
    expect([...prod].filter((p) => p === "selfsigned" || p.startsWith("@peculiar/") || p === "pkijs")).toEqual([]);
  });

  it("npm ls of the production tree (--omit=dev --omit=optional) names no selfsigned", () => {
    const npm = process.env.npm_execpath;
    const args = ["ls", "--omit=dev", "--omit=optional", "--all", "--parseable"];
    const out = npm
      ? execFileSync(process.execPath, [npm, ...args], { cwd: root, encoding: "utf8" })
      : execFileSync("npm", args, { cwd: root, encoding: "utf8" });
    const paths = out.split("\n").filter((l) => l.includes("node_modules"));
    expect(paths.length).toBeGreaterThan(20);
    expect(paths.filter((p) => /node_modules[\\/]selfsigned$/.test(p))).toEqual([]);
  });

  it("reports a missing selfsigned as EmulatorUnavailable, a usage error", async () => {
    const missing = "selfsigned-not-installed-anywhere";
    const err = await loadSelfSigned(() => import(missing)).catch((e: unknown) => e);
    expect(hasErrorCode(err, "EmulatorUnavailable")).toBe(true);
    expect(String((err as Error).message)).toMatch(/optional dependency selfsigned.*npm install/);
  });

  it("a CLI without selfsigned lists the checks, and its demo exits 3 with the reason", () => {
    const checks = cli(["checks"]);
    expect(checks.stderr).not.toMatch(/selfsigned/);
    expect(checks.status).toBe(0);
    const demo = cli(["demo"]);
    expect(demo.status).toBe(3);
    expect(demo.stderr).toMatch(/optional dependency selfsigned/);
  }, 120_000);
});
