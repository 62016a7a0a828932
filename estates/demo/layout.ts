/**
 * How the demo lays resources out, as Azure does: a spoke (VNet, subnet, NSG, route table) per
 * target, an AKS cluster with its API server zone, and an HDInsight on AKS pool with its `hdi-`
 * and MC groups, clusters, private ingress and DNS. Each piece is added to the estate in the
 * order Azure would create it; the bodies come from the estate builders.
 */
import {
  aksInternalLoadBalancer,
  BUILTIN_ROLE,
  clusterPool,
  hdiCluster,
  hdiClusterFqdns,
  clusterPoolId,
  netId,
  networkSecurityGroup,
  privateDnsZoneWith,
  privateLinkService,
  rgId,
  roleAssignment,
  routeTable,
  subnet,
  systemData,
  userAssignedIdentity,
  virtualNetwork,
  virtualNetworkPeering,
  type AgentPoolSpec,
  type ARecordSpec,
  type MsiRef,
  type RouteSpec,
  type SecurityRuleSpec,
  type Tags,
  type VirtualNetworkLinkSpec,
} from "../../src/emulator/builders/index.js";
import { aksCluster, aksNodes, type Aks, type AksNodes } from "./aksLayout.js";
import { add, addAll, CREATED_BY, ids, style, TENANT } from "./world.js";

export { aksCluster, aksNodes, type Aks, type AksNodes } from "./aksLayout.js";

/** A target's spoke network, as later pieces refer to it. */
export interface Spoke {
  sub: string;
  rg: string;
  location: string;
  vnetId: string;
  vnetPrefix: string;
  subnetId: string;
  subnetPrefix: string;
  nsgId: string;
  routeTableId?: string;
}

/** A user-assigned identity with the ids the demo derives for it from `seed`. */
export function identity(sub: string, rg: string, name: string, location: string, seed: string): MsiRef {
  const principalId = ids.guid(`principal/${seed}`);
  const clientId = ids.guid(`client/${seed}`);
  const body = add(userAssignedIdentity(style, { sub, rg, name, location, tenantId: TENANT, principalId, clientId }));
  return { id: body.id, principalId, clientId };
}

/** A role assignment named from `seed`. */
export function assignRole(a: { scope: string; role: string; principalId: string; seed: string; principalType?: "ServicePrincipal" | "Group"; description?: string }): void {
  add(
    roleAssignment(style, {
      scope: a.scope,
      name: ids.guid(`ra/${a.seed}`),
      role: a.role,
      principalId: a.principalId,
      ...(a.principalType ? { principalType: a.principalType } : {}),
      ...(a.description ? { description: a.description } : {}),
    }),
  );
}

/**
 * A spoke: VNet with one workload subnet, its NSG and (with `routes`) its route table, all in one
 * network resource group, peered with `hub` when given. `ingressPublicIps` opens TCP 80/443 from
 * Internet to those addresses; `extraNsgRules` are appended to the subnet NSG; `extraSubnets` are
 * further subnets with no NSG and no route table (e.g. an AKS API server subnet).
 * `defaultOutboundAccess`: the subnet's flag (`null`: absent, default outbound access on); not
 * given, a routed subnet is private and an unrouted one states nothing. `natGatewayId` puts a NAT
 * gateway on the subnet; `dnsServers` gives the VNet custom DNS servers.
 */
export function spoke(p: {
  sub: string;
  rg: string;
  location: string;
  vnetName: string;
  vnetPrefix: string;
  subnetName: string;
  subnetPrefix: string;
  routes: RouteSpec[] | null;
  hub?: { vnetId: string; prefix: string };
  ingressPublicIps?: string[];
  extraNsgRules?: SecurityRuleSpec[];
  extraSubnets?: Array<{ name: string; prefix: string; delegation?: string }>;
  defaultOutboundAccess?: boolean | null;
  natGatewayId?: string;
  hubPeeringState?: "Connected" | "Initiated" | "Disconnected";
  /** Custom DNS servers of the VNet (`dhcpOptions.dnsServers`); not given: Azure-provided DNS. */
  dnsServers?: string[];
  tags?: Tags;
}): Spoke {
  const { sub, rg, location } = p;
  const tags = p.tags ? { tags: p.tags } : {};
  const vnetId = netId(sub, rg, "virtualNetworks", p.vnetName);
  const subnetId = `${vnetId}/subnets/${p.subnetName}`;
  const rules: SecurityRuleSpec[] = [
    {
      name: "AllowHttpsInboundFromVirtualNetwork",
      description: "Cluster web endpoints and API server from peered networks",
      destinationPortRange: "443",
      sourceAddressPrefix: "VirtualNetwork",
      destinationAddressPrefix: "*",
      priority: 100,
    },
    ...(p.ingressPublicIps ?? []).map((ip, i) => ({
      name: `AllowInternetWebToIngress${i + 1}`,
      description: "Public cluster ingress (TCP 80/443) to the ingress public IP",
      destinationPortRanges: ["80", "443"],
      sourceAddressPrefix: "Internet",
      destinationAddressPrefix: ip,
      priority: 200 + i * 10,
    })),
    ...(p.extraNsgRules ?? []),
  ];
  const nsg = add(networkSecurityGroup(style, { sub, rg, name: `nsg-${p.subnetName}`, location, rules, subnetIds: [subnetId], ...tags }));
  // Routed subnets were made private when the route table went on (a UDR without default outbound access).
  const dao = p.defaultOutboundAccess === undefined ? (p.routes ? false : undefined) : p.defaultOutboundAccess;
  const outbound = dao === undefined || dao === null ? {} : { defaultOutboundAccess: dao };
  const rt = p.routes
    ? add(routeTable(style, { sub, rg, name: `rt-${p.subnetName}`, location, routes: p.routes, disableBgpRoutePropagation: true, subnetIds: [subnetId], ...tags }))
    : undefined;
  add(
    virtualNetwork(style, {
      sub,
      rg,
      name: p.vnetName,
      location,
      addressPrefixes: [p.vnetPrefix],
      ...(p.dnsServers ? { dnsServers: p.dnsServers } : {}),
      subnets: [
        subnet(style, {
          vnetId,
          name: p.subnetName,
          addressPrefix: p.subnetPrefix,
          networkSecurityGroupId: nsg.id,
          ...(rt ? { routeTableId: rt.id } : {}),
          ...(p.natGatewayId ? { natGatewayId: p.natGatewayId } : {}),
          privateLinkServiceNetworkPolicies: "Disabled",
          ...outbound,
        }),
        ...(p.extraSubnets ?? []).map((x) =>
          subnet(style, { vnetId, name: x.name, addressPrefix: x.prefix, ...(x.delegation ? { delegation: x.delegation } : {}) }),
        ),
      ],
      // Spoke side of the hub peering: traffic forwarded by the hub firewall is allowed in.
      peerings: p.hub
        ? [
            virtualNetworkPeering(style, {
              vnetId,
              remoteVnetId: p.hub.vnetId,
              remoteAddressPrefixes: [p.hub.prefix],
              allowForwardedTraffic: true,
              ...(p.hubPeeringState ? { peeringState: p.hubPeeringState } : {}),
            }),
          ]
        : [],
      ...tags,
    }),
  );
  return { sub, rg, location, vnetId, vnetPrefix: p.vnetPrefix, subnetId, subnetPrefix: p.subnetPrefix, nsgId: nsg.id, ...(rt ? { routeTableId: rt.id } : {}) };
}

/** A pool as its clusters and later pieces refer to it. */
export interface Pool {
  name: string;
  sub: string;
  rg: string;
  location: string;
  poolId: string;
  hdiRg: string;
  mcRg: string;
  aks: Aks;
  /** The agent-pool NSG and scale sets in the MC group. */
  nodes: AksNodes;
  clusterMsi: MsiRef;
  spoke: Spoke;
  legacyShape: boolean;
  createdAt: string;
}

/**
 * An HDInsight on AKS cluster pool (2024-05-01-preview) with its AKS cluster and agent-pool
 * identity in the `hdi-<deploymentId>` group, the agent-pool NSG of its MC group, and the
 * user-assigned identity its clusters run as (with Managed Identity Operator for the agent pool).
 * `aks*` overrides model a cluster changed afterwards with `az aks update` (the pool GET still
 * states the creation-time value); `legacyShape` is the GET without `networkProfile` and
 * `aksManagedResourceGroupName` (`GetClusterPool.json`).
 */
export function pool(p: {
  sub: string;
  rg: string;
  name: string;
  location: string;
  spoke: Spoke;
  outboundType: "loadBalancer" | "userDefinedRouting";
  privateApi: boolean;
  aksOutboundType?: "loadBalancer" | "userDefinedRouting";
  aksPrivateCluster?: boolean;
  apiServerSubnetId?: string;
  apiServerPrivateIp?: string;
  effectiveOutboundIPs?: string[];
  publicIngressNsg?: Array<{ address: string; ports: number[] }>;
  legacyShape?: boolean;
  clusterPoolVersion?: string;
  aksVersion?: string;
  vmSize?: string;
  workerNodes?: number;
  createdAt: string;
  tags: Tags;
}): Pool {
  const deploymentId = ids.hex32(`deployment/${p.name}`);
  const hdiRg = `hdi-${deploymentId}`;
  const mcRg = `MC_${hdiRg}_${p.name}_${p.location}`;
  const legacy = p.legacyShape ?? false;
  const agentPool = identity(p.sub, hdiRg, `${p.name}-agentpool`, p.location, `agentpool/${p.name}`);
  const agentPools: AgentPoolSpec[] = [
    { name: "systempool", count: 3, vmSize: "Standard_D4as_v4", mode: "System" },
    { name: "userpool", count: p.workerNodes ?? 5, vmSize: p.vmSize ?? "Standard_D8as_v5", mode: "User" },
  ];
  const aks = aksCluster({
    sub: p.sub,
    rg: hdiRg,
    name: p.name,
    location: p.location,
    dnsPrefix: `${p.name}-dns`,
    nodeResourceGroup: mcRg,
    outboundType: p.aksOutboundType ?? p.outboundType,
    privateCluster: p.aksPrivateCluster ?? p.privateApi,
    ...(p.apiServerSubnetId ? { apiServerSubnetId: p.apiServerSubnetId } : {}),
    ...(p.apiServerPrivateIp ? { apiServerPrivateIp: p.apiServerPrivateIp } : {}),
    subnetId: p.spoke.subnetId,
    vnetId: p.spoke.vnetId,
    ...(p.effectiveOutboundIPs ? { effectiveOutboundIPs: p.effectiveOutboundIPs } : {}),
    kubelet: agentPool,
    ...(p.aksVersion ? { kubernetesVersion: p.aksVersion } : {}),
    tags: { "hdinsight-on-aks-cluster-pool": p.name },
    agentPools,
  });
  const poolId = clusterPoolId(p.sub, p.rg, p.name);
  add(
    clusterPool(style, {
      sub: p.sub,
      rg: p.rg,
      name: p.name,
      location: p.location,
      deploymentId,
      managedResourceGroupName: hdiRg,
      ...(legacy ? {} : { aksManagedResourceGroupName: mcRg }),
      clusterPoolVersion: p.clusterPoolVersion ?? "1.2",
      computeProfile: legacy
        ? { vmSize: p.vmSize ?? "Standard_D4as_v4", count: 3 }
        : { vmSize: "Standard_D4as_v4", count: 3, availabilityZones: ["1", "2", "3"] },
      aksVersion: p.aksVersion ?? "1.29",
      agentPoolIdentity: agentPool,
      // The pool reports its AKS cluster's id with `/resourceGroups/` (the AKS RP: `/resourcegroups/`).
      aksClusterResourceId: `${rgId(p.sub, hdiRg)}/providers/Microsoft.ContainerService/managedClusters/${p.name}`,
      ...(legacy
        ? {}
        : { networkProfile: { subnetId: p.spoke.subnetId, outboundType: p.outboundType, enablePrivateApiServer: p.privateApi }, logAnalytics: false }),
      systemData: systemData(p.createdAt, CREATED_BY),
      tags: p.tags,
    }),
  );

  // MC group: the agent-pool NSG AKS always creates (rules for public ingress services only) and the node scale sets.
  const nodes = aksNodes({
    sub: p.sub,
    mcRg,
    location: p.location,
    seed: aks.id,
    agentPools,
    subnetId: p.spoke.subnetId,
    ...(p.publicIngressNsg ? { publicIngress: p.publicIngressNsg } : {}),
  });

  // The user-assigned MSI the clusters run as, and the agent pool's right to assign it.
  const clusterMsi = identity(p.sub, p.rg, `msi-${p.name}`, p.location, `clustermsi/${p.name}`);
  assignRole({ scope: clusterMsi.id, role: BUILTIN_ROLE.managedIdentityOperator, principalId: agentPool.principalId, seed: `mio/${p.name}` });
  return { name: p.name, sub: p.sub, rg: p.rg, location: p.location, poolId, hdiRg, mcRg, aks, nodes, clusterMsi, spoke: p.spoke, legacyShape: legacy, createdAt: p.createdAt };
}

/** An internal LoadBalancer service of a pool's cluster: its frontend and private link service. */
export interface IngressService {
  frontendName: string;
  privateIp: string;
  privateLinkServiceId: string;
}

/**
 * Private cluster ingress in the MC group: a private link service per service (named
 * `pls-<frontend>`), then the internal load balancer `kubernetes-internal` with the private
 * frontends in the pool subnet.
 */
export function internalIngress(p: { pool: Pool; services: Array<{ svc: string; privateIp: string; k8sService: string }> }): IngressService[] {
  const { sub, mcRg, location } = p.pool;
  const subnetId = p.pool.spoke.subnetId;
  const lbId = netId(sub, mcRg, "loadBalancers", "kubernetes-internal");
  const services = p.services.map((s) => {
    const frontendName = `a${ids.hex32(`svc/${s.svc}`)}`;
    const pls = add(
      privateLinkService(style, {
        sub,
        rg: mcRg,
        name: `pls-${frontendName}`,
        location,
        frontendId: `${lbId}/frontendIPConfigurations/${frontendName}`,
        subnetId,
        ipConfigurationName: `${frontendName}-pls-ipconfig`,
        ownerService: s.k8sService,
      }),
    );
    return { frontendName, privateIp: s.privateIp, privateLinkServiceId: pls.id };
  });
  add(aksInternalLoadBalancer(style, { sub, rg: mcRg, location, subnetId, services }));
  return services;
}

/** A cluster of a pool, as its DNS refers to it. */
export interface Cluster {
  id: string;
  fqdn: string;
  privateFqdn?: string;
}

/**
 * A cluster of a pool: two head nodes and `workers` workers (E8as_v5), running as the pool's
 * cluster identity. With `ingress` it has private ingress (FQDN in the `.privatelink.` form, or
 * `-int.` with `privateFqdnForm: "int"`).
 */
export function poolCluster(
  pool: Pool,
  c: {
    name: string;
    clusterType: string;
    clusterVersion: string;
    ossVersion: string;
    components: Array<{ name: string; version: string }>;
    profile: Record<string, unknown>;
    ingress?: IngressService;
    privateFqdnForm?: "int";
    legacyIdentityProfile?: boolean;
    sshCount?: number;
    workers?: number;
    createdAt?: string;
  },
): Cluster {
  const id = `${pool.poolId}/clusters/${c.name}`;
  const endpoints = hdiClusterFqdns({
    cluster: c.name,
    pool: pool.name,
    sub: pool.sub,
    location: pool.location,
    ...(c.ingress ? { privateForm: c.privateFqdnForm ?? "privatelink" } : {}),
  });
  add(
    hdiCluster(style, {
      poolId: pool.poolId,
      name: c.name,
      location: pool.location,
      clusterType: c.clusterType,
      clusterVersion: c.clusterVersion,
      ossVersion: c.ossVersion,
      deploymentId: ids.hex32(`clusterdeployment/${id}`),
      components: c.components,
      nodes: [
        { type: "Head", vmSize: "Standard_E8as_v5", count: 2 },
        { type: "Worker", vmSize: "Standard_E8as_v5", count: c.workers ?? 3 },
      ],
      ...(pool.legacyShape ? {} : { availabilityZones: ["1", "2", "3"] }),
      msi: { ...pool.clusterMsi, ...(c.legacyIdentityProfile ? { legacyIdentityProfile: true } : {}) },
      userIds: [ids.guid(`user1/${id}`), ids.guid(`user2/${id}`)],
      endpoints,
      sshPods: c.sshCount ?? 1,
      profile: c.profile,
      ...(c.ingress ? { privateLinkServiceId: c.ingress.privateLinkServiceId } : {}),
      systemData: systemData(c.createdAt ?? pool.createdAt, CREATED_BY),
    }),
  );
  return { id, ...endpoints };
}

/**
 * A private-ingress cluster's DNS: the zone HDInsight creates in the pool's `hdi-` group, with
 * the A record for the private FQDN pointing to the internal ingress address, linked to the pool
 * VNet (and the hub, where the clients are). Returns the zone id.
 */
export function clusterPrivateDns(pool: Pool, cluster: Cluster, ingressIp: string, extraLinks: VirtualNetworkLinkSpec[] = [], extraRecords: ARecordSpec[] = []): string {
  const pf = cluster.privateFqdn ?? "";
  const dot = pf.indexOf(".");
  const zone = privateDnsZoneWith(style, {
    sub: pool.sub,
    rg: pool.hdiRg,
    zoneName: pf.slice(dot + 1),
    records: [{ name: pf.slice(0, dot), addresses: [ingressIp] }, ...extraRecords],
    links: [{ name: `${pool.name}-vnet-link`, vnetId: pool.spoke.vnetId }, ...extraLinks],
  });
  addAll(zone.resources);
  return zone.id;
}
