/**
 * Queue trigger on `<SCAN_SHARD_QUEUE>-poison`: a shard message the host gave up on after
 * `maxDequeueCount` failed deliveries. Settles the shard as failed in its run (assembling the
 * report if it was the last), so the report names the shard and its subscriptions as not scanned
 * instead of the run waiting forever. Thin adapter over src/app/fanout.ts.
 */
import { app, type InvocationContext } from "@azure/functions";
import { poisonQueueNameOf, shardQueueNameFrom } from "../src/config/appSettings.js";
import { processPoisonedShard, type ShardOutcome } from "../src/app/fanout.js";
import { getServices } from "../src/app/services.js";
import { dequeueCountOf, logShardOutcome } from "./scanShard.js";

/** The poison-queue handler (exported for tests). */
export async function scanShardPoison(queueEntry: unknown, context: InvocationContext): Promise<ShardOutcome> {
  const outcome = await processPoisonedShard(getServices(), queueEntry, {
    dequeueCount: dequeueCountOf(context),
    log: (m) => context.log(m),
    warn: (m) => context.warn(m),
  });
  logShardOutcome(context, outcome);
  return outcome;
}

app.storageQueue("scanShardPoison", {
  queueName: poisonQueueNameOf(shardQueueNameFrom(process.env)),
  connection: "AzureWebJobsStorage",
  handler: scanShardPoison,
});
