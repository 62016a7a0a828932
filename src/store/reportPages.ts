/**
 * A stored report in pages (DESIGN "Drift report": served in pages, so a dashboard never downloads
 * a whole large report). Beside the whole report (`reports/<scanId>.json.gz`, report v2 JSON,
 * gzip, uploaded as a stream) the history writes, in its container:
 *
 * - `pages/<scanId>/targets-<n>.json.gz`: targets `n * targetsPerChunk` onwards, in report order,
 *   written in report form (`schemaVersion`, `targets`, `sharedEvidence`) so evidence shared by
 *   the chunk's targets is written once and {@link readReport} reads it back;
 * - `pages/<scanId>/index.json.gz`: the compact target index (per target: id, name, kind,
 *   subscription, tags, status, counts, the checks and severities of its fail and unknown
 *   findings), everything the filters of the targets route need;
 * - `pages/<scanId>/summary.json.gz`: the report's head (everything but the targets), the counts
 *   by check and by severity, the evidence mode the report kept, and the chunk layout. Written
 *   last: its presence means the pages are complete.
 *
 * A page reads the summary, the index and only the chunks holding its targets, never the whole
 * report. Everything is immutable once written, so the parsed blobs are cached (bounded LRU).
 */
import { promisify } from "node:util";
import { gunzip as gunzipCb, gzip as gzipCb } from "node:zlib";
import type { AbortSignalLike } from "@azure/abort-controller";
import type { ContainerClient } from "@azure/storage-blob";
import type { FindingStatus, Severity } from "../checks/lib/types.js";
import { readReport } from "../report/read.js";
import { REPORT_SCHEMA_VERSION, type DriftReport, type EvidenceMode, type TargetReport, type TargetStatus } from "../report/report.js";
import { reportJsonText, type StreamedReport } from "../report/stream.js";
import { statusCodeOf } from "../errors.js";
import { WeightedLru } from "./lru.js";

const gzip = promisify(gzipCb);
const gunzip = promisify(gunzipCb);

/** Targets per chunk blob: a page of 50 touches one or two chunks when the filters select runs of targets. */
export const TARGETS_PER_CHUNK = 100;

/** Severities, most severe first. */
export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const satisfies readonly Severity[];

/** The report without its targets. */
export type ReportHead = Omit<DriftReport, "targets">;

/** Counts of one check over a report. `targets`: targets with a fail or unknown finding of it. */
export interface CheckTally {
  fail: number;
  pass: number;
  unknown: number;
  targets: number;
}

/** The summary blob: what the summary route answers, and what a reader of the pages needs first. */
export interface StoredSummary {
  /** Layout version of the pages. */
  pages: 1;
  head: ReportHead;
  /** What the stored report kept: pass evidence too (`all`) or only fail and unknown evidence. */
  evidence: EvidenceMode;
  /** By check id: finding counts (every fail, suppressed or not) and the targets it fails or cannot judge. */
  byCheck: Record<string, CheckTally>;
  /** Unsuppressed fails and unknowns by severity. */
  bySeverity: Record<Severity, { fail: number; unknown: number }>;
  targetsPerChunk: number;
  chunks: number;
}

/** A fail (0), suppressed fail (1) or unknown (2) finding of a target, by check and severity. */
export type IndexedFinding = [checkId: string, severity: Severity, kind: 0 | 1 | 2];

/** One target in the index. */
export interface TargetIndexEntry {
  id: string;
  name: string;
  kind: TargetReport["kind"];
  subscriptionId: string;
  tags?: Record<string, string>;
  status: TargetStatus;
  counts: Record<FindingStatus, number>;
  /** Its fail and unknown findings, one entry per distinct (check, severity, kind). */
  f: IndexedFinding[];
}

/** Blob names of a scan's report and pages. */
export const blobNames = {
  report: (scanId: string) => `reports/${scanId}.json.gz`,
  /** Reports stored before version 2 (uncompressed, one string). */
  legacyReport: (scanId: string) => `reports/${scanId}.json`,
  summary: (scanId: string) => `pages/${scanId}/summary.json.gz`,
  index: (scanId: string) => `pages/${scanId}/index.json.gz`,
  chunk: (scanId: string, n: number) => `pages/${scanId}/targets-${n}.json.gz`,
};

/** Headers of every gzip'd JSON blob: readable as JSON by any HTTP client that honours Content-Encoding. */
export const GZIP_JSON_HEADERS = { blobContentType: "application/json; charset=utf-8", blobContentEncoding: "gzip" } as const;

/** The index entry of a target. */
export function indexEntryOf(t: TargetReport): TargetIndexEntry {
  const counts: Record<FindingStatus, number> = { fail: 0, pass: 0, unknown: 0 };
  const seen = new Set<string>();
  const f: IndexedFinding[] = [];
  for (const x of t.findings) {
    counts[x.status] += 1;
    if (x.status === "pass") continue;
    const kind = x.status === "unknown" ? 2 : x.suppressed ? 1 : 0;
    const key = `${x.checkId}|${x.severity}|${kind}`;
    if (seen.has(key)) continue;
    seen.add(key);
    f.push([x.checkId, x.severity, kind]);
  }
  return {
    id: t.id,
    name: t.name,
    kind: t.kind,
    subscriptionId: t.subscriptionId,
    ...(t.tags && Object.keys(t.tags).length > 0 ? { tags: t.tags } : {}),
    status: t.status,
    counts,
    f,
  };
}

/** The report's head: everything but the targets (and the written form's `sharedEvidence`). */
export function headOf(report: StreamedReport | DriftReport): ReportHead {
  const { targets: _targets, ...head } = report as DriftReport & { sharedEvidence?: unknown };
  delete (head as { sharedEvidence?: unknown }).sharedEvidence;
  return head;
}

/** Gzip'd JSON of a bounded value (a summary, an index, a chunk): never a whole report. */
async function gzipJson(text: string): Promise<Buffer> {
  return gzip(Buffer.from(text, "utf8"));
}

/**
 * Writes the pages of one report as its targets go by: chunks are uploaded as they fill, the index
 * and the summary at {@link PagesWriter.finish}. Holds at most one chunk of targets.
 */
export class PagesWriter {
  readonly #container: ContainerClient;
  readonly #scanId: string;
  readonly #perChunk: number;
  readonly #abortSignal: AbortSignalLike | undefined;
  readonly #index: TargetIndexEntry[] = [];
  readonly #byCheck: Record<string, CheckTally> = {};
  readonly #bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, { fail: 0, unknown: 0 }])) as StoredSummary["bySeverity"];
  #chunk: TargetReport[] = [];
  #chunks = 0;
  /** A pass finding with evidence went by (how the mode of a report stored without one is told). */
  passEvidenceSeen = false;

  constructor(container: ContainerClient, scanId: string, options: { targetsPerChunk?: number; abortSignal?: AbortSignalLike } = {}) {
    this.#container = container;
    this.#scanId = scanId;
    this.#perChunk = options.targetsPerChunk ?? TARGETS_PER_CHUNK;
    this.#abortSignal = options.abortSignal;
  }

  /** Takes the next target (in report order). */
  async add(t: TargetReport): Promise<void> {
    const entry = indexEntryOf(t);
    this.#index.push(entry);
    const failing = new Set<string>();
    for (const x of t.findings) {
      const tally = (this.#byCheck[x.checkId] ??= { fail: 0, pass: 0, unknown: 0, targets: 0 });
      tally[x.status] += 1;
      if (x.status === "pass") {
        if (x.evidence !== undefined) this.passEvidenceSeen = true;
        continue;
      }
      failing.add(x.checkId);
      const sev = this.#bySeverity[x.severity];
      if (x.status === "unknown") sev.unknown += 1;
      else if (!x.suppressed) sev.fail += 1;
    }
    for (const c of failing) this.#byCheck[c]!.targets += 1;
    this.#chunk.push(t);
    if (this.#chunk.length >= this.#perChunk) await this.#flush();
  }

  async #flush(): Promise<void> {
    if (this.#chunk.length === 0) return;
    const targets = this.#chunk;
    this.#chunk = [];
    // Report form, so the chunk's shared evidence is written once and readReport puts it back.
    const text = await reportJsonText({ schemaVersion: REPORT_SCHEMA_VERSION, targets } as unknown as StreamedReport);
    await this.#upload(blobNames.chunk(this.#scanId, this.#chunks), text);
    this.#chunks += 1;
  }

  async #upload(name: string, text: string): Promise<void> {
    const body = await gzipJson(text);
    await this.#container.getBlockBlobClient(name).uploadData(body, {
      blobHTTPHeaders: GZIP_JSON_HEADERS,
      ...(this.#abortSignal ? { abortSignal: this.#abortSignal } : {}),
    });
  }

  /** Uploads the last chunk, the index, then the summary (last: the pages are complete once it exists). */
  async finish(head: ReportHead, evidence: EvidenceMode): Promise<{ summary: StoredSummary; index: TargetIndexEntry[] }> {
    await this.#flush();
    const byCheck: Record<string, CheckTally> = {};
    // Every catalog check, in catalog order, then any check only the findings name.
    for (const id of Object.keys(head.checks ?? {})) byCheck[id] = this.#byCheck[id] ?? { fail: 0, pass: 0, unknown: 0, targets: 0 };
    for (const [id, tally] of Object.entries(this.#byCheck)) byCheck[id] ??= tally;
    const summary: StoredSummary = {
      pages: 1,
      head,
      evidence,
      byCheck,
      bySeverity: this.#bySeverity,
      targetsPerChunk: this.#perChunk,
      chunks: this.#chunks,
    };
    await this.#upload(blobNames.index(this.#scanId), JSON.stringify({ pages: 1, targets: this.#index }));
    await this.#upload(blobNames.summary(this.#scanId), JSON.stringify(summary));
    return { summary, index: this.#index };
  }
}

/** Options of {@link PageReader}. */
export interface PageReaderOptions {
  /** Called with each blob read and its stored (compressed) size: observability, and tests proving what a page reads. */
  onBlobRead?: (name: string, bytes: number) => void;
  /** Weight (approximate bytes of JSON) of parsed indexes and chunks kept; default 64 MB. */
  cacheBytes?: number;
}

/**
 * Reads gzip'd JSON blobs of a container, caching what it parsed (pages are immutable). One per
 * history store.
 */
export class PageReader {
  readonly #container: ContainerClient;
  readonly #onRead: PageReaderOptions["onBlobRead"];
  readonly #cache: WeightedLru<string, unknown>;

  constructor(container: ContainerClient, options: PageReaderOptions = {}) {
    this.#container = container;
    this.#onRead = options.onBlobRead;
    this.#cache = new WeightedLru(options.cacheBytes ?? 64 * 1024 * 1024);
  }

  /** The raw bytes of a blob (gunzipped when stored gzip'd), or undefined when it does not exist. */
  async readBytes(name: string, options: { abortSignal?: AbortSignalLike } = {}): Promise<Buffer | undefined> {
    const blob = this.#container.getBlockBlobClient(name);
    let raw: Buffer;
    try {
      raw = await blob.downloadToBuffer(undefined, undefined, options.abortSignal ? { abortSignal: options.abortSignal } : {});
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined;
      throw err;
    }
    this.#onRead?.(name, raw.length);
    // gzip's magic number: a blob written by this module, whatever its name says.
    return raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b ? gunzip(raw) : raw;
  }

  /** A parsed JSON blob (cached), or undefined when it does not exist. `map` turns the parsed value into what is cached. */
  async readJson<T>(name: string, map: (value: unknown) => T = (v) => v as T, options: { abortSignal?: AbortSignalLike } = {}): Promise<T | undefined> {
    const hit = this.#cache.get(name) as T | undefined;
    if (hit !== undefined) return hit;
    const bytes = await this.readBytes(name, options);
    if (!bytes) return undefined;
    const value = map(JSON.parse(bytes.toString("utf8")) as unknown);
    this.#cache.set(name, value, bytes.length);
    return value;
  }

  /** Puts a value the writer already has into the cache (the writer's own summary and index). */
  remember(name: string, value: unknown, weight: number): void {
    this.#cache.set(name, value, weight);
  }
}

/** The pages of one stored report: its summary at hand, the index and chunks read on demand. */
export class ReportPages {
  constructor(
    readonly scanId: string,
    readonly summary: StoredSummary,
    readonly reader: PageReader,
  ) {}

  /** The target index, in report order. */
  async index(options: { abortSignal?: AbortSignalLike } = {}): Promise<TargetIndexEntry[]> {
    const index = await this.reader.readJson(blobNames.index(this.scanId), (v) => (v as { targets: TargetIndexEntry[] }).targets, options);
    if (!index) throw new MissingPageError(this.scanId, "index");
    return index;
  }

  /** The targets of chunk `n` (shared evidence put back). */
  async chunk(n: number, options: { abortSignal?: AbortSignalLike } = {}): Promise<TargetReport[]> {
    const targets = await this.reader.readJson(blobNames.chunk(this.scanId, n), (v) => readReport(v).targets, options);
    if (!targets) throw new MissingPageError(this.scanId, `chunk ${n}`);
    return targets;
  }

  /** The targets at these positions of the report (any order), chunks read in parallel. */
  async targetsAt(positions: readonly number[], options: { abortSignal?: AbortSignalLike } = {}): Promise<TargetReport[]> {
    const per = this.summary.targetsPerChunk;
    const needed = [...new Set(positions.map((p) => Math.floor(p / per)))];
    const chunks = new Map<number, TargetReport[]>();
    await Promise.all(needed.map(async (n) => chunks.set(n, await this.chunk(n, options))));
    return positions.map((p) => {
      const t = chunks.get(Math.floor(p / per))?.[p % per];
      if (!t) throw new MissingPageError(this.scanId, `target ${p}`);
      return t;
    });
  }

  /** Every target in report order, one chunk at a time (the next one read while this one is used). */
  async *targets(options: { abortSignal?: AbortSignalLike } = {}): AsyncGenerator<TargetReport> {
    const count = this.summary.chunks;
    let next: Promise<TargetReport[]> | undefined = count > 0 ? this.chunk(0, options) : undefined;
    for (let n = 0; n < count; n++) {
      const current = await next!;
      next = n + 1 < count ? this.chunk(n + 1, options) : undefined;
      // A failed prefetch is awaited (and thrown) on the next round; never left unobserved.
      next?.catch(() => undefined);
      yield* current;
    }
  }

  /**
   * The report with only the targets of these subscriptions, its head whole: what a fan-out shard
   * needs of the previous scan (the targets it must not take as gone). Reads the index and the
   * chunks that hold them (targets are in subscription order, so a shard's lie together), not the
   * whole report: at 10,000 targets a shard of 5 of 20 subscriptions read 66 MB for 2,500 targets.
   */
  async withSubscriptions(subscriptionIds: readonly string[], options: { abortSignal?: AbortSignalLike } = {}): Promise<DriftReport> {
    const wanted = new Set(subscriptionIds.map((s) => s.toLowerCase()));
    const index = await this.index(options);
    const positions = index.flatMap((t, i) => (wanted.has(t.subscriptionId.toLowerCase()) ? [i] : []));
    const targets = positions.length > 0 ? await this.targetsAt(positions, options) : [];
    return { ...this.summary.head, targets };
  }

  /** The report as a stream: the head, then the targets read chunk by chunk. */
  streamed(options: { abortSignal?: AbortSignalLike } = {}): StreamedReport {
    return { ...this.summary.head, targets: this.targets(options) };
  }
}

/** A page the summary promises is missing (deleted, or storage lost it). */
export class MissingPageError extends Error {
  constructor(scanId: string, what: string) {
    super(`the stored pages of scan ${scanId} lack their ${what}`);
    this.name = "MissingPageError";
  }
}
