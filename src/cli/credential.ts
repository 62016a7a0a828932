/**
 * The CLI's login check: before a scan sends anything, ask the credential for one token. A user
 * who is not logged in would otherwise get an empty report whose only content is an error per
 * subscription list, and exit 2 ("incomplete"), which reads like a scanner fault; this turns it into
 * the usage error it is (`NotLoggedIn`, exit 3) while no ARM request has left the machine.
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import type { ArmClientOptions } from "../arm/clients.js";
import { armScopesOf, createCredential } from "../arm/credential.js";
import type { ArmSettings } from "../config/settings.js";
import { UsageError } from "../errors.js";

/** The message of the `NotLoggedIn` usage error (the contract's wording). */
export const NOT_LOGGED_IN = "not logged in: run `az login` (or set AZURE_CLIENT_ID for a managed identity)";

/**
 * Error names `@azure/identity` uses for "this credential has nothing to offer" (no `az` on PATH,
 * no login, no managed identity endpoint) and "a person must sign in". A chain of credentials that
 * all failed this way throws `AggregateAuthenticationError` listing them; any other error (a
 * rejected secret, a network failure) is not "not logged in" and is left to the scan to report.
 */
const NOT_LOGGED_IN_NAMES = new Set(["CredentialUnavailableError", "AuthenticationRequiredError"]);

/** True when `err` says that no credential of the chain could sign in (rather than failing otherwise). */
export function isNotLoggedIn(err: unknown): boolean {
  const e = err as { name?: unknown; errors?: unknown } | null | undefined;
  if (typeof e?.name !== "string") return false;
  if (NOT_LOGGED_IN_NAMES.has(e.name)) return true;
  if (e.name === "AggregateAuthenticationError" && Array.isArray(e.errors) && e.errors.length > 0) {
    return e.errors.every((inner) => isNotLoggedIn(inner));
  }
  return false;
}

/**
 * The credential a CLI scan uses, checked to work: a static token (`AZURE_ARM_TOKEN`) is taken as
 * is (undefined: ArmClients makes it); otherwise `injected` (tests) or the settings' credential
 * (DefaultAzureCredential) is asked for a token of the endpoint's scope now. When it cannot sign
 * in this throws {@link UsageError} `NotLoggedIn`; any other failure is left for the scan, which
 * reports it per read. The token obtained is handed out again while it is valid, so the check
 * costs no second `az` call.
 */
export async function loggedInCredential(settings: ArmSettings, injected?: TokenCredential): Promise<TokenCredential | undefined> {
  // A static token needs no sign-in: ArmClients makes its credential itself.
  if (!injected && settings.staticToken) return undefined;
  const credential = injected ?? createCredential(settings);
  const scopes = armScopesOf(settings);
  let token: AccessToken | null;
  try {
    token = await credential.getToken(scopes);
  } catch (err) {
    if (isNotLoggedIn(err)) throw new UsageError("NotLoggedIn", NOT_LOGGED_IN, { cause: err });
    return credential;
  }
  return token ? new FirstTokenCredential(credential, scopes, token) : credential;
}

/**
 * The client options of a CLI scan of live ARM: the caller's (tests), with a credential checked to
 * sign in ({@link loggedInCredential}: `NotLoggedIn`, exit 3, before any ARM request).
 */
export async function checkedClientOptions(settings: ArmSettings, options: ArmClientOptions = {}): Promise<ArmClientOptions> {
  const credential = await loggedInCredential(settings, options.credential);
  return { ...options, ...(credential ? { credential } : {}) };
}

/** How long before its expiry a token is no longer handed out again. */
const REFRESH_MARGIN_IN_MS = 5 * 60_000;

/** Hands out a token already obtained for the same scopes until it is near expiry, then asks the inner credential. */
class FirstTokenCredential implements TokenCredential {
  readonly #inner: TokenCredential;
  readonly #scopes: string;
  readonly #token: AccessToken;
  constructor(inner: TokenCredential, scopes: string[], token: AccessToken) {
    this.#inner = inner;
    this.#scopes = scopes.join(" ");
    this.#token = token;
  }
  getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    const asked = Array.isArray(scopes) ? scopes.join(" ") : scopes;
    if (asked === this.#scopes && this.#token.expiresOnTimestamp - REFRESH_MARGIN_IN_MS > Date.now()) return Promise.resolve(this.#token);
    return this.#inner.getToken(scopes, options);
  }
  /** Never print the token (util.inspect, JSON.stringify). */
  toJSON(): string {
    return "FirstTokenCredential(redacted)";
  }
}
