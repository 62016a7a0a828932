/**
 * Runs the check registry over a Snapshot and decorates each result into a report {@link Finding}:
 * stable id, severity (baseline override else default), remediation, suppression. Pure: no I/O.
 */
import { hash } from "node:crypto";
import type { Snapshot, Target } from "../../model/snapshot.js";
import { effectiveBaseline } from "../../baseline/overrides.js";
import { matchingSuppression } from "../../baseline/suppressions.js";
import type { Baseline } from "../../baseline/baseline.js";
import { UsageError } from "../../errors.js";
import { checks as registry } from "../index.js";
import type { Check, CheckResult, Finding } from "./types.js";

/** The judgement of one target. */
export interface TargetEvaluation {
  target: Target;
  /** `drifted` if any unsuppressed fail; else `unknown` if any unknown; else `compliant`. */
  status: "compliant" | "drifted" | "unknown";
  findings: Finding[];
}

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** Clock for suppression expiry (default: now). */
  now?: Date;
  /** Run only these checks (registry order is kept). Unknown ids are a {@link UsageError} (`UnknownCheck`). */
  checkIds?: string[];
}

/**
 * Stable finding id: `<checkId>:<first 20 hex of sha256(checkId|lower(targetId)|lower(resourceId)|lower(item))>`.
 * Casing of ARM ids does not change it.
 */
export function findingId(checkId: string, targetId: string, resourceId: string, item?: string): string {
  const key = `${checkId}|${targetId.toLowerCase()}|${resourceId.toLowerCase()}|${(item ?? "").toLowerCase()}`;
  // One-shot hash: a scan of thousands of targets computes hundreds of thousands of these. The
  // 20 hex digits come from the first 10 bytes, not as a slice of the 64-digit string, which
  // would keep the whole digest alive in every finding.
  return flatString(`${checkId}:${hash("sha256", key, "buffer").toString("hex", 0, 10)}`);
}

/**
 * The same string, stored as one flat copy. A string built by concatenation (template literals)
 * is kept by V8 as a tree of its pieces, about twice the memory of the flat text for a message
 * of a few dozen pieces; a scan of 10,000 targets holds about 180,000 findings, each with its
 * message and id (measured: 353 bytes for a 160-character message as built, 186 flat). A JSON
 * round trip is exact for every string (lone surrogates included) and makes the copy flat.
 */
export function flatString(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string;
}

/** Evaluates every target of the snapshot against the baseline. */
export function evaluate(snapshot: Snapshot, baseline: Baseline, options: EvaluateOptions = {}): TargetEvaluation[] {
  const judge = targetEvaluator(snapshot, baseline, options);
  return snapshot.targets.map((target) => judge(target));
}

/**
 * A judge of single targets of a snapshot (what {@link evaluate} maps over every target), for a
 * scan that judges each target as soon as the collector has read everything its checks look at,
 * while other targets are still being read. Check ids are validated here, once.
 */
export function targetEvaluator(snapshot: Snapshot, baseline: Baseline, options: EvaluateOptions = {}): (target: Target) => TargetEvaluation {
  const now = options.now ?? new Date();
  const selected = selectChecks(options.checkIds);
  const texts = new TextTable();
  return (target) => evaluateTarget(snapshot, baseline, target, selected, now, texts);
}

/**
 * One copy of each `expected` and `actual` text for all the findings of an evaluation: they
 * repeat across targets (`allow *.blob.core.windows.net Https:443`, `VirtualAppliance 10.0.1.4`),
 * and each finding built its own.
 */
class TextTable {
  readonly #texts = new Map<string, string>();
  get(text: string): string {
    let kept = this.#texts.get(text);
    if (kept === undefined) {
      kept = flatString(text);
      this.#texts.set(kept, kept);
    }
    return kept;
  }
}

function selectChecks(ids: string[] | undefined): readonly Check[] {
  if (ids === undefined) return registry;
  const unknown = ids.filter((id) => !registry.some((c) => c.meta.id === id));
  if (unknown.length > 0) throw new UsageError("UnknownCheck", `unknown check id(s): ${unknown.join(", ")}`);
  return registry.filter((c) => ids.includes(c.meta.id));
}

interface Ordered {
  order: number;
  result: CheckResult;
  finding: Finding;
}

function evaluateTarget(
  snapshot: Snapshot,
  baseline: Baseline,
  target: Target,
  selected: readonly Check[],
  now: Date,
  texts: TextTable,
): TargetEvaluation {
  // Overrides match the target's id and its own ARM tags (`target.tags`, set by the collector).
  const eb = effectiveBaseline(baseline, target);
  const rows: Ordered[] = [];
  selected.forEach((check, order) => {
    const settings = eb.checks[check.meta.id];
    if (settings?.enabled === false) return;
    const params: Record<string, unknown> = {};
    for (const p of check.meta.parameters) params[p.name] = p.default;
    Object.assign(params, settings?.parameters);
    let results: CheckResult[];
    try {
      results = check.evaluate({ snapshot, target, baseline: eb, params });
    } catch (err) {
      results = [checkFailed(check, target, err)];
    }
    for (const result of results) {
      rows.push({ order, result, finding: decorate(check, target, result, settings?.severity, baseline, now, texts) });
    }
  });
  rows.sort(compareRows);
  const findings = rows.map((r) => r.finding);
  return { target, status: statusOf(findings), findings };
}

function checkFailed(check: Check, target: Target, err: unknown): CheckResult {
  const message = err instanceof Error ? err.message : String(err);
  return {
    status: "unknown",
    resourceId: target.id,
    message: `Check ${check.meta.id} failed on ${target.name}: ${message}`,
    expected: "a judgement",
    actual: "check failed",
    evidence: { error: { code: "CheckFailed", message } },
  };
}

function decorate(
  check: Check,
  target: Target,
  result: CheckResult,
  severityOverride: Finding["severity"] | undefined,
  baseline: Baseline,
  now: Date,
  texts: TextTable,
): Finding {
  const finding: Finding = {
    id: findingId(check.meta.id, target.id, result.resourceId, result.item),
    checkId: check.meta.id,
    status: result.status,
    severity: severityOverride ?? check.meta.defaultSeverity,
    resourceId: result.resourceId,
    message: flatString(result.message),
    expected: texts.get(result.expected),
    actual: texts.get(result.actual),
    evidence: result.evidence,
    remediation: check.meta.remediation,
  };
  if (result.status === "fail") {
    const s = matchingSuppression(baseline, check.meta.id, result.resourceId, now);
    if (s !== undefined) {
      finding.suppressed = { reason: s.reason, owner: s.owner };
      if (s.expires !== undefined) finding.suppressed.expires = s.expires;
    }
  }
  return finding;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareRows(a: Ordered, b: Ordered): number {
  return (
    a.order - b.order ||
    compareText(a.result.resourceId.toLowerCase(), b.result.resourceId.toLowerCase()) ||
    compareText((a.result.item ?? "").toLowerCase(), (b.result.item ?? "").toLowerCase()) ||
    compareText(a.finding.id, b.finding.id)
  );
}

/** `drifted` if any unsuppressed fail; else `unknown` if any unknown; else `compliant`. */
export function statusOf(findings: readonly Finding[]): TargetEvaluation["status"] {
  if (findings.some((f) => f.status === "fail" && f.suppressed === undefined)) return "drifted";
  if (findings.some((f) => f.status === "unknown")) return "unknown";
  return "compliant";
}
