/**
 * The collector against small estates on the emulator, through the real SDK clients: how targets
 * are found, how references are followed, and that what could not be read stays visible.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ArmClients } from "../../src/arm/clients.js";
import { collect } from "../../src/collect/collector.js";
import { lookup } from "../../src/model/snapshot.js";
import { readArmSettings } from "../../src/config/settings.js";
import { parseEstate } from "../../src/emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { agentPoolNsg, aksCluster, clusterPool, estateOf, firewall, netId, publicIp, routeTable, SUB_A, SUB_B, vnet } from "../helpers/estate.js";

let emu: RunningEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function collectFrom(estate: ReturnType<typeof estateOf>, subscriptionIds?: string[]) {
  emu = await startEmulator({ estate: parseEstate(estate) });
  const clients = new ArmClients(readArmSettings({}, { endpoint: emu.url, staticToken: "t" }), {
    caCertificates: [emu.caCertPem],
    maxRetries: 0,
  });
  const result = await collect(clients, subscriptionIds ? { subscriptionIds } : {});
  return { ...result, stats: clients.stats, counts: emu.requestCounts() };
}

const rtId = netId(SUB_A, "rg-net", "routeTables", "rt-egress");
const subnetId = `${netId(SUB_A, "rg-net", "virtualNetworks", "vnet-spoke")}/subnets/pool`;
const poolAksId = `/subscriptions/${SUB_A}/resourceGroups/hdi-45cd32aead6e4a91b079a0cdbfac8c36/providers/Microsoft.ContainerService/managedClusters/pool1`;

function udrPoolEstate(extra: { forbiddenScopes?: string[]; aksManagedResourceGroupName?: string } = {}) {
  return estateOf(
    [
      clusterPool(SUB_A, "rg-pools", "pool1", {
        aksClusterResourceId: poolAksId,
        ...(extra.aksManagedResourceGroupName ? { aksManagedResourceGroupName: extra.aksManagedResourceGroupName } : {}),
        networkProfile: { subnetId, outboundType: "userDefinedRouting", enablePrivateApiServer: true },
      }),
      aksCluster(SUB_A, "hdi-45cd32aead6e4a91b079a0cdbfac8c36", "pool1", { nodeResourceGroup: "MC_hdi_pool1_eastus", outboundType: "userDefinedRouting", subnetId }),
      aksCluster(SUB_A, "rg-apps", "plain1", { nodeResourceGroup: "MC_rg-apps_plain1_eastus", outboundType: "userDefinedRouting", subnetId }),
      vnet(SUB_A, "rg-net", "vnet-spoke", { name: "pool", prefix: "10.1.0.0/24", routeTableId: rtId }),
      routeTable(SUB_A, "rg-net", "rt-egress", [{ name: "default", prefix: "0.0.0.0/0", hop: "VirtualAppliance", ip: "10.0.1.4" }]),
      firewall(SUB_A, "rg-hub", "fw-hub", "10.0.1.4"),
      publicIp(SUB_A, "MC_rg-apps_plain1_eastus", "stray"),
      agentPoolNsg(SUB_A, "MC_hdi_pool1_eastus"),
    ],
    extra.forbiddenScopes ? { forbiddenScopes: extra.forbiddenScopes } : {},
  );
}

describe("collect", () => {
  it("finds pools and plain AKS clusters, but not a pool's own AKS cluster as a second target", async () => {
    const { snapshot } = await collectFrom(udrPoolEstate());
    expect(snapshot.targets.map((t) => `${t.kind}:${t.name}`).sort()).toEqual(["aksCluster:plain1", "clusterPool:pool1"]);
    const pool = snapshot.targets.find((t) => t.kind === "clusterPool")!;
    expect(pool.aksClusterId).toBe(poolAksId);
    expect(pool.subnetIds).toEqual([subnetId]);
    expect(pool.clusters).toEqual({ ok: true, value: [] });
  });

  it("takes the MC group from the AKS cluster when the pool does not return aksManagedResourceGroupName", async () => {
    const { snapshot } = await collectFrom(udrPoolEstate());
    const pool = snapshot.targets.find((t) => t.kind === "clusterPool")!;
    expect(pool.mcGroupId).toBe(`/subscriptions/${SUB_A}/resourceGroups/MC_hdi_pool1_eastus`);
    expect(lookup(snapshot.mcGroups, pool.mcGroupId)).toMatchObject({ ok: true, value: { publicIpIds: [] } });
    const plain = snapshot.targets.find((t) => t.kind === "aksCluster")!;
    const mc = lookup(snapshot.mcGroups, plain.mcGroupId);
    expect(mc?.ok && mc.value.publicIpIds.map((id) => id.split("/").pop())).toEqual(["stray"]);
  });

  it("reads a subnet and route table shared by two targets once, from the subscription lists", async () => {
    const { snapshot, counts } = await collectFrom(udrPoolEstate());
    expect(lookup(snapshot.subnets, subnetId)).toMatchObject({ ok: true, value: { routeTableId: rtId } });
    expect(lookup(snapshot.routeTables, rtId)).toMatchObject({ ok: true, value: { routes: [{ addressPrefix: "0.0.0.0/0", nextHopIpAddress: "10.0.1.4" }] } });
    // Joined locally: no GET of the subnet or the route table at all.
    const gets = Object.entries(counts).filter(([k]) => k.startsWith("get:") && !k.startsWith("get:subscription"));
    expect(gets).toEqual([]);
    expect(snapshot.firewallInventory[SUB_A]).toEqual({ ok: true, value: [netId(SUB_A, "rg-hub", "azureFirewalls", "fw-hub")] });
  });

  it("records a forbidden network resource group on the parts it left empty, with the ARM error", async () => {
    const { snapshot, errors } = await collectFrom(udrPoolEstate({ forbiddenScopes: [`/subscriptions/${SUB_A}/resourceGroups/rg-net`] }));
    const subnet = lookup(snapshot.subnets, subnetId);
    expect(subnet).toMatchObject({ ok: false, error: { code: "AuthorizationFailed", statusCode: 403 } });
    expect(lookup(snapshot.routeTables, rtId)).toBeUndefined(); // never referenced: the subnet could not be read
    expect(errors).toContainEqual(expect.objectContaining({ code: "AuthorizationFailed", scope: subnetId }));
  });

  it("reads a readable MC group from the subscription lists, with no request of its own", async () => {
    const { counts } = await collectFrom(udrPoolEstate());
    expect(Object.keys(counts).filter((k) => k.startsWith("list:rg:"))).toEqual([]);
  });

  it("never takes a forbidden MC group's silence in a list for 'no public IPs'", async () => {
    const mc = `/subscriptions/${SUB_A}/resourceGroups/MC_hdi_pool1_eastus`;
    const { snapshot } = await collectFrom(udrPoolEstate({ forbiddenScopes: [mc], aksManagedResourceGroupName: "MC_hdi_pool1_eastus" }));
    expect(lookup(snapshot.mcGroups, mc)).toMatchObject({ ok: false, error: { code: "AuthorizationFailed" } });
  });

  it("keeps going when a whole subscription is forbidden, and says so", async () => {
    const estate = udrPoolEstate();
    estate.subscriptions.push({ subscriptionId: SUB_B, displayName: "locked" });
    estate.forbiddenScopes = [`/subscriptions/${SUB_B}`];
    const { snapshot, errors, subscriptionIds } = await collectFrom(estate);
    expect(subscriptionIds.sort()).toEqual([SUB_A, SUB_B].sort());
    expect(snapshot.targets).toHaveLength(2);
    expect(snapshot.firewallInventory[SUB_B]).toMatchObject({ ok: false, error: { code: "AuthorizationFailed" } });
    expect(errors).toContainEqual(expect.objectContaining({ scope: `/subscriptions/${SUB_B}/resourcegroups`, code: "AuthorizationFailed" }));
    const lists = errors.filter((e) => e.scope.startsWith(`/subscriptions/${SUB_B}/providers/`));
    expect(new Set(lists.map((e) => e.code))).toEqual(new Set(["AuthorizationFailed"]));
    expect(lists.map((e) => e.scope.split("/providers/")[1]).sort()).toEqual(
      [
        "Microsoft.Authorization/roleAssignments",
        "Microsoft.Compute/virtualMachineScaleSets",
        "Microsoft.ContainerService/managedClusters",
        "Microsoft.HDInsight/clusterpools",
        "Microsoft.Network/azureFirewalls",
        "Microsoft.Network/firewallPolicies",
        "Microsoft.Network/ipGroups",
        "Microsoft.Network/loadBalancers",
        "Microsoft.Network/natGateways",
        "Microsoft.Network/publicIPAddresses",
        "Microsoft.Network/publicIPPrefixes",
        "Microsoft.Network/networkSecurityGroups",
        "Microsoft.Network/privateDnsZones",
        "Microsoft.Network/privateLinkServices",
        "Microsoft.Network/routeTables",
        "Microsoft.Network/virtualHubs",
        "Microsoft.Network/virtualNetworks",
      ].sort(),
    );
  });

  it("scans only the subscriptions asked for, and notes one the credential cannot see", async () => {
    const ghost = "cccccccc-0000-4000-8000-000000000003";
    const { subscriptionIds, errors } = await collectFrom(udrPoolEstate(), [SUB_A, ghost]);
    expect(subscriptionIds).toEqual([SUB_A, ghost]);
    expect(errors).toContainEqual(expect.objectContaining({ code: "SubscriptionNotVisible", scope: `/subscriptions/${ghost}` }));
  });

  it("counts requests into stats the same way the emulator counts them", async () => {
    const { stats } = await collectFrom(udrPoolEstate());
    expect(stats.armRequests).toBe(emu!.totalRequests());
    expect(stats.retries).toBe(0);
    expect(stats.throttled).toBe(0);
  });
});

describe("collect: the parts the full catalog judges (demo estate)", () => {
  it("reads firewall policies with their rule collection groups, NSGs, private DNS zones, role assignments and definitions", async () => {
    const { loadEstate } = await import("../../src/emulator/estate.js");
    const estate = await loadEstate(new URL("../../estates/demo.json", import.meta.url).pathname);
    const { snapshot } = await collectFrom(estate);

    const policies = Object.values(snapshot.firewallPolicies);
    expect(policies.length).toBeGreaterThan(0);
    for (const p of policies) {
      expect(p.ok).toBe(true);
      if (p.ok) expect(p.value.ruleCollectionGroups.length).toBeGreaterThan(0);
    }

    // Every readable pool subnet's NSG was resolved (from the subscription list, not by GET).
    for (const part of Object.values(snapshot.subnets)) {
      if (part.ok && part.value.networkSecurityGroupId) {
        expect(lookup(snapshot.networkSecurityGroups, part.value.networkSecurityGroupId)?.ok).toBe(true);
      }
    }

    // Each private cluster FQDN has its zone read, with the A record and the VNet links.
    const privateFqdns = snapshot.targets.flatMap((t) => (t.clusters?.ok ? t.clusters.value.map((c) => c.privateFqdn) : [])).filter(Boolean);
    expect(privateFqdns.length).toBeGreaterThan(0);
    const zones = Object.values(snapshot.privateDnsZones).flatMap((z) => (z.ok ? [z.value] : []));
    for (const fqdn of privateFqdns) {
      const zone = zones.find((z) => fqdn!.toLowerCase().endsWith(`.${z.name.toLowerCase()}`));
      expect(zone, fqdn).toBeDefined();
      expect(zone!.aRecords.some((r) => r.fqdn.toLowerCase() === fqdn!.toLowerCase())).toBe(true);
      expect(zone!.virtualNetworkLinks.length).toBeGreaterThan(0);
    }

    for (const sub of snapshot.subscriptions) expect(snapshot.roleAssignments[sub.subscriptionId]?.ok).toBe(true);
    expect(snapshot.roleDefinitions["4d97b98b-1d4f-4787-a291-c67834d212e7"]).toMatchObject({ ok: true, value: { roleName: "Network Contributor" } });
    expect(Object.keys(snapshot.privateLinkServices).length).toBeGreaterThan(0);
  });
});
