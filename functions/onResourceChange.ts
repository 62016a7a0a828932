/**
 * Event Grid trigger: a write or a delete in an audited subscription, from its system topic
 * (`Microsoft.Resources.ResourceWriteSuccess` / `ResourceDeleteSuccess`, Event Grid schema or
 * CloudEvents 1.0). Thin adapter: the event is read by src/http/eventGrid.ts and handed to the
 * change feed (`getServices().changes`, src/app/changeFeed.ts), which coalesces it with the other
 * changes of a few seconds and re-audits the targets they touch.
 *
 * The host calls this once per event of a delivery, all in parallel, and answers Event Grid only
 * when every invocation has ended: 202 when all succeeded, 500 when one failed (then Event Grid
 * redelivers the whole delivery, and dead-letters it after its retries). So the handler waits for
 * the batch its change joined to be audited, and rethrows when that failed; a malformed event
 * fails too (it ends in the dead-letter container, never silently dropped).
 *
 * The host answers the subscription validation handshake itself; the webhook
 * (`/runtime/webhooks/eventgrid?functionName=onResourceChange`) needs the `eventgrid_extension`
 * system key.
 */
import { app, type InvocationContext } from "@azure/functions";
import type { ChangeBatchOutcome } from "../src/app/changeFeed.js";
import { getServices } from "../src/app/services.js";
import { describeDelivery, parseTriggerEvent } from "../src/http/eventGrid.js";

/** What an invocation did (returned for tests; the host ignores it). */
export type OnResourceChangeOutcome =
  /** The event is not a watched write or delete: nothing to audit. */
  | { status: "skipped"; reason: "other-event-type" | "unwatched-operation" }
  /** No storage configured: no stored scan to diff against, so nothing is audited. */
  | { status: "no-storage" }
  | { status: "submitted"; outcome: ChangeBatchOutcome };

/** The Event Grid handler (exported for tests and for `npm run serve`). */
export async function onResourceChange(event: unknown, context: InvocationContext): Promise<OnResourceChangeOutcome> {
  let parsed;
  try {
    parsed = parseTriggerEvent(event);
  } catch (err) {
    context.error(`onResourceChange: the event is not one ARM's system topic sends: ${(err as Error).message}`);
    throw err;
  }
  if (parsed.changes.length === 0) {
    context.log(`onResourceChange: nothing to audit (${describeDelivery(parsed)})`);
    return { status: "skipped", reason: parsed.ignoredTypes > 0 ? "other-event-type" : "unwatched-operation" };
  }
  const feed = getServices().changes;
  const [change] = parsed.changes;
  if (!feed) {
    context.warn(`onResourceChange: no storage configured (AzureWebJobsStorage), so no scan to diff against; ${change!.operationName} on ${change!.resourceId} not audited`);
    return { status: "no-storage" };
  }
  let outcome: ChangeBatchOutcome;
  try {
    outcome = await feed.submit(parsed.changes);
  } catch (err) {
    // The host answers 500 and Event Grid redelivers: the change is audited on a later delivery.
    context.error(`onResourceChange: the audit of the batch with ${change!.resourceId} (event ${change!.eventId}) failed: ${(err as Error).message}`);
    throw err;
  }
  context.log(
    `onResourceChange: ${change!.kind} ${change!.resourceId} (event ${change!.eventId}): batch of ${outcome.changes} change(s) ${outcome.status}` +
      `, ${outcome.targets.length} target(s) re-audited, ${outcome.armRequests} ARM request(s), ${outcome.newFindings} new and ${outcome.resolvedFindings} resolved finding(s)` +
      `; Teams: ${outcome.notification}${outcome.scanId ? `; scan ${outcome.scanId}` : ""}`,
  );
  return { status: "submitted", outcome };
}

app.eventGrid<unknown>("onResourceChange", { handler: onResourceChange });
