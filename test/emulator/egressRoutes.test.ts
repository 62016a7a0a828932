/**
 * The emulator's routes for the egress paths of 2026, with Microsoft's example bodies as the
 * estate: a subscription's unregistered providers answer ARM's 409; a scale set's NIC and
 * public IP lists return what its instances hold (any casing); Virtual WAN hub children, NAT
 * gateways, public IP prefixes and Compute scale sets list and get through the generic routes.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseEstate, type EstateResource } from "../../src/emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { rawGet } from "./rawGet.js";

const SUB = "00000000-0000-0000-0000-000000000000";
const AKS_ONLY = "aaaaaaaa-0000-4000-8000-0000000000a1";
const dir = join(import.meta.dirname, "..", "fixtures", "arm-examples", "Microsoft.Network");
const API = "api-version=2026-03-01";

function example(path: string): EstateResource {
  const text = readFileSync(join(dir, path), "utf8").replaceAll("/subscriptions/subid/", `/subscriptions/${SUB}/`);
  return (JSON.parse(text) as { responses: Record<string, { body: EstateResource }> }).responses["200"]!.body;
}
const listExample = (path: string) => (example(path) as unknown as { value: EstateResource[] }).value;
const typed = (body: EstateResource, type: string): EstateResource => ({ ...body, type });

const rg1 = `/subscriptions/${SUB}/resourceGroups/rg1`;
const vmss1 = `${rg1}/providers/Microsoft.Compute/virtualMachineScaleSets/vmss1`;
const testerVmss = `/subscriptions/${SUB}/resourceGroups/vmss-tester/providers/Microsoft.Compute/virtualMachineScaleSets/vmss1`;
const hub = `${rg1}/providers/Microsoft.Network/virtualHubs/virtualHub1`;

const scaleSetBody = (id: string): EstateResource => ({
  id,
  name: "vmss1",
  type: "Microsoft.Compute/virtualMachineScaleSets",
  location: "westus",
  properties: { virtualMachineProfile: { networkProfile: { networkInterfaceConfigurations: [] } } },
});

const estate = parseEstate({
  schemaVersion: 1,
  subscriptions: [
    { subscriptionId: SUB, displayName: "examples" },
    { subscriptionId: AKS_ONLY, displayName: "aks only", unregisteredProviders: ["Microsoft.HDInsight", "Microsoft.Compute"] },
  ],
  resources: [
    example("2026-03-01/VirtualHubGet.json"),
    typed(example("2026-03-01/HubVirtualNetworkConnectionGet.json"), "Microsoft.Network/virtualHubs/hubVirtualNetworkConnections"),
    example("2026-03-01/RoutingIntentGet.json"),
    example("2026-03-01/HubRouteTableGet.json"),
    example("2026-03-01/NatGatewayGetStandardV2Sku.json"),
    example("2026-03-01/PublicIpPrefixGet.json"),
    scaleSetBody(vmss1),
    scaleSetBody(testerVmss),
    ...listExample("2024-07-01/VmssNetworkInterfaceList.json").map((n) => typed(n, "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/networkInterfaces")),
    ...listExample("2024-07-01/VmssPublicIpListAll.json").map((p) =>
      typed(p, "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/networkInterfaces/ipConfigurations/publicIPAddresses"),
    ),
    // A resource of the AKS-only subscription, so its resource group exists.
    { id: `/subscriptions/${AKS_ONLY}/resourceGroups/rg-aks/providers/Microsoft.Network/natGateways/ngw`, name: "ngw", type: "Microsoft.Network/natGateways", properties: {} },
  ],
  forbiddenScopes: [`${testerVmss}/virtualMachines/3`],
});

let emu: RunningEmulator;

interface Raw {
  status: number;
  json: { value?: Array<{ id: string; name?: string }>; nextLink?: string; error?: { code: string; message: string } } & Record<string, unknown>;
}
function get(path: string): Promise<Raw> {
  return rawGet<Raw["json"]>(emu, path);
}
const ids = (r: Raw) => (r.json.value ?? []).map((v) => v.id);

beforeAll(async () => {
  emu = await startEmulator({ estate, pageSize: 100 });
});
afterAll(async () => emu?.close());
beforeEach(() => emu.resetCounts());

describe("unregistered resource providers", () => {
  it("answer 409 MissingSubscriptionRegistration with ARM's body, for lists and gets under the namespace", async () => {
    const list = await get(`/subscriptions/${AKS_ONLY}/providers/Microsoft.HDInsight/clusterpools?api-version=2024-05-01-preview`);
    expect(list.status).toBe(409);
    expect(list.json).toEqual({
      error: {
        code: "MissingSubscriptionRegistration",
        message: "The subscription is not registered to use namespace 'Microsoft.HDInsight'. See https://aka.ms/rps-not-found for how to register subscriptions.",
      },
    });
    const rgGet = await get(`/subscriptions/${AKS_ONLY}/resourceGroups/rg-aks/providers/microsoft.compute/virtualMachineScaleSets/x?api-version=2024-07-01`);
    expect(rgGet.status).toBe(409);
    expect(rgGet.json.error?.message).toContain("namespace 'Microsoft.Compute'");
    expect(emu.requestCounts()["list:sub:Microsoft.HDInsight/clusterpools"]).toBe(1);
    expect(emu.requestCounts()["error:409"]).toBe(2);
  });

  it("leave other namespaces of the subscription, and the same namespace elsewhere, served as before", async () => {
    expect((await get(`/subscriptions/${AKS_ONLY}/providers/Microsoft.Network/natGateways?${API}`)).status).toBe(200);
    expect((await get(`/subscriptions/${SUB}/providers/Microsoft.HDInsight/clusterpools?${API}`)).status).toBe(200);
  });

  it("are checked by the estate schema: namespaces only", () => {
    const bad = { schemaVersion: 1, subscriptions: [{ subscriptionId: SUB, displayName: "x", unregisteredProviders: ["not a namespace"] }], resources: [] };
    expect(() => parseEstate(bad)).toThrow(/unregisteredProviders/);
  });
});

describe("a scale set's NIC and public IP lists", () => {
  it("list the NICs stored under its instances (VmssNetworkInterfaceList ids), in any casing, under one route key", async () => {
    for (const segment of ["networkInterfaces", "networkinterfaces", "NETWORKINTERFACES"]) {
      const r = await get(`${vmss1}/${segment}?api-version=2024-07-01`);
      expect(r.status).toBe(200);
      expect(ids(r)).toEqual([`${vmss1}/virtualMachines/0/networkInterfaces/nic1`, `${vmss1}/virtualMachines/1/networkInterfaces/nic1`]);
    }
    expect(emu.requestCounts()["list:children:Microsoft.Compute/virtualMachineScaleSets/networkInterfaces"]).toBe(3);
  });

  it("list the instance-level public IPs (VmssPublicIpListAll ids), leaving out a forbidden instance's", async () => {
    const r = await get(`${testerVmss}/publicipaddresses?api-version=2018-10-01`);
    expect(r.status).toBe(200);
    // Instance 3 is forbidden: a list leaves out what the caller may not read.
    expect(ids(r)).toEqual([`${testerVmss}/virtualMachines/1/networkInterfaces/nic1/ipConfigurations/ip1/publicIPAddresses/pub1`]);
    expect((await get(`${testerVmss}/publicIPAddresses?api-version=2018-10-01`)).status).toBe(200);
    expect(emu.requestCounts()["list:children:Microsoft.Compute/virtualMachineScaleSets/publicIPAddresses"]).toBe(2);
  });

  it("are empty for a scale set whose instances hold none, and 404 for a scale set that does not exist", async () => {
    expect(ids(await get(`${vmss1}/publicipaddresses?api-version=2018-10-01`))).toEqual([]);
    const missing = await get(`${rg1}/providers/Microsoft.Compute/virtualMachineScaleSets/nope/networkInterfaces?api-version=2024-07-01`);
    expect(missing.status).toBe(404);
    expect(missing.json.error?.code).toBe("ResourceNotFound");
  });
});

describe("Virtual WAN hubs, NAT gateways, public IP prefixes and scale sets through the generic routes", () => {
  it("a hub: subscription list, get, and its connections, routing intent and route tables as child lists and gets", async () => {
    expect(ids(await get(`/subscriptions/${SUB}/providers/Microsoft.Network/virtualHubs?${API}`))).toEqual([hub]);
    expect((await get(`${hub}?${API}`)).json).toMatchObject({ name: "virtualHub1", properties: { addressPrefix: "10.10.1.0/24" } });
    expect(ids(await get(`${hub}/hubVirtualNetworkConnections?${API}`))).toEqual([`${hub}/hubVirtualNetworkConnections/connection1`]);
    const intents = await get(`${hub}/routingIntent?${API}`);
    expect(ids(intents)).toEqual([`${hub}/routingIntent/Intent1`]);
    expect((intents.json.value![0] as unknown as { properties: { routingPolicies: Array<{ nextHop: string }> } }).properties.routingPolicies[0]!.nextHop).toMatch(/azureFirewalls\/azfw1$/);
    expect(ids(await get(`${hub}/hubRouteTables?${API}`))).toEqual([`${hub}/hubRouteTables/hubRouteTable1`]);
    expect((await get(`${hub}/hubRouteTables/hubRouteTable1?${API}`)).status).toBe(200);
    expect((await get(`${hub}/routingIntent/Intent1?${API}`)).status).toBe(200);
    const counts = emu.requestCounts();
    expect(counts["list:children:Microsoft.Network/virtualHubs/hubVirtualNetworkConnections"]).toBe(1);
    expect(counts["list:children:Microsoft.Network/virtualHubs/routingIntent"]).toBe(1);
    expect(counts["list:children:Microsoft.Network/virtualHubs/hubRouteTables"]).toBe(1);
  });

  it("a missing hub's children are 404", async () => {
    expect((await get(`${rg1}/providers/Microsoft.Network/virtualHubs/nope/routingIntent?${API}`)).status).toBe(404);
  });

  it("NAT gateways and public IP prefixes: subscription and resource group lists, and gets", async () => {
    const ngw = `${rg1}/providers/Microsoft.Network/natGateways/test-natGateway`;
    const prefix = `${rg1}/providers/Microsoft.Network/publicIPPrefixes/test-ipprefix`;
    expect(ids(await get(`/subscriptions/${SUB}/providers/Microsoft.Network/natGateways?${API}`))).toEqual([ngw]);
    expect(ids(await get(`${rg1}/providers/Microsoft.Network/natGateways?${API}`))).toEqual([ngw]);
    expect((await get(`${ngw}?${API}`)).json).toMatchObject({ sku: { name: "StandardV2" } });
    expect(ids(await get(`/subscriptions/${SUB}/providers/Microsoft.Network/publicIPPrefixes?${API}`))).toEqual([prefix]);
    expect(ids(await get(`${rg1}/providers/Microsoft.Network/publicIPPrefixes?${API}`))).toEqual([prefix]);
    expect((await get(`${prefix}?${API}`)).json).toMatchObject({ properties: { ipPrefix: "192.168.254.2/30" } });
  });

  it("Compute scale sets: subscription and resource group lists, and gets", async () => {
    expect(ids(await get(`/subscriptions/${SUB}/providers/Microsoft.Compute/virtualMachineScaleSets?api-version=2024-07-01`)).sort()).toEqual([vmss1, testerVmss].sort());
    expect(ids(await get(`${rg1}/providers/Microsoft.Compute/virtualMachineScaleSets?api-version=2024-07-01`))).toEqual([vmss1]);
    expect((await get(`${vmss1}?api-version=2024-07-01`)).status).toBe(200);
    expect(emu.requestCounts()["list:sub:Microsoft.Compute/virtualMachineScaleSets"]).toBe(1);
  });
});
