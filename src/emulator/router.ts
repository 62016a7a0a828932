import { authenticationFailed, authorizationFailed, ForbiddenScopes, hasBearerToken } from "./access.js";
import {
  HttpError,
  methodNotAllowed,
  missingSubscriptionRegistration,
  missingApiVersion,
  noRoute,
  resourceGroupNotFound,
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
import { actionOf, classifyRoute, routeKeyOf } from "./routes.js";

/** A request as the router sees it. */
export interface RouterRequest {
  method: string;
  /** The request target: path plus query, as received. */
  url: string;
  /** The `Authorization` header, if any. */
  authorization?: string | undefined;
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
}

export interface RouterOptions {
  /** Items per page of every list. */
  pageSize: number;
  /** The emulator's own base URL (`https://127.0.0.1:<port>`), for `nextLink`. */
  baseUrl: () => string;
}

/**
 * Routes ARM GET requests against an estate. Builds its indexes once; every request is a few map
 * look-ups plus, for lists, a filter and a slice.
 */
export class EstateRouter {
  readonly #options: RouterOptions;
  readonly #index: EstateIndex;
  readonly #access: ForbiddenScopes;

  constructor(estate: Estate, options: RouterOptions) {
    this.#options = { pageSize: options.pageSize, baseUrl: options.baseUrl };
    this.#access = new ForbiddenScopes(estate.forbiddenScopes ?? []);
    this.#index = new EstateIndex(estate);
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
    const routeKey = routeKeyOf(route, index.types);
    const subscriptionId = "sub" in route ? route.sub?.toLowerCase() : undefined;
    const done = (status: number, body: unknown, headers?: Record<string, string>): RouterResponse => ({
      status,
      body,
      routeKey,
      ...(subscriptionId !== undefined ? { subscriptionId } : {}),
      ...(headers ? { headers } : {}),
    });
    try {
      if (!hasBearerToken(request.authorization)) throw authenticationFailed();
      if (request.method !== "GET") throw methodNotAllowed(request.method);
      const query = parseQuery(rawQuery);
      if (!query.get("api-version")) throw missingApiVersion();
      const pathKey = path.toLowerCase();
      if (access.covering(pathKey) !== undefined && route.kind !== "listSubscriptions") {
        throw authorizationFailed(actionOf(route, index.types), path);
      }
      if ("sub" in route && route.sub !== undefined && !index.subscriptions.has(route.sub.toLowerCase())) {
        throw subscriptionNotFound(route.sub);
      }
      if ("sub" in route && route.sub !== undefined) {
        const namespace = index.unregisteredNamespaceOf(route.sub, segments);
        if (namespace !== undefined) throw missingSubscriptionRegistration(namespace);
      }
      if ("rg" in route && route.rg !== undefined && route.sub !== undefined) {
        if (!index.resourceGroups.has(`${route.sub}/${route.rg}`.toLowerCase())) throw resourceGroupNotFound(route.rg);
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
