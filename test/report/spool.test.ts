/**
 * The target spool (src/report/spool.ts): targets written as they are judged, read back one by
 * one in any order, counted into the report's summary; its file never outlives it.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ReportFinding, TargetReport } from "../../src/report/report.js";
import { TargetSpool, type SpooledTarget } from "../../src/report/spool.js";

const scratch = mkdtempSync(join(tmpdir(), "egress-audit-spool-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const SUB = "00000000-0000-0000-0000-000000000002";

function target(i: number, statuses: Array<ReportFinding["status"]>, extra: Partial<ReportFinding> = {}): TargetReport {
  const findings = statuses.map((status, n) => ({
    id: `subnet-nsg-inbound:${i}-${n}`,
    checkId: "subnet-nsg-inbound",
    status,
    severity: n === 0 ? "critical" : "low",
    resourceId: `/subscriptions/${SUB}/x/${i}`,
    // Multi-byte text: offsets are bytes, not characters.
    message: `Ziel ${i} prüft Ausgänge — ${"é".repeat(i % 7)} 🚀`,
    expected: "e",
    actual: "a",
    ...(status !== "pass" ? { evidence: { n, big: "x".repeat(i * 97) } } : {}),
    ...extra,
  })) satisfies ReportFinding[];
  const status = statuses.includes("fail") && !extra.suppressed ? "drifted" : statuses.includes("unknown") ? "unknown" : "compliant";
  return { id: `/subscriptions/${SUB}/t/${i}`, kind: "aksCluster", name: `t${i}`, subscriptionId: SUB, status, findings };
}

describe("TargetSpool", () => {
  it("reads each target back exactly, in any order, and counts the summary", async () => {
    const dir = mkdtempSync(join(scratch, "a-"));
    const spool = TargetSpool.create({ dir });
    try {
      const targets = Array.from({ length: 500 }, (_, i) => target(i, i % 10 === 0 ? ["fail", "pass"] : i % 7 === 0 ? ["unknown"] : ["pass", "pass"]));
      targets.push(target(500, ["fail"], { severity: "medium", suppressed: { reason: "r", owner: "o" } }));
      const entries: SpooledTarget[] = targets.map((t) => spool.add(t));
      expect(spool.size).toBe(501);
      // Larger than one write batch, so reads cross flushed and pending data.
      expect(spool.bytes).toBeGreaterThan(1024 * 1024);
      const reversed = [...entries].reverse();
      const back: TargetReport[] = [];
      for (const t of spool.targets(reversed)) back.push(t);
      expect(back).toEqual([...targets].reverse());
      expect(spool.read(entries[123]!)).toEqual(targets[123]);
      expect(spool.summary).toEqual({
        targets: 501,
        compliant: targets.filter((t) => t.status === "compliant").length,
        drifted: 50,
        unknown: targets.filter((t) => t.status === "unknown").length,
        findings: { fail: 51, pass: targets.flatMap((t) => t.findings).filter((f) => f.status === "pass").length, unknown: targets.filter((t) => t.status === "unknown").length },
      });
      // The suppressed failure (medium) does not count for --fail-on; the others (critical) do.
      expect([...spool.failingSeverities].sort()).toEqual(["critical"]);
    } finally {
      await spool.close();
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it("is closed for good: reads fail, closing twice is harmless, nothing stays on disk", async () => {
    const dir = mkdtempSync(join(scratch, "b-"));
    const spool = TargetSpool.create({ dir });
    const entry = spool.add(target(1, ["pass"]));
    await spool.close();
    await spool.close();
    expect(() => spool.read(entry)).toThrow(/closed/);
    expect(() => spool.add(target(2, ["pass"]))).toThrow(/closed/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("removes its file with `await using` when the block throws", async () => {
    const dir = mkdtempSync(join(scratch, "c-"));
    let kept: TargetSpool | undefined;
    await expect(
      (async () => {
        await using spool = TargetSpool.create({ dir });
        kept = spool;
        spool.add(target(1, ["fail"]));
        throw new Error("scan failed");
      })(),
    ).rejects.toThrow("scan failed");
    expect(() => kept!.read({ id: "x", subscriptionId: SUB, offset: 0, length: 1 })).toThrow(/closed/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
