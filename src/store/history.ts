/**
 * Scan history in Azure Storage (DESIGN "Storage and scale-out"):
 *
 * - Blob container `egress-audit`: `reports/<scanId>.json` (the full report, diff included) and
 *   `locks/<scopeKey>` (an empty blob whose lease is the "scan in progress" lock of a scope).
 * - Table `EgressAuditScans`: the scan index, partition `scan`, row key `<inverted time>-<scanId>`
 *   so a partition scan returns the newest first (./scanIndex.ts); and partition `scope`, one row
 *   per scope naming its last complete scan (what "previous complete scan of the same scope" means).
 * - Table `EgressAuditFindings`: per-finding state, partition = scope key, row key = finding id.
 * - Table `EgressAuditAlerts`: one row per alert ever attempted, keyed by the fingerprint of the
 *   change it announces; creating it is the claim that makes a retried run never post twice.
 */
import type { AbortSignalLike } from "@azure/abort-controller";
import { odata, type TableClient, type TransactionAction } from "@azure/data-tables";
import type { BlobLeaseClient, ContainerClient } from "@azure/storage-blob";
import type { Severity } from "../checks/lib/types.js";
import type { StorageSettings } from "../config/appSettings.js";
import type { NotificationStatus, ScanScope, ScanTrigger } from "../model/scan.js";
import type { FindingStateRecord, ReportDiff } from "../report/diff.js";
import type { DriftReport } from "../report/report.js";
import { createStorageClients, type StorageClients } from "./clients.js";
import { str, type Entity } from "./entity.js";
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

/** A held scan lock; release it when done (it also expires by itself if the holder dies). */
export interface ScanLock {
  release(): Promise<void>;
}

/** The recorded outcome of one alert. */
export interface AlertRecord {
  state: "sending" | NotificationStatus;
  scanId: string;
  httpStatus?: number;
  attempts?: number;
  bytes?: number;
  detail?: string;
}

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

/** Options of {@link HistoryStore.acquireLock}. */
export interface LockOptions {
  /** Lease length (15-60 s); renewed while held, so a dead holder frees the scope within it. */
  leaseDurationInSeconds?: number;
  renewEveryInMs?: number;
  abortSignal?: AbortSignalLike;
}

/** Scan history over Blob and Table Storage. */
export class HistoryStore {
  readonly #container: ContainerClient;
  readonly #scans: TableClient;
  readonly #findings: TableClient;
  readonly #alerts: TableClient;
  #ready?: Promise<void>;

  /** The container and table names this store uses. */
  readonly names: { container: string; scans: string; findings: string; alerts: string };

  /**
   * @param namespace - Letters and digits that suffix every container and table name, so several
   *   stores can share one account (tests share one Azurite). Empty in production.
   */
  constructor(clients: StorageClients, options: { namespace?: string } = {}) {
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
    this.#alerts = clients.table(this.names.alerts);
  }

  /** A store on the configured account. */
  static fromSettings(settings: StorageSettings, options: { namespace?: string } = {}): HistoryStore {
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
      await Promise.all([this.#container.createIfNotExists(), createTable(this.#scans), createTable(this.#findings), createTable(this.#alerts)]);
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
      lease.renewLease().catch(() => undefined); // a failed renewal shows up as a lost lease at release
    }, options.renewEveryInMs ?? 20_000);
    renew.unref();
    let released = false;
    return {
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
   * has none (its first scan).
   */
  async loadState(scopeKey: string): Promise<{ lastScanId: string; states: Map<string, FindingStateRecord> } | undefined> {
    await this.ensure();
    let pointer: Entity;
    try {
      pointer = await this.#scans.getEntity<Record<string, unknown>>(SCOPE_PARTITION, scopeKey);
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined;
      throw err;
    }
    const states = new Map<string, FindingStateRecord>();
    for await (const e of this.#findings.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${scopeKey}` } })) {
      states.set(e.rowKey ?? "", stateOf(e));
    }
    return { lastScanId: str(pointer, "lastScanId"), states };
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

  /** Writes the full report (`reports/<scanId>.json`). */
  async saveReport(report: DriftReport, options: { abortSignal?: AbortSignalLike } = {}): Promise<void> {
    await this.ensure();
    if (!SCAN_ID_PATTERN.test(report.scanId)) throw new Error("report scanId is not a UUID");
    const text = JSON.stringify(report);
    await this.#container.getBlockBlobClient(`reports/${report.scanId}.json`).upload(text, Buffer.byteLength(text), {
      blobHTTPHeaders: { blobContentType: "application/json; charset=utf-8" },
      ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    });
  }

  /** A stored report, or undefined. `scanId` must match {@link SCAN_ID_PATTERN}. */
  async getReport(scanId: string): Promise<DriftReport | undefined> {
    if (!SCAN_ID_PATTERN.test(scanId)) return undefined;
    await this.ensure();
    try {
      const buf = await this.#container.getBlockBlobClient(`reports/${scanId}.json`).downloadToBuffer();
      return JSON.parse(buf.toString("utf8")) as DriftReport;
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined;
      throw err;
    }
  }

  /**
   * Records a complete scan: the finding state of its scope (upserts and deletes, in batches of
   * 100 per partition as Table transactions allow), the scope's "last complete scan" pointer and
   * the index row. Called last, so a run that dies earlier leaves the previous scan as the base.
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
  }): Promise<ScanIndexEntry> {
    await this.ensure();
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
    await this.#scans.upsertEntity(
      {
        partitionKey: SCOPE_PARTITION,
        rowKey: input.scopeKey,
        lastScanId: r.scanId,
        lastFinishedAt: r.finishedAt,
        scopeJson: JSON.stringify(entry.scope),
      },
      "Replace",
    );
    await this.#scans.upsertEntity(indexRowOf(entry), "Replace");
    return entry;
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
   * Claims the right to post the alert for one change. Resolves false when a record for the same
   * fingerprint exists: some run (this one's earlier attempt, typically) already posted or tried.
   */
  async claimAlert(scopeKey: string, fingerprint: string, scanId: string): Promise<boolean> {
    await this.ensure();
    try {
      await this.#alerts.createEntity({ partitionKey: scopeKey, rowKey: fingerprint, state: "sending", scanId });
      return true;
    } catch (err) {
      if (statusCodeOf(err) === 409) return false;
      throw err;
    }
  }

  /** Records how an alert ended. */
  async finishAlert(scopeKey: string, fingerprint: string, record: AlertRecord): Promise<void> {
    await this.#alerts.upsertEntity(
      {
        partitionKey: scopeKey,
        rowKey: fingerprint,
        state: record.state,
        scanId: record.scanId,
        ...(record.httpStatus !== undefined ? { httpStatus: record.httpStatus } : {}),
        ...(record.attempts !== undefined ? { attempts: record.attempts } : {}),
        ...(record.bytes !== undefined ? { bytes: record.bytes } : {}),
        ...(record.detail ? { detail: record.detail.slice(0, 1000) } : {}),
      },
      "Merge",
    );
  }

  /** The alert record of a fingerprint, if any. */
  async getAlert(scopeKey: string, fingerprint: string): Promise<AlertRecord | undefined> {
    await this.ensure();
    try {
      const e = await this.#alerts.getEntity<Record<string, unknown>>(scopeKey, fingerprint);
      return {
        state: str(e, "state") as AlertRecord["state"],
        scanId: str(e, "scanId"),
        ...(typeof e.httpStatus === "number" ? { httpStatus: e.httpStatus } : {}),
        ...(typeof e.attempts === "number" ? { attempts: e.attempts } : {}),
        ...(typeof e.bytes === "number" ? { bytes: e.bytes } : {}),
        ...(typeof e.detail === "string" ? { detail: e.detail } : {}),
      };
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined;
      throw err;
    }
  }
}
