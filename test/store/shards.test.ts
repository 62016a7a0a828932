/**
 * The queue side of the fan-out: shard planning and the queue message (base64 JSON, validated).
 * The assembly of a report from shard parts is tested in test/report/assemble.test.ts.
 */
import { describe, expect, it } from "vitest";
import { encodeShardMessage, parseShardMessage, planShards } from "../../src/store/shards.js";

const RUN = "0f1e2d3c-4b5a-4968-8776-655443322110";
const sub = (n: number) => `${String(n).padStart(8, "0")}-0000-4000-8000-00000000000${n % 10}`;

describe("planShards", () => {
  it("cuts the scope into shards of the configured size, deduplicated, lower-cased, in order", () => {
    const subs = [1, 2, 3, 4, 5, 6, 7].map(sub);
    expect(planShards([...subs, subs[0]!.toUpperCase()], 3)).toEqual([subs.slice(0, 3), subs.slice(3, 6), subs.slice(6)]);
    expect(planShards(subs, 100)).toEqual([subs]);
    expect(planShards([], 5)).toEqual([]);
    expect(() => planShards(subs, 0)).toThrow(RangeError);
    expect(() => planShards(subs, 101)).toThrow(RangeError);
  });
});

describe("shard messages", () => {
  const message = { runId: RUN, shardIndex: 2, subscriptionIds: [sub(1), sub(2)] };

  it("are base64 JSON on the queue, and read back as the trigger hands them over (object, JSON text or base64)", () => {
    const text = encodeShardMessage(message);
    expect(text).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(JSON.parse(Buffer.from(text, "base64").toString("utf8"))).toEqual(message);
    for (const entry of [message, JSON.stringify(message), text, Buffer.from(JSON.stringify(message))]) {
      expect(parseShardMessage(entry)).toEqual({ ok: true, message });
    }
    expect(parseShardMessage({ ...message, subscriptionIds: [sub(1).toUpperCase()] })).toEqual({ ok: true, message: { ...message, subscriptionIds: [sub(1)] } });
  });

  it("are refused with a reason when they are not shard messages", () => {
    const bad: Array<[unknown, RegExp]> = [
      ["not json at all {", /neither JSON nor base64 JSON/],
      [[], /not a JSON object/],
      [{ ...message, runId: "../x" }, /runId/],
      [{ ...message, runId: RUN.toUpperCase() }, /runId/],
      [{ ...message, shardIndex: -1 }, /shardIndex/],
      [{ ...message, shardIndex: 1.5 }, /shardIndex/],
      [{ ...message, subscriptionIds: [] }, /subscriptionIds/],
      [{ ...message, subscriptionIds: ["prod"] }, /not a subscription id/],
    ];
    for (const [entry, reason] of bad) {
      const r = parseShardMessage(entry);
      expect(r.ok, JSON.stringify(entry)).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(reason);
    }
  });
});
