/**
 * The shapes ARM gives written resources, as pure functions: JSON merge patch (PATCH), ids, types
 * and provisioning states filled into embedded sub-resources (PUT), read-only properties a PUT
 * keeps, fresh etags, where a parent embeds which child type, and operation names in ARM's casing.
 */
import { createHash, randomUUID } from "node:crypto";
import { WATCHED_RESOURCE_TYPES } from "../model/changeEvent.js";
import { lastProvidersIndex, normKey } from "./paths.js";

/** A JSON object. */
export type Json = Record<string, unknown>;

/** Whether a value is a JSON object (not an array, not null). */
export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** RFC 7396 JSON merge patch, as ARM's PATCH takes it: objects merge, `null` removes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Json = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

/**
 * Where a parent embeds a child type that ARM also serves by id: `array` under `properties`;
 * `flat` for a managed cluster's `agentPoolProfiles` (the pool's properties sit beside its name).
 * Keyed `lower parent type|lower child segment`.
 */
export interface EmbeddedSlot {
  array: string;
  flat: boolean;
  /** The child segment in ARM's casing, for ids and types. */
  segment: string;
}

const SLOTS: Record<string, EmbeddedSlot> = {
  "microsoft.network/routetables|routes": { array: "routes", flat: false, segment: "routes" },
  "microsoft.network/virtualnetworks|subnets": { array: "subnets", flat: false, segment: "subnets" },
  "microsoft.network/virtualnetworks|virtualnetworkpeerings": { array: "virtualNetworkPeerings", flat: false, segment: "virtualNetworkPeerings" },
  "microsoft.network/networksecuritygroups|securityrules": { array: "securityRules", flat: false, segment: "securityRules" },
  "microsoft.network/loadbalancers|backendaddresspools": { array: "backendAddressPools", flat: false, segment: "backendAddressPools" },
  "microsoft.network/loadbalancers|inboundnatrules": { array: "inboundNatRules", flat: false, segment: "inboundNatRules" },
  "microsoft.containerservice/managedclusters|agentpools": { array: "agentPoolProfiles", flat: true, segment: "agentPools" },
};

/** The slot a `parentType` resource embeds its `segment` children in, if it embeds them. */
export function embeddedSlot(parentType: string, segment: string): EmbeddedSlot | undefined {
  return SLOTS[`${parentType.toLowerCase()}|${segment.toLowerCase()}`];
}

/**
 * The array under `properties` of a parent body holding the embedded child `childKey` (for the
 * sub-resources ARM has no slot for above, e.g. a load balancer's frontend IP configurations).
 */
export function slotHolding(parent: Json, childKey: string, segment: string): EmbeddedSlot | undefined {
  if (!isObject(parent.properties)) return undefined;
  for (const [array, value] of Object.entries(parent.properties)) {
    if (Array.isArray(value) && value.some((item) => isObject(item) && typeof item.id === "string" && normKey(item.id) === childKey)) {
      return { array, flat: false, segment };
    }
  }
  return undefined;
}

/** Child array keys whose sub-resource ids use another segment (`AzureFirewallGet.json`). */
const SEGMENT_OVERRIDES: Record<string, string> = {
  "microsoft.network/azurefirewalls|ipconfigurations": "azureFirewallIpConfigurations",
};

/**
 * Fills what ARM fills into the sub-resources of a Network resource body: each object of an array
 * under `properties` that has a `name` and `properties` (a sub-resource, not an `{ id }` reference)
 * gets its id (`<parent id>/<segment>/<name>`), type and provisioning state, recursively (a
 * subnet's delegations). What the body states is kept.
 */
export function fillSubResources(properties: Json, parentId: string, parentType: string, depth = 0): Json {
  if (depth > 4) return properties;
  const out: Json = { ...properties };
  for (const [key, value] of Object.entries(properties)) {
    if (!Array.isArray(value)) continue;
    out[key] = value.map((item: unknown) => {
      if (!isObject(item) || typeof item.name !== "string" || !isObject(item.properties)) return item;
      const segment = SEGMENT_OVERRIDES[`${parentType.toLowerCase()}|${key.toLowerCase()}`] ?? key;
      const id = typeof item.id === "string" ? item.id : `${parentId}/${segment}/${item.name}`;
      const type = typeof item.type === "string" ? item.type : `${parentType}/${segment}`;
      const inner = fillSubResources(item.properties, id, type, depth + 1);
      return { name: item.name, id, type, ...item, properties: { ...inner, provisioningState: "Succeeded" } };
    });
  }
  return out;
}

/**
 * Read-only properties ARM keeps when a PUT body leaves them out (back-references and what the
 * platform assigns), by lower-cased type.
 */
const READ_ONLY: Record<string, string[]> = {
  "microsoft.network/routetables": ["subnets", "resourceGuid"],
  "microsoft.network/networksecuritygroups": ["subnets", "networkInterfaces", "defaultSecurityRules", "flowLogs", "resourceGuid"],
  "microsoft.network/natgateways": ["subnets", "resourceGuid"],
  "microsoft.network/virtualnetworks": ["resourceGuid"],
  "microsoft.network/virtualnetworks/subnets": [
    "ipConfigurations",
    "ipConfigurationProfiles",
    "privateEndpoints",
    "serviceAssociationLinks",
    "resourceNavigationLinks",
    "purpose",
  ],
  "microsoft.network/publicipaddresses": ["ipAddress", "ipConfiguration", "resourceGuid"],
  "microsoft.network/publicipprefixes": ["ipPrefix", "publicIPAddresses", "resourceGuid"],
  "microsoft.network/firewallpolicies": ["ruleCollectionGroups", "firewalls", "childPolicies", "size"],
  "microsoft.network/ipgroups": ["firewalls", "firewallPolicies"],
  "microsoft.network/privatednszones": [
    "maxNumberOfRecordSets",
    "numberOfRecordSets",
    "maxNumberOfVirtualNetworkLinks",
    "numberOfVirtualNetworkLinks",
    "maxNumberOfVirtualNetworkLinksWithRegistration",
    "numberOfVirtualNetworkLinksWithRegistration",
  ],
  "microsoft.network/privatednszones/a": ["fqdn", "isAutoRegistered"],
  "microsoft.containerservice/managedclusters": ["fqdn", "privateFQDN", "azurePortalFQDN", "currentKubernetesVersion", "powerState", "maxAgentPools", "identityProfile"],
};

/** `next` plus the read-only properties of `previous` it leaves out. */
export function keepReadOnly(type: string, previous: unknown, next: Json): Json {
  const keys = READ_ONLY[type.toLowerCase()];
  if (!keys || !isObject(previous)) return next;
  const kept: Json = {};
  for (const key of keys) if (previous[key] !== undefined && next[key] === undefined) kept[key] = previous[key];
  return { ...next, ...kept };
}

/** Types whose bodies carry no `provisioningState` (role assignments, private DNS record sets). */
export function hasProvisioningState(type: string): boolean {
  const t = type.toLowerCase();
  if (t.startsWith("microsoft.authorization/")) return false;
  return !(t.startsWith("microsoft.network/privatednszones/") && t !== "microsoft.network/privatednszones/virtualnetworklinks");
}

/**
 * A fresh etag in the style of the previous one (`W/"<guid>"` for the Network RP, a bare GUID for
 * private DNS), or for a new resource in its provider's style; undefined where ARM shows none.
 */
export function freshEtag(type: string, previous: unknown): string | undefined {
  const t = type.toLowerCase();
  if (typeof previous === "string") return previous.startsWith('W/"') ? `W/"${randomUUID()}"` : randomUUID();
  if (t.startsWith("microsoft.network/privatednszones")) return randomUUID();
  if (t.startsWith("microsoft.network/")) return `W/"${randomUUID()}"`;
  return undefined;
}

/** The address ARM would allocate to a new public IP: stable per id, in 20.250.0.0/16. */
export function allocatedAddress(id: string): string {
  const digest = createHash("sha256").update(normKey(id)).digest();
  return `20.250.${digest[0]}.${1 + ((digest[1] ?? 0) % 254)}`;
}

/** Segments of ARM type names, by lower case, in ARM's casing (for operation names). */
const CANONICAL = new Map<string, string>();
for (const word of [
  ...WATCHED_RESOURCE_TYPES.flatMap((t) => t.split("/")),
  "Microsoft.Resources",
  "subscriptions",
  "resourceGroups",
  "routes",
  "subnets",
  "virtualNetworkPeerings",
  "securityRules",
  "ruleCollectionGroups",
  "hubVirtualNetworkConnections",
  "routingIntent",
  "hubRouteTables",
  "agentPools",
  "virtualNetworkLinks",
  "A",
  "AAAA",
  "CNAME",
  "MX",
  "PTR",
  "SOA",
  "SRV",
  "TXT",
  "clusters",
  "backendAddressPools",
  "inboundNatRules",
  "frontendIPConfigurations",
  "loadBalancingRules",
  "outboundRules",
  "probes",
  "networkInterfaces",
  "virtualMachines",
  "ipConfigurations",
]) {
  if (!CANONICAL.has(word.toLowerCase())) CANONICAL.set(word.toLowerCase(), word);
}

/**
 * The type path of a resource id in ARM's operation casing (`Microsoft.Network/routeTables/routes`):
 * each known segment in ARM's spelling, others as the request spelled them.
 */
export function operationType(segments: string[]): string | undefined {
  const p = lastProvidersIndex(segments.map((s) => s.toLowerCase()));
  const namespace = p >= 0 ? segments[p + 1] : undefined;
  const rest = p >= 0 ? segments.slice(p + 2) : [];
  if (namespace === undefined || rest.length < 2 || rest.length % 2 !== 0) return undefined;
  return [namespace, ...rest.filter((_, i) => i % 2 === 0)].map((s) => CANONICAL.get(s.toLowerCase()) ?? s).join("/");
}

/**
 * The read-only properties of the sub-resources a PUT body re-states without them (a VNet PUT keeps
 * its subnets' IP configuration back-references), matched by id.
 */
export function keepEmbeddedReadOnly(previous: unknown, next: Json): Json {
  if (!isObject(previous)) return next;
  const out: Json = { ...next };
  for (const [key, value] of Object.entries(next)) {
    const before = previous[key];
    if (!Array.isArray(value) || !Array.isArray(before)) continue;
    const old = new Map<string, Json>();
    for (const item of before) if (isObject(item) && typeof item.id === "string") old.set(normKey(item.id), item);
    out[key] = value.map((item: unknown) => {
      if (!isObject(item) || typeof item.id !== "string" || typeof item.type !== "string" || !isObject(item.properties)) return item;
      const match = old.get(normKey(item.id));
      return match ? { ...item, properties: keepReadOnly(item.type, match.properties, item.properties) } : item;
    });
  }
  return out;
}
