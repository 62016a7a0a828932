/**
 * Builders of small estates in ARM wire shapes (as in Microsoft's examples), for collector and
 * emulator tests that need one specific situation rather than the whole demo estate.
 */
import type { Estate, EstateResource } from "./estate.js";

export const SUB_A = "aaaaaaaa-0000-4000-8000-000000000001";
export const SUB_B = "bbbbbbbb-0000-4000-8000-000000000002";

const rgId = (sub: string, rg: string) => `/subscriptions/${sub}/resourceGroups/${rg}`;
export const netId = (sub: string, rg: string, type: string, name: string) =>
  `${rgId(sub, rg)}/providers/Microsoft.Network/${type}/${name}`;

/** A VNet with one subnet (optionally wired to a route table). */
export function vnet(sub: string, rg: string, name: string, subnet: { name: string; prefix: string; routeTableId?: string }): EstateResource {
  const id = netId(sub, rg, "virtualNetworks", name);
  return {
    id,
    name,
    type: "Microsoft.Network/virtualNetworks",
    location: "eastus",
    properties: {
      provisioningState: "Succeeded",
      addressSpace: { addressPrefixes: ["10.0.0.0/8"] },
      subnets: [
        {
          id: `${id}/subnets/${subnet.name}`,
          name: subnet.name,
          type: "Microsoft.Network/virtualNetworks/subnets",
          properties: {
            provisioningState: "Succeeded",
            addressPrefix: subnet.prefix,
            ...(subnet.routeTableId ? { routeTable: { id: subnet.routeTableId } } : {}),
          },
        },
      ],
    },
  };
}

/** A route table with the given routes. */
export function routeTable(sub: string, rg: string, name: string, routes: Array<{ name: string; prefix: string; hop: string; ip?: string }>): EstateResource {
  const id = netId(sub, rg, "routeTables", name);
  return {
    id,
    name,
    type: "Microsoft.Network/routeTables",
    location: "eastus",
    properties: {
      provisioningState: "Succeeded",
      disableBgpRoutePropagation: false,
      routes: routes.map((r) => ({
        id: `${id}/routes/${r.name}`,
        name: r.name,
        properties: { provisioningState: "Succeeded", addressPrefix: r.prefix, nextHopType: r.hop, ...(r.ip ? { nextHopIpAddress: r.ip } : {}) },
      })),
    },
  };
}

/** An Azure Firewall with one private address. */
export function firewall(sub: string, rg: string, name: string, privateIp: string, provisioningState = "Succeeded"): EstateResource {
  const id = netId(sub, rg, "azureFirewalls", name);
  return {
    id,
    name,
    type: "Microsoft.Network/azureFirewalls",
    location: "eastus",
    properties: {
      provisioningState,
      sku: { name: "AZFW_VNet", tier: "Standard" },
      ipConfigurations: [
        {
          id: `${id}/azureFirewallIpConfigurations/ipconfig1`,
          name: "ipconfig1",
          properties: { privateIPAddress: privateIp, subnet: { id: `${netId(sub, rg, "virtualNetworks", "hub")}/subnets/AzureFirewallSubnet` } },
        },
      ],
    },
  };
}

/** A public IP, optionally attached (its `ipConfiguration` back-reference). */
export function publicIp(sub: string, rg: string, name: string, attachedTo?: string): EstateResource {
  return {
    id: netId(sub, rg, "publicIPAddresses", name),
    name,
    type: "Microsoft.Network/publicIPAddresses",
    location: "eastus",
    properties: {
      provisioningState: "Succeeded",
      publicIPAddressVersion: "IPv4",
      publicIPAllocationMethod: "Static",
      ipAddress: "20.1.2.3",
      ...(attachedTo ? { ipConfiguration: { id: attachedTo } } : {}),
    },
  };
}

/**
 * The network security group AKS puts in every MC group. An MC group always holds something
 * (VM scale sets, NSG, identities); ARM answers 404 ResourceGroupNotFound for an empty one.
 */
export function agentPoolNsg(sub: string, mcGroup: string): EstateResource {
  return {
    id: netId(sub, mcGroup, "networkSecurityGroups", "aks-agentpool-12345678-nsg"),
    name: "aks-agentpool-12345678-nsg",
    type: "Microsoft.Network/networkSecurityGroups",
    location: "eastus",
    properties: { provisioningState: "Succeeded", securityRules: [] },
  };
}

/** An AKS cluster (2024-09-01 shape). */
export function aksCluster(
  sub: string,
  rg: string,
  name: string,
  opts: { nodeResourceGroup: string; outboundType: string; subnetId?: string; effectiveOutboundIpIds?: string[] },
): EstateResource {
  return {
    id: `${rgId(sub, rg)}/providers/Microsoft.ContainerService/managedClusters/${name}`,
    name,
    type: "Microsoft.ContainerService/ManagedClusters",
    location: "eastus",
    identity: { type: "SystemAssigned", principalId: "0f0f0f0f-0000-4000-8000-00000000000f", tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47" },
    properties: {
      provisioningState: "Succeeded",
      kubernetesVersion: "1.30.4",
      dnsPrefix: name,
      fqdn: `${name}-abcd1234.hcp.eastus.azmk8s.io`,
      nodeResourceGroup: opts.nodeResourceGroup,
      agentPoolProfiles: [
        { name: "nodepool1", count: 3, vmSize: "Standard_DS2_v2", mode: "System", ...(opts.subnetId ? { vnetSubnetID: opts.subnetId } : {}) },
      ],
      networkProfile: {
        networkPlugin: "azure",
        outboundType: opts.outboundType,
        loadBalancerSku: "standard",
        ...(opts.effectiveOutboundIpIds
          ? { loadBalancerProfile: { effectiveOutboundIPs: opts.effectiveOutboundIpIds.map((id) => ({ id })) } }
          : {}),
      },
    },
  };
}

/** A cluster pool (2024-05-01-preview shape) with its AKS cluster id. */
export function clusterPool(
  sub: string,
  rg: string,
  name: string,
  opts: { aksClusterResourceId: string; aksManagedResourceGroupName?: string; networkProfile?: Record<string, unknown> },
): EstateResource {
  return {
    id: `${rgId(sub, rg)}/providers/Microsoft.HDInsight/clusterpools/${name}`,
    name,
    type: "Microsoft.HDInsight/clusterPools",
    location: "eastus",
    properties: {
      provisioningState: "Succeeded",
      deploymentId: "45cd32aead6e4a91b079a0cdbfac8c36",
      managedResourceGroupName: "hdi-45cd32aead6e4a91b079a0cdbfac8c36",
      ...(opts.aksManagedResourceGroupName ? { aksManagedResourceGroupName: opts.aksManagedResourceGroupName } : {}),
      clusterPoolProfile: { clusterPoolVersion: "1.2" },
      computeProfile: { vmSize: "Standard_D3_v2", count: 3 },
      aksClusterProfile: { aksVersion: "1.27", aksClusterResourceId: opts.aksClusterResourceId },
      ...(opts.networkProfile ? { networkProfile: opts.networkProfile } : {}),
    },
  };
}

/** An estate over the given subscriptions. */
export function estateOf(resources: EstateResource[], opts: { subscriptions?: string[]; forbiddenScopes?: string[]; pageSize?: number } = {}): Estate {
  return {
    schemaVersion: 1,
    subscriptions: (opts.subscriptions ?? [SUB_A]).map((s, i) => ({ subscriptionId: s, displayName: `sub ${i + 1}` })),
    resources,
    ...(opts.forbiddenScopes ? { forbiddenScopes: opts.forbiddenScopes } : {}),
    ...(opts.pageSize ? { options: { pageSize: opts.pageSize } } : {}),
  };
}
