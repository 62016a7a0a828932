/**
 * The benchmark (`npm run bench`, not part of `npm test`): for each size, generate an estate,
 * serve it from an emulator process with 50 ms latency and ARM's read bucket enforced (250,
 * refill 25/s per subscription), and scan it with the optimised collector and with the naive
 * per-target comparator, each in its own process with a fresh emulator. Prints a table and
 * writes bench/results/latest.json.
 *
 *   npm run bench                      1,000 and 10,000 targets over 20 subscriptions
 *   npm run bench -- --sizes 1000      one size
 *   npm run bench -- --skip-naive-above 5000
 *   npm run bench -- --runs 1            one run of the optimised scan per size (default 3)
 */
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, totalmem, tmpdir, platform, release } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { generateEstate, type GeneratedEstate } from "./generate.js";

const root = join(import.meta.dirname, "..");
const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "1000,10000" },
    subscriptions: { type: "string", default: "20" },
    "latency-ms": { type: "string", default: "50" },
    "skip-naive-above": { type: "string", default: "1000" },
    runs: { type: "string", default: "3" },
    out: { type: "string", default: join(root, "bench", "results", "latest.json") },
  },
});
const sizes = values.sizes.split(",").map(Number);
const subscriptions = Number(values.subscriptions);
const latencyInMs = Number(values["latency-ms"]);
const ARM = { capacity: 250, refillPerSecond: 25 };
const WORKER_HEAP_MB = 1024;
/** Pause after an emulator starts and before a run (its start-up garbage collection). */
const SETTLE_IN_MS = 2000;
const runs = Number(values.runs);

interface WorkerResult {
  strategy: "optimized" | "naive";
  wallMs: number;
  collectMs: number;
  /** Judging after the last read (the optimised scan judges most targets while reads are pending). */
  evaluateTailMs: number;
  /** Judging in all (the optimised scan: while reads were pending and after the last). */
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

/** Starts `egress-audit emulator` on an estate file; resolves with its URL and CA path. */
function startEmulatorProcess(estatePath: string): Promise<{ url: string; ca: string; stop: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--max-old-space-size=4096", "--import", "tsx", join(root, "src", "cli", "main.ts"), "emulator", "--estate", estatePath], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const url = /listening on (https:\/\/\S+)/.exec(out)?.[1];
      const ca = /CA certificate: (\S+)/.exec(out)?.[1];
      if (url && ca) {
        resolve({
          url,
          ca,
          stop: () =>
            new Promise((done) => {
              child.once("exit", () => done());
              child.kill("SIGTERM");
            }),
        });
      }
    });
    child.once("exit", (code) => reject(new Error(`emulator exited ${code}: ${err}`)));
  });
}

function runWorker(args: string[]): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    // The heap limit the Function app gives its worker (infra/modules/app.bicep: half the
    // instance memory, 1,024 MB on the default 2,048 MB instance). Without it V8 sizes the heap
    // from this machine's 24 GB and lets garbage grow to four times the live heap between
    // collections, which no Functions instance would allow.
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

/**
 * What the emulator's limits allow at best: per subscription, the requests ARM served (a 429
 * spends no token) beyond the bucket refill at 25/s (subscriptions are independent, so the
 * slowest one counts); and no run can beat its chain of dependent requests times the latency.
 * The larger of the two.
 */
function lowerBound(result: WorkerResult, depth: number): { budgetS: number; depthS: number; boundS: number } {
  const perSub = Object.entries(result.requestsBySubscription)
    .filter(([k]) => k !== "tenant")
    .map(([k, n]) => n - (result.throttledBySubscription[k] ?? 0));
  const budgetS = Math.max(0, ...perSub.map((n) => Math.max(0, n - ARM.capacity) / ARM.refillPerSecond));
  const depthS = (depth * latencyInMs) / 1000;
  return { budgetS, depthS, boundS: Math.max(budgetS, depthS) };
}

/**
 * Dependency depth: the longest chain of requests that must wait for each other.
 * Optimised: subscription list -> paged subscription-level lists (pages follow nextLink one by
 * one) -> a pool's clusters -> shared follow-ups (zone records, policy groups) -> role definitions.
 * Naive: the pool list pages, then one target's chain of dependent GETs.
 */
function depthOf(strategy: WorkerResult["strategy"], g: Pick<GeneratedEstate, "counts">, pageSize: number): number {
  const perSub = Math.ceil(g.counts.targets / subscriptions);
  // The largest subscription-level list: AKS clusters (one per target) or resource groups (two per pool).
  const listPages = Math.ceil((2 * perSub) / pageSize);
  return strategy === "optimized" ? 1 + listPages + 1 + 1 + 1 : Math.ceil(perSub / pageSize) + 14;
}

const results: Array<Record<string, unknown>> = [];
const lines: string[] = [];
const pad = (s: string | number, n: number) => String(s).padStart(n);
const header = `${"targets".padEnd(8)} ${"strategy".padEnd(9)} ${pad("requests", 9)} ${pad("req/tgt", 7)} ${pad("429s", 5)} ${pad("wall s", 7)} ${pad("bound s", 7)} ${pad("wall/bnd", 8)} ${pad("RSS MB", 6)}  findings`;
console.log(header);

/** Writes a generated estate to a file; keeps only what the comparison needs (the estate itself can be 50 MB). */
function prepare(size: number, pageSize: number) {
  const generated = generateEstate({
    targets: size,
    subscriptions,
    pageSize,
    faults: { latencyInMs, armBucket: { capacity: ARM.capacity, refillPerSecond: ARM.refillPerSecond } },
  });
  const dir = mkdtempSync(join(tmpdir(), "egress-audit-bench-"));
  const estatePath = join(dir, "estate.json");
  writeFileSync(estatePath, JSON.stringify(generated.estate));
  return {
    dir,
    estatePath,
    counts: generated.counts,
    firewallId: generated.estate.resources.find((r) => r.type === "Microsoft.Network/azureFirewalls")!.id,
    subs: generated.estate.subscriptions.map((s) => s.subscriptionId).join(","),
    seeded: generated.seeded.flatMap((d) => d.failing).sort(),
    seededUnknown: generated.seeded.flatMap((d) => d.unknown).sort(),
  };
}

/**
 * One measured run: a fresh emulator (fresh buckets), a quiet machine, one worker. The parent's
 * garbage (the generated estate) is collected first and the emulator's start-up settles, so
 * neither competes with the run for the two cores.
 */
async function measure(estatePath: string, workerArgs: string[]): Promise<WorkerResult> {
  (globalThis as { gc?: () => void }).gc?.();
  const emu = await startEmulatorProcess(estatePath);
  try {
    await new Promise((r) => setTimeout(r, SETTLE_IN_MS));
    return await runWorker(["--endpoint", emu.url, "--ca", emu.ca, ...workerArgs]);
  } finally {
    await emu.stop();
  }
}

for (const size of sizes) {
  const pageSize = 100;
  const { dir, estatePath, counts, firewallId, subs, seeded, seededUnknown } = prepare(size, pageSize);
  const byStrategy: Partial<Record<WorkerResult["strategy"], WorkerResult>> = {};

  for (const strategy of ["optimized", "naive"] as const) {
    if (strategy === "naive" && size > Number(values["skip-naive-above"])) continue;
    // The optimised scan runs several times (the machine's noise is about 10-20% of a run): the
    // row shows the run of median wall time, and the highest peak RSS of all runs.
    const n = strategy === "optimized" ? runs : 1;
    const all: WorkerResult[] = [];
    for (let i = 0; i < n; i++) all.push(await measure(estatePath, ["--strategy", strategy, "--firewall-id", firewallId, "--subscriptions", subs]));
    const r = { ...[...all].sort((a, b) => a.wallMs - b.wallMs)[Math.floor((all.length - 1) / 2)]!, peakRssMb: Math.max(...all.map((x) => x.peakRssMb)) };
    byStrategy[strategy] = r;
    const bound = lowerBound(r, depthOf(strategy, { counts }, pageSize));
    const correct =
      JSON.stringify([...r.failing].sort()) === JSON.stringify(seeded) &&
      JSON.stringify([...r.unknown].sort()) === JSON.stringify(seededUnknown) &&
      all.every((x) => x.digest === r.digest);
    const row = {
      targets: size,
      subscriptions,
      strategy,
      armRequests: r.armRequests,
      requestsPerTarget: +(r.armRequests / size).toFixed(2),
      throttled429: r.throttled,
      retries: r.retries,
      wallSeconds: +(r.wallMs / 1000).toFixed(2),
      collectSeconds: +(r.collectMs / 1000).toFixed(2),
      evaluateSeconds: +(r.evaluateTotalMs / 1000).toFixed(2),
      evaluateAfterLastReadSeconds: +(r.evaluateTailMs / 1000).toFixed(2),
      lowerBoundSeconds: +bound.boundS.toFixed(2),
      lowerBound: { budgetSeconds: +bound.budgetS.toFixed(2), dependencySeconds: +bound.depthS.toFixed(2) },
      wallOverLowerBound: +(r.wallMs / 1000 / bound.boundS).toFixed(2),
      peakRssMb: r.peakRssMb,
      heapAfterEvaluateMb: r.heapAfterEvaluateMb,
      budgetWaitedSeconds: +(r.budgetWaitedMs / 1000).toFixed(1),
      findings: r.findings,
      seededFailures: seeded.length,
      findingsMatchSeeded: correct,
      readErrors: r.errors,
      digest: r.digest,
      runs: all.map((x) => ({ wallSeconds: +(x.wallMs / 1000).toFixed(2), peakRssMb: x.peakRssMb, evaluateAfterLastReadSeconds: +(x.evaluateTailMs / 1000).toFixed(2), sameDigest: x.digest === r.digest })),
    };
    results.push(row);
    const line = `${pad(size, 8)} ${strategy.padEnd(9)} ${pad(r.armRequests, 9)} ${pad(row.requestsPerTarget, 7)} ${pad(r.throttled, 5)} ${pad(row.wallSeconds, 7)} ${pad(row.lowerBoundSeconds, 7)} ${pad(row.wallOverLowerBound, 8)} ${pad(r.peakRssMb, 6)}  ${r.findings.fail} fail / ${r.findings.unknown} unknown, ${correct ? "= seeded" : "!= SEEDED"}`;
    lines.push(line);
    console.log(line);
    if (all.length > 1) {
      const runsLine = `${pad(size, 8)} ${strategy}: ${all.length} runs, wall ${all.map((x) => (x.wallMs / 1000).toFixed(2)).join(" / ")} s (median above), peak RSS ${all.map((x) => x.peakRssMb).join(" / ")} MB (highest above)`;
      lines.push(runsLine);
      console.log(runsLine);
    }
  }
  const o = byStrategy.optimized;
  const n = byStrategy.naive;
  if (o && n) {
    const ratio = {
      targets: size,
      naiveOverOptimized: { requests: +(n.armRequests / o.armRequests).toFixed(1), wall: +(n.wallMs / o.wallMs).toFixed(1) },
      sameFindings: n.digest === o.digest,
    };
    results.push(ratio);
    const line = `${pad(size, 8)} naive/optimized: ${ratio.naiveOverOptimized.requests}x requests, ${ratio.naiveOverOptimized.wall}x wall time; same findings: ${ratio.sameFindings}`;
    lines.push(line);
    console.log(line);
  }
  rmSync(dir, { recursive: true, force: true });
}

mkdirSync(join(root, "bench", "results"), { recursive: true });
writeFileSync(
  values.out,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGb: +(totalmem() / 2 ** 30).toFixed(1), platform: `${platform()} ${release()}`, node: process.version },
      settings: { subscriptions, latencyInMs, armBucket: ARM, pageSize: 100, workerMaxOldSpaceMb: WORKER_HEAP_MB },
      table: [header, ...lines],
      results,
    },
    null,
    2,
  ) + "\n",
);
console.log(`written ${values.out}`);
