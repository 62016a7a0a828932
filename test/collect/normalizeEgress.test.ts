/**
 * The normalisers of the egress paths of 2026 (src/collect/normalizeEgress.ts and the new AKS and
 * subnet fields) held to Microsoft's own ARM response examples: the bodies are served by the
 * emulator and read back by the real SDK clients over HTTPS, exactly as a scan reads them, so a
 * property the installed SDK's deserialiser dropped would show here as missing.
 *
 * Where an example lacks `type` (hub connections, peerings, a subnet GET, the scale set NIC and
 * public IP lists) the estate entry gets the type its id denotes; nothing else is changed. No
 * Compute example is in the reference: the scale set bodies use the Compute API's property names
 * (`virtualMachineProfile.networkProfile.networkInterfaceConfigurations`).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArmClients } from "../../src/arm/clients.js";
import { listScaleSets } from "../../src/arm/scaleSets.js";
import {
  normalizeAksCluster,
  normalizeFirewall,
  normalizeHubConnection,
  normalizeHubRouteTable,
  normalizeInstancePublicIp,
  normalizeNatGateway,
  normalizePublicIpPrefix,
  normalizeRoutingIntent,
  normalizeScaleSet,
  normalizeSubnet,
  normalizeVirtualHub,
  normalizeVirtualNetwork,
} from "../../src/collect/normalize.js";
import { readArmSettings } from "../../src/config/settings.js";
import { parseEstate, type EstateResource } from "../../src/emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { drain } from "../../src/collect/reads.js";

/** The examples' own subscription (most 2026 examples use it; `subid` ones are mapped to it). */
const SUB = "00000000-0000-0000-0000-000000000000";
const dir = join(import.meta.dirname, "..", "fixtures", "arm-examples");

/** The 200 response body of an example file, with the placeholder subscription `subid` made {@link SUB}. */
function example(path: string): EstateResource {
  const text = readFileSync(join(dir, path), "utf8").replaceAll("/subscriptions/subid/", `/subscriptions/${SUB}/`);
  return (JSON.parse(text) as { responses: Record<string, { body: EstateResource }> }).responses["200"]!.body;
}
function listExample(path: string): EstateResource[] {
  return (example(path) as unknown as { value: EstateResource[] }).value;
}
/** A copy with every occurrence of `from` in its JSON replaced by `to` (renaming a resource or its group). */
function moved<T>(body: T, from: string, to: string): T {
  return JSON.parse(JSON.stringify(body).replaceAll(from, to)) as T;
}
/** The entry with the type its id denotes, for example bodies that carry none. */
function typed(body: EstateResource, type: string): EstateResource {
  return { ...body, type };
}

const net = "Microsoft.Network";
const hub1 = `/subscriptions/${SUB}/resourceGroups/rg1/providers/${net}/virtualHubs/virtualHub1`;
const hub2 = `/subscriptions/${SUB}/resourceGroups/rg1/providers/${net}/virtualHubs/virtualHub2`;

/** A node scale set in the Compute API's shape: one NIC configuration with NSG, subnet and (optionally) instance public IPs. */
function scaleSet(rg: string, name: string, opts: { pool?: string; publicIp?: boolean }): EstateResource {
  return {
    id: `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachineScaleSets/${name}`,
    name,
    type: "Microsoft.Compute/virtualMachineScaleSets",
    location: "westus",
    ...(opts.pool ? { tags: { "aks-managed-createOperationID": "x", "aks-managed-poolName": opts.pool } } : {}),
    sku: { name: "Standard_DS2_v2", tier: "Standard", capacity: 2 },
    properties: {
      orchestrationMode: "Uniform",
      virtualMachineProfile: {
        networkProfile: {
          networkInterfaceConfigurations: [
            {
              name: name,
              properties: {
                primary: true,
                networkSecurityGroup: { id: `/subscriptions/${SUB}/resourceGroups/${rg}/providers/${net}/networkSecurityGroups/nsg1` },
                ipConfigurations: [
                  {
                    name: "ipconfig1",
                    properties: {
                      subnet: { id: `/subscriptions/${SUB}/resourceGroups/rg1/providers/${net}/virtualNetworks/vnet1/subnets/subnet1` },
                      ...(opts.publicIp
                        ? {
                            publicIPAddressConfiguration: {
                              name: "pub1",
                              properties: { idleTimeoutInMinutes: 4, publicIPPrefix: { id: `/subscriptions/${SUB}/resourceGroups/rg1/providers/${net}/publicIPPrefixes/test-ipprefix` } },
                            },
                          }
                        : {}),
                    },
                  },
                ],
              },
            },
          ],
        },
      },
    },
  };
}

let emu: RunningEmulator;
let clients: ArmClients;

beforeAll(async () => {
  const peering = typed(example(`${net}/2026-03-01/VirtualNetworkPeeringGet.json`), `${net}/virtualNetworks/virtualNetworkPeerings`);
  const [vnet1, vnet2] = listExample(`${net}/2026-03-01/VirtualNetworkListAll.json`);
  // The peering example belongs to `peerTest/vnet1`: that VNet, with the peering embedded as ARM embeds it.
  const peeredVnet = { ...moved(vnet1!, "resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/vnet1", "resourceGroups/peerTest/providers/Microsoft.Network/virtualNetworks/vnet1") };
  peeredVnet.properties = { ...(peeredVnet.properties as object), virtualNetworkPeerings: [peering] };
  const connectionType = `${net}/virtualHubs/hubVirtualNetworkConnections`;
  const estate = parseEstate({
    schemaVersion: 1,
    subscriptions: [{ subscriptionId: SUB, displayName: "examples" }],
    resources: [
      example("Microsoft.ContainerService/2026-08-01/ManagedClustersCreate_ManagedNATGateway.json"),
      moved(example("Microsoft.ContainerService/2026-08-01/ManagedClustersCreate_NodePublicIPPrefix.json"), "managedClusters/clustername1", "managedClusters/clustername2"),
      example(`${net}/2026-03-01/VirtualHubGet.json`),
      moved(example(`${net}/2026-03-01/VirtualHubGet.json`), "virtualHubs/virtualHub1", "virtualHubs/virtualHub2"),
      typed(example(`${net}/2026-03-01/HubVirtualNetworkConnectionGet.json`), connectionType),
      // The List example repeats `connection1` of the Get: its connections are served under a second hub.
      ...listExample(`${net}/2025-09-01/HubVirtualNetworkConnectionList.json`).map((c) => typed(moved(c, "virtualHubs/virtualHub1/hubVirtualNetworkConnections", "virtualHubs/virtualHub2/hubVirtualNetworkConnections"), connectionType)),
      example(`${net}/2026-03-01/RoutingIntentGet.json`),
      example(`${net}/2026-03-01/HubRouteTableGet.json`),
      example(`${net}/2026-03-01/NatGatewayGetStandardV2Sku.json`),
      example(`${net}/2026-03-01/PublicIpPrefixGet.json`),
      vnet1!,
      vnet2!,
      peeredVnet,
      typed(example(`${net}/2025-07-01/SubnetGetWithSharingScope.json`), `${net}/virtualNetworks/subnets`),
      example(`${net}/2024-03-01/AzureFirewallPutInHub.json`),
      scaleSet("rg1", "vmss1", { pool: "nodepool1" }),
      scaleSet("vmss-tester", "vmss1", { publicIp: true }),
      ...listExample(`${net}/2024-07-01/VmssNetworkInterfaceList.json`).map((n) => typed(n, "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/networkInterfaces")),
      ...listExample(`${net}/2024-07-01/VmssPublicIpListAll.json`).map((p) =>
        typed(p, "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/networkInterfaces/ipConfigurations/publicIPAddresses"),
      ),
    ],
  });
  emu = await startEmulator({ estate, pageSize: 2 });
  clients = new ArmClients(readArmSettings({}, { endpoint: emu.url, staticToken: "t" }), { caCertificates: [emu.caCertPem], maxRetries: 0 });
});
afterAll(async () => emu?.close());

/** Every item of a paged list: the collector's own `drain`. */
const all = <T,>(it: AsyncIterable<T>): Promise<T[]> => drain(it);

describe("egress normalisers on Microsoft's example shapes (through arm-network 39 / arm-containerservice 25.5)", () => {
  it("AKS, managed NAT gateway: outbound type, NAT effective outbound IPs, agent pools; no SKU in the example, so none", async () => {
    const mc = normalizeAksCluster(await clients.containerService(SUB).managedClusters.get("rg1", "clustername1"));
    expect(mc.outboundType).toBe("managedNATGateway");
    expect(mc.natEffectiveOutboundIds?.map((id) => id.split("/").pop())).toEqual(["mgdoutboundip1", "mgdoutboundip2"]);
    expect(mc.natEffectiveOutboundIds?.[0]).toMatch(/\/resourceGroups\/MC_rg1\/providers\/Microsoft\.Network\/publicIPAddresses\//);
    expect(mc.natGatewaySku).toBeUndefined();
    expect(mc.effectiveOutboundIpIds).toEqual([]);
    expect(mc.agentPools).toEqual([{ name: "nodepool1", enableNodePublicIP: false, mode: "System" }]);
    expect(mc.bootstrapArtifactSource).toBeUndefined();
    expect(mc.enableVnetIntegration).toBeUndefined();
  });

  it("AKS, node public IPs from a prefix: enableNodePublicIP and nodePublicIPPrefixID per pool; no NAT profile", async () => {
    const mc = normalizeAksCluster(await clients.containerService(SUB).managedClusters.get("rg1", "clustername2"));
    expect(mc.outboundType).toBe("loadBalancer");
    expect(mc.agentPools).toEqual([
      {
        name: "nodepool1",
        enableNodePublicIP: true,
        nodePublicIPPrefixId: `/subscriptions/${SUB}/resourceGroups/rg1/providers/Microsoft.Network/publicIPPrefixes/public-ip-prefix`,
        mode: "System",
      },
    ]);
    expect(mc.natEffectiveOutboundIds).toBeUndefined();
    expect(mc.effectiveOutboundIpIds).toHaveLength(2);
  });

  it("AKS fields no stored example carries (bootstrap cache, VNet integration, NAT SKU) survive the SDK's deserialiser", async () => {
    // The swagger excerpt (2026-08-01) names them; an emulator body with them is read like the rest.
    const body = example("Microsoft.ContainerService/2026-08-01/ManagedClustersCreate_ManagedNATGateway.json") as unknown as { properties: Record<string, Record<string, unknown>> };
    const apiSubnet = `/subscriptions/${SUB}/resourceGroups/rg1/providers/${net}/virtualNetworks/vnet1/subnets/apiserver`;
    body.properties.networkProfile!.natGatewayProfile = { ...(body.properties.networkProfile!.natGatewayProfile as object), sku: "StandardV2" };
    body.properties.bootstrapProfile = { artifactSource: "Cache" };
    body.properties.apiServerAccessProfile = { enableVnetIntegration: true, subnetId: apiSubnet, enablePrivateCluster: true };
    const local = await startEmulator({
      estate: parseEstate({ schemaVersion: 1, subscriptions: [{ subscriptionId: SUB, displayName: "x" }], resources: [body as unknown as EstateResource] }),
    });
    try {
      const c = new ArmClients(readArmSettings({}, { endpoint: local.url, staticToken: "t" }), { caCertificates: [local.caCertPem], maxRetries: 0 });
      const mc = normalizeAksCluster(await c.containerService(SUB).managedClusters.get("rg1", "clustername1"));
      expect(mc).toMatchObject({ natGatewaySku: "StandardV2", bootstrapArtifactSource: "Cache", enableVnetIntegration: true, apiServerSubnetId: apiSubnet, enablePrivateCluster: true });
    } finally {
      await local.close();
    }
  });

  it("subnets: defaultOutboundAccess false (private subnet) is kept; absent stays absent", async () => {
    const n = clients.network(SUB);
    expect(normalizeSubnet(await n.subnets.get("subnet-test", "vnetname", "subnet1"))).toEqual({
      id: `/subscriptions/${SUB}/resourceGroups/subnet-test/providers/${net}/virtualNetworks/vnetname/subnets/subnet1`,
      name: "subnet1",
      addressPrefixes: ["10.0.0.0/16"],
      defaultOutboundAccess: false,
    });
    expect(normalizeSubnet(await n.subnets.get("rg1", "vnet1", "test-1")).defaultOutboundAccess).toBeUndefined();
  });

  it("virtual networks: address space, DNS servers (empty = Azure DNS), peerings with the remote address space", async () => {
    const vnets = (await all(clients.network(SUB).virtualNetworks.listAll())).map(normalizeVirtualNetwork);
    const byId = new Map(vnets.map((v) => [v.id.split("/resourceGroups/")[1], v]));
    expect(byId.get("rg1/providers/Microsoft.Network/virtualNetworks/vnet1")).toMatchObject({ name: "vnet1", addressPrefixes: ["10.0.0.0/8"], dnsServers: [], peerings: [] });
    expect(byId.get("rg2/providers/Microsoft.Network/virtualNetworks/vnet2")).toMatchObject({ addressPrefixes: ["10.0.0.0/16"], dnsServers: ["8.8.8.8"] });
    expect(byId.get("peerTest/providers/Microsoft.Network/virtualNetworks/vnet1")!.peerings).toEqual([
      {
        name: "peer",
        remoteVirtualNetworkId: `/subscriptions/${SUB}/resourceGroups/peerTest/providers/${net}/virtualNetworks/vnet2`,
        remoteAddressPrefixes: ["12.0.0.0/8"],
        peeringState: "Initiated",
      },
    ]);
  });

  it("a Virtual WAN hub with its connection, routing intent (nextHop a plain string) and route table", async () => {
    const n = clients.network(SUB);
    const hub = await n.virtualHubs.get("rg1", "virtualHub1");
    const connections = (await all(n.hubVirtualNetworkConnections.list("rg1", "virtualHub1"))).map(normalizeHubConnection);
    const intents = (await all(n.routingIntentOperations.list("rg1", "virtualHub1"))).map(normalizeRoutingIntent);
    const routeTables = (await all(n.hubRouteTables.list("rg1", "virtualHub1"))).map(normalizeHubRouteTable);
    const fw = `/subscriptions/${SUB}/resourceGroups/rg1/providers/${net}/azureFirewalls`;
    expect(normalizeVirtualHub(hub, { connections, routingIntents: intents, routeTables })).toEqual({
      id: hub1,
      name: "virtualHub1",
      addressPrefix: "10.10.1.0/24",
      virtualWanId: `/subscriptions/${SUB}/resourceGroups/rg1/providers/${net}/virtualWans/virtualWan1`,
      connections: [
        {
          id: `${hub1}/hubVirtualNetworkConnections/connection1`,
          name: "connection1",
          remoteVirtualNetworkId: `/subscriptions/${SUB}/resourceGroups/rg1/providers/${net}/virtualNetworks/vnet1`,
          enableInternetSecurity: false,
          associatedRouteTableId: `${hub1}/hubRouteTables/hubRouteTable1`,
        },
      ],
      routingIntent: {
        id: `${hub1}/routingIntent/Intent1`,
        name: "Intent1",
        routingPolicies: [
          { name: "InternetTraffic", destinations: ["Internet"], nextHop: `${fw}/azfw1` },
          { name: "PrivateTrafficPolicy", destinations: ["PrivateTraffic"], nextHop: `${fw}/azfw1` },
        ],
      },
      routeTables: [
        {
          id: `${hub1}/hubRouteTables/hubRouteTable1`,
          name: "hubRouteTable1",
          routes: [{ name: "route1", destinationType: "CIDR", destinations: ["10.0.0.0/8", "20.0.0.0/8", "30.0.0.0/8"], nextHopType: "ResourceId", nextHop: `${fw}/azureFirewall1` }],
          labels: ["label1", "label2"],
        },
      ],
    });
  });

  it("hub connections as the List example has them (two spokes; its `enableOnlyIpv6Peering: \"Disabled\"` quirk is ignored); a hub without intent or tables", async () => {
    const n = clients.network(SUB);
    const connections = (await all(n.hubVirtualNetworkConnections.list("rg1", "virtualHub2"))).map(normalizeHubConnection);
    expect(connections.map((c) => [c.name, c.remoteVirtualNetworkId.split("/").pop(), c.enableInternetSecurity])).toEqual([
      ["connection1", "vnet1", false],
      ["connection2", "vnet2", false],
    ]);
    const hub = normalizeVirtualHub(await n.virtualHubs.get("rg1", "virtualHub2"), {
      connections,
      routingIntents: (await all(n.routingIntentOperations.list("rg1", "virtualHub2"))).map(normalizeRoutingIntent),
      routeTables: [],
      firewallId: "/subscriptions/x/resourceGroups/rg1/providers/Microsoft.Network/azureFirewalls/from-the-firewall-side",
    });
    expect(hub.id).toBe(hub2);
    expect(hub.routingIntent).toBeUndefined();
    expect(hub.azureFirewallId).toMatch(/from-the-firewall-side$/);
  });

  it("a hub firewall (AzureFirewallPutInHub): its private IP is hubIPAddresses.privateIPAddress", async () => {
    const fw = normalizeFirewall(await clients.network(SUB).azureFirewalls.get("rg1", "azurefirewall"));
    expect(fw.privateIpAddresses).toEqual(["10.0.0.0"]);
    expect(fw.firewallPolicyId).toMatch(/firewallPolicies\/policy1$/);
  });

  it("a StandardV2 NAT gateway: SKU, IPv4 and IPv6 addresses and prefixes, subnets", async () => {
    const g = normalizeNatGateway(await clients.network(SUB).natGateways.get("rg1", "test-natGateway"));
    const rg = `/subscriptions/${SUB}/resourceGroups/rg1/providers/${net}`;
    expect(g).toEqual({
      id: `${rg}/natGateways/test-natGateway`,
      name: "test-natGateway",
      skuName: "StandardV2",
      publicIpIds: [`${rg}/publicIPAddresses/PublicIpAddress1`, `${rg}/publicIPAddresses/PublicIpAddress2`],
      publicIpPrefixIds: [`${rg}/publicIPPrefixes/PublicIpPrefix1`, `${rg}/publicIPPrefixes/PublicIpPrefix2`],
      subnetIds: [`${rg}/virtualNetworks/test-vnet/subnets/subnet1`],
    });
  });

  it("a public IP prefix: its range and the addresses allocated from it", async () => {
    const prefixes = (await all(clients.network(SUB).publicIPPrefixes.listAll())).map(normalizePublicIpPrefix);
    expect(prefixes).toEqual([
      {
        id: `/subscriptions/${SUB}/resourceGroups/rg1/providers/${net}/publicIPPrefixes/test-ipprefix`,
        name: "test-ipprefix",
        ipPrefix: "192.168.254.2/30",
        publicIpIds: [`/subscriptions/${SUB}/resourceGroups/rg1/providers/${net}/publicIPAddresses/PublicIpAddress1`],
      },
    ]);
  });

  it("scale sets from the raw Compute list: NIC NSGs, subnets, instance public IP configuration, the AKS pool tag", async () => {
    const sets = (await all(listScaleSets(clients.rest(), SUB))).map(normalizeScaleSet);
    const aks = sets.find((s) => s.id.includes("/rg1/"))!;
    expect(aks).toEqual({
      id: `/subscriptions/${SUB}/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachineScaleSets/vmss1`,
      name: "vmss1",
      nicNsgIds: [`/subscriptions/${SUB}/resourceGroups/rg1/providers/${net}/networkSecurityGroups/nsg1`],
      subnetIds: [`/subscriptions/${SUB}/resourceGroups/rg1/providers/${net}/virtualNetworks/vnet1/subnets/subnet1`],
      instancePublicIpConfigured: false,
      agentPoolName: "nodepool1",
    });
    const withIps = sets.find((s) => s.id.includes("/vmss-tester/"))!;
    expect(withIps.instancePublicIpConfigured).toBe(true);
    expect(withIps.agentPoolName).toBeUndefined();
  });

  it("instance-level public IPs (VmssPublicIpListAll): ids under the scale set, address, ip configuration", async () => {
    const ips = (await all(clients.network(SUB).publicIPAddresses.listVirtualMachineScaleSetPublicIPAddresses("vmss-tester", "vmss1"))).map(normalizeInstancePublicIp);
    const vmss = `/subscriptions/${SUB}/resourceGroups/vmss-tester/providers/Microsoft.Compute/virtualMachineScaleSets/vmss1`;
    expect(ips).toEqual([
      {
        id: `${vmss}/virtualMachines/1/networkInterfaces/nic1/ipConfigurations/ip1/publicIPAddresses/pub1`,
        name: "pub1",
        ipAddress: "13.67.119.72",
        ipConfigurationId: `${vmss}/virtualMachines/1/networkInterfaces/nic1/ipConfigurations/ip1`,
      },
      {
        id: `${vmss}/virtualMachines/3/networkInterfaces/nic1/ipConfigurations/ip1/publicIPAddresses/pub1`,
        name: "pub1",
        ipAddress: "13.67.118.216",
        ipConfigurationId: `${vmss}/virtualMachines/3/networkInterfaces/nic1/ipConfigurations/ip1`,
      },
    ]);
  });

  it("scale set NICs (VmssNetworkInterfaceList) come back through the SDK with their NSG and instance public IP references", async () => {
    const nics = await all(clients.network(SUB).networkInterfaces.listVirtualMachineScaleSetNetworkInterfaces("rg1", "vmss1"));
    expect(nics.map((n) => n.id?.split("/virtualMachineScaleSets/")[1])).toEqual(["vmss1/virtualMachines/0/networkInterfaces/nic1", "vmss1/virtualMachines/1/networkInterfaces/nic1"]);
    expect(nics[0]!.networkSecurityGroup?.id).toMatch(/networkSecurityGroups\/nsg1$/);
    expect(nics[0]!.ipConfigurations?.[0]?.publicIPAddress?.id).toMatch(/virtualMachines\/0\/networkInterfaces\/nic1\/ipConfigurations\/ip1\/publicIPAddresses\/pub1$/);
  });
});
