/**
 * The naive comparator (benchmark only, not product code): the per-target GET chain a typical
 * script makes — pool, clusters, AKS cluster, subnet, route table, firewall, policy, rule
 * groups, the MC group's public IPs and load balancers, NSG, role assignments, DNS zone and
 * records — through the same SDK clients and normalisers, into the same Snapshot, so the same
 * checks judge it and the findings can be compared with the optimised collector's.
 *
 * Like such a script it knows the hub firewall's id (configuration), reads per target with
 * some parallelism, and has no read budget; its SDK retries are raised so it completes under
 * throttling instead of reporting unknowns (which would make the comparison meaningless).
 */
import pLimit from "p-limit";
import { createRestError } from "@azure-rest/core-client";
import type { ArmClients } from "../src/arm/clients.js";
import { listClusterPools, listPoolClusters, CLUSTER_POOL_API_VERSION, type ArmResourceBody } from "../src/arm/clusterPools.js";
import { parentResourceId, parseResourceId } from "../src/model/resourceId.js";
import { BUILTIN_ROLES } from "../src/collect/builtinRoles.js";
import { toReadError, type CollectResult } from "../src/collect/collector.js";
import type { ScanError } from "../src/model/scan.js";
import {
  normalizeAksCluster,
  normalizeARecordSet,
  normalizeClusterPool,
  normalizeFirewall,
  normalizeFirewallPolicy,
  normalizeHdiCluster,
  normalizeLoadBalancer,
  normalizeNsg,
  normalizePrivateLinkService,
  normalizePublicIp,
  normalizeRoleAssignment,
  normalizeRouteTable,
  normalizeRuleCollectionGroup,
  normalizeSubnet,
  normalizeVnetLink,
  roleGuidOf,
} from "../src/collect/normalize.js";
import { emptySnapshot, type Part, type RoleAssignment, type Target } from "../src/model/snapshot.js";

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

/** Collects a snapshot the naive way. */
export async function collectNaive(clients: ArmClients, options: NaiveOptions): Promise<CollectResult> {
  const snapshot = emptySnapshot(new Date().toISOString());
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
  const assignments = new Map<string, Map<string, RoleAssignment>>();
  snapshot.subscriptions = options.subscriptionIds.map((subscriptionId) => ({ subscriptionId }));
  const fwSub = parseResourceId(options.firewallId)?.subscriptionId.toLowerCase() ?? "";
  for (const sub of options.subscriptionIds) snapshot.firewallInventory[sub] = ok(sub === fwSub ? [options.firewallId] : []);

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

  /** AKS cluster, subnet, route table, NSG, firewall + policy + groups, MC group, role assignments. */
  async function commonChain(t: Target): Promise<void> {
    const aksId = t.aksClusterId!;
    const a = parseResourceId(aksId)!;
    const aks = await read(aksId, async () => normalizeAksCluster(await clients.containerService(a.subscriptionId).managedClusters.get(a.resourceGroup!, a.names[0]!)));
    set(snapshot.aksClusters, aksId, aks);
    if (aks.ok) {
      if (t.kind === "aksCluster") t.location = aks.value.location;
      if (t.subnetIds.length === 0) t.subnetIds = [...aks.value.agentPoolSubnetIds];
    }
    const net = clients.network(t.subscriptionId);
    for (const subnetId of t.subnetIds) {
      const s = parseResourceId(subnetId)!;
      const subnet = await read(subnetId, async () => normalizeSubnet(await net.subnets.get(s.resourceGroup!, s.names[0]!, s.names[1]!)));
      set(snapshot.subnets, subnetId, subnet);
      if (!subnet.ok) continue;
      if (subnet.value.routeTableId) {
        const r = parseResourceId(subnet.value.routeTableId)!;
        set(snapshot.routeTables, subnet.value.routeTableId, await read(subnet.value.routeTableId, async () => normalizeRouteTable(await net.routeTables.get(r.resourceGroup!, r.names[0]!))));
      }
      if (subnet.value.networkSecurityGroupId) {
        const n = parseResourceId(subnet.value.networkSecurityGroupId)!;
        set(
          snapshot.networkSecurityGroups,
          subnet.value.networkSecurityGroupId,
          await read(subnet.value.networkSecurityGroupId, async () => normalizeNsg(await net.networkSecurityGroups.get(n.resourceGroup!, n.names[0]!))),
        );
      }
      // Role assignments that apply to the VNet and the route table (inherited ones included).
      const auth = clients.authorization(t.subscriptionId);
      for (const scope of [parentResourceId(subnetId), subnet.value.routeTableId]) {
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
    // The firewall (configured id), its policy and rule collection groups, every time.
    const f = parseResourceId(options.firewallId)!;
    const fwNet = clients.network(f.subscriptionId);
    const fw = await read(options.firewallId, async () => normalizeFirewall(await fwNet.azureFirewalls.get(f.resourceGroup!, f.names[0]!)));
    set(snapshot.firewalls, options.firewallId, fw);
    if (fw.ok && fw.value.firewallPolicyId) {
      const policyId = fw.value.firewallPolicyId;
      const pp = parseResourceId(policyId)!;
      const policy = await read(policyId, () => fwNet.firewallPolicies.get(pp.resourceGroup!, pp.names[0]!));
      const groups = await read(`${policyId}/ruleCollectionGroups`, async () =>
        (await drain(fwNet.firewallPolicyRuleCollectionGroups.list(pp.resourceGroup!, pp.names[0]!))).map(normalizeRuleCollectionGroup),
      );
      set(snapshot.firewallPolicies, policyId, !policy.ok ? policy : !groups.ok ? groups : ok(normalizeFirewallPolicy(policy.value, groups.value)));
    }
    // The MC group: its public IPs and load balancers.
    const mcName = t.pool?.aksManagedResourceGroupName ?? (aks.ok ? aks.value.nodeResourceGroup : undefined);
    if (mcName) {
      t.mcGroupId = `/subscriptions/${a.subscriptionId}/resourceGroups/${mcName}`;
      const mcNet = clients.network(a.subscriptionId);
      const pips = await read(`${t.mcGroupId}/providers/Microsoft.Network/publicIPAddresses`, async () => (await drain(mcNet.publicIPAddresses.list(mcName))).map(normalizePublicIp));
      const lbs = await read(`${t.mcGroupId}/providers/Microsoft.Network/loadBalancers`, async () => (await drain(mcNet.loadBalancers.list(mcName))).map(normalizeLoadBalancer));
      if (pips.ok) for (const x of pips.value) set(snapshot.publicIps, x.id, ok(x));
      if (lbs.ok) for (const x of lbs.value) set(snapshot.loadBalancers, x.id, ok(x));
      set(
        snapshot.mcGroups,
        t.mcGroupId,
        !pips.ok ? pips : !lbs.ok ? lbs : ok({ id: t.mcGroupId, publicIpIds: pips.value.map((x) => x.id), loadBalancerIds: lbs.value.map((x) => x.id) }),
      );
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
