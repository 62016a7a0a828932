/**
 * One table-driven test over every case file under test/checks/<check-id>/: each case runs its check
 * through the engine (stable ids, suppressions, severity) and its expectations must hold.
 */
import { describe, expect, it } from "vitest";
import { emptyBaseline } from "../../src/baseline/baseline.js";
import { effectiveBaseline } from "../../src/baseline/overrides.js";
import { evaluate, findingId } from "../../src/checks/lib/engine.js";
import { getCheck } from "../../src/checks/index.js";
import type { Finding } from "../../src/checks/lib/types.js";
import type { Target } from "../../src/model/snapshot.js";
import { loadAllCases } from "./case-files.js";
import type { CaseExpectation, CheckCase } from "./case-files.js";

const NOW = new Date("2025-03-14T10:00:00Z");

function matches(e: CaseExpectation, f: Finding, checkId: string, target: Target): boolean {
  if (f.status !== e.status) return false;
  if (e.resourceId !== undefined && f.resourceId.toLowerCase() !== e.resourceId.toLowerCase()) return false;
  // Findings carry no item: the stable id is derived from it, so recompute and compare.
  if (e.item !== undefined && f.id !== findingId(checkId, target.id, f.resourceId, e.item)) return false;
  if (e.actualIncludes !== undefined && !f.actual.includes(e.actualIncludes)) return false;
  if (e.messageIncludes !== undefined && !f.message.includes(e.messageIncludes)) return false;
  if (e.evidenceIncludes !== undefined && !JSON.stringify(f.evidence).includes(e.evidenceIncludes)) return false;
  return true;
}

/** Assigns each expectation a distinct finding (backtracking: expectations may overlap). */
function assign(expectations: CaseExpectation[], findings: Finding[], checkId: string, target: Target): number[] | undefined {
  const used = new Set<number>();
  const chosen: number[] = [];
  const step = (i: number): boolean => {
    const e = expectations[i];
    if (e === undefined) return true;
    for (let j = 0; j < findings.length; j++) {
      const f = findings[j];
      if (f === undefined || used.has(j) || !matches(e, f, checkId, target)) continue;
      used.add(j);
      chosen.push(j);
      if (step(i + 1)) return true;
      used.delete(j);
      chosen.pop();
    }
    return false;
  };
  return step(0) ? chosen : undefined;
}

function summary(findings: Finding[]): string {
  return JSON.stringify(
    findings.map((f) => ({ status: f.status, resourceId: f.resourceId, actual: f.actual, message: f.message })),
    null,
    2,
  );
}

const cases = loadAllCases();

describe("check cases", () => {
  it("found case files", () => {
    expect(cases.length).toBeGreaterThanOrEqual(28);
  });

  it.each(cases.map((c): [string, CheckCase] => [`${c.checkId}/${c.name}`, c]))("%s", (_label, c) => {
    const check = getCheck(c.checkId);
    expect(check, `${c.checkId} is not registered`).toBeDefined();
    if (check === undefined) return;
    const baseline = c.baseline ?? emptyBaseline;
    const [evaluation] = evaluate(c.snapshot, baseline, { checkIds: [c.checkId], now: NOW });
    expect(evaluation).toBeDefined();
    if (evaluation === undefined) return;
    const target = evaluation.target;
    expect(target.id).toBe(c.snapshot.targets[0]?.id);
    const findings = evaluation.findings;

    // Shape of every finding.
    const ids = new Set<string>();
    for (const f of findings) {
      expect(f.checkId).toBe(c.checkId);
      expect(f.id).toMatch(new RegExp(`^${c.checkId}:[0-9a-f]{20}$`));
      expect(ids.has(f.id), `duplicate finding id ${f.id}`).toBe(false);
      ids.add(f.id);
      expect(f.message.trim().length).toBeGreaterThan(0);
      expect(f.expected.trim().length).toBeGreaterThan(0);
      expect(f.actual.trim().length).toBeGreaterThan(0);
      expect(f.resourceId).toMatch(/^\/subscriptions\//i);
      expect(f.remediation).toBe(check.meta.remediation);
      if (f.status === "unknown") {
        const readError = f.evidence.readError as { code?: unknown; message?: unknown } | undefined;
        expect(typeof readError?.code, `unknown without evidence.readError: ${f.message}`).toBe("string");
        expect(typeof readError?.message).toBe("string");
      }
    }

    // The engine adds nothing and drops nothing: same results as calling the check directly.
    const settings = baseline.checks?.[c.checkId];
    if (settings?.enabled !== false) {
      const params: Record<string, unknown> = {};
      for (const p of check.meta.parameters) params[p.name] = p.default;
      Object.assign(params, settings?.parameters);
      const direct = check.evaluate({ snapshot: c.snapshot, target, baseline: effectiveBaseline(baseline, target), params });
      expect(direct.map((r) => `${r.status} ${r.resourceId.toLowerCase()}`).sort()).toEqual(
        findings.map((f) => `${f.status} ${f.resourceId.toLowerCase()}`).sort(),
      );
    }

    // The file name's promise.
    const statuses = findings.map((f) => f.status);
    if (c.kind === "pass") {
      expect(statuses.length, "a pass- case must judge something").toBeGreaterThan(0);
      expect(statuses.every((s) => s === "pass"), summary(findings)).toBe(true);
    } else if (c.kind === "fail") {
      expect(statuses, summary(findings)).toContain("fail");
    } else {
      expect(statuses, summary(findings)).toContain("unknown");
      expect(statuses, `an unknown- case must never pass: ${summary(findings)}`).not.toContain("pass");
    }

    // Each expectation matches a distinct finding.
    const assignment = assign(c.expect, findings, c.checkId, target);
    expect(assignment, `expectations not met by findings:\n${summary(findings)}`).toBeDefined();
    if (c.expectExactly) expect(findings.length, summary(findings)).toBe(c.expect.length);

    // Deterministic: the same input gives the same findings in the same order.
    const again = evaluate(c.snapshot, baseline, { checkIds: [c.checkId], now: NOW })[0];
    expect(again?.findings).toEqual(findings);
  });
});
