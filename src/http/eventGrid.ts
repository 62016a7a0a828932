/**
 * Event Grid deliveries from the audited subscriptions' system topics, turned into
 * {@link ResourceChange}s (DESIGN.md, "Change events"). Both delivery schemas are read:
 *
 * - **Event Grid schema**: a JSON array of events `{ id, topic, subject, eventType, eventTime, data,
 *   dataVersion, metadataVersion }` (the host also takes a single object, so this does too);
 * - **CloudEvents 1.0**: one event `{ specversion: "1.0", id, source, type, subject, time, data }`
 *   (`application/cloudevents+json`), or an array of them in batch mode
 *   (`application/cloudevents-batch+json`).
 *
 * An event is one of the two schemas by its own fields (`specversion` marks a CloudEvent), so a
 * delivery is never judged by one event only. Events of other types (a `ResourceActionSuccess`, a
 * validation event inside a notification) are counted and skipped, and so are writes and deletes
 * whose `data.operationName` is not one of the `WATCHED_RESOURCE_TYPES` (the Event Grid filter
 * already drops those; an event that gets through anyway costs nothing). Anything else that is not
 * what ARM sends is a 400 problem naming the field (`/body/0/data/operationName`), never a change
 * guessed from half an event: a delivery is taken whole or not at all (fail closed).
 *
 * Also here: the two validation handshakes, as the Functions host's Event Grid extension answers them
 * (Microsoft.Azure.WebJobs.Extensions.EventGrid, HttpRequestProcessor): the Event Grid schema's
 * `aeg-event-type: SubscriptionValidation` POST, answered 200 `{ "validationResponse": <data.validationCode> }`,
 * and CloudEvents' abuse protection, an OPTIONS request with `WebHook-Request-Origin`, answered with
 * `WebHook-Allowed-Origin`.
 */
import { Type } from "@sinclair/typebox";
import type { ErrorObject, ValidateFunction } from "ajv";
import { CHANGE_EVENT_TYPES, isWatchedOperation, type ChangeKind, type ResourceChange } from "../model/changeEvent.js";
import { ProblemError, type ProblemFieldError } from "./problem.js";
import { compilePart, fieldErrors } from "./validation.js";

/** The event type of the Event Grid schema's subscription validation event. */
export const SUBSCRIPTION_VALIDATION_EVENT_TYPE = "Microsoft.EventGrid.SubscriptionValidationEvent";

/** The values of the `aeg-event-type` header Event Grid sends, as the host handles them. */
export const AEG_EVENT_TYPES = ["SubscriptionValidation", "Notification", "Unsubscribe"] as const;
export type AegEventType = (typeof AEG_EVENT_TYPES)[number];

/**
 * The origins Event Grid's CloudEvents validation request names (`WebHook-Request-Origin`), one per
 * cloud, as the host's extension lists them; any other value is answered with the public cloud's.
 */
export const EVENT_GRID_ORIGINS = ["eventgrid.azure.net", "eventgrid.azure.us", "eventgrid.azure.eaglex.ic.gov", "eventgrid.azure.microsoft.scloud", "eventgrid.azure.cn"] as const;

/** Which schema an event was read as. */
export type EventSchemaName = "EventGrid" | "CloudEvents";

/** What a delivery held. */
export interface ParsedDelivery {
  /** The watched writes and deletes, in delivery order. */
  changes: ResourceChange[];
  /** Events in the delivery. */
  events: number;
  /** Events of other types than the two {@link CHANGE_EVENT_TYPES} (skipped). */
  ignoredTypes: number;
  /** Writes and deletes whose operation is not a watched type's (skipped). */
  unwatched: number;
}

/** Options of {@link parseDelivery}. */
export interface ParseDeliveryOptions {
  /**
   * The request's `Content-Type`: `application/cloudevents-batch+json` must carry an array and
   * `application/cloudevents+json` one event. Unset (the function trigger): either.
   */
  contentType?: string | null;
  /** Prefix of the field paths in problems (default `/body`; the function trigger uses `/event`). */
  pointer?: string;
}

// ---------------------------------------------------------------------------------------------
// Schemas. Events carry more than is read here (claims, authorization, httpRequest) and Event Grid
// may add fields: unknown fields are allowed, the ones read are checked.

const MAX_ID = 1024;
const MAX_RESOURCE_ID = 4096;
const GUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
/** `/subscriptions/<guid>` at the start of a topic, a source or a resource id (any case). */
const SUBSCRIPTION_PREFIX = new RegExp(`^/subscriptions/(${GUID})(?:/|$)`, "i");

const EventId = Type.String({ minLength: 1, maxLength: MAX_ID });
const EventTypeName = Type.String({ minLength: 1, maxLength: 256 });
const EventTime = Type.String({ format: "date-time", maxLength: 64 });

const EventGridEnvelope = Type.Object(
  {
    id: EventId,
    eventType: EventTypeName,
    subject: Type.String({ maxLength: MAX_RESOURCE_ID }),
    eventTime: EventTime,
    topic: Type.Optional(Type.String({ maxLength: MAX_RESOURCE_ID })),
  },
  { additionalProperties: true },
);

const CloudEventEnvelope = Type.Object(
  {
    specversion: Type.Literal("1.0"),
    id: EventId,
    type: EventTypeName,
    source: Type.String({ minLength: 1, maxLength: MAX_RESOURCE_ID }),
    subject: Type.Optional(Type.String({ maxLength: MAX_RESOURCE_ID })),
    time: Type.Optional(EventTime),
  },
  { additionalProperties: true },
);

/** What every write or delete event's `data` must have before its operation can be judged. */
const ChangeOperation = Type.Object({ operationName: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: true });

const ResourceUri = Type.String({
  maxLength: MAX_RESOURCE_ID,
  pattern: `^/[sS][uU][bB][sS][cC][rR][iI][pP][tT][iI][oO][nN][sS]/${GUID}(/[^/?#]+)+$`,
  "x-message": "must be an ARM resource id (/subscriptions/<guid>/...)",
});

/** The rest of a watched change's `data`. */
const WatchedChangeData = Type.Object(
  {
    operationName: Type.String(),
    resourceUri: Type.Optional(ResourceUri),
    subscriptionId: Type.Optional(Type.String({ pattern: `^${GUID}$`, "x-message": "must be a subscription id (a GUID)" })),
    correlationId: Type.Optional(Type.String({ maxLength: MAX_ID })),
  },
  { additionalProperties: true },
);

/** The subscription validation event's data. */
const ValidationData = Type.Object({ validationCode: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: true });

const validators = {
  eventGrid: compilePart("body", EventGridEnvelope),
  cloudEvent: compilePart("body", CloudEventEnvelope),
  operation: compilePart("body", ChangeOperation),
  watched: compilePart("body", WatchedChangeData),
  resourceUri: compilePart("body", ResourceUri),
  validation: compilePart("body", ValidationData),
};

// ---------------------------------------------------------------------------------------------

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Field errors of `validate` on `value`, their paths under `pointer` instead of `/body`. */
function check(validate: ValidateFunction, value: unknown, pointer: string): ProblemFieldError[] {
  if (validate(value)) return [];
  return fieldErrors("body", validate.errors as ErrorObject[]).map((e) => ({ ...e, path: pointer + e.path.slice("/body".length) }));
}

function fail(errors: ProblemFieldError[]): never {
  const named = errors.slice(0, 3).map((e) => `${e.path} ${e.message}`).join("; ");
  throw new ProblemError("ValidationFailed", `${errors.length} field${errors.length === 1 ? "" : "s"} failed validation: ${named}${errors.length > 3 ? "; ..." : ""}`, errors);
}

function kindOf(eventType: string): ChangeKind | undefined {
  const t = eventType.toLowerCase();
  if (t === CHANGE_EVENT_TYPES[0].toLowerCase()) return "write";
  if (t === CHANGE_EVENT_TYPES[1].toLowerCase()) return "delete";
  return undefined;
}

/** An event's schema: a CloudEvent carries `specversion`; everything else is read as the Event Grid schema. */
export function eventSchemaOf(event: Record<string, unknown>): EventSchemaName {
  return "specversion" in event ? "CloudEvents" : "EventGrid";
}

type EventResult = { change: ResourceChange } | { skipped: "type" | "unwatched" } | { errors: ProblemFieldError[] };

/** Reads one event at `pointer`. */
function readEvent(event: unknown, pointer: string): EventResult {
  if (!isRecord(event)) return { errors: [{ path: pointer, message: "must be an event (a JSON object)" }] };
  const schema = eventSchemaOf(event);
  const envelopeErrors = check(schema === "CloudEvents" ? validators.cloudEvent : validators.eventGrid, event, pointer);
  if (envelopeErrors.length > 0) return { errors: envelopeErrors };
  const type = String(schema === "CloudEvents" ? event.type : event.eventType);
  const kind = kindOf(type);
  if (!kind) return { skipped: "type" };

  const dataPointer = `${pointer}/data`;
  if (!isRecord(event.data)) return { errors: [{ path: dataPointer, message: "must be an object (the ARM operation that succeeded)" }] };
  const data = event.data;
  const opErrors = check(validators.operation, data, dataPointer);
  if (opErrors.length > 0) return { errors: opErrors };
  const operationName = data.operationName as string;
  if (!isWatchedOperation(operationName)) return { skipped: "unwatched" };

  const errors = check(validators.watched, data, dataPointer);
  const subject = typeof event.subject === "string" ? event.subject : "";
  let resourceId = typeof data.resourceUri === "string" ? data.resourceUri : undefined;
  if (resourceId === undefined) {
    // No resourceUri: the subject is the resource id (ARM's system topic sets both to it).
    const subjectErrors = check(validators.resourceUri, subject, `${pointer}/subject`);
    if (subjectErrors.length > 0) errors.push({ path: `${dataPointer}/resourceUri`, message: "is required when the subject is not an ARM resource id" });
    else resourceId = subject;
  }
  const eventTime = schema === "CloudEvents" ? event.time : event.eventTime;
  if (typeof eventTime !== "string") errors.push({ path: `${pointer}/time`, message: "is required" });
  const containerField = schema === "CloudEvents" ? event.source : event.topic;
  const container = typeof containerField === "string" ? containerField : "";
  const subscriptionId = typeof data.subscriptionId === "string" ? data.subscriptionId : SUBSCRIPTION_PREFIX.exec(container)?.[1];
  if (subscriptionId === undefined) {
    errors.push({ path: `${dataPointer}/subscriptionId`, message: `is required when the ${schema === "CloudEvents" ? "source" : "topic"} is not /subscriptions/<guid>` });
  }
  if (errors.length > 0 || resourceId === undefined || subscriptionId === undefined || typeof eventTime !== "string") return { errors };
  return {
    change: {
      eventId: event.id as string,
      kind,
      resourceId,
      operationName,
      subscriptionId: subscriptionId.toLowerCase(),
      eventTime,
      ...(typeof data.correlationId === "string" && data.correlationId !== "" ? { correlationId: data.correlationId } : {}),
    },
  };
}

function mediaType(contentType: string | null | undefined): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}

/**
 * Parses a delivery body (already JSON-parsed): every event is read, and every field that is not
 * what ARM sends is named in one 400 `ValidationFailed` problem ({@link ProblemError}).
 */
export function parseDelivery(body: unknown, options: ParseDeliveryOptions = {}): ParsedDelivery {
  const pointer = options.pointer ?? "/body";
  const media = mediaType(options.contentType);
  if (media === "application/cloudevents-batch+json" && !Array.isArray(body)) {
    fail([{ path: pointer, message: "must be an array of CloudEvents (Content-Type application/cloudevents-batch+json)" }]);
  }
  if (media === "application/cloudevents+json" && !isRecord(body)) {
    fail([{ path: pointer, message: "must be one CloudEvent (Content-Type application/cloudevents+json)" }]);
  }
  if (!Array.isArray(body) && !isRecord(body)) fail([{ path: pointer, message: "must be an array of events or one event" }]);
  const events: unknown[] = Array.isArray(body) ? body : [body];
  const out: ParsedDelivery = { changes: [], events: events.length, ignoredTypes: 0, unwatched: 0 };
  const errors: ProblemFieldError[] = [];
  events.forEach((event, i) => {
    const result = readEvent(event, Array.isArray(body) ? `${pointer}/${i}` : pointer);
    if ("errors" in result) errors.push(...result.errors);
    else if ("change" in result) out.changes.push(result.change);
    else if (result.skipped === "type") out.ignoredTypes += 1;
    else out.unwatched += 1;
  });
  if (errors.length > 0) fail(errors);
  return out;
}

/**
 * The event one Event Grid trigger invocation gets (the host calls the function once per event):
 * an object, or its JSON text. Field paths in problems start at `/event`.
 */
export function parseTriggerEvent(event: unknown): ParsedDelivery {
  let value = event;
  if (typeof event === "string") {
    try {
      value = JSON.parse(event) as unknown;
    } catch (err) {
      throw new ProblemError("MalformedJson", `the event is not valid JSON: ${(err as Error).message.slice(0, 200)}`);
    }
  }
  if (Array.isArray(value)) fail([{ path: "/event", message: "must be one event (the host delivers one per invocation)" }]);
  return parseDelivery(value, { pointer: "/event" });
}

/** The `aeg-event-type` header's value as the host reads it (case-insensitive), or undefined when absent or unknown. */
export function aegEventTypeOf(header: string | null | undefined): AegEventType | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim().toLowerCase();
  return AEG_EVENT_TYPES.find((t) => t.toLowerCase() === value);
}

/**
 * The answer to an Event Grid schema subscription validation (`aeg-event-type: SubscriptionValidation`):
 * `{ validationResponse: data.validationCode }` of the first event, as the host answers it. The body
 * is an array of the one validation event; a single object is read too (the host does). A body with
 * no validation code is a 400 naming the field.
 */
export function subscriptionValidationResponse(body: unknown): { validationResponse: string } {
  const pointer = Array.isArray(body) ? "/body/0" : "/body";
  const event: unknown = Array.isArray(body) ? body[0] : body;
  if (!isRecord(event)) fail([{ path: pointer, message: `must be the ${SUBSCRIPTION_VALIDATION_EVENT_TYPE} event` }]);
  const type = eventSchemaOf(event) === "CloudEvents" ? event.type : event.eventType;
  if (type !== SUBSCRIPTION_VALIDATION_EVENT_TYPE) {
    fail([{ path: `${pointer}/${eventSchemaOf(event) === "CloudEvents" ? "type" : "eventType"}`, message: `must be ${SUBSCRIPTION_VALIDATION_EVENT_TYPE}` }]);
  }
  const errors = check(validators.validation, event.data, `${pointer}/data`);
  if (errors.length > 0) fail(errors);
  return { validationResponse: (event.data as { validationCode: string }).validationCode };
}

/**
 * The `WebHook-Allowed-Origin` answer to CloudEvents' validation request (OPTIONS): the request's
 * `WebHook-Request-Origin` when it is one of Event Grid's clouds, else the public cloud's origin
 * (the host's extension answers exactly so).
 */
export function webhookAllowedOrigin(requestOrigin: string | null | undefined): string {
  const origin = (requestOrigin ?? "").trim().toLowerCase();
  return (EVENT_GRID_ORIGINS as readonly string[]).includes(origin) ? origin : EVENT_GRID_ORIGINS[0];
}

/** One line for the log: what a delivery held. */
export function describeDelivery(parsed: ParsedDelivery): string {
  return `${parsed.events} event(s): ${parsed.changes.length} watched change(s), ${parsed.unwatched} unwatched operation(s), ${parsed.ignoredTypes} of other types`;
}
