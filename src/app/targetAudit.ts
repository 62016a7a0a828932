/**
 * A fresh audit of one target: scan its subscription now and keep only the target. Nothing is
 * stored and nothing is sent: a read (`GET /api/targets/{targetId}/drift`).
 *
 * It reads the whole subscription, so it is a scan like any other for the ARM budget: it takes
 * one of the instance's scan slots (`SCAN_MAX_CONCURRENT`) and the scan lock of its subscription
 * (the same lock `POST /api/scans` and the timer take for that subscription set: the storage
 * lease when storage is configured, the instance's own scope set always). The lock blob is the
 * only thing it may create in storage; no report, index row or state.
 */
import type { EvidenceMode } from "../report/report.js";
import { lockKeyOf } from "../model/scan.js";
import type { DriftReport } from "../report/report.js";
import { restrictToTargets } from "../report/restrict.js";
import { HTTP_SCAN_TIME_LIMIT_IN_MS, type AppServices } from "./appServices.js";

/** Options of {@link auditTarget}. */
export interface AuditTargetOptions {
  /** Default {@link HTTP_SCAN_TIME_LIMIT_IN_MS}. */
  timeLimitInMs?: number;
  /** Which findings keep their evidence (default `failures`; `all` for `?evidence=all`). */
  evidence?: EvidenceMode;
}

/** What the audit found. */
export type TargetAudit =
  /** A report with exactly this target. */
  | { status: "found"; report: DriftReport }
  /** The scan did not find it; `unreadable` reads failed, so it may exist but be unreadable. */
  | { status: "not-found"; subscriptionId: string; unreadable: number }
  /** Another scan of the subscription holds its lock: nothing was read. */
  | { status: "skipped"; message: string }
  /** This instance already runs as many scans as `SCAN_MAX_CONCURRENT` allows: nothing was read. */
  | { status: "throttled"; message: string; retryAfterInSeconds: number };

/** The subscription of an ARM id (`/subscriptions/<id>/...`), lower-cased. */
export function subscriptionOf(armId: string): string {
  return armId.split("/")[2]!.toLowerCase();
}

/** Audits one target (an ARM id, compared case-insensitively). */
export async function auditTarget(services: AppServices, targetId: string, options: AuditTargetOptions = {}): Promise<TargetAudit> {
  const subscriptionId = subscriptionOf(targetId);
  const lockKey = lockKeyOf({ subscriptions: [subscriptionId] });
  return services.scanSlots.run(lockKey, `another scan of subscription ${subscriptionId} is still in progress on this instance`, async (): Promise<TargetAudit> => {
    const lock = services.history ? await services.history.acquireLock(lockKey) : undefined;
    if (services.history && !lock) return { status: "skipped", message: `another scan of subscription ${subscriptionId} is still in progress` };
    try {
      const report = await services.scan({
        subscriptionIds: [subscriptionId],
        timeLimitInMs: options.timeLimitInMs ?? HTTP_SCAN_TIME_LIMIT_IN_MS,
        ...(options.evidence ? { evidence: options.evidence } : {}),
      });
      if (!report.targets.some((t) => t.id.toLowerCase() === targetId.toLowerCase())) {
        return { status: "not-found", subscriptionId, unreadable: report.errors.length };
      }
      return { status: "found", report: restrictToTargets(report, [targetId]) };
    } finally {
      await lock?.release();
    }
  });
}
