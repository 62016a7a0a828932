/**
 * The dependency index over real estates: the demo estate and a generated benchmark estate,
 * collected through the real SDK clients against the emulator and judged by the real checks.
 * Properties over every target: each finding's resource (or a parent) is a dependency of its
 * target, and every snapshot entry the checks look up for a target (recorded, see
 * dependencyRecorder.ts) is covered by its dependencies. Then specific edges: route table, shared
 * firewall policy, a new public IP in an MC group, unrelated resources, a bare subscription.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generateEstate } from "../../bench/generate.js";
import { ArmClients } from "../../src/arm/clients.js";
import { parseBaseline, emptyBaseline, type Baseline } from "../../src/baseline/baseline.js";
import { checks } from "../../src/checks/index.js";
import { affectedTargets, buildDependencyIndex, inventoryKeysOf, packDependencyIndex, targetDependencies, unpackDependencyIndex } from "../../src/checks/lib/dependencyIndex.js";
import type { DependencyIndex } from "../../src/checks/lib/dependencyIndex.js";
import { egressPathOf } from "../../src/checks/lib/egressPath.js";
import { effectiveRuleSet } from "../../src/checks/lib/firewall/ruleSet.js";
import { mcGroupIdOf, subnetOf, targetSubnets } from "../../src/checks/lib/target.js";
import { collect } from "../../src/collect/collector.js";
import { readArmSettings } from "../../src/config/settings.js";
import { loadEstate, parseEstate, type Estate } from "../../src/emulator/estate.js";
import { startEmulator } from "../../src/emulator/server.js";
import { lookup } from "../../src/model/snapshot.js";
import { collectingSnapshot } from "../../src/model/snapshot.js";
import type { AzureFirewall, Snapshot, Target } from "../../src/model/snapshot.js";
import { loadAllCases } from "./case-files.js";
import type { EstateResource } from "../../src/emulator/estate.js";
import { aks, estateOf, example, EXAMPLE_SUB, exampleRg1, mcGroup, NET, netOf, SUB_A, SUB_B, vnet } from "../collect/egressEstate.js";
import { recordReads, RESOURCE_MAPS, SUBSCRIPTION_MAPS } from "./dependencyRecorder.js";

const REPO = join(import.meta.dirname, "..", "..");

/** Collects an estate through the real collector against the emulator. */
async function collectEstate(estate: Estate, subscriptionIds?: string[]): Promise<Snapshot> {
  const emu = await startEmulator({ estate });
  try {
    const clients = new ArmClients(readArmSettings({}, { endpoint: emu.url, staticToken: "t" }), { caCertificates: [emu.caCertPem], maxRetries: 0 });
    return (await collect(clients, subscriptionIds ? { subscriptionIds } : {})).snapshot;
  } finally {
    await emu.close();
  }
}

/** The id and the resources above it, lower-cased (`.../routeTables/rt/routes/r` -> itself, `.../routeTables/rt`). */
function selfAndParents(id: string): string[] {
  const out = [id.toLowerCase()];
  const m = /^(\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/[^/]+)((?:\/[^/]+\/[^/]+)+)$/i.exec(id);
  if (m === null) return out;
  const pairs = m[2]!.split("/").filter(Boolean);
  for (let i = 2; i < pairs.length; i += 2) out.push(`${m[1]!}/${pairs.slice(0, i).join("/")}`.toLowerCase());
  return out;
}

/** Every property the index must hold over one judged estate, each target checked against what its checks read. */
function holdsProperties(snapshot: Snapshot, baseline: Baseline): { findings: number; reads: number } {
  let findings = 0;
  let reads = 0;
  for (const target of snapshot.targets) {
    const deps = targetDependencies(snapshot, target, { baseline });
    const resources = new Set(deps.resources);
    const inventories = new Set(deps.inventories);
    const recorded = recordReads(snapshot, target, baseline);
    // (a) Each finding's resource, or one of its parents, is a dependency of its target.
    for (const f of recorded.evaluation.findings) {
      findings++;
      expect(selfAndParents(f.resourceId).some((id) => resources.has(id)), `${target.name}: ${f.checkId} on ${f.resourceId}`).toBe(true);
    }
    // Every entry the checks looked up for the target is covered by its dependencies.
    for (const name of RESOURCE_MAPS) {
      for (const key of recorded.reads.get(name) ?? []) {
        reads++;
        expect(selfAndParents(key).some((id) => resources.has(id)), `${target.name}: ${name}[${key}]`).toBe(true);
      }
    }
    for (const guid of recorded.reads.get("roleDefinitions") ?? []) {
      expect([...resources].some((id) => id.endsWith(`/roledefinitions/${guid}`)), `${target.name}: roleDefinitions[${guid}]`).toBe(true);
    }
    for (const [name, type] of Object.entries(SUBSCRIPTION_MAPS)) {
      for (const sub of recorded.reads.get(name) ?? []) expect(inventories.has(`/subscriptions/${sub}/providers/${type}`), `${target.name}: ${name}[${sub}]`).toBe(true);
    }
    // What the checks never read leaves no trace: no bare subscription, nothing but lower case.
    for (const id of deps.resources) {
      expect(id).toBe(id.toLowerCase());
      expect(id).not.toMatch(/^\/subscriptions\/[^/]+$/);
    }
  }
  return { findings, reads };
}

/** The targets whose subnets name this route table, from the snapshot itself. */
function targetsOfRouteTable(snapshot: Snapshot, routeTableId: string): string[] {
  return snapshot.targets
    .filter((t) => {
      const subnets = targetSubnets(snapshot, t);
      return subnets.ok && subnets.value.ids.some((s) => {
        const subnet = subnetOf(snapshot, s);
        return subnet.ok && subnet.value.routeTableId?.toLowerCase() === routeTableId.toLowerCase();
      });
    })
    .map((t) => t.id)
    .sort();
}

/** The targets whose egress (a subnet's `0.0.0.0/0`, own route or secured hub) reaches a firewall this test accepts. */
function targetsThroughFirewall(snapshot: Snapshot, accept: (fw: AzureFirewall) => boolean): string[] {
  return snapshot.targets
    .filter((t) => {
      const subnets = targetSubnets(snapshot, t);
      return subnets.ok && subnets.value.ids.some((s) => {
        const path = egressPathOf(snapshot, s);
        if (path.kind === "appliance") return path.firewallsAtHop().firewalls.some(accept);
        return path.kind === "securedHub" && accept(path.firewall);
      });
    })
    .map((t) => t.id)
    .sort();
}

function firewalls(snapshot: Snapshot): AzureFirewall[] {
  return Object.values(snapshot.firewalls).flatMap((p) => (p.ok ? [p.value] : []));
}

/** The rule collection group, the firewalls whose rule sets include its policy, and the targets behind them. */
function sharedPolicy(snapshot: Snapshot): { rcgId: string; behind: string[] } {
  const byPolicy = new Map<string, string[]>();
  for (const fw of firewalls(snapshot)) {
    const rs = effectiveRuleSet(snapshot, fw);
    if (rs.ok) for (const p of rs.value.policyChain) byPolicy.set(p.toLowerCase(), [...(byPolicy.get(p.toLowerCase()) ?? []), fw.id.toLowerCase()]);
  }
  // The policy the most targets' egress goes through.
  let best: { rcgId: string; behind: string[] } | undefined;
  for (const [policyId, fwIds] of byPolicy) {
    const policy = lookup(snapshot.firewallPolicies, policyId);
    const rcg = policy?.ok === true ? policy.value.ruleCollectionGroups[0] : undefined;
    if (rcg === undefined) continue;
    const behind = targetsThroughFirewall(snapshot, (fw) => fwIds.includes(fw.id.toLowerCase()));
    if (best === undefined || behind.length > best.behind.length) best = { rcgId: rcg.id, behind };
  }
  if (best === undefined) throw new Error("no firewall policy with a rule collection group");
  return best;
}

/** The edges every estate must show. */
function holdsEdges(snapshot: Snapshot, index: DependencyIndex): void {
  const all = snapshot.targets.map((t) => t.id).sort();
  // A route table maps to exactly the targets whose subnets use it, and a route in it to the same.
  const tables = Object.keys(snapshot.routeTables);
  expect(tables.length).toBeGreaterThan(0);
  for (const rt of tables) {
    const expected = targetsOfRouteTable(snapshot, rt);
    expect(affectedTargets(index, rt), rt).toEqual(expected);
    expect(affectedTargets(index, `${rt.toUpperCase()}/routes/default-to-firewall`), `${rt}/routes`).toEqual(expected);
  }
  // A rule collection group of the shared policy maps to every target whose egress goes through its firewall(s).
  const shared = sharedPolicy(snapshot);
  expect(shared.behind.length).toBeGreaterThan(1);
  expect(affectedTargets(index, shared.rcgId)).toEqual(shared.behind);
  expect(shared.behind.length).toBeLessThan(all.length);
  // A public IP not in the snapshot, created in a target's MC group, maps to that target (the group's inventory).
  const target = snapshot.targets.find((t) => mcGroupIdOf(snapshot, t).ok)!;
  const mc = mcGroupIdOf(snapshot, target);
  const newPip = `${mc.ok ? mc.value : ""}/providers/Microsoft.Network/publicIPAddresses/kubernetes-a1b2c3d4`;
  expect(lookup(snapshot.publicIps, newPip)).toBeUndefined();
  expect(affectedTargets(index, newPip)).toEqual(snapshot.targets.filter((t) => sameMcGroup(snapshot, t, target)).map((t) => t.id).sort());
  // Unrelated: a route table no target uses (in a group that holds used ones), a public IP in another group, a bare subscription.
  const usedRt = /^(.*\/resourcegroups\/[^/]+)\//.exec(tables[0]!)![1]!;
  expect(affectedTargets(index, `${usedRt}/providers/Microsoft.Network/routeTables/rt-nobody-uses`)).toEqual([]);
  expect(affectedTargets(index, `${usedRt}/providers/Microsoft.Network/routeTables/rt-nobody-uses/routes/r1`)).toEqual([]);
  const sub = target.subscriptionId;
  expect(affectedTargets(index, `/subscriptions/${sub}/resourceGroups/rg-elsewhere/providers/Microsoft.Network/publicIPAddresses/pip1`)).toEqual([]);
  expect(affectedTargets(index, `/subscriptions/${sub}`)).toEqual([]);
  expect(affectedTargets(index, `/subscriptions/${sub.toUpperCase()}/`)).toEqual([]);
  // A target's own id and its children (an agent pool, a pool's cluster) map to it.
  for (const t of snapshot.targets.slice(0, 5)) {
    expect(affectedTargets(index, t.id)).toContain(t.id);
    expect(affectedTargets(index, `${t.id}/clusters/c1`)).toContain(t.id);
  }
}

function sameMcGroup(snapshot: Snapshot, a: Target, b: Target): boolean {
  const x = mcGroupIdOf(snapshot, a);
  const y = mcGroupIdOf(snapshot, b);
  return x.ok && y.ok && x.value.toLowerCase() === y.value.toLowerCase();
}

describe("inventoryKeysOf", () => {
  const s = "/subscriptions/AAAA/resourceGroups/MC_x";
  it("gives a top-level resource its group and its type list, a hub child the hub list, other children and containers nothing", () => {
    expect(inventoryKeysOf(`${s}/providers/Microsoft.Network/publicIPAddresses/p1`)).toEqual(["/subscriptions/aaaa/resourcegroups/mc_x", "/subscriptions/aaaa/providers/microsoft.network/publicipaddresses"]);
    expect(inventoryKeysOf(`${s}/providers/Microsoft.Network/virtualHubs/h/hubVirtualNetworkConnections/c`)).toEqual(["/subscriptions/aaaa/providers/microsoft.network/virtualhubs"]);
    expect(inventoryKeysOf(`${s}/providers/Microsoft.Network/routeTables/rt/routes/r`)).toEqual([]);
    expect(inventoryKeysOf(`${s}/providers/Microsoft.Network/privateDnsZones/z/A/rec`)).toEqual([]);
    expect(inventoryKeysOf(s)).toEqual([]);
    expect(inventoryKeysOf("/subscriptions/AAAA")).toEqual([]);
    expect(inventoryKeysOf("not an id")).toEqual([]);
  });

  it("gives a role assignment at any scope its subscription's role assignment list, and one at a management group nothing", () => {
    const list = ["/subscriptions/aaaa/providers/microsoft.authorization/roleassignments"];
    expect(inventoryKeysOf("/subscriptions/AAAA/providers/Microsoft.Authorization/roleAssignments/x")).toEqual(list);
    expect(inventoryKeysOf(`${s}/providers/Microsoft.Authorization/roleAssignments/x`)).toEqual(list);
    expect(inventoryKeysOf(`${s}/providers/Microsoft.Network/routeTables/rt/providers/Microsoft.Authorization/roleAssignments/x`)).toEqual(list);
    expect(inventoryKeysOf("/providers/Microsoft.Management/managementGroups/mg/providers/Microsoft.Authorization/roleAssignments/x")).toEqual([]);
  });
});

describe("dependency index: every check case file", () => {
  it("covers what the checks read in each case's snapshot, edge cases (unreadable parts, classic rules, IP groups) included", () => {
    let findings = 0;
    for (const c of loadAllCases()) {
      try {
        findings += holdsProperties(c.snapshot, c.baseline ?? emptyBaseline).findings;
      } catch (err) {
        throw new Error(`${c.checkId}/${c.name}: ${(err as Error).message}`, { cause: err });
      }
    }
    expect(findings).toBeGreaterThan(400);
  });
});

describe("dependency index: references no estate above holds", () => {
  const sub = "11111111-0000-4000-8000-000000000001";
  const rg = (name: string) => `/subscriptions/${sub}/resourceGroups/${name}`;
  const net = (group: string, type: string, name: string) => `${rg(group)}/providers/Microsoft.Network/${type}/${name}`;
  const aksId = `${rg("rg-apps")}/providers/Microsoft.ContainerService/managedClusters/nat1`;
  const mc = rg("MC_nat1");
  const natIp = net("rg-egress", "publicIPAddresses", "nat-ip");
  const natGw = net("rg-egress", "natGateways", "nat-gw");
  const lb = net("MC_nat1", "loadBalancers", "kubernetes");
  const ingressIp = net("rg-ingress", "publicIPAddresses", "ingress-ip");
  const poolId = `${rg("rg-pools")}/providers/Microsoft.HDInsight/clusterpools/pool1`;
  const listedZone = net("rg-dns", "privateDnsZones", "privatelink.pool1.example.net");

  function edgeSnapshot(): Snapshot {
    const s = collectingSnapshot();
    s.subscriptions = [{ subscriptionId: sub }];
    // A managed NAT gateway cluster that does not state its SKU: the SKU comes from the gateway its outbound IP sits on.
    s.targets.push({ id: aksId, kind: "aksCluster", name: "nat1", subscriptionId: sub, resourceGroup: "rg-apps", location: "eastus", aksClusterId: aksId, mcGroupId: mc, subnetIds: [] });
    s.aksClusters[aksId.toLowerCase()] = {
      ok: true,
      value: { id: aksId, name: "nat1", location: "eastus", nodeResourceGroup: "MC_nat1", outboundType: "managedNATGateway", effectiveOutboundIpIds: [], agentPoolSubnetIds: [], agentPools: [], natEffectiveOutboundIds: [natIp] },
    };
    s.publicIps[natIp.toLowerCase()] = { ok: true, value: { id: natIp, name: "nat-ip", ipAddress: "20.0.0.1", attachedTo: { kind: "natGateway", id: natGw, resourceId: natGw } } };
    s.natGateways![natGw.toLowerCase()] = { ok: true, value: { id: natGw, name: "nat-gw", skuName: "StandardV2", publicIpIds: [natIp], publicIpPrefixIds: [], subnetIds: [] } };
    // Its MC group's load balancer serves ingress on a public IP that lives outside the group.
    s.mcGroups[mc.toLowerCase()] = { ok: true, value: { id: mc, publicIpIds: [], loadBalancerIds: [lb], publicIpPrefixIds: [], scaleSetIds: [] } };
    s.loadBalancers[lb.toLowerCase()] = {
      ok: true,
      value: { id: lb, name: "kubernetes", frontends: [{ id: `${lb}/frontendIPConfigurations/fe1`, name: "fe1", publicIpId: ingressIp }], outboundFrontendIds: [], inboundFrontendIds: [`${lb}/frontendIPConfigurations/fe1`] },
    };
    s.publicIps[ingressIp.toLowerCase()] = { ok: true, value: { id: ingressIp, name: "ingress-ip", ipAddress: "20.0.0.2" } };
    // A pool with a private-ingress cluster whose zone was listed but not read.
    s.targets.push({
      id: poolId,
      kind: "clusterPool",
      name: "pool1",
      subscriptionId: sub,
      resourceGroup: "rg-pools",
      location: "eastus",
      pool: { id: poolId, name: "pool1", location: "eastus", networkProfilePresent: true, outboundType: "loadBalancer" },
      clusters: { ok: true, value: [{ id: `${poolId}/clusters/c1`, name: "c1", enableInternalIngress: true, privateFqdn: "c1.privatelink.pool1.example.net" }] },
      subnetIds: [],
    });
    s.privateDnsZoneInventory[sub] = { ok: true, value: [listedZone] };
    return s;
  }

  it("follows a NAT outbound IP to its gateway, an ingress frontend to its public IP elsewhere, and a listed zone that was not read", () => {
    const s = edgeSnapshot();
    holdsProperties(s, parseBaseline({ schemaVersion: 1, defaults: { outboundType: "managedNATGatewayV2" } }, { knownCheckIds: [] }));
    const index = buildDependencyIndex(s);
    expect(affectedTargets(index, natGw)).toEqual([aksId]);
    expect(affectedTargets(index, ingressIp)).toEqual([aksId]);
    expect(affectedTargets(index, `${listedZone}/A/c1`)).toEqual([poolId]);
    // The zone lists are judged by membership: a new zone anywhere in the subscription can answer for the name.
    expect(affectedTargets(index, net("rg-other", "privateDnsZones", "pool1.example.net"))).toEqual([poolId]);
  });
});

describe("dependency index: a Virtual WAN spoke built from Microsoft's example bodies", () => {
  // The estate of test/collect/egress.test.ts: VirtualHubGet, HubVirtualNetworkConnectionGet, RoutingIntentGet,
  // HubRouteTableGet and AzureFirewallPutInHub (2026-03-01 / 2024-03-01), moved to the test's ids.
  const spoke = netOf(SUB_A, "rg-net", "virtualNetworks", "vnet-spoke");
  const subnet = `${spoke}/subnets/aks`;
  const hubId = netOf(SUB_A, "rg-hub", "virtualHubs", "virtualHub1");
  const fwId = netOf(SUB_B, "rg-fw", "azureFirewalls", "azfw1");
  const aksId = `/subscriptions/${SUB_A}/resourceGroups/rg-apps/providers/Microsoft.ContainerService/managedClusters/vwan1`;
  const hubMoves: Array<[string, string]> = [
    [`${exampleRg1}/providers/${NET}/virtualHubs/virtualHub1`, hubId],
    [`${exampleRg1}/providers/${NET}/virtualNetworks/vnet1`, spoke],
    [`${exampleRg1}/providers/${NET}/azureFirewalls/azfw1`, fwId],
    [`${exampleRg1}/providers/${NET}/azureFirewalls/azureFirewall1`, fwId],
    [`/subscriptions/${EXAMPLE_SUB}/`, `/subscriptions/${SUB_A}/`],
  ];

  it("maps the hub's children, its firewall and the spoke's subnet to the spoke's cluster, and nothing else of the hub's subscription", async () => {
    const hubFirewall = example(`${NET}/2024-03-01/AzureFirewallPutInHub.json`, [
      ["/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/azureFirewalls/azurefirewall", fwId],
      ["/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/virtualHubs/hub1", hubId],
    ]) as EstateResource & { properties: Record<string, unknown> };
    delete hubFirewall.properties.firewallPolicy;
    const connection = { ...example(`${NET}/2026-03-01/HubVirtualNetworkConnectionGet.json`, hubMoves), type: `${NET}/virtualHubs/hubVirtualNetworkConnections` } as EstateResource & {
      properties: Record<string, unknown>;
    };
    connection.properties.enableInternetSecurity = true;
    const snapshot = await collectEstate(
      estateOf([
        vnet(SUB_A, "rg-net", "vnet-spoke", "10.1.0.0/16", [{ name: "aks", prefix: "10.1.0.0/24" }]),
        aks(SUB_A, "rg-apps", "vwan1", { example: "ManagedNATGateway", nodeResourceGroup: "MC_vwan1", outboundType: "userDefinedRouting", subnetId: subnet }),
        ...mcGroup(SUB_A, "MC_vwan1", subnet),
        example(`${NET}/2026-03-01/VirtualHubGet.json`, hubMoves),
        connection,
        example(`${NET}/2026-03-01/RoutingIntentGet.json`, hubMoves),
        example(`${NET}/2026-03-01/HubRouteTableGet.json`, hubMoves),
        { ...hubFirewall, name: "azfw1" },
      ]),
      [SUB_A],
    );
    expect(egressPathOf(snapshot, subnet).kind).toBe("securedHub");
    holdsProperties(snapshot, emptyBaseline);
    const index = buildDependencyIndex(snapshot);
    for (const id of [
      hubId,
      `${hubId}/hubVirtualNetworkConnections/connection1`,
      `${hubId}/routingIntent/Intent1`,
      `${hubId}/hubRouteTables/hubRouteTable1/`,
      fwId,
      subnet,
      spoke,
      `${spoke}/virtualNetworkPeerings/to-hub`,
      `${aksId}/agentPools/nodepool1`,
    ]) {
      expect(affectedTargets(index, id), id).toEqual([aksId]);
    }
    expect(affectedTargets(index, netOf(SUB_A, "rg-hub", "virtualHubs", "virtualHub2"))).toEqual([]);
    expect(affectedTargets(index, netOf(SUB_A, "rg-net", "virtualNetworks", "vnet-other"))).toEqual([]);
  });
});

describe("dependency index: the demo estate", () => {
  let snapshot: Snapshot;
  let baseline: Baseline;
  let index: DependencyIndex;
  beforeAll(async () => {
    snapshot = await collectEstate(await loadEstate(join(REPO, "estates", "demo.json")));
    baseline = parseBaseline(JSON.parse(readFileSync(join(REPO, "estates", "demo.baseline.json"), "utf8")), { knownCheckIds: checks.map((c) => c.meta.id) });
    index = buildDependencyIndex(snapshot, snapshot.targets, { baseline });
  }, 60_000);

  it("covers every finding's resource and every entry the checks read, per target", () => {
    const { findings, reads } = holdsProperties(snapshot, baseline);
    expect(findings).toBeGreaterThan(50);
    expect(reads).toBeGreaterThan(100);
  });

  it("maps route tables, a shared policy, an MC group's new public IP and unrelated ids as the estate says", () => {
    holdsEdges(snapshot, index);
  });

  it("maps an A record of a private-ingress pool's zone to that pool, and a role assignment on a UDR route table to its users", () => {
    const pool = snapshot.targets.find((t) => t.clusters?.ok === true && t.clusters.value.some((c) => c.enableInternalIngress === true))!;
    const zone = targetDependencies(snapshot, pool).resources.find((id) => id.includes("/privatednszones/"))!;
    expect(zone).toBeDefined();
    expect(affectedTargets(index, `${zone}/A/some-cluster`)).toContain(pool.id);
    expect(affectedTargets(index, `${zone}/virtualNetworkLinks/link1`)).toContain(pool.id);
    const rt = Object.keys(snapshot.routeTables)[0]!;
    const users = targetsOfRouteTable(snapshot, rt);
    const assignment = `${rt}/providers/Microsoft.Authorization/roleAssignments/0b5c3f7e-0000-4000-8000-000000000001`;
    expect(inventoryKeysOf(assignment)).toEqual([`/subscriptions/${/subscriptions\/([^/]+)/.exec(rt)![1]!}/providers/microsoft.authorization/roleassignments`]);
    for (const u of users) expect(affectedTargets(index, assignment)).toContain(u);
  });
});

describe("dependency index: a generated benchmark estate", () => {
  let snapshot: Snapshot;
  let index: DependencyIndex;
  beforeAll(async () => {
    const generated = generateEstate({ targets: 60, subscriptions: 3, driftRate: 0.2, privateIngressShare: 0.5, pageSize: 7, vwanShare: 0.1, natShare: 0.05, isolatedShare: 0.05 });
    snapshot = await collectEstate(parseEstate(generated.estate));
    index = buildDependencyIndex(snapshot);
  }, 60_000);

  it("covers every finding's resource and every entry the checks read, per target", () => {
    const { findings, reads } = holdsProperties(snapshot, emptyBaseline);
    expect(findings).toBeGreaterThan(300);
    expect(reads).toBeGreaterThan(500);
  });

  it("maps route tables, the shared hub policy, an MC group's new public IP and unrelated ids as the estate says", () => {
    holdsEdges(snapshot, index);
  });

  it("maps a Virtual WAN hub's connection to its spokes, and a new hub connection to the targets judged by hub absence", () => {
    const hub = Object.values(snapshot.virtualHubs ?? {}).flatMap((p) => (p.ok ? [p.value] : []))[0]!;
    expect(hub).toBeDefined();
    const spokes = snapshot.targets.filter((t) => {
      const subnets = targetSubnets(snapshot, t);
      return subnets.ok && subnets.value.ids.some((s) => egressPathOf(snapshot, s).kind === "securedHub");
    });
    expect(spokes.length).toBeGreaterThan(0);
    const connection = hub.connections[0]!;
    const affected = affectedTargets(index, connection.id);
    for (const s of spokes) expect(affected).toContain(s.id);
    // A connection that does not exist yet may attach a VNet no hub connected: those targets were judged by absence.
    const absent = snapshot.targets.filter((t) => targetDependencies(snapshot, t).inventories.some((k) => k.endsWith("/providers/microsoft.network/virtualhubs")));
    expect(absent.length).toBeGreaterThan(0);
    expect(affectedTargets(index, `${hub.id}/hubVirtualNetworkConnections/new-spoke`)).toEqual(expect.arrayContaining(absent.map((t) => t.id)));
  });

  it("stays compact: the index names each target once per key, keys lower-cased and sorted", () => {
    const json = JSON.stringify(index);
    for (const [key, ids] of [...Object.entries(index.resources), ...Object.entries(index.inventories)]) {
      expect(key).toBe(key.toLowerCase());
      expect(new Set(ids).size).toBe(ids.length);
    }
    expect(Object.keys(index.resources)).toEqual([...Object.keys(index.resources)].sort());
    // Children are covered by their parents, never listed.
    expect(Object.keys(index.resources).some((k) => /\/ruleCollectionGroups\/|\/routes\/|\/A\//i.test(k))).toBe(false);
    expect(json.length / snapshot.targets.length).toBeLessThan(6_000);
    // Packed, each target id is stored once; unpacked, it is the same index.
    const packed = JSON.stringify(packDependencyIndex(index));
    expect(packed.length).toBeLessThan(json.length * 0.6);
    expect(unpackDependencyIndex(JSON.parse(packed) as ReturnType<typeof packDependencyIndex>)).toEqual(index);
  });
});
