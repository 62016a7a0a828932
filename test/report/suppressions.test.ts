/**
 * Suppressions end to end on the demo estate: an active one marks the failure suppressed (and
 * it no longer counts as drift); an expired one stops applying and is reported.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { baselineFromJson } from "../../src/app/baseline.js";
import { readArmSettings } from "../../src/config/settings.js";
import { loadEstate } from "../../src/emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { renderers } from "../../src/report/render/index.js";
import { runScan } from "../../src/app/scan.js";

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ estate: await loadEstate(join(import.meta.dirname, "..", "..", "estates", "demo.json")) });
});
afterAll(async () => emu?.close());

const scan = (baseline?: ReturnType<typeof baselineFromJson>) =>
  runScan({
    settings: readArmSettings({}, { endpoint: emu.url, staticToken: "t" }),
    clients: { caCertificates: [emu.caCertPem], maxRetries: 0 },
    ...(baseline ? { baseline } : {}),
    now: () => new Date("2026-06-01T00:00:00Z"),
  });

describe("suppressions", () => {
  it("applies an active one, reports an expired one, and never hides a failure behind an expired one", async () => {
    const plain = (await scan()).report;
    const failures = plain.targets.flatMap((t) => t.findings.filter((f) => f.status === "fail").map((f) => ({ t, f })));
    expect(failures.length).toBeGreaterThanOrEqual(2);
    const [a, b] = [failures[0]!, failures.find((x) => x.f.checkId !== failures[0]!.f.checkId || x.f.resourceId !== failures[0]!.f.resourceId)!];

    const baseline = baselineFromJson({
      schemaVersion: 1,
      suppressions: [
        { checkId: a.f.checkId, resourceId: a.f.resourceId.toUpperCase(), reason: "accepted risk, ticket SEC-1", owner: "net-team", expires: "2026-12-31" },
        { checkId: b.f.checkId, resourceId: b.f.resourceId, reason: "was a migration window", owner: "data-platform", expires: "2026-05-01" },
      ],
    });
    const { report } = await scan(baseline);
    const find = (id: string) => report.targets.flatMap((t) => t.findings).find((f) => f.id === id)!;

    expect(find(a.f.id).suppressed).toEqual({ reason: "accepted risk, ticket SEC-1", owner: "net-team", expires: "2026-12-31" });
    expect(find(b.f.id).suppressed).toBeUndefined();
    expect(report.expiredSuppressions).toEqual([
      { checkId: b.f.checkId, resourceId: b.f.resourceId, reason: "was a migration window", owner: "data-platform", expires: "2026-05-01", matchingFindingIds: [b.f.id] },
    ]);
    const table = renderers.table.render(report);
    expect(table).toContain("expired suppressions (1), no longer applied:");
    expect(renderers.markdown.render(report)).toContain("### Expired suppressions (1)");
  });

  it("rejects a suppression for a check id that does not exist", () => {
    expect(() =>
      baselineFromJson({ schemaVersion: 1, suppressions: [{ checkId: "no-such-check", resourceId: "*", reason: "x", owner: "y" }] }),
    ).toThrow(/\/suppressions\/0\/checkId "no-such-check" is not a known check id/);
    expect(() => baselineFromJson({ schemaVersion: 1, checks: { "mc-group-publicip": { severity: "low" } } })).toThrow(/\/checks\/mc-group-publicip names an unknown check id/);
  });
});
