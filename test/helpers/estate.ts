/**
 * Small estates for collector, emulator and reliability tests that need one specific situation
 * rather than the whole demo estate: short positional forms of the estate builders
 * (src/emulator/builders/), lean bodies, `eastus`, fixed ids.
 */
import type { Estate, EstateResource } from "../../src/emulator/estate.js";
import * as b from "../../src/emulator/builders/index.js";
import { LEAN } from "../../src/emulator/builders/index.js";

export { netId } from "../../src/emulator/builders/index.js";

/** The subscriptions of the test estates (`estateOf` serves A unless told otherwise). */
export const SUB_A = "aaaaaaaa-0000-4000-8000-000000000001";
export const SUB_B = "bbbbbbbb-0000-4000-8000-000000000002";

const LOCATION = "eastus";

/** A VNet (10.0.0.0/8) with one subnet (optionally wired to a route table). */
export function vnet(sub: string, rg: string, name: string, subnet: { name: string; prefix: string; routeTableId?: string }): EstateResource {
  const vnetId = b.netId(sub, rg, "virtualNetworks", name);
  return b.virtualNetwork(LEAN, {
    sub,
    rg,
    name,
    location: LOCATION,
    addressPrefixes: ["10.0.0.0/8"],
    subnets: [b.subnet(LEAN, { vnetId, name: subnet.name, addressPrefix: subnet.prefix, ...(subnet.routeTableId ? { routeTableId: subnet.routeTableId } : {}) })],
  });
}

/** A route table with the given routes (BGP propagation on). */
export function routeTable(sub: string, rg: string, name: string, routes: Array<{ name: string; prefix: string; hop: string; ip?: string }>): EstateResource {
  return b.routeTable(LEAN, {
    sub,
    rg,
    name,
    location: LOCATION,
    routes: routes.map((r) => ({ name: r.name, addressPrefix: r.prefix, nextHopType: r.hop, ...(r.ip ? { nextHopIpAddress: r.ip } : {}) })),
  });
}

/** An Azure Firewall with one private address, in the `AzureFirewallSubnet` of the VNet `hub` of its group. */
export function firewall(sub: string, rg: string, name: string, privateIp: string, provisioningState = "Succeeded"): EstateResource {
  return b.azureFirewall(LEAN, {
    sub,
    rg,
    name,
    location: LOCATION,
    privateIp,
    subnetId: `${b.netId(sub, rg, "virtualNetworks", "hub")}/subnets/AzureFirewallSubnet`,
    provisioningState,
  });
}

/** A public IP (20.1.2.3), optionally attached (its `ipConfiguration` back-reference). */
export function publicIp(sub: string, rg: string, name: string, attachedTo?: string): EstateResource {
  return b.publicIp(LEAN, { sub, rg, name, location: LOCATION, ipAddress: "20.1.2.3", ...(attachedTo ? { ipConfigurationId: attachedTo } : {}) });
}

/**
 * The network security group AKS puts in every MC group. An MC group always holds something
 * (VM scale sets, NSG, identities); ARM answers 404 ResourceGroupNotFound for an empty one.
 */
export function agentPoolNsg(sub: string, mcGroup: string): EstateResource {
  return b.networkSecurityGroup(LEAN, { sub, rg: mcGroup, name: "aks-agentpool-12345678-nsg", location: LOCATION });
}

/** An AKS cluster (2024-09-01 shape), one system pool of three nodes. */
export function aksCluster(
  sub: string,
  rg: string,
  name: string,
  opts: { nodeResourceGroup: string; outboundType: "loadBalancer" | "userDefinedRouting"; subnetId?: string; effectiveOutboundIpIds?: string[] },
): EstateResource {
  return b.managedCluster(LEAN, {
    sub,
    rg,
    name,
    id: `${b.rgId(sub, rg)}/providers/Microsoft.ContainerService/managedClusters/${name}`,
    location: LOCATION,
    dnsPrefix: name,
    fqdnHash: "abcd1234",
    kubernetesVersion: "1.30.4",
    principalId: "0f0f0f0f-0000-4000-8000-00000000000f",
    tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
    nodeResourceGroup: opts.nodeResourceGroup,
    agentPools: [{ name: "nodepool1", count: 3, vmSize: "Standard_DS2_v2", mode: "System" }],
    outboundType: opts.outboundType,
    ...(opts.subnetId ? { subnetId: opts.subnetId } : {}),
    ...(opts.effectiveOutboundIpIds ? { effectiveOutboundIpIds: opts.effectiveOutboundIpIds } : {}),
  });
}

/** A cluster pool (2024-05-01-preview shape) with its AKS cluster id. */
export function clusterPool(
  sub: string,
  rg: string,
  name: string,
  opts: { aksClusterResourceId: string; aksManagedResourceGroupName?: string; networkProfile?: b.ClusterPoolNetworkProfile },
): EstateResource {
  return b.clusterPool(LEAN, {
    sub,
    rg,
    name,
    id: `${b.rgId(sub, rg)}/providers/Microsoft.HDInsight/clusterpools/${name}`,
    location: LOCATION,
    deploymentId: "45cd32aead6e4a91b079a0cdbfac8c36",
    managedResourceGroupName: "hdi-45cd32aead6e4a91b079a0cdbfac8c36",
    ...(opts.aksManagedResourceGroupName ? { aksManagedResourceGroupName: opts.aksManagedResourceGroupName } : {}),
    clusterPoolVersion: "1.2",
    computeProfile: { vmSize: "Standard_D3_v2", count: 3 },
    aksVersion: "1.27",
    aksClusterResourceId: opts.aksClusterResourceId,
    ...(opts.networkProfile ? { networkProfile: opts.networkProfile } : {}),
  });
}

/** An estate over the given subscriptions (default: subscription A only). */
export function estateOf(resources: EstateResource[], opts: { subscriptions?: string[]; forbiddenScopes?: string[]; pageSize?: number } = {}): Estate {
  return {
    schemaVersion: 1,
    subscriptions: (opts.subscriptions ?? [SUB_A]).map((s, i) => ({ subscriptionId: s, displayName: `sub ${i + 1}` })),
    resources,
    ...(opts.forbiddenScopes ? { forbiddenScopes: opts.forbiddenScopes } : {}),
    ...(opts.pageSize ? { options: { pageSize: opts.pageSize } } : {}),
  };
}
