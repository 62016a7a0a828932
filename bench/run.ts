/**
 * The benchmark (`npm run bench`, not part of `npm test`): the product at the user's boundary.
 * For each size it generates an estate, serves it from an emulator process with 50 ms latency and
 * ARM's read bucket enforced (250, refill 25/s per subscription), and runs the BUILT CLI as a user
 * does (`node bin/egress-audit.js scan --format json --output FILE --arm-endpoint URL`, with
 * NODE_EXTRA_CA_CERTS and AZURE_ARM_TOKEN, no heap flags) under GNU `time -v`: wall time, peak
 * RSS, report bytes and gzip bytes per target, ARM requests and 429s (from the report's head),
 * exit code, and the wall time over the read-budget lower bound. At 1,000 targets the naive
 * per-target chain runs too (in-process: bench/worker.ts, no CLI, no report). With
 * `--compare-v1 <checkout>` the same measurement runs the CLI of another checkout (the last
 * commit before issue 14) beside it. Prints tables and writes bench/results/latest.json.
 *
 *   npm run bench                                   1,000 and 10,000 targets (20 subscriptions), 50,000 (50)
 *   npm run bench -- --sizes 1000                   one size
 *   npm run bench -- --compare-v1 /tmp/v1tree       v1 at 1,000, 3,000, 5,000 and 10,000 too (--v1-sizes): a git worktree
 *                                                   of --v1-commit (d38e7ba), made and built there when missing
 *   npm run bench -- --compare-v1 DIR --v1-only     v1 alone (its section of the results; the main rows stay empty)
 *   npm run bench -- --runs 1                       one run per size up to 10,000 (default 3; above: --runs-large, 1)
 *   npm run bench -- --skip-naive-above 0           no naive comparator
 *   npm run bench -- --skip-build --cli PATH        measure another built bin, without `npm run build`
 *   npm run bench -- --keep-reports DIR             keep each size's last report (report-<cli>-<size>.json)
 *   npm run bench -- --v8-heap-sizes 10000          the comparison row "v2 v8 heap" (the same CLI with V8's own heap
 *                                                   growth, --heap-growing-percent=0) only at these sizes (default
 *                                                   10000,50000; empty: none)
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, platform, release, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { runCli } from "./cli.js";
import { prepareEstate, type PreparedEstate } from "./estateFile.js";
import { build, commitOf, prepareV1, runWorker, startEmulatorProcess, type EmulatorProcess } from "./processes.js";
import {
  ARM,
  HEADER,
  V1_HEADER,
  cliLines,
  cliRow,
  depthOf,
  heapComparison,
  heapComparisonLine,
  lowerBound,
  naiveComparison,
  naiveComparisonLine,
  naiveLine,
  naiveRow,
  targetChecks,
  targetLine,
  v1ToV2,
  v1ToV2Line,
  type CliRow,
  type MeasuredRun,
} from "./rows.js";

const root = join(import.meta.dirname, "..");
const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "1000,10000,50000" },
    subscriptions: { type: "string" },
    "latency-ms": { type: "string", default: "50" },
    "skip-naive-above": { type: "string", default: "1000" },
    runs: { type: "string", default: "3" },
    "runs-large": { type: "string", default: "1" },
    cli: { type: "string" },
    "skip-build": { type: "boolean", default: false },
    "compare-v1": { type: "string" },
    "v1-sizes": { type: "string", default: "1000,3000,5000,10000" },
    "v1-commit": { type: "string", default: "d38e7ba" },
    "v1-only": { type: "boolean", default: false },
    "timeout-s": { type: "string", default: "1200" },
    "emulator-heap-mb": { type: "string", default: "8192" },
    "keep-reports": { type: "string" },
    "v8-heap-sizes": { type: "string", default: "10000,50000" },
    out: { type: "string", default: join(root, "bench", "results", "latest.json") },
  },
});
const list = (s: string): number[] => s.split(",").filter(Boolean).map(Number);
const sizes = list(values.sizes);
const latencyInMs = Number(values["latency-ms"]);
const pageSize = 100;
/** Sizes up to this get `--runs` runs and 20 subscriptions; above, `--runs-large` and 50. */
const LARGE_ABOVE = 10_000;
const subscriptionsFor = (size: number): number => (values.subscriptions ? Number(values.subscriptions) : size > LARGE_ABOVE ? 50 : 20);
const runsFor = (size: number): number => Number(size > LARGE_ABOVE ? values["runs-large"] : values.runs);
/** Pause after an emulator starts or resets and before a run (its start-up garbage collection, the last run's sockets). */
const SETTLE_IN_MS = 2000;

// The CLIs under test: this checkout's (built first, unless --skip-build) and, with --compare-v1, the old one.
const v2Bin = resolve(values.cli ?? join(root, "bin", "egress-audit.js"));
if (!values["skip-build"] && !values.cli && !values["v1-only"]) {
  console.log("npm run build ...");
  build(root);
}
const v1Dir = values["compare-v1"] ? resolve(values["compare-v1"]) : undefined;
if (v1Dir) prepareV1(v1Dir, values["v1-commit"]);
const v1Sizes = v1Dir ? list(values["v1-sizes"]) : [];
const v2Commit = values["v1-only"] ? "" : commitOf(values.cli ? resolve(v2Bin, "..", "..") : root);
/** The CLI sets its own heap growth (src/cli/heap.ts); this row runs it with V8's own, for the ratio. */
const V8_HEAP = "v2 v8 heap";
const clis: Array<{ label: string; bin: string; commit: string; sizes: number[]; nodeArgs?: string[] }> = [
  // v2 runs at the v1 sizes too, so each v1 row has its v2 row measured in the same run.
  ...(values["v1-only"] ? [] : [{ label: "v2", bin: v2Bin, commit: v2Commit, sizes: [...new Set([...sizes, ...v1Sizes])] }]),
  ...(values["v1-only"] ? [] : [{ label: V8_HEAP, bin: v2Bin, commit: v2Commit, sizes: list(values["v8-heap-sizes"]).filter((s) => sizes.includes(s)), nodeArgs: ["--heap-growing-percent=0"] }]),
  ...(v1Dir ? [{ label: "v1", bin: join(v1Dir, "bin", "egress-audit.js"), commit: commitOf(v1Dir), sizes: v1Sizes }] : []),
];
const v2Cli = clis.find((c) => c.label === "v2");
const v1Cli = clis.find((c) => c.label === "v1");
for (const c of clis) if (!existsSync(c.bin)) throw new Error(`no CLI at ${c.bin}`);
if (values["keep-reports"]) mkdirSync(resolve(values["keep-reports"]), { recursive: true });
const allSizes = [...new Set(clis.flatMap((c) => c.sizes))].sort((a, b) => a - b);

const loadAtStart = loadavg().map((x) => +x.toFixed(2));
const lines: string[] = [];
const say = (line: string): void => {
  lines.push(line);
  console.log(line);
};
console.log(`machine: ${cpus().length} cpus, load average ${loadAtStart.join(" / ")} (1/5/15 min; other processes share the cores)`);
console.log(`CLIs: ${clis.map((c) => `${c.label} ${c.commit} (${c.bin})`).join("; ")}`);
say(HEADER);

/** The v1 rows and comparison as printed, kept with the v1 figures. */
const v1Lines: string[] = [HEADER];
const rowsByCli = new Map<string, CliRow[]>(clis.map((c) => [c.label, []]));
const results: Array<Record<string, unknown>> = [];

/** One CLI run against a reset emulator, with its counts and bound. */
async function measureCli(label: string, bin: string, emu: EmulatorProcess, estate: PreparedEstate, size: number, nodeArgs?: string[]): Promise<MeasuredRun> {
  (globalThis as { gc?: () => void }).gc?.();
  await emu.reset();
  await new Promise((r) => setTimeout(r, SETTLE_IN_MS));
  const keep = values["keep-reports"] ? resolve(values["keep-reports"]) : undefined;
  const output = join(keep ?? estate.dir, `report-${label.replace(/ /g, "-")}-${size}.json`);
  const run = await runCli({ bin, ...(nodeArgs ? { nodeArgs } : {}), armEndpoint: emu.url, caBundle: emu.caBundle, output, timeoutInMs: Number(values["timeout-s"]) * 1000, readFindings: true, keep: keep !== undefined });
  const stats = await emu.stats();
  const bound = lowerBound(stats.requestsBySubscription, stats.throttledBySubscription, depthOf("optimized", size, estate.subscriptions, pageSize), latencyInMs);
  return { run, emulator: stats, bound };
}

for (const size of allSizes) {
  const subscriptions = subscriptionsFor(size);
  const estate = await prepareEstate({ targets: size, subscriptions, pageSize, latencyInMs, armBucket: ARM });
  const emu = await startEmulatorProcess(estate.estatePath, Number(values["emulator-heap-mb"]));
  try {
    const here = clis.filter((c) => c.sizes.includes(size));
    const measured = new Map<string, MeasuredRun[]>(here.map((c) => [c.label, []]));
    // Runs alternate between the CLIs, so the machine's drift (other processes) falls on both.
    for (let i = 0; i < runsFor(size); i++) {
      for (const c of here) measured.get(c.label)!.push(await measureCli(c.label, c.bin, emu, estate, size, c.nodeArgs));
    }
    const byCli = new Map<string, CliRow>();
    for (const c of here) {
      const row = cliRow(c.label, size, subscriptions, measured.get(c.label)!, { failing: estate.seeded, unknown: estate.seededUnknown });
      byCli.set(c.label, row);
      rowsByCli.get(c.label)!.push(row);
      cliLines(row).forEach(say);
      if (c.label === "v1") v1Lines.push(...cliLines(row));
    }
    const v2 = byCli.get("v2");
    if (v2) results.push(v2);
    const v8Heap = byCli.get(V8_HEAP);
    if (v2 && v8Heap) {
      results.push(v8Heap);
      const ratio = heapComparison(v2, v8Heap);
      results.push(ratio);
      say(heapComparisonLine(ratio));
    }
    if (size <= Number(values["skip-naive-above"]) && v2) {
      await emu.reset();
      await new Promise((r) => setTimeout(r, SETTLE_IN_MS));
      const r = await runWorker(["--strategy", "naive", "--endpoint", emu.url, "--ca", emu.caBundle, "--firewall-id", estate.firewallId, "--subscriptions", estate.subscriptionIds]);
      const nRow = naiveRow(size, subscriptions, r, lowerBound(r.requestsBySubscription, r.throttledBySubscription, depthOf("naive", size, subscriptions, pageSize), latencyInMs), { failing: estate.seeded, unknown: estate.seededUnknown });
      results.push(nRow);
      say(naiveLine(nRow));
      const ratio = naiveComparison(v2, nRow);
      results.push(ratio);
      say(naiveComparisonLine(ratio));
    }
  } finally {
    await emu.stop();
    rmSync(estate.dir, { recursive: true, force: true });
  }
}

const v2Rows = rowsByCli.get("v2") ?? [];
const v1Rows = rowsByCli.get("v1") ?? [];
const comparisons = v1Rows.flatMap((v1) => {
  const v2 = v2Rows.find((r) => r.targets === v1.targets);
  return v2 ? [v1ToV2(v1, v2)] : [];
});
if (comparisons.length > 0) {
  say("");
  say(`v1 (${v1Cli!.commit}) -> v2 (${v2Cli!.commit}), the same CLI measurement:`);
  say(V1_HEADER);
  comparisons.map(v1ToV2Line).forEach(say);
  v1Lines.push("", V1_HEADER, ...comparisons.map(v1ToV2Line));
}
const targets = targetChecks(v2Rows);
if (targets.length > 0) {
  say("");
  targets.map(targetLine).forEach(say);
}
const busiest = Math.max(...[...rowsByCli.values()].flat().flatMap((r) => r.runs.map((x) => x.loadAverage1m)), 0);
if (busiest > cpus().length) {
  say(`note: the 1-minute load average reached ${busiest} on ${cpus().length} cores during runs: wall times (and wall/bound) are inflated by other processes; CPU s is not`);
}
const loadAtEnd = loadavg().map((x) => +x.toFixed(2));
say(`load average at start ${loadAtStart.join(" / ")}, at end ${loadAtEnd.join(" / ")} (2 cores shared with other processes)`);

// v1 figures measured in an earlier run stay when this run did not measure v1.
const previous = existsSync(values.out) ? (JSON.parse(readFileSync(values.out, "utf8")) as Record<string, unknown>) : {};
const v1Section = v1Dir
  ? {
      description: "the CLI of the last commit before issue 14 (report v1), measured the same way (a git worktree of the commit, built)",
      commit: v1Cli!.commit,
      measuredAt: new Date().toISOString(),
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: loadAtEnd,
      table: v1Lines,
      results: v1Rows,
      v1ToV2: comparisons,
    }
  : previous.v1BeforeIssue14;

mkdirSync(join(root, "bench", "results"), { recursive: true });
writeFileSync(
  values.out,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model,
        memoryGb: +(totalmem() / 2 ** 30).toFixed(1),
        platform: `${platform()} ${release()}`,
        node: process.version,
        loadAverageAtStart: loadAtStart,
        loadAverageAtEnd: loadAtEnd,
      },
      settings: {
        measured: "the built CLI as a user runs it: node bin/egress-audit.js scan --format json --output FILE --arm-endpoint URL, NODE_EXTRA_CA_CERTS and AZURE_ARM_TOKEN set, no heap flags, under GNU time -v",
        heapGrowth: "the CLI sets its own heap growing factor (1.3, src/cli/heap.ts); the row 'v2 v8 heap' runs it with V8's own (--heap-growing-percent=0) for the comparison",
        cli: v2Cli ? { commit: v2Cli.commit, bin: v2Cli.bin } : null,
        subscriptionsBySize: Object.fromEntries(allSizes.map((s) => [s, subscriptionsFor(s)])),
        runsBySize: Object.fromEntries(allSizes.map((s) => [s, runsFor(s)])),
        latencyInMs,
        armBucket: ARM,
        pageSize,
        units: "report KB/MB decimal (1 KB = 1,000 bytes); RSS MB = MiB (GNU time's kilobytes / 1,024); gzip = zlib default level, streamed",
        naive: "bench/worker.ts in-process (no CLI, no report), heap limit 1,024 MB as the Function app's worker",
      },
      // --v1-only measures v1 alone: the main figures of the last full run stay.
      ...(values["v1-only"] ? { date: previous.date, machine: previous.machine, settings: previous.settings, table: previous.table, results: previous.results, targets: previous.targets } : {}),
      ...(values["v1-only"] ? {} : { table: lines, results, targets }),
      ...(v1Section ? { v1BeforeIssue14: v1Section } : {}),
    },
    null,
    2,
  ) + "\n",
);
console.log(`written ${values.out}`);
