/**
 * The egress shapes of 2026 in the benchmark's generated estates (bench/generate.ts), in the
 * builders' lean style: the Virtual WAN secured hub its spokes attach to, what a managed NAT
 * gateway cluster has in its MC group, the scale set AKS puts there for every node pool, and the
 * node public IPs of a node-public-IP pool (the prefix, and the instance NICs and public IPs that
 * only the scale set lists).
 */
import type { EstateResource } from "../src/emulator/estate.js";
import {
  hubFirewall,
  hubRouteTable,
  hubVirtualNetworkConnection,
  LEAN,
  netId,
  natGateway,
  publicIp,
  publicIpPrefix,
  routingIntent,
  scaleSetInstancePublicIp,
  scaleSetNetworkInterface,
  virtualHub,
  virtualHubId,
  virtualMachineScaleSet,
} from "../src/emulator/builders/index.js";

/** The private address of the shared hub firewall every UDR spoke routes 0.0.0.0/0 to. */
export const HUB_FW_IP = "10.0.1.4";

/** The secured hub's address space and its firewall's hub address. */
export const VWAN_HUB_PREFIX = "10.254.0.0/23";
export const VWAN_FW_IP = "10.254.0.132";

/**
 * A secured Virtual WAN hub in `sub` (rg-vwan): a hub firewall run by `policyId`, routing intent
 * sending Internet traffic to it, the default route table routing intent writes, and one secured
 * connection (enableInternetSecurity) per spoke VNet.
 */
export function securedHub(p: { sub: string; location: string; policyId: string; spokeVnetIds: string[] }): EstateResource[] {
  const hubId = virtualHubId(p.sub, "rg-vwan", "vhub");
  const fwId = netId(p.sub, "rg-vwan", "azureFirewalls", "fw-vhub");
  const connections = p.spokeVnetIds.map((vnetId, i) =>
    hubVirtualNetworkConnection(LEAN, {
      hubId,
      name: `conn-${i}`,
      remoteVnetId: vnetId,
      enableInternetSecurity: true,
      associatedRouteTableId: `${hubId}/hubRouteTables/defaultRouteTable`,
    }),
  );
  return [
    virtualHub(LEAN, { sub: p.sub, rg: "rg-vwan", name: "vhub", location: p.location, addressPrefix: VWAN_HUB_PREFIX, virtualWanId: netId(p.sub, "rg-vwan", "virtualWans", "vwan") }),
    hubFirewall(LEAN, { sub: p.sub, rg: "rg-vwan", name: "fw-vhub", location: p.location, hubId, privateIp: VWAN_FW_IP, publicIpAddresses: ["20.30.40.60"], policyId: p.policyId }),
    routingIntent(LEAN, { hubId, policies: [{ name: "InternetTraffic", destinations: ["Internet"], nextHop: fwId }] }),
    hubRouteTable(LEAN, {
      hubId,
      name: "defaultRouteTable",
      labels: ["default"],
      routes: [{ name: "_policy_PublicTraffic", destinations: ["0.0.0.0/0"], nextHop: fwId }],
    }),
    ...connections,
  ];
}

/** The scale set AKS creates for a node pool in the MC group; its NICs carry the agent-pool NSG. */
export function nodeScaleSet(p: {
  sub: string;
  mcRg: string;
  location: string;
  pool: string;
  hash8: string;
  count: number;
  subnetId: string;
  nsgId: string;
  publicIpPrefixId?: string;
}): EstateResource {
  return virtualMachineScaleSet(LEAN, {
    sub: p.sub,
    rg: p.mcRg,
    name: `aks-${p.pool}-${p.hash8}-vmss`,
    location: p.location,
    poolName: p.pool,
    vmSize: "Standard_D8ds_v5",
    capacity: p.count,
    subnetId: p.subnetId,
    nsgId: p.nsgId,
    ...(p.publicIpPrefixId ? { instancePublicIp: { publicIpPrefixId: p.publicIpPrefixId } } : {}),
  });
}

/** A managed StandardV2 NAT gateway in the MC group with one outbound public IP; returns the resources and the IP's id. */
export function managedNat(p: { sub: string; mcRg: string; location: string; ipName: string; address: string; subnetId: string }): {
  resources: EstateResource[];
  publicIpId: string;
} {
  const natId = netId(p.sub, p.mcRg, "natGateways", "aks-natgw");
  const pip = publicIp(LEAN, { sub: p.sub, rg: p.mcRg, name: p.ipName, location: p.location, ipAddress: p.address, natGatewayId: natId, skuName: "StandardV2" });
  return {
    resources: [pip, natGateway(LEAN, { sub: p.sub, rg: p.mcRg, name: "aks-natgw", location: p.location, sku: "StandardV2", publicIpIds: [pip.id], subnetIds: [p.subnetId] })],
    publicIpId: pip.id,
  };
}

/**
 * A node-public-IP pool's public addresses: the `nodePublicIPPrefixID` prefix in the MC group, the
 * pool's scale set (with a public IP configuration), and per node its NIC and instance-level public
 * IP. Returns the resources, the prefix id and the instance public IP ids.
 */
export function nodePublicIps(p: {
  sub: string;
  mcRg: string;
  location: string;
  hash8: string;
  nodes: number;
  subnetId: string;
  nsgId: string;
  /** The node's public and private address. */
  address: (node: number) => string;
  privateIp: (node: number) => string;
}): { resources: EstateResource[]; prefixId: string; instancePublicIpIds: string[] } {
  const prefix = publicIpPrefix(LEAN, { sub: p.sub, rg: p.mcRg, name: "ippre-edge", location: p.location, ipPrefix: `${p.address(0)}/30` });
  const vmss = nodeScaleSet({ ...p, pool: "edge", count: p.nodes, publicIpPrefixId: prefix.id });
  const resources: EstateResource[] = [prefix, vmss];
  const instancePublicIpIds: string[] = [];
  for (let n = 0; n < p.nodes; n++) {
    const nic = scaleSetNetworkInterface(LEAN, { vmssId: vmss.id, instance: n, nicName: vmss.name, subnetId: p.subnetId, privateIp: p.privateIp(n), nsgId: p.nsgId, publicIpName: "pub1" });
    const ip = scaleSetInstancePublicIp(LEAN, { ipConfigurationId: `${nic.id}/ipConfigurations/ipconfig1`, name: "pub1", ipAddress: p.address(n) });
    resources.push(nic, ip);
    instancePublicIpIds.push(ip.id);
  }
  return { resources, prefixId: prefix.id, instancePublicIpIds };
}
