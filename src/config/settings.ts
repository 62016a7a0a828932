import { UsageError } from "../errors.js";

/** The public Azure Resource Manager endpoint. */
export const DEFAULT_ARM_ENDPOINT = "https://management.azure.com";

/**
 * ARM access settings, read once from the environment (or from CLI flags), validated, frozen.
 * The token never appears in logs or reports: {@link describeSettings} redacts it.
 */
export interface ArmSettings {
  /** Base URL of ARM (`AZURE_ARM_ENDPOINT`): sovereign clouds, emulators. Always https. */
  readonly endpoint: string;
  /** Static bearer token (`AZURE_ARM_TOKEN`) for emulators and tests; else DefaultAzureCredential. */
  readonly staticToken?: string;
  /** User-assigned managed identity client id (`AZURE_CLIENT_ID`). */
  readonly managedIdentityClientId?: string;
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
  return url.toString().replace(/\/+$/, "");
}

/** Reads ARM settings from the environment, with optional overrides (CLI flags win). */
export function readArmSettings(
  env: NodeJS.ProcessEnv = process.env,
  overrides: { endpoint?: string; staticToken?: string } = {},
): ArmSettings {
  const endpoint = overrides.endpoint
    ? validateEndpoint(overrides.endpoint, "--arm-endpoint")
    : env.AZURE_ARM_ENDPOINT
      ? validateEndpoint(env.AZURE_ARM_ENDPOINT, "AZURE_ARM_ENDPOINT")
      : DEFAULT_ARM_ENDPOINT;
  const staticToken = overrides.staticToken ?? (env.AZURE_ARM_TOKEN || undefined);
  const managedIdentityClientId = env.AZURE_CLIENT_ID || undefined;
  return Object.freeze({
    endpoint,
    ...(staticToken ? { staticToken } : {}),
    ...(managedIdentityClientId ? { managedIdentityClientId } : {}),
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
  return `endpoint=${s.endpoint} credential=${s.staticToken ? "static-token(redacted)" : "DefaultAzureCredential"}`;
}
