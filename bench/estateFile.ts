/**
 * A generated estate on disk for the emulator process, and what the benchmark keeps of it: the
 * counts, the seeded drift (what a correct scan reports) and the ids the naive comparator needs.
 * The estate itself is written resource by resource (at 50,000 targets its JSON is about 270 MB,
 * half of V8's longest string) and dropped.
 */
import { createWriteStream, mkdtempSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateEstate, type GeneratedEstate } from "./generate.js";

/** What the benchmark keeps of a generated estate. */
export interface PreparedEstate {
  /** A fresh temp folder: the estate file and the reports of this size go here. */
  dir: string;
  estatePath: string;
  counts: GeneratedEstate["counts"];
  subscriptions: number;
  /** The hub firewall (the naive comparator starts from it). */
  firewallId: string;
  /** Every subscription id, comma-separated. */
  subscriptionIds: string;
  /** `checkId|resourceId` (lower-cased) of every failing finding the seeded drift causes, sorted. */
  seeded: string[];
  /** `checkId|resourceId` of every finding the seeded drift makes unknown, sorted. */
  seededUnknown: string[];
  estateBytes: number;
}

/** Options of {@link prepareEstate}. */
export interface PrepareOptions {
  targets: number;
  subscriptions: number;
  pageSize: number;
  latencyInMs: number;
  armBucket: { capacity: number; refillPerSecond: number };
}

/** Generates the estate and writes it to a file in a fresh temp folder. */
export async function prepareEstate(options: PrepareOptions): Promise<PreparedEstate> {
  const generated = generateEstate({
    targets: options.targets,
    subscriptions: options.subscriptions,
    pageSize: options.pageSize,
    faults: { latencyInMs: options.latencyInMs, armBucket: options.armBucket },
  });
  const dir = mkdtempSync(join(tmpdir(), "egress-audit-bench-"));
  const estatePath = join(dir, "estate.json");
  const estateBytes = await writeEstate(generated.estate, estatePath);
  return {
    dir,
    estatePath,
    counts: generated.counts,
    subscriptions: options.subscriptions,
    firewallId: generated.estate.resources.find((r) => r.type === "Microsoft.Network/azureFirewalls")!.id,
    subscriptionIds: generated.estate.subscriptions.map((s) => s.subscriptionId).join(","),
    seeded: generated.seeded.flatMap((d) => d.failing).sort(),
    seededUnknown: generated.seeded.flatMap((d) => d.unknown).sort(),
    estateBytes,
  };
}

/** Writes the estate's JSON (the same text as `JSON.stringify(estate)`) without holding it as one string. */
async function writeEstate(estate: GeneratedEstate["estate"], path: string): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  let buffer = "";
  const flush = async (force: boolean): Promise<void> => {
    if (!force && buffer.length < 1 << 20) return;
    bytes += Buffer.byteLength(buffer);
    if (!out.write(buffer)) await once(out, "drain");
    buffer = "";
  };
  const { resources, ...rest } = estate;
  const head = JSON.stringify(rest);
  buffer += `${head.slice(0, -1)}${head.length > 2 ? "," : ""}"resources":[`;
  for (let i = 0; i < resources.length; i++) {
    buffer += (i === 0 ? "" : ",") + JSON.stringify(resources[i]);
    await flush(false);
  }
  buffer += "]}";
  await flush(true);
  out.end();
  await once(out, "finish");
  return bytes;
}
