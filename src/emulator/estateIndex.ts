import type { Estate, EstateResource, EstateSubscription } from "./estate.js";
import { lastProvidersIndex, normalisePath, normKey, segmentsOf, typeOfId } from "./paths.js";
import { TypeCasing } from "./routes.js";

/** An indexed resource: an estate entry or a sub-resource embedded in one. */
export interface Entry {
  /** The id as stored. */
  id: string;
  /** Normalised, lower-cased id. */
  key: string;
  type: string;
  body: Record<string, unknown>;
}

/** A role assignment with the scope and principal its filters match on. */
export interface RoleAssignmentEntry extends Entry {
  /** Normalised, lower-cased scope; "" is the tenant root. */
  scope: string;
  principalId: string;
}

/** A resource group, as implied by the estate's resource ids and forbidden scopes. */
export interface ResourceGroupInfo {
  subscriptionId: string;
  name: string;
  location: string | undefined;
}

const ROLE_ASSIGNMENT_TYPE = "microsoft.authorization/roleassignments";

/**
 * The look-up tables the router answers from, built once per estate so that every request is a
 * few map look-ups plus, for lists, a filter and a slice.
 */
export class EstateIndex {
  /** Lower-cased subscription id → subscription. */
  readonly subscriptions = new Map<string, EstateSubscription>();
  /** Resource key → entry. */
  readonly byId = new Map<string, Entry>();
  /** Collection key (id minus its name) → entries, in estate order. */
  readonly byCollection = new Map<string, Entry[]>();
  /** Parent resource key → its direct child resources of every type. */
  readonly byParent = new Map<string, Entry[]>();
  /** `sub|namespace/type` → top-level resources of that type anywhere in the subscription. */
  readonly bySubscriptionType = new Map<string, Entry[]>();
  /** Lower-cased `sub/rg` → resource group. */
  readonly resourceGroups = new Map<string, ResourceGroupInfo>();
  readonly roleAssignments: RoleAssignmentEntry[] = [];
  readonly types = new TypeCasing();

  constructor(estate: Estate) {
    for (const s of estate.subscriptions) this.subscriptions.set(s.subscriptionId.toLowerCase(), s);
    this.#index(estate.resources);
    for (const scope of estate.forbiddenScopes ?? []) this.#noteResourceGroup(normalisePath(scope), undefined);
  }

  #index(resources: EstateResource[]): void {
    for (const r of resources) {
      const key = normKey(r.id);
      this.byId.set(key, { id: r.id, key, type: r.type, body: r });
      this.types.note(r.type);
      this.#noteResourceGroup(normalisePath(r.id), typeof r.location === "string" ? r.location : undefined);
    }
    for (const r of resources) {
      for (const sub of embeddedSubResources(r)) {
        const key = normKey(sub.id as string);
        if (this.byId.has(key)) continue;
        const type = typeof sub.type === "string" ? sub.type : typeOfId(segmentsOf(sub.id as string));
        if (type === undefined) continue;
        this.byId.set(key, { id: sub.id as string, key, type, body: sub });
        this.types.note(type);
      }
    }
    for (const entry of this.byId.values()) {
      const segs = segmentsOf(entry.key);
      push(this.byCollection, segs.slice(0, -1).join("/"), entry);
      const p = lastProvidersIndex(segs);
      const rest = p >= 0 ? segs.length - p - 2 : 0;
      if (rest >= 4) push(this.byParent, segs.slice(0, -2).join("/"), entry);
      if (segs.length === 8 && segs[2] === "resourcegroups" && segs[4] === "providers") {
        push(this.bySubscriptionType, `${segs[1]}|${segs[5]}/${segs[6]}`, entry);
      }
      if (entry.type.toLowerCase() === ROLE_ASSIGNMENT_TYPE && p >= 0) {
        const props = isObject(entry.body.properties) ? entry.body.properties : {};
        const scope = typeof props.scope === "string" ? normKey(props.scope) : `/${segs.slice(0, p).join("/")}`;
        const principalId = typeof props.principalId === "string" ? props.principalId.toLowerCase() : "";
        this.roleAssignments.push({ ...entry, scope: scope === "/" ? "" : scope, principalId });
      }
    }
  }

  #noteResourceGroup(path: string, location: string | undefined): void {
    const segs = segmentsOf(path);
    const [s0, sub, s2, rg] = segs;
    if (s0?.toLowerCase() !== "subscriptions" || s2?.toLowerCase() !== "resourcegroups" || !sub || !rg) return;
    const key = `${sub}/${rg}`.toLowerCase();
    const usable = location !== undefined && location.toLowerCase() !== "global" ? location : undefined;
    const existing = this.resourceGroups.get(key);
    if (!existing) this.resourceGroups.set(key, { subscriptionId: sub, name: rg, location: usable });
    else existing.location ??= usable;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
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
