/**
 * The snapshot shapes of the egress paths and public addresses of 2026 estates (CHECKS.md, "Egress
 * paths and estates of 2026"): virtual networks with their peerings, Virtual WAN hubs with their
 * connections, routing intent and route tables, NAT gateways, public IP prefixes, and the node
 * scale sets of an MC group with their NIC NSGs and instance-level public IPs.
 *
 * Kept apart from snapshot.ts so that file stays the contract's table of contents; the Snapshot
 * holds these in maps keyed by lower-cased ARM id, like every other resource. Shapes follow
 * Microsoft's examples in `shared/reference/arm-examples/Microsoft.Network/2026-03-01/` and
 * `2024-07-01/Vmss*.json`.
 */
import type { Part } from "./snapshot.js";

/** A peering of a virtual network (embedded in the VNet's GET/list as `virtualNetworkPeerings[]`). */
export interface VirtualNetworkPeering {
  name: string;
  /** `remoteVirtualNetwork.id`: possibly in a subscription outside the scan's scope. */
  remoteVirtualNetworkId: string;
  /** `remoteAddressSpace.addressPrefixes` (else `remoteVirtualNetworkAddressSpace`): known without reading the remote VNet. */
  remoteAddressPrefixes: string[];
  /** `peeringState` (`Connected`, `Initiated`, `Disconnected`). */
  peeringState?: string;
}

/** `Microsoft.Network/virtualNetworks`, normalised: only what the egress path and DNS need. */
export interface VirtualNetwork {
  id: string;
  name: string;
  /** `addressSpace.addressPrefixes`. */
  addressPrefixes: string[];
  /** `dhcpOptions.dnsServers`; empty = Azure-provided DNS. */
  dnsServers: string[];
  peerings: VirtualNetworkPeering[];
}

/** `virtualHubs/{hub}/hubVirtualNetworkConnections/{name}`: a spoke VNet attached to a Virtual WAN hub. */
export interface HubVirtualNetworkConnection {
  id: string;
  name: string;
  /** `remoteVirtualNetwork.id`: the spoke. */
  remoteVirtualNetworkId: string;
  /** Whether the spoke learns the hub's `0.0.0.0/0` ("Propagate default route" / secured connection). */
  enableInternetSecurity?: boolean;
  /** `routingConfiguration.associatedRouteTable.id`, when stated. */
  associatedRouteTableId?: string;
}

/** One routing policy of a hub's routing intent. */
export interface RoutingPolicy {
  name: string;
  /** `Internet` and/or `PrivateTraffic`. */
  destinations: string[];
  /** The next hop: an `azureFirewalls` (or NVA) resource id, a plain string in ARM. */
  nextHop: string;
}

/** `virtualHubs/{hub}/routingIntent/{name}`. */
export interface RoutingIntent {
  id: string;
  name: string;
  routingPolicies: RoutingPolicy[];
}

/** A route of a hub route table (`destinationType: CIDR`, `nextHopType: ResourceId`). */
export interface HubRoute {
  name: string;
  destinationType: string;
  destinations: string[];
  nextHopType: string;
  /** An `azureFirewalls` id (or a connection id) when `nextHopType` is `ResourceId`. */
  nextHop: string;
}

/** `virtualHubs/{hub}/hubRouteTables/{name}` (the `defaultRouteTable` carries the hub's `0.0.0.0/0` without routing intent). */
export interface HubRouteTable {
  id: string;
  name: string;
  routes: HubRoute[];
  labels: string[];
}

/**
 * `Microsoft.Network/virtualHubs` with its connections, routing intent and route tables, read as
 * one part: a hub whose children could not all be read is unreadable as a whole (the path through
 * it cannot be proved).
 */
export interface VirtualHub {
  id: string;
  name: string;
  addressPrefix?: string;
  virtualWanId?: string;
  /** `azureFirewall.id`, when the hub body names it (Microsoft's examples do not; the firewall's `virtualHub.id` does). */
  azureFirewallId?: string;
  connections: HubVirtualNetworkConnection[];
  /** Absent when the hub has no routing intent. */
  routingIntent?: RoutingIntent;
  routeTables: HubRouteTable[];
}

/** `Microsoft.Network/natGateways`, normalised. */
export interface NatGateway {
  id: string;
  name: string;
  /** `sku.name`: `Standard` or `StandardV2`. */
  skuName?: string;
  /** `publicIpAddresses[].id` and `publicIpAddressesV6[].id`. */
  publicIpIds: string[];
  /** `publicIpPrefixes[].id` and `publicIpPrefixesV6[].id`. */
  publicIpPrefixIds: string[];
  /** `subnets[].id`: the subnets it serves (back-references). */
  subnetIds: string[];
}

/** `Microsoft.Network/publicIPPrefixes`, normalised. */
export interface PublicIpPrefix {
  id: string;
  name: string;
  /** `ipPrefix`, e.g. `40.85.154.248/29`. */
  ipPrefix?: string;
  /** `publicIPAddresses[].id`: addresses allocated from it. */
  publicIpIds: string[];
  /** `natGateway.id`, when a NAT gateway uses it. */
  natGatewayId?: string;
  tags?: Record<string, string>;
}

/** An instance-level public IP of a scale set (`virtualMachineScaleSets/*\/publicIPAddresses`). */
export interface InstancePublicIp {
  /** Its id, under the scale set (never a `Microsoft.Network/publicIPAddresses` id). */
  id: string;
  name: string;
  ipAddress?: string;
  /** `ipConfiguration.id`: the VMSS NIC ip configuration it is on. */
  ipConfigurationId?: string;
}

/** `Microsoft.Compute/virtualMachineScaleSets` of an MC group: the node NICs' network profile. */
export interface ScaleSet {
  id: string;
  name: string;
  /** `networkInterfaceConfigurations[].networkSecurityGroup.id`: the NSG on every node NIC. */
  nicNsgIds: string[];
  /** Subnets of the NIC ip configurations. */
  subnetIds: string[];
  /** True when an ip configuration has a `publicIPAddressConfiguration` (instance-level public IPs). */
  instancePublicIpConfigured: boolean;
  /** `tags["aks-managed-poolName"]`, when AKS set it. */
  agentPoolName?: string;
  /**
   * The instance-level public IPs, read only where an agent pool has `enableNodePublicIP` or the
   * network profile configures them (absent: not read because nothing says they can exist).
   */
  instancePublicIps?: Part<InstancePublicIp[]>;
}

/** An agent pool of an AKS cluster (`agentPoolProfiles[]`): what egress and public addresses depend on. */
export interface AgentPoolProfile {
  name: string;
  vnetSubnetId?: string;
  /** `enableNodePublicIP`: every node gets its own public IP. */
  enableNodePublicIP?: boolean;
  /** `nodePublicIPPrefixID`: the `publicIPPrefixes` the node IPs come from. */
  nodePublicIPPrefixId?: string;
  /** `mode`: `System`, `User`, `Gateway`. */
  mode?: string;
}
