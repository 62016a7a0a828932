/**
 * The events ARM's subscription system topic sends after a write (`Microsoft.Resources.ResourceWriteSuccess`
 * / `ResourceDeleteSuccess`), posted to a delivery URL as Event Grid delivers them: an Event Grid
 * schema array of one event with `aeg-event-type: Notification`, or one CloudEvents 1.0 event.
 * Posting never holds up the write's answer; a failed delivery is retried a few times (Event Grid
 * retries, except on 400 and 413), and the events of one resource go out in order.
 */
import { randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { WrittenChange } from "./writes.js";

/** Where and how the emulator posts change events. */
export interface EventDeliveryOptions {
  /** An `http:` or `https:` URL, e.g. `http://127.0.0.1:7071/runtime/webhooks/eventgrid?functionName=onResourceChange&code=<key>`. */
  deliveryUrl: string;
  /** Default `EventGrid`. */
  schema?: "EventGrid" | "CloudEvents";
  /** Delay between the write and the first delivery attempt (ARM to Event Grid takes a few seconds); default 0. */
  delayInMs?: number;
  /** Extra request headers (e.g. `x-functions-key`). */
  headers?: Record<string, string>;
  /** Waits before the retries of a failed delivery; default 200, 1000 and 3000 ms (three retries). */
  retryDelaysInMs?: number[];
}

/** A change with what the request told about itself (for `data.httpRequest`). */
export interface ChangeNotice extends WrittenChange {
  /** PUT, PATCH or DELETE. */
  method: string;
  /** The request's full URL (emulator base URL, path and query). */
  url: string;
  /** The `x-ms-correlation-request-id` the write was answered with. */
  correlationId: string;
  clientRequestId: string;
  clientIpAddress: string;
  /** When the write was applied. */
  eventTime: Date;
}

/** Delivery totals since the emulator started. */
export interface DeliveryTotals {
  delivered: number;
  failed: number;
}

const DEFAULT_RETRY_DELAYS_IN_MS = [200, 1000, 3000];
const ATTEMPT_TIMEOUT_IN_MS = 30_000;

/** The event a change becomes, in the Event Grid schema. */
export function eventGridEvent(notice: ChangeNotice, id: string = randomUUID()): Record<string, unknown> {
  return {
    id,
    topic: `/subscriptions/${notice.subscriptionId}`,
    subject: notice.resourceId,
    eventType: eventTypeOf(notice),
    eventTime: notice.eventTime.toISOString(),
    dataVersion: "",
    metadataVersion: "1",
    data: eventData(notice),
  };
}

/** The event a change becomes, in CloudEvents 1.0. */
export function cloudEvent(notice: ChangeNotice, id: string = randomUUID()): Record<string, unknown> {
  return {
    specversion: "1.0",
    type: eventTypeOf(notice),
    source: `/subscriptions/${notice.subscriptionId}`,
    subject: notice.resourceId,
    id,
    time: notice.eventTime.toISOString(),
    datacontenttype: "application/json",
    data: eventData(notice),
  };
}

function eventTypeOf(notice: ChangeNotice): string {
  return notice.kind === "delete" ? "Microsoft.Resources.ResourceDeleteSuccess" : "Microsoft.Resources.ResourceWriteSuccess";
}

function eventData(notice: ChangeNotice): Record<string, unknown> {
  return {
    authorization: { scope: notice.resourceId, action: notice.operationName, evidence: { role: "Contributor" } },
    claims: {},
    correlationId: notice.correlationId,
    httpRequest: { clientRequestId: notice.clientRequestId, clientIpAddress: notice.clientIpAddress, method: notice.method, url: notice.url },
    resourceProvider: notice.resourceProvider,
    resourceUri: notice.resourceId,
    operationName: notice.operationName,
    status: "Succeeded",
    subscriptionId: notice.subscriptionId,
    tenantId: notice.tenantId,
  };
}

/** Posts change events; one queue per resource keeps each resource's events in order. */
export class EventPoster {
  #options: EventDeliveryOptions | undefined;
  readonly #queues = new Map<string, Promise<void>>();
  readonly #pending = new Set<Promise<void>>();
  readonly #timers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  readonly #aborts = new Set<AbortController>();
  readonly totals: DeliveryTotals = { delivered: 0, failed: 0 };
  #closed = false;

  constructor(options?: EventDeliveryOptions) {
    this.#options = options ? checked(options) : undefined;
  }

  /** Sets (or, with undefined, stops) delivery for the writes that follow; queued events keep their target. */
  set(options: EventDeliveryOptions | undefined): void {
    this.#options = options ? checked(options) : undefined;
  }

  /** Queues the event of a change (nothing when no delivery is set). */
  enqueue(notice: ChangeNotice): void {
    const options = this.#options;
    if (!options || this.#closed) return;
    const key = notice.resourceId.toLowerCase();
    const previous = this.#queues.get(key) ?? Promise.resolve();
    const run = previous.then(() => this.#deliver(notice, options));
    this.#queues.set(key, run);
    this.#pending.add(run);
    void run.finally(() => {
      this.#pending.delete(run);
      if (this.#queues.get(key) === run) this.#queues.delete(key);
    });
  }

  /** Resolves when every queued event was delivered or given up, with the totals since start. */
  async flush(): Promise<DeliveryTotals> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
    return { ...this.totals };
  }

  /** Stops: waits cut short, attempts in flight aborted (those events count as failed). */
  close(): void {
    this.#closed = true;
    for (const t of this.#timers) {
      clearTimeout(t.timer);
      t.wake();
    }
    for (const a of this.#aborts) a.abort();
  }

  async #deliver(notice: ChangeNotice, options: EventDeliveryOptions): Promise<void> {
    const id = randomUUID();
    const cloud = options.schema === "CloudEvents";
    const payload = JSON.stringify(cloud ? cloudEvent(notice, id) : [eventGridEvent(notice, id)]);
    const delays = options.retryDelaysInMs ?? DEFAULT_RETRY_DELAYS_IN_MS;
    await this.#sleep(options.delayInMs ?? 0);
    for (let attempt = 0; attempt <= delays.length && !this.#closed; attempt++) {
      if (attempt > 0) await this.#sleep(delays[attempt - 1] ?? 0);
      if (this.#closed) break;
      const status = await this.#post(options, payload, cloud, attempt);
      if (status !== undefined && status >= 200 && status < 300) {
        this.totals.delivered += 1;
        return;
      }
      // Event Grid does not retry what the endpoint refused as malformed or too large.
      if (status === 400 || status === 413) break;
    }
    this.totals.failed += 1;
  }

  /** One delivery attempt: the HTTP status, or undefined when no answer came. */
  #post(options: EventDeliveryOptions, payload: string, cloud: boolean, attempt: number): Promise<number | undefined> {
    const url = new URL(options.deliveryUrl);
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const abort = new AbortController();
    this.#aborts.add(abort);
    return new Promise<number | undefined>((resolve) => {
      const req = send(
        url,
        {
          method: "POST",
          signal: abort.signal,
          timeout: ATTEMPT_TIMEOUT_IN_MS,
          headers: {
            ...options.headers,
            "content-type": cloud ? "application/cloudevents+json; charset=utf-8" : "application/json",
            "content-length": Buffer.byteLength(payload),
            "aeg-event-type": "Notification",
            "aeg-subscription-name": "EGRESS-AUDIT-EMULATOR",
            "aeg-delivery-count": String(attempt),
            "aeg-data-version": "",
            "aeg-metadata-version": "1",
          },
        },
        (res) => {
          res.resume();
          res.once("end", () => resolve(res.statusCode));
          res.once("error", () => resolve(res.statusCode));
        },
      );
      req.once("timeout", () => req.destroy(new Error("delivery timed out")));
      req.once("error", () => resolve(undefined));
      req.end(payload);
    }).finally(() => this.#aborts.delete(abort));
  }

  #sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.#timers.delete(entry);
          resolve();
        }, ms),
        wake: resolve,
      };
      this.#timers.add(entry);
    });
  }
}

/** Options with a URL the poster can use; a RangeError names what is wrong. */
function checked(options: EventDeliveryOptions): EventDeliveryOptions {
  let url: URL;
  try {
    url = new URL(options.deliveryUrl);
  } catch {
    throw new RangeError(`events.deliveryUrl is not a URL: ${options.deliveryUrl}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new RangeError(`events.deliveryUrl must be http: or https:, got ${url.protocol}`);
  if (options.delayInMs !== undefined && !(Number.isFinite(options.delayInMs) && options.delayInMs >= 0)) {
    throw new RangeError(`events.delayInMs must be a non-negative number, got ${options.delayInMs}`);
  }
  if (options.schema !== undefined && options.schema !== "EventGrid" && options.schema !== "CloudEvents") {
    throw new RangeError(`events.schema must be EventGrid or CloudEvents, got ${String(options.schema)}`);
  }
  return { ...options };
}
