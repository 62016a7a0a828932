/**
 * The drift report's JSON Schema, version 2 (DESIGN "Drift report"), written with TypeBox so the
 * report types, the API's OpenAPI document and the published `schemas/report.schema.json` come
 * from one source. The tests validate every report the product writes against it.
 */
import { Type, type Static } from "@sinclair/typebox";

/** A string enum as a plain JSON-schema `enum` (TypeBox unions would become `anyOf`). */
export function StringEnum<const T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) {
  return Type.Unsafe<T[number]>({ type: "string", enum: [...values], ...options });
}

const Count = Type.Integer({ minimum: 0 });
export const SeveritySchema = StringEnum(["critical", "high", "medium", "low", "info"] as const);

/** `{ "$ref": "#/sharedEvidence/<key>" }`: evidence written once in `sharedEvidence` and referenced. */
export const EvidenceRef = Type.Object({ $ref: Type.String({ pattern: "^#/sharedEvidence/[0-9a-f]+$" }) }, { additionalProperties: false });

export const FindingSchema = Type.Object(
  {
    id: Type.String({ description: "Stable across scans: `<checkId>:<20 hex>` from check, target, resource and item (same ids as report version 1)." }),
    checkId: Type.String(),
    status: StringEnum(["pass", "fail", "unknown"] as const),
    severity: SeveritySchema,
    resourceId: Type.String(),
    message: Type.String({ description: "One sentence; for a pass it names what proved it." }),
    expected: Type.String(),
    actual: Type.String(),
    evidence: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description:
          "Always on fail and unknown findings; on pass findings only on request (CLI `--evidence all`, API `?evidence=all`). In a written report a large value shared by several findings is `{ \"$ref\": \"#/sharedEvidence/<key>\" }`.",
      }),
    ),
    suppressed: Type.Optional(
      Type.Object({ reason: Type.String(), owner: Type.String(), expires: Type.Optional(Type.String()) }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);

export const TargetReportSchema = Type.Object(
  {
    id: Type.String(),
    kind: StringEnum(["clusterPool", "aksCluster"] as const),
    name: Type.String(),
    subscriptionId: Type.String(),
    tags: Type.Optional(Type.Record(Type.String(), Type.String(), { description: "The target's own ARM tags, when it has any." })),
    aksClusterId: Type.Optional(Type.String({ description: "A cluster pool's AKS cluster, when known (kind clusterPool only)." })),
    status: StringEnum(["compliant", "drifted", "unknown"] as const),
    findings: Type.Array(FindingSchema),
  },
  { additionalProperties: false },
);

export const SummarySchema = Type.Object(
  {
    targets: Count,
    compliant: Count,
    drifted: Count,
    unknown: Count,
    findings: Type.Object({ fail: Count, pass: Count, unknown: Count }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

export const ReportDiffSchema = Type.Object(
  {
    new: Type.Array(Type.String(), { description: "Ids of findings that are drift now and were not at the previous complete scan of the scope." }),
    resolved: Type.Array(Type.String(), { description: "Ids of findings that were drift and no longer are (an unevaluated finding is never resolved)." }),
    unchanged: Type.Integer({ minimum: 0, description: "Findings that were and still are drift (including those carried over unevaluated)." }),
  },
  { additionalProperties: false },
);

/** One check of the catalog as the report carries it, once per report. */
export const CatalogEntrySchema = Type.Object(
  { title: Type.String(), severity: SeveritySchema, risk: Type.String(), remediation: Type.String() },
  { additionalProperties: false, description: "`severity` is the check's default; a finding carries its own (a baseline may override it)." },
);

export const ScanErrorSchema = Type.Object({ scope: Type.String(), code: Type.String(), message: Type.String() }, { additionalProperties: false });

export const ExpiredSuppressionSchema = Type.Object(
  {
    checkId: Type.String(),
    resourceId: Type.String(),
    reason: Type.String(),
    owner: Type.String(),
    expires: Type.String(),
    matchingFindingIds: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);

export const StatsSchema = Type.Object(
  { armRequests: Count, throttled: Count, retries: Count, durationMs: Count },
  // Owned by the ARM layer, which may add counters: open on purpose.
  { additionalProperties: true },
);

export const DriftReportSchema = Type.Object(
  {
    schemaVersion: Type.String({ pattern: "^2\\.[0-9]+$" }),
    scanId: Type.String(),
    startedAt: Type.String({ format: "date-time" }),
    finishedAt: Type.String({ format: "date-time" }),
    scope: Type.Object({ subscriptions: Type.Array(Type.String()) }, { additionalProperties: false }),
    summary: SummarySchema,
    stats: StatsSchema,
    checks: Type.Record(Type.String(), CatalogEntrySchema, { description: "The check catalog, once: title, default severity, risk and remediation by check id." }),
    targets: Type.Array(TargetReportSchema),
    errors: Type.Array(ScanErrorSchema),
    expiredSuppressions: Type.Optional(
      Type.Array(ExpiredSuppressionSchema, { description: "Baseline suppressions whose `expires` has passed; the failures they covered count as drift again." }),
    ),
    diff: Type.Optional(ReportDiffSchema),
    sharedEvidence: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { description: "Evidence values written once and referenced from findings by `{ \"$ref\": \"#/sharedEvidence/<key>\" }`." }),
    ),
  },
  { additionalProperties: false, description: "The drift report, version 2 (DESIGN.md contract)." },
);

export type DriftReportJson = Static<typeof DriftReportSchema>;

/** The `$id` of the published report schema (as the baseline and estate schemas name theirs). */
export const REPORT_SCHEMA_ID = "https://egress-audit.dev/schemas/report.schema.json";

/**
 * The text of `schemas/report.schema.json`: {@link DriftReportSchema} as a draft 2020-12 document
 * with its `$id`. Written by `npm run docs` (scripts/generate-check-docs.ts); a test holds the
 * committed file equal to it.
 */
export function reportSchemaJson(): string {
  // JSON.stringify drops TypeBox's symbol keys: what remains is plain JSON Schema.
  return JSON.stringify({ $schema: "https://json-schema.org/draft/2020-12/schema", $id: REPORT_SCHEMA_ID, ...DriftReportSchema }, null, 2) + "\n";
}
