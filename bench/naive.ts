/**
 * The naive comparator (benchmark only, not product code): the per-target GET chain a typical
 * script makes — pool, clusters, AKS cluster, VNet (and its peered VNets), subnet, route table,
 * NAT gateway with its addresses, firewall, policy, rule groups, every Virtual WAN hub's
 * connections (and for the hub that connects the target's VNet, its routing intent, route tables
 * and the firewalls they name), the MC group's public IPs, public IP prefixes, load balancers and
 * scale sets (each scale set's NIC NSGs and, where its agent pool or profile says there can be
 * some, instance public IPs), the AKS cluster's node and NAT outbound prefixes and addresses and
 * its outbound dependency list, NSG, role assignments, DNS zone and records — through the same SDK
 * clients and normalisers, into the same Snapshot, so the same checks judge it and the findings
 * can be compared with the optimised collector's.
 *
 * Like such a script it knows the hub firewall's id (configuration), lists each subscription's
 * pools, AKS clusters and Virtual WAN hubs once, reads everything else per target with some
 * parallelism (shared things again for every target that uses them), and has no read budget; its
 * SDK retries are raised so it completes under throttling instead of reporting unknowns (which
 * would make the comparison meaningless).
 */
import pLimit from "p-limit";
import { createRestError } from "@azure-rest/core-client";
import type { VirtualHub as SdkVirtualHub } from "@azure/arm-network";
import type { ArmClients } from "../src/arm/clients.js";
import { listClusterPools, listPoolClusters, CLUSTER_POOL_API_VERSION, type ArmResourceBody } from "../src/arm/clusterPools.js";
import { listScaleSetsInGroup } from "../src/arm/scaleSets.js";
import { parentResourceId, parseResourceId } from "../src/model/resourceId.js";
import { BUILTIN_ROLES } from "../src/collect/builtinRoles.js";
import { toReadError, type CollectResult } from "../src/collect/collector.js";
import { mayHaveInstancePublicIps } from "../src/collect/phases/mcGroup.js";
import type { ScanError } from "../src/model/scan.js";
import {
  normalizeAksCluster,
  normalizeARecordSet,
  normalizeClusterPool,
  normalizeEndpointCategory,
  normalizeFirewall,
  normalizeFirewallPolicy,
  normalizeHdiCluster,
  normalizeHubConnection,
  normalizeHubRouteTable,
  normalizeInstancePublicIp,
  normalizeLoadBalancer,
  normalizeNatGateway,
  normalizeNsg,
  normalizePrivateLinkService,
  normalizePublicIp,
  normalizePublicIpPrefix,
  normalizeRoleAssignment,
  normalizeRouteTable,
  normalizeRoutingIntent,
  normalizeRuleCollectionGroup,
  normalizeScaleSet,
  normalizeSubnet,
  normalizeVirtualHub,
  normalizeVirtualNetwork,
  normalizeVnetLink,
  roleGuidOf,
} from "../src/collect/normalize.js";
import { collectingSnapshot, dependencyConfigKey, type AksCluster, type Part, type RoleAssignment, type Target } from "../src/model/snapshot.js";

/** Options of {@link collectNaive}. */
export interface NaiveOptions {
  subscriptionIds: string[];
  /** The hub firewall's id, as a script would have it configured. */
  firewallId: string;
  /** Targets read at once per subscription (default 8). */
  concurrency?: number;
}

async function drain<T>(iter: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iter) out.push(x);
  return out;
}

/** Whether an id names an Azure Firewall (a hub's next hop can also be an NVA or a connection). */
function isFirewallId(id: string): boolean {
  const p = parseResourceId(id);
  return p?.namespace?.toLowerCase() === "microsoft.network" && p.types.length === 1 && p.types[0]!.toLowerCase() === "azurefirewalls";
}

/** Collects a snapshot the naive way. */
export async function collectNaive(clients: ArmClients, options: NaiveOptions): Promise<CollectResult> {
  // With the egress maps present: what this comparator does not read is then "not collected", as in the real collector.
  const snapshot = collectingSnapshot(new Date().toISOString());
  const errors: ScanError[] = [];
  const ok = <T>(value: T): Part<T> => ({ ok: true, value });
  async function read<T>(scope: string, fn: () => Promise<T>): Promise<Part<T>> {
    // Like a script that must finish: when the SDK's own retries give up on throttling, wait and
    // start the read over (a paged list from its first page), up to a bound.
    for (let attempt = 1; ; attempt++) {
      try {
        return ok(await fn());
      } catch (err) {
        const error = toReadError(err, scope);
        if (error.statusCode === 429 && attempt < 30) {
          await new Promise((r) => setTimeout(r, 1000));
          continue;
        }
        errors.push({ scope, code: error.code, message: error.message });
        return { ok: false, error };
      }
    }
  }
  const set = <T>(map: Record<string, Part<T>>, id: string, part: Part<T>) => {
    map[id.toLowerCase()] = part;
  };
  /** Resource group and first name of an id (every id read here comes from ARM bodies). */
  const parts = (id: string) => {
    const p = parseResourceId(id)!;
    return { sub: p.subscriptionId, rg: p.resourceGroup!, name: p.names[0]!, names: p.names };
  };
  const assignments = new Map<string, Map<string, RoleAssignment>>();
  snapshot.subscriptions = options.subscriptionIds.map((subscriptionId) => ({ subscriptionId }));
  // The firewall inventory a script has: the configured firewall, and the hub firewalls it comes across.
  const knownFirewalls = new Map<string, Set<string>>(options.subscriptionIds.map((sub) => [sub.toLowerCase(), new Set<string>()]));
  const noteFirewall = (id: string) => knownFirewalls.get(parseResourceId(id)?.subscriptionId.toLowerCase() ?? "")?.add(id);
  noteFirewall(options.firewallId);
  /** Per dependency configuration key, the cluster whose list the snapshot holds. */
  const dependencyListFrom = new Map<string, string>();
  /** The Virtual WAN hubs each subscription lists (read once, like the pool and AKS lists). */
  const hubs: SdkVirtualHub[] = [];

  await Promise.all(
    options.subscriptionIds.map(async (sub) => {
      const listed = await read(`/subscriptions/${sub}/providers/Microsoft.Network/virtualHubs`, () => drain(clients.network(sub).virtualHubs.list()));
      snapshot.hubInventory![sub] = listed.ok ? ok(listed.value.map((h) => h.id ?? "")) : listed;
      if (listed.ok) hubs.push(...listed.value);
    }),
  );
  await Promise.all(
    options.subscriptionIds.map(async (sub) => {
      const pools = await read(`/subscriptions/${sub}/providers/Microsoft.HDInsight/clusterpools`, () => drain(listClusterPools(clients.rest(), sub)));
      const aksList = await read(`/subscriptions/${sub}/providers/Microsoft.ContainerService/managedClusters`, () =>
        drain(clients.containerService(sub).managedClusters.list()),
      );
      const poolAks = new Set(pools.ok ? pools.value.map((p) => normalizeClusterPool(p).aksClusterResourceId?.toLowerCase()) : []);
      const work: Array<{ kind: "pool"; body: ArmResourceBody } | { kind: "aks"; id: string }> = [
        ...(pools.ok ? pools.value.map((body) => ({ kind: "pool" as const, body })) : []),
        ...(aksList.ok ? aksList.value.filter((a) => !poolAks.has(a.id?.toLowerCase())).map((a) => ({ kind: "aks" as const, id: a.id ?? "" })) : []),
      ];
      const limit = pLimit(options.concurrency ?? 8);
      const zonesSeen = new Set<string>();
      await Promise.all(work.map((w) => limit(() => (w.kind === "pool" ? poolChain(sub, w.body, zonesSeen) : aksChain(w.id)))));
    }),
  );

  async function poolChain(sub: string, listed: ArmResourceBody, zonesSeen: Set<string>): Promise<void> {
    // A script re-reads the pool it is working on.
    const body = await read(listed.id, async () => {
      const r = await clients.rest().pathUnchecked(listed.id).get({ queryParameters: { "api-version": CLUSTER_POOL_API_VERSION } });
      if (!/^2\d\d$/.test(r.status)) throw createRestError(r);
      return r.body as ArmResourceBody;
    });
    const pool = normalizeClusterPool(body.ok ? body.value : listed);
    const p = parseResourceId(pool.id)!;
    const clusters = await read(`${pool.id}/clusters`, async () => (await drain(listPoolClusters(clients.rest(), pool.id))).map(normalizeHdiCluster));
    const target: Target = {
      id: pool.id,
      kind: "clusterPool",
      name: pool.name,
      subscriptionId: p.subscriptionId.toLowerCase(),
      resourceGroup: p.resourceGroup ?? "",
      location: pool.location,
      pool,
      clusters,
      ...(pool.aksClusterResourceId ? { aksClusterId: pool.aksClusterResourceId } : {}),
      subnetIds: pool.subnetId ? [pool.subnetId] : [],
    };
    snapshot.targets.push(target);
    await commonChain(target);
    if (clusters.ok) {
      for (const c of clusters.value) {
        if (c.privateLinkServiceId) {
          const pls = parseResourceId(c.privateLinkServiceId)!;
          set(
            snapshot.privateLinkServices,
            c.privateLinkServiceId,
            await read(c.privateLinkServiceId, async () =>
              normalizePrivateLinkService(await clients.network(pls.subscriptionId).privateLinkServices.get(pls.resourceGroup!, pls.names[0]!)),
            ),
          );
        }
        if (c.privateFqdn) await dnsChain(sub, c.privateFqdn, zonesSeen);
      }
    }
  }

  async function aksChain(id: string): Promise<void> {
    const p = parseResourceId(id)!;
    const target: Target = {
      id,
      kind: "aksCluster",
      name: p.names[0] ?? "",
      subscriptionId: p.subscriptionId.toLowerCase(),
      resourceGroup: p.resourceGroup ?? "",
      location: "",
      aksClusterId: id,
      subnetIds: [],
    };
    snapshot.targets.push(target);
    await commonChain(target);
  }

  /** AKS cluster, subnets with their VNets, firewalls, Virtual WAN hubs, MC group, the cluster's public addresses. */
  async function commonChain(t: Target): Promise<void> {
    const aksId = t.aksClusterId!;
    const a = parseResourceId(aksId)!;
    const aks = await read(aksId, async () => normalizeAksCluster(await clients.containerService(a.subscriptionId).managedClusters.get(a.resourceGroup!, a.names[0]!)));
    set(snapshot.aksClusters, aksId, aks);
    if (aks.ok) {
      if (t.kind === "aksCluster") t.location = aks.value.location;
      if (t.subnetIds.length === 0) t.subnetIds = [...aks.value.agentPoolSubnetIds];
    }
    for (const subnetId of t.subnetIds) await subnetChain(t, subnetId);
    // The firewall (configured id), its policy and rule collection groups, every time.
    await firewallChain(options.firewallId);
    // Every Virtual WAN hub's connections, every time: the hub that connects the target's VNet is then read whole.
    const vnetIds = new Set(t.subnetIds.map((id) => parentResourceId(id)?.toLowerCase()));
    for (const hub of hubs) await hubChain(hub, vnetIds);
    // The MC group: its public IPs, public IP prefixes, load balancers and scale sets.
    const mcName = t.pool?.aksManagedResourceGroupName ?? (aks.ok ? aks.value.nodeResourceGroup : undefined);
    if (mcName) {
      t.mcGroupId = `/subscriptions/${a.subscriptionId}/resourceGroups/${mcName}`;
      await mcGroupChain(a.subscriptionId, mcName, t.mcGroupId, aks);
    }
    if (aks.ok) {
      await aksAddressesChain(aks.value);
      await dependenciesChain(aks.value);
    }
  }

  /**
   * The AKS cluster's outbound dependency list, read for every cluster. The snapshot keeps one list
   * per configuration (region and add-ons), the one read from the configuration's first cluster by
   * id, as the collector does (findings name the cluster it was read from).
   */
  async function dependenciesChain(aks: AksCluster): Promise<void> {
    const d = parts(aks.id);
    const categories = await read(`${aks.id}/outboundNetworkDependenciesEndpoints`, async () =>
      (await drain(clients.containerService(d.sub).managedClusters.listOutboundNetworkDependenciesEndpoints(d.rg, d.name))).map(normalizeEndpointCategory),
    );
    const key = dependencyConfigKey(aks);
    const heldFrom = dependencyListFrom.get(key);
    if (heldFrom !== undefined && heldFrom.toLowerCase() < aks.id.toLowerCase()) return;
    dependencyListFrom.set(key, aks.id);
    snapshot.outboundDependencies![key] = categories.ok ? ok({ readFromClusterId: aks.id, categories: categories.value }) : categories;
  }

  /** A subnet: its VNet (and peered VNets), itself, route table, NSG, NAT gateway, and the role assignments on the VNet and route table. */
  async function subnetChain(t: Target, subnetId: string): Promise<void> {
    const vnetId = parentResourceId(subnetId);
    if (vnetId) {
      const v = parts(vnetId);
      const vnet = await read(vnetId, async () => normalizeVirtualNetwork(await clients.network(v.sub).virtualNetworks.get(v.rg, v.name)));
      set(snapshot.virtualNetworks!, vnetId, vnet);
      if (vnet.ok) {
        for (const peering of vnet.value.peerings) {
          const r = parts(peering.remoteVirtualNetworkId);
          set(
            snapshot.virtualNetworks!,
            peering.remoteVirtualNetworkId,
            await read(peering.remoteVirtualNetworkId, async () => normalizeVirtualNetwork(await clients.network(r.sub).virtualNetworks.get(r.rg, r.name))),
          );
        }
      }
    }
    const s = parts(subnetId);
    const subnet = await read(subnetId, async () => normalizeSubnet(await clients.network(s.sub).subnets.get(s.rg, s.names[0]!, s.names[1]!)));
    set(snapshot.subnets, subnetId, subnet);
    if (!subnet.ok) return;
    if (subnet.value.routeTableId) {
      const r = parts(subnet.value.routeTableId);
      set(snapshot.routeTables, subnet.value.routeTableId, await read(subnet.value.routeTableId, async () => normalizeRouteTable(await clients.network(r.sub).routeTables.get(r.rg, r.name))));
    }
    if (subnet.value.networkSecurityGroupId) await nsgChain(subnet.value.networkSecurityGroupId);
    if (subnet.value.natGatewayId) await natGatewayChain(subnet.value.natGatewayId);
    // Role assignments that apply to the VNet and the route table (inherited ones included).
    const auth = clients.authorization(t.subscriptionId);
    for (const scope of [vnetId, subnet.value.routeTableId]) {
      if (!scope) continue;
      const listed = await read(`${scope}/providers/Microsoft.Authorization/roleAssignments`, async () =>
        (await drain(auth.roleAssignments.listForScope(scope.replace(/^\/+/, "")))).map(normalizeRoleAssignment),
      );
      if (!listed.ok) {
        snapshot.roleAssignments[t.subscriptionId] = listed;
        continue;
      }
      let bySub = assignments.get(t.subscriptionId);
      if (!bySub) assignments.set(t.subscriptionId, (bySub = new Map<string, RoleAssignment>()));
      for (const ra of listed.value) bySub.set(ra.id.toLowerCase(), ra);
    }
  }

  /** A network security group (a subnet's, or one on node NICs), by id. */
  async function nsgChain(id: string): Promise<void> {
    const n = parts(id);
    set(snapshot.networkSecurityGroups, id, await read(id, async () => normalizeNsg(await clients.network(n.sub).networkSecurityGroups.get(n.rg, n.name))));
  }

  /** A firewall by id, its policy and rule collection groups. */
  async function firewallChain(id: string): Promise<void> {
    noteFirewall(id);
    const f = parts(id);
    const fwNet = clients.network(f.sub);
    const fw = await read(id, async () => normalizeFirewall(await fwNet.azureFirewalls.get(f.rg, f.name)));
    set(snapshot.firewalls, id, fw);
    if (fw.ok && fw.value.firewallPolicyId) {
      const policyId = fw.value.firewallPolicyId;
      const pp = parts(policyId);
      const policy = await read(policyId, () => clients.network(pp.sub).firewallPolicies.get(pp.rg, pp.name));
      const groups = await read(`${policyId}/ruleCollectionGroups`, async () =>
        (await drain(clients.network(pp.sub).firewallPolicyRuleCollectionGroups.list(pp.rg, pp.name))).map(normalizeRuleCollectionGroup),
      );
      set(snapshot.firewallPolicies, policyId, !policy.ok ? policy : !groups.ok ? groups : ok(normalizeFirewallPolicy(policy.value, groups.value)));
    }
  }

  /**
   * A Virtual WAN hub: its connections; when one of them attaches one of `vnetIds` (or they could
   * not be read), the hub, its routing intent and route tables, as one part with the connections,
   * then the firewalls they send traffic to. A hub that connects none of the scan's VNets stays out
   * of the snapshot, which judges the same as the real collector's hub that connects none.
   */
  async function hubChain(listed: SdkVirtualHub, vnetIds: Set<string | undefined>): Promise<void> {
    const id = listed.id ?? "";
    const h = parts(id);
    const net = clients.network(h.sub);
    const connections = await read(`${id}/hubVirtualNetworkConnections`, async () => (await drain(net.hubVirtualNetworkConnections.list(h.rg, h.name))).map(normalizeHubConnection));
    if (connections.ok && !connections.value.some((c) => vnetIds.has(c.remoteVirtualNetworkId.toLowerCase()))) return;
    const hub = await read(id, () => net.virtualHubs.get(h.rg, h.name));
    const intents = await read(`${id}/routingIntent`, async () => (await drain(net.routingIntentOperations.list(h.rg, h.name))).map(normalizeRoutingIntent));
    const tables = await read(`${id}/hubRouteTables`, async () => (await drain(net.hubRouteTables.list(h.rg, h.name))).map(normalizeHubRouteTable));
    if (!hub.ok || !connections.ok || !intents.ok || !tables.ok) {
      set(snapshot.virtualHubs!, id, [hub, connections, intents, tables].find((x) => !x.ok) as Part<never>);
      return;
    }
    const value = normalizeVirtualHub(hub.value, { connections: connections.value, routingIntents: intents.value, routeTables: tables.value });
    set(snapshot.virtualHubs!, id, ok(value));
    const named = [
      value.azureFirewallId,
      ...(value.routingIntent?.routingPolicies ?? []).map((r) => r.nextHop),
      ...value.routeTables.flatMap((t) => t.routes.filter((r) => r.nextHopType.toLowerCase() === "resourceid").map((r) => r.nextHop)),
    ].filter((x): x is string => !!x && isFirewallId(x));
    for (const fwId of new Set(named.map((x) => x.toLowerCase()))) await firewallChain(named.find((x) => x.toLowerCase() === fwId)!);
  }

  /** A NAT gateway by id, then each of its public IPs and prefixes by id. */
  async function natGatewayChain(id: string): Promise<void> {
    const g = parts(id);
    const gateway = await read(id, async () => normalizeNatGateway(await clients.network(g.sub).natGateways.get(g.rg, g.name)));
    set(snapshot.natGateways!, id, gateway);
    if (!gateway.ok) return;
    for (const pipId of gateway.value.publicIpIds) await publicIpChain(pipId);
    for (const prefixId of gateway.value.publicIpPrefixIds) await prefixChain(prefixId, false);
  }

  /** A public IP by id. */
  async function publicIpChain(id: string): Promise<Part<ReturnType<typeof normalizePublicIp>>> {
    const p = parts(id);
    const pip = await read(id, async () => normalizePublicIp(await clients.network(p.sub).publicIPAddresses.get(p.rg, p.name)));
    set(snapshot.publicIps, id, pip);
    return pip;
  }

  /** A public IP prefix by id; then, unless coming from it, the NAT gateway it belongs to. */
  async function prefixChain(id: string, followNat: boolean): Promise<void> {
    const p = parts(id);
    const prefix = await read(id, async () => normalizePublicIpPrefix(await clients.network(p.sub).publicIPPrefixes.get(p.rg, p.name)));
    set(snapshot.publicIpPrefixes!, id, prefix);
    if (followNat && prefix.ok && prefix.value.natGatewayId) await natGatewayChain(prefix.value.natGatewayId);
  }

  /** The MC group's public IPs, public IP prefixes, load balancers and scale sets; each scale set's NIC NSGs and instance public IPs. */
  async function mcGroupChain(sub: string, mcName: string, mcGroupId: string, aks: Part<AksCluster>): Promise<void> {
    const mcNet = clients.network(sub);
    const pips = await read(`${mcGroupId}/providers/Microsoft.Network/publicIPAddresses`, async () => (await drain(mcNet.publicIPAddresses.list(mcName))).map(normalizePublicIp));
    const prefixes = await read(`${mcGroupId}/providers/Microsoft.Network/publicIPPrefixes`, async () =>
      (await drain(mcNet.publicIPPrefixes.list(mcName))).map(normalizePublicIpPrefix),
    );
    const lbs = await read(`${mcGroupId}/providers/Microsoft.Network/loadBalancers`, async () => (await drain(mcNet.loadBalancers.list(mcName))).map(normalizeLoadBalancer));
    const scaleSets = await read(`${mcGroupId}/providers/Microsoft.Compute/virtualMachineScaleSets`, async () =>
      (await drain(listScaleSetsInGroup(clients.rest(), sub, mcName))).map(normalizeScaleSet),
    );
    if (pips.ok) for (const x of pips.value) set(snapshot.publicIps, x.id, ok(x));
    if (prefixes.ok) for (const x of prefixes.value) set(snapshot.publicIpPrefixes!, x.id, ok(x));
    if (lbs.ok) for (const x of lbs.value) set(snapshot.loadBalancers, x.id, ok(x));
    if (scaleSets.ok) {
      for (const ss of scaleSets.value) {
        for (const nsgId of ss.nicNsgIds) await nsgChain(nsgId);
        // Its instance public IPs where the scale set or its agent pool says there can be some, as the
        // collector does (the findings' evidence names the scale sets read).
        if (!mayHaveInstancePublicIps(ss, aks)) {
          set(snapshot.scaleSets!, ss.id, ok(ss));
          continue;
        }
        const instancePublicIps = await read(`${ss.id}/publicIPAddresses`, async () =>
          (await drain(mcNet.publicIPAddresses.listVirtualMachineScaleSetPublicIPAddresses(mcName, ss.name))).map(normalizeInstancePublicIp),
        );
        set(snapshot.scaleSets!, ss.id, ok({ ...ss, instancePublicIps }));
      }
    }
    const failedList = [pips, prefixes, lbs, scaleSets].find((x) => !x.ok);
    set(
      snapshot.mcGroups,
      mcGroupId,
      failedList && !failedList.ok
        ? { ok: false, error: failedList.error }
        : ok({
            id: mcGroupId,
            publicIpIds: pips.ok ? pips.value.map((x) => x.id) : [],
            loadBalancerIds: lbs.ok ? lbs.value.map((x) => x.id) : [],
            publicIpPrefixIds: prefixes.ok ? prefixes.value.map((x) => x.id) : [],
            scaleSetIds: scaleSets.ok ? scaleSets.value.map((x) => x.id) : [],
          }),
    );
  }

  /** The AKS cluster's node public IP prefixes and NAT outbound addresses, by id, with their NAT gateways. */
  async function aksAddressesChain(aks: AksCluster): Promise<void> {
    for (const pool of aks.agentPools ?? []) if (pool.nodePublicIPPrefixId) await prefixChain(pool.nodePublicIPPrefixId, true);
    for (const id of aks.natEffectiveOutboundIds ?? []) {
      const type = parseResourceId(id)?.types[0]?.toLowerCase();
      if (type === "publicipprefixes") await prefixChain(id, true);
      else if (type === "publicipaddresses") {
        const pip = await publicIpChain(id);
        if (pip.ok && pip.value.attachedTo?.kind === "natGateway") await natGatewayChain(pip.value.attachedTo.resourceId);
      }
    }
  }

  /** Private DNS: list the subscription's zones (every time), then the matching zone's records and links. */
  async function dnsChain(sub: string, fqdn: string, zonesSeen: Set<string>): Promise<void> {
    const dns = clients.privateDns(sub);
    const zones = await read(`/subscriptions/${sub}/providers/Microsoft.Network/privateDnsZones`, () => drain(dns.privateZones.list()));
    snapshot.privateDnsZoneInventory[sub] = zones.ok ? ok(zones.value.map((z) => z.id ?? "")) : zones;
    if (!zones.ok) return;
    for (const z of zones.value) {
      const name = (z.name ?? "").toLowerCase();
      if (!z.id || !fqdn.toLowerCase().endsWith(`.${name}`) || zonesSeen.has(z.id.toLowerCase())) continue;
      zonesSeen.add(z.id.toLowerCase());
      const zp = parseResourceId(z.id)!;
      const records = await read(`${z.id}/A`, async () => (await drain(dns.recordSets.listByType(zp.resourceGroup!, z.name!, "A"))).map((r) => normalizeARecordSet(r, z.name!)));
      const links = await read(`${z.id}/virtualNetworkLinks`, async () => (await drain(dns.virtualNetworkLinks.list(zp.resourceGroup!, z.name!))).map(normalizeVnetLink));
      set(snapshot.privateDnsZones, z.id, !records.ok ? records : !links.ok ? links : ok({ id: z.id, name: z.name!, aRecords: records.value, virtualNetworkLinks: links.value }));
    }
  }

  for (const sub of options.subscriptionIds) snapshot.firewallInventory[sub] = ok([...(knownFirewalls.get(sub.toLowerCase()) ?? [])]);
  for (const [sub, byId] of assignments) {
    if (!snapshot.roleAssignments[sub]) snapshot.roleAssignments[sub] = ok([...byId.values()]);
    for (const ra of byId.values()) {
      const role = BUILTIN_ROLES[roleGuidOf(ra.roleDefinitionId)];
      if (role) snapshot.roleDefinitions[role.guid] = ok(role);
    }
  }
  for (const sub of options.subscriptionIds) snapshot.roleAssignments[sub] ??= ok([]);
  snapshot.targets.sort((x, y) => x.subscriptionId.localeCompare(y.subscriptionId) || x.id.toLowerCase().localeCompare(y.id.toLowerCase()));
  return { snapshot, subscriptionIds: options.subscriptionIds, errors };
}
