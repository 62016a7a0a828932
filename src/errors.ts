/**
 * The error catalog: every error the product throws on purpose, with a stable code, in one place
 * (as fastify keeps its `FST_ERR_*` codes). Callers match errors by `code` ({@link hasErrorCode}),
 * never by class or by `name`, so an error that crossed a module boundary, a worker or a re-wrap
 * still matches; the original failure travels as `cause`. Codes are part of the contract (CLI
 * messages, problem+json logs, the report's `errors[]`): never rename one. `docs/errors.md`
 * documents each code, and a test keeps the two in step.
 *
 * HTTP answers have their own catalog of problem codes (`src/http/problem.ts`): those are what a
 * caller of the API sees; these are what the code throws.
 */

/** What a code means for the caller: a usage error exits 3 in the CLI and is a configuration error in the service. */
export type ErrorKind = "usage" | "runtime";

/** One entry of the catalog. */
export interface ErrorCatalogEntry {
  kind: ErrorKind;
  /** When the error is thrown, in one sentence (the documentation says more). */
  when: string;
}

/** Every code the product throws. */
export const errorCatalog = {
  // Usage and configuration: nothing was done, the CLI exits 3, the service answers 400 or logs a configuration error.
  InvalidFlag: { kind: "usage", when: "a command-line flag is unknown, repeated where it may not be, or lacks its value" },
  InvalidPort: { kind: "usage", when: "--port is not a whole number from 0 to 65535" },
  InvalidFormat: { kind: "usage", when: "--format names no report format" },
  InvalidOutput: { kind: "usage", when: "the --output file cannot be written" },
  InvalidSubscriptionId: { kind: "usage", when: "a subscription id is not a GUID" },
  InvalidArmEndpoint: { kind: "usage", when: "the ARM endpoint is not an https URL without query or fragment, or is not an Azure cloud's ARM and no static token is set" },
  InvalidEstate: { kind: "usage", when: "an emulator estate file is not JSON, breaks the estate schema or repeats a resource id" },
  InvalidBaseline: { kind: "usage", when: "a baseline is not JSON, breaks the baseline schema, names an unknown check id or uses glob syntax other than `*`, `**`, `?`" },
  EstateNotReadable: { kind: "usage", when: "an emulator estate file cannot be read" },
  BaselineNotReadable: { kind: "usage", when: "a baseline file cannot be read, or BASELINE_URL could not be fetched, answered an error or is too large" },
  UnknownCheck: { kind: "usage", when: "a check id asked for is not in the catalog" },
  InvalidSchedule: { kind: "usage", when: "SCAN_SCHEDULE is not a six-field NCRONTAB expression" },
  InvalidSetting: { kind: "usage", when: "an app setting is malformed or contradicts another one" },
  NotLoggedIn: { kind: "usage", when: "no Azure credential can get a token: not logged in with `az login`, no managed identity, no environment credential" },
  NotBuilt: { kind: "usage", when: "the installed CLI has no compiled JavaScript (dist/) to run" },
  EmulatorUnavailable: { kind: "usage", when: "the ARM emulator is needed and its optional dependency selfsigned is not installed" },
  // Runtime: the operation could not be carried out; the caller may retry later.
  EndpointUnreachable: { kind: "runtime", when: "the ARM endpoint could not be reached at all (DNS, TCP, TLS)" },
  StorageNotConfigured: { kind: "runtime", when: "an operation needs the scan history and no storage is configured" },
  QueueNotConfigured: { kind: "runtime", when: "the fan-out needs a storage queue and identity-based storage names none" },
  ScanInProgress: { kind: "runtime", when: "a fan-out assembler could not take its scope's lock in time (the queue message is retried)" },
  TimeLimitExceeded: { kind: "runtime", when: "a scan reached its time limit; what was not read is reported unknown" },
} as const satisfies Record<string, ErrorCatalogEntry>;

/** A stable error code of the catalog. */
export type ErrorCode = keyof typeof errorCatalog;

/** Usage error codes (exit 3). */
export type UsageErrorCode = { [C in ErrorCode]: (typeof errorCatalog)[C]["kind"] extends "usage" ? C : never }[ErrorCode];

/** Options of every catalog error. */
export interface EgressAuditErrorOptions {
  /** The failure this error reports (kept, never flattened into the message). */
  cause?: unknown;
}

/** The base of every catalog error: a stable {@link ErrorCode} plus a message for people. */
export class EgressAuditError extends Error {
  override readonly name: string = "EgressAuditError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: EgressAuditErrorOptions,
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** Bad input or configuration: a flag, a file, a setting. Nothing was done. The CLI exits 3; HTTP answers 400. */
export class UsageError extends EgressAuditError {
  override readonly name = "UsageError";
  declare readonly code: UsageErrorCode;
  constructor(code: UsageErrorCode, message: string, options?: EgressAuditErrorOptions) {
    super(code, message, options);
  }
}

/** The ARM endpoint could not be reached at all (DNS, TCP, TLS). */
export class EndpointUnreachableError extends EgressAuditError {
  override readonly name = "EndpointUnreachableError";
  declare readonly code: "EndpointUnreachable";
  constructor(message: string, options?: EgressAuditErrorOptions) {
    super("EndpointUnreachable", message, options);
  }
}

/** Storage is needed and not configured: HTTP 503, the timer refuses to run. */
export class StorageNotConfiguredError extends EgressAuditError {
  override readonly name = "StorageNotConfiguredError";
  declare readonly code: "StorageNotConfigured";
  constructor(message = "no storage is configured (set AzureWebJobsStorage)", options?: EgressAuditErrorOptions) {
    super("StorageNotConfigured", message, options);
  }
}

/** The fan-out has no queue to use (identity-based storage without a queue endpoint). */
export class QueueNotConfiguredError extends EgressAuditError {
  override readonly name = "QueueNotConfiguredError";
  declare readonly code: "QueueNotConfigured";
  constructor(
    message = "the fan-out needs a storage queue: set AzureWebJobsStorage__queueServiceUri or __accountName",
    options?: EgressAuditErrorOptions,
  ) {
    super("QueueNotConfigured", message, options);
  }
}

/** The assembler could not take the scope's lock in time; the message is retried. */
export class ScopeBusyError extends EgressAuditError {
  override readonly name = "ScopeBusyError";
  declare readonly code: "ScanInProgress";
  constructor(message: string, options?: EgressAuditErrorOptions) {
    super("ScanInProgress", message, options);
  }
}

/** Thrown into reads when a scan's time limit passes; its code names the stop in the report. */
export class TimeLimitExceededError extends EgressAuditError {
  override readonly name = "TimeLimitExceededError";
  declare readonly code: "TimeLimitExceeded";
  constructor(message: string, options?: EgressAuditErrorOptions) {
    super("TimeLimitExceeded", message, options);
  }
}

/**
 * True when `err` carries one of `codes` (matching by code, so a re-wrapped or structurally
 * cloned error matches too). Without codes: true for any code of the catalog.
 */
export function hasErrorCode<C extends ErrorCode>(err: unknown, ...codes: C[]): err is EgressAuditError & { code: C } {
  const code = errorCodeOf(err);
  if (code === undefined || !Object.hasOwn(errorCatalog, code)) return false;
  return codes.length === 0 || (codes as string[]).includes(code);
}

/** True when `err` carries a usage code of the catalog (CLI exit 3). */
export function isUsageError(err: unknown): err is UsageError {
  const code = errorCodeOf(err);
  return code !== undefined && Object.hasOwn(errorCatalog, code) && errorCatalog[code as ErrorCode].kind === "usage";
}

/** The string `code` of anything thrown (catalog errors, Azure SDK `RestError`s, Node system errors). */
export function errorCodeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === "string" && code !== "" ? code : undefined;
}

/** The HTTP status of anything thrown (an Azure SDK `RestError`'s `statusCode`), if it has one. */
export function statusCodeOf(err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown } | null | undefined)?.statusCode;
  return typeof status === "number" ? status : undefined;
}
