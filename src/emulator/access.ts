import { armError, type HttpError } from "./armErrors.js";
import { atOrInside, normKey } from "./paths.js";

/** The identity named in `AuthorizationFailed` messages. */
export const EMULATOR_CLIENT_ID = "e5e5e5e5-0000-4000-8000-000000000002";
/** Object id of that identity. */
export const EMULATOR_OBJECT_ID = "e5e5e5e5-0000-4000-8000-000000000003";

/**
 * Whether an `Authorization` header carries a bearer token. The emulator checks only the shape:
 * any token is accepted.
 */
export function hasBearerToken(authorization: string | undefined): boolean {
  return /^Bearer\s+\S/i.test(authorization ?? "");
}

/** ARM's 401 for a request without a bearer token. */
export function authenticationFailed(): HttpError {
  return armError(
    401,
    "AuthenticationFailed",
    "Authentication failed. The 'Authorization' header is missing or not a bearer token.",
    {
      "www-authenticate":
        'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="The authentication failed because of missing \'Authorization\' header."',
    },
  );
}

/** ARM's 403 `AuthorizationFailed` for `action` over the scope `path`. */
export function authorizationFailed(action: string, path: string): HttpError {
  return armError(
    403,
    "AuthorizationFailed",
    `The client '${EMULATOR_CLIENT_ID}' with object id '${EMULATOR_OBJECT_ID}' does not have authorization to perform action '${action}' over scope '${path}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );
}

/** The estate's forbidden scopes: reads at or inside them fail, lists leave their items out. */
export class ForbiddenScopes {
  readonly #keys: string[];

  constructor(scopes: readonly string[]) {
    this.#keys = scopes.map(normKey);
  }

  /** The forbidden scope `key` (a normalised, lower-cased path) is at or inside, if any. */
  covering(key: string): string | undefined {
    return this.#keys.find((f) => atOrInside(key, f));
  }

  /** Whether a list may show the item or scope `key` (a normalised, lower-cased path). */
  visible(key: string): boolean {
    return !this.#keys.some((f) => atOrInside(key, f));
  }
}
