/**
 * `npm run serve`'s Event Grid webhook, `/runtime/webhooks/eventgrid?functionName=<name>`, answered
 * as the Functions host's Event Grid extension answers it (Microsoft.Azure.WebJobs.Extensions.EventGrid,
 * EventGridExtensionConfigProvider and HttpRequestProcessor):
 *
 * - an unknown `functionName`: 404;
 * - `OPTIONS` (CloudEvents 1.0 abuse protection): 200 with `WebHook-Allowed-Origin`;
 * - `aeg-event-type: SubscriptionValidation`: 200 `{ "validationResponse": <data.validationCode> }`;
 * - `aeg-event-type: Notification`: the function runs once per event, all in parallel, and the
 *   answer waits for all of them: 202 when every one succeeded, 500 when one failed (Event Grid
 *   then redelivers); `Unsubscribe`: 202; any other header: 400.
 *
 * Unlike the host, a delivery is read whole before any function runs: a body that is not what ARM's
 * system topic sends is a 400 problem naming the field (`/body/0/data/operationName`), where the
 * host would run the functions and answer 500 for the events they refuse. Event Grid does not retry
 * a 400; it dead-letters the delivery at once.
 *
 * The key (the `eventgrid_extension` system key, or the master key) is checked by the server
 * before this runs.
 */
import type { HttpResponseInit, InvocationContext } from "@azure/functions";
import { AEG_EVENT_TYPES, aegEventTypeOf, describeDelivery, parseDelivery, subscriptionValidationResponse, webhookAllowedOrigin } from "../http/eventGrid.js";
import { ProblemError } from "../http/problem.js";

/** An Event Grid function: the exported handler of a `functions/*.ts` file registered with `app.eventGrid`. */
export type EventGridHandler = (event: unknown, context: InvocationContext) => Promise<unknown>;

/** The request as the server read it. */
export interface EventGridWebhookRequest {
  method: string;
  headers: Headers;
  query: URLSearchParams;
  body: Buffer;
}

/** What the webhook needs from the server. */
export interface EventGridWebhookOptions {
  /** The Event Grid functions, by name. */
  functions: Readonly<Record<string, EventGridHandler>>;
  /** A fresh invocation context for a function. */
  contextFor: (functionName: string) => InvocationContext;
  log: (line: string) => void;
}

/** The route's path (the host matches it case-insensitively). */
export const EVENT_GRID_WEBHOOK_PATH = /^\/runtime\/webhooks\/eventgrid$/i;

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" } as const;

function parseJson(body: Buffer): unknown {
  if (body.length === 0) throw new ProblemError("MissingBody", "an Event Grid delivery needs a JSON body");
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (err) {
    throw new ProblemError("MalformedJson", `the body is not valid JSON: ${(err as Error).message.slice(0, 200)}`);
  }
}

/** Answers one webhook request; throws {@link ProblemError} for the problem answers. */
export async function eventGridWebhook(request: EventGridWebhookRequest, options: EventGridWebhookOptions): Promise<HttpResponseInit> {
  const functionName = request.query.get("functionName") ?? "";
  const handler = Object.hasOwn(options.functions, functionName) ? options.functions[functionName] : undefined;
  if (!handler) {
    throw new ProblemError("RouteNotFound", `no Event Grid function named ${JSON.stringify(functionName.slice(0, 100))} (this app has: ${Object.keys(options.functions).join(", ") || "none"})`);
  }

  if (request.method === "OPTIONS") {
    return { status: 200, headers: { "webhook-allowed-origin": webhookAllowedOrigin(request.headers.get("webhook-request-origin")), allow: "POST, OPTIONS" } };
  }
  if (request.method !== "POST") throw new ProblemError("MethodNotAllowed", "the Event Grid webhook accepts POST (and OPTIONS, the CloudEvents validation)");

  const aegEventType = aegEventTypeOf(request.headers.get("aeg-event-type"));
  if (!aegEventType) {
    const message = `must be one of: ${AEG_EVENT_TYPES.join(", ")}`;
    throw new ProblemError("ValidationFailed", `1 field failed validation: /headers/aeg-event-type ${message}`, [{ path: "/headers/aeg-event-type", message }]);
  }
  if (aegEventType === "Unsubscribe") return { status: 202 };

  const body = parseJson(request.body);
  if (aegEventType === "SubscriptionValidation") {
    const answer = subscriptionValidationResponse(body);
    options.log(`[eventgrid] subscription validation handshake for ${functionName}`);
    return { status: 200, headers: JSON_HEADERS, body: JSON.stringify(answer) };
  }

  const parsed = parseDelivery(body, { contentType: request.headers.get("content-type") });
  const events: unknown[] = Array.isArray(body) ? body : [body];
  options.log(`[eventgrid] ${functionName}: delivery of ${describeDelivery(parsed)}`);
  const results = await Promise.allSettled(events.map((event) => handler(event, options.contextFor(functionName))));
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed.length > 0) {
    options.log(`[eventgrid] ${functionName}: ${failed.length} of ${events.length} invocation(s) failed; answering 500 so that Event Grid redelivers`);
    throw new ProblemError("InternalError", "an invocation of the function failed; see the server log");
  }
  return { status: 202 };
}
