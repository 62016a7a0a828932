/**
 * Subscription C (Contoso Digital, prod): an AKS-only subscription where `Microsoft.HDInsight` is
 * not registered. Targets 13 to 20: two spokes of the Virtual WAN secured hub (aks-orders,
 * aks-catalog), a managed NAT gateway cluster (aks-search), two network-isolated clusters
 * (aks-ledger, aks-pricing), a user-assigned NAT gateway cluster (aks-media) in eastus2; a UDR
 * cluster whose subnet fails open (aks-checkout) and one routed to a partner hub the scanner cannot
 * read (aks-partners) in eastus. What each demonstrates: estates/README.md.
 */
import {
  managedClusterId,
  natGateway,
  netId,
  publicIp,
  publicIpPrefix,
  subnet,
  virtualNetwork,
  type AgentPoolSpec,
  type ManagedClusterSpec,
} from "../../src/emulator/builders/index.js";
import { aksCluster, aksNodes, identity, spoke, type Aks, type Spoke } from "./layout.js";
import {
  add,
  digitalTags,
  EAST,
  EAST2,
  eastHub,
  ids,
  networkTagsC,
  PARTNER_FW_PRIVATE_IP,
  PARTNER_HUB_PREFIX,
  partnerHubVnetId,
  routeFwPublicIp,
  style,
  SUB_C,
} from "./world.js";

/** A plain AKS target of subscription C. */
export interface CTarget {
  spoke: Spoke;
  cluster: Aks;
}

/** What later parts (hubs, role assignments, expected findings) need from subscription C. */
export interface SubscriptionC {
  orders: CTarget;
  catalog: CTarget;
  ledger: CTarget;
  pricing: CTarget;
  media: CTarget;
  checkout: CTarget;
  partners: CTarget;
  search: { cluster: Aks; natPublicIpIds: string[] };
}

const pools = (apps: number, size = "Standard_D8ds_v5"): AgentPoolSpec[] => [
  { name: "system", count: 3, vmSize: "Standard_D4ds_v5", mode: "System" },
  { name: "apps", count: apps, vmSize: size, mode: "User" },
];

/** A plain AKS cluster of subscription C in its own spoke: kubelet identity, cluster, node NSG and scale sets. */
function aksTarget(p: {
  name: string;
  location: string;
  spoke: Spoke;
  outboundType: ManagedClusterSpec["outboundType"];
  apiServerPrivateIp: string;
  agentPools: AgentPoolSpec[];
  bootstrap?: ManagedClusterSpec["bootstrap"];
  tags?: Record<string, string>;
}): CTarget {
  const short = p.name.replace(/^aks-/, "");
  const mcRg = `MC_rg-${short}_${p.name}_${p.location}`;
  const kubelet = identity(SUB_C, mcRg, `${p.name}-agentpool`, p.location, `kubelet/${p.name}`);
  const cluster = aksCluster({
    sub: SUB_C,
    rg: `rg-${short}`,
    name: p.name,
    location: p.location,
    dnsPrefix: p.name,
    nodeResourceGroup: mcRg,
    outboundType: p.outboundType,
    privateCluster: true,
    apiServerPrivateIp: p.apiServerPrivateIp,
    subnetId: p.spoke.subnetId,
    vnetId: p.spoke.vnetId,
    kubelet,
    ...(p.bootstrap ? { bootstrap: p.bootstrap } : {}),
    kubernetesVersion: "1.31.2",
    tags: { ...digitalTags, workload: short, ...p.tags },
    agentPools: p.agentPools,
  });
  aksNodes({ sub: SUB_C, mcRg, location: p.location, seed: cluster.id, agentPools: p.agentPools, subnetId: p.spoke.subnetId });
  return { spoke: p.spoke, cluster };
}

/** A spoke of subscription C: `rg-<name>-network`, `vnet-<name>`, `snet-aks-<name>`. */
function cSpoke(name: string, n: number, location: string, more: Partial<Parameters<typeof spoke>[0]> = {}): Spoke {
  return spoke({
    sub: SUB_C,
    rg: `rg-${name}-network`,
    location,
    vnetName: `vnet-${name}`,
    vnetPrefix: `10.${n}.0.0/16`,
    subnetName: `snet-aks-${name}`,
    subnetPrefix: `10.${n}.0.0/24`,
    routes: null,
    tags: networkTagsC,
    ...more,
  });
}

const acr = (name: string) => `/subscriptions/${SUB_C}/resourceGroups/rg-platform-registry/providers/Microsoft.ContainerRegistry/registries/${name}`;

/** Adds subscription C's targets to the estate (the Virtual WAN hub comes later: virtualWan.ts). */
export function buildSubscriptionC(): SubscriptionC {
  // --- 13. aks-orders: a spoke of the secured Virtual WAN hub (no route table: the default route comes
  //         from the hub's routing intent, through a connection with enableInternetSecurity). Private subnet.
  const orders = aksTarget({
    name: "aks-orders",
    location: EAST2,
    spoke: cSpoke("orders", 40, EAST2, { defaultOutboundAccess: false }),
    outboundType: "userDefinedRouting",
    apiServerPrivateIp: "10.40.0.4",
    agentPools: pools(6),
  });

  // --- 14. aks-catalog: the same hub, but its connection was re-created with enableInternetSecurity false, so
  //         the spoke never learns the hub's 0.0.0.0/0. Its subnet is private: egress is broken, not leaking.
  const catalog = aksTarget({
    name: "aks-catalog",
    location: EAST2,
    spoke: cSpoke("catalog", 41, EAST2, { defaultOutboundAccess: false }),
    outboundType: "userDefinedRouting",
    apiServerPrivateIp: "10.41.0.4",
    agentPools: pools(4),
  });

  // --- 15. aks-search: managed NAT gateway (StandardV2) in an AKS-managed VNet; its two outbound IPs are the
  //         natGatewayProfile's effectiveOutboundIPs. Public API server.
  const search = buildSearch();

  // --- 16. aks-ledger: network isolated (outboundType none, images from a private ACR cache), private subnet:
  //         no egress path at all, as intended.
  const ledger = aksTarget({
    name: "aks-ledger",
    location: EAST2,
    spoke: cSpoke("ledger", 43, EAST2, { defaultOutboundAccess: false }),
    outboundType: "none",
    apiServerPrivateIp: "10.43.0.4",
    bootstrap: { artifactSource: "Cache", containerRegistryId: acr("acrledgercache") },
    agentPools: pools(3),
  });

  // --- 17. aks-pricing: network isolated too, but its subnet comes from a Terraform module pinned to an API
  //         version from before private subnets: defaultOutboundAccess is null, so the nodes still reach the
  //         internet through default outbound access. The module also attaches an empty route table with
  //         gateway route propagation off, so no hub route can take that traffic either: the leak is proved
  //         from the subnet alone, whatever the hub lists show.
  const pricing = aksTarget({
    name: "aks-pricing",
    location: EAST2,
    spoke: cSpoke("pricing", 44, EAST2, { routes: [], defaultOutboundAccess: null }),
    outboundType: "none",
    apiServerPrivateIp: "10.44.0.4",
    bootstrap: { artifactSource: "Cache", containerRegistryId: acr("acrpricingcache") },
    agentPools: pools(3),
  });

  // --- 18. aks-media: user-assigned NAT gateway (StandardV2, one public IP and a /31 prefix) on its BYO subnet.
  const media = buildMedia();

  // --- 19. aks-checkout: a hub-and-spoke UDR cluster whose route table lost its default route (removed while
  //         testing connectivity in an incident, never restored; only the firewall /32 is left). The subnet's
  //         defaultOutboundAccess is null: the nodes reach the internet directly, bypassing fw-hub (fail open).
  const checkout = aksTarget({
    name: "aks-checkout",
    location: EAST,
    spoke: cSpoke("checkout", 47, EAST, { routes: [routeFwPublicIp], hub: eastHub, defaultOutboundAccess: null }),
    outboundType: "userDefinedRouting",
    apiServerPrivateIp: "10.47.0.4",
    agentPools: pools(5),
  });

  // --- 20. aks-partners: routed to a firewall in the partner hub of subscription D, which the scanner's identity
  //         cannot read: whether that firewall exists and what it allows is unknown, never "no firewall".
  const partners = aksTarget({
    name: "aks-partners",
    location: EAST,
    spoke: cSpoke("partners", 45, EAST, {
      routes: [{ name: "default-to-partner-hub", addressPrefix: "0.0.0.0/0", nextHopType: "VirtualAppliance", nextHopIpAddress: PARTNER_FW_PRIVATE_IP }],
      hub: { vnetId: partnerHubVnetId, prefix: PARTNER_HUB_PREFIX },
    }),
    outboundType: "userDefinedRouting",
    apiServerPrivateIp: "10.45.0.4",
    agentPools: pools(2),
  });

  return { orders, catalog, ledger, pricing, media, checkout, partners, search };
}

/** aks-search: the cluster, its managed StandardV2 NAT gateway with two outbound IPs, and the AKS-managed VNet. */
function buildSearch(): { cluster: Aks; natPublicIpIds: string[] } {
  const name = "aks-search";
  const mcRg = `MC_rg-search_${name}_${EAST2}`;
  const digits = ids.digits8(managedClusterId(SUB_C, "rg-search", name));
  const vnetId = netId(SUB_C, mcRg, "virtualNetworks", `aks-vnet-${digits}`);
  const subnetId = `${vnetId}/subnets/aks-subnet`;
  const natId = netId(SUB_C, mcRg, "natGateways", "aks-natgw");
  const natIps = ["20.122.15.96", "20.122.15.97"].map(
    (ipAddress, i) =>
      add(
        publicIp(style, {
          sub: SUB_C,
          rg: mcRg,
          name: ids.guid(`pip/aks-search-nat-${i}`),
          location: EAST2,
          ipAddress,
          natGatewayId: natId,
          skuName: "StandardV2",
        }),
      ).id,
  );
  add(natGateway(style, { sub: SUB_C, rg: mcRg, name: "aks-natgw", location: EAST2, sku: "StandardV2", publicIpIds: natIps, subnetIds: [subnetId] }));
  const agentPools = pools(4, "Standard_E8ds_v5");
  const kubelet = identity(SUB_C, mcRg, `${name}-agentpool`, EAST2, `kubelet/${name}`);
  const cluster = aksCluster({
    sub: SUB_C,
    rg: "rg-search",
    name,
    location: EAST2,
    dnsPrefix: name,
    nodeResourceGroup: mcRg,
    outboundType: "managedNATGateway",
    natGateway: { sku: "StandardV2", effectiveOutboundIpIds: natIps },
    privateCluster: false,
    kubelet,
    kubernetesVersion: "1.31.2",
    tags: { ...digitalTags, workload: "search" },
    agentPools,
  });
  // The AKS-managed VNet: AKS puts the agent-pool NSG and the NAT gateway on its subnet.
  add(
    virtualNetwork(style, {
      sub: SUB_C,
      rg: mcRg,
      name: `aks-vnet-${digits}`,
      location: EAST2,
      addressPrefixes: ["10.224.0.0/12"],
      subnets: [
        subnet(style, {
          vnetId,
          name: "aks-subnet",
          addressPrefix: "10.224.0.0/16",
          networkSecurityGroupId: netId(SUB_C, mcRg, "networkSecurityGroups", `aks-agentpool-${digits}-nsg`),
          natGatewayId: natId,
        }),
      ],
    }),
  );
  aksNodes({ sub: SUB_C, mcRg, location: EAST2, seed: cluster.id, agentPools, subnetId });
  return { cluster, natPublicIpIds: natIps };
}

/** aks-media: a user-assigned StandardV2 NAT gateway with a public IP and a prefix on its BYO subnet. */
function buildMedia(): CTarget {
  const rg = "rg-media-network";
  const natId = netId(SUB_C, rg, "natGateways", "natgw-media");
  const pip = add(publicIp(style, { sub: SUB_C, rg, name: "pip-natgw-media", location: EAST2, ipAddress: "20.7.204.18", natGatewayId: natId, skuName: "StandardV2", tags: networkTagsC }));
  const prefix = add(
    publicIpPrefix(style, { sub: SUB_C, rg, name: "ippre-natgw-media", location: EAST2, ipPrefix: "20.7.205.32/31", natGatewayId: natId, skuName: "StandardV2", tags: networkTagsC }),
  );
  const spk = cSpoke("media", 46, EAST2, { defaultOutboundAccess: false, natGatewayId: natId });
  add(
    natGateway(style, {
      sub: SUB_C,
      rg,
      name: "natgw-media",
      location: EAST2,
      sku: "StandardV2",
      publicIpIds: [pip.id],
      publicIpPrefixIds: [prefix.id],
      subnetIds: [spk.subnetId],
      sourceVnetId: spk.vnetId,
      tags: networkTagsC,
    }),
  );
  return aksTarget({
    name: "aks-media",
    location: EAST2,
    spoke: spk,
    outboundType: "userAssignedNATGateway",
    apiServerPrivateIp: "10.46.0.4",
    agentPools: pools(4, "Standard_NC8as_T4_v3"),
  });
}
