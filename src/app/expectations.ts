/**
 * What a scan expects from the previous complete scan of its scope, and how it reports what it
 * expected and could not read (DESIGN "Coverage"). The recorded scan (./recordScan.ts) and the
 * fan-out's shards (./fanout.ts) hand the previous report to the scan (./scan.ts); the CLI has no
 * history and expects nothing.
 *
 * - {@link expectationsOf}: the subscriptions and targets the collector must account for, each
 *   pool with its AKS cluster (the target's `aksClusterId`; in reports written before it was there,
 *   its findings' evidence `aksClusterId`).
 * - {@link unreadableTargetReport}: an expected target that could not be read, as the report lists
 *   it: `unknown`, its previous findings carried as `unknown` with the read error as evidence and
 *   their last known status, so the diff keeps them (stale) and the next scan still knows the
 *   pool's AKS cluster.
 */
import type { ScanExpectations, UnreadableTarget } from "../collect/collector.js";
import type { ScanError } from "../model/scan.js";
import type { DriftReport, ReportFinding, TargetReport } from "../report/report.js";

/** The subscription of a `/subscriptions/<id>` scope, else undefined. */
function subscriptionScope(scope: string): string | undefined {
  return /^\/subscriptions\/([^/]+)\/?$/i.exec(scope)?.[1]?.toLowerCase();
}

/** A pool's AKS cluster: the target's `aksClusterId`, else (reports before it was there) the first `evidence.aksClusterId` among its findings. */
function aksClusterIdOf(t: TargetReport): string | undefined {
  if (t.aksClusterId) return t.aksClusterId;
  for (const f of t.findings) {
    const id = f.evidence?.aksClusterId;
    if (typeof id === "string" && id) return id;
  }
  return undefined;
}

/**
 * What the collector must account for, from the previous complete report of the scope: the
 * subscriptions it covered (its scope, its targets' subscriptions, and those it already reported
 * `SubscriptionNotScanned`, so a dropped subscription stays an error scan after scan) and its
 * targets. With `subscriptionIds` (a shard, an explicit scope), only those subscriptions.
 */
export function expectationsOf(previous: DriftReport, subscriptionIds: readonly string[] = []): ScanExpectations {
  const only = subscriptionIds.length ? new Set(subscriptionIds.map((s) => s.toLowerCase())) : undefined;
  const wanted = (sub: string) => !only || only.has(sub);
  const subs = new Set<string>();
  for (const s of previous.scope.subscriptions) subs.add(s.toLowerCase());
  for (const t of previous.targets) if (t.subscriptionId) subs.add(t.subscriptionId.toLowerCase());
  for (const e of previous.errors) {
    const sub = e.code === "SubscriptionNotScanned" ? subscriptionScope(e.scope) : undefined;
    if (sub) subs.add(sub);
  }
  return {
    subscriptionIds: [...subs].filter(wanted),
    targets: previous.targets
      .filter((t) => wanted(t.subscriptionId.toLowerCase()))
      .map((t) => {
        const aksClusterId = t.kind === "clusterPool" ? aksClusterIdOf(t) : undefined;
        return { id: t.id, kind: t.kind, name: t.name, subscriptionId: t.subscriptionId.toLowerCase(), ...(aksClusterId ? { aksClusterId } : {}) };
      }),
  };
}

/** A previous finding carried while its target cannot be read: `unknown`, the error as evidence. */
function carried(f: ReportFinding, error: ScanError, aksClusterId: string | undefined): ReportFinding {
  const evidence = f.evidence ?? {};
  // A finding carried before keeps the status it had when it was last evaluated.
  const lastStatus = f.status === "unknown" && typeof evidence.lastStatus === "string" ? evidence.lastStatus : f.status;
  return {
    id: f.id,
    checkId: f.checkId,
    status: "unknown",
    severity: f.severity,
    resourceId: f.resourceId,
    message: `Not evaluated: the target could not be read (${error.code}). Its last known status, ${lastStatus}, is kept until it can be read or is proven gone.`,
    expected: f.expected,
    actual: `unknown (${error.code})`,
    evidence: { readError: { code: error.code, message: error.message, scope: error.scope }, lastStatus, ...(aksClusterId ? { aksClusterId } : {}) },
  };
}

/**
 * The report entry of an expected target the scan could not read: `unknown`, with the findings
 * the previous report had for it carried as `unknown` (see the module comment).
 */
export function unreadableTargetReport(u: UnreadableTarget, previous: TargetReport | undefined): TargetReport {
  const aksClusterId = u.target.kind === "clusterPool" ? (u.target.aksClusterId ?? (previous ? aksClusterIdOf(previous) : undefined)) : undefined;
  return {
    id: u.target.id,
    kind: u.target.kind,
    name: u.target.name,
    subscriptionId: u.target.subscriptionId,
    ...(previous?.tags ? { tags: previous.tags } : {}),
    ...(aksClusterId ? { aksClusterId } : {}),
    status: "unknown",
    findings: (previous?.findings ?? []).map((f) => carried(f, u.error, aksClusterId)),
  };
}
