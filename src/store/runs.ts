/**
 * Storage of the fan-out (src/app/fanout.ts): run and shard records, shard parts and the shard
 * queue, beside the history in the same account and namespace.
 *
 * - Table `EgressAuditRuns`: partition `run`, row `<runId>`: the run (scope, shard count, one
 *   state character per shard `p`ending/`d`one/`f`ailed, counts, status, assembler); partition
 *   `<runId>`, row `shard-<0000i>`: a shard (its subscriptions, status, attempts, last error, part);
 *   partition `active`, row `<lockKey>`: the run in progress of a subscription set (`lockKeyOf`,
 *   whatever the run's target filter: the timer skips and `POST /api/scans` answers 409 while one is).
 * - Blob container `egress-audit`: `runs/<runId>/shard-<i>.json`, a shard's part (its own report,
 *   report v2 JSON written as a stream, gzip-encoded), deleted once the run is complete; the
 *   assembled report is `reports/<runId>.json`.
 * - Queues: `SCAN_SHARD_QUEUE` (default `egress-audit-shards`) and its `-poison` sibling.
 */
import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { createGzip, gunzip } from "node:zlib";
import { promisify } from "node:util";
import { odata, type TableClient, type TransactionAction } from "@azure/data-tables";
import type { ContainerClient } from "@azure/storage-blob";
import type { QueueClient } from "@azure/storage-queue";
import { poisonQueueNameOf, type StorageSettings } from "../config/appSettings.js";
import { lockKeyOf, scopeKeyOf, type NotificationStatus, type ScanScope, type ScanTrigger } from "../model/scan.js";
import { parseReport } from "../report/read.js";
import type { DriftReport, EvidenceMode } from "../report/report.js";
import { reportJsonChunks } from "../report/stream.js";
import { createStorageClients, type StorageClients } from "./clients.js";
import { json, num, str, type Entity } from "./entity.js";
import { containerNameOf, validateNamespace } from "./history.js";
import { encodeShardMessage } from "./shards.js";
import { QueueNotConfiguredError, statusCodeOf } from "../errors.js";
import { chunks } from "../util/collections.js";

export const RUNS_TABLE = "EgressAuditRuns";
const RUN_PARTITION = "run";
const ACTIVE_PARTITION = "active";

/** Where a run is. */
export type RunStatus = "running" | "assembling" | "complete" | "abandoned";

/** One character per shard in {@link RunRecord.states}. */
export const PENDING = "p";
export const DONE = "d";
export const FAILED = "f";

/** A run, as stored. */
export interface RunRecord {
  runId: string;
  scopeKey: string;
  scope: ScanScope;
  trigger: ScanTrigger;
  createdAt: string;
  shardCount: number;
  /** One character per shard: `p` pending, `d` done (its part stored), `f` failed (poisoned). */
  states: string;
  done: number;
  failed: number;
  status: RunStatus;
  /** The shard whose settlement claimed the assembly; -1 before. */
  assembledBy: number;
  finishedAt?: string;
  notification?: NotificationStatus;
  detail?: string;
  /** What the run's report keeps of pass evidence; absent: `failures` (runs recorded before it was stored). */
  evidence?: EvidenceMode;
  etag: string;
}

/** What happened to one shard: `scanning` once a delivery started it (progress of `GET /api/scans/{id}`). */
export type ShardStatus = "pending" | "scanning" | "retrying" | "stored" | "failed";

/** A shard, as stored. */
export interface ShardRecord {
  runId: string;
  shardIndex: number;
  subscriptionIds: string[];
  status: ShardStatus;
  /** Delivery attempts seen (the queue's dequeue count of the latest one). */
  attempts: number;
  /** Why the latest attempt failed (code and first line of the message). */
  lastError?: string;
  /** Blob name of the stored part. */
  part?: string;
  summary?: DriftReport["summary"];
}

/** Test hooks (deterministic races). */
export interface SettleHooks {
  /** Called after the run record was read and before the conditional update is sent. */
  afterRunRead?: (info: { runId: string; shardIndex: number; attempt: number }) => Promise<void>;
}

/** Result of {@link RunStore.settleShard}. */
export interface SettleResult {
  /** This update settled the last pending shard: the caller assembles. */
  claimed: boolean;
  /** The shard was already settled (a redelivered message); nothing changed. */
  duplicate: boolean;
  run: RunRecord;
  /** 412 answers met (another shard settled in between) before the update went through. */
  conflicts: number;
}

const shardRowKey = (i: number) => `shard-${String(i).padStart(4, "0")}`;
const gunzipAsync = promisify(gunzip);
/** Block size of a part's streamed upload. */
const PART_UPLOAD_BLOCK_BYTES = 4 * 1024 * 1024;
const partBlobName = (runId: string, i: number) => `runs/${runId}/shard-${i}.json`;

function runOf(e: Entity): RunRecord {
  const detail = str(e, "detail");
  const finishedAt = str(e, "finishedAt");
  const notification = str(e, "notification");
  return {
    runId: e.rowKey ?? "",
    scopeKey: str(e, "scopeKey"),
    scope: json(e, "scopeJson", { subscriptions: [] }),
    trigger: str(e, "trigger") === "http" ? "http" : "timer",
    createdAt: str(e, "createdAt"),
    shardCount: num(e, "shardCount"),
    states: str(e, "states"),
    done: num(e, "done"),
    failed: num(e, "failed"),
    status: (str(e, "status") || "running") as RunStatus,
    assembledBy: num(e, "assembledBy", -1),
    ...(str(e, "evidence") === "all" ? { evidence: "all" as const } : {}),
    ...(finishedAt ? { finishedAt } : {}),
    ...(notification ? { notification: notification as NotificationStatus } : {}),
    ...(detail ? { detail } : {}),
    etag: e.etag,
  };
}

function shardOf(e: Entity): ShardRecord {
  const lastError = str(e, "lastError");
  const part = str(e, "part");
  const summary = json<DriftReport["summary"] | null>(e, "summaryJson", null);
  return {
    runId: e.partitionKey ?? "",
    shardIndex: num(e, "shardIndex"),
    subscriptionIds: json(e, "subscriptionsJson", []),
    status: (str(e, "status") || "pending") as ShardStatus,
    attempts: num(e, "attempts"),
    ...(lastError ? { lastError } : {}),
    ...(part ? { part } : {}),
    ...(summary ? { summary } : {}),
  };
}

/** Run and shard records, shard parts and the shard queue, over the history's storage account. */
export class RunStore {
  readonly #runs: TableClient;
  readonly #container: ContainerClient;
  readonly #queue: QueueClient | undefined;
  readonly #poison: QueueClient | undefined;
  #ready?: Promise<void>;

  /** The names this store uses. */
  readonly names: { runs: string; container: string; queue: string; poisonQueue: string };

  /**
   * @param options.namespace - As the history's (tests share one Azurite); empty in production.
   * @param options.queueName - `SCAN_SHARD_QUEUE`.
   */
  constructor(clients: StorageClients, options: { namespace?: string; queueName: string }) {
    const ns = validateNamespace(options.namespace ?? "");
    this.names = { runs: RUNS_TABLE + ns, container: containerNameOf(ns), queue: options.queueName, poisonQueue: poisonQueueNameOf(options.queueName) };
    this.#runs = clients.table(this.names.runs);
    this.#container = clients.blobs.getContainerClient(this.names.container);
    this.#queue = clients.queue?.(this.names.queue);
    this.#poison = clients.queue?.(this.names.poisonQueue);
  }

  static fromSettings(settings: StorageSettings, options: { namespace?: string; queueName: string }): RunStore {
    return new RunStore(createStorageClients(settings), options);
  }

  /** The shard queue (tests read it back with the real client). */
  get queue(): QueueClient {
    if (!this.#queue) throw new QueueNotConfiguredError();
    return this.#queue;
  }

  /** The shard queue's poison queue. */
  get poisonQueue(): QueueClient {
    if (!this.#poison) throw new QueueNotConfiguredError();
    return this.#poison;
  }

  /** Creates the table and container once per process (idempotent). */
  ensure(): Promise<void> {
    this.#ready ??= (async () => {
      try {
        await this.#runs.createTable();
      } catch (err) {
        if (statusCodeOf(err) !== 409) throw err;
      }
      await this.#container.createIfNotExists();
    })().catch((err: unknown) => {
      this.#ready = undefined;
      throw err;
    });
    return this.#ready;
  }

  /** True when the shard queue can be reached (not so for identity-based storage without a queue endpoint). */
  get hasQueue(): boolean {
    return this.#queue !== undefined;
  }

  /**
   * The run in progress of a subscription set (`lockKeyOf` of its scope: the target filter does
   * not count, as for the scan lock), if any, whatever its age.
   */
  async activeRun(lockKey: string): Promise<RunRecord | undefined> {
    await this.ensure();
    let pointer: Entity;
    try {
      pointer = await this.#runs.getEntity<Record<string, unknown>>(ACTIVE_PARTITION, lockKey);
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined;
      throw err;
    }
    const run = await this.getRun(str(pointer, "runId"));
    return run && (run.status === "running" || run.status === "assembling") ? run : undefined;
  }

  /**
   * Records a run and its shards (shard rows first, then the run, then the pointer of its
   * subscription set), all pending. Messages are sent by {@link enqueue}.
   */
  async createRun(input: { runId?: string; scope: ScanScope; trigger: ScanTrigger; shards: readonly string[][]; now?: Date; evidence?: EvidenceMode }): Promise<RunRecord> {
    await this.ensure();
    const runId = input.runId ?? randomUUID();
    const scopeKey = scopeKeyOf(input.scope);
    const createdAt = (input.now ?? new Date()).toISOString();
    const actions = input.shards.map(
      (subs, i): TransactionAction => [
        "upsert",
        { partitionKey: runId, rowKey: shardRowKey(i), shardIndex: i, subscriptionsJson: JSON.stringify(subs), status: "pending", attempts: 0 },
        "Replace",
      ],
    );
    for (const batch of chunks(actions, 100)) await this.#runs.submitTransaction(batch);
    await this.#runs.createEntity({
      partitionKey: RUN_PARTITION,
      rowKey: runId,
      scopeKey,
      scopeJson: JSON.stringify({ subscriptions: [...input.scope.subscriptions], ...(input.scope.targets?.length ? { targets: [...input.scope.targets] } : {}) }),
      trigger: input.trigger,
      ...(input.evidence === "all" ? { evidence: "all" } : {}),
      createdAt,
      shardCount: input.shards.length,
      states: PENDING.repeat(input.shards.length),
      done: 0,
      failed: 0,
      status: "running",
      assembledBy: -1,
    });
    await this.#runs.upsertEntity({ partitionKey: ACTIVE_PARTITION, rowKey: lockKeyOf(input.scope), runId, createdAt }, "Replace");
    const run = await this.getRun(runId);
    if (!run) throw new Error(`run ${runId} vanished after it was created`);
    return run;
  }

  /** Creates the shard queue and its poison queue (idempotent) and sends one message per shard. */
  async enqueue(runId: string, shards: readonly string[][]): Promise<void> {
    await Promise.all([this.queue.createIfNotExists(), this.poisonQueue.createIfNotExists()]);
    for (const [i, subs] of shards.entries()) {
      await this.queue.sendMessage(encodeShardMessage({ runId, shardIndex: i, subscriptionIds: [...subs] }));
    }
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    await this.ensure();
    try {
      return runOf(await this.#runs.getEntity<Record<string, unknown>>(RUN_PARTITION, runId));
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined;
      throw err;
    }
  }

  async getShard(runId: string, shardIndex: number): Promise<ShardRecord | undefined> {
    await this.ensure();
    try {
      return shardOf(await this.#runs.getEntity<Record<string, unknown>>(runId, shardRowKey(shardIndex)));
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined;
      throw err;
    }
  }

  /** Every shard of a run, by index. */
  async listShards(runId: string): Promise<ShardRecord[]> {
    await this.ensure();
    const out: ShardRecord[] = [];
    for await (const e of this.#runs.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${runId}` } })) {
      out.push(shardOf(e));
    }
    return out.sort((a, b) => a.shardIndex - b.shardIndex);
  }

  /** Notes that a delivery started scanning the shard (progress only; nothing depends on it). */
  async markShardScanning(runId: string, shardIndex: number, attempts: number): Promise<void> {
    await this.#runs.updateEntity(
      { partitionKey: runId, rowKey: shardRowKey(shardIndex), status: "scanning", attempts, startedAt: new Date().toISOString() },
      "Merge",
    );
  }

  /** Notes a failed attempt on the shard (the poison path reports its reason). */
  async recordAttempt(runId: string, shardIndex: number, attempt: { attempts: number; error: string }): Promise<void> {
    await this.#runs.updateEntity(
      { partitionKey: runId, rowKey: shardRowKey(shardIndex), status: "retrying", attempts: attempt.attempts, lastError: attempt.error.slice(0, 1000) },
      "Merge",
    );
  }

  /**
   * Stores a shard's part (blob first, then the shard row that points at it). The part is written
   * as a stream (report v2 JSON, target by target, gzip), never as one string: a shard of a large
   * estate is a large report.
   */
  async storePart(runId: string, shardIndex: number, report: DriftReport, attempts: number): Promise<void> {
    await this.ensure();
    const name = partBlobName(runId, shardIndex);
    const body = Readable.from(reportJsonChunks(report), { objectMode: false }).pipe(createGzip());
    await this.#container.getBlockBlobClient(name).uploadStream(body, PART_UPLOAD_BLOCK_BYTES, 2, {
      blobHTTPHeaders: { blobContentType: "application/json; charset=utf-8", blobContentEncoding: "gzip" },
    });
    await this.#runs.updateEntity(
      { partitionKey: runId, rowKey: shardRowKey(shardIndex), status: "stored", attempts, part: name, summaryJson: JSON.stringify(report.summary), storedAt: new Date().toISOString() },
      "Merge",
    );
  }

  /** True when the shard's part is stored (it is written only after a successful scan). */
  async hasPart(runId: string, shardIndex: number): Promise<boolean> {
    await this.ensure();
    return this.#container.getBlockBlobClient(partBlobName(runId, shardIndex)).exists();
  }

  /**
   * A stored part, or undefined: read through `parseReport` (shared evidence put back; a plain
   * JSON part of version 1, stored by an earlier release mid-run, is upgraded).
   */
  async readPart(runId: string, shardIndex: number): Promise<DriftReport | undefined> {
    try {
      const buf = await this.#container.getBlockBlobClient(partBlobName(runId, shardIndex)).downloadToBuffer();
      // gzip's magic bytes: parts written before the streamed upload are plain JSON.
      const text = buf[0] === 0x1f && buf[1] === 0x8b ? (await gunzipAsync(buf)).toString("utf8") : buf.toString("utf8");
      return parseReport(text);
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined;
      throw err;
    }
  }

  /** Marks the shard row failed (its message was poisoned). */
  async markShardFailed(runId: string, shardIndex: number): Promise<void> {
    await this.#runs.updateEntity({ partitionKey: runId, rowKey: shardRowKey(shardIndex), status: "failed", failedAt: new Date().toISOString() }, "Merge");
  }

  /**
   * Settles one shard in the run record, with optimistic concurrency: read, change this shard's
   * state character, write with If-Match of the read ETag; on 412 read again and retry. The write
   * that leaves no shard pending also sets the run `assembling` and names this shard its
   * assembler: that is the claim, made by exactly one writer.
   */
  async settleShard(runId: string, shardIndex: number, outcome: "done" | "failed", options: { hooks?: SettleHooks; maxAttempts?: number } = {}): Promise<SettleResult> {
    await this.ensure();
    let conflicts = 0;
    const maxAttempts = options.maxAttempts ?? 50;
    for (let attempt = 1; ; attempt++) {
      const run = await this.getRun(runId);
      if (!run) throw new Error(`run ${runId} is not recorded`);
      await options.hooks?.afterRunRead?.({ runId, shardIndex, attempt });
      const current = run.states[shardIndex];
      if (current === undefined) throw new RangeError(`run ${runId} has no shard ${shardIndex}`);
      if (current !== PENDING || run.status !== "running") return { claimed: false, duplicate: true, run, conflicts };
      const states = `${run.states.slice(0, shardIndex)}${outcome === "done" ? DONE : FAILED}${run.states.slice(shardIndex + 1)}`;
      const last = !states.includes(PENDING);
      const done = [...states].filter((c) => c === DONE).length;
      const failed = [...states].filter((c) => c === FAILED).length;
      const update = {
        partitionKey: RUN_PARTITION,
        rowKey: runId,
        states,
        done,
        failed,
        ...(last ? { status: "assembling", assembledBy: shardIndex, claimedAt: new Date().toISOString() } : {}),
      };
      try {
        const response = await this.#runs.updateEntity(update, "Merge", { etag: run.etag });
        const next: RunRecord = {
          ...run,
          states,
          done,
          failed,
          ...(last ? { status: "assembling" as const, assembledBy: shardIndex } : {}),
          etag: response.etag ?? run.etag,
        };
        return { claimed: last, duplicate: false, run: next, conflicts };
      } catch (err) {
        if (statusCodeOf(err) !== 412 || attempt >= maxAttempts) throw err;
        conflicts += 1;
        await sleep(5 + Math.floor(Math.random() * 20));
      }
    }
  }

  /** Records how the run ended and clears its subscription set's pointer if it names this run. */
  async finishRun(runId: string, outcome: { status: "complete" | "abandoned"; notification?: NotificationStatus; detail?: string }): Promise<void> {
    await this.ensure();
    await this.#runs.updateEntity(
      {
        partitionKey: RUN_PARTITION,
        rowKey: runId,
        status: outcome.status,
        finishedAt: new Date().toISOString(),
        ...(outcome.notification ? { notification: outcome.notification } : {}),
        ...(outcome.detail ? { detail: outcome.detail.slice(0, 1000) } : {}),
      },
      "Merge",
    );
    const run = await this.getRun(runId);
    if (!run) return;
    try {
      const lockKey = lockKeyOf(run.scope);
      const pointer = await this.#runs.getEntity<Record<string, unknown>>(ACTIVE_PARTITION, lockKey);
      if (str(pointer, "runId") === runId) await this.#runs.deleteEntity(ACTIVE_PARTITION, lockKey, { etag: pointer.etag });
    } catch (err) {
      // Gone, or replaced by a newer run meanwhile: either way not ours to clear.
      if (statusCodeOf(err) !== 404 && statusCodeOf(err) !== 412) throw err;
    }
  }

  /** Deletes a run's parts (after the run is complete; the report holds everything they did). */
  async deleteParts(runId: string): Promise<number> {
    let n = 0;
    for await (const b of this.#container.listBlobsFlat({ prefix: `runs/${runId}/` })) {
      await this.#container.deleteBlob(b.name, { deleteSnapshots: "include" }).catch((err: unknown) => {
        if (statusCodeOf(err) !== 404) throw err;
      });
      n += 1;
    }
    return n;
  }
}

