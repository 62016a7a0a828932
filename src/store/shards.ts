/**
 * The queue side of the fan-out (README "Fan-out across instances"): how a scope is cut into
 * shards and the queue message of a shard (base64 JSON, validated when read). No storage calls
 * here; src/store/runs.ts stores and sends, src/app/fanout.ts runs the use cases, and
 * src/report/assemble.ts builds the run's report from the shards' parts.
 */

/** What one queue message asks for: scan these subscriptions as shard `shardIndex` of run `runId`. */
export interface ShardMessage {
  runId: string;
  shardIndex: number;
  subscriptionIds: string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SUBSCRIPTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** More shards than this in one run is a configuration mistake (SCAN_SHARD_SIZE too small). */
export const MAX_SHARDS = 1000;
/** Subscriptions per shard at most (SCAN_SHARD_SIZE's upper bound). */
export const MAX_SHARD_SIZE = 100;

/** Cuts subscriptions (deduplicated, lower-cased, order kept) into shards of `size`. */
export function planShards(subscriptionIds: readonly string[], size: number): string[][] {
  if (!Number.isInteger(size) || size < 1 || size > MAX_SHARD_SIZE) throw new RangeError(`shard size must be 1-${MAX_SHARD_SIZE}`);
  const subs = [...new Set(subscriptionIds.map((s) => s.toLowerCase()))];
  const shards: string[][] = [];
  for (let i = 0; i < subs.length; i += size) shards.push(subs.slice(i, i + size));
  if (shards.length > MAX_SHARDS) throw new RangeError(`${shards.length} shards exceed ${MAX_SHARDS}: raise SCAN_SHARD_SIZE`);
  return shards;
}

/**
 * The message text as the Functions queue trigger expects it by default (`messageEncoding`
 * base64): base64 of the JSON.
 */
export function encodeShardMessage(message: ShardMessage): string {
  return Buffer.from(JSON.stringify(message), "utf8").toString("base64");
}

/**
 * Reads a shard message as a trigger hands it over: the host decodes base64 and passes JSON as an
 * object; a string is accepted as JSON text or as base64 of it (a message read off the queue
 * directly). Returns a reason instead when it is not a shard message.
 */
export function parseShardMessage(entry: unknown): { ok: true; message: ShardMessage } | { ok: false; reason: string } {
  let value: unknown = entry;
  if (Buffer.isBuffer(entry)) value = entry.toString("utf8");
  if (typeof value === "string") {
    const text = value.trim();
    const candidates = [text];
    if (/^[A-Za-z0-9+/=\s]+$/.test(text)) candidates.push(Buffer.from(text, "base64").toString("utf8"));
    value = undefined;
    for (const c of candidates) {
      try {
        value = JSON.parse(c);
        break;
      } catch {
        // try the next reading
      }
    }
    if (value === undefined) return { ok: false, reason: "the message is neither JSON nor base64 JSON" };
  }
  const problem = shardMessageProblem(value);
  if (problem) return { ok: false, reason: problem };
  const m = value as ShardMessage;
  return { ok: true, message: { runId: m.runId, shardIndex: m.shardIndex, subscriptionIds: m.subscriptionIds.map((s) => s.toLowerCase()) } };
}

/** Validates the shape of a decoded shard message; "" when it is one. */
export function shardMessageProblem(value: unknown): string {
  if (!value || typeof value !== "object" || Array.isArray(value)) return "the message is not a JSON object";
  const m = value as Record<string, unknown>;
  if (typeof m.runId !== "string" || !UUID.test(m.runId)) return "runId is not a lower-case UUID";
  if (typeof m.shardIndex !== "number" || !Number.isInteger(m.shardIndex) || m.shardIndex < 0 || m.shardIndex >= MAX_SHARDS) {
    return `shardIndex is not an integer from 0 to ${MAX_SHARDS - 1}`;
  }
  if (!Array.isArray(m.subscriptionIds) || m.subscriptionIds.length === 0 || m.subscriptionIds.length > MAX_SHARD_SIZE) {
    return `subscriptionIds is not a list of 1-${MAX_SHARD_SIZE} subscription ids`;
  }
  if (!m.subscriptionIds.every((s) => typeof s === "string" && SUBSCRIPTION_ID.test(s))) return "subscriptionIds holds something that is not a subscription id";
  return "";
}
