/**
 * Emulator writes through the real SDK clients (and raw requests where the status code or the
 * body's exact bytes matter): PUT / PATCH / DELETE keep a parent's embedded array and the child's
 * own GET consistent, lists see a write at once, and the status codes and errors are ARM's.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { TokenCredential } from "@azure/core-auth";
import { NetworkManagementClient } from "@azure/arm-network";
import { ContainerServiceClient } from "@azure/arm-containerservice";
import { PrivateDnsManagementClient } from "@azure/arm-privatedns";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { rawRequest } from "./rawWrite.js";
import {
  AKS,
  HUB,
  HUB_VNET,
  LOCATION,
  MC_RG,
  NSG,
  PEERING,
  POLICY,
  RG,
  RG_APP,
  RG_NAME,
  RG_SECRET,
  RT_EGRESS,
  RT_SPARE,
  SPOKE_VNET,
  SUB,
  SUBNET_IP_CONFIGURATION,
  ZONE,
  ZONE_NAME,
  writeEstate,
} from "./writeEstate.js";

const credential: TokenCredential = {
  getToken: () => Promise.resolve({ token: "test", expiresOnTimestamp: Date.now() + 3600_000 }),
};
const NET_API = "api-version=2024-05-01";

let emu: RunningEmulator;
const options = () => ({
  endpoint: emu.url,
  credentials: { scopes: ["https://management.azure.com/.default"] },
  tlsOptions: { ca: emu.caCertPem },
  retryOptions: { maxRetries: 0 },
});
const network = () => new NetworkManagementClient(credential, SUB, options());
const aks = () => new ContainerServiceClient(credential, SUB, options());
const dns = () => new PrivateDnsManagementClient(credential, SUB, options());

async function collect<T>(iter: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iter) out.push(item);
  return out;
}

async function statusOf(promise: Promise<unknown>): Promise<number | undefined> {
  try {
    await promise;
  } catch (err) {
    return (err as { statusCode?: number }).statusCode;
  }
  throw new Error("expected a rejection");
}

beforeAll(async () => {
  emu = await startEmulator({ estate: writeEstate(), pageSize: 2 });
});

afterAll(async () => {
  await emu.close();
});

beforeEach(() => emu.resetCounts());

describe("routes in a route table", () => {
  it("a PUT route is in the table's GET, the subscription list and its own GET; 201 then 200", async () => {
    const net = network();
    const route = await net.routes.createOrUpdate(RG_NAME, "rt-egress", "to-internet", { addressPrefix: "8.8.8.0/24", nextHopType: "Internet" });
    expect(route).toMatchObject({ id: `${RT_EGRESS}/routes/to-internet`, name: "to-internet", addressPrefix: "8.8.8.0/24", nextHopType: "Internet", provisioningState: "Succeeded" });

    const table = await net.routeTables.get(RG_NAME, "rt-egress");
    expect(table.routes?.map((r) => [r.name, r.id, r.nextHopType])).toEqual([
      ["default", `${RT_EGRESS}/routes/default`, "VirtualAppliance"],
      ["to-internet", `${RT_EGRESS}/routes/to-internet`, "Internet"],
    ]);
    const listed = (await collect(net.routeTables.listAll())).find((t) => t.id === RT_EGRESS);
    expect(listed?.routes?.map((r) => r.name)).toEqual(["default", "to-internet"]);
    expect(listed?.subnets?.map((s) => s.id)).toEqual([`${HUB_VNET}/subnets/aks`]); // read-only back-reference untouched
    expect((await net.routes.get(RG_NAME, "rt-egress", "to-internet")).addressPrefix).toBe("8.8.8.0/24");
    expect((await collect(net.routes.list(RG_NAME, "rt-egress"))).map((r) => r.name)).toEqual(["default", "to-internet"]);

    const path = `${RT_EGRESS}/routes/to-internet?${NET_API}`;
    const again = await rawRequest(emu, "PUT", path, { properties: { addressPrefix: "0.0.0.0/0", nextHopType: "Internet" } });
    expect(again.status).toBe(200);
    const created = await rawRequest(emu, "PUT", `${RT_EGRESS}/routes/third?${NET_API}`, { properties: { addressPrefix: "9.9.9.9/32", nextHopType: "None" } });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      name: "third",
      id: `${RT_EGRESS}/routes/third`,
      etag: expect.stringMatching(/^W\/"[0-9a-f-]{36}"$/) as unknown,
      type: "Microsoft.Network/routeTables/routes",
      properties: { addressPrefix: "9.9.9.9/32", nextHopType: "None", provisioningState: "Succeeded" },
    });
    expect((await net.routeTables.get(RG_NAME, "rt-egress")).routes?.find((r) => r.name === "to-internet")?.addressPrefix).toBe("0.0.0.0/0");
  });

  it("DELETE answers 200, then 204; the route is gone from the table and its GET is 404", async () => {
    const net = network();
    await net.routes.createOrUpdate(RG_NAME, "rt-spare", "gone", { addressPrefix: "1.2.3.0/24", nextHopType: "Internet" });
    const path = `${RT_SPARE}/routes/gone?${NET_API}`;
    expect((await rawRequest(emu, "DELETE", path)).status).toBe(200);
    expect((await rawRequest(emu, "DELETE", path)).status).toBe(204);
    expect((await net.routeTables.get(RG_NAME, "rt-spare")).routes).toEqual([]);
    expect(await statusOf(net.routes.get(RG_NAME, "rt-spare", "gone"))).toBe(404);
  });

  it("PATCH merges tags and properties, keeps the routes, and answers 404 for a missing resource", async () => {
    const patched = await rawRequest(emu, "PATCH", `${RT_SPARE}?${NET_API}`, { tags: { owner: "net" }, properties: { disableBgpRoutePropagation: true } });
    expect(patched.status).toBe(200);
    const again = await rawRequest(emu, "PATCH", `${RT_SPARE}?${NET_API}`, { tags: { cost: "1" } });
    expect(again.json.tags).toEqual({ owner: "net", cost: "1" });
    const table = await network().routeTables.get(RG_NAME, "rt-spare");
    expect(table).toMatchObject({ tags: { owner: "net", cost: "1" }, disableBgpRoutePropagation: true, location: LOCATION });
    const missing = await rawRequest(emu, "PATCH", `${RG}/providers/Microsoft.Network/routeTables/nope?${NET_API}`, { tags: {} });
    expect(missing.status).toBe(404);
    expect(missing.json.error?.code).toBe("ResourceNotFound");
  });

  it("a route table still associated with a subnet cannot be deleted (ARM's InUseRouteTableCannotBeDeleted)", async () => {
    const res = await rawRequest(emu, "DELETE", `${RT_EGRESS}?${NET_API}`);
    expect(res.status).toBe(400);
    expect(res.json.error?.code).toBe("InUseRouteTableCannotBeDeleted");
    expect((await network().routeTables.get(RG_NAME, "rt-egress")).id).toBe(RT_EGRESS);
  });
});

describe("subnets and peerings in a VNet", () => {
  it("a subnet PUT with a route table shows in the VNet GET, the VNet list and the subnet GET, and the tables list it back", async () => {
    const net = network();
    await net.subnets.createOrUpdate(RG_NAME, "vnet-hub", "app", { addressPrefix: "10.0.2.0/24", routeTable: { id: RT_SPARE } });
    // Re-point the existing `aks` subnet from rt-egress to rt-spare: its IP configuration back-reference stays.
    const aksSubnet = await net.subnets.get(RG_NAME, "vnet-hub", "aks");
    await net.subnets.createOrUpdate(RG_NAME, "vnet-hub", "aks", { addressPrefix: aksSubnet.addressPrefix!, routeTable: { id: RT_SPARE } });

    const vnet = await net.virtualNetworks.get(RG_NAME, "vnet-hub");
    expect(vnet.subnets?.map((s) => [s.name, s.routeTable?.id])).toEqual([
      ["aks", RT_SPARE],
      ["AzureFirewallSubnet", undefined],
      ["app", RT_SPARE],
    ]);
    const listed = (await collect(net.virtualNetworks.listAll())).find((v) => v.id === HUB_VNET);
    expect(listed?.subnets?.find((s) => s.name === "app")?.routeTable?.id).toBe(RT_SPARE);
    const app = await net.subnets.get(RG_NAME, "vnet-hub", "app");
    expect(app).toMatchObject({ id: `${HUB_VNET}/subnets/app`, addressPrefix: "10.0.2.0/24", routeTable: { id: RT_SPARE }, provisioningState: "Succeeded" });
    expect((await net.subnets.get(RG_NAME, "vnet-hub", "aks")).ipConfigurations?.map((c) => c.id)).toEqual([SUBNET_IP_CONFIGURATION]);

    expect((await net.routeTables.get(RG_NAME, "rt-spare")).subnets?.map((s) => s.id)).toEqual([`${HUB_VNET}/subnets/app`, `${HUB_VNET}/subnets/aks`]);
    expect((await net.routeTables.get(RG_NAME, "rt-egress")).subnets).toEqual([]);
  });

  it("a VNet PUT of its own GET body keeps its subnets; ARM, not the body, sets the etag", async () => {
    const path = `${SPOKE_VNET}?${NET_API}`;
    const body = (await rawRequest(emu, "GET", path)).json;
    const put = await rawRequest(emu, "PUT", path, { ...body, etag: 'W/"stale"' });
    expect(put.status).toBe(200);
    const after = await network().virtualNetworks.get(RG_NAME, "vnet-spoke");
    expect(after.subnets?.map((s) => [s.id, s.addressPrefix])).toEqual([[`${SPOKE_VNET}/subnets/workload`, "10.1.0.0/24"]]);
    expect(after.etag).toMatch(/^W\/"[0-9a-f-]{36}"$/);
  });

  it("a deleted peering leaves the VNet's GET and list, its GET answers 404, and a second DELETE 204", async () => {
    const net = network();
    expect((await net.virtualNetworkPeerings.get(RG_NAME, "vnet-hub", "peer-to-vnet-spoke")).id).toBe(PEERING);
    await net.virtualNetworkPeerings.delete(RG_NAME, "vnet-hub", "peer-to-vnet-spoke");
    expect((await net.virtualNetworks.get(RG_NAME, "vnet-hub")).virtualNetworkPeerings).toEqual([]);
    expect((await collect(net.virtualNetworks.listAll())).find((v) => v.id === HUB_VNET)?.virtualNetworkPeerings).toEqual([]);
    expect(await statusOf(net.virtualNetworkPeerings.get(RG_NAME, "vnet-hub", "peer-to-vnet-spoke"))).toBe(404);
    expect((await rawRequest(emu, "DELETE", `${PEERING}?${NET_API}`)).status).toBe(204);
  });
});

describe("other parents and children", () => {
  it("a security rule PUT joins the NSG's securityRules", async () => {
    const net = network();
    await net.securityRules.createOrUpdate(RG_NAME, "nsg-aks", "deny-out", {
      protocol: "*",
      sourcePortRange: "*",
      destinationPortRange: "*",
      sourceAddressPrefix: "*",
      destinationAddressPrefix: "Internet",
      access: "Deny",
      priority: 4000,
      direction: "Outbound",
    });
    const nsg = await net.networkSecurityGroups.get(RG_NAME, "nsg-aks");
    expect(nsg.securityRules?.map((r) => [r.name, r.id, r.access])).toEqual([
      ["allow-https", `${NSG}/securityRules/allow-https`, "Allow"],
      ["deny-out", `${NSG}/securityRules/deny-out`, "Deny"],
    ]);
  });

  it("a rule collection group PUT / DELETE keeps the policy's ruleCollectionGroups references", async () => {
    const net = network();
    await net.firewallPolicyRuleCollectionGroups.createOrUpdate(RG_NAME, "fwpol", "rcg-new", { priority: 300, ruleCollections: [] });
    const policy = await net.firewallPolicies.get(RG_NAME, "fwpol");
    expect(policy.ruleCollectionGroups?.map((r) => r.id)).toEqual([`${POLICY}/ruleCollectionGroups/rcg-aks`, `${POLICY}/ruleCollectionGroups/rcg-new`]);
    expect((await collect(net.firewallPolicyRuleCollectionGroups.list(RG_NAME, "fwpol"))).map((g) => [g.name, g.priority])).toEqual([
      ["rcg-aks", 100],
      ["rcg-new", 300],
    ]);
    await net.firewallPolicyRuleCollectionGroups.delete(RG_NAME, "fwpol", "rcg-aks");
    expect((await net.firewallPolicies.get(RG_NAME, "fwpol")).ruleCollectionGroups?.map((r) => r.id)).toEqual([`${POLICY}/ruleCollectionGroups/rcg-new`]);
  });

  it("A records and links of a private DNS zone: lists and the zone's counts follow", async () => {
    const client = dns();
    await client.recordSets.createOrUpdate(RG_NAME, ZONE_NAME, "A", "db", { ttl: 300, aRecords: [{ ipv4Address: "10.0.3.4" }] });
    const records = await collect(client.recordSets.listByType(RG_NAME, ZONE_NAME, "A"));
    expect(records.map((r) => [r.name, r.aRecords?.map((a) => a.ipv4Address)])).toEqual([
      ["aks-api", ["10.0.1.10"]],
      ["db", ["10.0.3.4"]],
    ]);
    await client.virtualNetworkLinks.delete(RG_NAME, ZONE_NAME, "link-hub");
    expect(await collect(client.virtualNetworkLinks.list(RG_NAME, ZONE_NAME))).toEqual([]);
    const zone = await client.privateZones.get(RG_NAME, ZONE_NAME);
    expect([zone.numberOfRecordSets, zone.numberOfVirtualNetworkLinks]).toEqual([3, 0]); // SOA + aks-api + db; the link is gone
    expect((await rawRequest(emu, "GET", `${ZONE}/A/db?api-version=2024-06-01`)).json.id).toBe(`${ZONE}/A/db`);
  });

  it("hub children: a connection PUT and a routing intent DELETE show in the hub's lists", async () => {
    const net = network();
    await net.hubVirtualNetworkConnections.createOrUpdate(RG_NAME, "hub-we", "conn-hub", { remoteVirtualNetwork: { id: HUB_VNET }, enableInternetSecurity: false });
    expect((await collect(net.hubVirtualNetworkConnections.list(RG_NAME, "hub-we"))).map((c) => [c.name, c.enableInternetSecurity])).toEqual([
      ["conn-spoke", true],
      ["conn-hub", false],
    ]);
    await net.routingIntentOperations.delete(RG_NAME, "hub-we", "routingIntent");
    expect(await collect(net.routingIntentOperations.list(RG_NAME, "hub-we"))).toEqual([]);
    expect((await rawRequest(emu, "GET", `${HUB}/hubVirtualNetworkConnections/conn-hub?${NET_API}`)).json.type).toBe("Microsoft.Network/virtualHubs/hubVirtualNetworkConnections");
  });

  it("an agent pool PUT joins the cluster's agentPoolProfiles and is served as an agentPools resource", async () => {
    const client = aks();
    await client.agentPools.createOrUpdate(RG_APP, "aks1", "user1", { count: 2, vmSize: "Standard_D4s_v5", mode: "User", enableNodePublicIP: true });
    const cluster = await client.managedClusters.get(RG_APP, "aks1");
    expect(cluster.agentPoolProfiles?.map((p) => [p.name, p.mode, p.enableNodePublicIP ?? false])).toEqual([
      ["nodepool1", "System", false],
      ["user1", "User", true],
    ]);
    const pool = await client.agentPools.get(RG_APP, "aks1", "user1");
    expect(pool).toMatchObject({ id: `${AKS}/agentPools/user1`, name: "user1", count: 2, enableNodePublicIP: true, provisioningState: "Succeeded" });
    expect((await collect(client.agentPools.list(RG_APP, "aks1"))).map((p) => p.name)).toEqual(["nodepool1", "user1"]);
    await client.agentPools.delete(RG_APP, "aks1", "user1");
    expect((await client.managedClusters.get(RG_APP, "aks1")).agentPoolProfiles?.map((p) => p.name)).toEqual(["nodepool1"]);
  });

  it("a new public IP in the MC group is in the group's list and the subscription's, with an allocated address", async () => {
    const net = network();
    const pip = await net.publicIPAddresses.createOrUpdate(MC_RG, "egress-pip", { location: LOCATION, sku: { name: "Standard" }, publicIPAllocationMethod: "Static" });
    expect(pip.ipAddress).toMatch(/^20\.250\.\d+\.\d+$/);
    expect((await collect(net.publicIPAddresses.list(MC_RG))).map((p) => p.name)).toEqual(["kube-pip", "egress-pip"]);
    expect((await collect(net.publicIPAddresses.listAll())).map((p) => p.name)).toContain("egress-pip");
  });
});

describe("errors, counts and Microsoft's example bodies", () => {
  it("a write in a forbidden scope answers 403 AuthorizationFailed and changes nothing", async () => {
    const path = `/subscriptions/${SUB}/resourceGroups/${RG_SECRET}/providers/Microsoft.Network/publicIPAddresses/pip-secret?${NET_API}`;
    const res = await rawRequest(emu, "PUT", path, { location: LOCATION, properties: {} });
    expect(res.status).toBe(403);
    expect(res.json.error?.code).toBe("AuthorizationFailed");
    expect(res.json.error?.message).toContain("'Microsoft.Network/publicIPAddresses/write'");
    expect((await rawRequest(emu, "DELETE", path)).json.error?.message).toContain("'Microsoft.Network/publicIPAddresses/delete'");
    expect(emu.writeCounts()).toEqual({ "error:403": 2 });
  });

  it("a malformed body answers 400 InvalidRequestContent and changes nothing", async () => {
    const path = `${RT_SPARE}/routes/bad?${NET_API}`;
    const res = await rawRequest(emu, "PUT", path, '{"properties": {');
    expect(res.status).toBe(400);
    expect(res.json.error?.code).toBe("InvalidRequestContent");
    expect((await rawRequest(emu, "PUT", path, { properties: [] })).json.error?.message).toContain("'properties'");
    expect((await rawRequest(emu, "PUT", path, "")).status).toBe(400);
    expect((await rawRequest(emu, "GET", path)).status).toBe(404);
  });

  it("a child of a missing parent answers 404 ParentResourceNotFound; writes to lists 405", async () => {
    const res = await rawRequest(emu, "PUT", `${RG}/providers/Microsoft.Network/routeTables/nope/routes/r?${NET_API}`, { properties: {} });
    expect(res.status).toBe(404);
    expect(res.json.error?.code).toBe("ParentResourceNotFound");
    const list = await rawRequest(emu, "PUT", `${RG}/providers/Microsoft.Network/routeTables?${NET_API}`, { properties: {} });
    expect(list.status).toBe(405);
    expect(list.headers.allow).toBe("GET");
  });

  it("writes are counted apart from reads: totalRequests and requestCounts count reads only", async () => {
    await rawRequest(emu, "PUT", `${RT_SPARE}/routes/counted?${NET_API}`, { properties: { addressPrefix: "5.5.5.0/24", nextHopType: "Internet" } });
    await rawRequest(emu, "PATCH", `${RT_SPARE}?${NET_API}`, { tags: { counted: "yes" } });
    await rawRequest(emu, "DELETE", `${RT_SPARE}/routes/counted?${NET_API}`);
    expect(emu.totalRequests()).toBe(0);
    expect(emu.requestCounts()).toEqual({});
    expect(emu.writeCounts()).toEqual({
      "put:Microsoft.Network/routeTables/routes": 1,
      "patch:Microsoft.Network/routeTables": 1,
      "delete:Microsoft.Network/routeTables/routes": 1,
    });
    await network().routeTables.get(RG_NAME, "rt-spare");
    expect(emu.totalRequests()).toBe(1);
  });

  it("Microsoft's RoleAssignments_CreateForResource.json body PUT at a VNet's scope is served and listed at that scope", async () => {
    const file = "/work/shared/reference/arm-examples/Microsoft.Authorization/2022-04-01/RoleAssignments_CreateForResource.json";
    const example = JSON.parse(readFileSync(file, "utf8")) as {
      parameters: { roleAssignmentName: string; parameters: { properties: { principalId: string; principalType: string } } };
      responses: { "201": { body: { type: string; name: string } } };
    };
    const id = `${HUB_VNET}/providers/Microsoft.Authorization/roleAssignments/${example.parameters.roleAssignmentName}`;
    const put = await rawRequest(emu, "PUT", `${id}?api-version=2022-04-01`, example.parameters.parameters);
    expect(put.status).toBe(201);
    const expected = { id, type: example.responses["201"].body.type, name: example.responses["201"].body.name, properties: { ...example.parameters.parameters.properties, scope: HUB_VNET } };
    expect((await rawRequest(emu, "GET", `${id}?api-version=2022-04-01`)).json).toEqual(expected);
    const listed = await rawRequest(emu, "GET", `${HUB_VNET}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01`);
    expect((listed.json.value as Array<{ id: string }>).map((a) => a.id)).toEqual([id]);
  });

  it("Microsoft's LoadBalancerCreateWithOutboundRules.json request body PUT is what GET returns, ids and types filled as in its response", async () => {
    const file = "/work/shared/reference/arm-examples/Microsoft.Network/2024-03-01/LoadBalancerCreateWithOutboundRules.json";
    const text = readFileSync(file, "utf8").replaceAll("/subscriptions/subid/resourceGroups/rg1/", `/subscriptions/${SUB}/resourceGroups/${RG_NAME}/`);
    const example = JSON.parse(text) as {
      parameters: { parameters: { location: string; sku: unknown; properties: Record<string, Array<{ name: string; properties: unknown }>> } };
      responses: { "200": { body: { id: string; type: string; properties: Record<string, Array<{ name: string; id: string; type: string }>> } } };
    };
    const request = example.parameters.parameters;
    const response = example.responses["200"].body;
    const put = await rawRequest(emu, "PUT", `${response.id}?api-version=2024-03-01`, request);
    expect(put.status).toBe(201);
    const got = await rawRequest(emu, "GET", `${response.id}?api-version=2024-03-01`);
    expect(got.json).toMatchObject({ id: response.id, name: "lb", type: response.type, location: request.location, sku: request.sku });
    const props = got.json.properties as Record<string, unknown>;
    expect(props.provisioningState).toBe("Succeeded");
    for (const [key, items] of Object.entries(request.properties)) {
      const expected = items.map((item, i) => ({
        name: item.name,
        id: response.properties[key]![i]!.id,
        type: response.properties[key]![i]!.type,
        properties: item.properties,
      }));
      expect(props[key], key).toMatchObject(expected);
    }
    // Every sub-resource is served by the id the example's response gives it.
    const outboundRule = response.properties.outboundRules![0]!;
    expect((await rawRequest(emu, "GET", `${outboundRule.id}?api-version=2024-03-01`)).json).toMatchObject({ name: "rule1", type: outboundRule.type });
    expect((await collect(network().loadBalancers.list(RG_NAME))).map((l) => l.name)).toEqual(["lb"]);
  });
});
