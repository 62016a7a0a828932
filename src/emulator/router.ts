import type { Estate, EstateResource, EstateSubscription } from "./estate.js";

/** Tenant reported for subscriptions whose estate entry names none. */
export const EMULATOR_TENANT_ID = "e5e5e5e5-0000-4000-8000-000000000001";
/** The identity named in `AuthorizationFailed` messages. */
export const EMULATOR_CLIENT_ID = "e5e5e5e5-0000-4000-8000-000000000002";
export const EMULATOR_OBJECT_ID = "e5e5e5e5-0000-4000-8000-000000000003";

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

/** An indexed resource: an estate entry or a sub-resource embedded in one. */
interface Entry {
  /** The id as stored. */
  id: string;
  /** Normalised, lower-cased id. */
  key: string;
  type: string;
  body: Record<string, unknown>;
}

interface RoleAssignmentEntry extends Entry {
  /** Normalised, lower-cased scope; "" is the tenant root. */
  scope: string;
  principalId: string;
}

interface ResourceGroupInfo {
  subscriptionId: string;
  name: string;
  location: string | undefined;
}

type Route =
  | { kind: "listSubscriptions" }
  | { kind: "getSubscription"; sub: string }
  | { kind: "listResourceGroups"; sub: string }
  | { kind: "getResourceGroup"; sub: string; rg: string }
  | { kind: "listSub"; sub: string; type: string }
  | { kind: "listRg"; sub: string; rg: string; type: string }
  | { kind: "listRoleAssignments"; scope: string; sub?: string; rg?: string }
  | { kind: "listChildren"; sub: string; rg?: string; parentPath: string; parentType: string; segment: string }
  | { kind: "get"; sub?: string; rg?: string; type: string }
  | { kind: "unknown"; sub?: string };

const ROLE_ASSIGNMENT_TYPE = "microsoft.authorization/roleassignments";

/** Collapses repeated slashes and drops a trailing one: `//a//b/` → `/a/b`. */
export function normalisePath(path: string): string {
  const segments = path.split("/").filter((s) => s.length > 0);
  return segments.length === 0 ? "" : `/${segments.join("/")}`;
}

function normKey(path: string): string {
  return normalisePath(path).toLowerCase();
}

function segmentsOf(path: string): string[] {
  return path.split("/").filter((s) => s.length > 0);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function lastProvidersIndex(lower: string[]): number {
  return lower.lastIndexOf("providers");
}

/**
 * The resource type a resource id denotes: `Namespace/type[/childType...]` after its last
 * `providers` segment, or undefined if the id has no resource shape.
 */
function typeOfId(segments: string[]): string | undefined {
  const p = lastProvidersIndex(segments.map((s) => s.toLowerCase()));
  const namespace = p >= 0 ? segments[p + 1] : undefined;
  const rest = p >= 0 ? segments.slice(p + 2) : [];
  if (namespace === undefined || rest.length < 2 || rest.length % 2 !== 0) return undefined;
  return [namespace, ...rest.filter((_, i) => i % 2 === 0)].join("/");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `inner` is `outer` or inside it (both normalised keys; "" is the tenant root). */
function atOrInside(inner: string, outer: string): boolean {
  return outer === "" || inner === outer || inner.startsWith(`${outer}/`);
}

/** An ARM error answer, thrown inside the router and turned into `{ error: { code, message } }`. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

function armError(status: number, code: string, message: string, headers?: Record<string, string>): HttpError {
  return new HttpError(status, code, message, headers);
}

/**
 * Routes ARM GET requests against an estate. Builds its indexes once; every request is a few map
 * look-ups plus, for lists, a filter and a slice.
 */
export class EstateRouter {
  readonly #pageSize: number;
  readonly #baseUrl: () => string;
  readonly #subscriptions = new Map<string, EstateSubscription>();
  readonly #byId = new Map<string, Entry>();
  /** Collection key (id minus its name) → entries, in estate order. */
  readonly #byCollection = new Map<string, Entry[]>();
  /** Parent resource key → its direct child resources of every type. */
  readonly #byParent = new Map<string, Entry[]>();
  /** `sub|namespace/type` → top-level resources of that type anywhere in the subscription. */
  readonly #bySubscriptionType = new Map<string, Entry[]>();
  readonly #resourceGroups = new Map<string, ResourceGroupInfo>();
  readonly #roleAssignments: RoleAssignmentEntry[] = [];
  /** Lower-cased type → the casing the estate uses, for stable route keys. */
  readonly #typeCase = new Map<string, string>();
  readonly #forbidden: string[];

  constructor(estate: Estate, options: RouterOptions) {
    this.#pageSize = options.pageSize;
    this.#baseUrl = options.baseUrl;
    for (const s of estate.subscriptions) this.#subscriptions.set(s.subscriptionId.toLowerCase(), s);
    this.#forbidden = (estate.forbiddenScopes ?? []).map(normKey);
    this.#index(estate.resources);
    for (const scope of estate.forbiddenScopes ?? []) this.#noteResourceGroup(normalisePath(scope), undefined);
  }

  #index(resources: EstateResource[]): void {
    for (const r of resources) {
      const key = normKey(r.id);
      this.#byId.set(key, { id: r.id, key, type: r.type, body: r });
      this.#noteType(r.type);
      this.#noteResourceGroup(normalisePath(r.id), typeof r.location === "string" ? r.location : undefined);
    }
    for (const r of resources) {
      for (const sub of embeddedSubResources(r)) {
        const key = normKey(sub.id as string);
        if (this.#byId.has(key)) continue;
        const type = typeof sub.type === "string" ? sub.type : typeOfId(segmentsOf(sub.id as string));
        if (type === undefined) continue;
        this.#byId.set(key, { id: sub.id as string, key, type, body: sub });
        this.#noteType(type);
      }
    }
    for (const entry of this.#byId.values()) {
      const segs = segmentsOf(entry.key);
      push(this.#byCollection, segs.slice(0, -1).join("/"), entry);
      const p = lastProvidersIndex(segs);
      const rest = p >= 0 ? segs.length - p - 2 : 0;
      if (rest >= 4) push(this.#byParent, segs.slice(0, -2).join("/"), entry);
      if (segs.length === 8 && segs[2] === "resourcegroups" && segs[4] === "providers") {
        push(this.#bySubscriptionType, `${segs[1]}|${segs[5]}/${segs[6]}`, entry);
      }
      if (entry.type.toLowerCase() === ROLE_ASSIGNMENT_TYPE && p >= 0) {
        const props = isObject(entry.body.properties) ? entry.body.properties : {};
        const scope = typeof props.scope === "string" ? normKey(props.scope) : `/${segs.slice(0, p).join("/")}`;
        const principalId = typeof props.principalId === "string" ? props.principalId.toLowerCase() : "";
        this.#roleAssignments.push({ ...entry, scope: scope === "/" ? "" : scope, principalId });
      }
    }
  }

  #noteType(type: string): void {
    const parts = type.split("/");
    for (let n = 2; n <= parts.length; n++) {
      const prefix = parts.slice(0, n).join("/");
      if (!this.#typeCase.has(prefix.toLowerCase())) this.#typeCase.set(prefix.toLowerCase(), prefix);
    }
  }

  #noteResourceGroup(path: string, location: string | undefined): void {
    const segs = segmentsOf(path);
    const [s0, sub, s2, rg] = segs;
    if (s0?.toLowerCase() !== "subscriptions" || s2?.toLowerCase() !== "resourcegroups" || !sub || !rg) return;
    const key = `${sub}/${rg}`.toLowerCase();
    const usable = location !== undefined && location.toLowerCase() !== "global" ? location : undefined;
    const existing = this.#resourceGroups.get(key);
    if (!existing) this.#resourceGroups.set(key, { subscriptionId: sub, name: rg, location: usable });
    else existing.location ??= usable;
  }

  #canon(type: string): string {
    return this.#typeCase.get(type.toLowerCase()) ?? type;
  }

  /** Answers one request. Never throws for bad input. */
  handle(request: RouterRequest): RouterResponse {
    const queryAt = request.url.indexOf("?");
    const rawPath = queryAt >= 0 ? request.url.slice(0, queryAt) : request.url;
    const rawQuery = queryAt >= 0 ? request.url.slice(queryAt + 1) : "";
    const rawSegments = segmentsOf(rawPath);
    const segments = rawSegments.map(safeDecode);
    const path = segments.length === 0 ? "/" : `/${segments.join("/")}`;
    const route = this.#classify(segments);
    const routeKey = this.#routeKey(route);
    const subscriptionId = "sub" in route ? route.sub?.toLowerCase() : undefined;
    const done = (status: number, body: unknown, headers?: Record<string, string>): RouterResponse => ({
      status,
      body,
      routeKey,
      ...(subscriptionId !== undefined ? { subscriptionId } : {}),
      ...(headers ? { headers } : {}),
    });
    try {
      if (!/^Bearer\s+\S/i.test(request.authorization ?? "")) {
        throw armError(
          401,
          "AuthenticationFailed",
          "Authentication failed. The 'Authorization' header is missing or not a bearer token.",
          {
            "www-authenticate":
              'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="The authentication failed because of missing \'Authorization\' header."',
          },
        );
      }
      if (request.method !== "GET") {
        throw armError(405, "MethodNotAllowed", `The requested resource does not support http method '${request.method}'.`, {
          allow: "GET",
        });
      }
      const query = parseQuery(rawQuery);
      if (!query.get("api-version")) {
        throw armError(
          400,
          "MissingApiVersionParameter",
          "The api-version query parameter (?api-version=) is required for all requests.",
        );
      }
      const pathKey = path.toLowerCase();
      const forbidden = this.#forbidden.find((f) => atOrInside(pathKey, f));
      if (forbidden !== undefined && route.kind !== "listSubscriptions") {
        throw armError(
          403,
          "AuthorizationFailed",
          `The client '${EMULATOR_CLIENT_ID}' with object id '${EMULATOR_OBJECT_ID}' does not have authorization to perform action '${this.#action(route)}' over scope '${path}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
        );
      }
      if ("sub" in route && route.sub !== undefined && !this.#subscriptions.has(route.sub.toLowerCase())) {
        throw armError(404, "SubscriptionNotFound", `The subscription '${route.sub}' could not be found.`);
      }
      if ("rg" in route && route.rg !== undefined && route.sub !== undefined) {
        if (!this.#resourceGroups.has(`${route.sub}/${route.rg}`.toLowerCase())) {
          throw armError(404, "ResourceGroupNotFound", `Resource group '${route.rg}' could not be found.`);
        }
      }
      const pager = (items: unknown[]) => done(200, this.#page(items, rawSegments, rawQuery, query));
      switch (route.kind) {
        case "listSubscriptions":
          return pager([...this.#subscriptions.values()].map(subscriptionBody));
        case "getSubscription":
          return done(200, subscriptionBody(this.#subscriptions.get(route.sub.toLowerCase()) as EstateSubscription));
        case "listResourceGroups":
          return pager(
            [...this.#resourceGroups.values()]
              .filter((g) => g.subscriptionId.toLowerCase() === route.sub.toLowerCase())
              .filter((g) => this.#visible(`/subscriptions/${g.subscriptionId}/resourcegroups/${g.name}`.toLowerCase()))
              .map(resourceGroupBody),
          );
        case "getResourceGroup":
          return done(200, resourceGroupBody(this.#resourceGroups.get(`${route.sub}/${route.rg}`.toLowerCase()) as ResourceGroupInfo));
        case "listSub":
          return pager(this.#visibleBodies(this.#bySubscriptionType.get(`${route.sub}|${route.type}`.toLowerCase())));
        case "listRg":
          return pager(this.#visibleBodies(this.#byCollection.get(pathKey.slice(1))));
        case "listRoleAssignments":
          return pager(this.#roleAssignmentsFor(route.scope.toLowerCase(), query.get("$filter")));
        case "listChildren": {
          const parentKey = route.parentPath.toLowerCase();
          if (!this.#byId.has(parentKey)) throw this.#notFound(route.parentPath, route.rg, route.sub);
          if (route.segment.toLowerCase() === "all" && route.parentType.toLowerCase() === "microsoft.network/privatednszones") {
            const records = (this.#byParent.get(parentKey.slice(1)) ?? []).filter(
              (e) => segmentsOf(e.key).at(-2) !== "virtualnetworklinks",
            );
            return pager(this.#visibleBodies(records));
          }
          return pager(this.#visibleBodies(this.#byCollection.get(pathKey.slice(1))));
        }
        case "get": {
          const entry = this.#byId.get(pathKey);
          if (!entry) throw this.#notFound(path, route.rg, route.sub);
          return done(200, entry.body);
        }
        case "unknown":
          throw armError(404, "NotFound", `The emulator serves no route for '${path}'.`);
      }
    } catch (err) {
      if (err instanceof HttpError) return done(err.status, { error: { code: err.code, message: err.message } }, err.headers);
      throw err;
    }
  }

  #classify(segs: string[]): Route {
    const lower = segs.map((s) => s.toLowerCase());
    const p = lastProvidersIndex(lower);
    const namespace = p >= 0 ? segs[p + 1] : undefined;
    const rest = p >= 0 ? segs.slice(p + 2) : [];
    const isRoleAssignmentList =
      namespace?.toLowerCase() === "microsoft.authorization" && rest.length === 1 && lower.at(-1) === "roleassignments";
    if (lower[0] === "providers") {
      if (isRoleAssignmentList && p === 0) return { kind: "listRoleAssignments", scope: "" };
      if (namespace !== undefined && rest.length >= 2 && rest.length % 2 === 0 && p === 0) {
        return { kind: "get", type: typeOfId(segs) ?? namespace };
      }
      return { kind: "unknown" };
    }
    if (lower[0] !== "subscriptions") return { kind: "unknown" };
    const sub = segs[1];
    if (sub === undefined) return { kind: "listSubscriptions" };
    if (segs.length === 2) return { kind: "getSubscription", sub };
    let rg: string | undefined;
    if (lower[2] === "resourcegroups") {
      rg = segs[3];
      if (rg === undefined) return { kind: "listResourceGroups", sub };
      if (segs.length === 4) return { kind: "getResourceGroup", sub, rg };
      if (lower[4] !== "providers") return { kind: "unknown", sub };
    } else if (lower[2] !== "providers") {
      return { kind: "unknown", sub };
    }
    const inRg = rg !== undefined ? { rg } : {};
    if (namespace === undefined || rest.length === 0) return { kind: "unknown", sub };
    if (isRoleAssignmentList) return { kind: "listRoleAssignments", scope: `/${segs.slice(0, p).join("/")}`, sub, ...inRg };
    if (rest.length % 2 === 0) return { kind: "get", sub, ...inRg, type: typeOfId(segs) ?? namespace };
    if (rest.length === 1) {
      const type = rest[0] as string;
      if (p === 2) return { kind: "listSub", sub, type: `${namespace}/${type}` };
      if (p === 4 && rg !== undefined) return { kind: "listRg", sub, rg, type: `${namespace}/${type}` };
      return { kind: "unknown", sub };
    }
    const parent = segs.slice(0, -1);
    return {
      kind: "listChildren",
      sub,
      ...inRg,
      parentPath: `/${parent.join("/")}`,
      parentType: typeOfId(parent) ?? namespace,
      segment: segs.at(-1) as string,
    };
  }

  #routeKey(route: Route): string {
    switch (route.kind) {
      case "listSubscriptions":
        return "list:subscriptions";
      case "getSubscription":
        return "get:subscription";
      case "listResourceGroups":
        return "list:resourceGroups";
      case "getResourceGroup":
        return "get:resourceGroup";
      case "listSub":
        return `list:sub:${this.#canon(route.type)}`;
      case "listRg":
        return `list:rg:${this.#canon(route.type)}`;
      case "listRoleAssignments":
        return "list:roleAssignments";
      case "listChildren":
        return `list:children:${this.#childType(route.parentType, route.segment)}`;
      case "get":
        return `get:${this.#canon(route.type)}`;
      case "unknown":
        return "unknown";
    }
  }

  #childType(parentType: string, segment: string): string {
    const parent = this.#canon(parentType);
    if (segment.toLowerCase() === "all" && parent.toLowerCase() === "microsoft.network/privatednszones") return `${parent}/ALL`;
    return this.#typeCase.get(`${parentType}/${segment}`.toLowerCase()) ?? `${parent}/${segment}`;
  }

  #action(route: Route): string {
    switch (route.kind) {
      case "listSubscriptions":
      case "getSubscription":
        return "Microsoft.Resources/subscriptions/read";
      case "listResourceGroups":
      case "getResourceGroup":
        return "Microsoft.Resources/subscriptions/resourceGroups/read";
      case "listSub":
      case "listRg":
        return `${this.#canon(route.type)}/read`;
      case "listRoleAssignments":
        return "Microsoft.Authorization/roleAssignments/read";
      case "listChildren":
        return `${this.#childType(route.parentType, route.segment)}/read`;
      case "get":
        return `${this.#canon(route.type)}/read`;
      case "unknown":
        return "Microsoft.Resources/read";
    }
  }

  #notFound(path: string, rg: string | undefined, sub: string | undefined): HttpError {
    const segs = segmentsOf(path);
    const p = lastProvidersIndex(segs.map((s) => s.toLowerCase()));
    const name = p >= 0 ? segs.slice(p + 1).join("/") : path;
    const where = rg !== undefined ? `resource group '${rg}'` : `subscription '${sub ?? ""}'`;
    return armError(
      404,
      "ResourceNotFound",
      `The Resource '${name}' under ${where} was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    );
  }

  #visible(key: string): boolean {
    return !this.#forbidden.some((f) => atOrInside(key, f));
  }

  #visibleBodies(entries: Entry[] | undefined): unknown[] {
    return (entries ?? []).filter((e) => this.#visible(e.key)).map((e) => e.body);
  }

  #roleAssignmentsFor(scope: string, filter: string | undefined): unknown[] {
    let atScope = false;
    let principalId: string | undefined;
    if (filter !== undefined && filter.trim() !== "") {
      for (const term of filter.trim().split(/\s+and\s+/i)) {
        const t = term.trim();
        const principal = /^principalId\s+eq\s+'([^']*)'$/i.exec(t) ?? /^assignedTo\('([^']*)'\)$/i.exec(t);
        if (/^atScope\(\)$/i.test(t)) atScope = true;
        else if (principal) principalId = (principal[1] ?? "").toLowerCase();
        else {
          throw armError(
            400,
            "UnsupportedQuery",
            `The filter '${filter}' is not supported. Supported filters are 'atScope()', 'principalId eq '{value}'' and 'assignedTo('{value}')', optionally combined with 'and'.`,
          );
        }
      }
    }
    return this.#roleAssignments
      .filter((a) => atOrInside(scope, a.scope) || (!atScope && a.scope !== scope && atOrInside(a.scope, scope)))
      .filter((a) => principalId === undefined || a.principalId === principalId)
      .filter((a) => this.#visible(a.key) && this.#visible(a.scope))
      .map((a) => a.body);
  }

  #page(items: unknown[], rawSegments: string[], rawQuery: string, query: Map<string, string>): unknown {
    const token = query.get("$skiptoken");
    let offset = 0;
    if (token !== undefined) {
      if (!/^\d+$/.test(token)) throw armError(400, "InvalidSkipToken", `The skip token '${token}' is not valid.`);
      offset = Number(token);
    }
    const value = items.slice(offset, offset + this.#pageSize);
    const next = offset + this.#pageSize;
    if (next >= items.length) return { value };
    const kept = rawQuery
      .split("&")
      .filter((piece) => piece.length > 0 && safeDecode(piece.split("=")[0] ?? "").toLowerCase() !== "$skiptoken");
    kept.push(`$skiptoken=${next}`);
    return { value, nextLink: `${this.#baseUrl()}/${rawSegments.join("/")}?${kept.join("&")}` };
  }
}

/** Query parameters by lower-cased name (first occurrence wins). */
function parseQuery(rawQuery: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(rawQuery)) {
    const key = name.toLowerCase();
    if (!result.has(key)) result.set(key, value);
  }
  return result;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * Sub-resources ARM returns embedded in a resource (subnets, routes, security rules, frontend IP
 * configurations, ...): objects anywhere under `properties` whose `id` extends the resource's id
 * by whole `type/name` pairs and that carry more than the `id` (bare `{ id }` objects are
 * references, not sub-resources).
 */
function embeddedSubResources(resource: EstateResource): Record<string, unknown>[] {
  const prefix = `${normKey(resource.id)}/`;
  const found: Record<string, unknown>[] = [];
  const visit = (value: unknown, depth: number): void => {
    if (depth > 16) return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
      return;
    }
    if (!isObject(value)) return;
    const id = value.id;
    if (typeof id === "string" && Object.keys(value).some((k) => k !== "id")) {
      const key = normKey(id);
      if (key.startsWith(prefix) && segmentsOf(key.slice(prefix.length)).length % 2 === 0) found.push(value);
    }
    for (const [k, v] of Object.entries(value)) if (k !== "id") visit(v, depth + 1);
  };
  visit(resource.properties, 0);
  return found;
}

function subscriptionBody(s: EstateSubscription): Record<string, unknown> {
  return {
    id: `/subscriptions/${s.subscriptionId}`,
    authorizationSource: "RoleBased",
    managedByTenants: [],
    subscriptionId: s.subscriptionId,
    tenantId: s.tenantId ?? EMULATOR_TENANT_ID,
    displayName: s.displayName,
    state: s.state ?? "Enabled",
    subscriptionPolicies: {
      locationPlacementId: "Public_2014-09-01",
      quotaId: "PayAsYouGo_2014-09-01",
      spendingLimit: "Off",
    },
  };
}

function resourceGroupBody(g: ResourceGroupInfo): Record<string, unknown> {
  return {
    id: `/subscriptions/${g.subscriptionId}/resourceGroups/${g.name}`,
    name: g.name,
    type: "Microsoft.Resources/resourceGroups",
    location: g.location ?? "eastus",
    properties: { provisioningState: "Succeeded" },
  };
}
