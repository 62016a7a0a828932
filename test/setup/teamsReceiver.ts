/**
 * A local stand-in for a Teams Workflows webhook: records every request and answers with a
 * scripted status (429 with Retry-After, 500, 400, ...) or 202 Accepted, as the real one does.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the receiver got. */
export interface ReceivedRequest {
  method: string;
  contentType: string | undefined;
  bytes: number;
  body: unknown;
  /** What the receiver answered. */
  status: number;
}

/** A scripted answer; `hang` never answers (the client times out). */
export type ScriptedAnswer = { status: number; headers?: Record<string, string> } | "hang";

export interface TeamsReceiver {
  /** Webhook URL (http on loopback, which the settings accept for tests). */
  url: string;
  requests: ReceivedRequest[];
  /** Requests answered 2xx: what Teams would have shown. */
  delivered(): ReceivedRequest[];
  /** Answers for the next requests, in order; after them, 202. */
  script(answers: ScriptedAnswer[]): void;
  /** Called when a request has been read, before it is answered. */
  onRequest?: (r: ReceivedRequest) => void;
  reset(): void;
  close(): Promise<void>;
}

async function read(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startTeamsReceiver(): Promise<TeamsReceiver> {
  let queue: ScriptedAnswer[] = [];
  const requests: ReceivedRequest[] = [];
  const receiver: Partial<TeamsReceiver> = {};
  const server: Server = createServer((req, res) => {
    void read(req).then((buf) => {
      const answer = queue.shift() ?? { status: 202 };
      let body: unknown;
      try {
        body = JSON.parse(buf.toString("utf8"));
      } catch {
        body = buf.toString("utf8");
      }
      const r: ReceivedRequest = {
        method: req.method ?? "",
        contentType: req.headers["content-type"],
        bytes: buf.length,
        body,
        status: answer === "hang" ? 0 : answer.status,
      };
      requests.push(r);
      receiver.onRequest?.(r);
      if (answer === "hang") return; // never answered; closed with the server
      res.writeHead(answer.status, { "content-type": "text/plain", ...answer.headers });
      res.end(answer.status < 300 ? "" : `status ${answer.status}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/workflows/triggers/manual/paths/invoke?sig=test-signature`,
    requests,
    delivered: () => requests.filter((r) => r.status >= 200 && r.status < 300),
    script: (answers: ScriptedAnswer[]) => {
      queue = [...answers];
    },
    reset: () => {
      requests.length = 0;
      queue = [];
      receiver.onRequest = undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
  return receiver as TeamsReceiver;
}
