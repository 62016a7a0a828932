/**
 * Timer: the scheduled compliance scan. Schedule from the app setting `SCAN_SCHEDULE` (NCRONTAB,
 * default every six hours), scope from `SCAN_SUBSCRIPTIONS` (or every subscription the identity
 * can list).
 * Thin adapter over the scheduled-scan use case (src/app/scheduledScan.ts): it fans out across
 * instances (`SCAN_FANOUT`) or scans here, and a run that finds another scan of the same scope in
 * progress skips and says so.
 */
import { app, type InvocationContext, type Timer, type TimerFunctionOptions } from "@azure/functions";
import { runScheduledScan } from "../src/app/scheduledScan.js";
import { getServices } from "../src/app/services.js";
import { scanScheduleFrom } from "../src/config/appSettings.js";
import type { NotificationStatus } from "../src/model/scan.js";
import { summaryLine } from "../src/report/report.js";

/** What a scheduled run did (returned for tests; the host ignores it). */
export type ScheduledScanOutcome =
  | { status: "skipped"; message: string }
  /** Fan-out: the shards are on the queue; the last one to finish assembles the report. */
  | { status: "fanned-out"; runId: string; shards: number; subscriptions: number }
  | { status: "complete"; scanId: string; notification: NotificationStatus; diff?: { new: number; resolved: number; unchanged: number }; alertBytes?: number };

/**
 * The schedule as an app-setting reference: the Functions host resolves `%SCAN_SCHEDULE%` from the
 * app settings when it indexes the function. Nothing reads the value at import time, so a bad
 * value fails this one trigger in the host (and is reported by the handler and by
 * `readAppSettings`), never the import of every function in the app. The setting must exist where
 * the host runs: the Bicep and local.settings.sample.json set it to the default (every six hours).
 */
export const SCAN_SCHEDULE_REFERENCE = "%SCAN_SCHEDULE%";

/** The timer handler (exported for tests). */
export async function scheduledScan(timer: Timer, context: InvocationContext): Promise<ScheduledScanOutcome> {
  try {
    // The host accepts schedules this tool does not (five fields, a TimeSpan): say which setting
    // is wrong, in this function's log, instead of a generic configuration failure.
    scanScheduleFrom(process.env);
  } catch (err) {
    context.error(`scheduledScan: ${(err as Error).message}`);
    throw err;
  }
  const services = getServices();
  if (timer.isPastDue) context.log("the schedule is past due; scanning now");
  const result = await runScheduledScan(services, { log: (m) => context.log(m), warn: (m) => context.warn(m) });
  if (result.status === "skipped") {
    context.warn(`scheduled scan skipped: ${result.message}`);
    return result;
  }
  if (result.status === "fanned-out") {
    context.log(`scheduled scan fanned out: run ${result.runId}, ${result.shards} shard(s) over ${result.subscriptions} subscription(s)`);
    return result;
  }
  const { report } = result;
  context.log(`scheduled scan ${report.scanId} complete: ${summaryLine(report)}; Teams: ${result.notification}`);
  return {
    status: "complete",
    scanId: report.scanId,
    notification: result.notification,
    ...(report.diff ? { diff: { new: report.diff.new.length, resolved: report.diff.resolved.length, unchanged: report.diff.unchanged } } : {}),
    ...(result.alertBytes !== undefined ? { alertBytes: result.alertBytes } : {}),
  };
}

/** The registration (exported so a test can see the schedule is the setting reference). */
export const scheduledScanTimer: TimerFunctionOptions = {
  schedule: SCAN_SCHEDULE_REFERENCE,
  // Keep the schedule across restarts; never scan just because an instance started.
  useMonitor: true,
  runOnStartup: false,
  handler: scheduledScan,
};

app.timer("scheduledScan", scheduledScanTimer);
