/**
 * The Storage queue triggers of the function app for `npm run serve`, where no Functions host
 * polls the queues: the shard queue (`scanShard`) and its poison queue (`scanShardPoison`), so a
 * fan-out run (the timer's, or a `POST /api/scans` answered 202) completes locally as it does in
 * Azure. It does what the host does with a queue trigger (host.json `extensions.queues`):
 *
 * - receives up to `batchSize` messages per queue and runs the handler on each, at most
 *   `batchSize` at once, with `dequeueCount` in the trigger metadata and the message's base64
 *   JSON decoded, as the host hands it over;
 * - deletes a message whose handler returned; makes one whose handler threw visible again after
 *   `visibilityTimeout`, or, once it has been dequeued `maxDequeueCount` times, moves it to
 *   `<queue>-poison`;
 * - polls an empty queue every second (the host backs off up to a minute; locally, sooner is better).
 *
 * A message is leased for as long as its handler may run (`functionTimeout`, 10 minutes), so
 * another worker never takes it meanwhile.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { InvocationContext as InvocationContextType } from "@azure/functions";
import type { QueueClient } from "@azure/storage-queue";
import { InvocationContext } from "../http/azureFunctions.js";
import { packageRoot } from "../util/packageRoot.js";

/** A queue function's handler, as `functions/*.ts` export it. */
export type QueueHandler = (entry: unknown, context: InvocationContextType) => Promise<unknown>;

/** One queue trigger: the queue, its poison queue, the function. */
export interface QueueTrigger {
  functionName: string;
  queue: QueueClient;
  /** Where a message goes after `maxDequeueCount` failed deliveries; none for a poison queue's own trigger. */
  poison?: QueueClient;
  handler: QueueHandler;
}

/** host.json `extensions.queues` as the worker applies it. */
export interface QueueHostSettings {
  maxDequeueCount: number;
  batchSize: number;
  /** Delay before a failed message is delivered again. */
  visibilityTimeoutInSeconds: number;
}

/** Options of {@link startQueueWorker}. */
export interface QueueWorkerOptions {
  triggers: readonly QueueTrigger[];
  /** Default: host.json's, else the host's defaults. */
  settings?: Partial<QueueHostSettings>;
  /** How often an empty queue is polled; default 1000 ms. */
  pollIntervalInMs?: number;
  /** How long a received message stays invisible to other receivers (the handler's lease); default 600 s. */
  leaseInSeconds?: number;
  /** Invocation logs (default: stderr). */
  log?: (line: string) => void;
}

/** A running worker. */
export interface RunningQueueWorker {
  /** Stops polling and waits (up to `graceInMs`, default 5 s) for the invocations in flight. */
  stop(graceInMs?: number): Promise<void>;
}

function timeSpanSeconds(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const m = /^(\d+):(\d{2}):(\d{2})$/.exec(value.trim());
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : undefined;
}

/** host.json's `extensions.queues`, with the Functions host's defaults where it says nothing. */
export function queueHostSettings(hostJsonPath = join(packageRoot(), "host.json")): QueueHostSettings {
  let queues: Record<string, unknown> = {};
  try {
    const host = JSON.parse(readFileSync(hostJsonPath, "utf8")) as { extensions?: { queues?: Record<string, unknown> } };
    queues = host.extensions?.queues ?? {};
  } catch {
    // No host.json: the host's defaults.
  }
  const int = (v: unknown, d: number) => (typeof v === "number" && Number.isInteger(v) && v > 0 ? v : d);
  return {
    maxDequeueCount: int(queues.maxDequeueCount, 5),
    batchSize: int(queues.batchSize, 16),
    visibilityTimeoutInSeconds: timeSpanSeconds(queues.visibilityTimeout) ?? 0,
  };
}

/** The message text as the trigger hands it over: base64 JSON decoded to a value, else the text. */
function entryOf(text: string): unknown {
  for (const candidate of [Buffer.from(text, "base64").toString("utf8"), text]) {
    try {
      return JSON.parse(candidate) as unknown;
    } catch {
      // the next reading
    }
  }
  return text;
}

/** Starts polling the triggers' queues; queues that do not exist yet are created. */
export function startQueueWorker(options: QueueWorkerOptions): RunningQueueWorker {
  const settings = { ...queueHostSettings(), ...options.settings };
  const pollIntervalInMs = options.pollIntervalInMs ?? 1_000;
  const leaseInSeconds = options.leaseInSeconds ?? 600;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const stopper = new AbortController();
  const inFlight = new Set<Promise<void>>();

  const invoke = async (trigger: QueueTrigger, m: { messageId: string; popReceipt: string; messageText: string; dequeueCount: number }) => {
    const context = new InvocationContext({
      invocationId: randomUUID(),
      functionName: trigger.functionName,
      triggerMetadata: { id: m.messageId, dequeueCount: m.dequeueCount, popReceipt: m.popReceipt },
      logHandler: (level, ...args) =>
        log(`[${trigger.functionName} ${level}] ${args.map((a) => (a instanceof Error ? (a.stack ?? a.message) : typeof a === "string" ? a : JSON.stringify(a))).join(" ")}`),
    });
    try {
      await trigger.handler(entryOf(m.messageText), context);
      await trigger.queue.deleteMessage(m.messageId, m.popReceipt);
    } catch (err) {
      log(`[${trigger.functionName} error] delivery ${m.dequeueCount} of message ${m.messageId} failed: ${(err as Error)?.message ?? String(err)}`);
      if (trigger.poison && m.dequeueCount >= settings.maxDequeueCount) {
        await trigger.poison.createIfNotExists();
        await trigger.poison.sendMessage(m.messageText);
        await trigger.queue.deleteMessage(m.messageId, m.popReceipt);
        log(`[${trigger.functionName} warning] message ${m.messageId} moved to ${trigger.poison.name} after ${m.dequeueCount} deliveries`);
      } else {
        await trigger.queue.updateMessage(m.messageId, m.popReceipt, undefined, settings.visibilityTimeoutInSeconds);
      }
    }
  };

  const poll = async (trigger: QueueTrigger) => {
    const mine = new Set<Promise<void>>();
    await trigger.queue.createIfNotExists();
    while (!stopper.signal.aborted) {
      const room = settings.batchSize - mine.size;
      let received = 0;
      if (room > 0) {
        const r = await trigger.queue.receiveMessages({ numberOfMessages: Math.min(32, room), visibilityTimeout: leaseInSeconds });
        for (const m of r.receivedMessageItems) {
          received += 1;
          const p: Promise<void> = invoke(trigger, m)
            .catch((err: unknown) => log(`[${trigger.functionName} error] ${(err as Error)?.message ?? String(err)}`))
            .finally(() => {
              mine.delete(p);
              inFlight.delete(p);
            });
          mine.add(p);
          inFlight.add(p);
        }
      }
      if (received === 0) await sleep(pollIntervalInMs, undefined, { signal: stopper.signal }).catch(() => undefined);
    }
  };

  const loops = options.triggers.map((t) =>
    (async () => {
      // A storage hiccup (Azurite restarting) must not end the loop for good.
      while (!stopper.signal.aborted) {
        try {
          await poll(t);
        } catch (err) {
          if (stopper.signal.aborted) return;
          log(`[${t.functionName} error] polling ${t.queue.name} failed: ${(err as Error)?.message ?? String(err)}; retrying`);
          await sleep(pollIntervalInMs * 5, undefined, { signal: stopper.signal }).catch(() => undefined);
        }
      }
    })(),
  );

  return {
    async stop(graceInMs = 5_000) {
      stopper.abort();
      await Promise.race([Promise.allSettled([...loops, ...inFlight]), sleep(graceInMs)]);
    },
  };
}
