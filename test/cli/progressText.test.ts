/**
 * `--verbose` request lines print the request path (which can carry ARM text, a `nextLink` is
 * ARM's) and `Retry-After` through the one sanitiser: Node lets bytes 0x80-0xFF through in a
 * path, the 8-bit CSI U+009B among them, and they must not reach the terminal.
 */
import { request } from "node:http";
import { createServer, type AddressInfo, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startScanDisplay } from "../../src/cli/progress.js";
import { hasUnsafeText } from "../../src/util/sanitize.js";

let server: Server;
let base = "";
beforeAll(async () => {
  // A bare TCP server: Node's own HTTP server would refuse the request line, and what matters is
  // what the client side prints. It answers 429 with a Retry-After holding the C1 byte 0x9B.
  server = createServer((socket) => {
    socket.once("data", () => socket.end(Buffer.from("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\u009b2J\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", "latin1")));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function get(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const url = new URL(base);
    const req = request({ host: url.hostname, port: url.port, path, headers: { host: url.host } }, (res) => {
      res.resume();
      res.on("end", () => resolve());
    });
    req.on("error", reject);
    req.end();
  });
}

describe("verbose request lines", () => {
  it("show a path and Retry-After with control characters as visible escapes, one line per request", async () => {
    let err = "";
    const display = startScanDisplay({ endpoint: base, env: {}, stderr: (s) => (err += s), quiet: false, verbose: true });
    try {
      await get("/subscriptions/x/resourceGroups/rg\u009b31m\u0085forged");
    } finally {
      display.stop();
    }
    expect(err).toMatch(/^ARM GET \/subscriptions\/x\/resourceGroups\/rg\\u009b31m\\u0085forged 429 \d+ ms \(throttled, Retry-After 1\\u009b2J\)\n$/);
    expect(hasUnsafeText(err.replace(/\n$/, ""))).toBe(false);
  });
});
