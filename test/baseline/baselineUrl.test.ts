/**
 * `BASELINE_URL`'s size limit holds for the bytes that arrive, not for what `Content-Length` says:
 * a chunked body (no `Content-Length`) is read as a stream and the read stops, the connection
 * cancelled, once it passes 1 MiB. Before, only the header was checked and `response.text()` read
 * any chunked body whole (150 MB in the report of issue 15).
 */
import { once } from "node:events";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchBaseline, MAX_BASELINE_BYTES } from "../../src/app/baseline.js";
import { UsageError } from "../../src/errors.js";

/** What the endless server would send if nobody stopped reading: 256 MiB. */
const ENDLESS_BYTES = 256 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 0x20); // spaces: valid JSON whitespace, as far as it goes

let server: Server;
let base = "";
/** Per request: bytes the server handed to the socket, and whether the client hung up before the end. */
const sent: Array<{ bytes: number; closedEarly: boolean; done: Promise<void> }> = [];

/** Writes `head` and then spaces up to `total` bytes in chunks (no Content-Length: chunked), honouring backpressure, until done or the client goes. */
function stream(res: ServerResponse, total: number, head = ""): void {
  let resolveDone!: () => void;
  const entry = { bytes: 0, closedEarly: false, done: new Promise<void>((r) => (resolveDone = r)) };
  sent.push(entry);
  res.writeHead(200, { "content-type": "application/json" });
  let closed = false;
  res.on("close", () => {
    closed = true;
    entry.closedEarly = entry.bytes < total || !res.writableFinished;
    resolveDone();
  });
  if (head) {
    res.write(head);
    entry.bytes += Buffer.byteLength(head);
  }
  const pump = (): void => {
    while (!closed && entry.bytes < total) {
      const n = Math.min(CHUNK.length, total - entry.bytes);
      entry.bytes += n;
      if (!res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
        res.once("drain", pump);
        return;
      }
    }
    if (!closed) res.end();
  };
  pump();
}

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === "/endless") return stream(res, ENDLESS_BYTES, '{"schemaVersion":1}');
    // A valid baseline padded with spaces to exactly `size` bytes, chunked.
    const size = Number(url.searchParams.get("size"));
    return stream(res, size, '{"schemaVersion":1}');
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, "close");
});

async function refusal(url: string): Promise<UsageError> {
  try {
    await fetchBaseline(url, { timeoutInMs: 30_000 });
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error("the baseline was accepted");
}

describe("BASELINE_URL: a streamed size limit", () => {
  it("stops reading a chunked body without Content-Length once it passes 1 MiB, and refuses it", async () => {
    const before = sent.length;
    const err = await refusal(`${base}/endless?sig=secret-signature`);
    expect(err.code).toBe("BaselineNotReadable");
    expect(err.message).toBe(`BASELINE_URL is larger than ${MAX_BASELINE_BYTES} bytes`);
    expect(err.message).not.toContain("secret-signature");
    const request = sent[before]!;
    await request.done; // the client cancelled: the server sees the connection close
    expect(request.closedEarly).toBe(true);
    // The server got rid of a little more than the limit (socket buffers), far below what it had.
    expect(request.bytes).toBeGreaterThan(MAX_BASELINE_BYTES);
    expect(request.bytes).toBeLessThan(32 * 1024 * 1024);
    expect(request.bytes).toBeLessThan(ENDLESS_BYTES / 8);
  });

  it("accepts a chunked baseline of exactly 1 MiB and refuses one byte more", async () => {
    await expect(fetchBaseline(`${base}/padded?size=${MAX_BASELINE_BYTES}`)).resolves.toEqual({ schemaVersion: 1 });
    const err = await refusal(`${base}/padded?size=${MAX_BASELINE_BYTES + 1}`);
    expect(err.code).toBe("BaselineNotReadable");
    expect(err.message).toContain("larger than");
  });
});
