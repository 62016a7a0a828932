/**
 * Who may call, and how often: the checks the route pipeline (route.ts) runs before a handler.
 *
 * - **Function key**: the Functions host checks it for every route but health (`authLevel`), before
 *   the worker sees the request; `npm run serve` does the same.
 * - **Microsoft Entra ID (optional)**: with `AUTH_ALLOWED_ROLES` / `AUTH_ALLOWED_GROUPS` set, a
 *   request must also carry App Service Authentication's `x-ms-client-principal` (base64 JSON with
 *   `claims`) naming one of those app roles or groups: 401 without a valid one, 403 without the
 *   role or group. The platform sets that header (and drops a caller's own copy) only when App
 *   Service Authentication is on, so the settings refuse those two without
 *   `WEBSITE_AUTH_ENABLED=true`; without them the header is never read.
 * - **Rate limit**: requests that spend ARM read budget (`spendsArmBudget` routes) take a token per
 *   caller and from the instance's global bucket: 429 with `Retry-After` when either is empty.
 *   The caller is the credential that was checked ({@link callerKeyOf}), never a header a caller
 *   may set freely: a forged principal or forwarding address gets no bucket of its own.
 *
 * Nothing here logs or returns a key, a token or a header value: callers are keyed by a hash.
 */
import { createHash } from "node:crypto";
import type { HttpRequest } from "@azure/functions";
import { DEFAULT_RATE_LIMIT, type AppSettings, type CallerAuthSettings } from "../config/appSettings.js";
import { ProblemError } from "./problem.js";
import { RateLimiter } from "./rateLimit.js";

/** Claim types of App Service Authentication's principal for app roles, groups and the object id. */
const ROLE_CLAIMS = new Set(["roles", "role", "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"]);
const GROUP_CLAIMS = new Set(["groups", "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"]);
const OID_CLAIMS = new Set(["oid", "http://schemas.microsoft.com/identity/claims/objectidentifier"]);

/** Largest principal header accepted (a token's claims with a few hundred groups fit easily). */
export const MAX_PRINCIPAL_HEADER_BYTES = 32 * 1024;

/** A caller as App Service Authentication describes it. */
export interface ClientPrincipal {
  /** Identity provider (`aad` for Microsoft Entra ID). */
  identityProvider: string;
  /** Object id, when the claims carry one. */
  objectId?: string;
  roles: string[];
  groups: string[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * Decodes `x-ms-client-principal`: base64 of `{ auth_typ, claims: [{ typ, val }], name_typ,
 * role_typ }`. Undefined when it is not one (wrong encoding, not JSON, no claims list).
 */
export function parseClientPrincipal(header: string): ClientPrincipal | undefined {
  const text = header.trim();
  if (text.length === 0 || text.length > MAX_PRINCIPAL_HEADER_BYTES || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(text, text.includes("-") || text.includes("_") ? "base64url" : "base64").toString("utf8"));
  } catch {
    return undefined;
  }
  if (!isRecord(decoded) || !Array.isArray(decoded.claims)) return undefined;
  const identityProvider = typeof decoded.auth_typ === "string" ? decoded.auth_typ : "";
  const roleType = typeof decoded.role_typ === "string" ? decoded.role_typ : undefined;
  const roles: string[] = [];
  const groups: string[] = [];
  let objectId: string | undefined;
  for (const claim of decoded.claims) {
    if (!isRecord(claim) || typeof claim.typ !== "string" || typeof claim.val !== "string") return undefined;
    if (ROLE_CLAIMS.has(claim.typ) || claim.typ === roleType) roles.push(claim.val);
    else if (GROUP_CLAIMS.has(claim.typ)) groups.push(claim.val.toLowerCase());
    else if (OID_CLAIMS.has(claim.typ)) objectId ??= claim.val.toLowerCase();
  }
  return { identityProvider, ...(objectId ? { objectId } : {}), roles, groups };
}

/** Checks the caller's principal against the allowed roles and groups; throws a 401/403 problem. */
export function authorizeCaller(request: HttpRequest, auth: CallerAuthSettings): ClientPrincipal {
  const header = request.headers.get("x-ms-client-principal");
  const challenge = { "www-authenticate": 'Bearer realm="egress-audit"' };
  if (header === null) {
    throw new ProblemError("AuthenticationRequired", "this API requires a signed-in Microsoft Entra ID caller (App Service Authentication)", undefined, challenge);
  }
  const principal = parseClientPrincipal(header);
  if (!principal || principal.identityProvider.toLowerCase() !== "aad") {
    throw new ProblemError("AuthenticationRequired", "x-ms-client-principal does not describe a Microsoft Entra ID caller", undefined, challenge);
  }
  const allowed =
    principal.roles.some((r) => auth.allowedRoles.includes(r)) || principal.groups.some((g) => auth.allowedGroups.includes(g));
  if (!allowed) throw new ProblemError("Forbidden", "the caller has none of the app roles or groups this API allows");
  return principal;
}

function hash(kind: string, value: string): string {
  return `${kind}:${createHash("sha256").update(value, "utf8").digest("hex").slice(0, 24)}`;
}

/**
 * The function key a request presents, as the Functions host picks it: the `x-functions-key`
 * header when the request has one (even empty: the host then checks that and refuses), else the
 * first `code` query parameter. `npm run serve` checks the same one, so the key the pipeline keys
 * a caller by is always the key that was validated: sending a valid `?code=` beside a made-up
 * header (or the other way round) is refused, never a new caller.
 */
export function presentedFunctionKey(headers: Pick<Headers, "get" | "has">, query: URLSearchParams): string | undefined {
  if (headers.has("x-functions-key")) return headers.get("x-functions-key") ?? "";
  return query.get("code") ?? undefined;
}

/** The key that counts a caller against the anonymous bucket: one for everyone without a credential. */
export const SHARED_CALLER_KEY = "anonymous";

/**
 * The rate-limit key of a caller, from the credential that was checked before the request got
 * here (hashed: keys never stay in memory in clear):
 * 1. the Entra principal's object id, when the Entra ID check ran (`principal` is only ever the
 *    one {@link authorizeCaller} accepted, which needs `WEBSITE_AUTH_ENABLED=true`);
 * 2. else the function key the host (or `npm run serve`) validated ({@link presentedFunctionKey});
 *    a valid key is one of the app's few keys, so keys cannot mint buckets;
 * 3. else one shared bucket. Never a client address: `x-forwarded-for` and `client-ip` are the
 *    caller's to write, and one bucket per forged address is no limit.
 *
 * Where no one checks keys (`func start`), a made-up key still gets its own per-caller bucket;
 * the instance's global bucket and `SCAN_MAX_CONCURRENT` bound such callers all the same.
 */
export function callerKeyOf(request: HttpRequest, principal: ClientPrincipal | undefined): string {
  if (principal?.objectId) return hash("principal", principal.objectId);
  let query: URLSearchParams;
  try {
    query = new URL(request.url).searchParams;
  } catch {
    query = new URLSearchParams();
  }
  const key = presentedFunctionKey(request.headers, query);
  return key ? hash("key", key) : SHARED_CALLER_KEY;
}

const limiters = new WeakMap<object, RateLimiter>();

/** The rate limiter of one set of services (one per process in Azure; one per test's services). */
export function rateLimiterFor(owner: object, settings: Pick<AppSettings, "rateLimit">): RateLimiter {
  let limiter = limiters.get(owner);
  if (!limiter) {
    const limits = settings.rateLimit ?? DEFAULT_RATE_LIMIT;
    limiter = new RateLimiter({ perCallerPerMinute: limits.perCallerPerMinute, globalPerMinute: limits.globalPerMinute });
    limiters.set(owner, limiter);
  }
  return limiter;
}

/** Takes a token for this caller or throws the 429 problem with `Retry-After`. */
export function enforceRateLimit(limiter: RateLimiter, callerKey: string): void {
  const decision = limiter.take(callerKey);
  if (decision.ok) return;
  throw new ProblemError(
    "RateLimited",
    decision.scope === "caller"
      ? `this caller has started too many scans and fresh target audits; retry in ${decision.retryAfterInSeconds} s`
      : `too many scans and fresh target audits are running on this instance; retry in ${decision.retryAfterInSeconds} s`,
    undefined,
    { "retry-after": String(decision.retryAfterInSeconds) },
  );
}
