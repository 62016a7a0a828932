/**
 * The normalisers held to Microsoft's own ARM response examples: the bodies are served by the
 * emulator and read back by the real SDK clients over HTTPS, exactly as a scan reads them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArmClients } from "../../src/arm/clients.js";
import { listClusterPools, listPoolClusters } from "../../src/arm/clusterPools.js";
import {
  normalizeAksCluster,
  normalizeClusterPool,
  normalizeFirewall,
  normalizeHdiCluster,
  normalizeLoadBalancer,
  normalizePublicIp,
  normalizeRouteTable,
  normalizeSubnet,
} from "../../src/collect/normalize.js";
import { readArmSettings } from "../../src/config/settings.js";
import { parseEstate, type EstateResource } from "../../src/emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { drain } from "../../src/collect/reads.js";

const SUB = "11111111-1111-4111-8111-111111111111";
const AKS_SUB = "00000000-0000-0000-0000-000000000000";
const dir = join(import.meta.dirname, "..", "fixtures", "arm-examples");

/** The first response body of an example file, with the placeholder subscription made a GUID. */
function example(path: string, status?: string): EstateResource {
  const text = readFileSync(join(dir, path), "utf8").replaceAll("/subscriptions/subid/", `/subscriptions/${SUB}/`);
  const responses = (JSON.parse(text) as { responses: Record<string, { body: EstateResource }> }).responses;
  return responses[status ?? Object.keys(responses)[0]!]!.body;
}
function listExample(path: string): EstateResource[] {
  return (example(path) as unknown as { value: EstateResource[] }).value;
}
/** The body with its id segment `<type>/<from>` renamed to `<type>/<to>` (and its name). */
function renamed(body: EstateResource, type: string, from: string, to: string): EstateResource {
  const copy = JSON.parse(JSON.stringify(body).replaceAll(`${type}/${from}`, `${type}/${to}`)) as EstateResource;
  copy.name = to;
  return copy;
}

/**
 * The body with tags as ARM may return them: a name that is also an `Object.prototype` member, and
 * a value that is not a string (dropped).
 */
function tagged(body: EstateResource): EstateResource {
  return { ...body, tags: JSON.parse('{"Env":"prod","__proto__":"x","costCenter":"CC-1","count":1}') as Record<string, string> };
}

let emu: RunningEmulator;
let clients: ArmClients;

beforeAll(async () => {
  const hubFirewall = renamed(example("Microsoft.Network/2024-03-01/AzureFirewallPutInHub.json", "200"), "azureFirewalls", "azurefirewall", "hubfirewall");
  const estate = parseEstate({
    schemaVersion: 1,
    subscriptions: [
      { subscriptionId: SUB, displayName: "examples" },
      { subscriptionId: AKS_SUB, displayName: "aks examples" },
    ],
    resources: [
      example("Microsoft.HDInsight/2024-05-01-preview/GetClusterPool.json"),
      tagged(renamed(example("Microsoft.HDInsight/2024-05-01-preview/CreateClusterPoolWithUDRAks.json", "200"), "clusterPools", "clusterpool1", "clusterpool2")),
      example("Microsoft.HDInsight/2024-05-01-preview/CreateSparkClusterWithInternalIngress.json", "200"),
      example("Microsoft.ContainerService/2024-09-01/ManagedClustersGet.json"),
      ...listExample("Microsoft.Network/2024-03-01/PublicIpAddressListAll.json"),
      ...listExample("Microsoft.Network/2024-03-01/RouteTableListAll.json"),
      example("Microsoft.Network/2024-05-01/AzureFirewallGet.json"),
      hubFirewall,
      example("Microsoft.Network/2024-03-01/LoadBalancerCreateWithOutboundRules.json", "200"),
      example("Microsoft.Network/2024-03-01/VirtualNetworkGet.json"),
    ],
  });
  emu = await startEmulator({ estate, pageSize: 2 });
  clients = new ArmClients(readArmSettings({}, { endpoint: emu.url, staticToken: "t" }), { caCertificates: [emu.caCertPem], maxRetries: 0 });
});
afterAll(async () => emu?.close());

/** Every item of a paged list: the collector's own `drain`. */
const all = <T,>(it: AsyncIterable<T>): Promise<T[]> => drain(it);

describe("normalisers on Microsoft's example shapes", () => {
  it("cluster pools: a GET without networkProfile, and a UDR pool", async () => {
    const pools = (await all(listClusterPools(clients.rest(), SUB))).map(normalizeClusterPool);
    const plain = pools.find((p) => p.name === "clusterpool1")!;
    expect(plain.networkProfilePresent).toBe(false);
    expect(plain.outboundType).toBeUndefined();
    expect(plain.aksManagedResourceGroupName).toBeUndefined();
    expect(plain.managedResourceGroupName).toBe("hdi-45cd32aead6e4a91b079a0cdbfac8c36");
    expect(plain.aksClusterResourceId).toMatch(/\/managedClusters\/clusterpool1$/);
    expect(plain.aksClusterAgentPoolObjectId).toBe("dc7ef861-8b55-4ffb-9003-20885cd895a9");
    const udr = pools.find((p) => p.name === "clusterpool2")!;
    expect(udr.networkProfilePresent).toBe(true);
    expect(udr.outboundType).toBe("userDefinedRouting");
    expect(udr.subnetId).toMatch(/\/virtualNetworks\/vnet1\/subnets\/subnet1$/);
  });

  it("tags: a pool's and an AKS cluster's own tags, as plain own string properties; none when there are none", async () => {
    const pools = (await all(listClusterPools(clients.rest(), SUB))).map(normalizeClusterPool);
    expect(pools.find((p) => p.name === "clusterpool1")!.tags).toBeUndefined();
    const tags = pools.find((p) => p.name === "clusterpool2")!.tags!;
    expect(Object.entries(tags).sort()).toEqual([["Env", "prod"], ["__proto__", "x"], ["costCenter", "CC-1"]].sort());
    expect(Object.hasOwn(tags, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(tags)).toBe(Object.prototype);
    const mc = normalizeAksCluster(await clients.containerService(AKS_SUB).managedClusters.get("rg1", "clustername1"));
    expect(mc.tags).toEqual({ archv2: "", tier: "production" });
  });

  it("a private-ingress Spark cluster keeps its private FQDN and private link service", async () => {
    const poolId = `/subscriptions/${SUB}/resourceGroups/hiloResourcegroup/providers/Microsoft.HDInsight/clusterPools/clusterpool1`;
    const [cluster] = (await all(listPoolClusters(clients.rest(), poolId))).map(normalizeHdiCluster);
    expect(cluster).toMatchObject({
      name: "cluster1",
      clusterType: "spark",
      enableInternalIngress: true,
      fqdn: "cluster1.clusterpool1.westus2.projecthilo.net",
      privateFqdn: "cluster1-int.clusterpool1.westus2.projecthilo.net",
    });
    expect(cluster!.privateLinkServiceId).toMatch(/privateLinkServices\/testpls$/);
  });

  it("an AKS cluster: outbound type, node resource group, effective outbound IPs", async () => {
    const mc = normalizeAksCluster(await clients.containerService(AKS_SUB).managedClusters.get("rg1", "clustername1"));
    expect(mc.outboundType).toBe("loadBalancer");
    expect(mc.nodeResourceGroup).toBe("MC_rg1_clustername1_location1");
    expect(mc.fqdn).toBe("dnsprefix1-abcd1234.hcp.eastus.azmk8s.io");
    expect(mc.effectiveOutboundIpIds.map((id) => id.split("/").pop())).toEqual(["mgdoutboundip1", "mgdoutboundip2"]);
    expect(mc.agentPoolSubnetIds).toEqual([]);
  });

  it("public IPs: what each one is attached to (NIC, LB frontend)", async () => {
    const pips = (await all(clients.network(SUB).publicIPAddresses.listAll())).map(normalizePublicIp);
    expect(pips).toHaveLength(3); // across two pages of the emulator
    const byName = Object.fromEntries(pips.map((p) => [p.name, p]));
    expect(byName["testDNS-ip"]!.attachedTo).toMatchObject({ kind: "networkInterface" });
    expect(byName["testDNS-ip"]!.attachedTo!.resourceId).toMatch(/networkInterfaces\/testDNS649$/);
    expect(byName["testDNS-ip"]!.ipAddress).toBeUndefined();
    expect(byName["ip01"]!.attachedTo).toMatchObject({ kind: "loadBalancerFrontend" });
    expect(byName["ip01"]!.attachedTo!.resourceId).toMatch(/loadBalancers\/testLb$/);
    expect(byName["ip01"]!.ipAddress).toBe("40.85.154.247");
  });

  it("route tables, firewalls (VNet and hub), load balancers, subnets", async () => {
    const net = clients.network(SUB);
    const rts = (await all(net.routeTables.listAll())).map(normalizeRouteTable);
    expect(rts.find((r) => r.name === "testrt")!.routes).toEqual([
      { name: "route1", addressPrefix: "10.0.3.0/24", nextHopType: "VirtualNetworkGateway" },
    ]);
    expect(rts.find((r) => r.name === "testrt3")!.routes).toEqual([]);

    const fws = (await all(net.azureFirewalls.listAll())).map(normalizeFirewall);
    const vnetFw = fws.find((f) => f.name === "azurefirewall")!;
    expect(vnetFw.privateIpAddresses).toEqual(["10.0.0.0"]);
    expect(vnetFw.provisioningState).toBe("Succeeded");
    const hubFw = fws.find((f) => f.name === "hubfirewall")!;
    expect(hubFw.privateIpAddresses).toEqual(["10.0.0.0"]);
    expect(hubFw.firewallPolicyId).toMatch(/firewallPolicies\/policy1$/);

    const lb = normalizeLoadBalancer(await net.loadBalancers.get("rg1", "lb"));
    expect(lb.frontends.map((f) => f.name)).toEqual(["fe-lb"]);
    expect(lb.outboundFrontendIds).toEqual([lb.frontends[0]!.id]);
    expect(lb.inboundFrontendIds).toEqual([lb.frontends[0]!.id]);

    const subnet = normalizeSubnet(await net.subnets.get("rg1", "test-vnet", "subnet1"));
    expect(subnet).toEqual({
      id: `/subscriptions/${SUB}/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/test-vnet/subnets/subnet1`,
      name: "subnet1",
      addressPrefixes: ["10.0.1.0/24"],
    });
  });
});
