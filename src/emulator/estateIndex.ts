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
      const scaleSetList = scaleSetListOf(segs, p);
      if (scaleSetList !== undefined) push(this.byScaleSet, scaleSetList, entry);
      if (entry.type.toLowerCase() === ROLE_ASSIGNMENT_TYPE && p >= 0) {
        const props = isObject(entry.body.properties) ? entry.body.properties : {};
        const scope = typeof props.scope === "string" ? normKey(props.scope) : `/${segs.slice(0, p).join("/")}`;
        const principalId = typeof props.principalId === "string" ? props.principalId.toLowerCase() : "";
        this.roleAssignments.push({ ...entry, scope: scope === "/" ? "" : scope, principalId });
      }
    }
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
