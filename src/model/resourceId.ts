/** Parts of an ARM resource id. */
export interface ParsedResourceId {
  subscriptionId: string;
  resourceGroup?: string;
  /** e.g. `Microsoft.Network`. */
  namespace?: string;
  /** Type segments after the namespace, e.g. `["virtualNetworks", "subnets"]`. */
  types: string[];
  /** Names matching `types`, e.g. `["vnet1", "default"]`. */
  names: string[];
}

const idPattern = /^\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+))?(?:\/providers\/([^/]+)((?:\/[^/]+\/[^/]+)+))?\/?$/i;

/**
 * Characters ARM refuses in names (`<>%&:\?/`), a fragment mark, control characters: an id
 * carrying one is no ARM id. Nor is one with a `.` or `..` segment, which the SDKs' URL building
 * would resolve into another path (`/resourceGroups/../providers` → `/providers`).
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what it looks for
const unsafeSegment = /^\.{1,2}$|[<>%&:\\?#\u0000-\u001f\u007f]/;

/**
 * Parses an ARM id; returns undefined for anything that is not one. Every id the collector turns
 * into a request path goes through here, so an id from a response is a plain ARM path or nothing.
 */
export function parseResourceId(id: string): ParsedResourceId | undefined {
  if (id.split("/").some((segment) => unsafeSegment.test(segment))) return undefined;
  const m = idPattern.exec(id);
  if (!m) return undefined;
  const [, subscriptionId, resourceGroup, namespace, rest] = m;
  const segments = rest ? rest.split("/").filter(Boolean) : [];
  const types: string[] = [];
  const names: string[] = [];
  for (let i = 0; i + 1 < segments.length; i += 2) {
    types.push(segments[i]!);
    names.push(segments[i + 1]!);
  }
  return {
    subscriptionId: subscriptionId!,
    ...(resourceGroup ? { resourceGroup } : {}),
    ...(namespace ? { namespace } : {}),
    types,
    names,
  };
}

/** The resource group id (`/subscriptions/x/resourceGroups/y`) of an ARM id. */
export function resourceGroupIdOf(id: string): string | undefined {
  const p = parseResourceId(id);
  return p?.resourceGroup ? `/subscriptions/${p.subscriptionId}/resourceGroups/${p.resourceGroup}` : undefined;
}

/** The id of the resource that owns a sub-resource (`.../virtualNetworks/v/subnets/s` → `.../virtualNetworks/v`). */
export function parentResourceId(id: string): string | undefined {
  const p = parseResourceId(id);
  if (!p || p.types.length < 2 || !p.namespace || !p.resourceGroup) return undefined;
  return `/subscriptions/${p.subscriptionId}/resourceGroups/${p.resourceGroup}/providers/${p.namespace}/${p.types[0]}/${p.names[0]}`;
}

/** The top-level resource an id belongs to (itself when it is one). */
export function topLevelResourceId(id: string): string | undefined {
  return parentResourceId(id) ?? (parseResourceId(id)?.types.length === 1 ? id : undefined);
}
