/**
 * The collector's reads for the egress paths of 2026, against small estates on the emulator
 * through the real SDK clients: Virtual WAN hubs with routing intent and the firewall they name,
 * NAT gateways with their addresses and prefixes, node scale sets with their instance public IPs
 * (read only where they can exist: counted by route key), and peered VNets in subscriptions
 * outside the scope (a forbidden one is a failed part and an error naming it). Bodies are
 * Microsoft's examples (test/fixtures/arm-examples/), moved to the test's ids (egressEstate.ts).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { EstateResource } from "../../src/emulator/estate.js";
import { lookup } from "../../src/model/snapshot.js";
import { agentPoolNsg, firewall, publicIp } from "../helpers/estate.js";
import {
  aks,
  closeEmulator,
  collectFrom,
  dir,
  estateOf,
  example,
  exampleRg1,
  EXAMPLE_SUB,
  mcGroup,
  NET,
  netOf,
  nsgOf,
  peering,
  rgOf,
  scaleSet,
  SUB_A,
  SUB_B,
  SUB_C,
  vnet,
} from "./egressEstate.js";

afterEach(closeEmulator);

describe("Virtual WAN: a hub with routing intent", () => {
  const spoke = netOf(SUB_A, "rg-net", "virtualNetworks", "vnet-spoke");
  const subnet = `${spoke}/subnets/aks`;
  const hubId = netOf(SUB_A, "rg-hub", "virtualHubs", "virtualHub1");
  const fwId = netOf(SUB_B, "rg-fw", "azureFirewalls", "azfw1");
  const exampleHub = `${exampleRg1}/providers/${NET}/virtualHubs/virtualHub1`;
  const hubMoves: Array<[string, string]> = [
    [exampleHub, hubId],
    [`${exampleRg1}/providers/${NET}/virtualNetworks/vnet1`, spoke],
    [`${exampleRg1}/providers/${NET}/azureFirewalls/azfw1`, fwId],
    [`${exampleRg1}/providers/${NET}/azureFirewalls/azureFirewall1`, fwId],
    [`/subscriptions/${EXAMPLE_SUB}/`, `/subscriptions/${SUB_A}/`],
  ];
  const hubFirewall = example(`${NET}/2024-03-01/AzureFirewallPutInHub.json`, [
    ["/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/azureFirewalls/azurefirewall", fwId],
    ["/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/virtualHubs/hub1", hubId],
  ]) as EstateResource & { properties: Record<string, unknown> };
  delete hubFirewall.properties.firewallPolicy;
  const connection = { ...example(`${NET}/2026-03-01/HubVirtualNetworkConnectionGet.json`, hubMoves), type: `${NET}/virtualHubs/hubVirtualNetworkConnections` } as EstateResource & {
    properties: Record<string, unknown>;
  };
  connection.properties.enableInternetSecurity = true;
  const estate = () =>
    estateOf([
      vnet(SUB_A, "rg-net", "vnet-spoke", "10.1.0.0/16", [{ name: "aks", prefix: "10.1.0.0/24" }]),
      aks(SUB_A, "rg-apps", "vwan1", { example: "ManagedNATGateway", nodeResourceGroup: "MC_vwan1", outboundType: "userDefinedRouting", subnetId: subnet }),
      ...mcGroup(SUB_A, "MC_vwan1", subnet),
      example(`${NET}/2026-03-01/VirtualHubGet.json`, hubMoves),
      connection,
      example(`${NET}/2026-03-01/RoutingIntentGet.json`, hubMoves),
      example(`${NET}/2026-03-01/HubRouteTableGet.json`, hubMoves),
      { ...hubFirewall, name: "azfw1" },
    ]);

  it("reads the hub once with its connections, routing intent and route tables into one part, and its inventory", async () => {
    let hubAtReport: unknown;
    const { snapshot, errors, counts } = await collectFrom(estate(), {
      subscriptionIds: [SUB_A],
      onTargetCollected: (_t, s) => (hubAtReport = lookup(s.virtualHubs!, hubId)),
    });
    expect(errors).toEqual([]);
    expect(snapshot.hubInventory![SUB_A]).toEqual({ ok: true, value: [hubId] });
    const hub = lookup(snapshot.virtualHubs!, hubId);
    expect(hub?.ok && hub.value.connections).toEqual([
      { id: `${hubId}/hubVirtualNetworkConnections/connection1`, name: "connection1", remoteVirtualNetworkId: spoke, enableInternetSecurity: true, associatedRouteTableId: `${hubId}/hubRouteTables/hubRouteTable1` },
    ]);
    expect(hub?.ok && hub.value.routingIntent?.routingPolicies.map((p) => [p.destinations, p.nextHop])).toEqual([
      [["Internet"], fwId],
      [["PrivateTraffic"], fwId],
    ]);
    expect(hub?.ok && hub.value.routeTables.map((t) => t.name)).toEqual(["hubRouteTable1"]);
    // The target was reported only once its hub was in.
    expect(hubAtReport).toEqual(hub);
    for (const child of ["hubVirtualNetworkConnections", "routingIntent", "hubRouteTables"]) expect(counts[`list:children:${NET}/virtualHubs/${child}`]).toBe(1);
    // The spoke's VNet comes from the VNet list: no read of its own.
    expect(lookup(snapshot.virtualNetworks!, spoke)).toMatchObject({ ok: true, value: { addressPrefixes: ["10.1.0.0/16"], peerings: [] } });
    expect(counts[`get:${NET}/virtualNetworks`]).toBeUndefined();
  });

  it("reads the firewall the routing intent and the route table name by id, once, outside the scope", async () => {
    const { snapshot, counts } = await collectFrom(estate());
    expect(lookup(snapshot.firewalls, fwId)).toMatchObject({ ok: true, value: { name: "azfw1", privateIpAddresses: ["10.0.0.0"] } });
    expect(counts[`get:${NET}/azureFirewalls`]).toBe(1);
  });

  it("links the hub to its firewall from the firewall's virtualHub.id when the firewall is listed (no read by id)", async () => {
    const { snapshot, counts } = await collectFrom(estate(), { subscriptionIds: [SUB_A, SUB_B] });
    expect(lookup(snapshot.virtualHubs!, hubId)).toMatchObject({ ok: true, value: { azureFirewallId: fwId } });
    expect(counts[`get:${NET}/azureFirewalls`]).toBeUndefined();
  });

  it("makes the whole hub part failed when one child list fails, with the error naming the hub", async () => {
    const { snapshot, errors } = await collectFrom(estate(), { subscriptionIds: [SUB_A] }, { rules: [{ path: "/routingIntent$", kind: "status", status: 500 }] });
    expect(lookup(snapshot.virtualHubs!, hubId)).toMatchObject({ ok: false, error: { statusCode: 500 } });
    expect(errors.find((e) => e.scope === `${hubId}/routingIntent`)?.message).toMatch(new RegExp(`^virtual hub virtualHub1 in subscription ${SUB_A}: `));
  });
});

describe("NAT gateways and public IP prefixes", () => {
  const rg = rgOf(SUB_A, "rg-net2");
  const ngwId = netOf(SUB_A, "rg-net2", "natGateways", "test-natGateway");
  const subnet = `${netOf(SUB_A, "rg-net2", "virtualNetworks", "test-vnet")}/subnets/subnet1`;
  const pip2 = netOf(SUB_B, "rg-b", "publicIPAddresses", "PublicIpAddress2");
  const prefix2 = netOf(SUB_B, "rg-b", "publicIPPrefixes", "PublicIpPrefix2");
  const managedNgw = netOf(SUB_A, "MC_mnat", "natGateways", "ngw-managed");
  const natPublicIp = (sub: string, group: string, name: string, ngw: string): EstateResource => ({
    ...publicIp(sub, group, name),
    properties: { publicIPAllocationMethod: "Static", ipAddress: "20.1.2.4", natGateway: { id: ngw } },
  });

  const estate = () => {
    const gw = example(`${NET}/2026-03-01/NatGatewayGetStandardV2Sku.json`, [
      [`${exampleRg1}/providers/${NET}/publicIPAddresses/PublicIpAddress2`, pip2],
      [`${exampleRg1}/providers/${NET}/publicIPPrefixes/PublicIpPrefix2`, prefix2],
      [exampleRg1, rg],
    ]);
    const managed = example(`${NET}/2026-03-01/NatGatewayGetStandardV2Sku.json`, [[`${exampleRg1}/providers/${NET}/natGateways/test-natGateway`, managedNgw]]) as EstateResource & {
      properties: Record<string, unknown>;
    };
    managed.name = "ngw-managed";
    managed.properties = {
      publicIpAddresses: [{ id: netOf(SUB_A, "MC_mnat", "publicIPAddresses", "mgdoutboundip1") }, { id: netOf(SUB_A, "MC_mnat", "publicIPAddresses", "mgdoutboundip2") }],
    };
    const withNatGateway = (body: EstateResource, ngw: string): EstateResource => ({ ...body, properties: { ...(body.properties as object), natGateway: { id: ngw } } });
    const prefix = (sub: string, group: string, name: string) =>
      ({ ...example(`${NET}/2026-03-01/PublicIpPrefixGet.json`, [[`${exampleRg1}/providers/${NET}/publicIPPrefixes/test-ipprefix`, netOf(sub, group, "publicIPPrefixes", name)]]), name }) as EstateResource;
    return estateOf([
      vnet(SUB_A, "rg-net2", "test-vnet", "10.2.0.0/16", [{ name: "subnet1", prefix: "10.2.0.0/24", natGatewayId: ngwId }]),
      gw,
      publicIp(SUB_A, "rg-net2", "PublicIpAddress1"),
      publicIp(SUB_B, "rg-b", "PublicIpAddress2"),
      // As ARM returns a NAT gateway's prefix: with the `natGateway` back-reference (a cycle to follow once).
      withNatGateway(prefix(SUB_A, "rg-net2", "PublicIpPrefix1"), ngwId),
      prefix(SUB_B, "rg-b", "PublicIpPrefix2"),
      // Its NAT outbound addresses name the prefix too: prefix -> NAT gateway -> prefix, each read once.
      aks(SUB_A, "rg-apps", "nat1", {
        example: "ManagedNATGateway",
        nodeResourceGroup: "MC_nat1",
        outboundType: "userAssignedNATGateway",
        subnetId: subnet,
        keepNat: true,
        moves: [
          [`${rgOf(SUB_A, "MC_nat1")}/providers/${NET}/publicIPAddresses/mgdoutboundip1`, `${rg}/providers/${NET}/publicIPPrefixes/PublicIpPrefix1`],
          [`${rgOf(SUB_A, "MC_nat1")}/providers/${NET}/publicIPAddresses/mgdoutboundip2`, `${rg}/providers/${NET}/publicIPAddresses/PublicIpAddress1`],
        ],
      }),
      ...mcGroup(SUB_A, "MC_nat1", subnet),
      // A managed NAT gateway: in the MC group, named only through the cluster's NAT outbound IPs.
      aks(SUB_A, "rg-apps", "mnat", { example: "ManagedNATGateway", nodeResourceGroup: "MC_mnat", outboundType: "managedNATGateway", keepNat: true }),
      ...mcGroup(SUB_A, "MC_mnat", `${netOf(SUB_A, "MC_mnat", "virtualNetworks", "aks-vnet-1")}/subnets/aks-subnet`),
      managed,
      natPublicIp(SUB_A, "MC_mnat", "mgdoutboundip1", managedNgw),
      natPublicIp(SUB_A, "MC_mnat", "mgdoutboundip2", managedNgw),
    ]);
  };

  it("reads a subnet's NAT gateway from the list, and its addresses and prefixes from the lists or by id outside the scope", async () => {
    const { snapshot, errors, counts } = await collectFrom(estate());
    expect(errors).toEqual([]);
    expect(lookup(snapshot.natGateways!, ngwId)).toMatchObject({ ok: true, value: { skuName: "StandardV2", subnetIds: [subnet] } });
    expect(lookup(snapshot.publicIps, `${rg}/providers/${NET}/publicIPAddresses/PublicIpAddress1`)).toMatchObject({ ok: true });
    expect(lookup(snapshot.publicIps, pip2)).toMatchObject({ ok: true, value: { name: "PublicIpAddress2" } });
    expect(lookup(snapshot.publicIpPrefixes!, `${rg}/providers/${NET}/publicIPPrefixes/PublicIpPrefix1`)).toMatchObject({ ok: true, value: { ipPrefix: "192.168.254.2/30", natGatewayId: ngwId } });
    expect(lookup(snapshot.publicIpPrefixes!, prefix2)).toMatchObject({ ok: true });
    // Only what no list holds (subscription B is not scanned) is read by id.
    expect(counts[`get:${NET}/natGateways`]).toBeUndefined();
    expect(counts[`get:${NET}/publicIPAddresses`]).toBe(1);
    expect(counts[`get:${NET}/publicIPPrefixes`]).toBe(1);
  });

  it("finds a managed NAT gateway through the cluster's NAT outbound IPs (in the MC group), with no read by id", async () => {
    const { snapshot, counts } = await collectFrom(estate());
    const mc = lookup(snapshot.mcGroups, rgOf(SUB_A, "MC_mnat"));
    expect(mc?.ok && mc.value.publicIpIds.map((id) => id.split("/").pop()).sort()).toEqual(["mgdoutboundip1", "mgdoutboundip2"]);
    const aksPart = lookup(snapshot.aksClusters, `${rgOf(SUB_A, "rg-apps")}/providers/Microsoft.ContainerService/managedClusters/mnat`);
    expect(aksPart?.ok && aksPart.value.natEffectiveOutboundIds?.length).toBe(2);
    expect(lookup(snapshot.natGateways!, managedNgw)).toMatchObject({ ok: true, value: { name: "ngw-managed" } });
    expect(counts[`get:${NET}/natGateways`]).toBeUndefined();
  });

  it("records the MC group's public IP prefixes and scale sets", async () => {
    const { snapshot } = await collectFrom(estate());
    expect(lookup(snapshot.mcGroups, rgOf(SUB_A, "MC_nat1"))).toMatchObject({
      ok: true,
      value: { publicIpPrefixIds: [], scaleSetIds: [`${rgOf(SUB_A, "MC_nat1")}/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-12345678-vmss`] },
    });
  });
});

describe("node scale sets: instance public IPs only where they can exist", () => {
  const subnet = `${netOf(SUB_A, "rg-net", "virtualNetworks", "vnet-nodes")}/subnets/aks`;
  const prefixId = netOf(SUB_A, "rg-pfx", "publicIPPrefixes", "public-ip-prefix");
  const vmssOf = (mc: string, name = "aks-nodepool1-12345678-vmss") => `${rgOf(SUB_A, mc)}/providers/Microsoft.Compute/virtualMachineScaleSets/${name}`;
  const foreignNsg = netOf(SUB_B, "rg-sec", "networkSecurityGroups", "nsg-nodes");
  const estate = () => {
    const instanceIps = (JSON.parse(readFileSync(join(dir, `${NET}/2024-07-01/VmssPublicIpListAll.json`), "utf8")) as { responses: { "200": { body: { value: EstateResource[] } } } }).responses[
      "200"
    ].body.value.map((p) =>
      JSON.parse(
        JSON.stringify({ ...p, type: "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/networkInterfaces/ipConfigurations/publicIPAddresses" }).replaceAll(
          "/subscriptions/subid/resourceGroups/vmss-tester/providers/Microsoft.Compute/virtualMachineScaleSets/vmss1",
          vmssOf("MC_nodeip"),
        ),
      ) as EstateResource,
    );
    return estateOf([
      vnet(SUB_A, "rg-net", "vnet-nodes", "10.3.0.0/16", [{ name: "aks", prefix: "10.3.0.0/24" }]),
      { ...example(`${NET}/2026-03-01/PublicIpPrefixGet.json`, [[`${exampleRg1}/providers/${NET}/publicIPPrefixes/test-ipprefix`, prefixId]]), name: "public-ip-prefix" },
      // Node public IPs from a prefix: the agent pool says so; the scale set's profile does not.
      aks(SUB_A, "rg-apps", "nodeip", {
        example: "NodePublicIPPrefix",
        nodeResourceGroup: "MC_nodeip",
        outboundType: "loadBalancer",
        subnetId: subnet,
        moves: [[`${exampleRg1}/providers/${NET}/publicIPPrefixes/public-ip-prefix`, prefixId]],
      }),
      ...mcGroup(SUB_A, "MC_nodeip", subnet),
      ...instanceIps,
      // No node public IPs: a pool scale set without them, and a scale set whose own profile configures them.
      aks(SUB_A, "rg-apps", "noip", { example: "ManagedNATGateway", nodeResourceGroup: "MC_noip", outboundType: "loadBalancer", subnetId: subnet }),
      ...mcGroup(SUB_A, "MC_noip", subnet),
      scaleSet(SUB_A, "MC_noip", "aks-user-87654321-vmss", { pool: "user", nsgId: foreignNsg, subnetId: subnet, publicIp: true }),
      { ...agentPoolNsg(SUB_B, "rg-sec"), id: foreignNsg, name: "nsg-nodes" },
    ]);
  };

  it("reads them for the pool with enableNodePublicIP and for a profile that configures them, and not otherwise", async () => {
    const { snapshot, errors, counts } = await collectFrom(estate());
    expect(errors).toEqual([]);
    expect(counts["list:children:Microsoft.Compute/virtualMachineScaleSets/publicIPAddresses"]).toBe(2);
    const nodeip = lookup(snapshot.scaleSets!, vmssOf("MC_nodeip"));
    expect(nodeip?.ok && nodeip.value.agentPoolName).toBe("nodepool1");
    expect(nodeip?.ok && nodeip.value.instancePublicIps).toMatchObject({ ok: true, value: [{ name: "pub1", ipAddress: "13.67.119.72" }, { name: "pub1", ipAddress: "13.67.118.216" }] });
    const plain = lookup(snapshot.scaleSets!, vmssOf("MC_noip"));
    expect(plain?.ok && plain.value).not.toHaveProperty("instancePublicIps");
    const own = lookup(snapshot.scaleSets!, vmssOf("MC_noip", "aks-user-87654321-vmss"));
    expect(own?.ok && own.value.instancePublicIpConfigured).toBe(true);
    expect(own?.ok && own.value.instancePublicIps).toEqual({ ok: true, value: [] });
  });

  it("reads the agent pool's node public IP prefix, and a NIC NSG no list returned by id", async () => {
    const { snapshot, counts } = await collectFrom(estate());
    expect(lookup(snapshot.publicIpPrefixes!, prefixId)).toMatchObject({ ok: true, value: { name: "public-ip-prefix" } });
    expect(counts[`get:${NET}/publicIPPrefixes`]).toBeUndefined();
    expect(lookup(snapshot.networkSecurityGroups, nsgOf(SUB_A, "MC_noip"))).toMatchObject({ ok: true });
    expect(lookup(snapshot.networkSecurityGroups, foreignNsg)).toMatchObject({ ok: true, value: { name: "nsg-nodes" } });
    expect(counts[`get:${NET}/networkSecurityGroups`]).toBe(1);
  });

  it("fails an MC group whose scale set list fails (node public IPs unknown), and says so", async () => {
    const { snapshot, errors } = await collectFrom(estate(), { subscriptionIds: [SUB_A] }, { rules: [{ path: "/providers/Microsoft.Compute/virtualMachineScaleSets$", kind: "status", status: 500 }] });
    expect(lookup(snapshot.mcGroups, rgOf(SUB_A, "MC_nodeip"))).toMatchObject({ ok: false, error: { statusCode: 500 } });
    expect(errors.some((e) => e.scope.endsWith("/providers/Microsoft.Compute/virtualMachineScaleSets"))).toBe(true);
  });
});

describe("peered VNets in subscriptions outside the scope", () => {
  const spoke = netOf(SUB_A, "rg-net3", "virtualNetworks", "vnet-peered-spoke");
  const subnet = `${spoke}/subnets/aks`;
  const lockedHub = netOf(SUB_C, "rg-hub", "virtualNetworks", "vnet-hub");
  const openHub = netOf(SUB_B, "rg-hubb", "virtualNetworks", "vnet-hubb");
  const estate = () =>
    estateOf(
      [
        vnet(SUB_A, "rg-net3", "vnet-peered-spoke", "10.4.0.0/16", [{ name: "aks", prefix: "10.4.0.0/24" }], [peering(spoke, lockedHub, "10.0.0.0/16"), peering(spoke, openHub, "10.9.0.0/16")]),
        aks(SUB_A, "rg-apps", "peered", { example: "ManagedNATGateway", nodeResourceGroup: "MC_peered", outboundType: "userDefinedRouting", subnetId: subnet }),
        ...mcGroup(SUB_A, "MC_peered", subnet),
        vnet(SUB_C, "rg-hub", "vnet-hub", "10.0.0.0/16", [{ name: "AzureFirewallSubnet", prefix: "10.0.1.0/26" }]),
        firewall(SUB_C, "rg-hub", "fw-locked", "10.0.1.4"),
        vnet(SUB_B, "rg-hubb", "vnet-hubb", "10.9.0.0/16", [{ name: "AzureFirewallSubnet", prefix: "10.9.1.0/26" }]),
        firewall(SUB_B, "rg-hubb", "fw-b", "10.9.1.4"),
      ],
      { forbiddenScopes: [`/subscriptions/${SUB_C}`] },
    );

  it("reads a forbidden subscription's VNet by id and its shared lists: failed parts, and errors naming the subscription", async () => {
    const { snapshot, errors } = await collectFrom(estate());
    expect(lookup(snapshot.virtualNetworks!, lockedHub)).toMatchObject({ ok: false, error: { code: "AuthorizationFailed" } });
    expect(snapshot.firewallInventory[SUB_C]).toMatchObject({ ok: false, error: { code: "AuthorizationFailed" } });
    expect(snapshot.hubInventory![SUB_C]).toMatchObject({ ok: false });
    expect(snapshot.privateDnsZoneInventory[SUB_C]).toMatchObject({ ok: false });
    const outside = `in subscription ${SUB_C}, outside the scan's scope`;
    const vnetError = errors.find((e) => e.scope === lockedHub);
    expect(vnetError?.code).toBe("AuthorizationFailed");
    expect(vnetError?.message).toContain(`peered virtual network vnet-hub ${outside}`);
    expect(errors.find((e) => e.scope === `/subscriptions/${SUB_C}/providers/${NET}/azureFirewalls`)?.message).toContain(
      `the Azure firewalls of subscription ${SUB_C}, outside the scan's scope (peered from virtual network vnet-peered-spoke)`,
    );
  });

  it("reads a readable one's shared lists as for a context subscription: its firewall is found; a scanned one's VNet comes from the list", async () => {
    const { snapshot, counts } = await collectFrom(estate());
    expect(snapshot.firewallInventory[SUB_B]).toEqual({ ok: true, value: [netOf(SUB_B, "rg-hubb", "azureFirewalls", "fw-b")] });
    expect(lookup(snapshot.firewalls, netOf(SUB_B, "rg-hubb", "azureFirewalls", "fw-b"))).toMatchObject({ ok: true, value: { privateIpAddresses: ["10.9.1.4"] } });
    expect(lookup(snapshot.virtualNetworks!, openHub)).toMatchObject({ ok: true, value: { addressPrefixes: ["10.9.0.0/16"] } });
    expect(lookup(snapshot.virtualNetworks!, spoke)).toMatchObject({
      ok: true,
      value: { peerings: [{ remoteVirtualNetworkId: lockedHub, remoteAddressPrefixes: ["10.0.0.0/16"] }, { remoteVirtualNetworkId: openHub }] },
    });
    // Each outside subscription's shared lists once; its VNets by id, not listed.
    expect(counts[`list:sub:${NET}/azureFirewalls`]).toBe(3);
    expect(counts[`list:sub:${NET}/virtualNetworks`]).toBe(1);
    expect(counts[`get:${NET}/virtualNetworks`]).toBe(2);
  });

  it("needs nothing outside the scope when the peered subscription is a context subscription", async () => {
    const { snapshot, counts } = await collectFrom(estate(), { subscriptionIds: [SUB_A], contextSubscriptionIds: [SUB_B] });
    expect(lookup(snapshot.firewalls, netOf(SUB_B, "rg-hubb", "azureFirewalls", "fw-b"))).toMatchObject({ ok: true });
    // Only the locked hub is read by id; B's shared lists were read as context, once.
    expect(counts[`get:${NET}/virtualNetworks`]).toBe(1);
    expect(counts[`list:sub:${NET}/azureFirewalls`]).toBe(3);
  });
});
