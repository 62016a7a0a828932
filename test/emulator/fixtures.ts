/**
 * The emulator test estate: two subscriptions (one forbidden), a forbidden resource group, a VNet
 * with an embedded subnet, a route table, public IPs over several pages, a firewall policy and its
 * rule collection groups, a private DNS zone with record sets and a link, an AKS cluster, a pool
 * and its cluster, and role assignments at every scope level. Built with the estate builders
 * except where the test needs a spelling they do not write.
 */
import { parseEstate, type Estate } from "../../src/emulator/estate.js";
import {
  aRecordSet,
  applicationRule,
  BUILTIN_ROLE,
  filterRuleCollection,
  firewallPolicy,
  LEAN,
  managedCluster,
  privateDnsZone,
  publicIp,
  roleAssignment,
  routeTable,
  ruleCollectionGroup,
  subnet,
  virtualNetwork,
  virtualNetworkLink,
} from "../../src/emulator/builders/index.js";

/** The readable subscription, and one the caller may not read. */
export const SUB = "11111111-1111-4111-8111-111111111111";
export const SUB_LOCKED = "22222222-2222-4222-8222-222222222222";
export const TENANT = "33333333-3333-4333-8333-333333333333";
export const RG = `/subscriptions/${SUB}/resourceGroups/rg-net`;
const RG_APP = `/subscriptions/${SUB}/resourceGroups/rg-app`;
const RG_SECRET = `/subscriptions/${SUB}/resourceGroups/rg-secret`;
export const VNET = `${RG}/providers/Microsoft.Network/virtualNetworks/vnet-hub`;
const RT = `${RG}/providers/Microsoft.Network/routeTables/rt-egress`;
const ZONE_NAME = "privatelink.westeurope.azmk8s.io";
const ZONE = `${RG}/providers/Microsoft.Network/privateDnsZones/${ZONE_NAME}`;
const POLICY = `${RG}/providers/Microsoft.Network/firewallPolicies/fwpol`;
export const POOL = `${RG_APP}/providers/Microsoft.HDInsight/clusterpools/pool1`;
/** The principal of most role assignments, and another one. */
export const PRINCIPAL = "44444444-4444-4444-8444-444444444444";
export const OTHER_PRINCIPAL = "55555555-5555-4555-8555-555555555555";
const LOCATION = "westeurope";

const pip = (sub: string, rg: string, name: string, ip: string) => publicIp(LEAN, { sub, rg, name, location: LOCATION, ipAddress: ip });
const networkContributor = (scope: string, name: string, principalId = PRINCIPAL) =>
  roleAssignment(LEAN, { scope, name, role: BUILTIN_ROLE.networkContributor, principalId });

/** Role assignment names: at subscription, rg-net, VNet, rg-app (other principal), rg-secret (forbidden), subnet (other principal). */
export const RA_SUB = "a0000000-0000-4000-8000-000000000001";
export const RA_RG = "a0000000-0000-4000-8000-000000000002";
export const RA_VNET = "a0000000-0000-4000-8000-000000000003";
export const RA_APP = "a0000000-0000-4000-8000-000000000004";
export const RA_SECRET = "a0000000-0000-4000-8000-000000000005";
export const RA_SUBNET_OTHER = "a0000000-0000-4000-8000-000000000006";

const aksSubnet = subnet(LEAN, { vnetId: VNET, name: "aks", addressPrefix: "10.0.1.0/24", routeTableId: RT });
const zone = { id: ZONE, name: ZONE_NAME };

/** The estate every emulator test runs against (page size 2 in the tests). */
export const estate: Estate = parseEstate({
  schemaVersion: 1,
  description: "emulator test estate",
  subscriptions: [
    { subscriptionId: SUB, displayName: "Contoso Networking", tenantId: TENANT },
    { subscriptionId: SUB_LOCKED, displayName: "Locked", tenantId: TENANT },
  ],
  forbiddenScopes: [RG_SECRET, `/subscriptions/${SUB_LOCKED}`],
  resources: [
    virtualNetwork(LEAN, {
      sub: SUB,
      rg: "rg-net",
      name: "vnet-hub",
      location: LOCATION,
      addressPrefixes: ["10.0.0.0/16"],
      subnets: [
        // The read-only back-reference of an IP configuration in the subnet.
        { ...aksSubnet, properties: { ...aksSubnet.properties, ipConfigurations: [{ id: `${RG}/providers/Microsoft.Network/loadBalancers/lb/frontendIPConfigurations/fe` }] } },
        subnet(LEAN, { vnetId: VNET, name: "AzureFirewallSubnet", addressPrefix: "10.0.0.0/26" }),
      ],
    }),
    routeTable(LEAN, {
      sub: SUB,
      rg: "rg-net",
      name: "rt-egress",
      location: LOCATION,
      disableBgpRoutePropagation: true,
      routes: [{ name: "default", addressPrefix: "0.0.0.0/0", nextHopType: "VirtualAppliance", nextHopIpAddress: "10.0.0.4" }],
      subnetIds: [`${VNET}/subnets/aks`],
    }),
    pip(SUB, "rg-net", "pip-1", "20.0.0.1"),
    pip(SUB, "rg-net", "pip-2", "20.0.0.2"),
    pip(SUB, "rg-net", "pip-3", "20.0.0.3"),
    pip(SUB, "rg-app", "pip-4", "20.0.0.4"),
    pip(SUB, "rg-app", "pip-5", "20.0.0.5"),
    pip(SUB, "rg-secret", "pip-secret", "20.0.0.99"),
    pip(SUB_LOCKED, "rg-locked", "pip-locked", "20.0.0.98"),
    firewallPolicy(LEAN, {
      sub: SUB,
      rg: "rg-net",
      name: "fwpol",
      location: LOCATION,
      ruleCollectionGroupIds: [`${POLICY}/ruleCollectionGroups/rcg-aks`, `${POLICY}/ruleCollectionGroups/rcg-net`],
    }),
    ruleCollectionGroup(LEAN, {
      policyId: POLICY,
      name: "rcg-aks",
      priority: 100,
      ruleCollections: [
        filterRuleCollection("aks", 100, "Allow", [
          applicationRule(LEAN, { name: "aks-tag", fqdnTags: ["AzureKubernetesService"], protocols: [{ protocolType: "Https", port: 443 }], sourceAddresses: ["10.0.1.0/24"] }),
        ]),
      ],
    }),
    ruleCollectionGroup(LEAN, { policyId: POLICY, name: "rcg-net", priority: 200, ruleCollections: [] }),
    privateDnsZone(LEAN, { sub: SUB, rg: "rg-net", zoneName: ZONE_NAME }),
    aRecordSet(LEAN, zone, { name: "aks-api", addresses: ["10.0.1.10"], ttl: 300 }),
    aRecordSet(LEAN, zone, { name: "aks-api2", addresses: ["10.0.1.11"], ttl: 300 }),
    // No builder for CNAME record sets (the scanner reads A records only).
    {
      id: `${ZONE}/CNAME/alias`,
      name: "alias",
      type: "Microsoft.Network/privateDnsZones/CNAME",
      etag: "e1",
      properties: { ttl: 300, cnameRecord: { cname: "aks-api.privatelink.westeurope.azmk8s.io" } },
    },
    virtualNetworkLink(LEAN, ZONE, { name: "link-hub", vnetId: VNET }),
    managedCluster(LEAN, {
      sub: SUB,
      rg: "rg-app",
      name: "aks1",
      id: `${RG_APP}/providers/Microsoft.ContainerService/managedClusters/aks1`,
      location: LOCATION,
      dnsPrefix: "aks1",
      fqdnHash: "abc",
      kubernetesVersion: "1.30.4",
      principalId: PRINCIPAL,
      tenantId: TENANT,
      nodeResourceGroup: "MC_rg-app_aks1_westeurope",
      agentPools: [{ name: "nodepool1", count: 3, vmSize: "Standard_DS2_v2", mode: "System" }],
      subnetId: `${VNET}/subnets/aks`,
      outboundType: "userDefinedRouting",
    }),
    // The pool and its cluster keep the lower-case type spelling, which the request counts below use.
    {
      id: POOL,
      name: "pool1",
      type: "Microsoft.HDInsight/clusterpools",
      location: LOCATION,
      properties: {
        managedResourceGroupName: "hdi-123",
        networkProfile: { subnetId: `${VNET}/subnets/aks`, outboundType: "userDefinedRouting" },
      },
    },
    {
      id: `${POOL}/clusters/trino1`,
      name: "trino1",
      type: "Microsoft.HDInsight/clusterpools/clusters",
      location: LOCATION,
      properties: { clusterType: "Trino" },
    },
    networkContributor(`/subscriptions/${SUB}`, RA_SUB),
    networkContributor(RG, RA_RG),
    networkContributor(VNET, RA_VNET),
    networkContributor(RG_APP, RA_APP, OTHER_PRINCIPAL),
    networkContributor(RG_SECRET, RA_SECRET),
    networkContributor(`${VNET}/subnets/aks`, RA_SUBNET_OTHER, OTHER_PRINCIPAL),
  ],
});
