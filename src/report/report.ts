import { randomUUID } from "node:crypto";
import { checks as registry } from "../checks/index.js";
import type { CheckMetadata, Finding, FindingStatus, Severity } from "../checks/lib/types.js";
import type { TargetKind } from "../model/snapshot.js";
import type { ArmStats } from "../arm/clients.js";
import type { ScanError } from "../model/scan.js";
import type { ExpiredSuppressionEntry } from "../baseline/suppressions.js";

/**
 * Version of the drift report JSON; bump on any breaking change (see `schemas/report.schema.json`).
 * 2.0: the catalog once in `checks` (no `remediation` per finding), `evidence` on fail and unknown
 * findings (pass evidence on request), shared evidence referenced (`sharedEvidence`), target tags.
 * Reports of version 1 still load (./read.ts upgrades them).
 */
export const REPORT_SCHEMA_VERSION = "2.0";

/** Which findings carry their evidence: `failures` (fail and unknown; the default) or `all`. */
export type EvidenceMode = "failures" | "all";

/** The evidence modes, for parsing `--evidence` and `?evidence=`. */
export const evidenceModes = ["failures", "all"] as const satisfies readonly EvidenceMode[];

/**
 * A finding as the report carries it: the check's {@link Finding} without the catalog's
 * remediation (in `checks`), its evidence present on fail and unknown findings and on pass
 * findings only with {@link EvidenceMode} `all`.
 */
export interface ReportFinding extends Omit<Finding, "remediation" | "evidence"> {
  /** On fail and unknown findings always; on pass findings only with {@link EvidenceMode} `all`. */
  evidence?: Record<string, unknown>;
}

/** One check of the catalog as a report carries it. `severity` is the default; findings carry their own. */
export interface CatalogEntry {
  title: string;
  severity: Severity;
  risk: string;
  remediation: string;
}

/** The catalog by check id, once per report. */
export type CheckCatalog = Record<string, CatalogEntry>;

/** The catalog entries of the given checks (default: the whole registry), in registry order. */
export function catalogOf(metas: readonly CheckMetadata[] = registry.map((c) => c.meta)): CheckCatalog {
  const out: CheckCatalog = {};
  for (const m of metas) out[m.id] = { title: m.title, severity: m.defaultSeverity, risk: m.risk, remediation: m.remediation };
  return out;
}

/**
 * The report form of a judged finding: remediation left to the catalog, pass evidence dropped
 * unless `evidence` is `all`. Strings are shared with the finding, not copied.
 */
export function toReportFinding(f: Finding | ReportFinding, evidence: EvidenceMode = "failures"): ReportFinding {
  const out: ReportFinding = {
    id: f.id,
    checkId: f.checkId,
    status: f.status,
    severity: f.severity,
    resourceId: f.resourceId,
    message: f.message,
    expected: f.expected,
    actual: f.actual,
  };
  if (f.evidence !== undefined && (f.status !== "pass" || evidence === "all")) out.evidence = f.evidence;
  if (f.suppressed !== undefined) out.suppressed = f.suppressed;
  return out;
}

/** Status of a target: drifted wins over unknown, unknown over compliant. */
export type TargetStatus = "compliant" | "drifted" | "unknown";

/** One audited target in the report. */
export interface TargetReport {
  id: string;
  kind: TargetKind;
  name: string;
  subscriptionId: string;
  /** The target's own ARM tags, when it has any. */
  tags?: Record<string, string>;
  /**
   * A cluster pool's AKS cluster, when known. The next scan of the scope needs it: while the pool
   * cannot be read, its AKS cluster (still listed) is not audited as a new plain AKS target. Pass
   * findings, which carried it in their evidence in version 1, no longer carry evidence.
   */
  aksClusterId?: string;
  status: TargetStatus;
  findings: ReportFinding[];
}

/** The drift report, as the DESIGN contract fixes it. */
export interface DriftReport {
  schemaVersion: string;
  scanId: string;
  startedAt: string;
  finishedAt: string;
  scope: { subscriptions: string[] };
  summary: {
    targets: number;
    compliant: number;
    drifted: number;
    unknown: number;
    findings: Record<FindingStatus, number>;
  };
  stats: ArmStats & { durationMs: number };
  /** The check catalog, once: title, default severity, risk, remediation by check id. */
  checks: CheckCatalog;
  targets: TargetReport[];
  errors: ScanError[];
  /**
   * Baseline suppressions whose `expires` has passed: they no longer apply, and the failures
   * they covered show as unsuppressed. Present only when there are any.
   */
  expiredSuppressions?: ExpiredSuppression[];
  diff?: { new: string[]; resolved: string[]; unchanged: number };
}

/** An expired suppression, with this scan's failing findings it would still match. */
export type ExpiredSuppression = ExpiredSuppressionEntry;

/** Inputs of {@link buildReport}. */
export interface BuildReportInput {
  startedAt: Date;
  finishedAt: Date;
  subscriptions: string[];
  targets: TargetReport[];
  stats: ArmStats;
  errors: ScanError[];
  expiredSuppressions?: ExpiredSuppression[];
  scanId?: string;
  /** The catalog to carry (default: the whole registry). */
  checks?: CheckCatalog;
}

/** Assembles the report and its summary from evaluated targets. */
export function buildReport(input: BuildReportInput): DriftReport {
  const findings: Record<FindingStatus, number> = { fail: 0, pass: 0, unknown: 0 };
  for (const t of input.targets) for (const f of t.findings) findings[f.status] += 1;
  const count = (s: TargetStatus) => input.targets.filter((t) => t.status === s).length;
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    scanId: input.scanId ?? randomUUID(),
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    scope: { subscriptions: [...input.subscriptions] },
    summary: {
      targets: input.targets.length,
      compliant: count("compliant"),
      drifted: count("drifted"),
      unknown: count("unknown"),
      findings,
    },
    stats: { ...input.stats, durationMs: Math.max(0, input.finishedAt.getTime() - input.startedAt.getTime()) },
    checks: input.checks ?? catalogOf(),
    targets: input.targets,
    errors: input.errors,
    ...(input.expiredSuppressions?.length ? { expiredSuppressions: input.expiredSuppressions } : {}),
  };
}

/**
 * Exit code of the CLI contract: 0 complete and no drift; 1 drift found; 2 no drift but
 * incomplete (some reads failed, findings unknown, or no subscription was scanned at all: a scan
 * of nothing is never complete). 3 (usage) is decided before a scan.
 */
export function exitCodeOf(report: Pick<DriftReport, "summary" | "errors" | "scope">): 0 | 1 | 2 {
  if (report.summary.drifted > 0) return 1;
  if (report.summary.unknown > 0 || report.summary.findings.unknown > 0 || report.errors.length > 0) return 2;
  if (report.scope.subscriptions.length === 0) return 2;
  return 0;
}

/** One line for logs and the CLI footer. */
export function summaryLine(report: Pick<DriftReport, "summary" | "stats">): string {
  const s = report.summary;
  return (
    `${s.targets} targets: ${s.compliant} compliant, ${s.drifted} drifted, ${s.unknown} unknown; ` +
    `findings: ${s.findings.fail} fail, ${s.findings.pass} pass, ${s.findings.unknown} unknown; ` +
    `${report.stats.armRequests} ARM requests (${report.stats.throttled} throttled, ${report.stats.retries} retries) in ${report.stats.durationMs} ms`
  );
}
