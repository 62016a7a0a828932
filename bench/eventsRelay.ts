/**
 * Event Grid's side of delivery, for `npm run bench:events`: the emulator posts each write's event
 * here (as ARM publishes to the system topic, which accepts it at once), and this relay delivers
 * it to serve's webhook as Event Grid does: at once, concurrently, in no guaranteed order, and
 * again after a failed attempt or no answer within 30 s (Event Grid's timeout), on the start of
 * Event Grid's retry schedule (10 s, 30 s, 1 min). The emulator alone keeps each resource's events in order and holds the next one
 * until the webhook answered the previous; the webhook answers only when the event's batch was
 * audited, so a burst of writes on one resource would reach the feed one coalescing window at a
 * time, which Event Grid does not do (it promises no order). `--direct` skips the relay.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A running relay. */
export interface EventRelay {
  /** Where the emulator posts (http on loopback). */
  url: string;
  /** Events accepted from the emulator, delivered to the webhook (2xx), and given up. */
  totals(): { accepted: number; delivered: number; failed: number; retries: number };
  /** Resolves when every accepted event was delivered or given up. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

const RETRY_DELAYS_IN_MS = [10_000, 30_000, 60_000];
/** Event Grid waits this long for the webhook's answer before it counts the attempt failed. */
const ATTEMPT_TIMEOUT_IN_MS = 30_000;
const FORWARDED = ["content-type", "aeg-event-type", "aeg-subscription-name", "aeg-data-version", "aeg-metadata-version"];

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Starts a relay that delivers to `webhook` (the full URL, system key included). */
export async function startEventRelay(webhook: string): Promise<EventRelay> {
  const totals = { accepted: 0, delivered: 0, failed: 0, retries: 0 };
  const pending = new Set<Promise<void>>();
  const deliver = async (body: Buffer, headers: Record<string, string>): Promise<void> => {
    for (let attempt = 0; attempt <= RETRY_DELAYS_IN_MS.length; attempt++) {
      if (attempt > 0) {
        totals.retries += 1;
        await new Promise((r) => setTimeout(r, RETRY_DELAYS_IN_MS[attempt - 1]));
      }
      try {
        const res = await fetch(webhook, { method: "POST", body, headers: { ...headers, "aeg-delivery-count": String(attempt) }, signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_IN_MS) });
        await res.arrayBuffer();
        if (res.status >= 200 && res.status < 300) {
          totals.delivered += 1;
          return;
        }
        if (res.status === 400 || res.status === 413) break;
      } catch {
        // no answer: retried as Event Grid would
      }
    }
    totals.failed += 1;
  };
  const server: Server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const headers: Record<string, string> = {};
      for (const h of FORWARDED) {
        const v = req.headers[h];
        if (typeof v === "string") headers[h] = v;
      }
      totals.accepted += 1;
      res.writeHead(202).end();
      const p = deliver(body, headers).finally(() => pending.delete(p));
      pending.add(p);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/events`,
    totals: () => ({ ...totals }),
    settled: async () => {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
