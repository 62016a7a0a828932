/**
 * PUT, PATCH and DELETE on estate resources, kept as ARM keeps them: a stored resource is replaced
 * (PUT), merged (PATCH, RFC 7396) or removed with its children (DELETE); a child that ARM embeds in
 * its parent (routes, subnets, peerings, security rules, agent pools) is written into the parent's
 * array, so the parent's GET and lists and the child's own GET agree; a child stored on its own
 * (rule collection groups, record sets, links, hub children) updates what its parent lists of it
 * (a policy's `ruleCollectionGroups`, a zone's counts); a subnet's route table, NSG and NAT gateway
 * list the subnet back (`properties.subnets`). Every change reaches the index before the answer.
 */
import { EMULATOR_TENANT_ID } from "./handlers.js";
import { armError, methodNotAllowed, parentResourceNotFound, resourceNotFound } from "./armErrors.js";
import type { EstateResource } from "./estate.js";
import type { Entry, EstateIndex } from "./estateIndex.js";
import { agentPoolBody } from "./estateIndex.js";
import { lastProvidersIndex, normKey } from "./paths.js";
import {
  allocatedAddress,
  embeddedSlot,
  fillSubResources,
  freshEtag,
  hasProvisioningState,
  isObject,
  keepEmbeddedReadOnly,
  keepReadOnly,
  mergePatch,
  operationType,
  slotHolding,
  type EmbeddedSlot,
  type Json,
} from "./writeShapes.js";

/** A write method. */
export type WriteMethod = "PUT" | "PATCH" | "DELETE";

/** What a successful write changed: what ARM's subscription system topic reports. */
export interface WrittenChange {
  kind: "write" | "delete";
  /** The resource id as the request wrote it (the decoded path). */
  resourceId: string;
  /** `<type path>/write` or `/delete`, e.g. `Microsoft.Network/routeTables/routes/write`. */
  operationName: string;
  /** `Microsoft.Network`, ... */
  resourceProvider: string;
  /** As the path spells it. */
  subscriptionId: string;
  tenantId: string;
}

/** A write, after the router's checks (authentication, api-version, scope, subscription, group). */
export interface WriteRequest {
  method: WriteMethod;
  /** Decoded, normalised path: the resource id as written. */
  path: string;
  /** Its decoded segments. */
  segments: string[];
  sub: string;
  /** The parsed body of a PUT or PATCH: a JSON object. */
  body?: Json;
}

/** The answer to a write; `change` is set when the estate changed. */
export interface WriteOutcome {
  status: number;
  body?: unknown;
  change?: WrittenChange;
}

/** Applies writes to an {@link EstateIndex}. */
export class EstateWriter {
  readonly #index: EstateIndex;

  constructor(index: EstateIndex) {
    this.#index = index;
  }

  /** The type path a write names, in ARM's operation casing (`Microsoft.Network/routeTables/routes`). */
  static typeOf(segments: string[]): string | undefined {
    const lower = segments.map((s) => s.toLowerCase());
    if (lower[0] === "subscriptions" && lower[2] === "resourcegroups" && segments.length === 4) return "Microsoft.Resources/subscriptions/resourceGroups";
    return operationType(segments);
  }

  /** Applies one write to a resource or resource group path. Throws `HttpError` for ARM's error answers. */
  apply(request: WriteRequest): WriteOutcome {
    const segs = request.segments;
    const type = EstateWriter.typeOf(segs);
    if (type === undefined) throw methodNotAllowed(request.method);
    const tenantId = this.#index.subscriptions.get(request.sub.toLowerCase())?.tenantId ?? EMULATOR_TENANT_ID;
    const change = (kind: "write" | "delete"): WrittenChange => ({
      kind,
      resourceId: request.path,
      operationName: `${type}/${kind}`,
      resourceProvider: type.split("/")[0] as string,
      subscriptionId: request.sub,
      tenantId,
    });
    if (type === "Microsoft.Resources/subscriptions/resourceGroups") return this.#resourceGroup(request, change);
    const key = request.path.toLowerCase();
    const existing = this.#index.byId.get(key);
    const p = lastProvidersIndex(segs.map((s) => s.toLowerCase()));
    const rest = segs.length - p - 2;
    if (rest >= 4) {
      const parentKey = `/${segs.slice(0, -2).join("/")}`.toLowerCase();
      const parent = this.#index.byId.get(parentKey);
      if (!parent) {
        if (request.method === "DELETE") return { status: 204 };
        throw parentResourceNotFound(segs.at(-3) as string);
      }
      // A sub-resource of an embedded sub-resource (a subnet's delegation) has no API of its own.
      if (parent.owner !== undefined) throw methodNotAllowed(request.method, "GET");
      const segment = segs.at(-2) as string;
      const slot = embeddedSlot(parent.type, segment) ?? (existing?.owner !== undefined ? slotHolding(parent.body, key, segment) : undefined);
      if (slot) return this.#embedded(request, parent, slot, existing, change);
    }
    return this.#stored(request, type, existing, change);
  }

  /** PUT / PATCH / DELETE of a resource stored on its own. */
  #stored(request: WriteRequest, opType: string, existing: Entry | undefined, change: (kind: "write" | "delete") => WrittenChange): WriteOutcome {
    const index = this.#index;
    const key = request.path.toLowerCase();
    if (request.method === "DELETE") {
      if (!existing) return { status: 204 };
      refuseInUse(existing);
      index.removeStored(key);
      this.#afterChildChange(existing, "remove");
      this.#syncSubnetBackReferences(existing.body, undefined);
      return { status: 200, change: change("delete") };
    }
    const body = request.body ?? {};
    let next: Json;
    if (request.method === "PATCH") {
      if (!existing) throw resourceNotFound(request.path, rgOf(request.segments), request.sub);
      next = mergePatch(existing.body, body) as Json;
      next = { ...next, id: existing.id, name: existing.body.name, type: existing.type };
      const etag = freshEtag(existing.type, existing.body.etag);
      if (existing.body.etag !== undefined && etag) next.etag = etag;
    } else {
      const type = existing?.type ?? index.types.canon(opType);
      const id = existing?.id ?? request.path;
      // id, name, type and the etag are ARM's to set: a body echoing a GET does not override them.
      const { id: _id, name: _name, type: _type, etag: _etag, eTag: _eTag, properties: inputProps, ...rest } = body;
      let properties: Json = isObject(inputProps) ? { ...inputProps } : {};
      const before = existing?.body.properties;
      properties = keepEmbeddedReadOnly(before, keepReadOnly(type, before, properties));
      if (type.toLowerCase().startsWith("microsoft.network/")) properties = fillSubResources(properties, id, type);
      if (type.toLowerCase() === "microsoft.network/publicipaddresses" && properties.ipAddress === undefined) properties.ipAddress = allocatedAddress(id);
      if (type.toLowerCase() === "microsoft.authorization/roleassignments" && properties.scope === undefined) {
        properties.scope = `/${request.segments.slice(0, lastProvidersIndex(request.segments.map((s) => s.toLowerCase()))).join("/")}`;
      }
      if (hasProvisioningState(type)) properties.provisioningState = "Succeeded";
      const location = rest.location ?? existing?.body.location ?? this.#defaultLocation(request, type);
      const etagKey = existing?.body.eTag !== undefined ? "eTag" : "etag";
      const etag = freshEtag(type, existing?.body[etagKey]);
      next = {
        id,
        name: request.segments.at(-1),
        type,
        ...(etag !== undefined ? { [etagKey]: etag } : {}),
        ...(location !== undefined ? { location } : {}),
        ...rest,
        properties,
      };
    }
    const before = existing?.body;
    const entry = index.putStored(asResource(next));
    if (!existing) this.#afterChildChange(entry, "add");
    this.#syncSubnetBackReferences(before, entry.body);
    return { status: existing ? 200 : 201, body: entry.body, change: change("write") };
  }

  /** PUT / PATCH / DELETE of a child its parent embeds: the parent's array is the truth. */
  #embedded(request: WriteRequest, parent: Entry, slot: EmbeddedSlot, existing: Entry | undefined, change: (kind: "write" | "delete") => WrittenChange): WriteOutcome {
    const key = request.path.toLowerCase();
    const name = request.segments.at(-1) as string;
    const parentProps: Json = isObject(parent.body.properties) ? { ...parent.body.properties } : {};
    const items: unknown[] = Array.isArray(parentProps[slot.array]) ? [...(parentProps[slot.array] as unknown[])] : [];
    const at = items.findIndex((item) =>
      isObject(item) && (slot.flat || typeof item.id !== "string" ? typeof item.name === "string" && item.name.toLowerCase() === name.toLowerCase() : normKey(item.id) === key),
    );
    const old = at >= 0 ? (items[at] as Json) : undefined;
    if (request.method === "DELETE") {
      if (!old) return { status: 204 };
      items.splice(at, 1);
    } else {
      if (request.method === "PATCH" && !old) throw resourceNotFound(request.path, rgOf(request.segments), request.sub);
      const item = slot.flat ? this.#agentPool(parent, name, old, request) : this.#subResource(parent, slot, name, old, existing, request);
      if (old) items[at] = item;
      else items.push(item);
    }
    parentProps[slot.array] = items;
    const etag = freshEtag(parent.type, parent.body.etag);
    const nextParent: Json = { ...parent.body, ...(parent.body.etag !== undefined && etag ? { etag } : {}), properties: parentProps };
    const before = parent.body;
    this.#index.putStored(asResource(nextParent));
    this.#syncSubnetBackReferences(before, nextParent);
    if (request.method === "DELETE") return { status: 200, change: change("delete") };
    return { status: old ? 200 : 201, body: this.#index.byId.get(key)?.body, change: change("write") };
  }

  /** An embedded sub-resource as a PUT or PATCH leaves it (`{ name, id, type, properties }`). */
  #subResource(parent: Entry, slot: EmbeddedSlot, name: string, old: Json | undefined, existing: Entry | undefined, request: WriteRequest): Json {
    const id = typeof old?.id === "string" ? old.id : `${parent.id}/${slot.segment}/${name}`;
    const type = typeof old?.type === "string" ? old.type : (existing?.type ?? `${parent.type}/${slot.segment}`);
    const body = request.body ?? {};
    if (request.method === "PATCH") {
      const merged = mergePatch(old, body) as Json;
      return { ...merged, name: old?.name ?? name, id };
    }
    const { id: _id, name: _name, type: _type, etag: _etag, properties: inputProps, ...rest } = body;
    let properties: Json = isObject(inputProps) ? { ...inputProps } : {};
    properties = keepEmbeddedReadOnly(old?.properties, keepReadOnly(type, old?.properties, properties));
    if (type.toLowerCase().startsWith("microsoft.network/")) properties = fillSubResources(properties, id, type);
    const etag = freshEtag(type, old?.etag);
    return { name, id, ...(etag !== undefined ? { etag } : {}), type, ...rest, properties: { ...properties, provisioningState: "Succeeded" } };
  }

  /** An agent pool profile (flat, in `agentPoolProfiles`) as a PUT or PATCH of `.../agentPools/{name}` leaves it. */
  #agentPool(parent: Entry, name: string, old: Json | undefined, request: WriteRequest): Json {
    const body = request.body ?? {};
    const view = old ? agentPoolBody(parent.body as EstateResource, old) : { properties: {} };
    const properties = request.method === "PATCH" ? ((mergePatch(view, body) as Json).properties ?? {}) : (body.properties ?? {});
    return { name: typeof old?.name === "string" ? old.name : name, ...(isObject(properties) ? properties : {}), provisioningState: "Succeeded" };
  }

  /** PUT (create or update) and DELETE (with everything in it) of a resource group. */
  #resourceGroup(request: WriteRequest, change: (kind: "write" | "delete") => WrittenChange): WriteOutcome {
    const index = this.#index;
    const [, sub, , rg] = request.segments as [string, string, string, string];
    const groupKey = `${sub}/${rg}`.toLowerCase();
    const group = index.resourceGroups.get(groupKey);
    if (request.method === "DELETE") {
      if (!group) return { status: 204 };
      index.removeResourceGroup(sub, rg);
      return { status: 200, change: change("delete") };
    }
    if (request.method === "PATCH" && !group) throw resourceNotFound(request.path, rg, sub);
    const location = typeof request.body?.location === "string" ? request.body.location : undefined;
    const existed = index.putResourceGroup(sub, rg, location);
    const info = index.resourceGroups.get(groupKey)!;
    const body = {
      id: `/subscriptions/${info.subscriptionId}/resourceGroups/${info.name}`,
      name: info.name,
      type: "Microsoft.Resources/resourceGroups",
      location: info.location ?? "eastus",
      ...(isObject(request.body?.tags) ? { tags: request.body.tags } : {}),
      properties: { provisioningState: "Succeeded" },
    };
    return { status: existed ? 200 : 201, body, change: change("write") };
  }

  /** A tracked top-level resource created without a location gets its group's (ARM requires one; the emulator is lenient). */
  #defaultLocation(request: WriteRequest, type: string): string | undefined {
    const segs = request.segments;
    // Only a resource directly in a group (not a child, not an extension such as a role assignment).
    if (segs.length !== 8 || segs[2]?.toLowerCase() !== "resourcegroups" || type.toLowerCase().startsWith("microsoft.authorization/")) return undefined;
    return this.#index.resourceGroups.get(`${segs[1]}/${segs[3]}`.toLowerCase())?.location;
  }

  /**
   * What a parent lists of a child stored on its own, after the child was created or deleted: a
   * firewall policy's `ruleCollectionGroups` references, a private DNS zone's record set and link counts.
   */
  #afterChildChange(child: Entry, how: "add" | "remove"): void {
    const segs = child.key.split("/").filter((s) => s.length > 0);
    const p = lastProvidersIndex(segs);
    if (segs.length - p - 2 < 4) return;
    const parent = this.#index.byId.get(`/${segs.slice(0, -2).join("/")}`);
    if (!parent || parent.owner !== undefined || !isObject(parent.body.properties)) return;
    const props: Json = { ...parent.body.properties };
    const parentType = parent.type.toLowerCase();
    const segment = segs.at(-2) as string;
    if (parentType === "microsoft.network/firewallpolicies" && segment === "rulecollectiongroups") {
      const refs = (Array.isArray(props.ruleCollectionGroups) ? (props.ruleCollectionGroups as unknown[]) : []).filter(
        (r: unknown) => !(isObject(r) && typeof r.id === "string" && normKey(r.id) === child.key),
      );
      props.ruleCollectionGroups = how === "add" ? [...refs, { id: child.id }] : refs;
    } else if (parentType === "microsoft.network/privatednszones") {
      const counter = segment === "virtualnetworklinks" ? "numberOfVirtualNetworkLinks" : "numberOfRecordSets";
      const count = props[counter];
      if (typeof count !== "number") return;
      props[counter] = Math.max(0, count + (how === "add" ? 1 : -1));
    } else {
      return;
    }
    const etag = freshEtag(parent.type, parent.body.etag);
    this.#index.putStored(asResource({ ...parent.body, ...(parent.body.etag !== undefined && etag ? { etag } : {}), properties: props }));
  }

  /**
   * A VNet's subnets as their route tables, NSGs and NAT gateways list them back
   * (`properties.subnets`): after a VNet or subnet write, each association that changed is moved.
   */
  #syncSubnetBackReferences(before: Json | undefined, after: Json | undefined): void {
    const type = (before ?? after)?.type;
    if (typeof type !== "string" || type.toLowerCase() !== "microsoft.network/virtualnetworks") return;
    const old = subnetAssociations(before);
    const now = subnetAssociations(after);
    for (const subnetKey of new Set([...old.keys(), ...now.keys()])) {
      const a = old.get(subnetKey);
      const b = now.get(subnetKey);
      for (const link of ASSOCIATIONS) {
        const from = a?.links[link];
        const to = b?.links[link];
        if (from === to) continue;
        if (from !== undefined) this.#editBackReference(from, (a ?? b)!.id, "remove");
        if (to !== undefined) this.#editBackReference(to, (b ?? a)!.id, "add");
      }
    }
  }

  #editBackReference(targetKey: string, subnetId: string, how: "add" | "remove"): void {
    const target = this.#index.byId.get(targetKey);
    if (!target || target.owner !== undefined) return;
    const props: Json = isObject(target.body.properties) ? { ...target.body.properties } : {};
    const refs = (Array.isArray(props.subnets) ? (props.subnets as unknown[]) : []).filter(
      (r: unknown) => !(isObject(r) && typeof r.id === "string" && normKey(r.id) === normKey(subnetId)),
    );
    props.subnets = how === "add" ? [...refs, { id: subnetId }] : refs;
    this.#index.putStored(asResource({ ...target.body, properties: props }));
  }
}

const ASSOCIATIONS = ["routeTable", "networkSecurityGroup", "natGateway"] as const;

/** Subnet key → its id and the (lower-cased) ids of its route table, NSG and NAT gateway. */
function subnetAssociations(vnet: Json | undefined): Map<string, { id: string; links: Partial<Record<(typeof ASSOCIATIONS)[number], string>> }> {
  const out = new Map<string, { id: string; links: Partial<Record<(typeof ASSOCIATIONS)[number], string>> }>();
  const subnets = isObject(vnet?.properties) && Array.isArray(vnet.properties.subnets) ? vnet.properties.subnets : [];
  for (const s of subnets) {
    if (!isObject(s) || typeof s.id !== "string") continue;
    const props = isObject(s.properties) ? s.properties : {};
    const links: Partial<Record<(typeof ASSOCIATIONS)[number], string>> = {};
    for (const link of ASSOCIATIONS) {
      const ref = props[link];
      if (isObject(ref) && typeof ref.id === "string") links[link] = normKey(ref.id);
    }
    out.set(normKey(s.id), { id: s.id, links });
  }
  return out;
}

/** What ARM answers when a route table, NSG or NAT gateway that subnets still use is deleted. */
const IN_USE: Record<string, { code: string; label: string }> = {
  "microsoft.network/routetables": { code: "InUseRouteTableCannotBeDeleted", label: "Route table" },
  "microsoft.network/networksecuritygroups": { code: "InUseNetworkSecurityGroupCannotBeDeleted", label: "Network security group" },
  "microsoft.network/natgateways": { code: "InUseNatGatewayCannotBeDeleted", label: "Nat Gateway" },
};

/** Throws ARM's 400 when the resource is still associated with a subnet (its `properties.subnets`). */
function refuseInUse(entry: Entry): void {
  const rule = IN_USE[entry.type.toLowerCase()];
  const props = entry.body.properties;
  const users = rule && isObject(props) && Array.isArray(props.subnets) ? props.subnets.filter((r: unknown) => isObject(r) && typeof r.id === "string") : [];
  if (!rule || users.length === 0) return;
  const subnetId = (users[0] as Json).id as string;
  throw armError(400, rule.code, `${rule.label} ${entry.id} is in use by ${subnetId} and cannot be deleted. In order to delete the ${rule.label.toLowerCase()}, remove all references to it.`);
}

/** A body built from a stored body: it keeps the `id`, `name` and `type` an estate resource has. */
function asResource(body: Json): EstateResource {
  return body as unknown as EstateResource;
}

/** The resource group segment of a path, if it has one. */
function rgOf(segments: string[]): string | undefined {
  return segments[2]?.toLowerCase() === "resourcegroups" ? segments[3] : undefined;
}
