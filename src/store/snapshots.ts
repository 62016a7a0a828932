/**
 * The snapshots of stored scans and their dependency indexes (DESIGN "Change events"): what a
 * targeted re-audit starts from. A scan's snapshot is stored in parts (one per fan-out shard, one
 * for a scan of its own) under `snapshots/<scanId>/<part>.ndjson.gz`: gzip'd lines, one per
 * target and one per snapshot entry, written as a stream (a 50,000-target snapshot is several
 * hundred MB of JSON, past what one V8 string holds), and merged on load. The dependency index of
 * each part goes to `deps/<scanId>/<part>.json.gz`; an event that no target depends on reads only
 * the index, never the snapshot.
 */
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { createGunzip, createGzip, gunzip as gunzipCb, gzip as gzipCb } from "node:zlib";
import { promisify } from "node:util";
import type { AbortSignalLike } from "@azure/abort-controller";
import type { ContainerClient } from "@azure/storage-blob";
import { emptySnapshot, type Snapshot } from "../model/snapshot.js";
import type { DependencyIndex } from "../checks/lib/dependencyIndex.js";

const gzip = promisify(gzipCb);
const gunzip = promisify(gunzipCb);

/** Bytes per block of the streamed snapshot upload. */
const UPLOAD_BLOCK_BYTES = 4 * 1024 * 1024;

/** Names the part of a scan's snapshot: `scan` for a scan of its own, `shard-<n>` for a fan-out shard. */
const PART_PATTERN = /^[a-z0-9-]{1,40}$/;

/** The snapshot's record lines, head first. */
function* snapshotLines(snapshot: Snapshot): Generator<string> {
  const { targets, subscriptions, collectedAt, schemaVersion, ...maps } = snapshot;
  yield `${JSON.stringify({ h: { schemaVersion, collectedAt, subscriptions } })}\n`;
  for (const t of targets) yield `${JSON.stringify({ t })}\n`;
  for (const [m, map] of Object.entries(maps)) {
    if (!map || typeof map !== "object") continue;
    // An empty map still says "this version collects it" (an entry missing from it is unknown).
    yield `${JSON.stringify({ m })}\n`;
    for (const [k, v] of Object.entries(map as Record<string, unknown>)) yield `${JSON.stringify({ m, k, v })}\n`;
  }
}

/** Applies one record line to a snapshot being merged. */
function applyLine(snapshot: Snapshot, line: string): void {
  if (!line) return;
  const rec = JSON.parse(line) as { h?: Pick<Snapshot, "schemaVersion" | "collectedAt" | "subscriptions">; t?: Snapshot["targets"][number]; m?: string; k?: string; v?: unknown };
  if (rec.h) {
    snapshot.schemaVersion = rec.h.schemaVersion;
    // The oldest part's time: the snapshot is as old as its oldest read.
    if (!snapshot.collectedAt || rec.h.collectedAt < snapshot.collectedAt) snapshot.collectedAt = rec.h.collectedAt;
    const subs = new Map(snapshot.subscriptions.map((s) => [s.subscriptionId.toLowerCase(), s] as const));
    for (const s of rec.h.subscriptions) subs.set(s.subscriptionId.toLowerCase(), s);
    snapshot.subscriptions = [...subs.values()];
  } else if (rec.t) {
    snapshot.targets.push(rec.t);
  } else if (rec.m) {
    const maps = snapshot as unknown as Record<string, Record<string, unknown> | undefined>;
    const map = (maps[rec.m] ??= {});
    if (rec.k !== undefined) map[rec.k] = rec.v;
  }
}

/** One index of the parts' indexes (a fan-out run's shards each index their own targets). */
export function mergeDependencyIndexes(parts: readonly DependencyIndex[]): DependencyIndex {
  if (parts.length === 1) return parts[0]!;
  const merged: DependencyIndex = { version: 1, resources: {}, inventories: {} };
  for (const part of parts) {
    for (const key of ["resources", "inventories"] as const) {
      for (const [id, targets] of Object.entries(part[key])) {
        const into = (merged[key][id] ??= []);
        for (const t of targets) if (!into.includes(t)) into.push(t);
      }
    }
  }
  return merged;
}

/** Snapshots and dependency indexes in the history's container. */
export class SnapshotBlobs {
  readonly #container: ContainerClient;

  constructor(container: ContainerClient) {
    this.#container = container;
  }

  /** Stores one part of a scan's snapshot and its dependency index (streamed, gzip'd). */
  async save(scanId: string, part: string, snapshot: Snapshot, index: DependencyIndex, options: { abortSignal?: AbortSignalLike } = {}): Promise<void> {
    if (!PART_PATTERN.test(part)) throw new RangeError(`not a snapshot part name: ${part}`);
    const signal = options.abortSignal ? { abortSignal: options.abortSignal } : {};
    const body = Readable.from(snapshotLines(snapshot), { objectMode: false }).pipe(createGzip());
    await this.#container.getBlockBlobClient(`snapshots/${scanId}/${part}.ndjson.gz`).uploadStream(body, UPLOAD_BLOCK_BYTES, 2, {
      ...signal,
      blobHTTPHeaders: { blobContentType: "application/x-ndjson", blobContentEncoding: "gzip" },
    });
    const bytes = await gzip(Buffer.from(JSON.stringify(index), "utf8"));
    await this.#container.getBlockBlobClient(`deps/${scanId}/${part}.json.gz`).uploadData(bytes, {
      ...signal,
      blobHTTPHeaders: { blobContentType: "application/json", blobContentEncoding: "gzip" },
    });
  }

  /** Deletes a scan's snapshot and index (only the scope's latest scan is ever a refresh's base). */
  async delete(scanId: string, options: { abortSignal?: AbortSignalLike } = {}): Promise<number> {
    const signal = options.abortSignal ? { abortSignal: options.abortSignal } : {};
    const names = [...(await this.#names(`snapshots/${scanId}/`, signal)), ...(await this.#names(`deps/${scanId}/`, signal))];
    await Promise.all(names.map((n) => this.#container.getBlockBlobClient(n).deleteIfExists(signal)));
    return names.length;
  }

  /** The names of a prefix's blobs. */
  async #names(prefix: string, signal: { abortSignal?: AbortSignalLike }): Promise<string[]> {
    const names: string[] = [];
    for await (const b of this.#container.listBlobsFlat({ prefix, ...signal })) names.push(b.name);
    return names.sort();
  }

  /** The merged dependency index of a scan, or undefined when the scan kept none (stored before change events). */
  async loadIndex(scanId: string, options: { abortSignal?: AbortSignalLike } = {}): Promise<DependencyIndex | undefined> {
    const signal = options.abortSignal ? { abortSignal: options.abortSignal } : {};
    const names = await this.#names(`deps/${scanId}/`, signal);
    if (names.length === 0) return undefined;
    const parts = await Promise.all(
      names.map(async (n) => JSON.parse((await gunzip(await this.#container.getBlockBlobClient(n).downloadToBuffer(undefined, undefined, signal))).toString("utf8")) as DependencyIndex),
    );
    return mergeDependencyIndexes(parts);
  }

  /** The merged snapshot of a scan (every part), or undefined when the scan kept none. */
  async load(scanId: string, options: { abortSignal?: AbortSignalLike } = {}): Promise<Snapshot | undefined> {
    const signal = options.abortSignal ? { abortSignal: options.abortSignal } : {};
    const names = await this.#names(`snapshots/${scanId}/`, signal);
    if (names.length === 0) return undefined;
    const snapshot = { ...emptySnapshot(""), subscriptions: [], targets: [] } as Snapshot;
    for (const name of names) {
      const download = await this.#container.getBlockBlobClient(name).download(0, undefined, signal);
      const lines = createInterface({ input: (download.readableStreamBody as NodeJS.ReadableStream).pipe(createGunzip()), crlfDelay: Infinity });
      for await (const line of lines) applyLine(snapshot, line);
    }
    return snapshot;
  }
}
