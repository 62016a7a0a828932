/**
 * Where a scan handed to the shard queue is (`GET /api/scans/{scanId}` while its report is not
 * stored yet; docs/service.md "Asynchronous scans"): read from its run record and shard rows
 * (src/store/runs.ts), never from the queue. A run that ended without a report (abandoned) or
 * that has been in progress for longer than {@link FANOUT_RUN_EXPIRY_IN_MS} is `failed`: a poller
 * stops there instead of polling forever. A run whose shards failed (poisoned) is not failed: it
 * ends as a stored, incomplete report.
 */
import type { RunRecord, ShardRecord } from "../store/runs.js";
import { FANOUT_RUN_EXPIRY_IN_MS, isExpiredRun } from "./fanout.js";
import type { AppServices } from "./appServices.js";
import { StorageNotConfiguredError } from "../errors.js";

/** Seconds a poller is told to wait before asking again (`Retry-After`). */
export const SCAN_POLL_RETRY_AFTER_IN_SECONDS = 5;

/** Where a pending scan is. */
export type ScanProgressStatus = "queued" | "running" | "assembling";

/** A pending scan's progress, as `202 Accepted` answers it. */
export interface ScanProgress {
  /** The run id: the id of the report it will store. */
  scanId: string;
  /** `queued`: no shard started yet; `running`: shards are being scanned; `assembling`: all settled, the report is being made. */
  status: ScanProgressStatus;
  startedAt: string;
  shards: { total: number; pending: number; scanning: number; done: number; failed: number };
  /** Subscriptions of the scope, and those of the shards whose parts are stored. */
  subscriptions: { total: number; scanned: number };
  /** Targets found in the stored parts so far (before a `targets` filter narrows the report). */
  targetsScanned: number;
}

/**
 * The progress of a run from its record and, when given, its shard rows (which tell a shard being
 * scanned from one still waiting on the queue, and hold each stored part's summary).
 */
export function progressOf(run: RunRecord, shards: readonly ShardRecord[] = []): ScanProgress {
  const done = [...run.states].filter((c) => c === "d").length;
  const failed = [...run.states].filter((c) => c === "f").length;
  // A shard a delivery started (or one between retries) that is not settled yet.
  const scanning = shards.filter((s) => (s.status === "scanning" || s.status === "retrying") && run.states[s.shardIndex] === "p").length;
  const stored = shards.filter((s) => run.states[s.shardIndex] === "d");
  const status: ScanProgressStatus = run.status === "assembling" ? "assembling" : done + failed + scanning === 0 ? "queued" : "running";
  return {
    scanId: run.runId,
    status,
    startedAt: run.createdAt,
    shards: { total: run.shardCount, pending: run.shardCount - done - failed - scanning, scanning, done, failed },
    subscriptions: {
      total: shards.length ? shards.reduce((n, s) => n + s.subscriptionIds.length, 0) : run.scope.subscriptions.length,
      scanned: stored.reduce((n, s) => n + s.subscriptionIds.length, 0),
    },
    targetsScanned: stored.reduce((n, s) => n + (s.summary?.targets ?? 0), 0),
  };
}

/** What {@link pendingScan} found. */
export type PendingScan =
  | { status: "pending"; progress: ScanProgress; retryAfterInSeconds: number }
  /** The run ended, or will never end, without a report. */
  | { status: "failed"; scanId: string; message: string };

/**
 * The state of scan `scanId` when it is a run still without its report: pending (with progress)
 * or failed. Undefined when no run has that id or the run is complete: then the history has the
 * report (or nothing: not found). Throws {@link StorageNotConfiguredError} without storage.
 */
export async function pendingScan(services: AppServices, scanId: string, options: { now?: Date; runExpiryInMs?: number } = {}): Promise<PendingScan | undefined> {
  const runs = services.runs;
  if (!services.history || !runs) throw new StorageNotConfiguredError();
  const run = await runs.getRun(scanId);
  if (!run || run.status === "complete") return undefined;
  if (run.status === "abandoned") {
    return { status: "failed", scanId, message: `scan ${scanId} ended without a report${run.detail ? `: ${run.detail}` : ""}; start a new scan` };
  }
  const expiryInMs = options.runExpiryInMs ?? FANOUT_RUN_EXPIRY_IN_MS;
  if (isExpiredRun(run, options.now ?? new Date(), expiryInMs)) {
    return {
      status: "failed",
      scanId,
      message: `scan ${scanId} did not finish within ${Math.round(expiryInMs / 60_000)} minutes (${run.done + run.failed} of ${run.shardCount} shards settled); it is abandoned, start a new scan`,
    };
  }
  const progress = progressOf(run, await runs.listShards(scanId));
  return { status: "pending", progress, retryAfterInSeconds: SCAN_POLL_RETRY_AFTER_IN_SECONDS };
}
