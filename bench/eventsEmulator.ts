/**
 * The emulator process of `npm run bench:events`: `startEmulator` on the generated estate (its
 * faults: 50 ms latency, ARM's read bucket), in a process of its own as in bench/emulator.ts, with
 * the commands the events benchmark needs on stdin, one per line:
 *
 * - `deliver <url>`: post the Event Grid event of every later write to `url` (serve's webhook); answers `OK deliver`;
 * - `stats`: answers `STATS {"reads":N,"readCounts":{...},"writes":{...},"events":{delivered,failed}}`
 *   (reads = every request but PUT, PATCH and DELETE; `events` once every queued event is out);
 * - `flush`: waits until every queued event was delivered or given up; answers `OK flush {...totals}`.
 *
 *   node --import tsx bench/eventsEmulator.ts --estate FILE
 *
 * Prints `listening on URL` and `CA bundle: FILE`. Ends when stdin closes or on SIGTERM.
 */
import { createInterface } from "node:readline";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadEstate } from "../src/emulator/estate.js";
import { startEmulator } from "../src/emulator/server.js";

const { values } = parseArgs({ options: { estate: { type: "string" } } });
if (!values.estate) throw new Error("--estate FILE is required");

const emulator = await startEmulator({ estate: await loadEstate(resolve(values.estate)) });
process.stdout.write(`listening on ${emulator.url}\nCA bundle: ${emulator.bundlePath}\n`);

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const [command, arg] = line.trim().split(/\s+/, 2);
  if (command === "deliver" && arg) {
    emulator.setEventDelivery({ deliveryUrl: arg });
    process.stdout.write("OK deliver\n");
  } else if (command === "stats") {
    const stats = { reads: emulator.totalRequests(), readCounts: emulator.requestCounts(), writes: emulator.writeCounts() };
    process.stdout.write(`STATS ${JSON.stringify(stats)}\n`);
  } else if (command === "flush") {
    void emulator.flushEvents().then((totals) => process.stdout.write(`OK flush ${JSON.stringify(totals)}\n`));
  }
});
const stop = (): void => {
  void emulator.close().then(() => process.exit(0));
};
lines.once("close", stop);
process.once("SIGTERM", stop);
