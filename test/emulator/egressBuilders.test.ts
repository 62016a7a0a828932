/**
 * The builders of the egress paths of 2026 (Virtual WAN hubs and their children, hub firewalls,
 * NAT gateways, public IP prefixes, node scale sets with their instance NICs and public IPs, the
 * AKS NAT / node-public-IP / bootstrap fields, private subnets, peerings, custom DNS) write the
 * field names of Microsoft's examples (test/fixtures/arm-examples/, copied from
 * shared/reference/arm-examples/): an example body's key paths are the example's, except the
 * ones listed here with the reason; a lean body is the example body with fields left out.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as b from "../../src/emulator/builders/index.js";
import { exampleStyle, LEAN, seededIds, type BodyStyle } from "../../src/emulator/builders/index.js";
import { notSubset } from "./subset.js";

const SUB = "11111111-1111-4111-8111-111111111111";
const example = exampleStyle(seededIds({ namespace: "egress-builders-test/" }));
const EXAMPLES = join(import.meta.dirname, "..", "fixtures", "arm-examples");

/** The body of an example's first response (`responses.200.body`, else the first status). */
function exampleBody(file: string): Record<string, unknown> {
  const doc = JSON.parse(readFileSync(join(EXAMPLES, file), "utf8")) as { responses: Record<string, { body: Record<string, unknown> }> };
  return (doc.responses["200"] ?? Object.values(doc.responses)[0]!).body;
}

/** Every key path of a JSON value (`properties.subnets[].id`); array elements share one `[]` step. */
function keyPaths(value: unknown, prefix = "", out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) keyPaths(item, `${prefix}[]`, out);
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const path = prefix === "" ? k : `${prefix}.${k}`;
      out.add(path);
      keyPaths(v, path, out);
    }
  }
  return out;
}

const minus = (a: Set<string>, c: Set<string>): string[] => [...a].filter((x) => !c.has(x)).sort();


const hubId = b.virtualHubId(SUB, "rg-vwan", "vhub");
const vnetId = b.netId(SUB, "rg-net", "virtualNetworks", "vnet");
const subnetId = `${vnetId}/subnets/snet`;
const fwId = b.netId(SUB, "rg-vwan", "azureFirewalls", "fw");
const vmssId = b.scaleSetId(SUB, "MC_rg_aks_eastus", "aks-nodes-12345678-vmss");
const nicId = b.scaleSetNicId(vmssId, 0, "aks-nodes-12345678-vmss");

interface Case {
  build: (style: BodyStyle) => Record<string, unknown>;
  /** The example file and, for lists, which item. */
  file: string;
  pick?: (body: Record<string, unknown>) => Record<string, unknown>;
  /** Key paths the builder writes that the example does not have, and why. */
  extra: Record<string, string>;
  /** Key paths of the example the builder leaves out, and why. */
  omitted: Record<string, string>;
}

const firstOf = (body: Record<string, unknown>) => (body.value as Array<Record<string, unknown>>)[0]!;
const routeMaps = "route maps are not part of an egress path";

const cases: Record<string, Case> = {
  virtualHub: {
    build: (s) => b.virtualHub(s, { sub: SUB, rg: "rg-vwan", name: "vhub", location: "eastus2", addressPrefix: "10.100.0.0/23", virtualWanId: "/vwan", virtualRouterIps: ["10.100.0.132", "10.100.0.133"] }),
    file: "Microsoft.Network/2026-03-01/VirtualHubGet.json",
    extra: {},
    omitted: { "properties.addressPrefixV6": "IPv4 hubs", "properties.virtualRouterIpsV6": "IPv4 hubs" },
  },
  hubVirtualNetworkConnection: {
    build: (s) =>
      b.hubVirtualNetworkConnection(s, {
        hubId,
        name: "conn",
        remoteVnetId: vnetId,
        enableInternetSecurity: true,
        associatedRouteTableId: `${hubId}/hubRouteTables/defaultRouteTable`,
        propagatedRouteTableIds: [`${hubId}/hubRouteTables/noneRouteTable`],
        propagatedLabels: ["none"],
      }),
    file: "Microsoft.Network/2026-03-01/HubVirtualNetworkConnectionGet.json",
    extra: { type: "the estate needs a type; the GET example has none (the child type its id denotes)" },
    omitted: {
      "properties.routingConfiguration.inboundRouteMap": routeMaps,
      "properties.routingConfiguration.inboundRouteMap.id": routeMaps,
      "properties.routingConfiguration.outboundRouteMap": routeMaps,
      "properties.routingConfiguration.outboundRouteMap.id": routeMaps,
      "properties.routingConfiguration.vnetRoutes.bgpConnections": "no BGP connections",
      "properties.routingConfiguration.vnetRoutes.bgpConnections[].id": "no BGP connections",
      "properties.routingConfiguration.vnetRoutes.staticRoutes[].name": "no static routes (an empty list)",
      "properties.routingConfiguration.vnetRoutes.staticRoutes[].addressPrefixes": "no static routes (an empty list)",
      "properties.routingConfiguration.vnetRoutes.staticRoutes[].nextHopIpAddress": "no static routes (an empty list)",
    },
  },
  routingIntent: {
    build: (s) =>
      b.routingIntent(s, {
        hubId,
        policies: [
          { name: "InternetTraffic", destinations: ["Internet"], nextHop: fwId },
          { name: "PrivateTrafficPolicy", destinations: ["PrivateTraffic"], nextHop: fwId },
        ],
      }),
    file: "Microsoft.Network/2026-03-01/RoutingIntentGet.json",
    extra: {},
    omitted: {},
  },
  hubRouteTable: {
    build: (s) =>
      b.hubRouteTable(s, {
        hubId,
        name: "defaultRouteTable",
        labels: ["default"],
        routes: [{ name: "_policy_PublicTraffic", destinations: ["0.0.0.0/0"], nextHop: fwId }],
        associatedConnectionIds: [`${hubId}/hubVirtualNetworkConnections/conn`],
      }),
    file: "Microsoft.Network/2026-03-01/HubRouteTableGet.json",
    extra: {},
    omitted: {},
  },
  hubFirewall: {
    build: (s) => b.hubFirewall(s, { sub: SUB, rg: "rg-vwan", name: "fw", location: "eastus2", hubId, privateIp: "10.100.64.132", publicIpAddresses: ["20.1.2.3"], policyId: "/policy", tags: { key1: "value1" } }),
    file: "Microsoft.Network/2024-03-01/AzureFirewallPutInHub.json",
    extra: {},
    omitted: {},
  },
  natGatewayStandardV2: {
    build: (s) =>
      b.natGateway(s, { sub: SUB, rg: "rg", name: "nat", location: "eastus2", sku: "StandardV2", publicIpIds: ["/pip"], publicIpPrefixIds: ["/prefix"], subnetIds: [subnetId], sourceVnetId: vnetId }),
    file: "Microsoft.Network/2026-03-01/NatGatewayGetStandardV2Sku.json",
    extra: {},
    omitted: { "properties.publicIpAddressesV6[].id": "IPv4 only (an empty list)", "properties.publicIpPrefixesV6[].id": "IPv4 only (an empty list)" },
  },
  natGatewayStandard: {
    build: (s) => b.natGateway(s, { sub: SUB, rg: "rg", name: "nat", location: "eastus", sku: "Standard", publicIpIds: ["/pip"], publicIpPrefixIds: ["/prefix"], subnetIds: [subnetId] }),
    file: "Microsoft.Network/2024-03-01/NatGatewayGet.json",
    extra: {},
    omitted: {},
  },
  publicIpPrefix: {
    build: (s) => b.publicIpPrefix(s, { sub: SUB, rg: "rg", name: "prefix", location: "eastus", ipPrefix: "20.119.200.16/30", publicIpIds: ["/pip"] }),
    file: "Microsoft.Network/2026-03-01/PublicIpPrefixGet.json",
    extra: {},
    omitted: {},
  },
  scaleSetNetworkInterface: {
    build: (s) => b.scaleSetNetworkInterface(s, { vmssId, instance: 0, nicName: "aks-nodes-12345678-vmss", subnetId, privateIp: "10.0.0.4", nsgId: "/nsg", publicIpName: "pub1" }),
    file: "Microsoft.Network/2024-07-01/VmssNetworkInterfaceList.json",
    pick: firstOf,
    extra: { type: "the estate needs a type; the list example has none (the child type its id denotes)" },
    omitted: {
      "properties.ipConfigurations[].properties.loadBalancerBackendAddressPools": "node public IP pools of UDR clusters sit behind no load balancer",
      "properties.ipConfigurations[].properties.loadBalancerBackendAddressPools[].id": "as above",
      "properties.ipConfigurations[].properties.loadBalancerInboundNatRules": "no inbound NAT rules",
      "properties.ipConfigurations[].properties.loadBalancerInboundNatRules[].id": "as above",
      "properties.dnsSettings.internalDomainNameSuffix": "ARM-generated, read by nothing",
      "properties.macAddress": "ARM-generated, read by nothing",
    },
  },
  scaleSetInstancePublicIp: {
    build: (s) => b.scaleSetInstancePublicIp(s, { ipConfigurationId: `${nicId}/ipConfigurations/ipconfig1`, name: "pub1", ipAddress: "20.119.200.16", dnsLabel: "node0", location: "eastus" }),
    file: "Microsoft.Network/2024-07-01/VmssPublicIpListAll.json",
    pick: firstOf,
    extra: { type: "the estate needs a type; the list example has none (the child type its id denotes)" },
    omitted: {},
  },
  privateSubnet: {
    build: (s) => b.subnet(s, { vnetId, name: "snet", addressPrefix: "10.0.0.0/24", defaultOutboundAccess: false }),
    file: "Microsoft.Network/2025-07-01/SubnetGetWithSharingScope.json",
    extra: {
      etag: "example bodies carry the etag of VirtualNetworkGet.json's subnets",
      type: "as the subnets of VirtualNetworkGet.json",
      "properties.serviceEndpoints": "SubnetPropertiesFormat (swagger excerpt)",
      "properties.delegations": "SubnetPropertiesFormat (swagger excerpt)",
      "properties.privateEndpointNetworkPolicies": "SubnetPropertiesFormat (swagger excerpt)",
      "properties.privateLinkServiceNetworkPolicies": "SubnetPropertiesFormat (swagger excerpt)",
    },
    omitted: { "properties.sharingScope": "subnets shared across tenants are not part of the estates" },
  },
  virtualNetworkPeering: {
    build: (s) => b.virtualNetworkPeering(s, { vnetId, remoteVnetId: "/hub", remoteAddressPrefixes: ["10.0.0.0/16"], allowForwardedTraffic: true, peeringState: "Initiated" }),
    file: "Microsoft.Network/2026-03-01/VirtualNetworkPeeringGet.json",
    extra: { etag: "example bodies carry an etag like every embedded Network sub-resource", type: "as the embedded peerings ARM returns" },
    omitted: {
      "properties.remoteBgpCommunities": "BGP communities are not part of an egress path",
      "properties.remoteBgpCommunities.regionalCommunity": "as above",
      "properties.remoteBgpCommunities.virtualNetworkCommunity": "as above",
    },
  },
};

describe("egress builders of 2026", () => {
  it.each(Object.keys(cases))("%s: an example body has the example's field names", (name) => {
    const c = cases[name]!;
    const body = c.build(example);
    const file = exampleBody(c.file);
    const want = keyPaths(c.pick ? c.pick(file) : file);
    const got = keyPaths(body);
    expect(minus(got, want), "names the example does not have").toEqual(Object.keys(c.extra).sort());
    expect(minus(want, got), "names of the example left out").toEqual(Object.keys(c.omitted).sort());
  });

  it.each(Object.keys(cases))("%s: the lean body is the example body with fields left out", (name) => {
    const c = cases[name]!;
    expect(notSubset(c.build(LEAN), c.build(example))).toBeUndefined();
  });

  it("a VNet with custom DNS servers writes dhcpOptions.dnsServers as VirtualNetworkListAll.json", () => {
    const listed = (exampleBody("Microsoft.Network/2026-03-01/VirtualNetworkListAll.json").value as Array<Record<string, unknown>>)[1]!;
    const vnet = b.virtualNetwork(example, { sub: SUB, rg: "rg-net", name: "vnet", location: "eastus", addressPrefixes: ["10.0.0.0/16"], subnets: [], dnsServers: ["10.0.1.4"] });
    expect(keyPaths(listed).has("properties.dhcpOptions.dnsServers")).toBe(true);
    expect((vnet.properties as { dhcpOptions: unknown }).dhcpOptions).toEqual({ dnsServers: ["10.0.1.4"] });
    const plain = b.virtualNetwork(LEAN, { sub: SUB, rg: "rg-net", name: "vnet", location: "eastus", addressPrefixes: ["10.0.0.0/16"], subnets: [] });
    expect(keyPaths(plain).has("properties.dhcpOptions")).toBe(false);
    expect(notSubset(b.virtualNetwork(LEAN, { sub: SUB, rg: "rg-net", name: "vnet", location: "eastus", addressPrefixes: ["10.0.0.0/16"], subnets: [], dnsServers: ["10.0.1.4"] }), vnet)).toBeUndefined();
  });

  it("a subnet names its NAT gateway as natGateway.id (SubnetPropertiesFormat)", () => {
    const s = b.subnet(LEAN, { vnetId, name: "snet", addressPrefix: "10.0.0.0/24", natGatewayId: "/nat" });
    expect(s.properties.natGateway).toEqual({ id: "/nat" });
  });

  describe("managed clusters", () => {
    const spec: b.ManagedClusterSpec = {
      sub: SUB,
      rg: "rg",
      name: "aks",
      location: "eastus2",
      dnsPrefix: "aks",
      fqdnHash: "abcd1234",
      kubernetesVersion: "1.31.2",
      principalId: "p",
      tenantId: "t",
      nodeResourceGroup: "MC_rg_aks_eastus2",
      agentPools: [{ name: "nodepool1", count: 3, vmSize: "Standard_D4ds_v5", mode: "System", enableNodePublicIP: true, nodePublicIPPrefixId: "/prefix" }],
      outboundType: "managedNATGateway",
      natGateway: { sku: "StandardV2", effectiveOutboundIpIds: ["/pip1", "/pip2"] },
      bootstrap: { artifactSource: "Cache", containerRegistryId: "/acr" },
      privateCluster: false,
      publicApiServerSubnetId: `${vnetId}/subnets/apiserver`,
      authorizedIpRanges: ["203.0.113.0/24"],
    };
    const body = b.managedCluster(example, spec);
    const props = body.properties as Record<string, Record<string, unknown>>;

    it("natGatewayProfile has the names of ManagedClustersCreate_ManagedNATGateway.json, plus the schema's sku", () => {
      const nat = (exampleBody("Microsoft.ContainerService/2026-08-01/ManagedClustersCreate_ManagedNATGateway.json").properties as Record<string, Record<string, unknown>>)
        .networkProfile!.natGatewayProfile;
      const got = keyPaths(props.networkProfile!.natGatewayProfile);
      expect(minus(got, keyPaths(nat))).toEqual(["sku"]);
      expect(minus(keyPaths(nat), got)).toEqual([]);
      expect(props.networkProfile!.outboundType).toBe("managedNATGateway");
      expect((props.networkProfile!.natGatewayProfile as { sku: string }).sku).toBe("StandardV2");
    });

    it("agent pools carry enableNodePublicIP and nodePublicIPPrefixID as ManagedClustersCreate_NodePublicIPPrefix.json", () => {
      const pool = ((exampleBody("Microsoft.ContainerService/2026-08-01/ManagedClustersCreate_NodePublicIPPrefix.json").properties as Record<string, unknown>)
        .agentPoolProfiles as Array<Record<string, unknown>>)[0]!;
      const ours = (props.agentPoolProfiles as unknown as Array<Record<string, unknown>>)[0]!;
      for (const key of ["enableNodePublicIP", "nodePublicIPPrefixID"]) {
        expect(pool).toHaveProperty(key);
        expect(ours).toHaveProperty(key);
      }
      expect(ours.enableNodePublicIP).toBe(true);
      expect(ours.nodePublicIPPrefixID).toBe("/prefix");
    });

    it("bootstrapProfile and apiServerAccessProfile use the schema's names", () => {
      expect(props.bootstrapProfile).toEqual({ artifactSource: "Cache", containerRegistryId: "/acr" });
      expect(props.apiServerAccessProfile).toEqual({
        authorizedIPRanges: ["203.0.113.0/24"],
        enablePrivateCluster: false,
        enableVnetIntegration: true,
        subnetId: `${vnetId}/subnets/apiserver`,
      });
    });

    it("the lean body is the example body with fields left out", () => {
      expect(notSubset(b.managedCluster(LEAN, spec), body)).toBeUndefined();
      const lean = b.managedCluster(LEAN, spec).properties as Record<string, Record<string, unknown>>;
      expect(lean.networkProfile!.natGatewayProfile).toEqual({ sku: "StandardV2", effectiveOutboundIPs: [{ id: "/pip1" }, { id: "/pip2" }] });
    });
  });

  describe("node scale sets", () => {
    const build = (s: BodyStyle) =>
      b.virtualMachineScaleSet(s, {
        sub: SUB,
        rg: "MC_rg_aks_eastus",
        name: "aks-nodes-12345678-vmss",
        location: "eastus",
        poolName: "nodes",
        vmSize: "Standard_D4ds_v5",
        capacity: 2,
        subnetId,
        nsgId: "/nsg",
        instancePublicIp: { publicIpPrefixId: "/prefix" },
      });

    it("carry the pool tag and the NIC network profile a scanner reads", () => {
      const paths = keyPaths(build(LEAN));
      const nic = "properties.virtualMachineProfile.networkProfile.networkInterfaceConfigurations[]";
      for (const p of [
        "tags.aks-managed-poolName",
        `${nic}.name`,
        `${nic}.properties.primary`,
        `${nic}.properties.networkSecurityGroup.id`,
        `${nic}.properties.ipConfigurations[].name`,
        `${nic}.properties.ipConfigurations[].properties.subnet.id`,
        `${nic}.properties.ipConfigurations[].properties.publicIPAddressConfiguration.name`,
        `${nic}.properties.ipConfigurations[].properties.publicIPAddressConfiguration.properties.idleTimeoutInMinutes`,
      ]) {
        expect(paths.has(p), p).toBe(true);
      }
      expect(build(LEAN).type).toBe("Microsoft.Compute/virtualMachineScaleSets");
      expect(notSubset(build(LEAN), build(example))).toBeUndefined();
    });

    it("instance NICs and public IPs have the id layouts of VmssNetworkInterfaceList.json and VmssPublicIpListAll.json", () => {
      const listedNic = firstOf(exampleBody("Microsoft.Network/2024-07-01/VmssNetworkInterfaceList.json"));
      const listedPip = firstOf(exampleBody("Microsoft.Network/2024-07-01/VmssPublicIpListAll.json"));
      const layout = (id: string) => id.replace(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+/, "").replace(/\/(virtualMachineScaleSets|virtualMachines|networkInterfaces|ipConfigurations|publicIPAddresses)\/[^/]+/g, "/$1/*");
      const nic = b.scaleSetNetworkInterface(LEAN, { vmssId, instance: 3, nicName: "aks-nodes-12345678-vmss", subnetId, privateIp: "10.0.0.7", publicIpName: "pub1" });
      const ipConfigId = ((nic.properties as { ipConfigurations: Array<{ id: string; properties: { publicIPAddress: { id: string } } }> }).ipConfigurations[0]!);
      const pip = b.scaleSetInstancePublicIp(LEAN, { ipConfigurationId: ipConfigId.id, name: "pub1", ipAddress: "20.119.200.19" });
      expect(layout(nic.id)).toBe(layout(listedNic.id as string));
      expect(layout(pip.id)).toBe(layout(listedPip.id as string));
      expect(ipConfigId.properties.publicIPAddress.id).toBe(pip.id);
      expect(pip.id.startsWith(`${vmssId}/virtualMachines/3/`)).toBe(true);
    });
  });
});
