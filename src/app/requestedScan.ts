/**
 * The scan a caller asks for (`POST /api/scans`): the recorded scan (src/app/recordScan.ts), plus
 * what happens when storage fails after the scan. The caller then still gets the report, marked
 * as not recorded, instead of losing the scan to an outage it cannot fix.
 *
 * Why that is safe: nothing was committed, so the next run of the scope measures the same change
 * against the same previous scan. If the failure came before the alert's claim, nothing was posted
 * and that run alerts; if it came after the post, the claim stops a repeat.
 *
 * Before any of it, the scan takes one of the instance's scan slots (`SCAN_MAX_CONCURRENT`) for
 * its subscription set: a full instance answers "throttled", a subscription set this instance is
 * already scanning "skipped", both without a storage call.
 */
import { lockKeyOf, type ScanScope } from "../model/scan.js";
import type { DriftReport } from "../report/report.js";
import { restrictToTargets } from "../report/restrict.js";
import { recordScan, type RecordScanResult } from "./recordScan.js";
import { HTTP_SCAN_TIME_LIMIT_IN_MS, type AppServices } from "./services.js";
import { isRestError } from "@azure/core-rest-pipeline";
import { StorageNotConfiguredError } from "../errors.js";

/** Options of {@link runRequestedScan}. */
export interface RequestedScanOptions {
  scope: ScanScope;
  /** Default {@link HTTP_SCAN_TIME_LIMIT_IN_MS}. */
  timeLimitInMs?: number;
  /** Progress and decisions, for the invocation log (never secrets). */
  log?: (message: string) => void;
  /** The storage failure that left a scan unrecorded. */
  error?: (message: string) => void;
}

/** What a requested scan did. */
export type RequestedScanResult =
  /** Stored with its diff (and alerted when the diff is not empty). */
  | { status: "recorded"; report: DriftReport }
  /** Another scan of the scope's subscriptions holds its lock (here or on another instance). */
  | { status: "skipped"; message: string }
  /** This instance already runs as many scans as `SCAN_MAX_CONCURRENT` allows: nothing was done. */
  | { status: "throttled"; message: string; retryAfterInSeconds: number }
  /** Scanned, but the history could not be written: the report, not stored, nothing alerted. */
  | { status: "unrecorded"; report: DriftReport };

/**
 * Runs a recorded scan of `scope` for a caller. Throws {@link StorageNotConfiguredError} without
 * storage (before scanning) and rethrows any failure that is not storage's after the scan.
 */
export async function runRequestedScan(services: AppServices, options: RequestedScanOptions): Promise<RequestedScanResult> {
  const log = options.log ?? (() => undefined);
  const error = options.error ?? log;
  if (!services.history) throw new StorageNotConfiguredError();
  const lockKey = lockKeyOf(options.scope);
  return services.scanSlots.run(lockKey, `another scan of subscriptions ${lockKey} is still in progress on this instance`, () =>
    recordedOrUnrecorded(services, options, log, error),
  );
}

async function recordedOrUnrecorded(
  services: AppServices,
  options: RequestedScanOptions,
  log: (message: string) => void,
  error: (message: string) => void,
): Promise<RequestedScanResult> {
  // The scan's own report, kept so that a storage outage after the scan still answers with it.
  let scanned: DriftReport | undefined;
  const observed: AppServices = { ...services, scan: async (request) => (scanned = await services.scan(request)) };
  let result: RecordScanResult;
  try {
    result = await recordScan(observed, {
      scope: options.scope,
      trigger: "http",
      timeLimitInMs: options.timeLimitInMs ?? HTTP_SCAN_TIME_LIMIT_IN_MS,
      log,
    });
  } catch (err) {
    // Storage failed after the scan (the SDK's retries are spent); anything else is not ours to absorb.
    if (scanned === undefined || !isRestError(err)) throw err;
    const e = err as { code?: unknown; statusCode?: unknown };
    error(
      `scan ${scanned.scanId} finished but the history could not be written (${typeof e.code === "string" ? e.code : "storage error"}${typeof e.statusCode === "number" ? `, HTTP ${e.statusCode}` : ""}); ` +
        "answering with the report unrecorded; the next run of this scope records it and sends any alert",
    );
    const targets = options.scope.targets;
    return { status: "unrecorded", report: targets ? restrictToTargets(scanned, targets) : scanned };
  }
  if (result.status === "skipped") return { status: "skipped", message: result.message };
  return { status: "recorded", report: result.report };
}
