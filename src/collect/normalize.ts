/**
 * Normalisers: SDK models (network, AKS: flattened, camelCase) and wire bodies (cluster pools:
 * `properties` nested) to the Snapshot's plain data. They never throw on missing properties:
 * Microsoft's own GET examples omit documented fields (a pool without `networkProfile`), so
 * absence is recorded as absence, and checks decide what it means.
 */
import type {
  AzureFirewall as SdkFirewall,
  FirewallPolicy as SdkFirewallPolicy,
  FirewallPolicyRuleCollectionGroup as SdkRuleCollectionGroup,
  FirewallPolicyRuleUnion as SdkFirewallPolicyRule,
  ApplicationRule as SdkApplicationRule,
  NetworkRule as SdkNetworkRule,
  IpGroup as SdkIpGroup,
  NetworkSecurityGroup as SdkNsg,
  PrivateLinkService as SdkPrivateLinkService,
  SecurityRule as SdkSecurityRule,
  LoadBalancer as SdkLoadBalancer,
  PublicIPAddress as SdkPublicIp,
  RouteTable as SdkRouteTable,
  Subnet as SdkSubnet,
} from "@azure/arm-network";
import type { ManagedCluster as SdkManagedCluster } from "@azure/arm-containerservice";
import type { RecordSet as SdkRecordSet, VirtualNetworkLink as SdkVnetLink } from "@azure/arm-privatedns";
import type { RoleAssignment as SdkRoleAssignment, RoleDefinition as SdkRoleDefinition } from "@azure/arm-authorization";
import type { ArmResourceBody } from "../arm/restLists.js";
import { parentResourceId } from "../model/resourceId.js";
import type {
  AksCluster,
  ARecordSet,
  AzureFirewall,
  FirewallPolicy,
  FirewallRule,
  IpGroup,
  NetworkSecurityGroup,
  PrivateLinkService,
  RoleAssignment,
  RoleDefinition,
  RuleCollection,
  RuleCollectionGroup,
  SecurityRule,
  VirtualNetworkLink,
  ClusterPool,
  HdiCluster,
  LoadBalancer,
  PublicIp,
  PublicIpAttachment,
  RouteTable,
  Subnet,
} from "../model/snapshot.js";
import { bool, compact, nonEmpty, obj, str, strings, tagsOf, uniq } from "./normalizeCommon.js";

export * from "./normalizeEgress.js";

/** A cluster pool wire body (`2024-05-01-preview`; earlier previews lack some fields). */
export function normalizeClusterPool(body: ArmResourceBody): ClusterPool {
  const p = obj(body.properties) ?? {};
  const net = obj(p.networkProfile);
  const aks = obj(p.aksClusterProfile);
  const agentPoolIdentity = obj(aks?.aksClusterAgentPoolIdentityProfile);
  return compact({
    id: body.id,
    name: body.name,
    location: body.location ?? "",
    provisioningState: str(p.provisioningState),
    networkProfilePresent: net !== undefined,
    outboundType: str(net?.outboundType),
    enablePrivateApiServer: bool(net?.enablePrivateApiServer),
    apiServerAuthorizedIpRanges: strings(net?.apiServerAuthorizedIpRanges),
    subnetId: str(net?.subnetId),
    managedResourceGroupName: str(p.managedResourceGroupName),
    aksManagedResourceGroupName: str(p.aksManagedResourceGroupName),
    aksClusterResourceId: str(aks?.aksClusterResourceId),
    aksClusterAgentPoolObjectId: str(agentPoolIdentity?.msiObjectId),
    tags: tagsOf(body.tags),
  });
}

/** A cluster of a pool (wire body). */
export function normalizeHdiCluster(body: ArmResourceBody): HdiCluster {
  const p = obj(body.properties) ?? {};
  const profile = obj(p.clusterProfile);
  const access = obj(profile?.clusterAccessProfile);
  const web = obj(obj(profile?.connectivityProfile)?.web);
  return compact({
    id: body.id,
    name: body.name,
    clusterType: str(p.clusterType),
    enableInternalIngress: bool(access?.enableInternalIngress),
    privateLinkServiceId: str(access?.privateLinkServiceId),
    fqdn: str(web?.fqdn),
    privateFqdn: str(web?.privateFqdn),
  });
}

/** An AKS managed cluster (SDK model). */
export function normalizeAksCluster(mc: SdkManagedCluster): AksCluster {
  const net = mc.networkProfile;
  const api = mc.apiServerAccessProfile;
  const kubelet = mc.identityProfile?.["kubeletidentity"];
  const nat = net?.natGatewayProfile;
  return compact({
    id: mc.id ?? "",
    name: mc.name ?? "",
    location: mc.location ?? "",
    provisioningState: mc.provisioningState,
    nodeResourceGroup: mc.nodeResourceGroup,
    fqdn: mc.fqdn,
    privateFqdn: mc.privateFqdn,
    outboundType: net?.outboundType,
    enablePrivateCluster: api?.enablePrivateCluster,
    authorizedIpRanges: api?.authorizedIPRanges,
    effectiveOutboundIpIds: uniq((net?.loadBalancerProfile?.effectiveOutboundIPs ?? []).map((r) => r.id)),
    agentPoolSubnetIds: uniq((mc.agentPoolProfiles ?? []).map((a) => a.vnetSubnetID)),
    agentPools: (mc.agentPoolProfiles ?? []).map((a) =>
      compact({
        name: a.name ?? "",
        vnetSubnetId: a.vnetSubnetID,
        enableNodePublicIP: a.enableNodePublicIP,
        nodePublicIPPrefixId: a.nodePublicIPPrefixID,
        mode: a.mode,
      }),
    ),
    natGatewaySku: nat?.sku,
    natEffectiveOutboundIds: nat ? uniq((nat.effectiveOutboundIPs ?? []).map((r) => r.id)) : undefined,
    bootstrapArtifactSource: mc.bootstrapProfile?.artifactSource,
    enableVnetIntegration: api?.enableVnetIntegration,
    apiServerSubnetId: api?.subnetId,
    identityPrincipalId: mc.identity?.principalId,
    userAssignedPrincipalIds: nonEmpty(uniq(Object.values(mc.identity?.userAssignedIdentities ?? {}).map((u) => u.principalId))),
    kubeletObjectId: kubelet?.objectId,
    enabledAddons: enabledAddonsOf(mc),
    tags: tagsOf(mc.tags),
  });
}

/**
 * The add-ons whose `addonProfiles` entry says `enabled: true` (names lower-cased: ARM returns
 * `azureKeyvaultSecretsProvider`, `omsagent`, `azurepolicy`, ...), plus `azure-monitor-metrics`
 * when `azureMonitorProfile.metrics.enabled` (managed Prometheus, which adds endpoints without an
 * add-on profile), sorted; absent when there are none. With the region they key the cluster's
 * dependency list (`dependencyConfigKey`), so they are what decides which clusters share a list.
 * Both properties survive the SDK's deserialiser (arm-containerservice 25.5 flattens
 * `properties` and keeps `addonProfiles` and `azureMonitorProfile.metrics`).
 */
function enabledAddonsOf(mc: SdkManagedCluster): string[] | undefined {
  const names = new Set<string>();
  for (const [name, profile] of Object.entries(mc.addonProfiles ?? {})) if (profile?.enabled === true) names.add(name.toLowerCase());
  if (mc.azureMonitorProfile?.metrics?.enabled === true) names.add("azure-monitor-metrics");
  return nonEmpty([...names].sort());
}

/** A subnet (SDK model, from a VNet's `subnets` or a subnet GET). */
export function normalizeSubnet(s: SdkSubnet): Subnet {
  return compact({
    id: s.id ?? "",
    name: s.name ?? "",
    addressPrefixes: uniq([s.addressPrefix, ...(s.addressPrefixes ?? [])]),
    routeTableId: s.routeTable?.id,
    networkSecurityGroupId: s.networkSecurityGroup?.id,
    natGatewayId: s.natGateway?.id,
    // `null` (never set) reads as absent: default outbound access is then on.
    defaultOutboundAccess: typeof s.defaultOutboundAccess === "boolean" ? s.defaultOutboundAccess : undefined,
  });
}

/** A route table (SDK model). */
export function normalizeRouteTable(rt: SdkRouteTable): RouteTable {
  return compact({
    id: rt.id ?? "",
    name: rt.name ?? "",
    routes: (rt.routes ?? []).map((r) =>
      compact({
        name: r.name ?? "",
        addressPrefix: r.addressPrefix ?? "",
        nextHopType: r.nextHopType ?? "",
        nextHopIpAddress: r.nextHopIpAddress,
      }),
    ),
    disableBgpRoutePropagation: rt.disableBgpRoutePropagation,
  });
}

/** An Azure Firewall (SDK model): VNet firewalls and Virtual WAN hub firewalls. */
export function normalizeFirewall(fw: SdkFirewall): AzureFirewall {
  // The management ipConfiguration (forced tunnelling) is never a next hop for workloads: left out.
  const configs = fw.ipConfigurations ?? [];
  return compact({
    id: fw.id ?? "",
    name: fw.name ?? "",
    provisioningState: fw.provisioningState,
    privateIpAddresses: uniq([...configs.map((c) => c.privateIPAddress), fw.hubIPAddresses?.privateIPAddress]),
    publicIpIds: uniq(configs.map((c) => c.publicIPAddress?.id)),
    firewallPolicyId: fw.firewallPolicy?.id,
    classicRuleCollections: normalizeClassicRules(fw),
    classicDnsProxyEnabled: classicDnsProxyOf(fw),
  });
}

/**
 * A firewall without a policy keeps its DNS proxy in `additionalProperties`
 * (`"Network.DNS.EnableProxy": "true"`, a string, as `az network firewall update --enable-dns-proxy`
 * writes it; the SDK keeps the map). Absent key: undefined (off: the checks know this version read
 * it, see `dnsSettingsCollected`).
 */
function classicDnsProxyOf(fw: SdkFirewall): boolean | undefined {
  const extra = fw.additionalProperties ?? {};
  const key = Object.keys(extra).find((k) => k.toLowerCase() === "network.dns.enableproxy");
  if (key === undefined) return undefined;
  // Typed as a string map; a boolean on the wire reads the same through String().
  return String(extra[key]).trim().toLowerCase() === "true";
}

/** Classifies a public IP's `ipConfiguration` back-reference by the type segment that owns it. */
export function classifyAttachment(ipConfigurationId: string): PublicIpAttachment {
  const owner = parentResourceId(ipConfigurationId) ?? ipConfigurationId;
  const lower = ipConfigurationId.toLowerCase();
  const kind: PublicIpAttachment["kind"] = lower.includes("/loadbalancers/")
    ? "loadBalancerFrontend"
    : lower.includes("/networkinterfaces/")
      ? "networkInterface"
      : lower.includes("/azurefirewalls/")
        ? "firewall"
        : lower.includes("/natgateways/")
          ? "natGateway"
          : "other";
  return { kind, id: ipConfigurationId, resourceId: owner };
}

/** A public IP (SDK model). */
export function normalizePublicIp(pip: SdkPublicIp): PublicIp {
  const attachedId = pip.ipConfiguration?.id;
  const natId = pip.natGateway?.id;
  return compact({
    id: pip.id ?? "",
    name: pip.name ?? "",
    ipAddress: pip.ipAddress,
    attachedTo: attachedId
      ? classifyAttachment(attachedId)
      : natId
        ? { kind: "natGateway" as const, id: natId, resourceId: natId }
        : undefined,
    tags: pip.tags && Object.keys(pip.tags).length ? pip.tags : undefined,
  });
}

/** A load balancer (SDK model): which frontends serve egress (outbound rules) and ingress (LB rules). */
export function normalizeLoadBalancer(lb: SdkLoadBalancer): LoadBalancer {
  return {
    id: lb.id ?? "",
    name: lb.name ?? "",
    frontends: (lb.frontendIPConfigurations ?? []).map((f) =>
      compact({ id: f.id ?? "", name: f.name ?? "", publicIpId: f.publicIPAddress?.id, privateIpAddress: f.privateIPAddress }),
    ),
    outboundFrontendIds: uniq((lb.outboundRules ?? []).flatMap((r) => (r.frontendIPConfigurations ?? []).map((f) => f.id))),
    inboundFrontendIds: uniq((lb.loadBalancingRules ?? []).map((r) => r.frontendIPConfiguration?.id)),
  };
}

/** Policy rules (application / network / NAT) to plain data; unknown fields are dropped. */
function normalizePolicyRule(r: SdkFirewallPolicyRule): FirewallRule {
  // The SDK union includes the base type (ruleType: string), so narrow by hand.
  if (r.ruleType === "ApplicationRule") {
    const rule = r as SdkApplicationRule;
    return {
      ruleType: "ApplicationRule",
      name: rule.name ?? "",
      sourceAddresses: rule.sourceAddresses ?? [],
      sourceIpGroups: rule.sourceIpGroups ?? [],
      protocols: (rule.protocols ?? []).map((p) => ({ protocolType: p.protocolType ?? "", port: p.port ?? 0 })),
      targetFqdns: rule.targetFqdns ?? [],
      fqdnTags: rule.fqdnTags ?? [],
      webCategories: rule.webCategories ?? [],
      targetUrls: rule.targetUrls ?? [],
    };
  }
  if (r.ruleType === "NetworkRule") {
    const rule = r as SdkNetworkRule;
    return {
      ruleType: "NetworkRule",
      name: rule.name ?? "",
      ipProtocols: rule.ipProtocols ?? [],
      sourceAddresses: rule.sourceAddresses ?? [],
      sourceIpGroups: rule.sourceIpGroups ?? [],
      destinationAddresses: rule.destinationAddresses ?? [],
      destinationIpGroups: rule.destinationIpGroups ?? [],
      destinationFqdns: rule.destinationFqdns ?? [],
      destinationPorts: rule.destinationPorts ?? [],
    };
  }
  return { ruleType: r.ruleType ?? "Unknown", name: r.name ?? "" };
}

/** A firewall policy's rule collection group (SDK model). */
export function normalizeRuleCollectionGroup(rcg: SdkRuleCollectionGroup): RuleCollectionGroup {
  return {
    id: rcg.id ?? "",
    name: rcg.name ?? "",
    priority: rcg.priority ?? 0,
    ruleCollections: (rcg.ruleCollections ?? []).map((rc) => ({
      name: rc.name ?? "",
      priority: rc.priority ?? 0,
      kind: rc.ruleCollectionType,
      action: ("action" in rc ? rc.action?.type : undefined) ?? "",
      rules: ("rules" in rc ? (rc.rules ?? []) : []).map(normalizePolicyRule),
    })),
  };
}

/** A firewall policy (SDK model) with its already-normalised rule collection groups. */
export function normalizeFirewallPolicy(policy: SdkFirewallPolicy, groups: RuleCollectionGroup[]): FirewallPolicy {
  return compact({
    id: policy.id ?? "",
    name: policy.name ?? "",
    basePolicyId: policy.basePolicy?.id,
    ruleCollectionGroups: [...groups].sort((a, b) => a.priority - b.priority),
    // `dnsSettings` (FirewallPolicyGet.json): ARM leaves `enableProxy` out when it is off. The
    // servers are always set (empty: Azure DNS), which tells the checks the settings were read.
    dnsProxyEnabled: policy.dnsSettings?.enableProxy,
    dnsServers: policy.dnsSettings?.servers ?? [],
  });
}

/** Classic firewall rules (a firewall without a policy) in the policy rule form. */
export function normalizeClassicRules(fw: SdkFirewall): RuleCollection[] {
  const app: RuleCollection[] = (fw.applicationRuleCollections ?? []).map((c) => ({
    name: c.name ?? "",
    priority: c.priority ?? 0,
    kind: "ClassicApplication",
    action: c.action?.type ?? "",
    rules: (c.rules ?? []).map((r) => ({
      ruleType: "ApplicationRule" as const,
      name: r.name ?? "",
      sourceAddresses: r.sourceAddresses ?? [],
      sourceIpGroups: r.sourceIpGroups ?? [],
      protocols: (r.protocols ?? []).map((p) => ({ protocolType: p.protocolType ?? "", port: p.port ?? 0 })),
      targetFqdns: r.targetFqdns ?? [],
      fqdnTags: r.fqdnTags ?? [],
      webCategories: [],
      targetUrls: [],
    })),
  }));
  const net: RuleCollection[] = (fw.networkRuleCollections ?? []).map((c) => ({
    name: c.name ?? "",
    priority: c.priority ?? 0,
    kind: "ClassicNetwork",
    action: c.action?.type ?? "",
    rules: (c.rules ?? []).map((r) => ({
      ruleType: "NetworkRule" as const,
      name: r.name ?? "",
      ipProtocols: r.protocols ?? [],
      sourceAddresses: r.sourceAddresses ?? [],
      sourceIpGroups: r.sourceIpGroups ?? [],
      destinationAddresses: r.destinationAddresses ?? [],
      destinationIpGroups: r.destinationIpGroups ?? [],
      destinationFqdns: r.destinationFqdns ?? [],
      destinationPorts: r.destinationPorts ?? [],
    })),
  }));
  return [...app, ...net];
}

/** An IP group (SDK model). */
export function normalizeIpGroup(g: SdkIpGroup): IpGroup {
  return { id: g.id ?? "", name: g.name ?? "", ipAddresses: g.ipAddresses ?? [] };
}

function securityRule(r: SdkSecurityRule, isDefault: boolean): SecurityRule {
  return {
    name: r.name ?? "",
    priority: r.priority ?? 0,
    direction: r.direction ?? "",
    access: r.access ?? "",
    protocol: r.protocol ?? "*",
    sourceAddressPrefixes: uniq([r.sourceAddressPrefix, ...(r.sourceAddressPrefixes ?? [])]),
    sourcePortRanges: uniq([r.sourcePortRange, ...(r.sourcePortRanges ?? [])]),
    destinationAddressPrefixes: uniq([r.destinationAddressPrefix, ...(r.destinationAddressPrefixes ?? [])]),
    destinationPortRanges: uniq([r.destinationPortRange, ...(r.destinationPortRanges ?? [])]),
    isDefault,
  };
}

/** An NSG (SDK model): custom and default rules in one list, in priority order per direction. */
export function normalizeNsg(nsg: SdkNsg): NetworkSecurityGroup {
  const rules = [
    ...(nsg.securityRules ?? []).map((r) => securityRule(r, false)),
    ...(nsg.defaultSecurityRules ?? []).map((r) => securityRule(r, true)),
  ].sort((a, b) => a.direction.localeCompare(b.direction) || a.priority - b.priority);
  return { id: nsg.id ?? "", name: nsg.name ?? "", securityRules: rules };
}

/** A private link service (SDK model). */
export function normalizePrivateLinkService(pls: SdkPrivateLinkService): PrivateLinkService {
  return {
    id: pls.id ?? "",
    name: pls.name ?? "",
    loadBalancerFrontendIds: uniq((pls.loadBalancerFrontendIpConfigurations ?? []).map((f) => f.id)),
  };
}

/** A private DNS A record set (SDK model). */
export function normalizeARecordSet(rs: SdkRecordSet, zoneName: string): ARecordSet {
  const name = rs.name ?? "";
  const fqdn = (rs.fqdn ?? (name === "@" ? zoneName : `${name}.${zoneName}`)).replace(/\.$/, "");
  return {
    id: rs.id ?? "",
    name,
    fqdn,
    ipv4Addresses: uniq((rs.aRecords ?? []).map((a) => a.ipv4Address)),
  };
}

/** A private DNS virtual network link (SDK model). */
export function normalizeVnetLink(link: SdkVnetLink): VirtualNetworkLink {
  return compact({
    id: link.id ?? "",
    name: link.name ?? "",
    virtualNetworkId: link.virtualNetwork?.id ?? "",
    registrationEnabled: link.registrationEnabled,
    state: link.virtualNetworkLinkState,
  });
}

/** A role assignment (SDK model of the authorization client). */
export function normalizeRoleAssignment(ra: SdkRoleAssignment): RoleAssignment {
  return compact({
    id: ra.id ?? "",
    scope: ra.scope ?? "",
    principalId: ra.principalId ?? "",
    principalType: ra.principalType,
    roleDefinitionId: ra.roleDefinitionId ?? "",
  });
}

/** The lower-cased GUID at the end of a role definition id. */
export function roleGuidOf(roleDefinitionId: string): string {
  return (roleDefinitionId.split("/").filter(Boolean).pop() ?? "").toLowerCase();
}

/** A role definition (SDK model): control-plane actions of all its permission blocks. */
export function normalizeRoleDefinition(rd: SdkRoleDefinition): RoleDefinition {
  return {
    guid: roleGuidOf(rd.id ?? rd.name ?? ""),
    roleName: rd.roleName ?? rd.name ?? "",
    actions: (rd.permissions ?? []).flatMap((p) => p.actions ?? []),
    notActions: (rd.permissions ?? []).flatMap((p) => p.notActions ?? []),
  };
}
