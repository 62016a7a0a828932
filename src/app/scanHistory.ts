/**
 * Reads of the scan history, as the HTTP routes ask for them: the newest report (of one scope),
 * one report by id, a page of the scan index. Storage details (tables, row keys, the continuation
 * token's encoding) stay in src/store/. Reports come back as streams over their stored pages
 * (never parsed or re-serialised whole); the paged reads are in ./reportPaging.ts.
 */
import type { AbortSignalLike } from "@azure/abort-controller";
import type { EvidenceMode } from "../report/report.js";
import type { StreamedReport } from "../report/stream.js";
import type { HistoryStore } from "../store/history.js";
import { decodeContinuationToken, type ScanPage } from "../store/scanIndex.js";
import type { AppServices } from "./appServices.js";
import { pagesOf, type ScanRef } from "./reportPaging.js";
import { StorageNotConfiguredError } from "../errors.js";

function historyOf(services: AppServices): HistoryStore {
  if (!services.history) throw new StorageNotConfiguredError();
  return services.history;
}

/** A stored report as a stream over its pages, with what it kept of pass evidence. */
export interface StoredReport extends StreamedReport {
  /** `all` when the stored report kept pass evidence (what `?evidence=all` needs). */
  readonly evidenceKept: EvidenceMode;
}

async function streamedReport(services: AppServices, ref: ScanRef, options: { abortSignal?: AbortSignalLike }): Promise<StoredReport | undefined> {
  const pages = await pagesOf(services, ref, options);
  return pages ? { ...pages.streamed(options), evidenceKept: pages.summary.evidence } : undefined;
}

/**
 * The newest stored report, of the scope of exactly these subscriptions when some are given;
 * undefined when none is stored. Throws {@link StorageNotConfiguredError} without storage.
 */
export async function latestReport(services: AppServices, options: { subscriptions?: readonly string[]; abortSignal?: AbortSignalLike } = {}): Promise<StoredReport | undefined> {
  historyOf(services);
  return streamedReport(services, { latest: true, ...(options.subscriptions ? { subscriptions: options.subscriptions } : {}) }, options);
}

/** A stored report, or undefined. Throws {@link StorageNotConfiguredError} without storage. */
export async function storedReport(services: AppServices, scanId: string, options: { abortSignal?: AbortSignalLike } = {}): Promise<StoredReport | undefined> {
  historyOf(services);
  return streamedReport(services, { scanId }, options);
}

/** Options of {@link listScanPage}. */
export interface ListScanPageOptions {
  limit: number;
  /** A token from a previous page. */
  continuationToken?: string;
}

/** A page of the index, or the news that the token is not one this service handed out. */
export type ScanListing = { status: "page"; page: ScanPage } | { status: "invalid-token" };

/**
 * A page of the scan index, newest first. The token is checked before storage is needed, so a
 * bad one is the caller's mistake whatever the configuration.
 */
export async function listScanPage(services: AppServices, options: ListScanPageOptions): Promise<ScanListing> {
  let afterRowKey: string | undefined;
  if (options.continuationToken !== undefined) {
    afterRowKey = decodeContinuationToken(options.continuationToken);
    if (!afterRowKey) return { status: "invalid-token" };
  }
  const page = await historyOf(services).listScans({ limit: options.limit, ...(afterRowKey ? { afterRowKey } : {}) });
  return { status: "page", page };
}
