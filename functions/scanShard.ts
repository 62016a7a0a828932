/**
 * Queue trigger: one shard of a fan-out run (`SCAN_FANOUT`). Scans the shard's subscriptions,
 * stores its part, settles the shard in the run record (If-Match ETag), and assembles, diffs,
 * stores and notifies when it settled the last one. Thin adapter over src/app/fanout.ts.
 *
 * A failed scan rethrows: the host retries the message up to `extensions.queues.maxDequeueCount`
 * times (host.json) and then moves it to `<queue>-poison`, handled by `scanShardPoison`.
 */
import { app, type InvocationContext } from "@azure/functions";
import { shardQueueNameFrom } from "../src/config/appSettings.js";
import { processShard, type ShardOutcome } from "../src/app/fanout.js";
import { getServices } from "../src/app/services.js";

/** The dequeue count the host reports for this delivery (1 when absent). */
export function dequeueCountOf(context: InvocationContext): number {
  const n = Number(context.triggerMetadata?.dequeueCount);
  return Number.isInteger(n) && n > 0 ? n : 1;
}

/** Logs what an invocation did (both shard functions). */
export function logShardOutcome(context: InvocationContext, outcome: ShardOutcome): void {
  if (outcome.status !== "assembled") return;
  const a = outcome.assembly;
  if (a.status === "assembled") {
    const s = a.report.summary;
    context.log(
      `fan-out run ${outcome.runId} assembled: ${s.targets} targets (${s.compliant} compliant, ${s.drifted} drifted, ${s.unknown} unknown), ` +
        `${a.report.errors.length} error(s), failed shards: ${a.failedShards.length ? a.failedShards.join(", ") : "none"}; Teams: ${a.notification}`,
    );
  }
}

/** The queue handler (exported for tests). */
export async function scanShard(queueEntry: unknown, context: InvocationContext): Promise<ShardOutcome> {
  const outcome = await processShard(getServices(), queueEntry, {
    dequeueCount: dequeueCountOf(context),
    log: (m) => context.log(m),
    warn: (m) => context.warn(m),
  });
  logShardOutcome(context, outcome);
  return outcome;
}

app.storageQueue("scanShard", {
  queueName: shardQueueNameFrom(process.env),
  connection: "AzureWebJobsStorage",
  handler: scanShard,
});
