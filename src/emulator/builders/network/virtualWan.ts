/**
 * Virtual WAN hubs and what hangs under them: hub virtual network connections (the spokes),
 * routing intent and hub route tables, in the shapes of `VirtualHubGet.json`,
 * `HubVirtualNetworkConnectionGet.json`, `RoutingIntentGet.json` and `HubRouteTableGet.json`
 * (shared/reference/arm-examples/Microsoft.Network/2026-03-01/). The hub's firewall is an
 * `azureFirewalls` resource of its own: {@link hubFirewall} in firewalls.ts.
 *
 * The children are estate entries of their own (ARM lists them under the hub), so each builder
 * returns one resource; their ids extend the hub's.
 */
import type { EstateResource } from "../../estate.js";
import { given, ifExample, netId, type BodyStyle, type Tags } from "../ids.js";

/** A Virtual WAN hub's id. */
export const virtualHubId = (sub: string, rg: string, name: string): string => netId(sub, rg, "virtualHubs", name);

/** What {@link virtualHub} builds. */
export interface VirtualHubSpec {
  sub: string;
  rg: string;
  name: string;
  location: string;
  /** The hub's own address space (`addressPrefix`, e.g. `10.100.0.0/23`). */
  addressPrefix: string;
  virtualWanId: string;
  /** Default `Standard` (a secured hub needs it; the example shows a `Basic` hub). */
  sku?: "Basic" | "Standard";
  /** Example bodies: the hub router's two addresses (`virtualRouterIps`; default none). */
  virtualRouterIps?: string[];
  /**
   * `azureFirewall.id`: the swagger's back-reference of a secured hub. Microsoft's examples never
   * show it (the firewall names its hub through `virtualHub.id`), so callers add it only on purpose.
   */
  azureFirewallId?: string;
  tags?: Tags;
}

/**
 * A Virtual WAN hub (`VirtualHubGet.json`, IPv6 and route maps left out). Lean: address prefix,
 * provisioning state, SKU, the Virtual WAN, and `azureFirewall` when given.
 */
export function virtualHub(style: BodyStyle, spec: VirtualHubSpec): EstateResource {
  const id = virtualHubId(spec.sub, spec.rg, spec.name);
  return {
    name: spec.name,
    type: "Microsoft.Network/virtualHubs",
    ...ifExample(style, (ids) => ({ etag: ids.netEtag(id) })),
    id,
    location: spec.location,
    ...given("tags", spec.tags),
    properties: {
      addressPrefix: spec.addressPrefix,
      ...ifExample(style, () => ({ allowBranchToBranchTraffic: false, hubRoutingPreference: "ExpressRoute", preferredRoutingGateway: "ExpressRoute" })),
      ...(spec.azureFirewallId ? { azureFirewall: { id: spec.azureFirewallId } } : {}),
      provisioningState: "Succeeded",
      ...ifExample(style, () => ({ routingState: "Provisioned" })),
      sku: spec.sku ?? "Standard",
      ...ifExample(style, () => ({
        virtualHubRouteTableV2s: [],
        virtualRouterAsn: 65515,
        virtualRouterAutoScaleConfiguration: { minCapacity: 2 },
        virtualRouterIps: spec.virtualRouterIps ?? [],
      })),
      virtualWan: { id: spec.virtualWanId },
    },
  };
}

/** What {@link hubVirtualNetworkConnection} builds. */
export interface HubConnectionSpec {
  hubId: string;
  name: string;
  /** The spoke VNet (`remoteVirtualNetwork.id`). */
  remoteVnetId: string;
  /** "Propagate default route" / secured connection: the spoke learns the hub's `0.0.0.0/0`. */
  enableInternetSecurity: boolean;
  /** `routingConfiguration.associatedRouteTable.id` (the hub's `defaultRouteTable` under routing intent). */
  associatedRouteTableId?: string;
  /** `routingConfiguration.propagatedRouteTables` (routing intent with a Private policy: the `noneRouteTable`, label `none`). */
  propagatedRouteTableIds?: string[];
  propagatedLabels?: string[];
}

/**
 * A spoke's connection to a hub (`HubVirtualNetworkConnectionGet.json`; route maps and BGP
 * connections left out). ARM's GET example carries no `type`; the estate needs one, so the
 * builder writes the child type. Lean: `enableInternetSecurity`, the remote VNet and, when given,
 * the associated and propagated route tables.
 */
export function hubVirtualNetworkConnection(style: BodyStyle, spec: HubConnectionSpec): EstateResource {
  const id = `${spec.hubId}/hubVirtualNetworkConnections/${spec.name}`;
  const example = style.detail === "example";
  const propagated =
    example || spec.propagatedRouteTableIds || spec.propagatedLabels
      ? { propagatedRouteTables: { ids: (spec.propagatedRouteTableIds ?? []).map((x) => ({ id: x })), labels: spec.propagatedLabels ?? [] } }
      : {};
  const routing = {
    ...(spec.associatedRouteTableId ? { associatedRouteTable: { id: spec.associatedRouteTableId } } : {}),
    ...propagated,
    ...ifExample(style, () => ({ vnetRoutes: { staticRoutes: [], staticRoutesConfig: { propagateStaticRoutes: true, vnetLocalRouteOverrideCriteria: "Contains" } } })),
  };
  return {
    name: spec.name,
    ...ifExample(style, (ids) => ({ etag: ids.netEtag(id) })),
    id,
    type: "Microsoft.Network/virtualHubs/hubVirtualNetworkConnections",
    properties: {
      enableInternetSecurity: spec.enableInternetSecurity,
      ...ifExample(style, () => ({ enableOnlyIPv6Peering: false })),
      provisioningState: "Succeeded",
      remoteVirtualNetwork: { id: spec.remoteVnetId },
      ...(Object.keys(routing).length > 0 ? { routingConfiguration: routing } : {}),
    },
  };
}

/** A routing policy of a hub's routing intent. */
export interface RoutingPolicySpec {
  /** `InternetTraffic`, `PrivateTrafficPolicy`, ... */
  name: string;
  /** `["Internet"]` or `["PrivateTraffic"]`. */
  destinations: string[];
  /** The next hop's resource id (an `azureFirewalls` id): a plain string in ARM, not `{ id }`. */
  nextHop: string;
}

/** What {@link routingIntent} builds. */
export interface RoutingIntentSpec {
  hubId: string;
  /** Default `RoutingIntent`. */
  name?: string;
  policies: RoutingPolicySpec[];
}

/** A hub's routing intent (`RoutingIntentGet.json`). Lean: the routing policies. */
export function routingIntent(style: BodyStyle, spec: RoutingIntentSpec): EstateResource {
  const name = spec.name ?? "RoutingIntent";
  const id = `${spec.hubId}/routingIntent/${name}`;
  return {
    name,
    type: "Microsoft.Network/virtualHubs/routingIntent",
    ...ifExample(style, (ids) => ({ etag: ids.netEtag(id) })),
    id,
    properties: {
      provisioningState: "Succeeded",
      routingPolicies: spec.policies.map((p) => ({ name: p.name, destinations: p.destinations, nextHop: p.nextHop })),
    },
  };
}

/** A route of a hub route table. */
export interface HubRouteSpec {
  name: string;
  /** CIDRs (`destinationType: CIDR`). */
  destinations: string[];
  /** The next hop's resource id (an `azureFirewalls` id, `nextHopType: ResourceId`). */
  nextHop: string;
}

/** What {@link hubRouteTable} builds. */
export interface HubRouteTableSpec {
  hubId: string;
  /** `defaultRouteTable` and `noneRouteTable` exist in every hub. */
  name: string;
  labels: string[];
  routes: HubRouteSpec[];
  /** Connection ids associated with / propagating to the table (read-only back-references). */
  associatedConnectionIds?: string[];
  propagatingConnectionIds?: string[];
}

/**
 * A hub route table (`HubRouteTableGet.json`). Lean: labels and routes (destinations, type,
 * next hop); the connection lists when given.
 */
export function hubRouteTable(style: BodyStyle, spec: HubRouteTableSpec): EstateResource {
  const id = `${spec.hubId}/hubRouteTables/${spec.name}`;
  const example = style.detail === "example";
  return {
    name: spec.name,
    type: "Microsoft.Network/virtualHubs/hubRouteTables",
    ...ifExample(style, (ids) => ({ etag: ids.netEtag(id) })),
    id,
    properties: {
      ...(example || spec.associatedConnectionIds ? { associatedConnections: spec.associatedConnectionIds ?? [] } : {}),
      labels: spec.labels,
      ...(example || spec.propagatingConnectionIds ? { propagatingConnections: spec.propagatingConnectionIds ?? [] } : {}),
      provisioningState: "Succeeded",
      routes: spec.routes.map((r) => ({ name: r.name, destinationType: "CIDR", destinations: r.destinations, nextHop: r.nextHop, nextHopType: "ResourceId" })),
    },
  };
}
