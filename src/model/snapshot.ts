/**
 * The Snapshot: everything the checks judge, as plain JSON-serialisable data.
 *
 * Only the collector builds it (from ARM reads); checks read it and never do I/O. Every part that
 * comes from a read is a {@link Part}: either the value, or the error that left it empty, so a
 * check can tell "there is nothing" from "we could not look" and report `unknown` for the latter.
 *
 * A snapshot is immutable once the collector returns it: checks may build indexes over it
 * (cached per snapshot object), so derive a new object rather than editing one in place.
 *
 * The maps added for the egress paths of 2026 (VNets, hubs, NAT gateways, prefixes, scale sets)
 * are optional so that stored snapshots and case files written before them still load: a
 * snapshot without them is judged as before; the collector always creates them
 * ({@link collectingSnapshot}), and then a missing entry is "not collected" (unknown), never "none".
 *
 * Maps of resources are keyed by the **lower-cased** ARM id (ARM returns mixed casing); use
 * {@link lookup} to read them. Check case files under `test/checks/` are Snapshots in this shape.
 */

import type { OutboundDependencyList } from "./dependencies.js";
import type { FirewallPolicy, IpGroup, RuleCollection } from "./firewallRules.js";
import type { AgentPoolProfile, NatGateway, PublicIpPrefix, ScaleSet, VirtualHub, VirtualNetwork } from "./egressResources.js";

/** Why a read failed. `code` is the ARM error code where ARM gave one (e.g. `AuthorizationFailed`). */
export interface ReadError {
  /** Stable code: the ARM error code, or one of ours (`ReadFailed`, `Throttled`, `Timeout`, `NotCollected`). */
  code: string;
  message: string;
  /** HTTP status of the failed response, when there was one. */
  statusCode?: number;
  /** The ARM id or scope whose read failed. */
  scope?: string;
}

/** A value that came from a read, or the error that kept it from being read. */
export type Part<T> = { ok: true; value: T } | { ok: false; error: ReadError };

/** Target kinds: an HDInsight on AKS cluster pool (with its AKS cluster) or a plain AKS cluster. */
export type TargetKind = "clusterPool" | "aksCluster";

/** A subscription the credential can see. */
export interface SubscriptionInfo {
  subscriptionId: string;
  displayName?: string;
  state?: string;
}

/** `Microsoft.HDInsight/clusterpools`, normalised. */
export interface ClusterPool {
  id: string;
  name: string;
  location: string;
  provisioningState?: string;
  /** False when the GET carried no `networkProfile` (Microsoft's own GET examples omit it). */
  networkProfilePresent: boolean;
  /** `networkProfile.outboundType`; absent when the pool did not say. */
  outboundType?: string;
  enablePrivateApiServer?: boolean;
  apiServerAuthorizedIpRanges?: string[];
  /** `networkProfile.subnetId`. */
  subnetId?: string;
  managedResourceGroupName?: string;
  /** The MC group name, when the pool returned it. */
  aksManagedResourceGroupName?: string;
  /** `aksClusterProfile.aksClusterResourceId`. */
  aksClusterResourceId?: string;
  aksClusterAgentPoolObjectId?: string;
  /** The pool's ARM tags (own properties only; absent when it has none). */
  tags?: Record<string, string>;
}

/** `Microsoft.HDInsight/clusterpools/clusters`, normalised. */
export interface HdiCluster {
  id: string;
  name: string;
  /** `clusterType` (Spark, Trino, Flink, ...). */
  clusterType?: string;
  /** `clusterProfile.clusterAccessProfile.enableInternalIngress`; absent when the profile is absent. */
  enableInternalIngress?: boolean;
  privateLinkServiceId?: string;
  fqdn?: string;
  privateFqdn?: string;
}

/** `Microsoft.ContainerService/managedClusters`, normalised. */
export interface AksCluster {
  id: string;
  name: string;
  location: string;
  provisioningState?: string;
  /** `nodeResourceGroup`: the MC group name. */
  nodeResourceGroup?: string;
  fqdn?: string;
  privateFqdn?: string;
  /** `networkProfile.outboundType`. */
  outboundType?: string;
  /** `apiServerAccessProfile.enablePrivateCluster`. */
  enablePrivateCluster?: boolean;
  authorizedIpRanges?: string[];
  /** `networkProfile.loadBalancerProfile.effectiveOutboundIPs[].id`. */
  effectiveOutboundIpIds: string[];
  /** `agentPoolProfiles[].vnetSubnetID`, de-duplicated. */
  agentPoolSubnetIds: string[];
  /** `agentPoolProfiles[]`: node public IP flags per pool (absent in snapshots written before they were read). */
  agentPools?: AgentPoolProfile[];
  /** `networkProfile.natGatewayProfile.sku` (`Standard` | `StandardV2`), when stated. */
  natGatewaySku?: string;
  /** `networkProfile.natGatewayProfile.effectiveOutboundIPs[].id`: public IPs or public IP prefixes. */
  natEffectiveOutboundIds?: string[];
  /** `bootstrapProfile.artifactSource` (`Cache` = network isolated, `Direct`). */
  bootstrapArtifactSource?: string;
  /** `apiServerAccessProfile.enableVnetIntegration` (API Server VNet Integration). */
  enableVnetIntegration?: boolean;
  /** `apiServerAccessProfile.subnetId`: the API server subnet under VNet integration. */
  apiServerSubnetId?: string;
  /**
   * Names of the add-ons enabled in `addonProfiles` (`enabled: true`), sorted, lower-cased, plus
   * enabled features that add endpoints (`azureMonitorProfile.metrics` as `azure-monitor-metrics`).
   * With the region it keys the cluster's dependency list (see {@link dependencyConfigKey}).
   */
  enabledAddons?: string[];
  /** Principal id of the cluster identity (system-assigned), when present. */
  identityPrincipalId?: string;
  /** Principal ids of user-assigned control-plane identities (`identity.userAssignedIdentities`). */
  userAssignedPrincipalIds?: string[];
  /** Object id of the kubelet identity, when present. */
  kubeletObjectId?: string;
  /** The cluster's ARM tags (own properties only; absent when it has none). */
  tags?: Record<string, string>;
}

/** A route of a route table. */
export interface Route {
  name: string;
  addressPrefix: string;
  /** `VirtualAppliance`, `Internet`, `VnetLocal`, `VirtualNetworkGateway`, `None`. */
  nextHopType: string;
  nextHopIpAddress?: string;
}

/** `Microsoft.Network/routeTables`, normalised. */
export interface RouteTable {
  id: string;
  name: string;
  routes: Route[];
  disableBgpRoutePropagation?: boolean;
}

/** A subnet (from its virtual network), normalised. */
export interface Subnet {
  id: string;
  name: string;
  /** `addressPrefix` and `addressPrefixes` merged. */
  addressPrefixes: string[];
  routeTableId?: string;
  networkSecurityGroupId?: string;
  natGatewayId?: string;
  /**
   * `defaultOutboundAccess`: `false` makes the subnet private (no implicit internet egress);
   * absent (`null`) or `true` leaves default outbound access on.
   */
  defaultOutboundAccess?: boolean;
}

/** `Microsoft.Network/azureFirewalls`, normalised. */
export interface AzureFirewall {
  id: string;
  name: string;
  provisioningState?: string;
  /** Private addresses of `ipConfigurations[]` and `hubIPAddresses.privateIPAddress`. */
  privateIpAddresses: string[];
  /** Public IP ids of `ipConfigurations[].publicIPAddress`. */
  publicIpIds: string[];
  firewallPolicyId?: string;
  /** Classic rule collections (a firewall without a policy), in the same form as policy rules. */
  classicRuleCollections?: RuleCollection[];
  /**
   * Classic DNS proxy: `additionalProperties["Network.DNS.EnableProxy"]` is `"true"` (absent =
   * off). A firewall with a policy takes the policy's `dnsSettings.enableProxy` instead.
   */
  classicDnsProxyEnabled?: boolean;
}

/** An NSG security rule, prefixes and ranges merged from their singular and plural forms. */
export interface SecurityRule {
  name: string;
  priority: number;
  /** `Inbound` / `Outbound`. */
  direction: string;
  /** `Allow` / `Deny`. */
  access: string;
  /** `Tcp`, `Udp`, `Icmp`, `*`, ... */
  protocol: string;
  sourceAddressPrefixes: string[];
  sourcePortRanges: string[];
  destinationAddressPrefixes: string[];
  destinationPortRanges: string[];
  /** True for the six default rules. */
  isDefault: boolean;
}

/** `Microsoft.Network/networkSecurityGroups`. */
export interface NetworkSecurityGroup {
  id: string;
  name: string;
  /** Custom rules and default rules together, as evaluated. */
  securityRules: SecurityRule[];
}

/** `Microsoft.Network/privateLinkServices`: which load balancer frontends it fronts. */
export interface PrivateLinkService {
  id: string;
  name: string;
  loadBalancerFrontendIds: string[];
}

/** An A record set of a private DNS zone. */
export interface ARecordSet {
  id: string;
  /** Relative name (`spark-fin`, `@`). */
  name: string;
  /** Absolute name without the trailing dot. */
  fqdn: string;
  ipv4Addresses: string[];
}

/** A virtual network link of a private DNS zone. */
export interface VirtualNetworkLink {
  id: string;
  name: string;
  virtualNetworkId: string;
  registrationEnabled?: boolean;
  /** `Completed` / `InProgress`. */
  state?: string;
}

/** `Microsoft.Network/privateDnsZones` with its A records and links (read as one part). */
export interface PrivateDnsZone {
  id: string;
  /** Zone name, e.g. `privatelink.pool1.<sub>.eastus.hdinsightaks.net`. */
  name: string;
  aRecords: ARecordSet[];
  virtualNetworkLinks: VirtualNetworkLink[];
}

/** A role assignment (`Microsoft.Authorization/roleAssignments`). */
export interface RoleAssignment {
  id: string;
  /** Scope it was assigned at (subscription, resource group, resource, management group). */
  scope: string;
  principalId: string;
  principalType?: string;
  /** Full role definition id. */
  roleDefinitionId: string;
}

/** A role definition's effective control-plane permissions. */
export interface RoleDefinition {
  /** Lower-cased role GUID (the last segment of any of its ids). */
  guid: string;
  roleName: string;
  actions: string[];
  notActions: string[];
}

/** What a public IP is attached to, from its `ipConfiguration` back-reference. */
export interface PublicIpAttachment {
  kind: "loadBalancerFrontend" | "networkInterface" | "firewall" | "natGateway" | "other";
  /** The ipConfiguration / frontend id. */
  id: string;
  /** The owning resource id (load balancer, NIC, firewall, ...). */
  resourceId: string;
}

/** `Microsoft.Network/publicIPAddresses`, normalised. */
export interface PublicIp {
  id: string;
  name: string;
  ipAddress?: string;
  /** Absent when the public IP is attached to nothing. */
  attachedTo?: PublicIpAttachment;
  tags?: Record<string, string>;
}

/** A load balancer frontend. */
export interface LoadBalancerFrontend {
  id: string;
  name: string;
  publicIpId?: string;
  privateIpAddress?: string;
}

/** `Microsoft.Network/loadBalancers`, normalised. */
export interface LoadBalancer {
  id: string;
  name: string;
  frontends: LoadBalancerFrontend[];
  /** Frontend ids used by outbound rules (egress SNAT). */
  outboundFrontendIds: string[];
  /** Frontend ids used by load-balancing rules (ingress). */
  inboundFrontendIds: string[];
}

/** What the collector found in a target's MC group (the AKS node resource group). */
export interface McGroupContents {
  /** ARM id of the resource group. */
  id: string;
  publicIpIds: string[];
  loadBalancerIds: string[];
  /** `publicIPPrefixes` in the group (absent in snapshots written before they were read: not known). */
  publicIpPrefixIds?: string[];
  /** Node scale sets (`Microsoft.Compute/virtualMachineScaleSets`) in the group (absent: not read). */
  scaleSetIds?: string[];
}

/** A cluster pool or a plain AKS cluster: the unit a drift report judges. */
export interface Target {
  /** ARM id of the pool or the AKS cluster. */
  id: string;
  kind: TargetKind;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  /** The pool itself (kind `clusterPool`). */
  pool?: ClusterPool;
  /** The pool's clusters (kind `clusterPool`). */
  clusters?: Part<HdiCluster[]>;
  /** The AKS cluster behind the target (the target itself for kind `aksCluster`). */
  aksClusterId?: string;
  /** ARM id of the MC group, when it could be derived. */
  mcGroupId?: string;
  /** The pool subnet(s): `networkProfile.subnetId`, or each agent pool's `vnetSubnetID`. */
  subnetIds: string[];
  /**
   * The target's own ARM tags: the pool's (not its AKS cluster's) or the AKS cluster's. Baseline
   * overrides by tag match these (src/baseline/overrides.ts). Absent when it has none.
   */
  tags?: Record<string, string>;
}

/** Everything a scan read, as plain data. */
export interface Snapshot {
  schemaVersion: 1;
  collectedAt: string;
  subscriptions: SubscriptionInfo[];
  targets: Target[];
  aksClusters: Record<string, Part<AksCluster>>;
  subnets: Record<string, Part<Subnet>>;
  routeTables: Record<string, Part<RouteTable>>;
  /** Every firewall the scan could see, keyed by lower-cased id. */
  firewalls: Record<string, Part<AzureFirewall>>;
  /**
   * Per subscription, whether its firewall list could be read. A firewall "not found at an
   * address" is only a fact when every inventory read succeeded.
   */
  firewallInventory: Record<string, Part<string[]>>;
  /** MC group contents, keyed by lower-cased resource-group id. */
  mcGroups: Record<string, Part<McGroupContents>>;
  publicIps: Record<string, Part<PublicIp>>;
  loadBalancers: Record<string, Part<LoadBalancer>>;
  /** Firewall policies (with rule collection groups), keyed by lower-cased id. */
  firewallPolicies: Record<string, Part<FirewallPolicy>>;
  ipGroups: Record<string, Part<IpGroup>>;
  networkSecurityGroups: Record<string, Part<NetworkSecurityGroup>>;
  privateLinkServices: Record<string, Part<PrivateLinkService>>;
  /** Private DNS zones relevant to the targets (with A records and links). */
  privateDnsZones: Record<string, Part<PrivateDnsZone>>;
  /**
   * Per subscription, the private DNS zone ids its list returned. "No zone holds this record"
   * is only a fact when every inventory read succeeded.
   */
  privateDnsZoneInventory: Record<string, Part<string[]>>;
  /** Per subscription: every role assignment its list returned (at, above and below it). */
  roleAssignments: Record<string, Part<RoleAssignment[]>>;
  /** Role definitions referenced by those assignments, keyed by lower-cased role GUID. */
  roleDefinitions: Record<string, Part<RoleDefinition>>;
  /** Virtual networks of the targets' subnets (and peered ones read by id), keyed by lower-cased id. */
  virtualNetworks?: Record<string, Part<VirtualNetwork>>;
  /** Virtual WAN hubs, each with its connections, routing intent and route tables, read as one part. */
  virtualHubs?: Record<string, Part<VirtualHub>>;
  /**
   * Per subscription (scanned, context or referenced), whether its hub list could be read. "No hub
   * connects this VNet" is only a fact when every hub inventory was read.
   */
  hubInventory?: Record<string, Part<string[]>>;
  natGateways?: Record<string, Part<NatGateway>>;
  publicIpPrefixes?: Record<string, Part<PublicIpPrefix>>;
  /** Node scale sets of the MC groups, with NIC NSGs and (where they can exist) instance public IPs. */
  scaleSets?: Record<string, Part<ScaleSet>>;
  /**
   * The required outbound endpoints AKS lists for a cluster configuration
   * (`managedClusters/{name}/outboundNetworkDependenciesEndpoints`), keyed by
   * `dependencyConfigKey` (dependencies.ts): clusters of one region and add-on set share one list, read once
   * from one of them; only the `apiserver` category differs per cluster (its own FQDN, which the
   * cluster body gives). Absent map: not collected by this version (the documented list applies).
   */
  outboundDependencies?: Record<string, Part<OutboundDependencyList>>;
}


export type {
  AppProtocol,
  ApplicationRule,
  FirewallPolicy,
  FirewallRule,
  IpGroup,
  NetworkRule,
  OtherRule,
  RuleCollection,
  RuleCollectionGroup,
} from "./firewallRules.js";
export type { EndpointCategory, EndpointDependency, EndpointDetail, OutboundDependencyList } from "./dependencies.js";
export { dependencyConfigKey } from "./dependencies.js";
export type {
  AgentPoolProfile,
  HubRoute,
  HubRouteTable,
  HubVirtualNetworkConnection,
  InstancePublicIp,
  NatGateway,
  PublicIpPrefix,
  RoutingIntent,
  RoutingPolicy,
  ScaleSet,
  VirtualHub,
  VirtualNetwork,
  VirtualNetworkPeering,
} from "./egressResources.js";

/** Looks up a resource in a snapshot map by ARM id, case-insensitively. */
export function lookup<T>(map: Record<string, Part<T>>, id: string | undefined): Part<T> | undefined {
  if (!id) return undefined;
  return map[id.toLowerCase()];
}

/** Compares two ARM ids case-insensitively. */
export function sameId(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

/** An empty snapshot, for builders and tests. */
export function emptySnapshot(collectedAt = new Date(0).toISOString()): Snapshot {
  return {
    schemaVersion: 1,
    collectedAt,
    subscriptions: [],
    targets: [],
    aksClusters: {},
    subnets: {},
    routeTables: {},
    firewalls: {},
    firewallInventory: {},
    mcGroups: {},
    publicIps: {},
    loadBalancers: {},
    firewallPolicies: {},
    ipGroups: {},
    networkSecurityGroups: {},
    privateLinkServices: {},
    privateDnsZones: {},
    privateDnsZoneInventory: {},
    roleAssignments: {},
    roleDefinitions: {},
  };
}

/**
 * The snapshot a collector starts from: {@link emptySnapshot} plus the maps of the egress paths
 * of 2026 and of the AKS dependency lists, present and empty. Their presence says "this snapshot was collected by a version that
 * reads them": an entry missing from a present map is then "not collected" (unknown), while a
 * snapshot without the maps (case files and stored snapshots written before) is judged as before.
 */
export function collectingSnapshot(collectedAt = new Date(0).toISOString()): Snapshot {
  return {
    ...emptySnapshot(collectedAt),
    virtualNetworks: {},
    virtualHubs: {},
    hubInventory: {},
    natGateways: {},
    publicIpPrefixes: {},
    scaleSets: {},
    outboundDependencies: {},
  };
}
