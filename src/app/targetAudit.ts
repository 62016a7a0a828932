/**
 * A fresh audit of one target: scan its subscription now and keep only the target. Nothing is
 * stored and nothing is sent: a read (`GET /api/targets/{targetId}/drift`).
 */
import type { DriftReport } from "../report/report.js";
import { restrictToTargets } from "../report/restrict.js";
import { HTTP_SCAN_TIME_LIMIT_IN_MS, type AppServices } from "./services.js";

/** Options of {@link auditTarget}. */
export interface AuditTargetOptions {
  /** Default {@link HTTP_SCAN_TIME_LIMIT_IN_MS}. */
  timeLimitInMs?: number;
}

/** What the audit found. */
export type TargetAudit =
  /** A report with exactly this target. */
  | { status: "found"; report: DriftReport }
  /** The scan did not find it; `unreadable` reads failed, so it may exist but be unreadable. */
  | { status: "not-found"; subscriptionId: string; unreadable: number };

/** The subscription of an ARM id (`/subscriptions/<id>/...`), lower-cased. */
export function subscriptionOf(armId: string): string {
  return armId.split("/")[2]!.toLowerCase();
}

/** Audits one target (an ARM id, compared case-insensitively). */
export async function auditTarget(services: AppServices, targetId: string, options: AuditTargetOptions = {}): Promise<TargetAudit> {
  const subscriptionId = subscriptionOf(targetId);
  const report = await services.scan({ subscriptionIds: [subscriptionId], timeLimitInMs: options.timeLimitInMs ?? HTTP_SCAN_TIME_LIMIT_IN_MS });
  if (!report.targets.some((t) => t.id.toLowerCase() === targetId.toLowerCase())) {
    return { status: "not-found", subscriptionId, unreadable: report.errors.length };
  }
  return { status: "found", report: restrictToTargets(report, [targetId]) };
}
