import type { AccessToken, TokenCredential } from "@azure/core-auth";
import { DefaultAzureCredential, type DefaultAzureCredentialClientIdOptions } from "@azure/identity";
import { ARM_CLOUDS, type ArmSettings } from "../config/settings.js";
import { UsageError } from "../errors.js";

/**
 * The scopes every client of these settings asks for: the audience of the endpoint's cloud. A
 * host outside the clouds (an emulator) only ever gets a static token, which has no audience to
 * pick, so it asks with the public cloud's scope (an emulator's URL is no scope).
 */
export function armScopesOf(settings: ArmSettings): string[] {
  return [(settings.cloud ?? ARM_CLOUDS[0]!).scope];
}

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
 * `AZURE_CLIENT_ID` selects a user-assigned identity) against the authority of the endpoint's
 * cloud. Refuses to make an Azure credential for a host outside the clouds (settings built by
 * hand, past `readArmSettings`'s check): its tokens would go to a foreign host.
 */
export function createCredential(settings: ArmSettings): TokenCredential {
  if (settings.staticToken) return new StaticTokenCredential(settings.staticToken);
  return new DefaultAzureCredential(azureCredentialOptionsOf(settings));
}

/**
 * The options of the DefaultAzureCredential for these settings: the authority of the endpoint's
 * cloud, the user-assigned identity if one is named. Throws `InvalidArmEndpoint` for a host
 * outside the clouds.
 */
export function azureCredentialOptionsOf(settings: ArmSettings): DefaultAzureCredentialClientIdOptions {
  if (!settings.cloud) {
    throw new UsageError("InvalidArmEndpoint", `${new URL(settings.endpoint).host} is not the Resource Manager of an Azure cloud: set AZURE_ARM_TOKEN to use it`);
  }
  return {
    authorityHost: settings.cloud.authorityHost,
    ...(settings.managedIdentityClientId ? { managedIdentityClientId: settings.managedIdentityClientId } : {}),
  };
}
