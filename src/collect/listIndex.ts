/**
 * The shapes the subscription-list phase hands to the later phases: what each list holds, and the
 * lookups built from them (phases/subscriptionLists.ts fills them; targets and shared resources
 * read them). Kept apart so that the phases depend on these types, not on each other.
 */
import type { FirewallPolicy as SdkFirewallPolicy } from "@azure/arm-network";
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

/** What each subscription-wide list holds once read (normalised, except where noted). */
export interface ListValues {
  pools: ClusterPool[];
  aksClusters: AksCluster[];
  subnets: Subnet[];
  routeTables: RouteTable[];
  firewalls: AzureFirewall[];
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
  /** Readable resource groups of each subscription (see {@link ListValues.readableGroups}). */
  readableGroups: Map<string, Set<string>>;
}
