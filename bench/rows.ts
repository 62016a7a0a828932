/**
 * The benchmark's rows and printed lines: a CLI row per size and CLI (the run of median wall
 * time), the naive comparator's row, the v1 -> v2 comparison and the targets.
 *
 * Units: report sizes in decimal KB/MB (1 KB = 1,000 bytes, as the "4 KB per target");
 * RSS in MiB (GNU time's kilobytes / 1,024), as before.
 */
import type { CliRun } from "./cli.js";
import type { EmulatorStats, WorkerResult } from "./processes.js";

/** ARM's read bucket per subscription and principal, as the emulator enforces it. */
export const ARM = { capacity: 250, refillPerSecond: 25 };

/** A lower bound on a run's wall time: the larger of the read budget and the dependency chain. */
export interface LowerBound {
  budgetS: number;
  depthS: number;
  boundS: number;
}

/**
 * What the emulator's limits allow at best: per subscription, the requests ARM served (a 429
 * spends no token) beyond the bucket refill at 25/s (subscriptions are independent, so the
 * slowest one counts); and no run can beat its chain of dependent requests times the latency.
 * The larger of the two.
 */
export function lowerBound(requestsBySubscription: Record<string, number>, throttledBySubscription: Record<string, number>, depth: number, latencyInMs: number): LowerBound {
  const perSub = Object.entries(requestsBySubscription)
    .filter(([k]) => k !== "tenant")
    .map(([k, n]) => n - (throttledBySubscription[k] ?? 0));
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
export function depthOf(strategy: "optimized" | "naive", targets: number, subscriptions: number, pageSize: number): number {
  const perSub = Math.ceil(targets / subscriptions);
  // The largest subscription-level list: AKS clusters (one per target) or resource groups (two per pool).
  const listPages = Math.ceil((2 * perSub) / pageSize);
  return strategy === "optimized" ? 1 + listPages + 1 + 1 + 1 : Math.ceil(perSub / pageSize) + 14;
}

/** One measured CLI run with the emulator's counts of it. */
export interface MeasuredRun {
  run: CliRun;
  emulator: EmulatorStats;
  bound: LowerBound;
}

const round = (n: number, digits = 2): number => +n.toFixed(digits);

/** The row of a CLI at a size: the run of median wall time (the successful runs first), with the highest peak RSS of all. */
export function cliRow(label: string, targets: number, subscriptions: number, runs: MeasuredRun[], seeded: { failing: string[]; unknown: string[] }) {
  const ok = runs.filter((m) => !m.run.failure);
  const pool = ok.length > 0 ? ok : runs;
  const m = [...pool].sort((a, b) => a.run.wallMs - b.run.wallMs)[Math.floor((pool.length - 1) / 2)]!;
  const r = m.run;
  const report = r.report;
  const byIds = report?.findings !== undefined;
  const findingsMatchSeeded = !report
    ? false
    : byIds
      ? sameList(report.findings!.failing, seeded.failing) && sameList(report.findings!.unknown, seeded.unknown)
      : report.summary.findings.fail === seeded.failing.length && report.summary.findings.unknown === seeded.unknown.length;
  const served = m.emulator.total;
  return {
    targets,
    subscriptions,
    strategy: "cli" as const,
    cli: label,
    ...(r.failure ? { failure: r.failure } : {}),
    exitCode: r.exitCode,
    schemaVersion: report?.schemaVersion ?? null,
    armRequests: report?.stats.armRequests ?? served,
    emulatorRequests: served,
    requestsPerTarget: round((report?.stats.armRequests ?? served) / targets),
    throttled429: report?.stats.throttled ?? sum(m.emulator.throttledBySubscription),
    retries: report?.stats.retries ?? null,
    wallSeconds: round(r.wallMs / 1000),
    cpuSeconds: round(r.userSeconds + r.systemSeconds),
    lowerBoundSeconds: round(m.bound.boundS),
    lowerBound: { budgetSeconds: round(m.bound.budgetS), dependencySeconds: round(m.bound.depthS) },
    wallOverLowerBound: round(r.wallMs / 1000 / m.bound.boundS),
    peakRssMb: Math.max(...runs.map((x) => x.run.peakRssMb)),
    reportBytes: report?.bytes ?? null,
    reportBytesPerTarget: report ? Math.round(report.bytes / targets) : null,
    reportGzipBytes: report?.gzipBytes ?? null,
    reportGzipBytesPerTarget: report ? Math.round(report.gzipBytes / targets) : null,
    findings: report?.summary.findings ?? null,
    seededFailures: seeded.failing.length,
    findingsMatchSeeded,
    findingsCheckedBy: byIds ? "ids" : "counts",
    readErrors: report?.errors ?? null,
    digest: report?.findings?.digest ?? null,
    loadAverage1m: r.loadAverage1m,
    runs: runs.map((x) => ({
      wallSeconds: round(x.run.wallMs / 1000),
      peakRssMb: x.run.peakRssMb,
      cpuSeconds: round(x.run.userSeconds + x.run.systemSeconds),
      exitCode: x.run.exitCode,
      loadAverage1m: x.run.loadAverage1m,
      wallOverLowerBound: round(x.run.wallMs / 1000 / x.bound.boundS),
      ...(x.run.failure ? { failure: x.run.failure } : {}),
      ...(report?.findings ? { sameDigest: x.run.report?.findings?.digest === report.findings.digest } : {}),
    })),
  };
}

/** A CLI row. */
export type CliRow = ReturnType<typeof cliRow>;

/** The naive comparator's row (in-process: no CLI, no report). */
export function naiveRow(targets: number, subscriptions: number, r: WorkerResult, bound: LowerBound, seeded: { failing: string[]; unknown: string[] }) {
  return {
    targets,
    subscriptions,
    strategy: "naive" as const,
    inProcess: true,
    armRequests: r.armRequests,
    requestsPerTarget: round(r.armRequests / targets),
    throttled429: r.throttled,
    retries: r.retries,
    wallSeconds: round(r.wallMs / 1000),
    collectSeconds: round(r.collectMs / 1000),
    evaluateSeconds: round(r.evaluateTotalMs / 1000),
    lowerBoundSeconds: round(bound.boundS),
    lowerBound: { budgetSeconds: round(bound.budgetS), dependencySeconds: round(bound.depthS) },
    wallOverLowerBound: round(r.wallMs / 1000 / bound.boundS),
    peakRssMb: r.peakRssMb,
    findings: r.findings,
    seededFailures: seeded.failing.length,
    findingsMatchSeeded: sameList([...r.failing].sort(), seeded.failing) && sameList([...r.unknown].sort(), seeded.unknown),
    readErrors: r.errors,
    digest: r.digest,
  };
}

/** A naive row. */
export type NaiveRow = ReturnType<typeof naiveRow>;

const pad = (s: string | number | null, n: number): string => String(s ?? "-").padStart(n);
const kb = (bytes: number | null): string => (bytes === null ? "-" : (bytes / 1000).toFixed(2));
const mb = (bytes: number | null): string => (bytes === null ? "-" : (bytes / 1e6).toFixed(1));

/** The header of the main table. */
export const HEADER = `${"targets".padEnd(8)} ${pad("subs", 4)} ${"cli".padEnd(14)} ${pad("requests", 8)} ${pad("req/tgt", 7)} ${pad("429s", 5)} ${pad("wall s", 7)} ${pad("CPU s", 6)} ${pad("bound s", 7)} ${pad("wall/bnd", 8)} ${pad("RSS MB", 6)} ${pad("report MB", 9)} ${pad("KB/tgt", 7)} ${pad("gz KB/tgt", 9)} ${pad("exit", 4)}  findings`;

/** A CLI row as printed, with its runs line when there were several. */
export function cliLines(row: CliRow): string[] {
  const findings = row.findings ? `${row.findings.fail} fail / ${row.findings.unknown} unknown, ${row.findingsMatchSeeded ? "= seeded" : "!= SEEDED"} (${row.findingsCheckedBy})` : `FAILED: ${row.failure ?? "no report"}`;
  const line = `${pad(row.targets, 8)} ${pad(row.subscriptions, 4)} ${row.cli.padEnd(14)} ${pad(row.armRequests, 8)} ${pad(row.requestsPerTarget, 7)} ${pad(row.throttled429, 5)} ${pad(row.wallSeconds, 7)} ${pad(row.cpuSeconds, 6)} ${pad(row.lowerBoundSeconds, 7)} ${pad(row.wallOverLowerBound, 8)} ${pad(row.peakRssMb, 6)} ${pad(mb(row.reportBytes), 9)} ${pad(kb(row.reportBytesPerTarget), 7)} ${pad(kb(row.reportGzipBytesPerTarget), 9)} ${pad(row.exitCode, 4)}  ${findings}`;
  if (row.runs.length < 2) return [line];
  return [
    line,
    `${pad(row.targets, 8)} ${row.cli}: ${row.runs.length} runs, wall ${row.runs.map((x) => x.wallSeconds.toFixed(2)).join(" / ")} s (median above), CPU ${row.runs.map((x) => x.cpuSeconds.toFixed(1)).join(" / ")} s, peak RSS ${row.runs.map((x) => x.peakRssMb).join(" / ")} MB (highest above), load ${row.runs.map((x) => x.loadAverage1m.toFixed(1)).join(" / ")}`,
  ];
}

/** The naive row as printed. */
export function naiveLine(row: NaiveRow): string {
  return `${pad(row.targets, 8)} ${pad(row.subscriptions, 4)} ${"naive (in-pr.)".padEnd(14)} ${pad(row.armRequests, 8)} ${pad(row.requestsPerTarget, 7)} ${pad(row.throttled429, 5)} ${pad(row.wallSeconds, 7)} ${pad("-", 6)} ${pad(row.lowerBoundSeconds, 7)} ${pad(row.wallOverLowerBound, 8)} ${pad(row.peakRssMb, 6)} ${pad("-", 9)} ${pad("-", 7)} ${pad("-", 9)} ${pad("-", 4)}  ${row.findings.fail} fail / ${row.findings.unknown} unknown, ${row.findingsMatchSeeded ? "= seeded" : "!= SEEDED"}`;
}

/** The naive comparator against the CLI at one size. */
export function naiveComparison(cli: CliRow, naive: NaiveRow) {
  return {
    targets: cli.targets,
    naiveOverCli: { requests: round(naive.armRequests / cli.armRequests, 1), wall: round(naive.wallSeconds / cli.wallSeconds, 1) },
    sameFindings: cli.digest !== null ? cli.digest === naive.digest : null,
    note: "naive is the in-process comparator (bench/worker.ts: reads and judges, writes no report); the CLI's wall includes its start, the report and its writing",
  };
}

/** The comparison as printed. */
export function naiveComparisonLine(c: ReturnType<typeof naiveComparison>): string {
  return `${pad(c.targets, 8)} naive (in-process, no report) / CLI: ${c.naiveOverCli.requests}x requests, ${c.naiveOverCli.wall}x wall time; same findings: ${c.sameFindings ?? "not compared"}`;
}

/**
 * The CLI's own heap growth (src/cli/heap.ts) against V8's (the same CLI with
 * `--heap-growing-percent=0`), at one size: what the setting buys in memory and costs in CPU.
 */
export function heapComparison(cli: CliRow, v8Heap: CliRow) {
  const ratio = (a: number, b: number): number | null => (a > 0 ? round(b / a, 2) : null);
  return {
    targets: cli.targets,
    heapGrowth: "the CLI's 1.3 (--heap-growing-percent=30) against V8's own (up to 4x on this machine's memory)",
    peakRssMb: { v8: v8Heap.peakRssMb, cli: cli.peakRssMb, cliOverV8: ratio(v8Heap.peakRssMb, cli.peakRssMb) },
    cpuSeconds: { v8: v8Heap.cpuSeconds, cli: cli.cpuSeconds, cliOverV8: ratio(v8Heap.cpuSeconds, cli.cpuSeconds) },
    wallSeconds: { v8: v8Heap.wallSeconds, cli: cli.wallSeconds, cliOverV8: ratio(v8Heap.wallSeconds, cli.wallSeconds) },
    sameFindings: cli.digest !== null && v8Heap.digest !== null ? cli.digest === v8Heap.digest : null,
  };
}

/** The heap comparison as printed. */
export function heapComparisonLine(c: ReturnType<typeof heapComparison>): string {
  const x = (v: number | null): string => (v === null ? "-" : `${v}x`);
  return (
    `${pad(c.targets, 8)} heap growth 1.3 (CLI) vs V8's own: peak RSS ${c.peakRssMb.v8} -> ${c.peakRssMb.cli} MB (${x(c.peakRssMb.cliOverV8)}), ` +
    `CPU ${c.cpuSeconds.v8} -> ${c.cpuSeconds.cli} s (${x(c.cpuSeconds.cliOverV8)}), wall ${c.wallSeconds.v8} -> ${c.wallSeconds.cli} s; same findings: ${c.sameFindings ?? "not compared"}`
  );
}

/** v1 -> v2 at one size. */
export function v1ToV2(v1: CliRow, v2: CliRow) {
  const ratio = (a: number | null, b: number | null): number | null => (a === null || b === null || a === 0 ? null : round(b / a, 3));
  return {
    targets: v1.targets,
    v1Failed: v1.failure ?? null,
    // A failed v1 run's wall time is not the time to a report: no ratio.
    wallSeconds: { v1: v1.wallSeconds, v2: v2.wallSeconds, v2OverV1: v1.failure ? null : ratio(v1.wallSeconds, v2.wallSeconds) },
    cpuSeconds: { v1: v1.cpuSeconds, v2: v2.cpuSeconds },
    peakRssMb: { v1: v1.peakRssMb, v2: v2.peakRssMb, v2OverV1: ratio(v1.peakRssMb, v2.peakRssMb) },
    reportBytesPerTarget: { v1: v1.reportBytesPerTarget, v2: v2.reportBytesPerTarget, v2OverV1: ratio(v1.reportBytesPerTarget, v2.reportBytesPerTarget) },
    reportGzipBytesPerTarget: { v1: v1.reportGzipBytesPerTarget, v2: v2.reportGzipBytesPerTarget, v2OverV1: ratio(v1.reportGzipBytesPerTarget, v2.reportGzipBytesPerTarget) },
    armRequests: { v1: v1.armRequests, v2: v2.armRequests },
  };
}

/** The header of the v1 -> v2 table. */
export const V1_HEADER = `${"targets".padEnd(8)} ${"wall s v1 -> v2".padStart(26)} ${"peak RSS MB v1 -> v2".padStart(26)} ${"report KB/tgt v1 -> v2".padStart(28)} ${"gzip KB/tgt v1 -> v2".padStart(26)}`;

/** A v1 -> v2 line. */
export function v1ToV2Line(c: ReturnType<typeof v1ToV2>): string {
  const cell = (v: { v1: number | null; v2: number | null; v2OverV1: number | null }, f: (n: number | null) => string, width: number): string => {
    const x = v.v2OverV1 === null ? "" : ` (${v.v2OverV1 >= 0.1 ? v.v2OverV1.toFixed(2) : v.v2OverV1.toFixed(3)}x)`;
    return `${f(v.v1)} -> ${f(v.v2)}${x}`.padStart(width);
  };
  const num = (n: number | null): string => (n === null ? "none" : String(n));
  const line = `${pad(c.targets, 8)} ${cell(c.wallSeconds, num, 26)} ${cell(c.peakRssMb, num, 26)} ${cell(c.reportBytesPerTarget, kb, 28)} ${cell(c.reportGzipBytesPerTarget, kb, 26)}`;
  return c.v1Failed ? `${line}  v1 FAILED: ${c.v1Failed.split("\n").slice(-1)[0]}` : line;
}

/** The targets at the sizes they name (10,000 and 50,000 targets), met or not. */
export function targetChecks(rows: CliRow[]) {
  const out: Array<{ targets: number; target: string; actual: number | string | null; met: boolean }> = [];
  const at10k = rows.find((r) => r.targets === 10_000);
  if (at10k) {
    out.push({ targets: 10_000, target: "wall / lower bound <= 1.3", actual: at10k.wallOverLowerBound, met: !at10k.failure && at10k.wallOverLowerBound <= 1.3 });
    out.push({ targets: 10_000, target: "peak RSS <= 512 MB", actual: at10k.peakRssMb, met: at10k.peakRssMb <= 512 });
    out.push({ targets: 10_000, target: "report <= 4 KB per target", actual: at10k.reportBytesPerTarget, met: at10k.reportBytesPerTarget !== null && at10k.reportBytesPerTarget <= 4000 });
    out.push({ targets: 10_000, target: "gzip <= 1 KB per target", actual: at10k.reportGzipBytesPerTarget, met: at10k.reportGzipBytesPerTarget !== null && at10k.reportGzipBytesPerTarget <= 1000 });
  }
  const at50k = rows.find((r) => r.targets === 50_000);
  if (at50k) {
    out.push({ targets: 50_000, target: "completes with its report", actual: at50k.failure ?? `exit ${at50k.exitCode}, ${mb(at50k.reportBytes)} MB`, met: !at50k.failure && at50k.reportBytes !== null });
    out.push({ targets: 50_000, target: "peak RSS <= 1024 MB", actual: at50k.peakRssMb, met: at50k.peakRssMb <= 1024 });
  }
  return out;
}

/** A target check as printed. */
export function targetLine(t: ReturnType<typeof targetChecks>[number]): string {
  return `${pad(t.targets, 8)} target: ${t.target.padEnd(28)} actual ${String(t.actual).padEnd(22)} ${t.met ? "met" : "NOT MET"}`;
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sum(record: Record<string, number>): number {
  return Object.values(record).reduce((a, b) => a + b, 0);
}
