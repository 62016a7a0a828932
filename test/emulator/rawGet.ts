/**
 * Test helper: one raw HTTPS GET to a running emulator (no SDK in between), so a test sees the
 * status and the JSON body exactly as the emulator wrote them.
 */
import { request } from "node:https";
import type { RunningEmulator } from "../../src/emulator/server.js";

/** The status and parsed JSON body of a GET. */
export interface RawResponse<J> {
  status: number;
  json: J;
}

/** GETs `path` from the emulator with a bearer token, trusting its CA. */
export function rawGet<J>(emu: RunningEmulator, path: string): Promise<RawResponse<J>> {
  const url = new URL(emu.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, ca: emu.caCertPem, headers: { authorization: "Bearer test" } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as J }));
    });
    req.on("error", reject);
    req.end();
  });
}
