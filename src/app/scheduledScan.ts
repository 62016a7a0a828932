/**
 * The scheduled scan (the timer): the decision between a fan-out and a scan in this invocation,
 * then that. With `SCAN_FANOUT=queue` (or `auto` and more subscriptions than `SCAN_SHARD_SIZE`)
 * it only starts a fan-out run (./fanout.ts): one queue message per shard, the last shard to
 * finish assembles the report. Otherwise, or when the fan-out declines, it runs the recorded scan
 * (./recordScan.ts) of the `SCAN_SUBSCRIPTIONS` scope here. A run that finds another scan or run of
 * the same scope in progress skips and says so.
 */
import type { ScanScope } from "../model/scan.js";
import { startFanOut } from "./fanout.js";
import { recordScan, type FinishedScan } from "./recordScan.js";
import { TIMER_SCAN_TIME_LIMIT_IN_MS, type AppServices } from "./appServices.js";

/** Options of {@link runScheduledScan}. */
export interface ScheduledScanOptions {
  /** Default {@link TIMER_SCAN_TIME_LIMIT_IN_MS}. */
  timeLimitInMs?: number;
  log?: (message: string) => void;
  warn?: (message: string) => void;
}

/** What a scheduled run did. */
export type ScheduledScanResult =
  /** Another scan (or fan-out run) of the scope is in progress. */
  | { status: "skipped"; message: string }
  /** The shards are on the queue; the last one to finish assembles the report. */
  | { status: "fanned-out"; runId: string; shards: number; subscriptions: number }
  /** Scanned, stored, diffed and alerted in this invocation. */
  | ({ status: "complete" } & FinishedScan);

/** Runs the scheduled scan of the configured scope. */
export async function runScheduledScan(services: AppServices, options: ScheduledScanOptions = {}): Promise<ScheduledScanResult> {
  const log = options.log ?? (() => undefined);
  const warn = options.warn ?? log;
  const scope: ScanScope = { subscriptions: services.settings.scanSubscriptions };
  if (services.settings.fanOut.mode !== "off") {
    const started = await startFanOut(services, { scope, trigger: "timer", log, warn });
    if (started.status === "skipped") return { status: "skipped", message: started.message };
    if (started.status === "enqueued") {
      return { status: "fanned-out", runId: started.runId, shards: started.shards, subscriptions: started.subscriptions };
    }
    log(`scheduled scan runs in this instance: ${started.reason}`);
  }
  const result = await recordScan(services, {
    scope,
    trigger: "timer",
    timeLimitInMs: options.timeLimitInMs ?? TIMER_SCAN_TIME_LIMIT_IN_MS,
    log,
  });
  if (result.status === "skipped") return { status: "skipped", message: result.message };
  const { report, entry, notification, alertBytes } = result;
  return { status: "complete", report, entry, notification, ...(alertBytes !== undefined ? { alertBytes } : {}) };
}
