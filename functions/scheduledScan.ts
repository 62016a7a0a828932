/**
 * Timer: the scheduled compliance scan. Schedule from `SCAN_SCHEDULE` (NCRONTAB, default every
 * six hours), scope from `SCAN_SUBSCRIPTIONS` (or every subscription the identity can list).
 * Thin adapter over the recorded-scan use case (src/store/recorder.ts): a run that finds another
 * scan of the same scope in progress skips and says so.
 *
 * With `SCAN_FANOUT=queue` (or `auto` and more subscriptions than `SCAN_SHARD_SIZE`) it only
 * starts a fan-out run (src/store/fanout.ts): one queue message per shard, scanned by
 * `scanShard` on as many instances as the backlog needs; the last shard assembles the report.
 */
import { app, type InvocationContext, type Timer } from "@azure/functions";
import { scanScheduleFrom } from "../src/config/appSettings.js";
import type { NotificationStatus } from "../src/model/scan.js";
import { startFanOut } from "../src/store/fanout.js";
import { recordScan } from "../src/store/recorder.js";
import { getServices, TIMER_SCAN_TIME_LIMIT_IN_MS } from "../src/store/services.js";
import { summaryLine } from "../src/report/report.js";

/** What a scheduled run did (returned for tests; the host ignores it). */
export type ScheduledScanOutcome =
  | { status: "skipped"; message: string }
  /** Fan-out: the shards are on the queue; the last one to finish assembles the report. */
  | { status: "fanned-out"; runId: string; shards: number; subscriptions: number }
  | { status: "complete"; scanId: string; notification: NotificationStatus; diff?: { new: number; resolved: number; unchanged: number }; alertBytes?: number };

/** The timer handler (exported for tests). */
export async function scheduledScan(timer: Timer, context: InvocationContext): Promise<ScheduledScanOutcome> {
  const services = getServices();
  if (timer.isPastDue) context.log("the schedule is past due; scanning now");
  const subscriptions = services.settings.scanSubscriptions;
  if (services.settings.fanOut.mode !== "off") {
    const started = await startFanOut(services, {
      scope: { subscriptions },
      trigger: "timer",
      log: (m) => context.log(m),
      warn: (m) => context.warn(m),
    });
    if (started.status === "skipped") {
      context.warn(`scheduled scan skipped: ${started.message}`);
      return { status: "skipped", message: started.message };
    }
    if (started.status === "enqueued") {
      context.log(`scheduled scan fanned out: run ${started.runId}, ${started.shards} shard(s) over ${started.subscriptions} subscription(s)`);
      return { status: "fanned-out", runId: started.runId, shards: started.shards, subscriptions: started.subscriptions };
    }
    context.log(`scheduled scan runs in this instance: ${started.reason}`);
  }
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
