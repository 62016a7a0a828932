/**
 * Errors as `application/problem+json` (RFC 9457). Every problem has a stable `code` from
 * {@link problemCatalog} (defined once, documented in the OpenAPI document and the README), the
 * field paths for validation errors, and never internals on a 5xx: the detail of a server error is
 * a fixed sentence, and the cause goes to the invocation log only.
 */

/** One failing field of a validation problem. */
export interface ProblemFieldError {
  /** JSON pointer prefixed by the request part: `/body/subscriptions/0`, `/query/limit`, `/params/scanId`. */
  path: string;
  message: string;
}

/** The problem document. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The request path (never the query: it may carry the function key). */
  instance: string;
  code: ProblemCode;
  errors?: ProblemFieldError[];
  /** Correlates with the invocation log. */
  invocationId?: string;
}

/** Every problem the API returns: status, title and when it happens. */
export const problemCatalog = {
  ValidationFailed: { status: 400, title: "The request is not valid", when: "a parameter, query field, header or body field breaks the route's schema; `errors` names each field" },
  MalformedJson: { status: 400, title: "The request body is not valid JSON", when: "the body of a JSON route does not parse" },
  MissingBody: { status: 400, title: "The request body is missing", when: "a route that takes a JSON body got none" },
  UnexpectedBody: { status: 400, title: "The route takes no request body", when: "a body was sent to a route that takes none" },
  TargetOutsideScope: { status: 400, title: "A target is outside the scanned subscriptions", when: "a `targets` entry of POST /api/scans names a subscription not in `subscriptions`" },
  Unauthorized: {
    status: 401,
    title: "A function key is required",
    when: "(npm run serve) a function-level route was called without a valid `code` or `x-functions-key`, or an admin route (`/admin/functions/<name>`) without the master key",
  },
  AuthenticationRequired: {
    status: 401,
    title: "A signed-in Microsoft Entra ID caller is required",
    when: "allowed app roles or groups are configured (`AUTH_ALLOWED_ROLES`, `AUTH_ALLOWED_GROUPS`) and the request carries no valid `x-ms-client-principal` from App Service Authentication",
  },
  Forbidden: { status: 403, title: "The caller is not allowed", when: "the caller's Microsoft Entra ID principal has none of the allowed app roles or groups" },
  ScanNotFound: { status: 404, title: "No such scan", when: "the scan id is well-formed but no stored scan has it" },
  NoScans: { status: 404, title: "No scan has completed yet", when: "GET /api/scans/latest before any complete scan (of the asked scope)" },
  TargetNotFound: { status: 404, title: "No such target", when: "the ARM id is well-formed but the scan found no cluster pool or AKS cluster with it" },
  RouteNotFound: { status: 404, title: "No such route", when: "(npm run serve) the path matches no route" },
  MethodNotAllowed: { status: 405, title: "Method not allowed", when: "(npm run serve) the path exists but not for this method" },
  FormatNotAvailable: { status: 406, title: "The requested format is not available", when: "`?format=` names a format with no renderer in this build" },
  ScanInProgress: {
    status: 409,
    title: "A scan of this scope is in progress",
    when: "another scan of the same subscriptions holds their lock, or a scan of them handed to the shard queue is in progress (the detail names it); retry later",
  },
  ScanFailed: {
    status: 410,
    title: "The scan ended without a report",
    when: "GET /api/scans/{scanId} of a scan handed to the shard queue that was abandoned, or did not finish within 2 hours; start a new scan",
  },
  EvidenceNotKept: {
    status: 409,
    title: "The stored report did not keep pass evidence",
    when: "`?evidence=all` asked for the evidence of pass findings, and the stored report kept only the evidence of fail and unknown findings",
  },
  PayloadTooLarge: { status: 413, title: "The request body is too large", when: "the body (or its declared Content-Length) exceeds the limit" },
  UnsupportedMediaType: { status: 415, title: "Unsupported media type", when: "a JSON route got a body whose Content-Type is not application/json" },
  RateLimited: {
    status: 429,
    title: "Too many scans",
    when: "the caller (or all callers together) started more scans or fresh target audits than the limit allows (`SCAN_RATE_LIMIT_PER_MINUTE`), or this instance already runs `SCAN_MAX_CONCURRENT` scans; `Retry-After` says when to retry",
  },
  InternalError: { status: 500, title: "Internal error", when: "anything unexpected; the detail is generic, the log has the cause" },
  ConfigurationError: { status: 500, title: "The service is misconfigured", when: "an app setting is invalid; the log names it" },
  ArmUnreachable: { status: 502, title: "Azure Resource Manager could not be reached", when: "the scan could not reach the ARM endpoint at all" },
  StorageNotConfigured: { status: 503, title: "History storage is not configured", when: "a route that needs history runs without AzureWebJobsStorage" },
  StorageUnavailable: { status: 503, title: "History storage is unavailable", when: "the history storage did not answer (after the storage SDK's retries); `Retry-After` says when to retry" },
} as const;

/** Stable problem codes. */
export type ProblemCode = keyof typeof problemCatalog;

/** Base URI of problem types; each code has a fragment-free type URI under it. */
export const PROBLEM_TYPE_BASE = "https://egress-audit.dev/problems/";

/** The `type` URI of a code, e.g. `https://egress-audit.dev/problems/scan-not-found`. */
export function problemType(code: ProblemCode): string {
  return PROBLEM_TYPE_BASE + code.replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase();
}

/**
 * Most field errors a problem lists. A 64 KB body can hold 16,000 bad items, and listing each
 * would answer with megabytes (and cost as much to build): the first ones say what is wrong, and
 * the detail says how many more there were.
 */
export const MAX_FIELD_ERRORS = 20;

/** An error a handler throws to answer with a problem. */
export class ProblemError extends Error {
  override readonly name = "ProblemError";
  readonly status: number;
  readonly detail: string;
  /** At most {@link MAX_FIELD_ERRORS}, in the order given. */
  readonly errors?: ProblemFieldError[];
  /** How many field errors were left out of `errors` (0: none). */
  readonly omittedErrors: number;
  constructor(
    readonly code: ProblemCode,
    detail: string,
    errors?: ProblemFieldError[],
    /** Extra response headers (`Retry-After`, `WWW-Authenticate`). */
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    const omitted = errors ? Math.max(0, errors.length - MAX_FIELD_ERRORS) : 0;
    const fullDetail = omitted > 0 ? `${detail} (errors lists the first ${MAX_FIELD_ERRORS} of ${errors!.length}; ${omitted} more were left out)` : detail;
    super(fullDetail);
    this.status = problemCatalog[code].status;
    this.detail = fullDetail;
    this.omittedErrors = omitted;
    if (errors) this.errors = omitted > 0 ? errors.slice(0, MAX_FIELD_ERRORS) : errors;
  }
}

/** Builds the problem document of an error (5xx details are fixed sentences, by construction). */
export function problemDocument(err: ProblemError, instance: string, invocationId?: string): ProblemDocument {
  const entry = problemCatalog[err.code];
  return {
    type: problemType(err.code),
    title: entry.title,
    status: entry.status,
    detail: err.detail,
    instance,
    code: err.code,
    ...(err.errors ? { errors: err.errors } : {}),
    ...(invocationId && invocationId !== "unknown" ? { invocationId } : {}),
  };
}
