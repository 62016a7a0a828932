import { authenticationFailed, authorizationFailed, ForbiddenScopes, hasBearerToken } from "./access.js";
import {
  HttpError,
  invalidRequestContent,
  methodNotAllowed,
  missingSubscriptionRegistration,
  missingApiVersion,
  noRoute,
  resourceGroupNotFound,
  requestTooLarge,
  resourceNotFound,
  subscriptionNotFound,
} from "./armErrors.js";
import type { Estate, EstateSubscription } from "./estate.js";
import { EstateIndex, type ResourceGroupInfo } from "./estateIndex.js";
import {
  childrenOf,
  resourceGroupBody,
  resourceGroupsIn,
  roleAssignmentsFor,
  subscriptionBody,
  visibleBodies,
} from "./handlers.js";
import { pageOf } from "./paging.js";
import { parseQuery, safeDecode, segmentsOf } from "./paths.js";
import { actionOf, classifyRoute, routeKeyOf, type Route } from "./routes.js";
import { EstateWriter, type WriteMethod, type WrittenChange } from "./writes.js";
import { isObject, type Json } from "./writeShapes.js";

/** The methods that change the estate (the rest of the router's answers are reads). */
const WRITE_METHODS: ReadonlySet<string> = new Set(["PUT", "PATCH", "DELETE"]);

/** Whether a method is a write (PUT, PATCH, DELETE): counted apart from reads, never in the read budget. */
export function isWriteMethod(method: string): method is WriteMethod {
  return WRITE_METHODS.has(method);
}

/** A request as the router sees it. */
export interface RouterRequest {
  method: string;
  /** The request target: path plus query, as received. */
  url: string;
  /** The `Authorization` header, if any. */
  authorization?: string | undefined;
  /** The body of a write, as text (UTF-8). */
  body?: string;
  /** The body was larger than the server reads (the text is then absent). */
  bodyTooLarge?: boolean;
}

/** What to answer; the server adds the common headers and serialises `body`. */
export interface RouterResponse {
  status: number;
  body: unknown;
  /** Route key the request is counted under, e.g. `get:Microsoft.Network/routeTables`. */
  routeKey: string;
  /** Lower-cased subscription id the request addressed, for the rate-limit headers. */
  subscriptionId?: string;
  headers?: Record<string, string>;
  /** A PUT, PATCH or DELETE (whatever its outcome): counted as a write, not a read. */
  write?: boolean;
  /** What a successful write changed (the event to send). */
  change?: WrittenChange;
}

export interface RouterOptions {
  /** Items per page of every list. */
  pageSize: number;
  /** The emulator's own base URL (`https://127.0.0.1:<port>`), for `nextLink`. */
  baseUrl: () => string;
}

/**
 * Routes ARM requests against an estate: GETs (reads) from indexes built once, so every read is a
 * few map look-ups plus, for lists, a filter and a slice; PUT / PATCH / DELETE on a resource or a
 * resource group (writes, see writes.ts) change the indexes in place, so the next read sees them.
 */
export class EstateRouter {
  readonly #options: RouterOptions;
  readonly #index: EstateIndex;
  readonly #access: ForbiddenScopes;
  readonly #writer: EstateWriter;

  constructor(estate: Estate, options: RouterOptions) {
    this.#options = { pageSize: options.pageSize, baseUrl: options.baseUrl };
    this.#access = new ForbiddenScopes(estate.forbiddenScopes ?? []);
    this.#index = new EstateIndex(estate);
    this.#writer = new EstateWriter(this.#index);
  }

  /** Answers one request. Never throws for bad input. */
  handle(request: RouterRequest): RouterResponse {
    const index = this.#index;
    const access = this.#access;
    const queryAt = request.url.indexOf("?");
    const rawPath = queryAt >= 0 ? request.url.slice(0, queryAt) : request.url;
    const rawQuery = queryAt >= 0 ? request.url.slice(queryAt + 1) : "";
    const rawSegments = segmentsOf(rawPath);
    const segments = rawSegments.map(safeDecode);
    const path = segments.length === 0 ? "/" : `/${segments.join("/")}`;
    const route = classifyRoute(segments);
    const write = isWriteMethod(request.method) ? request.method : undefined;
    const writeType = write ? EstateWriter.typeOf(segments) : undefined;
    const routeKey = write ? `${write.toLowerCase()}:${writeType ?? "unknown"}` : routeKeyOf(route, index.types);
    const subscriptionId = "sub" in route ? route.sub?.toLowerCase() : undefined;
    const done = (status: number, body: unknown, headers?: Record<string, string>, change?: WrittenChange): RouterResponse => ({
      status,
      body,
      routeKey,
      ...(subscriptionId !== undefined ? { subscriptionId } : {}),
      ...(headers ? { headers } : {}),
      ...(write ? { write: true } : {}),
      ...(change ? { change } : {}),
    });
    try {
      if (!hasBearerToken(request.authorization)) throw authenticationFailed();
      const writable = isWritable(route);
      if (request.method !== "GET" && !(write && writable)) throw methodNotAllowed(request.method, writable ? "GET, PUT, PATCH, DELETE" : "GET");
      const query = parseQuery(rawQuery);
      if (!query.get("api-version")) throw missingApiVersion();
      const pathKey = path.toLowerCase();
      if (access.covering(pathKey) !== undefined && route.kind !== "listSubscriptions") {
        const action = write ? `${writeType ?? "Microsoft.Resources"}/${write === "DELETE" ? "delete" : "write"}` : actionOf(route, index.types);
        throw authorizationFailed(action, path);
      }
      if ("sub" in route && route.sub !== undefined && !index.subscriptions.has(route.sub.toLowerCase())) {
        throw subscriptionNotFound(route.sub);
      }
      if ("sub" in route && route.sub !== undefined) {
        const namespace = index.unregisteredNamespaceOf(route.sub, segments);
        if (namespace !== undefined) throw missingSubscriptionRegistration(namespace);
      }
      if ("rg" in route && route.rg !== undefined && route.sub !== undefined && !(write && route.kind === "getResourceGroup")) {
        if (!index.resourceGroups.has(`${route.sub}/${route.rg}`.toLowerCase())) throw resourceGroupNotFound(route.rg);
      }
      if (write && "sub" in route && route.sub !== undefined) {
        if (request.bodyTooLarge) throw requestTooLarge(MAX_WRITE_BODY_BYTES);
        const body = write === "DELETE" ? undefined : parseWriteBody(request.body, write);
        const outcome = this.#writer.apply({ method: write, path, segments, sub: route.sub, ...(body ? { body } : {}) });
        return done(outcome.status, outcome.body, undefined, outcome.change);
      }
      const pager = (items: unknown[]) => done(200, pageOf(items, { rawSegments, rawQuery, query }, this.#options));
      switch (route.kind) {
        case "listSubscriptions":
          return pager([...index.subscriptions.values()].map(subscriptionBody));
        case "getSubscription":
          return done(200, subscriptionBody(index.subscriptions.get(route.sub.toLowerCase()) as EstateSubscription));
        case "listResourceGroups":
          return pager(resourceGroupsIn(index, access, route.sub));
        case "getResourceGroup":
          return done(200, resourceGroupBody(index.resourceGroups.get(`${route.sub}/${route.rg}`.toLowerCase()) as ResourceGroupInfo));
        case "listSub":
          return pager(visibleBodies(index.bySubscriptionType.get(`${route.sub}|${route.type}`.toLowerCase()), access));
        case "listRg":
          return pager(visibleBodies(index.byCollection.get(pathKey.slice(1)), access));
        case "listRoleAssignments":
          return pager(roleAssignmentsFor(index.roleAssignments, access, route.scope.toLowerCase(), query.get("$filter")));
        case "listChildren":
          return pager(childrenOf(index, access, route, pathKey));
        case "get": {
          const entry = index.byId.get(pathKey);
          if (!entry) throw resourceNotFound(path, route.rg, route.sub);
          return done(200, entry.body);
        }
        case "unknown":
          throw noRoute(path);
      }
    } catch (err) {
      if (err instanceof HttpError) return done(err.status, { error: { code: err.code, message: err.message } }, err.headers);
      throw err;
    }
  }
}

/** The largest write body the server reads (ARM refuses request bodies above 4 MB). */
export const MAX_WRITE_BODY_BYTES = 4 * 1024 * 1024;

/** Whether a route names something that takes writes: a resource in a subscription, or a resource group. */
function isWritable(route: Route): boolean {
  return (route.kind === "get" && route.sub !== undefined) || route.kind === "getResourceGroup";
}

/** The JSON object a PUT or PATCH carries; ARM's 400 `InvalidRequestContent` naming what is wrong otherwise. */
function parseWriteBody(text: string | undefined, method: WriteMethod): Json {
  if (text === undefined || text.trim() === "") throw invalidRequestContent("The request body is empty.");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalidRequestContent((err as Error).message);
  }
  if (!isObject(value)) throw invalidRequestContent("The request body must be a JSON object.");
  for (const field of ["properties", "tags"] as const) {
    const v = value[field];
    if (v !== undefined && !isObject(v) && !(method === "PATCH" && v === null)) throw invalidRequestContent(`The field '${field}' must be a JSON object.`);
  }
  if (value.location !== undefined && typeof value.location !== "string") throw invalidRequestContent("The field 'location' must be a string.");
  return value;
}
