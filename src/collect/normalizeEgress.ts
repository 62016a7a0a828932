/**
 * Normalisers of the egress paths and public addresses of 2026 estates (src/model/egressResources.ts):
 * virtual networks and peerings, Virtual WAN hubs with their connections, routing intent and route
 * tables, NAT gateways, public IP prefixes, node scale sets (raw Compute bodies: no Compute SDK is
 * installed) and their instance-level public IPs. Like normalize.ts they never throw on a missing
 * property: absence is recorded as absence.
 *
 * Checked against the installed SDKs (arm-network 39, TypeSpec-generated deserialisers that keep
 * only the properties they know): every property read here survives deserialisation, including
 * `routingPolicies[].nextHop` (a plain string), the V6 NAT gateway lists, `remoteAddressSpace`,
 * `dhcpOptions.dnsServers` and `defaultOutboundAccess`. Also the categories of an AKS cluster's
 * outbound dependency list (arm-containerservice 25.5 keeps `category`, `endpoints[].domainName`
 * and `endpointDetails[].{ipAddress, port, protocol, description}`).
 */
import type {
  HubRouteTable as SdkHubRouteTable,
  HubVirtualNetworkConnection as SdkHubConnection,
  NatGateway as SdkNatGateway,
  PublicIPAddress as SdkPublicIp,
  PublicIPPrefix as SdkPublicIpPrefix,
  RoutingIntent as SdkRoutingIntent,
  VirtualHub as SdkVirtualHub,
  VirtualNetwork as SdkVirtualNetwork,
  VirtualNetworkPeering as SdkPeering,
} from "@azure/arm-network";
import type { OutboundEnvironmentEndpoint as SdkEndpointCategory } from "@azure/arm-containerservice";
import type { ArmResourceBody } from "../arm/restLists.js";
import type { EndpointCategory } from "../model/dependencies.js";
import type {
  HubRouteTable,
  HubVirtualNetworkConnection,
  InstancePublicIp,
  NatGateway,
  PublicIpPrefix,
  RoutingIntent,
  ScaleSet,
  VirtualHub,
  VirtualNetwork,
  VirtualNetworkPeering,
} from "../model/egressResources.js";
import { compact, items, obj, str, tagsOf, uniq } from "./normalizeCommon.js";

/** The tag AKS puts on the scale sets of an agent pool, naming the pool. */
export const AKS_POOL_NAME_TAG = "aks-managed-poolName";

/** A peering (SDK model, embedded in its VNet). */
function normalizePeering(p: SdkPeering): VirtualNetworkPeering {
  // `remoteAddressSpace` is the remote VNet's current space; the older
  // `remoteVirtualNetworkAddressSpace` is kept as the fallback ARM still returns.
  const remote = p.remoteAddressSpace?.addressPrefixes ?? p.remoteVirtualNetworkAddressSpace?.addressPrefixes ?? [];
  return compact({
    name: p.name ?? "",
    remoteVirtualNetworkId: p.remoteVirtualNetwork?.id ?? "",
    remoteAddressPrefixes: uniq(remote),
    peeringState: p.peeringState,
  });
}

/** A virtual network (SDK model, from the subscription list or a GET): address space, DNS servers, peerings. */
export function normalizeVirtualNetwork(v: SdkVirtualNetwork): VirtualNetwork {
  return {
    id: v.id ?? "",
    name: v.name ?? "",
    addressPrefixes: uniq(v.addressSpace?.addressPrefixes ?? []),
    dnsServers: v.dhcpOptions?.dnsServers ?? [],
    peerings: (v.virtualNetworkPeerings ?? []).map(normalizePeering),
  };
}

/** A hub's connection to a spoke VNet (SDK model). */
export function normalizeHubConnection(c: SdkHubConnection): HubVirtualNetworkConnection {
  return compact({
    id: c.id ?? "",
    name: c.name ?? "",
    remoteVirtualNetworkId: c.remoteVirtualNetwork?.id ?? "",
    enableInternetSecurity: c.enableInternetSecurity,
    associatedRouteTableId: c.routingConfiguration?.associatedRouteTable?.id,
  });
}

/** A hub's routing intent (SDK model): `nextHop` is a plain resource id string in ARM. */
export function normalizeRoutingIntent(ri: SdkRoutingIntent): RoutingIntent {
  return {
    id: ri.id ?? "",
    name: ri.name ?? "",
    routingPolicies: (ri.routingPolicies ?? []).map((p) => ({ name: p.name ?? "", destinations: p.destinations ?? [], nextHop: p.nextHop ?? "" })),
  };
}

/** A hub route table (SDK model): the `defaultRouteTable` carries the hub's `0.0.0.0/0` without routing intent. */
export function normalizeHubRouteTable(t: SdkHubRouteTable): HubRouteTable {
  return {
    id: t.id ?? "",
    name: t.name ?? "",
    routes: (t.routes ?? []).map((r) => ({
      name: r.name ?? "",
      destinationType: r.destinationType ?? "",
      destinations: r.destinations ?? [],
      nextHopType: r.nextHopType ?? "",
      nextHop: r.nextHop ?? "",
    })),
    labels: t.labels ?? [],
  };
}

/** What a hub's three child lists returned (each normalised). */
export interface HubChildren {
  connections: HubVirtualNetworkConnection[];
  routingIntents: RoutingIntent[];
  routeTables: HubRouteTable[];
  /** The hub's firewall, when only the firewall's `virtualHub.id` names the link (the hub body then does not). */
  firewallId?: string;
}

/** A Virtual WAN hub (SDK model) with its children, as one snapshot part. */
export function normalizeVirtualHub(hub: SdkVirtualHub, children: HubChildren): VirtualHub {
  return compact({
    id: hub.id ?? "",
    name: hub.name ?? "",
    addressPrefix: hub.addressPrefix,
    virtualWanId: hub.virtualWan?.id,
    azureFirewallId: hub.azureFirewall?.id ?? children.firewallId,
    connections: children.connections,
    // A hub has at most one routing intent (ARM names it per hub); the list form is how it is read.
    routingIntent: children.routingIntents[0],
    routeTables: children.routeTables,
  });
}

/** A NAT gateway (SDK model): IPv4 and IPv6 addresses and prefixes together, with the subnets it serves. */
export function normalizeNatGateway(g: SdkNatGateway): NatGateway {
  return compact({
    id: g.id ?? "",
    name: g.name ?? "",
    skuName: g.sku?.name,
    publicIpIds: uniq([...(g.publicIpAddresses ?? []), ...(g.publicIpAddressesV6 ?? [])].map((r) => r.id)),
    publicIpPrefixIds: uniq([...(g.publicIpPrefixes ?? []), ...(g.publicIpPrefixesV6 ?? [])].map((r) => r.id)),
    subnetIds: uniq((g.subnets ?? []).map((r) => r.id)),
  });
}

/** A public IP prefix (SDK model). */
export function normalizePublicIpPrefix(p: SdkPublicIpPrefix): PublicIpPrefix {
  return compact({
    id: p.id ?? "",
    name: p.name ?? "",
    ipPrefix: p.ipPrefix,
    publicIpIds: uniq((p.publicIPAddresses ?? []).map((r) => r.id)),
    natGatewayId: p.natGateway?.id,
    tags: tagsOf(p.tags),
  });
}

/** An instance-level public IP of a scale set (SDK public IP model, id under the scale set). */
export function normalizeInstancePublicIp(pip: SdkPublicIp): InstancePublicIp {
  return compact({ id: pip.id ?? "", name: pip.name ?? "", ipAddress: pip.ipAddress, ipConfigurationId: pip.ipConfiguration?.id });
}

/**
 * A scale set from its raw Compute body: the NSG and subnets of every NIC configuration of
 * `virtualMachineProfile.networkProfile`, whether an ip configuration asks for instance-level
 * public IPs (`publicIPAddressConfiguration`), and the AKS pool it belongs to (its tag).
 */
export function normalizeScaleSet(body: ArmResourceBody): ScaleSet {
  const profile = obj(obj(obj(body.properties)?.virtualMachineProfile)?.networkProfile);
  const nics = items(profile?.networkInterfaceConfigurations).map((n) => obj(obj(n)?.properties) ?? {});
  const ipConfigs = nics.flatMap((n) => items(n.ipConfigurations).map((c) => obj(obj(c)?.properties) ?? {}));
  return compact({
    id: body.id,
    name: body.name,
    nicNsgIds: uniq(nics.map((n) => str(obj(n.networkSecurityGroup)?.id))),
    subnetIds: uniq(ipConfigs.map((c) => str(obj(c.subnet)?.id))),
    instancePublicIpConfigured: ipConfigs.some((c) => obj(c.publicIPAddressConfiguration) !== undefined),
    agentPoolName: str(tagsOf(body.tags)?.[AKS_POOL_NAME_TAG]),
  });
}

/**
 * One category of an AKS cluster's outbound dependency list
 * (`ManagedClusters_ListOutboundNetworkDependenciesEndpoints`, Microsoft's
 * `OutboundNetworkDependenciesEndpointsList.json`). Endpoints without a domain are left out; an
 * endpoint without details keeps an empty list (the checks then assume Https 443).
 */
export function normalizeEndpointCategory(c: SdkEndpointCategory): EndpointCategory {
  return {
    category: c.category ?? "",
    endpoints: (c.endpoints ?? [])
      .filter((e) => !!e.domainName)
      .map((e) => ({
        domainName: e.domainName!,
        endpointDetails: (e.endpointDetails ?? []).map((d) =>
          compact({ port: typeof d.port === "number" ? d.port : undefined, protocol: str(d.protocol), ipAddress: str(d.ipAddress), description: str(d.description) }),
        ),
      })),
  };
}
