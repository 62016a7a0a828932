/**
 * Function app settings (the service side of `DESIGN.md` "Environment"), read once from the
 * environment, validated and frozen. Secrets (`TEAMS_WEBHOOK_URL`, storage keys, the ARM token)
 * live only in the returned object: every message this module produces names the setting, never
 * its value, and {@link describeAppSettings} redacts them.
 */
import { UsageError } from "../errors.js";
import { DEFAULT_READ_DEADLINE_IN_MS, readArmSettings, validateSubscriptionIds, type ArmSettings } from "./settings.js";

/** Every six hours, on the hour (NCRONTAB: second minute hour day month day-of-week). */
export const DEFAULT_SCAN_SCHEDULE = "0 0 */6 * * *";

/**
 * Where history lives. Either a connection string (`AzureWebJobsStorage`, also
 * `UseDevelopmentStorage=true` for Azurite on its default ports), or an identity-based connection
 * (`AzureWebJobsStorage__accountName` / `__blobServiceUri` / `__tableServiceUri`, with
 * `__credential=managedidentity` and `__clientId`), which is what the Bicep deploys: no keys.
 */
export type StorageSettings =
  | { readonly kind: "connectionString"; readonly connectionString: string }
  | {
      readonly kind: "identity";
      readonly blobServiceUri: string;
      readonly tableServiceUri: string;
      /**
       * Queue endpoint (`__queueServiceUri`, else derived from `__accountName`): the fan-out's
       * shard queue. Absent when only blob and table URIs are given (fan-out then refuses).
       */
      readonly queueServiceUri?: string;
      /** Client id of the user-assigned identity to use; else DefaultAzureCredential picks one. */
      readonly clientId?: string;
    };

/**
 * Where the baseline comes from: nothing, inline JSON (`BASELINE_JSON`) or a URL (`BASELINE_URL`).
 * Raw: settings only check that `BASELINE_JSON` is JSON; validating it as a baseline needs the
 * check registry, so the application does that (src/app/baseline.ts), for both sources alike.
 */
export type BaselineSource =
  | { readonly kind: "none" }
  /** `BASELINE_JSON`, parsed as JSON and not yet validated as a baseline. */
  | { readonly kind: "inline"; readonly json: unknown }
  /** Fetched at the start of each scan; the URL may carry a SAS token, so it is never logged. */
  | { readonly kind: "url"; readonly url: string };

/**
 * `SCAN_FANOUT`: how a scheduled scan runs (README "Fan-out across instances").
 * - `off` (default): one invocation scans the whole scope (the recorded scan).
 * - `queue`: the timer enqueues one message per shard of `SCAN_SHARD_SIZE` subscriptions; queue
 *   triggered invocations scan the shards, and the last to finish assembles the report.
 * - `auto`: `queue` when the scope has more subscriptions than one shard holds, else `off`.
 */
export type FanOutMode = "off" | "queue" | "auto";

/** Default `SCAN_SHARD_SIZE`: subscriptions per shard. */
export const DEFAULT_SHARD_SIZE = 5;
/** Default `SCAN_SHARD_QUEUE`; its poison queue is `<name>-poison` (the Functions host's convention). */
export const DEFAULT_SHARD_QUEUE = "egress-audit-shards";

/** Fan-out of scheduled scans across instances. */
export interface FanOutSettings {
  readonly mode: FanOutMode;
  /** `SCAN_SHARD_SIZE`, 1-100. */
  readonly shardSize: number;
  /** `SCAN_SHARD_QUEUE`, a queue name short enough for its `-poison` sibling. */
  readonly queueName: string;
}

/**
 * Optional Microsoft Entra ID check of the caller (`AUTH_ALLOWED_ROLES`, `AUTH_ALLOWED_GROUPS`): on
 * top of the function key, a request must carry App Service Authentication's
 * `x-ms-client-principal` with one of these app roles or group object ids.
 */
export interface CallerAuthSettings {
  /** App role values (`roles` claim), compared exactly. */
  readonly allowedRoles: readonly string[];
  /** Group object ids (`groups` claim), compared case-insensitively. */
  readonly allowedGroups: readonly string[];
}

/** Limits on the requests that spend ARM read budget: `POST /api/scans` and fresh target audits. */
export interface RateLimitSettings {
  /** `SCAN_RATE_LIMIT_PER_MINUTE`: per caller, the burst and the refill per minute; 0 turns limiting off. */
  readonly perCallerPerMinute: number;
  /** `SCAN_RATE_LIMIT_GLOBAL_PER_MINUTE`: all callers of one instance together; 0 turns it off. */
  readonly globalPerMinute: number;
}

/** Defaults of {@link RateLimitSettings}. */
export const DEFAULT_RATE_LIMIT: RateLimitSettings = Object.freeze({ perCallerPerMinute: 10, globalPerMinute: 30 });

/**
 * Default `SCAN_MAX_CONCURRENT`: scans (`POST /api/scans`, fresh target audits) one instance runs
 * at once. All of them share the instance's ARM read budget per subscription, so more would only
 * queue behind it while each still holds memory and a 230-second HTTP request.
 */
export const DEFAULT_MAX_CONCURRENT_SCANS = 2;
/** Largest `SCAN_MAX_CONCURRENT` accepted. */
export const MAX_CONCURRENT_SCANS_LIMIT = 50;

/**
 * Default `SCAN_SYNC_WAIT_IN_MS`: how long `POST /api/scans` scans in the request before it hands
 * the scan to the shard queue and answers `202 Accepted` (docs/service.md "Asynchronous scans").
 */
export const DEFAULT_SYNC_SCAN_WAIT_IN_MS = 10_000;
/**
 * Largest `SCAN_SYNC_WAIT_IN_MS` accepted: the scan time limit of a request (200 s), under the
 * 230 s after which Azure's front end cuts an HTTP request.
 */
export const MAX_SYNC_SCAN_WAIT_IN_MS = 200_000;

/** The function app's settings. */
export interface AppSettings {
  /** `AZURE_ARM_ENDPOINT`, `AZURE_ARM_TOKEN`, `AZURE_CLIENT_ID`, `ARM_READ_DEADLINE_SECONDS`. */
  readonly arm: ArmSettings;
  /** Undefined when no storage is configured: history routes answer 503, the timer refuses to run. */
  readonly storage?: StorageSettings;
  /** `SCAN_SUBSCRIPTIONS`: the timer's scope; empty means every subscription the identity can list. */
  readonly scanSubscriptions: readonly string[];
  /** `SCAN_SCHEDULE`, NCRONTAB with six fields. */
  readonly scanSchedule: string;
  readonly baseline: BaselineSource;
  /** `TEAMS_WEBHOOK_URL`, a secret: from settings only, never from a request, never logged. */
  readonly teamsWebhookUrl?: string;
  /**
   * Base URL the Teams card links reports under (`PUBLIC_BASE_URL`, else `https://$WEBSITE_HOSTNAME`,
   * which the Functions platform sets). Undefined: the card names the scan id without a link.
   */
  readonly publicBaseUrl?: string;
  /** `SCAN_FANOUT`, `SCAN_SHARD_SIZE`, `SCAN_SHARD_QUEUE`. */
  readonly fanOut: FanOutSettings;
  /**
   * Undefined: no Entra ID check (the function key alone guards the routes), and
   * `x-ms-client-principal` is ignored, for authorization and for rate-limit keys alike. Defined
   * only with `WEBSITE_AUTH_ENABLED=true`.
   */
  readonly callerAuth?: CallerAuthSettings;
  /** Absent: {@link DEFAULT_RATE_LIMIT}. */
  readonly rateLimit?: RateLimitSettings;
  /** `SCAN_MAX_CONCURRENT`, 1-50; absent: {@link DEFAULT_MAX_CONCURRENT_SCANS}. */
  readonly maxConcurrentScans?: number;
  /**
   * `SCAN_SYNC_WAIT_IN_MS`, 0-200000; absent: {@link DEFAULT_SYNC_SCAN_WAIT_IN_MS}. How long a
   * requested scan runs in the request before it continues on the shard queue (202); 0 queues
   * every requested scan at once.
   */
  readonly syncScanWaitInMs?: number;
  /**
   * `CHANGE_COALESCE_IN_MS`, 0-20000; absent: 5000. How long change events gather before their
   * targets are re-audited as one batch (a burst of writes to one firewall policy is one audit).
   */
  readonly changeCoalesceInMs?: number;
}

const ncrontabField = /^[0-9A-Za-z*?/,-]+$/;

/** Validates an NCRONTAB expression (six fields, as the Functions timer trigger wants). */
export function validateNcrontab(value: string, source = "SCAN_SCHEDULE"): string {
  const fields = value.trim().split(/\s+/);
  if (fields.length !== 6 || !fields.every((f) => ncrontabField.test(f))) {
    throw new UsageError(
      "InvalidSchedule",
      `${source} must be an NCRONTAB expression with six fields "{second} {minute} {hour} {day} {month} {day-of-week}", e.g. "${DEFAULT_SCAN_SCHEDULE}"`,
    );
  }
  return fields.join(" ");
}

/** True for hosts that never leave the machine (a local Teams receiver in tests and `npm run serve`). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * Validates a webhook or baseline URL: https, or plain http to a loopback host only (so a secret
 * never crosses a network in clear). The message never contains the URL: it may carry a signature.
 */
export function validateSecretUrl(value: string, source: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError("InvalidSetting", `${source} is not an absolute URL`);
  }
  const loopbackHttp = url.protocol === "http:" && isLoopbackHost(url.hostname);
  if (url.protocol !== "https:" && !loopbackHttp) {
    throw new UsageError("InvalidSetting", `${source} must use https (plain http is accepted for loopback hosts only)`);
  }
  if (url.username || url.password) throw new UsageError("InvalidSetting", `${source} must not carry user info`);
  return url.toString();
}

/** Validates a public base URL (no secret in it): http(s), no query or fragment, no trailing slash. */
function validateBaseUrl(value: string, source: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError("InvalidSetting", `${source} is not an absolute URL: ${JSON.stringify(value)}`);
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.search || url.hash) {
    throw new UsageError("InvalidSetting", `${source} must be an http(s) URL without query or fragment`);
  }
  return url.toString().replace(/\/+$/, "");
}

function readStorage(env: NodeJS.ProcessEnv): StorageSettings | undefined {
  const connectionString = env.AzureWebJobsStorage?.trim();
  if (connectionString) {
    if (connectionString !== "UseDevelopmentStorage=true" && !/(^|;)\s*(AccountName|BlobEndpoint|TableEndpoint)\s*=/i.test(connectionString)) {
      throw new UsageError("InvalidSetting", "AzureWebJobsStorage is not a storage connection string");
    }
    return { kind: "connectionString", connectionString };
  }
  const account = env.AzureWebJobsStorage__accountName?.trim();
  const blob = env.AzureWebJobsStorage__blobServiceUri?.trim();
  const table = env.AzureWebJobsStorage__tableServiceUri?.trim();
  const queue = env.AzureWebJobsStorage__queueServiceUri?.trim();
  if (!account && !blob && !table) return undefined;
  if (account && !/^[a-z0-9]{3,24}$/.test(account)) {
    throw new UsageError("InvalidSetting", "AzureWebJobsStorage__accountName must be 3-24 lower-case letters and digits");
  }
  const blobServiceUri = blob ? validateBaseUrl(blob, "AzureWebJobsStorage__blobServiceUri") : account ? `https://${account}.blob.core.windows.net` : undefined;
  const tableServiceUri = table ? validateBaseUrl(table, "AzureWebJobsStorage__tableServiceUri") : account ? `https://${account}.table.core.windows.net` : undefined;
  if (!blobServiceUri || !tableServiceUri) {
    throw new UsageError("InvalidSetting", "an identity-based AzureWebJobsStorage needs __accountName, or both __blobServiceUri and __tableServiceUri");
  }
  const queueServiceUri = queue ? validateBaseUrl(queue, "AzureWebJobsStorage__queueServiceUri") : account ? `https://${account}.queue.core.windows.net` : undefined;
  const clientId = env.AzureWebJobsStorage__clientId?.trim() || env.AZURE_CLIENT_ID?.trim() || undefined;
  return { kind: "identity", blobServiceUri, tableServiceUri, ...(queueServiceUri ? { queueServiceUri } : {}), ...(clientId ? { clientId } : {}) };
}

function readBaseline(env: NodeJS.ProcessEnv): BaselineSource {
  const json = env.BASELINE_JSON?.trim();
  const url = env.BASELINE_URL?.trim();
  if (json && url) throw new UsageError("InvalidSetting", "set BASELINE_JSON or BASELINE_URL, not both");
  if (json) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (err) {
      throw new UsageError("InvalidBaseline", `BASELINE_JSON is not valid JSON: ${(err as Error).message}`);
    }
    return { kind: "inline", json: parsed };
  }
  if (url) return { kind: "url", url: validateSecretUrl(url, "BASELINE_URL") };
  return { kind: "none" };
}

/** Queue names: 3-63 lower-case letters, digits and single hyphens, not at either end. */
const QUEUE_NAME = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/;
const POISON_SUFFIX = "-poison";

/** The shard queue's name (`SCAN_SHARD_QUEUE` or the default), validated; for the trigger registrations too. */
export function shardQueueNameFrom(env: NodeJS.ProcessEnv = process.env): string {
  const name = env.SCAN_SHARD_QUEUE?.trim() || DEFAULT_SHARD_QUEUE;
  if (!QUEUE_NAME.test(name) || name.length + POISON_SUFFIX.length > 63) {
    throw new UsageError(
      "InvalidSetting",
      `SCAN_SHARD_QUEUE must be a queue name of 3-${63 - POISON_SUFFIX.length} lower-case letters, digits and single hyphens (its poison queue adds "${POISON_SUFFIX}")`,
    );
  }
  return name;
}

/** The poison queue the Functions host moves a shard message to after `maxDequeueCount` failures. */
export function poisonQueueNameOf(queueName: string): string {
  return `${queueName}${POISON_SUFFIX}`;
}

function readFanOut(env: NodeJS.ProcessEnv, storage: StorageSettings | undefined): FanOutSettings {
  const raw = (env.SCAN_FANOUT?.trim() || "off").toLowerCase();
  if (raw !== "off" && raw !== "queue" && raw !== "auto") throw new UsageError("InvalidSetting", "SCAN_FANOUT must be off, queue or auto");
  const sizeText = env.SCAN_SHARD_SIZE?.trim() || String(DEFAULT_SHARD_SIZE);
  const shardSize = /^\d{1,3}$/.test(sizeText) ? Number(sizeText) : Number.NaN;
  if (!(shardSize >= 1 && shardSize <= 100)) throw new UsageError("InvalidSetting", "SCAN_SHARD_SIZE must be a whole number of subscriptions from 1 to 100");
  const queueName = shardQueueNameFrom(env);
  if (raw !== "off" && storage?.kind === "identity" && !storage.queueServiceUri) {
    throw new UsageError("InvalidSetting", `SCAN_FANOUT=${raw} needs a queue endpoint: set AzureWebJobsStorage__queueServiceUri or __accountName`);
  }
  return { mode: raw, shardSize, queueName };
}

function list(value: string | undefined): string[] {
  return [...new Set((value ?? "").split(/[\s,;]+/).filter((x) => x.length > 0))];
}

/**
 * `AUTH_ALLOWED_ROLES` / `AUTH_ALLOWED_GROUPS`. The principal header is trustworthy only behind App
 * Service Authentication, which sets it and drops a caller's own copy. The platform says it is on
 * with `WEBSITE_AUTH_ENABLED=true`; without that the settings refuse, wherever the app runs:
 * `npm run serve`, `func start` and containers have no `WEBSITE_SITE_NAME` and no authentication
 * in front, so a header there is whatever the caller sent.
 */
function readCallerAuth(env: NodeJS.ProcessEnv): CallerAuthSettings | undefined {
  const allowedRoles = list(env.AUTH_ALLOWED_ROLES);
  const allowedGroups = list(env.AUTH_ALLOWED_GROUPS);
  if (allowedRoles.length === 0 && allowedGroups.length === 0) return undefined;
  if (allowedRoles.some((r) => r.length > 120 || !/^[\x21-\x7e]+$/.test(r))) {
    throw new UsageError("InvalidSetting", "AUTH_ALLOWED_ROLES must list app role values (printable, no spaces, at most 120 characters each)");
  }
  if (allowedGroups.some((g) => !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(g))) {
    throw new UsageError("InvalidSetting", "AUTH_ALLOWED_GROUPS must list group object ids (GUIDs)");
  }
  if (env.WEBSITE_AUTH_ENABLED?.trim().toLowerCase() !== "true") {
    throw new UsageError(
      "InvalidSetting",
      "AUTH_ALLOWED_ROLES / AUTH_ALLOWED_GROUPS need App Service Authentication turned on (WEBSITE_AUTH_ENABLED=true, set by the platform): without it a caller could send its own x-ms-client-principal",
    );
  }
  return Object.freeze({ allowedRoles: Object.freeze(allowedRoles), allowedGroups: Object.freeze(allowedGroups.map((g) => g.toLowerCase())) });
}

function perMinute(value: string | undefined, fallback: number, source: string): number {
  const text = value?.trim();
  if (!text) return fallback;
  if (!/^\d{1,6}$/.test(text)) throw new UsageError("InvalidSetting", `${source} must be a whole number of requests per minute (0 turns the limit off)`);
  return Number(text);
}

function readRateLimit(env: NodeJS.ProcessEnv): RateLimitSettings {
  return Object.freeze({
    perCallerPerMinute: perMinute(env.SCAN_RATE_LIMIT_PER_MINUTE, DEFAULT_RATE_LIMIT.perCallerPerMinute, "SCAN_RATE_LIMIT_PER_MINUTE"),
    globalPerMinute: perMinute(env.SCAN_RATE_LIMIT_GLOBAL_PER_MINUTE, DEFAULT_RATE_LIMIT.globalPerMinute, "SCAN_RATE_LIMIT_GLOBAL_PER_MINUTE"),
  });
}

function readMaxConcurrentScans(env: NodeJS.ProcessEnv): number {
  const text = env.SCAN_MAX_CONCURRENT?.trim();
  if (!text) return DEFAULT_MAX_CONCURRENT_SCANS;
  const n = /^\d{1,3}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= 1 && n <= MAX_CONCURRENT_SCANS_LIMIT)) {
    throw new UsageError("InvalidSetting", `SCAN_MAX_CONCURRENT must be a whole number of scans from 1 to ${MAX_CONCURRENT_SCANS_LIMIT}`);
  }
  return n;
}

/** Longest `CHANGE_COALESCE_IN_MS`: Event Grid waits 30 s for an answer before it retries, and the window plus the audit must fit. */
const MAX_CHANGE_COALESCE_IN_MS = 20_000;
const DEFAULT_CHANGE_COALESCE_IN_MS_SETTING = 5_000;

function readChangeCoalesce(env: NodeJS.ProcessEnv): number {
  const text = env.CHANGE_COALESCE_IN_MS?.trim();
  if (!text) return DEFAULT_CHANGE_COALESCE_IN_MS_SETTING;
  const n = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= 0 && n <= MAX_CHANGE_COALESCE_IN_MS)) {
    throw new UsageError("InvalidSetting", `CHANGE_COALESCE_IN_MS must be a whole number of milliseconds from 0 to ${MAX_CHANGE_COALESCE_IN_MS}`);
  }
  return n;
}

function readSyncScanWait(env: NodeJS.ProcessEnv): number {
  const text = env.SCAN_SYNC_WAIT_IN_MS?.trim();
  if (!text) return DEFAULT_SYNC_SCAN_WAIT_IN_MS;
  const n = /^\d{1,6}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= 0 && n <= MAX_SYNC_SCAN_WAIT_IN_MS)) {
    throw new UsageError("InvalidSetting", `SCAN_SYNC_WAIT_IN_MS must be a whole number of milliseconds from 0 to ${MAX_SYNC_SCAN_WAIT_IN_MS}`);
  }
  return n;
}

/** Reads and validates the app settings; throws {@link UsageError} naming the setting at fault. */
export function readAppSettings(env: NodeJS.ProcessEnv = process.env): AppSettings {
  const arm = readArmSettings(env);
  const callerAuth = readCallerAuth(env);
  const storage = readStorage(env);
  const subs = (env.SCAN_SUBSCRIPTIONS ?? "").split(/[\s,;]+/).filter((s) => s.length > 0);
  const scanSubscriptions = validateSubscriptionIds(subs, "SCAN_SUBSCRIPTIONS");
  const scanSchedule = validateNcrontab(env.SCAN_SCHEDULE?.trim() || DEFAULT_SCAN_SCHEDULE);
  const teams = env.TEAMS_WEBHOOK_URL?.trim();
  const teamsWebhookUrl = teams ? validateSecretUrl(teams, "TEAMS_WEBHOOK_URL") : undefined;
  const base = env.PUBLIC_BASE_URL?.trim();
  const host = env.WEBSITE_HOSTNAME?.trim();
  const publicBaseUrl = base ? validateBaseUrl(base, "PUBLIC_BASE_URL") : host ? validateBaseUrl(`https://${host}`, "WEBSITE_HOSTNAME") : undefined;
  return Object.freeze({
    arm,
    ...(storage ? { storage: Object.freeze(storage) } : {}),
    scanSubscriptions: Object.freeze(scanSubscriptions),
    scanSchedule,
    baseline: Object.freeze(readBaseline(env)),
    ...(teamsWebhookUrl ? { teamsWebhookUrl } : {}),
    ...(publicBaseUrl ? { publicBaseUrl } : {}),
    fanOut: Object.freeze(readFanOut(env, storage)),
    ...(callerAuth ? { callerAuth } : {}),
    rateLimit: readRateLimit(env),
    maxConcurrentScans: readMaxConcurrentScans(env),
    syncScanWaitInMs: readSyncScanWait(env),
    changeCoalesceInMs: readChangeCoalesce(env),
  });
}

/**
 * `SCAN_SCHEDULE` or the default, validated: what the host resolves `%SCAN_SCHEDULE%` to, checked
 * at run time (the timer handler, `npm run serve`). Never called at import: the registration holds
 * the reference, so a bad value cannot stop the other functions from loading.
 */
export function scanScheduleFrom(env: NodeJS.ProcessEnv = process.env): string {
  return validateNcrontab(env.SCAN_SCHEDULE?.trim() || DEFAULT_SCAN_SCHEDULE);
}

/** A one-line description safe to log: no secret values, only whether they are set. */
export function describeAppSettings(s: AppSettings): string {
  const storage = !s.storage
    ? "none"
    : s.storage.kind === "connectionString"
      ? s.storage.connectionString === "UseDevelopmentStorage=true"
        ? "development-storage"
        : "connection-string(redacted)"
      : `identity(${new URL(s.storage.blobServiceUri).host})`;
  return [
    `arm=${s.arm.endpoint}`,
    `credential=${s.arm.staticToken ? "static-token(redacted)" : "DefaultAzureCredential"}`,
    `armReadDeadline=${(s.arm.readDeadlineInMs ?? DEFAULT_READ_DEADLINE_IN_MS) / 1000}s`,
    `storage=${storage}`,
    `scope=${s.scanSubscriptions.length ? s.scanSubscriptions.join(",") : "all-visible"}`,
    `schedule="${s.scanSchedule}"`,
    `baseline=${s.baseline.kind}`,
    `teams=${s.teamsWebhookUrl ? "configured(redacted)" : "off"}`,
    `callerAuth=${s.callerAuth ? `entra(roles=${s.callerAuth.allowedRoles.length},groups=${s.callerAuth.allowedGroups.length})` : "function-key"}`,
    `scanRateLimit=${(s.rateLimit ?? DEFAULT_RATE_LIMIT).perCallerPerMinute}/min`,
    `maxConcurrentScans=${s.maxConcurrentScans ?? DEFAULT_MAX_CONCURRENT_SCANS}`,
    `syncScanWait=${s.syncScanWaitInMs ?? DEFAULT_SYNC_SCAN_WAIT_IN_MS}ms`,
    `changeCoalesce=${s.changeCoalesceInMs ?? DEFAULT_CHANGE_COALESCE_IN_MS_SETTING}ms`,
    `fanout=${s.fanOut.mode === "off" ? "off" : `${s.fanOut.mode}(shard=${s.fanOut.shardSize},queue=${s.fanOut.queueName})`}`,
  ].join(" ");
}
