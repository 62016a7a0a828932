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
import { problemCatalog, type ProblemCode } from "./problem.js";

/** A string enum as a plain JSON-schema `enum` (TypeBox unions would become `anyOf`). */
function StringEnum<const T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) {
  return Type.Unsafe<T[number]>({ type: "string", enum: [...values], ...options });
}

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

export const KeyOnlyQuery = Type.Object({ code: FunctionKey }, { additionalProperties: false });
export const ReportQuery = Type.Object({ code: FunctionKey, format: Format }, { additionalProperties: false });
export const LatestQuery = Type.Object(
  {
    code: FunctionKey,
    format: Format,
    subscription: Type.Optional(
      Type.Array(Guid, { minItems: 1, maxItems: 100, description: "Repeat to name the scope's subscriptions; default: the newest scan of any scope." }),
    ),
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

const Severity = StringEnum(["critical", "high", "medium", "low", "info"] as const);

export const Finding = Type.Object(
  {
    id: Type.String(),
    checkId: Type.String(),
    status: StringEnum(["pass", "fail", "unknown"] as const),
    severity: Severity,
    resourceId: Type.String(),
    message: Type.String(),
    expected: Type.String(),
    actual: Type.String(),
    evidence: Type.Record(Type.String(), Type.Unknown()),
    remediation: Type.String(),
    suppressed: Type.Optional(
      Type.Object({ reason: Type.String(), owner: Type.String(), expires: Type.Optional(Type.String()) }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);

export const TargetReport = Type.Object(
  {
    id: Type.String(),
    kind: StringEnum(["clusterPool", "aksCluster"] as const),
    name: Type.String(),
    subscriptionId: Type.String(),
    status: StringEnum(["compliant", "drifted", "unknown"] as const),
    findings: Type.Array(Finding),
  },
  { additionalProperties: false },
);

const Count = Type.Integer({ minimum: 0 });

export const Summary = Type.Object(
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

export const DriftReport = Type.Object(
  {
    schemaVersion: Type.String(),
    scanId: Type.String(),
    startedAt: Type.String({ format: "date-time" }),
    finishedAt: Type.String({ format: "date-time" }),
    scope: Type.Object({ subscriptions: Type.Array(Type.String()) }, { additionalProperties: false }),
    summary: Summary,
    // Owned by the ARM layer, which may add counters: open on purpose.
    stats: Type.Object({ armRequests: Count, throttled: Count, retries: Count, durationMs: Count }, { additionalProperties: true }),
    targets: Type.Array(TargetReport),
    errors: Type.Array(Type.Object({ scope: Type.String(), code: Type.String(), message: Type.String() }, { additionalProperties: false })),
    expiredSuppressions: Type.Optional(
      Type.Array(
        Type.Object(
          {
            checkId: Type.String(),
            resourceId: Type.String(),
            reason: Type.String(),
            owner: Type.String(),
            expires: Type.String(),
            matchingFindingIds: Type.Array(Type.String()),
          },
          { additionalProperties: false },
        ),
        { description: "Baseline suppressions whose `expires` has passed; the failures they covered count as drift again." },
      ),
    ),
    diff: Type.Optional(ReportDiffSchema),
  },
  { additionalProperties: false, description: "The drift report (DESIGN.md contract)." },
);

export const ScanIndexEntry = Type.Object(
  {
    scanId: Type.String(),
    scopeKey: Type.String(),
    scope: Type.Object({ subscriptions: Type.Array(Type.String()), targets: Type.Array(Type.String()) }, { additionalProperties: false }),
    subscriptions: Type.Array(Type.String()),
    trigger: StringEnum(["timer", "http"] as const),
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

/** Schemas named in the OpenAPI components (referenced by `$ref` wherever they occur). */
export const namedSchemas: ReadonlyArray<readonly [string, TSchema]> = [
  ["DriftReport", DriftReport],
  ["TargetReport", TargetReport],
  ["Finding", Finding],
  ["ScanIndexEntry", ScanIndexEntry],
  ["ScanPage", ScanPage],
  ["CheckMetadata", CheckMetadata],
  ["Problem", Problem],
];
