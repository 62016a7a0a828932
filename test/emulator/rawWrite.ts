/**
 * Test helper: one raw HTTPS request of any method to a running emulator (no SDK in between), so a
 * write test sees the status, headers and body exactly as the emulator wrote them.
 */
import { request } from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import type { RunningEmulator } from "../../src/emulator/server.js";

/** Status, headers, text and (when the text is JSON) parsed body of an answer. */
export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: Record<string, unknown> & { error?: { code: string; message: string } };
}

/** Sends `method path` with a bearer token and `body` (a string is sent as is, anything else as JSON). */
export function rawRequest(emu: RunningEmulator, method: string, path: string, body?: unknown): Promise<RawAnswer> {
  const url = new URL(emu.url);
  const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method,
        ca: emu.caCertPem,
        headers: {
          authorization: "Bearer test",
          ...(payload !== undefined ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } : {}),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          let json: RawAnswer["json"];
          try {
            json = text === "" ? {} : (JSON.parse(text) as RawAnswer["json"]);
          } catch {
            json = {};
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}
