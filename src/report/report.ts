import { randomUUID } from "node:crypto";
import type { Finding, FindingStatus } from "../checks/lib/types.js";
import type { TargetKind } from "../model/snapshot.js";
import type { ArmStats } from "../arm/clients.js";
import type { ScanError } from "../model/scan.js";
import type { ExpiredSuppressionEntry } from "../baseline/suppressions.js";

/** Version of the drift report JSON; bump on any breaking change (see `schemas/`). */
export const REPORT_SCHEMA_VERSION = "1.0";

/** Status of a target: drifted wins over unknown, unknown over compliant. */
export type TargetStatus = "compliant" | "drifted" | "unknown";

/** One audited target in the report. */
export interface TargetReport {
  id: string;
  kind: TargetKind;
  name: string;
  subscriptionId: string;
  status: TargetStatus;
  findings: Finding[];
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
export function exitCodeOf(report: DriftReport): 0 | 1 | 2 {
  if (report.summary.drifted > 0) return 1;
  if (report.summary.unknown > 0 || report.summary.findings.unknown > 0 || report.errors.length > 0) return 2;
  if (report.scope.subscriptions.length === 0) return 2;
  return 0;
}

/** One line for logs and the CLI footer. */
export function summaryLine(report: DriftReport): string {
  const s = report.summary;
  return (
    `${s.targets} targets: ${s.compliant} compliant, ${s.drifted} drifted, ${s.unknown} unknown; ` +
    `findings: ${s.findings.fail} fail, ${s.findings.pass} pass, ${s.findings.unknown} unknown; ` +
    `${report.stats.armRequests} ARM requests (${report.stats.throttled} throttled, ${report.stats.retries} retries) in ${report.stats.durationMs} ms`
  );
}
