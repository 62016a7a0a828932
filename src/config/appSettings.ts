/**
 * Function app settings (the service side of `DESIGN.md` "Environment"), read once from the
 * environment, validated and frozen. Secrets (`TEAMS_WEBHOOK_URL`, storage keys, the ARM token)
 * live only in the returned object: every message this module produces names the setting, never
 * its value, and {@link describeAppSettings} redacts them.
 */
import { parseBaseline, type Baseline } from "../baseline/baseline.js";
import { UsageError } from "../errors.js";
import { readArmSettings, validateSubscriptionIds, type ArmSettings } from "./settings.js";

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
      /** Client id of the user-assigned identity to use; else DefaultAzureCredential picks one. */
      readonly clientId?: string;
    };

/** Where the baseline comes from: nothing, inline JSON (`BASELINE_JSON`) or a URL (`BASELINE_URL`). */
export type BaselineSource =
  | { readonly kind: "none" }
  | { readonly kind: "inline"; readonly baseline: Baseline }
  /** Fetched at the start of each scan; the URL may carry a SAS token, so it is never logged. */
  | { readonly kind: "url"; readonly url: string };

/** The function app's settings. */
export interface AppSettings {
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
  if (!account && !blob && !table) return undefined;
  if (account && !/^[a-z0-9]{3,24}$/.test(account)) {
    throw new UsageError("InvalidSetting", "AzureWebJobsStorage__accountName must be 3-24 lower-case letters and digits");
  }
  const blobServiceUri = blob ? validateBaseUrl(blob, "AzureWebJobsStorage__blobServiceUri") : account ? `https://${account}.blob.core.windows.net` : undefined;
  const tableServiceUri = table ? validateBaseUrl(table, "AzureWebJobsStorage__tableServiceUri") : account ? `https://${account}.table.core.windows.net` : undefined;
  if (!blobServiceUri || !tableServiceUri) {
    throw new UsageError("InvalidSetting", "an identity-based AzureWebJobsStorage needs __accountName, or both __blobServiceUri and __tableServiceUri");
  }
  const clientId = env.AzureWebJobsStorage__clientId?.trim() || env.AZURE_CLIENT_ID?.trim() || undefined;
  return { kind: "identity", blobServiceUri, tableServiceUri, ...(clientId ? { clientId } : {}) };
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
    return { kind: "inline", baseline: parseBaseline(parsed, "BASELINE_JSON") };
  }
  if (url) return { kind: "url", url: validateSecretUrl(url, "BASELINE_URL") };
  return { kind: "none" };
}

/** Reads and validates the app settings; throws {@link UsageError} naming the setting at fault. */
export function readAppSettings(env: NodeJS.ProcessEnv = process.env): AppSettings {
  const arm = readArmSettings(env);
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
  });
}

/** The schedule for the timer registration: `SCAN_SCHEDULE` or the default, validated. */
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
    `storage=${storage}`,
    `scope=${s.scanSubscriptions.length ? s.scanSubscriptions.join(",") : "all-visible"}`,
    `schedule="${s.scanSchedule}"`,
    `baseline=${s.baseline.kind}`,
    `teams=${s.teamsWebhookUrl ? "configured(redacted)" : "off"}`,
  ].join(" ");
}
