/**
 * The benchmark's other processes: the emulator (bench/emulator.ts: the emulator plus request
 * counts per subscription), the in-process naive comparator (bench/worker.ts), and the build of
 * the CLI under test.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

const root = join(import.meta.dirname, "..");

/** Requests the emulator answered, per subscription (`tenant` for the rest). */
export interface EmulatorStats {
  requestsBySubscription: Record<string, number>;
  throttledBySubscription: Record<string, number>;
  total: number;
}

/** A running bench emulator. */
export interface EmulatorProcess {
  url: string;
  caBundle: string;
  /** Fresh read buckets and counts, as a new emulator would have. */
  reset(): Promise<void>;
  stats(): Promise<EmulatorStats>;
  stop(): Promise<void>;
}

/**
 * Starts bench/emulator.ts on an estate file. The emulator is not the product: it gets a large
 * heap (a 50,000-target estate is about 270 MB of JSON and several times that parsed).
 */
export function startEmulatorProcess(estatePath: string, heapMb: number): Promise<EmulatorProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, "--import", "tsx", join(root, "bench", "emulator.ts"), "--estate", estatePath], {
      cwd: root,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    const waiting: Array<(line: string) => void> = [];
    let url = "";
    let caBundle = "";
    let started = false;
    const ask = (command: string, prefix: string): Promise<string> =>
      new Promise((done) => {
        waiting.push((line) => done(line.slice(prefix.length)));
        child.stdin.write(`${command}\n`);
      });
    createInterface({ input: child.stdout }).on("line", (line) => {
      url ||= /^listening on (\S+)/.exec(line)?.[1] ?? "";
      caBundle ||= /^CA bundle: (\S+)/.exec(line)?.[1] ?? "";
      if (line.startsWith("OK ") || line.startsWith("STATS ")) waiting.shift()?.(line);
      if (!started && url && caBundle) {
        started = true;
        resolve({
          url,
          caBundle,
          reset: async () => void (await ask("reset", "OK ")),
          stats: async () => JSON.parse(await ask("stats", "STATS ")) as EmulatorStats,
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done();
              child.once("exit", () => done());
              child.stdin.end();
            }),
        });
      }
    });
    child.once("exit", (code) => {
      if (!started) reject(new Error(`emulator exited ${code}: ${err}`));
    });
  });
}

/** What the in-process naive comparator reports (bench/worker.ts). */
export interface WorkerResult {
  strategy: "optimized" | "naive";
  wallMs: number;
  collectMs: number;
  evaluateTailMs: number;
  evaluateTotalMs: number;
  armRequests: number;
  throttled: number;
  retries: number;
  requestsBySubscription: Record<string, number>;
  throttledBySubscription: Record<string, number>;
  budgetWaitedMs: number;
  peakRssMb: number;
  heapAfterEvaluateMb: number;
  targets: number;
  findings: { total: number; fail: number; unknown: number };
  failing: string[];
  unknown: string[];
  errors: number;
  digest: string;
}

/** The heap limit the Function app gives its worker (infra/modules/app.bicep), for the in-process worker. */
export const WORKER_HEAP_MB = 1024;

/** Runs bench/worker.ts (the in-process scan: here the naive comparator) in its own process. */
export function runWorker(args: string[]): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${WORKER_HEAP_MB}`, "--import", "tsx", join(root, "bench", "worker.ts"), ...args], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.once("exit", (code) => (code === 0 ? resolve(JSON.parse(out) as WorkerResult) : reject(new Error(`worker exited ${code}: ${err}`))));
  });
}

/** `npm run build` in a checkout; throws with its output when it fails. */
export function build(dir: string): void {
  // Under `npm run bench` npm says where it is; otherwise the npm on PATH.
  const npmCli = process.env.npm_execpath;
  const [command, args] = npmCli ? [process.execPath, [npmCli, "run", "build"]] : ["npm", ["run", "build"]];
  const r = spawnSync(command, args, { cwd: dir, encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } });
  if (r.status !== 0) throw new Error(`npm run build failed in ${dir} (exit ${r.status}):\n${(r.stdout + r.stderr).trim().split("\n").slice(-20).join("\n")}`);
}

/** `git rev-parse --short HEAD` of a checkout, with `+dirty` when its tracked or new files differ. */
export function commitOf(dir: string): string {
  const head = spawnSync("git", ["-C", dir, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).stdout.trim();
  const dirty = spawnSync("git", ["-C", dir, "status", "--porcelain", "--untracked-files=no"], { encoding: "utf8" }).stdout.trim() !== "";
  return head ? `${head}${dirty ? "+dirty" : ""}` : "unknown";
}

/**
 * The checkout of the CLI before issue 14, for `--compare-v1 DIR`: when DIR does not exist, a git
 * worktree of `commit` (outside this checkout) sharing this checkout's node_modules; built when
 * its dist/ is missing.
 */
export function prepareV1(dir: string, commit: string): void {
  if (!existsSync(dir)) {
    const r = spawnSync("git", ["-C", root, "worktree", "add", "--detach", dir, commit], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`git worktree add ${dir} ${commit} failed: ${r.stderr}`);
  }
  if (!existsSync(join(dir, "node_modules"))) symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
  if (!existsSync(join(dir, "dist", "src", "cli", "main.js"))) build(dir);
}
