/**
 * The report blobs of the history (DESIGN "Storage and scale-out", "Drift report"): a report is
 * uploaded as a stream, gzip'd, to `reports/<scanId>.json.gz`, and its pages (./reportPages.ts)
 * are written in the same pass over its targets. Reports stored before version 2
 * (`reports/<scanId>.json`, one uncompressed string) still load, through readReport; their pages
 * are built on their first read, once, so every stored report pages the same way afterwards.
 */
import { Readable } from "node:stream";
import { createGzip } from "node:zlib";
import type { AbortSignalLike } from "@azure/abort-controller";
import type { ContainerClient } from "@azure/storage-blob";
import { readReport } from "../report/read.js";
import { toReportFinding, type DriftReport, type EvidenceMode, type TargetReport } from "../report/report.js";
import { reportJsonChunks, type StreamedReport } from "../report/stream.js";
import { blobNames, GZIP_JSON_HEADERS, headOf, PageReader, PagesWriter, ReportPages, type PageReaderOptions, type StoredSummary, type TargetIndexEntry } from "./reportPages.js";

/** Options of {@link ReportBlobs}. */
export interface ReportBlobsOptions {
  /** Called with every report or page blob read and its stored size (observability; tests prove what a page reads). */
  onBlobRead?: PageReaderOptions["onBlobRead"];
  /** Approximate bytes of parsed pages (indexes, chunks, summaries) kept in memory; default 64 MB. */
  pageCacheBytes?: number;
}

/** Options of {@link ReportBlobs.save}. */
export interface SaveReportOptions {
  abortSignal?: AbortSignalLike;
  /**
   * What the stored report keeps of pass evidence (default `failures`): pass evidence the scan
   * produced anyway is dropped when `failures`. Recorded in the summary, so `?evidence=all` on a
   * report that did not keep it can be refused.
   */
  evidence?: EvidenceMode;
}

/** Bytes per block of the streamed upload (four in flight at most: 16 MB held, whatever the report's size). */
const UPLOAD_BLOCK_BYTES = 4 * 1024 * 1024;

/** Reports and their pages in one container. The container must exist. */
export class ReportBlobs {
  readonly #container: ContainerClient;
  readonly #pages: PageReader;
  /** Page builds of reports stored without pages, in progress (one per scan in this process). */
  readonly #building = new Map<string, Promise<ReportPages | undefined>>();

  constructor(container: ContainerClient, options: ReportBlobsOptions = {}) {
    this.#container = container;
    this.#pages = new PageReader(container, {
      ...(options.onBlobRead ? { onBlobRead: options.onBlobRead } : {}),
      ...(options.pageCacheBytes !== undefined ? { cacheBytes: options.pageCacheBytes } : {}),
    });
  }

  /**
   * Uploads the report as a stream (JSON chunks from {@link reportJsonChunks} through gzip, never
   * one string) and writes its pages as the targets go by; the targets are read once, so they may
   * come from a spool. Resolves with the stored summary once the pages are complete.
   */
  async save(report: StreamedReport, options: SaveReportOptions = {}): Promise<StoredSummary> {
    const evidence = options.evidence ?? "failures";
    const signal = options.abortSignal ? { abortSignal: options.abortSignal } : {};
    const writer = new PagesWriter(this.#container, report.scanId, signal);
    async function* kept(): AsyncGenerator<TargetReport> {
      for await (const t of report.targets) {
        const target: TargetReport = { ...t, findings: t.findings.map((f) => toReportFinding(f, evidence)) };
        await writer.add(target);
        yield target;
      }
    }
    // The abort reaches the generator through the upload: an aborted upload stops pulling chunks.
    const source = Readable.from(reportJsonChunks({ ...report, targets: kept() }));
    const gzip = createGzip();
    // An error of the source (a failed chunk upload) must fail the upload, not leave it waiting.
    source.on("error", (err) => gzip.destroy(err));
    source.pipe(gzip);
    await this.#container.getBlockBlobClient(blobNames.report(report.scanId)).uploadStream(gzip, UPLOAD_BLOCK_BYTES, 4, {
      blobHTTPHeaders: GZIP_JSON_HEADERS,
      ...signal,
    });
    const { summary, index } = await writer.finish(headOf(report), evidence);
    this.#remember(report.scanId, summary, index);
    return summary;
  }

  #remember(scanId: string, summary: StoredSummary, index: TargetIndexEntry[]): void {
    // Rough weights (about the bytes of JSON a value takes): the cache only needs a bound.
    this.#pages.remember(blobNames.summary(scanId), summary, 4096 + JSON.stringify(summary.head).length);
    this.#pages.remember(blobNames.index(scanId), index, 300 * index.length);
  }

  /** The pages of a stored report, or undefined when there is none; built on first read for a report stored without them. */
  async pages(scanId: string, options: { abortSignal?: AbortSignalLike } = {}): Promise<ReportPages | undefined> {
    const summary = await this.#pages.readJson<StoredSummary>(blobNames.summary(scanId), undefined, options);
    if (summary) return new ReportPages(scanId, summary, this.#pages);
    let building = this.#building.get(scanId);
    if (!building) {
      building = this.#build(scanId, options).finally(() => this.#building.delete(scanId));
      this.#building.set(scanId, building);
    }
    return building;
  }

  /**
   * Reads a report stored without pages (version 1, or a version 2 whose pages were never
   * finished) through readReport, and writes its pages. Idempotent: two instances building at
   * once write the same blobs.
   */
  async #build(scanId: string, options: { abortSignal?: AbortSignalLike }): Promise<ReportPages | undefined> {
    const bytes = (await this.#pages.readBytes(blobNames.report(scanId), options)) ?? (await this.#pages.readBytes(blobNames.legacyReport(scanId), options));
    if (!bytes) return undefined;
    const raw = JSON.parse(bytes.toString("utf8")) as { schemaVersion?: unknown };
    const wasV1 = typeof raw.schemaVersion === "string" && raw.schemaVersion.startsWith("1.");
    const report = readReport(raw);
    const writer = new PagesWriter(this.#container, scanId, options);
    for (const t of report.targets) await writer.add(t);
    // Version 1 kept every finding's evidence; a version-2 report kept pass evidence when one shows it.
    const evidence: EvidenceMode = wasV1 || writer.passEvidenceSeen ? "all" : "failures";
    const { summary, index } = await writer.finish(headOf(report), evidence);
    this.#remember(scanId, summary, index);
    return new ReportPages(scanId, summary, this.#pages);
  }

  /** A stored report in memory, assembled from its pages (no whole-report string), or undefined. */
  async load(scanId: string, options: { abortSignal?: AbortSignalLike } = {}): Promise<DriftReport | undefined> {
    const pages = await this.pages(scanId, options);
    if (!pages) return undefined;
    const targets: TargetReport[] = [];
    for await (const t of pages.targets(options)) targets.push(t);
    return { ...pages.summary.head, targets };
  }
}
