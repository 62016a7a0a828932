/**
 * The estate the write and event tests change, built with the estate builders: a hub VNet (a
 * subnet wired to a route table, a peering to a spoke), the spoke, two route tables, an NSG, a
 * firewall policy with a rule collection group, a private DNS zone (example bodies, so it counts
 * its record sets and links) with a record and a link, a Virtual WAN hub with a connection and
 * routing intent, an AKS cluster whose MC group holds a public IP, and a forbidden group. A fresh
 * copy per call: writes change the emulator's copy only, but each test file starts from scratch.
 */
import { parseEstate, type Estate } from "../../src/emulator/estate.js";
import * as b from "../../src/emulator/builders/index.js";
import { LEAN, exampleStyle, seededIds } from "../../src/emulator/builders/index.js";

export const SUB = "c0ffee00-0000-4000-8000-000000000001";
export const TENANT = "c0ffee00-0000-4000-8000-0000000000aa";
export const RG_NAME = "rg-net";
export const RG = `/subscriptions/${SUB}/resourceGroups/${RG_NAME}`;
export const RG_APP = "rg-app";
export const MC_RG = "MC_rg-app_aks1_westeurope";
export const RG_SECRET = "rg-secret";
export const LOCATION = "westeurope";
export const HUB_VNET = b.netId(SUB, RG_NAME, "virtualNetworks", "vnet-hub");
export const SPOKE_VNET = b.netId(SUB, RG_NAME, "virtualNetworks", "vnet-spoke");
export const RT_EGRESS = b.netId(SUB, RG_NAME, "routeTables", "rt-egress");
export const RT_SPARE = b.netId(SUB, RG_NAME, "routeTables", "rt-spare");
export const NSG = b.netId(SUB, RG_NAME, "networkSecurityGroups", "nsg-aks");
export const POLICY = b.netId(SUB, RG_NAME, "firewallPolicies", "fwpol");
export const ZONE_NAME = "privatelink.westeurope.azmk8s.io";
export const ZONE = b.privateDnsZoneId(SUB, RG_NAME, ZONE_NAME);
export const HUB = b.virtualHubId(SUB, RG_NAME, "hub-we");
export const AKS = `/subscriptions/${SUB}/resourceGroups/${RG_APP}/providers/Microsoft.ContainerService/managedClusters/aks1`;
export const PEERING = `${HUB_VNET}/virtualNetworkPeerings/peer-to-vnet-spoke`;

/** The load balancer frontend listed as the `aks` subnet's IP configuration (a read-only back-reference a subnet PUT keeps). */
export const SUBNET_IP_CONFIGURATION = `/subscriptions/${SUB}/resourceGroups/${MC_RG}/providers/Microsoft.Network/loadBalancers/kubernetes/frontendIPConfigurations/fe`;

function withIpConfiguration(subnet: b.SubnetBody): b.SubnetBody {
  return { ...subnet, properties: { ...subnet.properties, ipConfigurations: [{ id: SUBNET_IP_CONFIGURATION }] } };
}

/** A fresh estate (writes in one emulator never leak into another's). */
export function writeEstate(): Estate {
  const example = exampleStyle(seededIds({ namespace: "writes" }));
  const zone = b.privateDnsZoneWith(example, {
    sub: SUB,
    rg: RG_NAME,
    zoneName: ZONE_NAME,
    records: [{ name: "aks-api", addresses: ["10.0.1.10"] }],
    links: [{ name: "link-hub", vnetId: HUB_VNET }],
  });
  return parseEstate({
    schemaVersion: 1,
    subscriptions: [{ subscriptionId: SUB, displayName: "Writes", tenantId: TENANT }],
    forbiddenScopes: [`/subscriptions/${SUB}/resourceGroups/${RG_SECRET}`],
    resources: [
      b.virtualNetwork(LEAN, {
        sub: SUB,
        rg: RG_NAME,
        name: "vnet-hub",
        location: LOCATION,
        addressPrefixes: ["10.0.0.0/16"],
        subnets: [
          withIpConfiguration(b.subnet(LEAN, { vnetId: HUB_VNET, name: "aks", addressPrefix: "10.0.1.0/24", routeTableId: RT_EGRESS })),
          b.subnet(LEAN, { vnetId: HUB_VNET, name: "AzureFirewallSubnet", addressPrefix: "10.0.0.0/26" }),
        ],
        peerings: [b.virtualNetworkPeering(LEAN, { vnetId: HUB_VNET, remoteVnetId: SPOKE_VNET, remoteAddressPrefixes: ["10.1.0.0/16"], allowForwardedTraffic: true })],
      }),
      b.virtualNetwork(LEAN, {
        sub: SUB,
        rg: RG_NAME,
        name: "vnet-spoke",
        location: LOCATION,
        addressPrefixes: ["10.1.0.0/16"],
        subnets: [b.subnet(LEAN, { vnetId: SPOKE_VNET, name: "workload", addressPrefix: "10.1.0.0/24" })],
      }),
      b.routeTable(LEAN, {
        sub: SUB,
        rg: RG_NAME,
        name: "rt-egress",
        location: LOCATION,
        routes: [{ name: "default", addressPrefix: "0.0.0.0/0", nextHopType: "VirtualAppliance", nextHopIpAddress: "10.0.0.4" }],
        subnetIds: [`${HUB_VNET}/subnets/aks`],
      }),
      b.routeTable(LEAN, { sub: SUB, rg: RG_NAME, name: "rt-spare", location: LOCATION, routes: [] }),
      b.networkSecurityGroup(LEAN, {
        sub: SUB,
        rg: RG_NAME,
        name: "nsg-aks",
        location: LOCATION,
        rules: [{ name: "allow-https", destinationPortRange: "443", sourceAddressPrefix: "*", destinationAddressPrefix: "*", priority: 100 }],
      }),
      b.firewallPolicy(LEAN, { sub: SUB, rg: RG_NAME, name: "fwpol", location: LOCATION, ruleCollectionGroupIds: [`${POLICY}/ruleCollectionGroups/rcg-aks`] }),
      b.ruleCollectionGroup(LEAN, { policyId: POLICY, name: "rcg-aks", priority: 100, ruleCollections: [] }),
      ...zone.resources,
      b.virtualHub(LEAN, { sub: SUB, rg: RG_NAME, name: "hub-we", location: LOCATION, addressPrefix: "10.100.0.0/23", virtualWanId: b.netId(SUB, RG_NAME, "virtualWans", "wan") }),
      b.hubVirtualNetworkConnection(LEAN, { hubId: HUB, name: "conn-spoke", remoteVnetId: SPOKE_VNET, enableInternetSecurity: true }),
      b.routingIntent(LEAN, { hubId: HUB, policies: [{ name: "InternetTraffic", destinations: ["Internet"], nextHop: b.netId(SUB, RG_NAME, "azureFirewalls", "fw-hub") }] }),
      b.managedCluster(LEAN, {
        sub: SUB,
        rg: RG_APP,
        name: "aks1",
        id: AKS,
        location: LOCATION,
        dnsPrefix: "aks1",
        fqdnHash: "abc",
        kubernetesVersion: "1.30.4",
        principalId: "c0ffee00-0000-4000-8000-0000000000bb",
        tenantId: TENANT,
        nodeResourceGroup: MC_RG,
        agentPools: [{ name: "nodepool1", count: 3, vmSize: "Standard_DS2_v2", mode: "System" }],
        subnetId: `${HUB_VNET}/subnets/aks`,
        outboundType: "userDefinedRouting",
      }),
      b.publicIp(LEAN, { sub: SUB, rg: MC_RG, name: "kube-pip", location: LOCATION, ipAddress: "20.0.0.1" }),
      b.publicIp(LEAN, { sub: SUB, rg: RG_SECRET, name: "pip-secret", location: LOCATION, ipAddress: "20.0.0.99" }),
    ],
  });
}
