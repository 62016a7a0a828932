/**
 * SARIF 2.1.0 (OASIS) rendering of a drift report, for code-scanning dashboards and SARIF viewers.
 *
 * Mapping:
 * - one `run`; `tool.driver.rules` = every check of the report's catalog (`checks`, in its order;
 *   plus any check id a finding names that the catalog does not hold), with the title, risk and
 *   remediation as descriptions and help (`help.text` is the remediation);
 * - a `fail` finding is a result of `kind: "fail"` whose `level` follows its (possibly
 *   baseline-overridden) severity: critical/high -> error, medium -> warning, low/info -> note;
 * - an `unknown` finding (a read failed, so the check could not decide) is `kind: "review"`: a
 *   person has to look. SARIF requires `level: "none"` for every kind but `fail` (§3.27.10), so its
 *   severity travels in `properties.severity`;
 * - a `pass` is omitted unless `includePasses`, then `kind: "pass"`, `level: "none"`;
 * - `properties` of a result carry the finding's data: its evidence when it has any (report v2:
 *   not on a pass unless the scan kept pass evidence) and, on fail and unknown results, its
 *   check's remediation from the catalog (a pass has its rule's help; repeating the text on every
 *   pass would make the log about ten times larger);
 * - the ARM id is the logical location (`fullyQualifiedName`, kind `resource`); the stable finding
 *   id is the partial fingerprint, so viewers can track a finding across scans;
 * - every result also has a physical location, which GitHub code scanning requires: the baseline
 *   entry that applies, else `--sarif-artifact`, else `azure/<subscription>/<resourceGroup>/<target>`
 *   (./sarifLocations.ts);
 * - a suppressed failure carries `suppressions: [{ kind: "external", justification }]`;
 * - report `errors` (failed reads) are tool execution notifications of level `error`, and
 *   `executionSuccessful` is false when there are any: the scan did not see everything.
 *
 * The texts a viewer shows (result and notification messages, logical location names, suppression
 * justifications, rule descriptions and help, which come from the report's catalog) go through the
 * one sanitiser (`safeLine`; `safeLines` for the multi-line help): control and bidi characters
 * (and, on one line, line breaks) become visible escapes. The registry's own texts have none, so
 * they pass unchanged.
 * Ids that tie results together (`ruleId`, fingerprints) and `properties` stay exact: they are data,
 * like the JSON report, and JSON escapes control characters itself.
 */
import type { Severity } from "../../checks/lib/types.js";
import { safeLine, safeLines } from "../../util/sanitize.js";
import { exitCodeOf, type CatalogEntry, type CheckCatalog, type DriftReport, type ReportFinding, type TargetReport } from "../report.js";
import { escapeMarkdown, evidenceOf, remediationOf, sortFindings } from "./common.js";
import { physicalLocationOf, type SarifLocationOptions } from "./sarifLocations.js";
import { toolInfo, type ToolInfo } from "./tool.js";

/** Options of {@link renderSarif}. */
export interface SarifOptions extends SarifLocationOptions {
  /** Also emit passing findings (`kind: "pass"`). Default: only fail and unknown. */
  includePasses?: boolean;
  /** Override the tool's name, version or home page (default: from package.json). */
  tool?: Partial<ToolInfo>;
  /** The exit code the invocation reports (the CLI's, which `--fail-on` changes); default {@link exitCodeOf}. */
  exitCode?: number;
}

/** The published OASIS schema (errata 01) of the format; informative, never fetched. */
export const SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/** Result level of a failing finding of this severity. */
export const sarifLevel: Record<Severity, "error" | "warning" | "note"> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
  info: "note",
};

/**
 * `security-severity` (GitHub code scanning's 0-10 scale: >= 9 critical, 7-8.9 high, 4-6.9 medium,
 * < 4 low). A numeric string, as GitHub documents and CodeQL emits. `info` has none: not a
 * security alert.
 */
export const securitySeverity: Partial<Record<Severity, string>> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "3.0",
};

/** The key under which the stable finding id is the partial fingerprint (bump `/v1` if ids change). */
export const FINGERPRINT_KEY = "egressAuditFindingId/v1";

type Json = Record<string, unknown>;

/** Renders the report as a SARIF 2.1.0 log (pretty-printed JSON, trailing newline). */
export function renderSarif(report: DriftReport, options: SarifOptions = {}): string {
  return JSON.stringify(buildSarif(report, options), null, 2) + "\n";
}

/** The SARIF log as an object (what {@link renderSarif} serialises). */
export function buildSarif(report: DriftReport, options: SarifOptions = {}): Json {
  const tool = { ...toolInfo(), ...options.tool };
  const catalog: CheckCatalog = report.checks ?? {};
  const rules: Json[] = Object.entries(catalog).map(([id, entry]) => ruleOf(id, entry));
  const known = new Set(Object.keys(catalog));
  // A report may name a check its catalog does not hold (written by another build): keep its results.
  for (const t of report.targets) {
    for (const f of t.findings) {
      if (!known.has(f.checkId)) {
        known.add(f.checkId);
        rules.push({ id: f.checkId, name: ruleName(f.checkId), shortDescription: { text: safeLine(f.checkId) } });
      }
    }
  }
  const ruleIndex = new Map(rules.map((r, i) => [r.id as string, i]));
  const newIds = report.diff ? new Set(report.diff.new) : undefined;

  const results: Json[] = [];
  for (const t of report.targets) {
    for (const f of sortFindings(t.findings)) {
      if (f.status === "pass" && !options.includePasses) continue;
      // A pass needs no remediation (its rule's help has it): without it, passes stay small.
      const remediation = f.status === "pass" ? "" : remediationOf(catalog, f.checkId);
      results.push(resultOf(t, f, ruleIndex.get(f.checkId) ?? -1, remediation, newIds, options));
    }
  }

  return {
    $schema: SARIF_SCHEMA_URI,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: tool.name,
            version: tool.version,
            semanticVersion: tool.version,
            ...(tool.informationUri ? { informationUri: tool.informationUri } : {}),
            rules,
          },
        },
        automationDetails: { id: `${tool.name}/${report.scanId}` },
        invocations: [
          {
            executionSuccessful: report.errors.length === 0,
            exitCode: options.exitCode ?? exitCodeOf(report),
            startTimeUtc: report.startedAt,
            endTimeUtc: report.finishedAt,
            toolExecutionNotifications: report.errors.map((e) => ({
              level: "error",
              descriptor: { id: e.code },
              message: { text: safeLine(`${e.code}: ${e.message}`) },
              locations: [{ logicalLocations: [{ fullyQualifiedName: safeLine(e.scope), kind: "resource" }] }],
            })),
          },
        ],
        results,
        properties: {
          scanId: report.scanId,
          reportSchemaVersion: report.schemaVersion,
          subscriptions: report.scope.subscriptions,
          summary: report.summary,
          stats: report.stats,
        },
      },
    ],
  };
}

function ruleOf(id: string, entry: CatalogEntry): Json {
  // The catalog is report data (a received or stored report): severities outside the enum get no level.
  const severity: Severity | undefined = Object.hasOwn(sarifLevel, entry.severity) ? entry.severity : undefined;
  const score = severity ? securitySeverity[severity] : undefined;
  const title = typeof entry.title === "string" && entry.title !== "" ? entry.title : id;
  const risk = typeof entry.risk === "string" ? entry.risk : "";
  const remediation = typeof entry.remediation === "string" ? entry.remediation : "";
  const markdown = `${risk ? `**Risk.** ${escapeMarkdown(risk, " ")}\n\n` : ""}**Remediation.** ${escapeMarkdown(remediation, " ")}`;
  return {
    id,
    name: ruleName(id),
    shortDescription: { text: safeLine(title) },
    ...(risk ? { fullDescription: { text: safeLines(risk) } } : {}),
    ...(remediation ? { help: { text: safeLines(remediation), markdown } } : {}),
    ...(severity ? { defaultConfiguration: { level: sarifLevel[severity] } } : {}),
    properties: {
      tags: ["security", "network", "egress"],
      ...(severity ? { severity } : {}),
      ...(score ? { "security-severity": score } : {}),
    },
  };
}

function resultOf(
  target: TargetReport,
  f: ReportFinding,
  ruleIndex: number,
  remediation: string,
  newIds: Set<string> | undefined,
  options: SarifLocationOptions,
): Json {
  const evidence = evidenceOf(f);
  const kind = f.status === "fail" ? "fail" : f.status === "unknown" ? "review" : "pass";
  const level = kind === "fail" ? sarifLevel[f.severity] : "none";
  const text = safeLine(`${sentence(f.message)} ${sentence(`Expected: ${f.expected}; actual: ${f.actual}`)}`);
  return {
    ruleId: f.checkId,
    ...(ruleIndex >= 0 ? { ruleIndex } : {}),
    kind,
    level,
    message: { text },
    locations: [
      {
        physicalLocation: physicalLocationOf(target, f, options),
        logicalLocations: [{ name: safeLine(lastSegment(f.resourceId)), fullyQualifiedName: safeLine(f.resourceId), kind: "resource" }],
      },
    ],
    partialFingerprints: { [FINGERPRINT_KEY]: f.id },
    ...(newIds && kind === "fail" ? { baselineState: newIds.has(f.id) ? "new" : "unchanged" } : {}),
    ...(f.suppressed
      ? {
          suppressions: [
            {
              kind: "external",
              justification: safeLine(f.suppressed.reason),
              properties: { owner: f.suppressed.owner, ...(f.suppressed.expires ? { expires: f.suppressed.expires } : {}) },
            },
          ],
        }
      : {}),
    properties: {
      findingId: f.id,
      status: f.status,
      severity: f.severity,
      expected: f.expected,
      actual: f.actual,
      ...(remediation ? { remediation } : {}),
      ...(evidence ? { evidence } : {}),
      target: { id: target.id, name: target.name, kind: target.kind, subscriptionId: target.subscriptionId, status: target.status },
    },
  };
}

/** `pool-outbound-type` -> `PoolOutboundType` (SARIF recommends a Pascal-case rule name). */
export function ruleName(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("");
}

function lastSegment(id: string): string {
  return id.split("/").filter(Boolean).at(-1) ?? id;
}

function sentence(text: string): string {
  const t = text.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}
