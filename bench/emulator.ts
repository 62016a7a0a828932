/**
 * The benchmark's emulator process: `egress-audit emulator` (the same `startEmulator` on the same
 * estate file), plus what the read-budget lower bound needs and the emulator does not expose:
 * the requests it answered per subscription, and the 429s among them. It counts at the server
 * (every request the scanner sent, whichever CLI version sent it), by hooking a `request`
 * listener onto the HTTPS server the emulator creates.
 *
 *   node --import tsx bench/emulator.ts --estate FILE
 *
 * Prints `listening on URL` and `CA bundle: FILE`, then answers commands on stdin, one per line:
 * `reset` (fresh read buckets and counts, as a new emulator would have; answers `OK reset`) and
 * `stats` (answers `STATS {json}` with requestsBySubscription, throttledBySubscription, total).
 */
import https from "node:https";
import { syncBuiltinESMExports } from "node:module";
import { createInterface } from "node:readline";
import { resolve } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { estate: { type: "string" } } });
if (!values.estate) throw new Error("--estate FILE is required");

const requests = new Map<string, number>();
const throttled = new Map<string, number>();
let total = 0;
const bump = (map: Map<string, number>, key: string): void => {
  map.set(key, (map.get(key) ?? 0) + 1);
};

// Patched before the emulator's module is loaded (dynamic import below), so its named import of
// createServer is this one (syncBuiltinESMExports updates the ESM bindings of node:https).
const original = https.createServer;
const counting = ((...args: Parameters<typeof https.createServer>) => {
  const server = original(...args);
  server.on("request", (req, res) => {
    // The same key the emulator's fault engine budgets by: the subscription in the path, else tenant.
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const key = /\/subscriptions\/([0-9a-fA-F-]{36})(?:\/|$)/.exec(path)?.[1]?.toLowerCase() ?? "tenant";
    bump(requests, key);
    total += 1;
    res.once("finish", () => {
      if (res.statusCode === 429) bump(throttled, key);
    });
  });
  return server;
}) as typeof https.createServer;
https.createServer = counting;
syncBuiltinESMExports();

const { loadEstate } = await import("../src/emulator/estate.js");
const { startEmulator } = await import("../src/emulator/server.js");
const emulator = await startEmulator({ estate: await loadEstate(resolve(values.estate)) });
process.stdout.write(`listening on ${emulator.url}\nCA bundle: ${emulator.bundlePath}\n`);

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const command = line.trim();
  if (command === "reset") {
    emulator.resetCounts();
    requests.clear();
    throttled.clear();
    total = 0;
    process.stdout.write("OK reset\n");
  } else if (command === "stats") {
    const stats = { requestsBySubscription: Object.fromEntries(requests), throttledBySubscription: Object.fromEntries(throttled), total };
    process.stdout.write(`STATS ${JSON.stringify(stats)}\n`);
  }
});
// The bench ends it by closing stdin or with SIGTERM.
const stop = (): void => {
  void emulator.close().then(() => process.exit(0));
};
lines.once("close", stop);
process.once("SIGTERM", stop);
