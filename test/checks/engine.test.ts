import { afterEach, describe, expect, it, vi } from "vitest";
import { emptyBaseline } from "../../src/baseline/baseline.js";
import type { Baseline } from "../../src/baseline/baseline.js";
import { evaluate, findingId, statusOf } from "../../src/checks/lib/engine.js";
import { expiredSuppressions, isExpired, matchingSuppression } from "../../src/baseline/suppressions.js";
import { checks, getCheck } from "../../src/checks/index.js";
import type { Finding } from "../../src/checks/lib/types.js";
import type { Snapshot } from "../../src/model/snapshot.js";
import { UsageError } from "../../src/errors.js";
import { loadCase } from "./case-files.js";

const NOW = new Date("2025-03-14T10:00:00Z");
/** The checks these fixtures were built for; the later checks need parts (DNS zones, role assignments, firewall rules) they omit. */
const FIRST_FOUR = ["pool-outbound-type", "mc-group-public-ip", "subnet-default-route", "default-route-firewall"];

/** A fresh copy of a case's snapshot (tests mutate it). */
function fixture(checkId: string, name: string): { snapshot: Snapshot; baseline: Baseline } {
  const c = loadCase(checkId, `${name}.json`);
  return { snapshot: structuredClone(c.snapshot), baseline: structuredClone(c.baseline ?? emptyBaseline) };
}

/** loadBalancer pool: the AKS outbound IP passes, `pip-leftover-test` (attached to nothing) fails. */
function strayIp() {
  const f = fixture("mc-group-public-ip", "fail-loadbalancer-pool-stray-unattached-ip");
  const target = f.snapshot.targets[0];
  if (target === undefined) throw new Error("fixture has no target");
  const stray = Object.values(f.snapshot.publicIps).flatMap((p) => (p.ok && p.value.name === "pip-leftover-test" ? [p.value.id] : []))[0];
  if (stray === undefined) throw new Error("fixture has no stray IP");
  return { ...f, target, stray };
}

function only(snapshot: Snapshot, baseline: Baseline, checkId: string, now = NOW) {
  const [ev] = evaluate(snapshot, baseline, { checkIds: [checkId], now });
  if (ev === undefined) throw new Error("no evaluation");
  return ev;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("findingId", () => {
  const target = "/subscriptions/3f2a1c9e-7b4d-4e8a-9c61-2d5e8f0a7b13/resourceGroups/rg-a/providers/Microsoft.HDInsight/clusterpools/p1";
  const res = "/subscriptions/3f2a1c9e-7b4d-4e8a-9c61-2d5e8f0a7b13/resourceGroups/MC_x/providers/Microsoft.Network/publicIPAddresses/ip1";

  it("is the check id plus 20 hex chars of the sha256 of the documented key", async () => {
    const { createHash } = await import("node:crypto");
    const key = `mc-group-public-ip|${target.toLowerCase()}|${res.toLowerCase()}|${res.toLowerCase()}`;
    const hex = createHash("sha256").update(key).digest("hex").slice(0, 20);
    expect(findingId("mc-group-public-ip", target, res, res)).toBe(`mc-group-public-ip:${hex}`);
  });

  it("is stable for the same inputs and ignores id casing", () => {
    const a = findingId("mc-group-public-ip", target, res, res);
    expect(findingId("mc-group-public-ip", target, res, res)).toBe(a);
    expect(findingId("mc-group-public-ip", target.toUpperCase(), res.toUpperCase(), res.toLowerCase())).toBe(a);
  });

  it("changes with the check, target, resource and item", () => {
    const a = findingId("mc-group-public-ip", target, res, res);
    expect(findingId("pool-outbound-type", target, res, res)).not.toBe(a);
    expect(findingId("mc-group-public-ip", `${target}2`, res, res)).not.toBe(a);
    expect(findingId("mc-group-public-ip", target, `${res}2`, res)).not.toBe(a);
    expect(findingId("mc-group-public-ip", target, res, `${res}2`)).not.toBe(a);
    expect(findingId("mc-group-public-ip", target, res)).not.toBe(a);
    // No item and an empty item are the same key.
    expect(findingId("mc-group-public-ip", target, res)).toBe(findingId("mc-group-public-ip", target, res, ""));
  });
});

describe("evaluate: stable ids", () => {
  it("gives the same ids for the same snapshot and different ids for different resources", () => {
    const { snapshot, baseline } = strayIp();
    const a = only(snapshot, baseline, "mc-group-public-ip").findings.map((f) => f.id);
    const b = only(structuredClone(snapshot), baseline, "mc-group-public-ip").findings.map((f) => f.id);
    expect(a).toHaveLength(2);
    expect(b).toEqual(a);
    expect(new Set(a).size).toBe(2);
  });

  it("does not change ids when ARM returns different casing", () => {
    const { snapshot, baseline, target, stray } = strayIp();
    const before = only(snapshot, baseline, "mc-group-public-ip").findings;
    const upper = structuredClone(snapshot);
    const t = upper.targets[0];
    if (t === undefined) throw new Error("no target");
    t.id = t.id.toUpperCase();
    for (const part of Object.values(upper.mcGroups)) {
      if (part.ok) part.value.publicIpIds = part.value.publicIpIds.map((id) => id.toUpperCase());
    }
    const after = only(upper, baseline, "mc-group-public-ip").findings;
    expect(after.map((f) => f.id)).toEqual(before.map((f) => f.id));
    expect(after.map((f) => f.status)).toEqual(before.map((f) => f.status));
    // The stray IP's finding is keyed on the target and the IP, as documented.
    const strayFinding = after.find((f) => f.status === "fail");
    expect(strayFinding?.id).toBe(findingId("mc-group-public-ip", target.id, stray, stray));
  });

  it("changes the id when the judged resource changes", () => {
    const { snapshot, baseline, stray } = strayIp();
    const before = only(snapshot, baseline, "mc-group-public-ip").findings.find((f) => f.status === "fail");
    const moved = structuredClone(snapshot);
    const renamed = stray.replace("pip-leftover-test", "pip-leftover-other");
    for (const part of Object.values(moved.mcGroups)) {
      if (part.ok) part.value.publicIpIds = part.value.publicIpIds.map((id) => (id === stray ? renamed : id));
    }
    const after = only(moved, baseline, "mc-group-public-ip").findings.find((f) => f.status === "fail");
    expect(after).toBeDefined();
    expect(after?.resourceId).toBe(renamed);
    expect(after?.id).not.toBe(before?.id);
  });
});

describe("evaluate: baseline check settings", () => {
  it("uses the default severity and the baseline override", () => {
    const { snapshot } = strayIp();
    const def = only(snapshot, emptyBaseline, "mc-group-public-ip").findings;
    expect(def.every((f) => f.severity === "high")).toBe(true);
    const low: Baseline = { schemaVersion: 1, checks: { "mc-group-public-ip": { severity: "low" } } };
    const over = only(snapshot, low, "mc-group-public-ip").findings;
    expect(over).toHaveLength(2);
    expect(over.every((f) => f.severity === "low")).toBe(true);
    expect(over.map((f) => f.id)).toEqual(def.map((f) => f.id));
  });

  it("copies the remediation from the check metadata", () => {
    const { snapshot } = strayIp();
    const f = only(snapshot, emptyBaseline, "mc-group-public-ip").findings[0];
    expect(f?.remediation).toBe(getCheck("mc-group-public-ip")?.meta.remediation);
  });

  it("skips a check the baseline disables and keeps the others", () => {
    const { snapshot } = strayIp();
    const off: Baseline = { schemaVersion: 1, checks: { "mc-group-public-ip": { enabled: false } } };
    const [ev] = evaluate(snapshot, off, { now: NOW });
    expect(ev?.findings.some((f) => f.checkId === "mc-group-public-ip")).toBe(false);
    expect(ev?.findings.some((f) => f.checkId === "pool-outbound-type")).toBe(true);
  });

  it("merges baseline parameters over the defaults", () => {
    const { snapshot } = fixture("subnet-default-route", "fail-udr-pool-split-default-bypass");
    expect(only(snapshot, emptyBaseline, "subnet-default-route").findings.map((f) => f.status)).toEqual(["fail"]);
    const lenient: Baseline = {
      schemaVersion: 1,
      checks: { "subnet-default-route": { parameters: { internetRouteMinPrefixLength: 1 } } },
    };
    expect(only(snapshot, lenient, "subnet-default-route").findings.map((f) => f.status)).toEqual(["pass"]);
  });

  it("rejects unknown check ids", () => {
    const { snapshot } = strayIp();
    expect(() => evaluate(snapshot, emptyBaseline, { checkIds: ["no-such-check"] })).toThrow(UsageError);
    try {
      evaluate(snapshot, emptyBaseline, { checkIds: ["no-such-check"] });
    } catch (err) {
      expect((err as UsageError).code).toBe("UnknownCheck");
    }
  });
});

describe("evaluate: suppressions", () => {
  const suppression = (expires?: string, checkId = "mc-group-public-ip"): Baseline => ({
    schemaVersion: 1,
    suppressions: [
      {
        checkId,
        resourceId: "/subscriptions/*/resourceGroups/MC_*/providers/Microsoft.Network/publicIPAddresses/pip-leftover-*",
        reason: "Load test IP, removed after the March test window",
        owner: "platform-network@contoso.example",
        ...(expires !== undefined ? { expires } : {}),
      },
    ],
  });

  it("marks a matching failure suppressed and does not count it as drift", () => {
    const { snapshot, stray } = strayIp();
    expect(only(snapshot, emptyBaseline, "mc-group-public-ip").status).toBe("drifted");
    const ev = only(snapshot, suppression("2025-04-01"), "mc-group-public-ip");
    const fail = ev.findings.find((f) => f.resourceId === stray);
    expect(fail?.status).toBe("fail");
    expect(fail?.suppressed).toEqual({
      reason: "Load test IP, removed after the March test window",
      owner: "platform-network@contoso.example",
      expires: "2025-04-01",
    });
    expect(ev.findings.filter((f) => f.suppressed !== undefined)).toHaveLength(1);
    expect(ev.status).toBe("compliant");
  });

  it("applies a suppression without expiry and matches ids case-insensitively", () => {
    const { snapshot, stray } = strayIp();
    const b = suppression();
    const s = b.suppressions?.[0];
    if (s === undefined) throw new Error("no suppression");
    s.resourceId = s.resourceId.toUpperCase();
    const ev = only(snapshot, b, "mc-group-public-ip");
    expect(ev.findings.find((f) => f.resourceId === stray)?.suppressed?.owner).toBe("platform-network@contoso.example");
    expect(ev.status).toBe("compliant");
  });

  it("does not apply a suppression of another check", () => {
    const { snapshot } = strayIp();
    const ev = only(snapshot, suppression(undefined, "subnet-default-route"), "mc-group-public-ip");
    expect(ev.findings.every((f) => f.suppressed === undefined)).toBe(true);
    expect(ev.status).toBe("drifted");
  });

  it("does not apply an expired suppression, and lists it", () => {
    const { snapshot } = strayIp();
    const b = suppression("2025-03-13");
    const ev = only(snapshot, b, "mc-group-public-ip");
    expect(ev.findings.every((f) => f.suppressed === undefined)).toBe(true);
    expect(ev.status).toBe("drifted");
    expect(expiredSuppressions(b, NOW)).toEqual(b.suppressions);
    expect(expiredSuppressions(suppression("2025-04-01"), NOW)).toEqual([]);
    expect(expiredSuppressions(suppression(), NOW)).toEqual([]);
  });

  it("treats a date-only expiry as the whole day (UTC) and a date-time exactly", () => {
    const base = { checkId: "x", resourceId: "*", reason: "r", owner: "o" };
    expect(isExpired({ ...base, expires: "2025-03-14" }, new Date("2025-03-14T23:59:59Z"))).toBe(false);
    expect(isExpired({ ...base, expires: "2025-03-14" }, new Date("2025-03-15T00:00:00Z"))).toBe(true);
    expect(isExpired({ ...base, expires: "2025-03-14T09:00:00Z" }, NOW)).toBe(true);
    expect(isExpired({ ...base, expires: "2025-03-14T11:00:00Z" }, NOW)).toBe(false);
    expect(isExpired({ ...base, expires: "not a date" }, NOW)).toBe(true);
    expect(isExpired(base, NOW)).toBe(false);
  });

  it("never suppresses pass or unknown results", () => {
    const { snapshot } = fixture("mc-group-public-ip", "unknown-loadbalancer-read-failed");
    const b: Baseline = {
      schemaVersion: 1,
      suppressions: [{ checkId: "mc-group-public-ip", resourceId: "**", reason: "everything", owner: "nobody" }],
    };
    const ev = only(snapshot, b, "mc-group-public-ip");
    expect(ev.findings.map((f) => f.status)).toEqual(["unknown"]);
    expect(ev.findings[0]?.suppressed).toBeUndefined();
    expect(ev.status).toBe("unknown");
    expect(matchingSuppression(b, "mc-group-public-ip", "/subscriptions/x", NOW)).toBeDefined();
  });
});

describe("evaluate: a check that throws", () => {
  it("becomes one unknown CheckFailed result on the target; the other checks still run", () => {
    const { snapshot } = fixture("subnet-default-route", "pass-udr-pool-default-route-to-firewall");
    const check = getCheck("pool-outbound-type");
    if (check === undefined) throw new Error("not registered");
    vi.spyOn(check, "evaluate").mockImplementation(() => {
      throw new Error("boom");
    });
    const [ev] = evaluate(snapshot, emptyBaseline, { now: NOW, checkIds: FIRST_FOUR });
    const failed = ev?.findings.filter((f) => f.checkId === "pool-outbound-type") ?? [];
    expect(failed).toHaveLength(1);
    expect(failed[0]?.status).toBe("unknown");
    expect(failed[0]?.resourceId).toBe(snapshot.targets[0]?.id);
    expect(failed[0]?.evidence).toEqual({ error: { code: "CheckFailed", message: "boom" } });
    expect(ev?.findings.some((f) => f.checkId === "subnet-default-route" && f.status === "pass")).toBe(true);
    expect(ev?.status).toBe("unknown");
  });

  it("turns a bad baseline parameter into CheckFailed instead of a crash", () => {
    const { snapshot } = fixture("subnet-default-route", "pass-udr-pool-default-route-to-firewall");
    const bad: Baseline = {
      schemaVersion: 1,
      checks: { "subnet-default-route": { parameters: { internetRouteMinPrefixLength: "wide" } } },
    };
    const ev = only(snapshot, bad, "subnet-default-route");
    expect(ev.findings).toHaveLength(1);
    expect(ev.findings[0]?.status).toBe("unknown");
    expect((ev.findings[0]?.evidence.error as { code: string }).code).toBe("CheckFailed");
    expect((ev.findings[0]?.evidence.error as { message: string }).message).toContain("internetRouteMinPrefixLength");
  });
});

describe("evaluate: target status and order", () => {
  const f = (status: Finding["status"], suppressed = false): Finding => ({
    id: `x:${status}`,
    checkId: "x",
    status,
    severity: "high",
    resourceId: "/subscriptions/x",
    message: "m",
    expected: "e",
    actual: "a",
    evidence: {},
    remediation: "r",
    ...(suppressed ? { suppressed: { reason: "r", owner: "o" } } : {}),
  });

  it("is drifted on an unsuppressed fail, else unknown on an unknown, else compliant", () => {
    expect(statusOf([])).toBe("compliant");
    expect(statusOf([f("pass")])).toBe("compliant");
    expect(statusOf([f("pass"), f("unknown")])).toBe("unknown");
    expect(statusOf([f("unknown"), f("fail")])).toBe("drifted");
    expect(statusOf([f("fail", true)])).toBe("compliant");
    expect(statusOf([f("fail", true), f("unknown")])).toBe("unknown");
    expect(statusOf([f("fail", true), f("fail")])).toBe("drifted");
  });

  it("judges each fixture's target with its own status", () => {
    const statuses = [
      strayIp().snapshot,
      fixture("subnet-default-route", "unknown-route-table-forbidden").snapshot,
      fixture("default-route-firewall", "pass-udr-pool-firewall-succeeded").snapshot,
    ].map((s) => evaluate(s, emptyBaseline, { now: NOW, checkIds: FIRST_FOUR })[0]?.status);
    expect(statuses).toEqual(["drifted", "unknown", "compliant"]);
  });

  it("returns one evaluation per target, in snapshot order, each judged on its own", () => {
    // Two pools in one snapshot: the second has its MC group forbidden.
    const { snapshot } = fixture("default-route-firewall", "pass-udr-pool-firewall-succeeded");
    const first = snapshot.targets[0];
    if (first === undefined) throw new Error("no target");
    const mcB = `${first.mcGroupId ?? ""}-b`;
    const second = { ...structuredClone(first), id: `${first.id}-b`, name: `${first.name}-b`, mcGroupId: mcB };
    snapshot.targets.push(second);
    snapshot.mcGroups[mcB.toLowerCase()] = {
      ok: false,
      error: { code: "AuthorizationFailed", message: "forbidden", statusCode: 403, scope: mcB },
    };
    const evs = evaluate(snapshot, emptyBaseline, { now: NOW, checkIds: FIRST_FOUR });
    expect(evs.map((e) => e.target.id)).toEqual([first.id, second.id]);
    expect(evs.map((e) => e.status)).toEqual(["compliant", "unknown"]);
    // The same resource judged for two targets gets two ids (the target is part of the key).
    const subnetIds = evs.map((e) => e.findings.find((f) => f.checkId === "subnet-default-route")?.id);
    expect(subnetIds[0]).toBeDefined();
    expect(subnetIds[0]).not.toBe(subnetIds[1]);
  });

  it("sorts findings by registry order, then resource id, then item", () => {
    const { snapshot } = fixture("mc-group-public-ip", "pass-loadbalancer-pool-outbound-and-ingress");
    const [ev] = evaluate(snapshot, emptyBaseline, { now: NOW });
    const findings = ev?.findings ?? [];
    const order = checks.map((c) => c.meta.id);
    const indexes = findings.map((x) => order.indexOf(x.checkId));
    expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
    expect(new Set(findings.map((x) => x.checkId)).size).toBeGreaterThanOrEqual(2);
    const pips = findings.filter((x) => x.checkId === "mc-group-public-ip").map((x) => x.resourceId.toLowerCase());
    expect(pips).toHaveLength(2);
    expect(pips).toEqual([...pips].sort());
    // Reversing the MC group listing does not change the order.
    const reversed = structuredClone(snapshot);
    for (const part of Object.values(reversed.mcGroups)) if (part.ok) part.value.publicIpIds.reverse();
    expect(evaluate(reversed, emptyBaseline, { now: NOW })[0]?.findings.map((x) => x.id)).toEqual(findings.map((x) => x.id));
  });

  it("runs only the requested checks, in registry order", () => {
    const { snapshot } = strayIp();
    const [ev] = evaluate(snapshot, emptyBaseline, { now: NOW, checkIds: ["mc-group-public-ip", "pool-outbound-type"] });
    const ids = [...new Set(ev?.findings.map((x) => x.checkId))];
    expect(ids).toEqual(["pool-outbound-type", "mc-group-public-ip"]);
  });
});

describe("evaluate: overrides by the target's own tags", () => {
  /** A loadBalancer pool that passes `pool-outbound-type` without a baseline, with tags of its own. */
  function taggedPool(tags: Record<string, string> | undefined) {
    const f = fixture("pool-outbound-type", "pass-pool-loadbalancer-no-baseline");
    const target = f.snapshot.targets[0];
    if (target === undefined) throw new Error("fixture has no target");
    if (tags) target.tags = tags;
    else delete target.tags;
    return f.snapshot;
  }
  const requireUdrWhere = (tag: { name: string; value?: string }): Baseline => ({
    schemaVersion: 1,
    overrides: [{ match: { tag }, rules: { outboundType: "userDefinedRouting" } }],
  });
  const statusOfCheck = (snapshot: Snapshot, baseline: Baseline) => only(snapshot, baseline, "pool-outbound-type").findings.map((x) => x.status);

  it("applies an override by a tag the target carries (name in any case, value exact)", () => {
    const snapshot = taggedPool({ Environment: "prod", pciScope: "true" });
    expect(statusOfCheck(snapshot, emptyBaseline)).toEqual(["pass"]);
    expect(statusOfCheck(snapshot, requireUdrWhere({ name: "environment", value: "prod" }))).toEqual(["fail"]);
    expect(statusOfCheck(snapshot, requireUdrWhere({ name: "PCISCOPE" }))).toEqual(["fail"]);
    expect(statusOfCheck(snapshot, requireUdrWhere({ name: "environment", value: "PROD" }))).toEqual(["pass"]);
    expect(statusOfCheck(snapshot, requireUdrWhere({ name: "owner" }))).toEqual(["pass"]);
  });

  it.each(["constructor", "__proto__", "toString"])("never applies an override by the tag name %s the target does not carry", (name) => {
    expect(statusOfCheck(taggedPool({ Environment: "prod" }), requireUdrWhere({ name }))).toEqual(["pass"]);
    expect(statusOfCheck(taggedPool(undefined), requireUdrWhere({ name }))).toEqual(["pass"]);
  });
});
