import type { ForbiddenScopes } from "./access.js";
import { armError, resourceNotFound } from "./armErrors.js";
import type { EstateSubscription } from "./estate.js";
import type { Entry, EstateIndex, ResourceGroupInfo, RoleAssignmentEntry } from "./estateIndex.js";
import { atOrInside, segmentsOf } from "./paths.js";
import type { Route } from "./routes.js";
import { outboundDependencyEndpoints } from "./builders/aksDependencies.js";

/** Tenant reported for subscriptions whose estate entry names none. */
export const EMULATOR_TENANT_ID = "e5e5e5e5-0000-4000-8000-000000000001";

/** A subscription as `GET /subscriptions/{id}` answers it. */
export function subscriptionBody(s: EstateSubscription): Record<string, unknown> {
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

/** A resource group as `GET .../resourceGroups/{name}` answers it. */
export function resourceGroupBody(g: ResourceGroupInfo): Record<string, unknown> {
  return {
    id: `/subscriptions/${g.subscriptionId}/resourceGroups/${g.name}`,
    name: g.name,
    type: "Microsoft.Resources/resourceGroups",
    location: g.location ?? "eastus",
    properties: { provisioningState: "Succeeded" },
  };
}

/** The bodies of `entries` a list may show. */
export function visibleBodies(entries: Entry[] | undefined, access: ForbiddenScopes): unknown[] {
  return (entries ?? []).filter((e) => access.visible(e.key)).map((e) => e.body);
}

/** The visible resource groups of subscription `sub`, as a list answers them. */
export function resourceGroupsIn(index: EstateIndex, access: ForbiddenScopes, sub: string): unknown[] {
  return [...index.resourceGroups.values()]
    .filter((g) => g.subscriptionId.toLowerCase() === sub.toLowerCase())
    .filter((g) => access.visible(`/subscriptions/${g.subscriptionId}/resourcegroups/${g.name}`.toLowerCase()))
    .map(resourceGroupBody);
}

/**
 * The visible children a `listChildren` route names. Private DNS zones' `ALL` lists every record
 * set of the zone, which are its children of any type except virtual network links; a scale
 * set's `networkInterfaces` and `publicipaddresses` list what its instances hold; a managed
 * cluster's `outboundNetworkDependenciesEndpoints` is made from its body.
 */
export function childrenOf(
  index: EstateIndex,
  access: ForbiddenScopes,
  route: Extract<Route, { kind: "listChildren" }>,
  pathKey: string,
): unknown[] {
  const parentKey = route.parentPath.toLowerCase();
  if (!index.byId.has(parentKey)) throw resourceNotFound(route.parentPath, route.rg, route.sub);
  // An AKS cluster's dependency list is synthesised from the cluster body (no estate entry).
  if (isDependencyList(route)) return outboundDependencyEndpoints((index.byId.get(parentKey) as Entry).body);
  const scaleSetList = scaleSetListKey(route);
  if (scaleSetList !== undefined) return visibleBodies(index.byScaleSet.get(`${parentKey.slice(1)}|${scaleSetList}`), access);
  if (route.segment.toLowerCase() === "all" && route.parentType.toLowerCase() === "microsoft.network/privatednszones") {
    const records = (index.byParent.get(parentKey.slice(1)) ?? []).filter(
      (e) => segmentsOf(e.key).at(-2) !== "virtualnetworklinks",
    );
    return visibleBodies(records, access);
  }
  return visibleBodies(index.byCollection.get(pathKey.slice(1)), access);
}

/** Whether a route lists a managed cluster's `outboundNetworkDependenciesEndpoints` (any casing). */
function isDependencyList(route: Extract<Route, { kind: "listChildren" }>): boolean {
  return route.parentType.toLowerCase() === "microsoft.containerservice/managedclusters" && route.segment.toLowerCase() === "outboundnetworkdependenciesendpoints";
}

/**
 * `networkinterfaces` or `publicipaddresses` when a route lists a scale set's NICs or
 * instance-level public IPs (any casing), which live under its `virtualMachines/*`, not directly
 * under it.
 */
function scaleSetListKey(route: Extract<Route, { kind: "listChildren" }>): "networkinterfaces" | "publicipaddresses" | undefined {
  if (route.parentType.toLowerCase() !== "microsoft.compute/virtualmachinescalesets") return undefined;
  const segment = route.segment.toLowerCase();
  return segment === "networkinterfaces" || segment === "publicipaddresses" ? segment : undefined;
}

/**
 * The role assignments a list at `scope` (lower-cased; "" is the tenant root) returns: those at or
 * above the scope and, unless `atScope()` is asked for, those below it; narrowed by principal.
 */
export function roleAssignmentsFor(
  assignments: readonly RoleAssignmentEntry[],
  access: ForbiddenScopes,
  scope: string,
  filter: string | undefined,
): unknown[] {
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
  return assignments
    .filter((a) => atOrInside(scope, a.scope) || (!atScope && a.scope !== scope && atOrInside(a.scope, scope)))
    .filter((a) => principalId === undefined || a.principalId === principalId)
    .filter((a) => access.visible(a.key) && access.visible(a.scope))
    .map((a) => a.body);
}
