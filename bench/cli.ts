/**
 * One CLI run as a user runs it: the built bin (`node bin/egress-audit.js scan --format json
 * --output FILE --arm-endpoint URL`, with NODE_EXTRA_CA_CERTS and AZURE_ARM_TOKEN, no heap flags)
 * under GNU `time -v` for its peak RSS, then what it wrote: bytes, gzip bytes (zlib, streamed),
 * the head of the report (summary and ARM stats; a report is written head first), and, for a
 * report of targets one per line (v2), every finding's id and status, streamed.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { loadavg } from "node:os";
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";

/** What one CLI run cost and produced. */
export interface CliRun {
  exitCode: number | null;
  signal: string | null;
  /** Spawn to exit, measured by the benchmark. */
  wallMs: number;
  /** GNU time's "Maximum resident set size". */
  peakRssMb: number;
  userSeconds: number;
  systemSeconds: number;
  /** 1-minute load average just before the run (2 shared cores: above ~1 means the run shared them). */
  loadAverage1m: number;
  /** What stderr says: its error lines (the CLI's `egress-audit: ...` line, an Error's message), else its last line. */
  stderrTail: string;
  /** Set when the run left no readable report. */
  failure?: string;
  report?: ReportFigures;
}

/** What the report file holds. */
export interface ReportFigures {
  schemaVersion: string;
  bytes: number;
  gzipBytes: number;
  summary: { targets: number; compliant: number; drifted: number; unknown: number; findings: Record<string, number> };
  stats: { armRequests: number; throttled: number; retries: number; durationMs: number };
  /** Read errors in the report (null: not in its head, as in v1, which wrote them after the targets). */
  errors: number | null;
  /** From the target lines of a v2 report (undefined for a report that is not one target per line). */
  findings?: FindingFigures;
}

/** Every finding of the report, from its target lines. */
export interface FindingFigures {
  /** `checkId|resourceId` (lower-cased) of the failing findings, sorted. */
  failing: string[];
  unknown: string[];
  /** SHA-256 of the sorted `id|status` lines (the in-process worker's digest). */
  digest: string;
  total: number;
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** The bin to run (`<repo>/bin/egress-audit.js`). */
  bin: string;
  /** Node options before the bin (a comparison row only: a user passes none). */
  nodeArgs?: readonly string[];
  armEndpoint: string;
  caBundle: string;
  /** The report file to write (removed after it is measured unless `keep`). */
  output: string;
  /** Kill the run after this long. */
  timeoutInMs: number;
  /** Read every target line for the findings (v2); false: head only. */
  readFindings: boolean;
  keep?: boolean;
}

/** Runs the CLI once and measures it. */
export async function runCli(options: RunCliOptions): Promise<CliRun> {
  const timeFile = `${options.output}.time`;
  rmSync(options.output, { force: true });
  // No NODE_OPTIONS: the bench's own flags (--expose-gc, tsx) must not reach the product.
  const { NODE_OPTIONS: _omitted, ...env } = process.env;
  const args = ["-v", "-o", timeFile, process.execPath, ...(options.nodeArgs ?? []), options.bin, "scan", "--format", "json", "--output", options.output, "--arm-endpoint", options.armEndpoint];
  const loadAverage1m = +loadavg()[0]!.toFixed(2);
  const started = performance.now();
  const child = spawn("/usr/bin/time", args, {
    env: { ...env, NODE_EXTRA_CA_CERTS: options.caBundle, AZURE_ARM_TOKEN: "emulator" },
    stdio: ["ignore", "ignore", "pipe"],
    detached: true,
  });
  // The first bytes (the error's message) and the last (where it ended).
  let stderrHead = "";
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    if (stderrHead.length < 4000) stderrHead += d.toString().slice(0, 4000 - stderrHead.length);
    else stderr = (stderr + d.toString()).slice(-4000);
  });
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }, options.timeoutInMs);
  const [exitCode, signal] = await new Promise<[number | null, string | null]>((resolve) => child.once("exit", (code, sig) => resolve([code, sig])));
  const wallMs = performance.now() - started;
  clearTimeout(timer);
  const time = existsSync(timeFile) ? readFileSync(timeFile, "utf8") : "";
  rmSync(timeFile, { force: true });
  const field = (name: string): number => Number(new RegExp(`${name}[^:]*:\\s*([0-9.]+)`).exec(time)?.[1] ?? NaN);
  const run: CliRun = {
    exitCode,
    signal,
    wallMs,
    peakRssMb: Math.round(field("Maximum resident set size") / 1024),
    userSeconds: field("User time"),
    systemSeconds: field("System time"),
    loadAverage1m,
    stderrTail: errorLines(stderrHead + stderr),
  };
  // 0 compliant, 1 drift, 2 incomplete: a report; anything else is a failure of the run.
  if (signal !== null || exitCode === null) run.failure = `killed (${signal ?? "?"}) after ${Math.round(wallMs)} ms (timeout ${options.timeoutInMs} ms)`;
  else if (![0, 1, 2].includes(exitCode)) run.failure = `exit ${exitCode}: ${run.stderrTail}`;
  try {
    if (!existsSync(options.output)) {
      run.failure ??= `no report (exit ${exitCode}): ${run.stderrTail}`;
      return run;
    }
    run.report = await measureReport(options.output, options.readFindings);
  } catch (err) {
    run.failure ??= `report not readable: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    if (!options.keep) rmSync(options.output, { force: true });
  }
  return run;
}

/** Bytes, gzip bytes, head and (v2) findings of a report file. */
export async function measureReport(path: string, readFindings: boolean): Promise<ReportFigures> {
  const bytes = statSync(path).size;
  let gzipBytes = 0;
  await pipeline(
    createReadStream(path),
    createGzip(),
    new Writable({
      write(chunk: Buffer, _enc, done) {
        gzipBytes += chunk.length;
        done();
      },
    }),
  );
  const head = await readHead(path);
  const figures: ReportFigures = {
    schemaVersion: String(head.schemaVersion),
    bytes,
    gzipBytes,
    summary: head.summary as ReportFigures["summary"],
    stats: head.stats as ReportFigures["stats"],
    errors: Array.isArray(head.errors) ? head.errors.length : null,
  };
  if (readFindings) {
    const findings = await readTargetLines(path);
    if (findings) figures.findings = findings;
  }
  return figures;
}

/**
 * The report's head: everything before `"targets":[` (v2 writes schemaVersion, scanId, ...,
 * summary, stats, checks, errors first; v1 had summary and stats before its targets too). Read
 * from the file's first bytes, never the whole file. `errors` of a v1 report (after its targets)
 * are not in it.
 */
async function readHead(path: string): Promise<Record<string, unknown>> {
  const handle = await open(path, "r");
  try {
    const limit = 64 * 2 ** 20;
    let text = "";
    const chunk = Buffer.alloc(1 << 20);
    for (let offset = 0; offset < limit; ) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
      text += chunk.toString("utf8", 0, bytesRead);
      const at = /,\s*"targets"\s*:\s*\[/.exec(text);
      if (at) return JSON.parse(`${text.slice(0, at.index)}}`) as Record<string, unknown>;
    }
    throw new Error(`no "targets" array in the first ${limit} bytes`);
  } finally {
    await handle.close();
  }
}

/**
 * The findings of a report written one target per line (v2: `{head,"targets":[` then a target
 * per line, then `]`). Undefined for any other layout (v1's indented JSON).
 */
async function readTargetLines(path: string): Promise<FindingFigures | undefined> {
  const lines = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
  const failing: string[] = [];
  const unknown: string[] = [];
  const idLines: string[] = [];
  let state: "head" | "targets" | "done" = "head";
  for await (const line of lines) {
    if (state === "head") {
      if (!/"targets"\s*:\s*\[$/.test(line)) return undefined;
      state = "targets";
      continue;
    }
    if (state === "done") continue;
    if (!line.startsWith("{")) {
      state = "done";
      continue;
    }
    const target = JSON.parse(line.endsWith(",") ? line.slice(0, -1) : line) as { findings: Array<{ id: string; checkId: string; status: string; resourceId: string }> };
    for (const f of target.findings) {
      idLines.push(`${f.id}|${f.status}`);
      if (f.status === "fail") failing.push(`${f.checkId}|${f.resourceId}`.toLowerCase());
      else if (f.status === "unknown") unknown.push(`${f.checkId}|${f.resourceId}`.toLowerCase());
    }
  }
  if (state === "head") return undefined;
  const hash = createHash("sha256");
  idLines.sort();
  idLines.forEach((l, i) => hash.update(i === 0 ? l : `\n${l}`));
  return { failing: failing.sort(), unknown: unknown.sort(), digest: hash.digest("hex"), total: idLines.length };
}

/** The lines of stderr that say what went wrong (a stack trace's frames left out), else its last line. */
function errorLines(stderr: string): string {
  const all = stderr.trim().split("\n");
  const errors = all.filter((l) => /^egress-audit:|Error\b/.test(l) && !/^\s+at /.test(l));
  return (errors.length > 0 ? [...new Set(errors)].slice(0, 3) : all.slice(-1)).join("\n");
}
