/**
 * JSON schemas of the API, one per route part (params, query, headers, body) and per response,
 * written with TypeBox so the handlers get their static types from the same source. The request
 * schemas are compiled once by ajv (src/http/validation.ts), the OpenAPI document is generated
 * from them (src/http/openapi.ts), and the tests validate every response against them.
 *
 * `x-message` is an annotation: the message a `pattern` failure reports instead of ajv's
 * "must match pattern ...", so a client reads what was expected.
 */
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { DriftReportSchema, FindingSchema, ReportDiffSchema, SeveritySchema, SummarySchema, TargetReportSchema } from "../report/schema.js";
import { checks } from "../checks/index.js";
import { evidenceModes } from "../report/report.js";
import { problemCatalog, type ProblemCode } from "./problem.js";

/** A string enum as a plain JSON-schema `enum` (TypeBox unions would become `anyOf`). */
function StringEnum<const T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) {
  return Type.Unsafe<T[number]>({ type: "string", enum: [...values], ...options });
}

const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;

export const GUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";
export const SCAN_ID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";
/** A case-insensitive JSON-schema pattern for a literal (JSON-schema patterns take no flags; ARM ids ignore case). */
function ci(literal: string): string {
  return literal.replace(/[A-Za-z]/g, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`).replace(/\./g, "\\.");
}

/**
 * The ARM id of a scan target: a cluster pool or an AKS cluster. Names follow ARM's rules
 * (resource group: letters, digits, `._()-`, not ending in `.`; resource: letters, digits, `_-`),
 * so `..`, `%`, `?`, `#`, `\` and a host can never get through.
 */
export const TARGET_ID_PATTERN =
  `^/${ci("subscriptions")}/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}` +
  `/${ci("resourceGroups")}/[-\\w()]([-\\w.()]{0,88}[-\\w()])?` +
  `/${ci("providers")}/(${ci("Microsoft.HDInsight/clusterpools")}|${ci("Microsoft.ContainerService/managedClusters")})/[A-Za-z0-9][A-Za-z0-9_-]{0,62}$`;

export const Guid = Type.String({ pattern: GUID_PATTERN, "x-message": "must be a subscription id (a GUID like 00000000-0000-0000-0000-000000000000)" });
export const ScanId = Type.String({ pattern: SCAN_ID_PATTERN, "x-message": "must be a scan id (a lower-case UUID)" });
export const TargetId = Type.String({
  maxLength: 600,
  pattern: TARGET_ID_PATTERN,
  "x-message":
    "must be the ARM id of a cluster pool (/subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.HDInsight/clusterpools/<name>) or of an AKS cluster (.../providers/Microsoft.ContainerService/managedClusters/<name>)",
});

/** Report formats the API can be asked for; which ones are available depends on the renderers. */
export const REPORT_FORMATS = ["json", "sarif", "csv", "markdown"] as const;
export type ReportFormatName = (typeof REPORT_FORMATS)[number];

const FunctionKey = Type.Optional(
  Type.String({ maxLength: 256, description: "The function key, when not sent as the `x-functions-key` header. Never echoed." }),
);
const Format = Type.Optional(StringEnum(REPORT_FORMATS, { default: "json", description: "Response format: json, or a renderer's format where one exists." }));

// ---------------------------------------------------------------------------------------------
// Request parts

const Evidence = Type.Optional(
  StringEnum(evidenceModes, {
    default: "failures",
    description: "`failures`: evidence on fail and unknown findings only; `all`: pass findings with their evidence too (409 `EvidenceNotKept` when the stored report did not keep it).",
  }),
);
const LatestScope = Type.Optional(
  Type.Array(Guid, { minItems: 1, maxItems: 100, description: "Repeat to name the scope's subscriptions; default: the newest scan of any scope." }),
);
const PageToken = Type.Optional(Type.String({ pattern: "^[A-Za-z0-9_-]{1,200}$", "x-message": "must be a continuationToken returned by a previous page" }));

export const KeyOnlyQuery = Type.Object({ code: FunctionKey }, { additionalProperties: false });
export const ReportQuery = Type.Object({ code: FunctionKey, format: Format, evidence: Evidence }, { additionalProperties: false });
export const LatestQuery = Type.Object({ code: FunctionKey, format: Format, evidence: Evidence, subscription: LatestScope }, { additionalProperties: false });
export const SummaryQuery = KeyOnlyQuery;
export const LatestSummaryQuery = Type.Object({ code: FunctionKey, subscription: LatestScope }, { additionalProperties: false });

/** The check ids of the catalog, for `?check=` (an unknown id is a 400 naming the field). */
const CHECK_IDS = checks.map((c) => c.meta.id);
const targetsQueryFields = {
  code: FunctionKey,
  status: Type.Optional(StringEnum(["compliant", "drifted", "unknown"] as const, { description: "Targets with this status." })),
  check: Type.Optional(StringEnum(CHECK_IDS, { description: "Targets with a fail (suppressed or not) or unknown finding of this check." })),
  severity: Type.Optional(StringEnum(SEVERITIES, { description: "Targets with an unsuppressed fail or an unknown finding of this severity." })),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "Case-insensitive substring of the target's name, ARM id, subscription id, or a tag key or value." })),
  id: Type.Optional(Type.String({ ...TargetId, description: "One target's exact ARM id (case-insensitive)." })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50, description: "Targets per page." })),
  continuationToken: PageToken,
  findings: Type.Optional(
    StringEnum(["failures", "all", "none"] as const, {
      default: "failures",
      description: "`failures`: each target's fail and unknown findings; `all`: every finding; `none`: counts only (an empty `findings`; the cheapest page, for lists).",
    }),
  ),
  evidence: Evidence,
};
export const TargetsQuery = Type.Object(targetsQueryFields, { additionalProperties: false });
export const LatestTargetsQuery = Type.Object({ ...targetsQueryFields, subscription: LatestScope }, { additionalProperties: false });
export const DriftQuery = Type.Object(
  {
    code: FunctionKey,
    id: Type.String({ ...TargetId, description: "The ARM id of the cluster pool or AKS cluster to audit (a query parameter: the Functions host in Azure rejects an encoded `/` in a path segment)." }),
    format: Format,
    evidence: Evidence,
  },
  { additionalProperties: false },
);
export const ListQuery = Type.Object(
  {
    code: FunctionKey,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20, description: "Scans per page." })),
    continuationToken: Type.Optional(
      Type.String({ pattern: "^[A-Za-z0-9_-]{1,200}$", "x-message": "must be a continuationToken returned by a previous page" }),
    ),
  },
  { additionalProperties: false },
);

export const ScanParams = Type.Object({ scanId: ScanId }, { additionalProperties: false });
export const TargetParams = Type.Object({ targetId: TargetId }, { additionalProperties: false });

export const JsonHeaders = Type.Object(
  { "content-type": Type.String({ pattern: "^application/json(\\s*;.*)?$", "x-message": "must be application/json" }) },
  { additionalProperties: true, description: "HTTP headers are open by nature: only the named ones are checked." },
);

export const StartScanBody = Type.Object(
  {
    subscriptions: Type.Array(Guid, { minItems: 1, maxItems: 100, description: "Subscriptions to scan." }),
    targets: Type.Optional(
      Type.Array(TargetId, { minItems: 1, maxItems: 100, description: "Only report these targets (ARM ids of pools or AKS clusters in those subscriptions)." }),
    ),
  },
  { additionalProperties: false },
);
export type StartScanBody = Static<typeof StartScanBody>;

// ---------------------------------------------------------------------------------------------
// Responses

const Severity = SeveritySchema;
const Count = Type.Integer({ minimum: 0 });

// The report's own schema (src/report/schema.ts, published as schemas/report.schema.json): the API
// serves the report as written, so it validates against the same one.
export const Finding = FindingSchema;
export const TargetReport = TargetReportSchema;
export const Summary = SummarySchema;
export { ReportDiffSchema };
export const DriftReport = DriftReportSchema;

export const ScanIndexEntry = Type.Object(
  {
    scanId: Type.String(),
    scopeKey: Type.String(),
    scope: Type.Object({ subscriptions: Type.Array(Type.String()), targets: Type.Array(Type.String()) }, { additionalProperties: false }),
    subscriptions: Type.Array(Type.String()),
    trigger: StringEnum(["timer", "http", "event"] as const),
    startedAt: Type.String({ format: "date-time" }),
    finishedAt: Type.String({ format: "date-time" }),
    summary: Summary,
    errors: Count,
    diff: Type.Optional(Type.Object({ new: Count, resolved: Count, unchanged: Count, stale: Count }, { additionalProperties: false })),
    notification: StringEnum(["sent", "failed", "uncertain", "duplicate", "not-needed", "not-configured"] as const),
    links: Type.Object({ report: Type.String() }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

export const ScanPage = Type.Object(
  { items: Type.Array(ScanIndexEntry), continuationToken: Type.Optional(Type.String()) },
  { additionalProperties: false },
);

export const CheckMetadata = Type.Object(
  {
    id: Type.String(),
    title: Type.String(),
    defaultSeverity: Severity,
    risk: Type.String(),
    remediation: Type.String(),
    requires: Type.Array(Type.String()),
    parameters: Type.Array(
      Type.Object({ name: Type.String(), description: Type.String(), default: Type.Unknown() }, { additionalProperties: true }),
    ),
  },
  // Owned by the check catalog, which may grow: open on purpose.
  { additionalProperties: true },
);

export const CheckList = Type.Object({ checks: Type.Array(CheckMetadata) }, { additionalProperties: false });

export const Health = Type.Object(
  { status: Type.Literal("ok"), version: Type.String(), time: Type.String({ format: "date-time" }) },
  { additionalProperties: false },
);

export const OpenApiDocument = Type.Object({ openapi: Type.String(), info: Type.Object({}), paths: Type.Object({}) }, { additionalProperties: true });

export const Problem = Type.Object(
  {
    type: Type.String({ format: "uri" }),
    title: Type.String(),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    detail: Type.String(),
    instance: Type.String(),
    code: StringEnum(Object.keys(problemCatalog) as ProblemCode[]),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }, { additionalProperties: false }))),
    invocationId: Type.Optional(Type.String()),
  },
  { additionalProperties: false, description: "RFC 9457 problem details with a stable `code`." },
);

/** A scan handed to the shard queue, not done yet (`202 Accepted` of POST /api/scans and GET /api/scans/{scanId}). */
export const ScanProgress = Type.Object(
  {
    scanId: Type.String({ description: "The id of the report the scan will store (its Location is /api/scans/{scanId})." }),
    status: StringEnum(["queued", "running", "assembling"] as const, {
      description: "`queued`: no shard started yet; `running`: shards are being scanned; `assembling`: every shard settled, the report is being made.",
    }),
    startedAt: Type.String({ format: "date-time" }),
    shards: Type.Object(
      { total: Count, pending: Count, scanning: Count, done: Count, failed: Count },
      { additionalProperties: false, description: "Shards of `SCAN_SHARD_SIZE` subscriptions. A failed shard (poisoned) is reported as not scanned in the report." },
    ),
    subscriptions: Type.Object({ total: Count, scanned: Count }, { additionalProperties: false }),
    targetsScanned: Type.Integer({ minimum: 0, description: "Targets found in the shards scanned so far (before `targets` narrows the report)." }),
  },
  { additionalProperties: false, description: "Progress of a scan running on the shard queue; poll its Location after `Retry-After` seconds." },
);

const FindingCounts = Type.Object({ fail: Count, pass: Count, unknown: Count }, { additionalProperties: false });
const SeverityCounts = Type.Object({ fail: Count, unknown: Count }, { additionalProperties: false });

/** GET /api/scans/{scanId}/summary: a stored scan's counts, without its targets. */
export const ScanSummary = Type.Object(
  {
    scanId: Type.String(),
    schemaVersion: Type.String(),
    startedAt: Type.String({ format: "date-time" }),
    finishedAt: Type.String({ format: "date-time" }),
    scope: Type.Object({ subscriptions: Type.Array(Type.String()) }, { additionalProperties: false }),
    summary: Summary,
    stats: DriftReportSchema.properties.stats,
    complete: Type.Boolean({ description: "The `X-Scan-Complete` rule: every read succeeded and nothing is `unknown`." }),
    evidence: StringEnum(evidenceModes, { description: "What the stored report kept: `all` when pass findings kept their evidence." }),
    byCheck: Type.Record(
      Type.String(),
      Type.Object(
        {
          title: Type.String(),
          severity: Severity,
          fail: Count,
          pass: Count,
          unknown: Count,
          targets: Type.Integer({ minimum: 0, description: "Targets with a fail or unknown finding of this check." }),
        },
        { additionalProperties: false },
      ),
      { description: "Every check of the catalog: finding counts (fail includes suppressed fails) and the targets it fails or cannot judge. Remediation: GET /api/checks." },
    ),
    bySeverity: Type.Object(
      Object.fromEntries(SEVERITIES.map((sev) => [sev, SeverityCounts])),
      { additionalProperties: false, description: "Unsuppressed fails and unknowns by severity." },
    ),
    errors: DriftReportSchema.properties.errors,
    expiredSuppressions: Type.Integer({ minimum: 0, description: "Baseline suppressions that expired (the report lists them)." }),
    diff: Type.Optional(Type.Object({ new: Count, resolved: Count, unchanged: Count }, { additionalProperties: false, description: "Counts of the diff against the previous complete scan of the scope." })),
    links: Type.Object({ targets: Type.String(), report: Type.String() }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

/** One target of a page: its identity, status and counts, and its findings (fail and unknown by default). */
export const TargetItem = Type.Object(
  {
    id: Type.String(),
    kind: TargetReportSchema.properties.kind,
    name: Type.String(),
    subscriptionId: Type.String(),
    tags: Type.Optional(Type.Record(Type.String(), Type.String())),
    status: TargetReportSchema.properties.status,
    counts: FindingCounts,
    findings: Type.Array(Finding, { description: "Titles and remediation are not repeated here: see the summary's `byCheck` and GET /api/checks." }),
  },
  { additionalProperties: false },
);

/** GET /api/scans/{scanId}/targets: a page of a stored scan's targets. */
export const TargetsPage = Type.Object(
  {
    scanId: Type.String(),
    total: Type.Integer({ minimum: 0, description: "Targets matching the filters, on all pages." }),
    items: Type.Array(TargetItem),
    continuationToken: Type.Optional(Type.String({ description: "Opaque; pass it back (with the same filters) for the next page. Absent on the last page." })),
    links: Type.Object({ next: Type.Optional(Type.String()) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

/** Schemas named in the OpenAPI components (referenced by `$ref` wherever they occur). */
export const namedSchemas: ReadonlyArray<readonly [string, TSchema]> = [
  ["DriftReport", DriftReport],
  ["TargetReport", TargetReport],
  ["Finding", Finding],
  ["ScanIndexEntry", ScanIndexEntry],
  ["ScanPage", ScanPage],
  ["ScanSummary", ScanSummary],
  ["TargetItem", TargetItem],
  ["TargetsPage", TargetsPage],
  ["ScanProgress", ScanProgress],
  ["CheckMetadata", CheckMetadata],
  ["Problem", Problem],
];
