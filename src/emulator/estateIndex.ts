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
  /** The body served; replaced (never mutated in place) when a write changes the resource. */
  body: Record<string, unknown>;
  /** Key of the stored resource this sub-resource is embedded in; absent for stored resources. */
  owner?: string;
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
  /** Lower-cased subscription id → its unregistered provider namespaces (lower-cased → as the estate spells them). */
  readonly unregisteredProviders = new Map<string, Map<string, string>>();
  /** Resource key → entry. */
  readonly byId = new Map<string, Entry>();
  /** Collection key (id minus its name) → entries, in estate order. */
  readonly byCollection = new Map<string, Entry[]>();
  /** Parent resource key → its direct child resources of every type. */
  readonly byParent = new Map<string, Entry[]>();
  /**
   * `<scale set key>|networkinterfaces` and `<scale set key>|publicipaddresses` → the NICs and
   * instance-level public IPs stored under the scale set's `virtualMachines/*` (what the scale
   * set's NIC and public IP lists return).
   */
  readonly byScaleSet = new Map<string, Entry[]>();
  /** `sub|namespace/type` → top-level resources of that type anywhere in the subscription. */
  readonly bySubscriptionType = new Map<string, Entry[]>();
  /** Lower-cased `sub/rg` → resource group. */
  readonly resourceGroups = new Map<string, ResourceGroupInfo>();
  readonly roleAssignments: RoleAssignmentEntry[] = [];
  readonly types = new TypeCasing();
  /** Stored resource key → the keys of the sub-resources indexed from its body. */
  readonly #embeddedOf = new Map<string, Set<string>>();

  constructor(estate: Estate) {
    for (const s of estate.subscriptions) {
      this.subscriptions.set(s.subscriptionId.toLowerCase(), s);
      if (s.unregisteredProviders?.length) {
        this.unregisteredProviders.set(s.subscriptionId.toLowerCase(), new Map(s.unregisteredProviders.map((n) => [n.toLowerCase(), n])));
      }
    }
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
      const owner = normKey(r.id);
      for (const entry of embeddedEntries(r)) {
        if (this.byId.has(entry.key)) continue;
        this.byId.set(entry.key, { ...entry, owner });
        this.#noteEmbedded(owner, entry.key);
        this.types.note(entry.type);
      }
    }
    for (const entry of this.byId.values()) this.#addToLists(entry);
  }

  /** Adds an entry to every list it belongs in (at the end: lists keep estate order, then write order). */
  #addToLists(entry: Entry): void {
    const segs = segmentsOf(entry.key);
    push(this.byCollection, segs.slice(0, -1).join("/"), entry);
    const p = lastProvidersIndex(segs);
    const rest = p >= 0 ? segs.length - p - 2 : 0;
    if (rest >= 4) push(this.byParent, segs.slice(0, -2).join("/"), entry);
    if (segs.length === 8 && segs[2] === "resourcegroups" && segs[4] === "providers") {
      push(this.bySubscriptionType, `${segs[1]}|${segs[5]}/${segs[6]}`, entry);
    }
    const scaleSetList = scaleSetListOf(segs, p);
    if (scaleSetList !== undefined) push(this.byScaleSet, scaleSetList, entry);
    const assignment = roleAssignmentOf(entry, segs, p);
    if (assignment) this.roleAssignments.push(assignment);
  }

  /** Removes an entry from every list (the inverse of {@link #addToLists}). */
  #removeFromLists(entry: Entry): void {
    const segs = segmentsOf(entry.key);
    pull(this.byCollection, segs.slice(0, -1).join("/"), entry);
    const p = lastProvidersIndex(segs);
    pull(this.byParent, segs.slice(0, -2).join("/"), entry);
    if (segs.length === 8 && segs[2] === "resourcegroups" && segs[4] === "providers") pull(this.bySubscriptionType, `${segs[1]}|${segs[5]}/${segs[6]}`, entry);
    const scaleSetList = scaleSetListOf(segs, p);
    if (scaleSetList !== undefined) pull(this.byScaleSet, scaleSetList, entry);
    const at = this.roleAssignments.findIndex((a) => a.key === entry.key);
    if (at >= 0) this.roleAssignments.splice(at, 1);
  }

  /**
   * Stores a resource (an estate entry, not an embedded sub-resource) as a write leaves it: a new
   * one joins the end of its lists, an existing one keeps its place (its entry's body is
   * replaced, the id keeps the stored spelling). The sub-resources embedded in it are re-derived:
   * those gone leave the index, new ones join it, kept ones get their new body.
   */
  putStored(resource: EstateResource): Entry {
    const key = normKey(resource.id);
    let entry = this.byId.get(key);
    if (entry && entry.owner === undefined) {
      entry.body = resource;
      this.#refreshRoleAssignment(entry);
    } else {
      if (entry) this.#drop(entry);
      entry = { id: resource.id, key, type: resource.type, body: resource };
      this.byId.set(key, entry);
      this.types.note(resource.type);
      this.#noteResourceGroup(normalisePath(resource.id), typeof resource.location === "string" ? resource.location : undefined);
      this.#addToLists(entry);
    }
    const fresh = new Map(embeddedEntries(resource).map((e) => [e.key, e]));
    for (const oldKey of [...(this.#embeddedOf.get(key) ?? [])]) {
      const old = this.byId.get(oldKey);
      if (!old || old.owner !== key) continue;
      const next = fresh.get(old.key);
      if (next) {
        old.body = next.body;
        fresh.delete(old.key);
      } else {
        this.#drop(old);
      }
    }
    for (const sub of fresh.values()) {
      if (this.byId.has(sub.key)) continue;
      const added: Entry = { ...sub, owner: key };
      this.byId.set(sub.key, added);
      this.#noteEmbedded(key, sub.key);
      this.types.note(added.type);
      this.#addToLists(added);
    }
    return entry;
  }

  /**
   * Removes a stored resource with everything below it (its embedded sub-resources and its child
   * resources, as ARM deletes a parent's children). Returns whether it existed.
   */
  removeStored(key: string): boolean {
    const entry = this.byId.get(key);
    if (!entry || entry.owner !== undefined) return false;
    const prefix = `${key}/`;
    for (const e of [...this.byId.values()]) if (e.key === key || e.key.startsWith(prefix)) this.#drop(e);
    return true;
  }

  /** Removes a resource group and every resource in it. */
  removeResourceGroup(subscriptionId: string, name: string): void {
    const prefix = `/subscriptions/${subscriptionId}/resourcegroups/${name}/`.toLowerCase();
    for (const e of [...this.byId.values()]) if (e.key.startsWith(prefix)) this.#drop(e);
    this.resourceGroups.delete(`${subscriptionId}/${name}`.toLowerCase());
  }

  #drop(entry: Entry): void {
    this.byId.delete(entry.key);
    this.#removeFromLists(entry);
    if (entry.owner !== undefined) this.#embeddedOf.get(entry.owner)?.delete(entry.key);
    else this.#embeddedOf.delete(entry.key);
  }

  #noteEmbedded(owner: string, key: string): void {
    let keys = this.#embeddedOf.get(owner);
    if (!keys) this.#embeddedOf.set(owner, (keys = new Set()));
    keys.add(key);
  }

  /** A role assignment's list item carries a copy of its body: renew it after a write. */
  #refreshRoleAssignment(entry: Entry): void {
    const at = this.roleAssignments.findIndex((a) => a.key === entry.key);
    if (at < 0) return;
    const segs = segmentsOf(entry.key);
    const fresh = roleAssignmentOf(entry, segs, lastProvidersIndex(segs));
    if (fresh) this.roleAssignments[at] = fresh;
    else this.roleAssignments.splice(at, 1);
  }

  /** Notes a resource group a write creates (`PUT .../resourceGroups/{name}`). */
  putResourceGroup(subscriptionId: string, name: string, location: string | undefined): boolean {
    const key = `${subscriptionId}/${name}`.toLowerCase();
    const existed = this.resourceGroups.has(key);
    if (!existed) this.resourceGroups.set(key, { subscriptionId, name, location });
    else if (location !== undefined) (this.resourceGroups.get(key) as ResourceGroupInfo).location = location;
    return existed;
  }

  /**
   * The namespace of a request path that its subscription has not registered, if any: any
   * `providers/<namespace>` segment of the path counts (a role assignment under a resource of an
   * unregistered provider cannot exist either).
   */
  unregisteredNamespaceOf(sub: string, segments: string[]): string | undefined {
    const unregistered = this.unregisteredProviders.get(sub.toLowerCase());
    if (!unregistered) return undefined;
    for (let i = 0; i + 1 < segments.length; i++) {
      if (segments[i]!.toLowerCase() !== "providers") continue;
      const hit = unregistered.get(segments[i + 1]!.toLowerCase());
      if (hit !== undefined) return hit;
    }
    return undefined;
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

/**
 * The scale set list a stored resource belongs to, from its key's segments (`p`: index of its
 * `providers` segment): `virtualMachineScaleSets/{s}/virtualMachines/{i}/networkInterfaces/{n}`
 * is in the scale set's NIC list, and `.../networkInterfaces/{n}/ipConfigurations/{c}/publicIPAddresses/{a}`
 * in its public IP list (ids as in `VmssNetworkInterfaceList.json` / `VmssPublicIpListAll.json`).
 */
function scaleSetListOf(segs: string[], p: number): string | undefined {
  if (p < 0 || segs[p + 1] !== "microsoft.compute" || segs[p + 2] !== "virtualmachinescalesets" || segs[p + 4] !== "virtualmachines") return undefined;
  const rest = segs.slice(p + 6);
  const scaleSet = segs.slice(0, p + 4).join("/");
  if (rest.length === 2 && rest[0] === "networkinterfaces") return `${scaleSet}|networkinterfaces`;
  if (rest.length === 6 && rest[0] === "networkinterfaces" && rest[2] === "ipconfigurations" && rest[4] === "publicipaddresses") {
    return `${scaleSet}|publicipaddresses`;
  }
  return undefined;
}

/** The role-assignment list item of an entry, or undefined when it is not a role assignment. */
function roleAssignmentOf(entry: Entry, segs: string[], p: number): RoleAssignmentEntry | undefined {
  if (entry.type.toLowerCase() !== ROLE_ASSIGNMENT_TYPE || p < 0) return undefined;
  const props = isObject(entry.body.properties) ? entry.body.properties : {};
  const scope = typeof props.scope === "string" ? normKey(props.scope) : `/${segs.slice(0, p).join("/")}`;
  const principalId = typeof props.principalId === "string" ? props.principalId.toLowerCase() : "";
  return { ...entry, scope: scope === "/" ? "" : scope, principalId };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function pull<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  const at = list ? list.indexOf(value) : -1;
  if (at < 0) return;
  list!.splice(at, 1);
  if (list!.length === 0) map.delete(key);
}

/**
 * The entries of the sub-resources embedded in a stored resource (see {@link embeddedSubResources}),
 * plus a managed cluster's agent pools: ARM embeds them as `agentPoolProfiles` (flat, without ids)
 * and also serves them as `.../agentPools/{name}` resources (`{ id, name, type, properties }`).
 */
export function embeddedEntries(resource: EstateResource): Array<Omit<Entry, "owner">> {
  const out: Array<Omit<Entry, "owner">> = [];
  for (const sub of embeddedSubResources(resource)) {
    const type = typeof sub.type === "string" ? sub.type : typeOfId(segmentsOf(sub.id as string));
    if (type === undefined) continue;
    out.push({ id: sub.id as string, key: normKey(sub.id as string), type, body: sub });
  }
  if (resource.type.toLowerCase() === MANAGED_CLUSTER_TYPE && isObject(resource.properties) && Array.isArray(resource.properties.agentPoolProfiles)) {
    for (const profile of resource.properties.agentPoolProfiles) {
      if (!isObject(profile) || typeof profile.name !== "string" || profile.name === "") continue;
      const body = agentPoolBody(resource, profile);
      out.push({ id: body.id as string, key: normKey(body.id as string), type: body.type as string, body });
    }
  }
  return out;
}

const MANAGED_CLUSTER_TYPE = "microsoft.containerservice/managedclusters";

/** An agent pool as `GET .../managedClusters/{c}/agentPools/{name}` answers it, from the cluster's profile. */
export function agentPoolBody(cluster: EstateResource, profile: Record<string, unknown>): Record<string, unknown> {
  const { name, ...properties } = profile;
  return { id: `${cluster.id}/agentPools/${String(name)}`, name, type: `${cluster.type}/agentPools`, properties };
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
