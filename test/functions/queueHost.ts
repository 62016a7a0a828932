/**
 * What the Functions host does with a Storage queue trigger, done by hand on the real queues in
 * Azurite (the host itself cannot run here): receive a message (the queue counts the dequeue),
 * base64-decode it and hand the JSON to the handler with `dequeueCount` in the trigger metadata;
 * delete it when the handler returns; when it throws, make it visible again, or, once it has been
 * dequeued `maxDequeueCount` times (host.json `extensions.queues.maxDequeueCount`, default 5),
 * move it to `<queue>-poison`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { InvocationContext as InvocationContextType } from "@azure/functions";
import type { QueueClient } from "@azure/storage-queue";
import { InvocationContext } from "../../src/http/azureFunctions.js";
import { REPO } from "../setup/harness.js";

/** `extensions.queues.maxDequeueCount` of host.json, or the host's default (5). */
export function maxDequeueCountOfHost(): number {
  const host = JSON.parse(readFileSync(join(REPO, "host.json"), "utf8")) as { extensions?: { queues?: { maxDequeueCount?: number } } };
  return host.extensions?.queues?.maxDequeueCount ?? 5;
}

/** One received message. */
export interface Delivery {
  queue: QueueClient;
  messageId: string;
  popReceipt: string;
  text: string;
  /** What the trigger hands the handler: the base64-decoded JSON. */
  entry: unknown;
  dequeueCount: number;
}

/** What an invocation did. */
export type Invocation<T> = { ok: true; result: T; lines: string[] } | { ok: false; error: unknown; poisoned: boolean; lines: string[] };

export class SimulatedQueueHost {
  constructor(
    readonly queue: QueueClient,
    readonly poison: QueueClient,
    readonly maxDequeueCount = maxDequeueCountOfHost(),
  ) {}

  /** Receives every visible message of `queue` (default: the shard queue). */
  async receive(queue: QueueClient = this.queue): Promise<Delivery[]> {
    const out: Delivery[] = [];
    for (;;) {
      const r = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 120 });
      if (r.receivedMessageItems.length === 0) return out;
      for (const m of r.receivedMessageItems) {
        out.push({
          queue,
          messageId: m.messageId,
          popReceipt: m.popReceipt,
          text: m.messageText,
          entry: JSON.parse(Buffer.from(m.messageText, "base64").toString("utf8")) as unknown,
          dequeueCount: m.dequeueCount,
        });
      }
    }
  }

  /** The invocation context the host would build for a delivery. */
  context(delivery: Delivery, functionName: string): { context: InvocationContextType; lines: string[] } {
    const lines: string[] = [];
    const context = new InvocationContext({
      invocationId: `00000000-0000-4000-8000-${String(delivery.dequeueCount).padStart(12, "0")}`,
      functionName,
      triggerMetadata: { id: delivery.messageId, dequeueCount: delivery.dequeueCount, popReceipt: delivery.popReceipt },
      logHandler: (level, ...args) => lines.push(`${level}: ${args.map((a) => (typeof a === "string" ? a : a instanceof Error ? a.message : JSON.stringify(a))).join(" ")}`),
    });
    return { context, lines };
  }

  /** Deletes a handled message. */
  async complete(delivery: Delivery): Promise<void> {
    await delivery.queue.deleteMessage(delivery.messageId, delivery.popReceipt);
  }

  /** Runs the handler on a delivery and settles the message as the host would. */
  async invoke<T>(delivery: Delivery, functionName: string, handler: (entry: unknown, context: InvocationContextType) => Promise<T>): Promise<Invocation<T>> {
    const { context, lines } = this.context(delivery, functionName);
    try {
      const result = await handler(delivery.entry, context);
      await this.complete(delivery);
      return { ok: true, result, lines };
    } catch (error) {
      if (delivery.dequeueCount >= this.maxDequeueCount) {
        await this.poison.createIfNotExists();
        await this.poison.sendMessage(delivery.text);
        await this.complete(delivery);
        return { ok: false, error, poisoned: true, lines };
      }
      await delivery.queue.updateMessage(delivery.messageId, delivery.popReceipt, undefined, 0);
      return { ok: false, error, poisoned: false, lines };
    }
  }
}
