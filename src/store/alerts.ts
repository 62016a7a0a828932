/**
 * The alert table (`EgressAuditAlerts`): one row per alert ever attempted, partition = scope key,
 * row key = the fingerprint of the change it announces. Creating the row is the claim that makes
 * a retried run never post the same change twice; the row also keeps the message it claimed, so
 * an alert Teams did not take can be sent again by a later run of the scope.
 *
 * States: `sending` (claimed, outcome not recorded: the process may have died mid-post, so it
 * counts as possibly delivered and is never re-sent), `sent`, `failed` (Teams said no, or could
 * not be reached: `pending` until a later run delivers it), `uncertain` (the request may have
 * arrived: never re-sent).
 */
import { odata, type TableClient } from "@azure/data-tables";
import type { NotificationStatus } from "../model/scan.js";
import { num, str, type Entity } from "./entity.js";
import { statusCodeOf } from "../errors.js";

/** The recorded outcome of one alert. */
export interface AlertRecord {
  state: "sending" | NotificationStatus;
  scanId: string;
  httpStatus?: number;
  attempts?: number;
  bytes?: number;
  detail?: string;
  /** True while the alert waits to be sent again (its last post failed without reaching Teams). */
  pending?: boolean;
  /** The scan whose run re-sent it (absent when the scan that found the change posted it). */
  resentBy?: string;
}

/** An alert waiting to be sent again, as {@link AlertTable.pending} lists it. */
export interface PendingAlert {
  fingerprint: string;
  /** The scan that found the change. */
  scanId: string;
  /** When it was first claimed (ISO date-time); the oldest is sent first. */
  claimedAt: string;
  /** What the last failed post says (`HTTP 503`, `connection failed (ECONNREFUSED)`). */
  detail: string;
  /** Failed posts so far, over all runs. */
  tries: number;
  /** The message as claimed (JSON text), to be posted as it was built. */
  messageJson: string;
  /** Version of the row, for the conditional take. */
  etag: string;
}

/**
 * A Table string property holds at most 64 KiB (32K UTF-16 units). A Teams message stays under
 * 28 KB, but a message is split over several properties anyway so that no card can fail its claim.
 */
const MESSAGE_CHUNK = 30_000;

function messageProperties(json: string): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  let parts = 0;
  for (let i = 0; i < json.length; i += MESSAGE_CHUNK) out[`message${parts++}`] = json.slice(i, i + MESSAGE_CHUNK);
  out.messageParts = parts;
  return out;
}

function messageOf(e: Entity): string {
  const parts = num(e, "messageParts");
  let json = "";
  for (let i = 0; i < parts; i++) json += str(e, `message${i}`);
  return json;
}

/** The alert table of one history namespace. */
export class AlertTable {
  readonly #table: TableClient;

  constructor(table: TableClient) {
    this.#table = table;
  }

  /**
   * Claims the right to post the alert for one change, keeping the message. Resolves false when
   * a row for the same fingerprint exists: some run already posted it, tried, or holds it pending.
   */
  async claim(scopeKey: string, fingerprint: string, scanId: string, messageJson?: string): Promise<boolean> {
    try {
      await this.#table.createEntity({
        partitionKey: scopeKey,
        rowKey: fingerprint,
        state: "sending",
        scanId,
        claimedAt: new Date().toISOString(),
        ...(messageJson !== undefined ? messageProperties(messageJson) : {}),
      });
      return true;
    } catch (err) {
      if (statusCodeOf(err) === 409) return false;
      throw err;
    }
  }

  /** Records how a post ended (and whether the alert stays pending). */
  async finish(scopeKey: string, fingerprint: string, record: AlertRecord): Promise<void> {
    await this.#table.upsertEntity(
      {
        partitionKey: scopeKey,
        rowKey: fingerprint,
        state: record.state,
        scanId: record.scanId,
        ...(record.httpStatus !== undefined ? { httpStatus: record.httpStatus } : {}),
        ...(record.attempts !== undefined ? { attempts: record.attempts } : {}),
        ...(record.bytes !== undefined ? { bytes: record.bytes } : {}),
        ...(record.detail ? { detail: record.detail.slice(0, 1000) } : {}),
        ...(record.pending !== undefined ? { pending: record.pending } : {}),
        ...(record.resentBy ? { resentBy: record.resentBy } : {}),
      },
      "Merge",
    );
  }

  /** The alert record of a fingerprint, if any. */
  async get(scopeKey: string, fingerprint: string): Promise<AlertRecord | undefined> {
    try {
      const e = await this.#table.getEntity<Record<string, unknown>>(scopeKey, fingerprint);
      return {
        state: str(e, "state") as AlertRecord["state"],
        scanId: str(e, "scanId"),
        ...(typeof e.httpStatus === "number" ? { httpStatus: e.httpStatus } : {}),
        ...(typeof e.attempts === "number" ? { attempts: e.attempts } : {}),
        ...(typeof e.bytes === "number" ? { bytes: e.bytes } : {}),
        ...(typeof e.detail === "string" ? { detail: e.detail } : {}),
        ...(e.pending === true ? { pending: true } : {}),
        ...(typeof e.resentBy === "string" ? { resentBy: e.resentBy } : {}),
      };
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined;
      throw err;
    }
  }

  /**
   * The scope's alerts waiting to be sent again, oldest claim first. A row without a stored
   * message (claimed before messages were kept) cannot be re-sent and is not listed.
   */
  async pending(scopeKey: string): Promise<PendingAlert[]> {
    const out: PendingAlert[] = [];
    const filter = odata`PartitionKey eq ${scopeKey} and pending eq ${true}`;
    for await (const e of this.#table.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
      const messageJson = messageOf(e);
      if (!messageJson || str(e, "state") !== "failed") continue;
      out.push({
        fingerprint: e.rowKey ?? "",
        scanId: str(e, "scanId"),
        claimedAt: str(e, "claimedAt"),
        detail: str(e, "detail"),
        tries: num(e, "tries", 1),
        messageJson,
        etag: e.etag,
      });
    }
    return out.sort((a, b) => a.claimedAt.localeCompare(b.claimedAt) || a.fingerprint.localeCompare(b.fingerprint));
  }

  /**
   * Takes a pending alert for one re-send: If-Match on the row's ETag turns it back to `sending`,
   * no longer pending. Resolves false when the row changed since it was listed (another run took
   * it): the alert is then not this run's to send.
   */
  async take(scopeKey: string, alert: PendingAlert, scanId: string): Promise<boolean> {
    try {
      await this.#table.updateEntity(
        { partitionKey: scopeKey, rowKey: alert.fingerprint, state: "sending", pending: false, resentBy: scanId, tries: alert.tries + 1 },
        "Merge",
        { etag: alert.etag },
      );
      return true;
    } catch (err) {
      if (statusCodeOf(err) === 412 || statusCodeOf(err) === 404) return false;
      throw err;
    }
  }
}
