/**
 * The Teams side of `egress-audit demo --watch`: a node:http server on loopback that takes the
 * Workflows webhook POST as Teams does (answers 202 Accepted) and keeps each message with the time
 * it arrived, so the demo can print the Adaptive Card's headline and facts and the time from the
 * write to the alert. `TEAMS_WEBHOOK_URL` accepts plain http on a loopback host only, which is
 * what this is (src/config/appSettings.ts, `validateSecretUrl`).
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A message the receiver got, with its arrival time (`Date.now()`). */
export interface ReceivedTeamsMessage {
  receivedAt: number;
  body: unknown;
}

/** A running receiver. */
export interface DemoTeamsReceiver {
  /** The webhook URL (http on 127.0.0.1, with a signature-like query as Workflows URLs have). */
  url: string;
  /** Every message so far, in arrival order. */
  readonly messages: readonly ReceivedTeamsMessage[];
  /**
   * The first message that arrived at or after `since` (a `Date.now()` value): resolves when it
   * has arrived; rejects when `abortSignal` fires first.
   */
  nextSince(since: number, options?: { abortSignal?: AbortSignal }): Promise<ReceivedTeamsMessage>;
  close(): Promise<void>;
}

/** Teams refuses larger messages; a demo receiver need not read more. */
const MAX_BODY_BYTES = 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Starts the receiver on a free loopback port. */
export async function startDemoTeamsReceiver(): Promise<DemoTeamsReceiver> {
  const messages: ReceivedTeamsMessage[] = [];
  const waiters = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    void readBody(req).then(
      (buf) => {
        if (req.method !== "POST" || buf === undefined) {
          res.writeHead(buf === undefined ? 413 : 405, { "content-type": "text/plain" }).end();
          return;
        }
        let body: unknown;
        try {
          body = JSON.parse(buf.toString("utf8"));
        } catch {
          res.writeHead(400, { "content-type": "text/plain" }).end("not JSON");
          return;
        }
        messages.push({ receivedAt: Date.now(), body });
        res.writeHead(202, { "content-type": "text/plain" }).end();
        for (const wake of [...waiters]) wake();
      },
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/workflows/demo/triggers/manual/paths/invoke?sig=demo`,
    messages,
    nextSince(since, options = {}) {
      return new Promise<ReceivedTeamsMessage>((resolve, reject) => {
        const signal = options.abortSignal;
        const check = (): boolean => {
          const found = messages.find((m) => m.receivedAt >= since);
          if (!found) return false;
          done();
          resolve(found);
          return true;
        };
        const onAbort = () => {
          done();
          reject(signal?.reason instanceof Error ? signal.reason : new Error("aborted"));
        };
        const wake = () => void check();
        const done = () => {
          waiters.delete(wake);
          signal?.removeEventListener("abort", onAbort);
        };
        if (check()) return;
        if (signal?.aborted) return onAbort();
        waiters.add(wake);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The lines a person reads on the card: headline, the other text blocks, the facts, the link. */
export interface CardText {
  headline: string;
  lines: string[];
  facts: Array<{ title: string; value: string }>;
  link?: string;
}

/** Card markdown (bold, escapes, line breaks) as plain text for a terminal. */
function plain(text: string): string {
  return text
    .replace(/\*\*/g, "")
    .replace(/\\([\\`*[\]<>])/g, "$1")
    .replace(/ {2}\n/g, " ")
    .replace(/\n/g, " ");
}

/** Reads the Adaptive Card of a Workflows `message` (src/notify/card.ts); undefined when it holds none. */
export function cardText(body: unknown): CardText | undefined {
  const content = (body as { attachments?: Array<{ content?: { body?: unknown[]; actions?: Array<{ url?: string }> } }> })?.attachments?.[0]?.content;
  if (!content || !Array.isArray(content.body)) return undefined;
  const texts: string[] = [];
  const facts: Array<{ title: string; value: string }> = [];
  for (const el of content.body as Array<Record<string, unknown>>) {
    if (el.type === "TextBlock" && typeof el.text === "string") texts.push(plain(el.text));
    if (el.type === "FactSet" && Array.isArray(el.facts)) {
      for (const f of el.facts as Array<{ title?: unknown; value?: unknown }>) {
        facts.push({ title: typeof f.title === "string" ? f.title : "", value: typeof f.value === "string" ? plain(f.value) : "" });
      }
    }
  }
  const link = content.actions?.find((a) => typeof a.url === "string")?.url;
  return { headline: texts[0] ?? "", lines: texts.slice(1), facts, ...(link ? { link } : {}) };
}
