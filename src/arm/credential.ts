import type { AccessToken, TokenCredential } from "@azure/core-auth";
import { DefaultAzureCredential } from "@azure/identity";
import type { ArmSettings } from "../config/settings.js";

/** The ARM scope every client asks for, whatever its endpoint (an emulator's URL is no scope). */
export const ARM_SCOPES = ["https://management.azure.com/.default"];

/**
 * A credential that hands out one fixed bearer token: for emulators and tests
 * (`AZURE_ARM_TOKEN`). It claims an expiry an hour ahead on every call, so the SDK never
 * tries to refresh it.
 */
export class StaticTokenCredential implements TokenCredential {
  readonly #token: string;
  constructor(token: string) {
    this.#token = token;
  }
  getToken(): Promise<AccessToken> {
    return Promise.resolve({ token: this.#token, expiresOnTimestamp: Date.now() + 3_600_000 });
  }
  /** Never print the token (util.inspect, JSON.stringify). */
  toJSON(): string {
    return "StaticTokenCredential(redacted)";
  }
}

/**
 * The credential for the configured settings: the static token when set, else
 * DefaultAzureCredential (managed identity in Azure, `az login` on a workstation;
 * `AZURE_CLIENT_ID` selects a user-assigned identity).
 */
export function createCredential(settings: ArmSettings): TokenCredential {
  if (settings.staticToken) return new StaticTokenCredential(settings.staticToken);
  return new DefaultAzureCredential(
    settings.managedIdentityClientId ? { managedIdentityClientId: settings.managedIdentityClientId } : {},
  );
}
