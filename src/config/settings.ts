import { UsageError } from "../errors.js";

/**
 * An Azure cloud's Resource Manager: its endpoint, the token scope (audience) ARM accepts there
 * and the Microsoft Entra authority that issues those tokens (Get-AzEnvironment; the
 * `AzureAuthorityHosts` of `@azure/identity`).
 */
export interface ArmCloud {
  readonly name: "AzureCloud" | "AzureUSGovernment" | "AzureChinaCloud";
  /** ARM base URL, https, no trailing slash. */
  readonly endpoint: string;
  /** The scope a token for this ARM is requested with. */
  readonly scope: string;
  /** Authority host of the cloud's Microsoft Entra ID. */
  readonly authorityHost: string;
}

/**
 * The ARM endpoints a DefaultAzureCredential token may go to, each with its own audience and
 * authority. Any other host (an emulator, a test server) only ever gets a static token.
 */
export const ARM_CLOUDS: readonly ArmCloud[] = Object.freeze([
  Object.freeze({
    name: "AzureCloud",
    endpoint: "https://management.azure.com",
    scope: "https://management.azure.com/.default",
    authorityHost: "https://login.microsoftonline.com",
  }),
  Object.freeze({
    name: "AzureUSGovernment",
    endpoint: "https://management.usgovcloudapi.net",
    scope: "https://management.usgovcloudapi.net/.default",
    authorityHost: "https://login.microsoftonline.us",
  }),
  Object.freeze({
    name: "AzureChinaCloud",
    endpoint: "https://management.chinacloudapi.cn",
    scope: "https://management.chinacloudapi.cn/.default",
    authorityHost: "https://login.chinacloudapi.cn",
  }),
]);

/** The public Azure Resource Manager endpoint. */
export const DEFAULT_ARM_ENDPOINT = "https://management.azure.com";

/**
 * Default deadline of one ARM read across all its attempts (retries, Retry-After waits and
 * read-budget waits included): a stalled list turns `unknown` after this, however many retries
 * remain.
 */
export const DEFAULT_READ_DEADLINE_IN_MS = 90_000;

/** Bounds of `ARM_READ_DEADLINE_SECONDS` / `--read-deadline`. */
const READ_DEADLINE_SECONDS = { min: 1, max: 3600 } as const;

/**
 * ARM access settings, read once from the environment (or from CLI flags), validated, frozen.
 * The token never appears in logs or reports: {@link describeSettings} redacts it.
 */
export interface ArmSettings {
  /** Base URL of ARM (`AZURE_ARM_ENDPOINT`): sovereign clouds, emulators. Always https. */
  readonly endpoint: string;
  /**
   * The Azure cloud whose ARM `endpoint` is; undefined for any other host (an emulator), which
   * {@link readArmSettings} accepts only together with a static token.
   */
  readonly cloud?: ArmCloud;
  /** Static bearer token (`AZURE_ARM_TOKEN`) for emulators and tests; else DefaultAzureCredential. */
  readonly staticToken?: string;
  /** User-assigned managed identity client id (`AZURE_CLIENT_ID`). */
  readonly managedIdentityClientId?: string;
  /** Deadline of one read across its attempts (`ARM_READ_DEADLINE_SECONDS`); absent: {@link DEFAULT_READ_DEADLINE_IN_MS}. */
  readonly readDeadlineInMs?: number;
}

/** Validates an ARM endpoint: an absolute https URL, returned without a trailing slash. */
export function validateEndpoint(value: string, source: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError("InvalidArmEndpoint", `${source} is not a URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== "https:") {
    // The SDK bearer-token policy refuses to send a token over plain http.
    throw new UsageError("InvalidArmEndpoint", `${source} must use https (got ${url.protocol}//${url.host})`);
  }
  if (url.search || url.hash) {
    throw new UsageError("InvalidArmEndpoint", `${source} must not carry a query or fragment`);
  }
  if (url.username || url.password) {
    throw new UsageError("InvalidArmEndpoint", `${source} must not carry user info`);
  }
  return url.toString().replace(/\/+$/, "");
}

/**
 * The Azure cloud whose ARM `endpoint` (validated) is: same host and port, exactly (a trailing
 * dot, another port or a look-alike host is no cloud).
 */
export function cloudOfEndpoint(endpoint: string): ArmCloud | undefined {
  const url = new URL(endpoint);
  if (url.pathname !== "/") return undefined;
  return ARM_CLOUDS.find((c) => new URL(c.endpoint).host === url.host);
}

/** Parses a read deadline in whole seconds; throws naming `source`. */
export function parseReadDeadlineSeconds(value: string, source: string, code: "InvalidSetting" | "InvalidFlag" = "InvalidSetting"): number {
  const text = value.trim();
  const n = /^\d{1,4}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= READ_DEADLINE_SECONDS.min && n <= READ_DEADLINE_SECONDS.max)) {
    throw new UsageError(code, `${source} must be a whole number of seconds from ${READ_DEADLINE_SECONDS.min} to ${READ_DEADLINE_SECONDS.max}`);
  }
  return n * 1000;
}

/**
 * Reads ARM settings from the environment, with optional overrides (CLI flags win). An endpoint
 * outside {@link ARM_CLOUDS} is accepted only with a static token: a DefaultAzureCredential
 * token is never sent to a host that is not the ARM of its audience.
 */
export function readArmSettings(
  env: NodeJS.ProcessEnv = process.env,
  overrides: { endpoint?: string; staticToken?: string; readDeadlineInMs?: number } = {},
): ArmSettings {
  const source = overrides.endpoint ? "--arm-endpoint" : env.AZURE_ARM_ENDPOINT ? "AZURE_ARM_ENDPOINT" : undefined;
  const endpoint = overrides.endpoint
    ? validateEndpoint(overrides.endpoint, "--arm-endpoint")
    : env.AZURE_ARM_ENDPOINT
      ? validateEndpoint(env.AZURE_ARM_ENDPOINT, "AZURE_ARM_ENDPOINT")
      : DEFAULT_ARM_ENDPOINT;
  const staticToken = overrides.staticToken ?? (env.AZURE_ARM_TOKEN || undefined);
  const cloud = cloudOfEndpoint(endpoint);
  if (!cloud && !staticToken) {
    throw new UsageError(
      "InvalidArmEndpoint",
      `${source ?? "the ARM endpoint"} names ${new URL(endpoint).host}, which is not the Resource Manager of an Azure cloud ` +
        `(${ARM_CLOUDS.map((c) => new URL(c.endpoint).host).join(", ")}): another endpoint (an emulator) is used only with a static token in AZURE_ARM_TOKEN, ` +
        "so an Azure token never goes to a foreign host",
    );
  }
  const managedIdentityClientId = env.AZURE_CLIENT_ID || undefined;
  const deadlineText = env.ARM_READ_DEADLINE_SECONDS?.trim();
  const readDeadlineInMs = overrides.readDeadlineInMs ?? (deadlineText ? parseReadDeadlineSeconds(deadlineText, "ARM_READ_DEADLINE_SECONDS") : undefined);
  return Object.freeze({
    endpoint,
    ...(cloud ? { cloud } : {}),
    ...(staticToken ? { staticToken } : {}),
    ...(managedIdentityClientId ? { managedIdentityClientId } : {}),
    ...(readDeadlineInMs !== undefined ? { readDeadlineInMs } : {}),
  });
}

const subscriptionIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Validates subscription ids (GUIDs); throws {@link UsageError} `InvalidSubscriptionId` naming the bad one. */
export function validateSubscriptionIds(ids: readonly string[], source = "--subscription"): string[] {
  const out: string[] = [];
  for (const raw of ids) {
    const id = raw.trim();
    if (!subscriptionIdPattern.test(id)) {
      throw new UsageError(
        "InvalidSubscriptionId",
        `${source}: ${JSON.stringify(raw)} is not a subscription id (expected a GUID like 00000000-0000-0000-0000-000000000000)`,
      );
    }
    if (!out.some((o) => o.toLowerCase() === id.toLowerCase())) out.push(id.toLowerCase());
  }
  return out;
}

/** A description of the settings safe to log: the token is never included. */
export function describeSettings(s: ArmSettings): string {
  return `endpoint=${s.endpoint} cloud=${s.cloud?.name ?? "none"} credential=${s.staticToken ? "static-token(redacted)" : "DefaultAzureCredential"}`;
}
