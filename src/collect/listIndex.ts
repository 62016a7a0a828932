/**
 * The shapes the subscription-list phase hands to the later phases: what each list holds, and the
 * lookups built from them (phases/subscriptionLists.ts fills them; targets and shared resources
 * read them). Kept apart so that the phases depend on these types, not on each other.
 */
import type { FirewallPolicy as SdkFirewallPolicy, VirtualHub as SdkVirtualHub } from "@azure/arm-network";
import type { PrivateZone } from "@azure/arm-privatedns";
import type {
  AksCluster,
  AzureFirewall,
  ClusterPool,
  IpGroup,
  LoadBalancer,
  NetworkSecurityGroup,
  Part,
  PrivateLinkService,
  PublicIp,
  RoleAssignment,
  RouteTable,
  Subnet,
} from "../model/snapshot.js";
import type { NatGateway, PublicIpPrefix, ScaleSet, VirtualNetwork } from "../model/egressResources.js";

/** A virtual network as its subscription list returns it: the VNet, and its subnets (embedded). */
export interface VnetListing {
  vnet: VirtualNetwork;
  subnets: Subnet[];
}

/** A firewall as its list returns it, with the Virtual WAN hub it is deployed in (`virtualHub.id`). */
export interface ListedFirewall {
  firewall: AzureFirewall;
  virtualHubId?: string;
}

/** What each subscription-wide list holds once read (normalised, except where noted). */
export interface ListValues {
  pools: ClusterPool[];
  aksClusters: AksCluster[];
  virtualNetworks: VnetListing[];
  routeTables: RouteTable[];
  firewalls: ListedFirewall[];
  /** Raw: a policy is normalised only with its rule collection groups (sharedResources.ts). */
  firewallPolicies: SdkFirewallPolicy[];
  ipGroups: IpGroup[];
  nsgs: NetworkSecurityGroup[];
  privateLinkServices: PrivateLinkService[];
  /** Raw: a zone's records and links are read only when a target needs the zone. */
  dnsZones: PrivateZone[];
  roleAssignments: RoleAssignment[];
  publicIps: PublicIp[];
  loadBalancers: LoadBalancer[];
  /** Raw: a hub is normalised only with its connections, routing intent and route tables. */
  virtualHubs: SdkVirtualHub[];
  natGateways: NatGateway[];
  publicIpPrefixes: PublicIpPrefix[];
  /** `Microsoft.Compute/virtualMachineScaleSets` (the node scale sets live in the MC groups). */
  scaleSets: ScaleSet[];
  /** Lower-cased names of the resource groups the caller can read. */
  readableGroups: Set<string>;
}

/** One subscription's lists, each read or failed on its own. */
export type SubscriptionLists = { [K in keyof ListValues]: Part<ListValues[K]> };

/**
 * What the lists of every subscription returned, indexed for the later phases: each question a
 * target asks is one lookup, never a scan of a list per target. Keys are lower-cased.
 */
export interface ListIndex {
  /** Each scanned subscription's lists (in the order they completed), for finding targets. */
  lists: Map<string, SubscriptionLists>;
  /** AKS clusters by id. */
  aksClusters: Map<string, AksCluster>;
  /** Subnets by id. */
  subnets: Map<string, Subnet>;
  /** Virtual networks by id (snapshot.virtualNetworks holds only those the targets use). */
  virtualNetworks: Map<string, VirtualNetwork>;
  /** Virtual WAN hubs by id (raw, see {@link ListValues}). */
  virtualHubs: Map<string, SdkVirtualHub>;
  /** The firewall deployed in each hub (by lower-cased hub id), from the firewalls' `virtualHub.id`. */
  firewallsByHub: Map<string, string>;
  /** NAT gateways and public IP prefixes by id: taken into the snapshot when something names them. */
  natGateways: Map<string, NatGateway>;
  publicIpPrefixes: Map<string, PublicIpPrefix>;
  /** Firewall policies by id (raw, see {@link ListValues}). */
  firewallPolicies: Map<string, SdkFirewallPolicy>;
  /** Private DNS zones by id (raw, see {@link ListValues}). */
  dnsZones: Map<string, PrivateZone>;
  /**
   * Public IPs and load balancers of each subscription by resource group: an MC group's contents
   * are then one lookup, not a scan of the subscription's lists per target.
   */
  publicIpsByGroup: Map<string, Map<string, PublicIp[]>>;
  loadBalancersByGroup: Map<string, Map<string, LoadBalancer[]>>;
  publicIpPrefixesByGroup: Map<string, Map<string, PublicIpPrefix[]>>;
  scaleSetsByGroup: Map<string, Map<string, ScaleSet[]>>;
  /** Readable resource groups of each subscription (see {@link ListValues.readableGroups}). */
  readableGroups: Map<string, Set<string>>;
  /**
   * Subscriptions whose shared lists were read (scanned, context, and those referenced from the
   * targets' VNet peerings), lower-cased: a resource of one of them that no list returned is
   * read by id, and a subscription outside this set has its shared lists read once first.
   */
  sharedListed: Set<string>;
}

/** An empty index, for the list phase to fill. */
export function emptyListIndex(lists: Map<string, SubscriptionLists> = new Map()): ListIndex {
  return {
    lists,
    aksClusters: new Map(),
    subnets: new Map(),
    virtualNetworks: new Map(),
    virtualHubs: new Map(),
    firewallsByHub: new Map(),
    natGateways: new Map(),
    publicIpPrefixes: new Map(),
    firewallPolicies: new Map(),
    dnsZones: new Map(),
    publicIpsByGroup: new Map(),
    loadBalancersByGroup: new Map(),
    publicIpPrefixesByGroup: new Map(),
    scaleSetsByGroup: new Map(),
    readableGroups: new Map(),
    sharedListed: new Set(),
  };
}
