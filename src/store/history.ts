/**
 * Scan history in Azure Storage (DESIGN "Storage and scale-out"):
 *
 * - Blob container `egress-audit`: `reports/<scanId>.json.gz` (the full report v2, diff included,
 *   gzip, uploaded as a stream; reports stored before version 2 are `reports/<scanId>.json`,
 *   uncompressed, and still load), `pages/<scanId>/...` (the report in pages: summary, target index,
 *   target chunks; ./reportPages.ts) and `locks/<scopeKey>` (an empty blob whose lease is the
 *   "scan in progress" lock of a scope).
 * - Table `EgressAuditScans`: the scan index, partition `scan`, row key `<inverted time>-<scanId>`
 *   so a partition scan returns the newest first (./scanIndex.ts); and partition `scope`, one row
 *   per scope naming its last complete scan (what "previous complete scan of the same scope" means).
 * - Table `EgressAuditFindings`: per-finding state, partition = scope key, row key = finding id.
 * - Table `EgressAuditAlerts`: one row per alert ever attempted, keyed by the fingerprint of the
 *   change it announces; creating it is the claim that makes a retried run never post twice, and
 *   an alert Teams did not take waits there, pending, for the next run (./alerts.ts).
 *
 * Fencing: the scope's pointer is written only by the holder of the scope's lock, and only over
 * the pointer that holder read: {@link HistoryStore.commitScan} renews the lease (a lease-id
 * condition: refused once another run took the lock) and writes the pointer with If-Match on the
 * ETag it read (refused once any other run moved it). A run that lost its lock commits nothing.
 */
import type { Snapshot } from "../model/snapshot.js";
import type { DependencyIndex } from "../checks/lib/dependencyIndex.js";
import { SnapshotBlobs } from "./snapshots.js";
import type { AbortSignalLike } from "@azure/abort-controller";
import { RestError } from "@azure/core-rest-pipeline";
import { odata, type TableClient, type TransactionAction } from "@azure/data-tables";
import type { BlobLeaseClient, ContainerClient } from "@azure/storage-blob";
import type { Severity } from "../checks/lib/types.js";
import type { StorageSettings } from "../config/appSettings.js";
import type { NotificationStatus, ScanScope, ScanTrigger } from "../model/scan.js";
import type { FindingStateRecord, ReportDiff } from "../report/diff.js";
import type { DriftReport } from "../report/report.js";
import type { StreamedReport } from "../report/stream.js";
import { AlertTable, type AlertRecord, type PendingAlert } from "./alerts.js";
import { createStorageClients, type StorageClients } from "./clients.js";
import { str, type Entity } from "./entity.js";
import type { ReportPages, StoredSummary } from "./reportPages.js";
import { ReportBlobs, type ReportBlobsOptions, type SaveReportOptions } from "./reports.js";
import { encodeToken, indexEntryOf, indexRowOf, SCAN_PARTITION, type ScanIndexEntry, type ScanPage } from "./scanIndex.js";
import { statusCodeOf } from "../errors.js";
import { chunks } from "../util/collections.js";

export const REPORTS_CONTAINER = "egress-audit";
export const SCANS_TABLE = "EgressAuditScans";
export const FINDINGS_TABLE = "EgressAuditFindings";
export const ALERTS_TABLE = "EgressAuditAlerts";

const SCOPE_PARTITION = "scope";

/** A scan id is a UUID; checked before it becomes part of a blob name. */
export const SCAN_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export type { AlertRecord, PendingAlert } from "./alerts.js";
export type { SaveReportOptions } from "./reports.js";

/** A held scan lock; release it when done (it also expires by itself if the holder dies). */
export interface ScanLock {
  /**
   * Renews the lease under its lease id, so the holder keeps it for another lease period; rejects
   * (HTTP 409) when the lease was lost to another run. The fence checked before a commit.
   */
  assertHeld(): Promise<void>;
  release(): Promise<void>;
}

/** The scope's pointer as a run read it: the fence of its commit (see {@link HistoryStore.commitScan}). */
export type PointerVersion = { etag: string } | "none";

/** Suffixed names of several stores sharing one account: letters and digits, at most 20. */
export function validateNamespace(namespace: string): string {
  if (!/^[A-Za-z0-9]{0,20}$/.test(namespace)) throw new RangeError("namespace must be at most 20 letters and digits");
  return namespace;
}

/** The blob container of a namespace (the fan-out keeps its shard parts beside the reports). */
export function containerNameOf(namespace: string): string {
  return validateNamespace(namespace) ? `${REPORTS_CONTAINER}-${namespace.toLowerCase()}` : REPORTS_CONTAINER;
}

function stateOf(e: Entity): FindingStateRecord {
  return {
    findingId: e.rowKey ?? "",
    checkId: str(e, "checkId"),
    targetId: str(e, "targetId"),
    resourceId: str(e, "resourceId"),
    severity: str(e, "severity") as Severity,
    state: str(e, "state") as FindingStateRecord["state"],
    stale: e.stale === true,
    lastStatus: str(e, "lastStatus") as FindingStateRecord["lastStatus"],
    since: str(e, "since"),
    lastScanId: str(e, "lastScanId"),
  };
}

/** A scope's finding state as a caller holds it after committing a scan (see {@link HistoryStore.loadState}). */
export interface CachedState {
  scanId: string;
  states: ReadonlyMap<string, FindingStateRecord>;
}

/** Options of {@link HistoryStore.acquireLock}. */
export interface LockOptions {
  /** Lease length (15-60 s); renewed while held, so a dead holder frees the scope within it. */
  leaseDurationInSeconds?: number;
  renewEveryInMs?: number;
  abortSignal?: AbortSignalLike;
}

/** Options of {@link HistoryStore}. */
export interface HistoryStoreOptions extends ReportBlobsOptions {
  /**
   * Letters and digits that suffix every container and table name, so several stores can share
   * one account (tests share one Azurite). Empty in production.
   */
  namespace?: string;
}

/** Scan history over Blob and Table Storage. */
export class HistoryStore {
  readonly #container: ContainerClient;
  readonly #scans: TableClient;
  readonly #findings: TableClient;
  readonly #alertsTable: TableClient;
  readonly #alerts: AlertTable;
  readonly #reports: ReportBlobs;
  readonly #snapshots: SnapshotBlobs;
  #ready?: Promise<void>;

  /** The container and table names this store uses. */
  readonly names: { container: string; scans: string; findings: string; alerts: string };

  /**
   * @param namespace - Letters and digits that suffix every container and table name, so several
   *   stores can share one account (tests share one Azurite). Empty in production.
   */
  constructor(clients: StorageClients, options: HistoryStoreOptions = {}) {
    const ns = validateNamespace(options.namespace ?? "");
    this.names = {
      container: containerNameOf(ns),
      scans: SCANS_TABLE + ns,
      findings: FINDINGS_TABLE + ns,
      alerts: ALERTS_TABLE + ns,
    };
    this.#container = clients.blobs.getContainerClient(this.names.container);
    this.#scans = clients.table(this.names.scans);
    this.#findings = clients.table(this.names.findings);
    this.#alertsTable = clients.table(this.names.alerts);
    this.#alerts = new AlertTable(this.#alertsTable);
    this.#reports = new ReportBlobs(this.#container, options);
    this.#snapshots = new SnapshotBlobs(this.#container);
  }

  /** A store on the configured account. */
  static fromSettings(settings: StorageSettings, options: HistoryStoreOptions = {}): HistoryStore {
    return new HistoryStore(createStorageClients(settings), options);
  }

  /** Creates the container and tables once per process (idempotent). */
  ensure(): Promise<void> {
    this.#ready ??= (async () => {
      const createTable = async (t: TableClient) => {
        try {
          await t.createTable();
        } catch (err) {
          if (statusCodeOf(err) !== 409) throw err;
        }
      };
      await Promise.all([this.#container.createIfNotExists(), createTable(this.#scans), createTable(this.#findings), createTable(this.#alertsTable)]);
    })().catch((err: unknown) => {
      this.#ready = undefined; // let the next call try again
      throw err;
    });
    return this.#ready;
  }

  /**
   * Takes the scope's lock (a blob lease), or resolves undefined when another scan of the scope
   * holds it. The lease is renewed while held and expires on its own if this process dies.
   */
  async acquireLock(scopeKey: string, options: LockOptions = {}): Promise<ScanLock | undefined> {
    await this.ensure();
    const blob = this.#container.getBlockBlobClient(`locks/${scopeKey}`);
    try {
      await blob.upload("", 0, { conditions: { ifNoneMatch: "*" } });
    } catch (err) {
      // 409 (lease present) or 412 (exists): the lock blob is there, which is all we need.
      if (statusCodeOf(err) !== 409 && statusCodeOf(err) !== 412) throw err;
    }
    const lease: BlobLeaseClient = blob.getBlobLeaseClient();
    try {
      await lease.acquireLease(options.leaseDurationInSeconds ?? 60, options.abortSignal ? { abortSignal: options.abortSignal } : {});
    } catch (err) {
      if (statusCodeOf(err) === 409) return undefined;
      throw err;
    }
    const renew = setInterval(() => {
      lease.renewLease().catch(() => undefined); // a lost lease shows up at the commit's fence
    }, options.renewEveryInMs ?? 20_000);
    renew.unref();
    let released = false;
    return {
      assertHeld: async () => {
        if (released) throw new Error("the scope lock was already released");
        // Renew Lease carries the lease id: Azure refuses it (409) once another run holds the lease.
        await lease.renewLease(options.abortSignal ? { abortSignal: options.abortSignal } : {});
      },
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(renew);
        await lease.releaseLease().catch(() => undefined);
      },
    };
  }

  /**
   * The finding state after the previous complete scan of the scope, or undefined when the scope
   * has none (its first scan). `cached`: the state as the caller left it after committing scan
   * `scanId`; used instead of reading the rows again when the pointer still names that scan (the
   * pointer is always read: it is the fence).
   */
  async loadState(
    scopeKey: string,
    options: { cached?: CachedState } = {},
  ): Promise<{ lastScanId: string; states: ReadonlyMap<string, FindingStateRecord>; pointer: PointerVersion } | undefined> {
    await this.ensure();
    let pointer: Entity;
    try {
      pointer = await this.#scans.getEntity<Record<string, unknown>>(SCOPE_PARTITION, scopeKey);
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined;
      throw err;
    }
    const lastScanId = str(pointer, "lastScanId");
    if (options.cached && options.cached.scanId === lastScanId) return { lastScanId, states: options.cached.states, pointer: { etag: pointer.etag } };
    const states = new Map<string, FindingStateRecord>();
    for await (const e of this.#findings.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${scopeKey}` } })) {
      states.set(e.rowKey ?? "", stateOf(e));
    }
    return { lastScanId: str(pointer, "lastScanId"), states, pointer: { etag: pointer.etag } };
  }

  /** The id of the scope's last complete scan (its pointer only), or undefined for none. */
  async lastScanIdOf(scopeKey: string): Promise<string | undefined> {
    await this.ensure();
    try {
      const pointer = await this.#scans.getEntity<Record<string, unknown>>(SCOPE_PARTITION, scopeKey);
      return str(pointer, "lastScanId") || undefined;
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined;
      throw err;
    }
  }

  /**
   * Stores a report: the whole report as one gzip'd blob uploaded as a stream, and beside it the
   * pages the paged API reads (./reports.ts). Pass evidence is kept only with `evidence: all`.
   */
  async saveReport(report: StreamedReport, options: SaveReportOptions = {}): Promise<StoredSummary> {
    await this.ensure();
    return this.#reports.save(report, options);
  }

  /**
   * The pages of a stored report, or undefined when no report has that id (a malformed id
   * included). A report stored before pages existed gets them built on its first read, once.
   */
  async reportPages(scanId: string, options: { abortSignal?: AbortSignalLike } = {}): Promise<ReportPages | undefined> {
    if (!SCAN_ID_PATTERN.test(scanId)) return undefined;
    await this.ensure();
    return this.#reports.pages(scanId, options);
  }

  /**
   * A stored report in memory (any stored version, read through readReport), or undefined. For the
   * scan's previous report and the diff; responses stream from {@link reportPages} instead.
   */
  async getReport(scanId: string, options: { abortSignal?: AbortSignalLike } = {}): Promise<DriftReport | undefined> {
    if (!SCAN_ID_PATTERN.test(scanId)) return undefined;
    await this.ensure();
    return this.#reports.load(scanId, options);
  }

  /** Stores one part of a scan's snapshot with its dependency index (./snapshots.ts): what change events re-audit from. */
  async saveSnapshot(scanId: string, part: string, snapshot: Snapshot, index: DependencyIndex, options: { abortSignal?: AbortSignalLike } = {}): Promise<void> {
    if (!SCAN_ID_PATTERN.test(scanId)) throw new RangeError(`not a scan id: ${scanId}`);
    await this.ensure();
    await this.#snapshots.save(scanId, part, snapshot, index, options);
  }

  /** A scan's snapshot (its parts merged), or undefined when it kept none. */
  async getSnapshot(scanId: string, options: { abortSignal?: AbortSignalLike } = {}): Promise<Snapshot | undefined> {
    if (!SCAN_ID_PATTERN.test(scanId)) return undefined;
    await this.ensure();
    return this.#snapshots.load(scanId, options);
  }

  /** Deletes a scan's snapshot and dependency index (a newer scan of its scope has its own). */
  async deleteSnapshot(scanId: string, options: { abortSignal?: AbortSignalLike } = {}): Promise<void> {
    if (!SCAN_ID_PATTERN.test(scanId)) return;
    await this.ensure();
    await this.#snapshots.delete(scanId, options);
  }

  /** A scan's dependency index (its parts merged), or undefined when it kept none. */
  async getDependencyIndex(scanId: string, options: { abortSignal?: AbortSignalLike } = {}): Promise<DependencyIndex | undefined> {
    if (!SCAN_ID_PATTERN.test(scanId)) return undefined;
    await this.ensure();
    return this.#snapshots.loadIndex(scanId, options);
  }

  /**
   * Records a complete scan: the finding state of its scope (upserts and deletes, in batches of
   * 100 per partition as Table transactions allow), the scope's "last complete scan" pointer and
   * the index row. Called last, so a run that dies earlier leaves the previous scan as the base.
   *
   * Fenced when `lock` and `expectedPointer` are given (the recorded scan always gives them):
   * before any write, the lease is renewed under its id and the pointer is re-read; the pointer is
   * then written with If-Match on the ETag the run read (or created, when the run saw none). A run
   * whose lease was taken, or whose pointer another run moved, gets the storage error (409 or
   * 412) and commits no pointer and no index row: the newer state stands. Without them the
   * pointer is written unconditionally (tests, tools).
   */
  async commitScan(input: {
    scopeKey: string;
    scope: ScanScope;
    report: DriftReport;
    next: readonly FindingStateRecord[];
    removed: readonly string[];
    diff?: ReportDiff;
    stale: number;
    trigger: ScanTrigger;
    notification: NotificationStatus;
    /** The scope's lock the run holds. */
    lock?: ScanLock;
    /** The pointer as the run read it ({@link loadState}), `"none"` for the scope's first scan. */
    expectedPointer?: PointerVersion;
  }): Promise<ScanIndexEntry> {
    await this.ensure();
    const expected = input.expectedPointer;
    await input.lock?.assertHeld();
    // Checked before the finding state is touched, so a run that lost the race writes nothing of it.
    if (expected !== undefined) await this.#assertPointer(input.scopeKey, expected);
    const actions: TransactionAction[] = [
      ...input.next.map(
        (r): TransactionAction => [
          "upsert",
          {
            partitionKey: input.scopeKey,
            rowKey: r.findingId,
            checkId: r.checkId,
            targetId: r.targetId,
            resourceId: r.resourceId,
            severity: r.severity,
            state: r.state,
            stale: r.stale,
            lastStatus: r.lastStatus,
            since: r.since,
            lastScanId: r.lastScanId,
          },
          "Replace",
        ],
      ),
      ...input.removed.map((id): TransactionAction => ["delete", { partitionKey: input.scopeKey, rowKey: id }]),
    ];
    for (const batch of chunks(actions, 100)) await this.#findings.submitTransaction(batch);

    const r = input.report;
    const entry: ScanIndexEntry = {
      scanId: r.scanId,
      scopeKey: input.scopeKey,
      scope: { subscriptions: [...input.scope.subscriptions], targets: [...(input.scope.targets ?? [])] },
      subscriptions: [...r.scope.subscriptions],
      trigger: input.trigger,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      summary: r.summary,
      errors: r.errors.length,
      ...(input.diff
        ? { diff: { new: input.diff.new.length, resolved: input.diff.resolved.length, unchanged: input.diff.unchanged, stale: input.stale } }
        : {}),
      notification: input.notification,
    };
    const pointer = {
      partitionKey: SCOPE_PARTITION,
      rowKey: input.scopeKey,
      lastScanId: r.scanId,
      lastFinishedAt: r.finishedAt,
      scopeJson: JSON.stringify(entry.scope),
    };
    if (expected === undefined) await this.#scans.upsertEntity(pointer, "Replace");
    else if (expected === "none") await this.#scans.createEntity(pointer); // 409 if another run created it meanwhile
    else await this.#scans.updateEntity(pointer, "Replace", { etag: expected.etag }); // 412 if another run moved it
    await this.#scans.upsertEntity(indexRowOf(entry), "Replace");
    return entry;
  }

  /** Throws a 412-coded error unless the scope's pointer is still the version `expected`. */
  async #assertPointer(scopeKey: string, expected: PointerVersion): Promise<void> {
    let etag: string | undefined;
    try {
      etag = (await this.#scans.getEntity(SCOPE_PARTITION, scopeKey)).etag;
    } catch (err) {
      if (statusCodeOf(err) !== 404) throw err;
    }
    if ((expected === "none" ? undefined : expected.etag) === etag) return;
    // The same error the conditional write itself would raise, so every caller handles one shape.
    throw new RestError(`the pointer of scope ${scopeKey} moved since this run read it: a newer scan committed`, { code: "ConditionNotMet", statusCode: 412 });
  }

  /** The newest complete scan (of one scope when `scopeKey` is given), or undefined. */
  async latest(scopeKey?: string): Promise<ScanIndexEntry | undefined> {
    await this.ensure();
    const filter = scopeKey
      ? odata`PartitionKey eq ${SCAN_PARTITION} and scopeKey eq ${scopeKey}`
      : odata`PartitionKey eq ${SCAN_PARTITION}`;
    for await (const e of this.#scans.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) return indexEntryOf(e);
    return undefined;
  }

  /** The scope's newest full scan (timer or HTTP, not a change-event audit) among its newest `lookback` entries. */
  async latestFull(scopeKey: string, lookback: number): Promise<ScanIndexEntry | undefined> {
    await this.ensure();
    const filter = odata`PartitionKey eq ${SCAN_PARTITION} and scopeKey eq ${scopeKey}`;
    let seen = 0;
    for await (const e of this.#scans.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
      const entry = indexEntryOf(e);
      if (entry.trigger !== "event") return entry;
      if (++seen >= lookback) break;
    }
    return undefined;
  }

  /** A page of the index, newest first. `after` is a token from a previous page (already decoded). */
  async listScans(options: { limit: number; afterRowKey?: string }): Promise<ScanPage> {
    await this.ensure();
    const filter = options.afterRowKey
      ? odata`PartitionKey eq ${SCAN_PARTITION} and RowKey gt ${options.afterRowKey}`
      : odata`PartitionKey eq ${SCAN_PARTITION}`;
    const rows: Entity[] = [];
    // One more than asked tells whether there is a next page.
    for await (const e of this.#scans.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
      rows.push(e);
      if (rows.length > options.limit) break;
    }
    const items = rows.slice(0, options.limit);
    const last = items.at(-1);
    return {
      items: items.map(indexEntryOf),
      ...(rows.length > options.limit && last?.rowKey ? { continuationToken: encodeToken(last.rowKey) } : {}),
    };
  }

  /** Every finding-state record of a scope (tests and diagnostics). */
  async findingStates(scopeKey: string): Promise<FindingStateRecord[]> {
    await this.ensure();
    const out: FindingStateRecord[] = [];
    for await (const e of this.#findings.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${scopeKey}` } })) {
      out.push(stateOf(e));
    }
    return out;
  }

  /**
   * Claims the right to post the alert for one change, keeping its message (JSON text) so that a
   * failed post can be sent again. Resolves false when a record for the same fingerprint exists:
   * some run (this one's earlier attempt, typically) already posted, tried, or holds it pending.
   */
  async claimAlert(scopeKey: string, fingerprint: string, scanId: string, messageJson?: string): Promise<boolean> {
    await this.ensure();
    return this.#alerts.claim(scopeKey, fingerprint, scanId, messageJson);
  }

  /** Records how an alert ended; `pending: true` keeps it for the next run to send again. */
  async finishAlert(scopeKey: string, fingerprint: string, record: AlertRecord): Promise<void> {
    await this.#alerts.finish(scopeKey, fingerprint, record);
  }

  /** The alert record of a fingerprint, if any. */
  async getAlert(scopeKey: string, fingerprint: string): Promise<AlertRecord | undefined> {
    await this.ensure();
    return this.#alerts.get(scopeKey, fingerprint);
  }

  /** The scope's alerts waiting to be sent again, oldest first. */
  async pendingAlerts(scopeKey: string): Promise<PendingAlert[]> {
    await this.ensure();
    return this.#alerts.pending(scopeKey);
  }

  /** Takes a pending alert for one re-send (If-Match); false when another run took it first. */
  async takePendingAlert(scopeKey: string, alert: PendingAlert, scanId: string): Promise<boolean> {
    await this.ensure();
    return this.#alerts.take(scopeKey, alert, scanId);
  }
}
