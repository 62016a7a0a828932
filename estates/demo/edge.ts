/**
 * Subscription B (Contoso Analytics, dev), eastus: aks-edge, the node-public-IP pool. What it
 * demonstrates: estates/README.md.
 */
import {
  publicIpPrefix,
  scaleSetInstancePublicIp,
  scaleSetNetworkInterface,
  type AgentPoolSpec,
} from "../../src/emulator/builders/index.js";
import { aksCluster, aksNodes, identity, spoke, type Aks, type Spoke } from "./layout.js";
import { add, EAST, eastHub, networkTagsB, routeFwPublicIp, routeToFirewall, style, SUB_B } from "./world.js";

/** The inbound endpoint of the hub's DNS Private Resolver (in vnet-hub). */
const DNS_RESOLVER_IP = "10.0.2.4";

/** What later parts (hub rules, role assignments, expected findings) need from aks-edge. */
export interface Edge {
  spoke: Spoke;
  cluster: Aks;
  /** The node public IP prefix in the MC group, and the instance-level public IPs of the edge nodes. */
  prefixId: string;
  instancePublicIpIds: string[];
  /** The agent-pool NSG on the node NICs (its SSH rule is the drift). */
  nodeNsgId: string;
}

/**
 * --- 12. aks-edge: a userDefinedRouting cluster, correctly routed to the hub firewall, whose
 * `edge` agent pool has `enableNodePublicIP` with a `nodePublicIPPrefixID` prefix in the MC group:
 * each edge node has an instance-level public IP that only the scale set lists. To reach the nodes
 * over those addresses someone added an SSH rule from Internet to the agent-pool NSG on the node
 * NICs. Its VNet resolves names through the hub's DNS Private Resolver instead of the firewall's DNS
 * proxy. The API server is public with API Server VNet Integration and authorized ranges. The team
 * enabled the Key Vault Secrets Store CSI driver add-on, trusting the `AzureKubernetesService` FQDN
 * tag: its endpoint `vault.azure.net` is in the cluster's dependency list, and fwp-egress does not
 * allow it.
 */
export function buildEdge(): Edge {
  const spk = spoke({
    sub: SUB_B,
    rg: "rg-edge-network",
    location: EAST,
    vnetName: "vnet-edge",
    vnetPrefix: "10.25.0.0/16",
    subnetName: "snet-aks-edge",
    subnetPrefix: "10.25.0.0/24",
    routes: [routeToFirewall, routeFwPublicIp],
    hub: eastHub,
    extraSubnets: [{ name: "snet-aks-apiserver", prefix: "10.25.1.0/28", delegation: "Microsoft.ContainerService/managedClusters" }],
    // The game-services team points its VNet at the hub's DNS Private Resolver, not at the firewall's DNS
    // proxy, while fw-hub's network rules name FQDNs: nodes and firewall may resolve names differently.
    dnsServers: [DNS_RESOLVER_IP],
    tags: networkTagsB,
  });
  const mcRg = `MC_rg-edge_aks-edge_${EAST}`;
  // The prefix the edge nodes take their public IPs from (created by the game-services team in the node resource group).
  const prefix = add(
    publicIpPrefix(style, {
      sub: SUB_B,
      rg: mcRg,
      name: "ippre-edge-nodes",
      location: EAST,
      ipPrefix: "20.237.118.40/30",
      tags: { createdBy: "j.ortiz@contoso.com", purpose: "edge node public IPs (UDP game traffic)" },
    }),
  );
  const pools: AgentPoolSpec[] = [
    { name: "system", count: 3, vmSize: "Standard_D4ds_v5", mode: "System" },
    { name: "edge", count: 2, vmSize: "Standard_F8s_v2", mode: "User", enableNodePublicIP: true, nodePublicIPPrefixId: prefix.id },
  ];
  const kubelet = identity(SUB_B, mcRg, "aks-edge-agentpool", EAST, "kubelet/aks-edge");
  const cluster = aksCluster({
    sub: SUB_B,
    rg: "rg-edge",
    name: "aks-edge",
    location: EAST,
    dnsPrefix: "aks-edge",
    nodeResourceGroup: mcRg,
    outboundType: "userDefinedRouting",
    privateCluster: false,
    publicApiServerSubnetId: `${spk.vnetId}/subnets/snet-aks-apiserver`,
    authorizedIpRanges: ["198.51.100.0/24"],
    subnetId: spk.subnetId,
    vnetId: spk.vnetId,
    kubelet,
    tags: { environment: "dev", owner: "game-services" },
    agentPools: pools,
    addons: { azureKeyvaultSecretsProvider: { enabled: true, config: { enableSecretRotation: "true", rotationPollInterval: "2m" } } },
  });
  const nodes = aksNodes({
    sub: SUB_B,
    mcRg,
    location: EAST,
    seed: cluster.id,
    agentPools: pools,
    subnetId: spk.subnetId,
    extraRules: [
      {
        name: "AllowSshToEdgeNodes",
        description: "TEMP: SSH to the edge nodes over their public IPs for the UDP packet-loss investigation (INC-90211)",
        destinationPortRange: "22",
        sourceAddressPrefix: "Internet",
        destinationAddressPrefix: "*",
        priority: 300,
      },
    ],
  });
  // The edge nodes' NICs and their instance-level public IPs (ARM lists them only under the scale set).
  const vmssId = nodes.scaleSets.edge!;
  const nicName = vmssId.slice(vmssId.lastIndexOf("/") + 1);
  const instancePublicIpIds = ["20.237.118.40", "20.237.118.41"].map((ipAddress, n) => {
    const nic = add(
      scaleSetNetworkInterface(style, { vmssId, instance: n, nicName, subnetId: spk.subnetId, privateIp: `10.25.0.${20 + n}`, nsgId: nodes.nsgId, publicIpName: "pub1" }),
    );
    const ipConfigId = `${nic.id}/ipConfigurations/ipconfig1`;
    return add(scaleSetInstancePublicIp(style, { ipConfigurationId: ipConfigId, name: "pub1", ipAddress })).id;
  });
  return { spoke: spk, cluster, prefixId: prefix.id, instancePublicIpIds, nodeNsgId: nodes.nsgId };
}
