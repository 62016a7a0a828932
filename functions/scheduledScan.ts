/**
 * Timer: the scheduled compliance scan. Schedule from `SCAN_SCHEDULE` (NCRONTAB, default every
 * six hours), scope from `SCAN_SUBSCRIPTIONS` (or every subscription the identity can list).
 * Thin adapter over the recorded-scan use case (src/store/recorder.ts): a run that finds another
 * scan of the same scope in progress skips and says so.
 */
import { app, type InvocationContext, type Timer } from "@azure/functions";
import { scanScheduleFrom } from "../src/config/appSettings.js";
import type { NotificationStatus } from "../src/store/history.js";
import { recordScan } from "../src/store/recorder.js";
import { getServices, TIMER_SCAN_TIME_LIMIT_IN_MS } from "../src/store/services.js";
import { summaryLine } from "../src/report/report.js";

/** What a scheduled run did (returned for tests; the host ignores it). */
export type ScheduledScanOutcome =
  | { status: "skipped"; message: string }
  | { status: "complete"; scanId: string; notification: NotificationStatus; diff?: { new: number; resolved: number; unchanged: number }; alertBytes?: number };

/** The timer handler (exported for tests). */
export async function scheduledScan(timer: Timer, context: InvocationContext): Promise<ScheduledScanOutcome> {
  const services = getServices();
  if (timer.isPastDue) context.log("the schedule is past due; scanning now");
  const subscriptions = services.settings.scanSubscriptions;
  const result = await recordScan(services, {
    scope: { subscriptions },
    trigger: "timer",
    timeLimitInMs: TIMER_SCAN_TIME_LIMIT_IN_MS,
    log: (m) => context.log(m),
  });
  if (result.status === "skipped") {
    context.warn(`scheduled scan skipped: ${result.message}`);
    return { status: "skipped", message: result.message };
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

app.timer("scheduledScan", {
  schedule: scanScheduleFrom(process.env),
  // Keep the schedule across restarts; never scan just because an instance started.
  useMonitor: true,
  runOnStartup: false,
  handler: scheduledScan,
});
