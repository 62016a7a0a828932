/**
 * Reading a stored or received report: version 2 as written (shared evidence put back in place)
 * and version 1 (the catalog built from each finding's remediation and the registry, the
 * remediation dropped from findings). Finding ids are the same in both versions, so history and
 * diffs carry over from reports stored before version 2.
 */
import { checks as registry } from "../checks/index.js";
import type { Finding } from "../checks/lib/types.js";
import { catalogOf, REPORT_SCHEMA_VERSION, toReportFinding, type CheckCatalog, type DriftReport, type TargetReport } from "./report.js";

/** Thrown when a value is not a drift report of a known version. */
export class UnreadableReportError extends Error {
  readonly code = "UnreadableReport";
  constructor(message: string) {
    super(message);
    this.name = "UnreadableReportError";
  }
}

const REF_PREFIX = "#/sharedEvidence/";

/** True when the value is `{ "$ref": "#/sharedEvidence/<key>" }`. */
function isEvidenceRef(value: unknown): value is { $ref: string } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === "$ref" && typeof (value as { $ref: unknown }).$ref === "string" && (value as { $ref: string }).$ref.startsWith(REF_PREFIX);
}

/**
 * Puts shared evidence back into a target's findings (in place). Every finding that referenced
 * the same entry gets the same object: shared in memory as it was in the file.
 */
function inflateTargetEvidence(target: TargetReport, shared: Readonly<Record<string, unknown>> | undefined): TargetReport {
  for (const f of target.findings) {
    const evidence = f.evidence;
    if (!evidence) continue;
    for (const [k, v] of Object.entries(evidence)) {
      if (!isEvidenceRef(v)) continue;
      const key = v.$ref.slice(REF_PREFIX.length);
      if (!shared || !(key in shared)) throw new UnreadableReportError(`finding ${f.id} references shared evidence ${key}, which the report does not hold`);
      evidence[k] = shared[key];
    }
  }
  return target;
}

/**
 * A parsed report JSON value as a version-2 {@link DriftReport}: version 2 with its shared
 * evidence put back, version 1 upgraded. Mutates and returns the value it was given (a stored
 * report is parsed only to be read). Throws {@link UnreadableReportError} for anything else.
 */
export function readReport(value: unknown): DriftReport {
  if (typeof value !== "object" || value === null) throw new UnreadableReportError("a drift report must be a JSON object");
  const v = value as Record<string, unknown>;
  const version = typeof v.schemaVersion === "string" ? v.schemaVersion : "";
  if (!Array.isArray(v.targets)) throw new UnreadableReportError("a drift report must have a targets array");
  if (version.startsWith("2.")) {
    const report = value as DriftReport & { sharedEvidence?: Record<string, unknown> };
    const shared = report.sharedEvidence;
    for (const t of report.targets) inflateTargetEvidence(t, shared);
    delete report.sharedEvidence;
    return report;
  }
  if (version.startsWith("1.")) return upgradeV1(value as DriftReport);
  throw new UnreadableReportError(`unknown drift report schemaVersion ${JSON.stringify(v.schemaVersion)}`);
}

/** Parses report JSON text (a stored blob, a file) with {@link readReport}. */
export function parseReport(text: string): DriftReport {
  return readReport(JSON.parse(text) as unknown);
}

/**
 * Version 1 → 2: the catalog from the registry, completed by the remediation a version-1 finding
 * carried for a check the registry no longer has; findings without their remediation. Version 1
 * carried evidence on every finding: it is kept (it was stored), so nothing is lost.
 */
function upgradeV1(report: DriftReport): DriftReport {
  const checks: CheckCatalog = catalogOf(registry.map((c) => c.meta));
  for (const t of report.targets) {
    t.findings = t.findings.map((f) => {
      const old = f as unknown as Finding;
      if (!(old.checkId in checks) && typeof old.remediation === "string") {
        checks[old.checkId] = { title: old.checkId, severity: old.severity, risk: "", remediation: old.remediation };
      }
      return toReportFinding(old, "all");
    });
  }
  return { ...report, schemaVersion: REPORT_SCHEMA_VERSION, checks };
}
