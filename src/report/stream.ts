/**
 * The drift report as a stream of JSON text (DESIGN "Drift report": written as a stream, never
 * built as one string, so a scan of any size produces its report). The head (everything but the
 * targets) comes first, so a reader sees the summary before the first target; then the targets,
 * one per line; then `sharedEvidence`, the large evidence values findings reference instead of
 * copying.
 *
 * Sharing: a top-level evidence value (an object or array) whose JSON is at least
 * {@link SHARED_EVIDENCE_MIN_BYTES} long is written once under the first 16 hex of its SHA-256
 * and referenced as `{ "$ref": "#/sharedEvidence/<key>" }`. A shared firewall policy's rule list
 * in the evidence of every target behind that firewall is one entry, not thousands of copies.
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { DriftReport, ReportFinding, TargetReport } from "./report.js";

/** Smallest evidence value (JSON characters) written once and referenced. */
export const SHARED_EVIDENCE_MIN_BYTES = 512;

/** Chunks are gathered up to about this many characters before they are yielded. */
const CHUNK_CHARS = 64 * 1024;

/** A report whose targets come one at a time (from memory, a spool file, stored pages). */
export interface StreamedReport extends Omit<DriftReport, "targets"> {
  targets: Iterable<TargetReport> | AsyncIterable<TargetReport>;
}

/** Options of {@link reportJsonChunks}. */
export interface ReportStreamOptions {
  /** Share evidence values at least this long (default {@link SHARED_EVIDENCE_MIN_BYTES}); `Infinity` shares nothing. */
  sharedEvidenceMinBytes?: number;
  abortSignal?: AbortSignal;
}

/** Head keys in the order they are written; `targets` and `sharedEvidence` follow. */
const HEAD_KEYS = ["schemaVersion", "scanId", "startedAt", "finishedAt", "scope", "summary", "stats", "checks", "errors", "expiredSuppressions", "diff"] as const;

/** Collects shared evidence while targets are written. */
class EvidenceSharer {
  readonly #min: number;
  /** key -> JSON text of the value. */
  readonly entries = new Map<string, string>();
  /** Values already measured: their ref, or null when too small to share. */
  readonly #seen = new WeakMap<object, { $ref: string } | null>();

  constructor(min: number) {
    this.#min = min;
  }

  /** The finding as written: large evidence values replaced by refs (the finding itself is not changed). */
  finding(f: ReportFinding): ReportFinding {
    const evidence = f.evidence;
    if (!evidence || this.#min === Infinity) return f;
    let out: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(evidence)) {
      if (typeof v !== "object" || v === null) continue;
      const ref = this.#refOf(v);
      if (!ref) continue;
      out ??= { ...evidence };
      out[k] = ref;
    }
    return out ? { ...f, evidence: out } : f;
  }

  #refOf(value: object): { $ref: string } | null {
    const known = this.#seen.get(value);
    if (known !== undefined) return known;
    const json = JSON.stringify(value);
    let ref: { $ref: string } | null = null;
    if (json !== undefined && json.length >= this.#min) {
      const key = createHash("sha256").update(json).digest("hex").slice(0, 16);
      if (!this.entries.has(key)) this.entries.set(key, json);
      ref = { $ref: `#/sharedEvidence/${key}` };
    }
    this.#seen.set(value, ref);
    return ref;
  }
}

/**
 * The pieces of a report's JSON text, in order: {@link head}, one {@link target} per target, then
 * {@link tail}. One instance per written report (it collects the shared evidence).
 */
class ReportJsonWriter {
  readonly #sharer: EvidenceSharer;
  #first = true;

  constructor(options: ReportStreamOptions) {
    this.#sharer = new EvidenceSharer(options.sharedEvidenceMinBytes ?? SHARED_EVIDENCE_MIN_BYTES);
  }

  /** Everything before the first target: `{"schemaVersion":...,"targets":[`. */
  head(report: Omit<StreamedReport, "targets">): string {
    const head: string[] = [];
    const record = report as unknown as Record<string, unknown>;
    for (const key of HEAD_KEYS) {
      if (record[key] === undefined) continue;
      head.push(`${JSON.stringify(key)}:${JSON.stringify(record[key])}`);
    }
    return `{${head.join(",")},"targets":[`;
  }

  /** One target on its own line, large evidence values replaced by refs. */
  target(target: TargetReport): string {
    const written = { ...target, findings: target.findings.map((f) => this.#sharer.finding(f)) };
    const line = (this.#first ? "\n" : ",\n") + JSON.stringify(written);
    this.#first = false;
    return line;
  }

  /** The end of the targets, the shared evidence (one entry per piece), and the closing brace. */
  *tail(): Generator<string> {
    yield this.#first ? "]" : "\n]";
    const entries = this.#sharer.entries;
    if (entries.size > 0) {
      yield `,"sharedEvidence":{`;
      let first = true;
      for (const [key, json] of entries) {
        yield `${first ? "\n" : ",\n"}${JSON.stringify(key)}:${json}`;
        first = false;
      }
      yield "\n}";
    }
    yield "}\n";
  }
}

/**
 * The report as JSON text in chunks of about 64 KB: the head, the targets one per line, then
 * the shared evidence. Valid JSON when joined; {@link readReport} (./read.ts) reads it back.
 */
export async function* reportJsonChunks(report: StreamedReport, options: ReportStreamOptions = {}): AsyncGenerator<string> {
  const writer = new ReportJsonWriter(options);
  let buffer = writer.head(report);
  for await (const target of report.targets) {
    options.abortSignal?.throwIfAborted();
    buffer += writer.target(target);
    if (buffer.length >= CHUNK_CHARS) {
      yield buffer;
      buffer = "";
    }
  }
  for (const piece of writer.tail()) {
    buffer += piece;
    if (buffer.length >= CHUNK_CHARS) {
      yield buffer;
      buffer = "";
    }
  }
  if (buffer.length > 0) yield buffer;
}

/**
 * The whole JSON text of an in-memory report, synchronously: the same text as the joined
 * {@link reportJsonChunks}. Only for reports known to be small (tests, a renderer's `render`);
 * never for a scan of unbounded size.
 */
export function reportJsonTextSync(report: DriftReport, options: Omit<ReportStreamOptions, "abortSignal"> = {}): string {
  const writer = new ReportJsonWriter(options);
  let text = writer.head(report);
  for (const target of report.targets) text += writer.target(target);
  for (const piece of writer.tail()) text += piece;
  return text;
}

/**
 * Writes the report's JSON to a writable stream (a file, stdout, an HTTP response, a gzip
 * stream), honouring backpressure; resolves when the last chunk is handed over. The stream is
 * ended unless `end` is false (stdout).
 */
export async function writeReportJson(report: StreamedReport, out: NodeJS.WritableStream, options: ReportStreamOptions & { end?: boolean } = {}): Promise<void> {
  await pipeline(Readable.from(reportJsonChunks(report, options)), out, { end: options.end ?? true });
}

/**
 * The whole JSON text of a report, for the places that need it as one value (tests, a small
 * fresh audit of one target). Never for a report of unbounded size: use {@link reportJsonChunks}.
 */
export async function reportJsonText(report: StreamedReport, options: ReportStreamOptions = {}): Promise<string> {
  let text = "";
  for await (const chunk of reportJsonChunks(report, options)) text += chunk;
  return text;
}
