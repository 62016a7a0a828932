/**
 * The collector: the only code that talks to ARM. It discovers the scope (subscriptions, then
 * cluster pools and AKS clusters) and reads what the checks need into a {@link Snapshot}.
 *
 * Strategy: subscription-level lists joined locally; a resource that a list did not return is
 * fetched by id (which tells "not found" from "forbidden"); shared resources are read once. The
 * MC group is read with resource-group-scoped lists, because its checks judge by absence ("no
 * public IP") and absence in a subscription-wide list proves nothing when the caller may not
 * read every resource group: a forbidden group must come out `unknown`, never compliant.
 */
import type { AbortSignalLike } from "@azure/abort-controller";
import pLimit from "p-limit";
import type { ArmClients } from "../arm/clients.js";
import { listClusterPools, listPoolClusters, listResourceGroups } from "../arm/clusterPools.js";
import { parseResourceId } from "../model/resourceId.js";
import { EndpointUnreachableError } from "../errors.js";
import type { ScanError } from "../model/scan.js";
import { labelSuffixes } from "../model/dnsNames.js";
import {
  normalizeAksCluster,
  normalizeARecordSet,
  normalizeClusterPool,
  normalizeFirewall,
  normalizeFirewallPolicy,
  normalizeHdiCluster,
  normalizeIpGroup,
  normalizeLoadBalancer,
  normalizeNsg,
  normalizePrivateLinkService,
  normalizePublicIp,
  normalizeRoleAssignment,
  normalizeRoleDefinition,
  normalizeRouteTable,
  normalizeRuleCollectionGroup,
  normalizeSubnet,
  normalizeVnetLink,
  roleGuidOf,
} from "./normalize.js";
import { BUILTIN_ROLES } from "./builtinRoles.js";
import {
  emptySnapshot,
  type AksCluster,
  type ClusterPool,
  type HdiCluster,
  type McGroupContents,
  type Part,
  type ReadError,
  type Snapshot,
  type SubscriptionInfo,
  type Target,
} from "../model/snapshot.js";
import type { FirewallPolicy as SdkFirewallPolicy } from "@azure/arm-network";
import type { PrivateZone } from "@azure/arm-privatedns";

/** Progress events, for a CLI progress display. */
export interface CollectProgress {
  phase: "subscriptions" | "lists" | "targets";
  done: number;
  total: number;
}

/** Options of {@link collect}. */
export interface CollectOptions {
  /** Subscriptions to scan; empty or absent: every subscription the credential can list. */
  subscriptionIds?: string[];
  /** Stops every ARM call; what was read so far is kept, the rest becomes `unknown`. */
  abortSignal?: AbortSignalLike;
  /**
   * Subscriptions read at once (default 64). Each subscription has its own ARM read budget, so a
   * subscription left waiting for a slot leaves its budget idle; the read budget paces each one.
   */
  subscriptionConcurrency?: number;
  /** Targets read at once per subscription (default 16; the read budget paces them). */
  targetConcurrency?: number;
  onProgress?: (progress: CollectProgress) => void;
  /**
   * Called once per target, as soon as everything its checks look at has been read: its own
   * reads (pool clusters, AKS cluster, MC group, subnets with their route tables and NSGs, the
   * DNS zones for its names, the role definitions its identities are assigned), the
   * subscription lists and the firewall policies. The snapshot part about it does not change
   * after this, so a scan can judge it while other targets are still being read.
   */
  onTargetCollected?: (target: Target, snapshot: Snapshot) => void;
  /**
   * More subscriptions read only for the shared resources that targets use across subscription
   * boundaries: firewalls (and policies), IP groups, private DNS zones. Their own targets are not
   * audited and they are not part of the scan's scope. A fan-out shard (src/store/fanout.ts)
   * passes the rest of its run's scope here, so it judges its targets against the same hub
   * firewall and DNS zones as a scan of the whole scope: four list requests per subscription.
   */
  contextSubscriptionIds?: string[];
}

/** What a collection produced. */
export interface CollectResult {
  snapshot: Snapshot;
  /** The subscriptions scanned. */
  subscriptionIds: string[];
  errors: ScanError[];
}

const ok = <T>(value: T): Part<T> => ({ ok: true, value });
const failed = <T>(error: ReadError): Part<T> => ({ ok: false, error });

/** Turns anything a read threw into a {@link ReadError} (ARM code and status where known). */
export function toReadError(err: unknown, scope: string): ReadError {
  const e = err as { name?: string; code?: unknown; statusCode?: unknown; message?: unknown };
  const statusCode = typeof e?.statusCode === "number" ? e.statusCode : undefined;
  let code = typeof e?.code === "string" && e.code ? e.code : undefined;
  if (e?.name === "AbortError") code = "Aborted";
  code ??= statusCode === 429 ? "Throttled" : statusCode ? `Http${statusCode}` : "ReadFailed";
  const message = typeof e?.message === "string" && e.message ? firstLine(e.message) : String(err);
  return { code, message, ...(statusCode !== undefined ? { statusCode } : {}), scope };
}

function firstLine(s: string): string {
  const line = s.split("\n")[0] ?? s;
  return line.length > 500 ? `${line.slice(0, 497)}...` : line;
}

/** True when the error never got an HTTP response (DNS, connect, TLS). */
function isTransportError(err: unknown): boolean {
  const e = err as { statusCode?: unknown; name?: string };
  return e?.name !== "AbortError" && typeof e?.statusCode !== "number";
}

/**
 * Reads every page of a list. Items are normalised as each page arrives, so the SDK's raw
 * objects die young instead of living (and being promoted to the old heap) until the last page
 * of a list of thousands is in.
 */
async function drain<T>(iter: AsyncIterable<T>): Promise<T[]>;
async function drain<T, U>(iter: AsyncIterable<T>, normalise: (item: T) => U): Promise<U[]>;
async function drain<T, U>(iter: AsyncIterable<T>, normalise?: (item: T) => U): Promise<Array<T | U>> {
  const out: Array<T | U> = [];
  for await (const item of iter) out.push(normalise ? normalise(item) : item);
  return out;
}

/** Awaits every promise of an object, keeping the keys (a typed Promise.all over a record). */
async function settleAll<T extends Record<string, Promise<unknown>>>(promises: T): Promise<{ [K in keyof T]: Awaited<T[K]> }> {
  const keys = Object.keys(promises) as Array<keyof T>;
  const values = await Promise.all(keys.map((k) => promises[k]));
  return Object.fromEntries(keys.map((k, i) => [k, values[i]])) as { [K in keyof T]: Awaited<T[K]> };
}

/** A concurrency limit per key (subscription). */
function perSubscriptionLimit(concurrency: number): <T>(key: string, fn: () => Promise<T>) => Promise<T> {
  const limits = new Map<string, ReturnType<typeof pLimit>>();
  return (key, fn) => {
    let limit = limits.get(key);
    if (!limit) limits.set(key, (limit = pLimit(concurrency)));
    return limit(fn);
  };
}

/** Resources grouped by the lower-cased name of their resource group (ids that do not parse are left out). */
function byResourceGroup<T extends { id: string }>(items: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const rg = parseResourceId(item.id)?.resourceGroup?.toLowerCase();
    if (rg === undefined) continue;
    pushTo(out, rg, item);
  }
  return out;
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** One subscription's subscription-level lists. */
interface SubscriptionLists {
  pools: Part<ClusterPool[]>;
  aksClusters: Part<AksCluster[]>;
  subnets: Part<ReturnType<typeof normalizeSubnet>[]>;
  routeTables: Part<ReturnType<typeof normalizeRouteTable>[]>;
  firewalls: Part<ReturnType<typeof normalizeFirewall>[]>;
  firewallPolicies: Part<SdkFirewallPolicy[]>;
  ipGroups: Part<ReturnType<typeof normalizeIpGroup>[]>;
  nsgs: Part<ReturnType<typeof normalizeNsg>[]>;
  privateLinkServices: Part<ReturnType<typeof normalizePrivateLinkService>[]>;
  dnsZones: Part<PrivateZone[]>;
  roleAssignments: Part<ReturnType<typeof normalizeRoleAssignment>[]>;
  publicIps: Part<ReturnType<typeof normalizePublicIp>[]>;
  loadBalancers: Part<ReturnType<typeof normalizeLoadBalancer>[]>;
  /** Lower-cased names of the resource groups the caller can read. */
  readableGroups: Part<Set<string>>;
}

/**
 * Reads one scan's snapshot. Throws {@link EndpointUnreachableError} when ARM cannot be reached at
 * all; every other failure is recorded on the snapshot part it left empty and in `errors`.
 */
export async function collect(clients: ArmClients, options: CollectOptions = {}): Promise<CollectResult> {
  const { abortSignal } = options;
  const signal = abortSignal ? { abortSignal } : {};
  const snapshot = emptySnapshot(new Date().toISOString());
  const errors: ScanError[] = [];
  const errorKeys = new Set<string>();
  const record = (e: ReadError): ReadError => {
    const key = `${e.scope ?? ""}|${e.code}`.toLowerCase();
    if (!errorKeys.has(key)) {
      errorKeys.add(key);
      errors.push({ scope: e.scope ?? "", code: e.code, message: e.message });
    }
    return e;
  };
  /** Runs a read; a failure becomes a failed Part (and a report error). */
  async function read<T>(scope: string, fn: () => Promise<T>): Promise<Part<T>> {
    if (abortSignal?.aborted) return failed(stopped(scope));
    try {
      return ok(await fn());
    } catch (err) {
      // After a stop, every read fails the same way: one scan-level error says it (below).
      if (abortSignal?.aborted) return failed(stopped(scope));
      return failed(record(toReadError(err, scope)));
    }
  }
  /** The error of a read that was not made (or cut short) because the scan was stopped. */
  function stopped(scope: string): ReadError {
    return { code: stopCode(), message: "the scan was stopped before this read completed", scope };
  }
  function stopCode(): string {
    const reason = (abortSignal as { reason?: unknown } | undefined)?.reason as { code?: unknown } | undefined;
    return typeof reason?.code === "string" ? reason.code : "ScanAborted";
  }

  // 1. Scope: the subscriptions the credential can see. This is also the reachability probe.
  options.onProgress?.({ phase: "subscriptions", done: 0, total: 1 });
  let visible: SubscriptionInfo[] | undefined;
  try {
    const subs = await drain(clients.subscriptions().subscriptions.list(signal));
    visible = subs.map((s) => ({
      subscriptionId: (s.subscriptionId ?? "").toLowerCase(),
      ...(s.displayName ? { displayName: s.displayName } : {}),
      ...(s.state ? { state: s.state } : {}),
    }));
  } catch (err) {
    if (isTransportError(err)) {
      const msg = (err as Error).message ?? String(err);
      const hint = /certificate|self.signed|CERT_|unable to verify/i.test(msg)
        ? " (an emulator's CA must be trusted: point NODE_EXTRA_CA_CERTS at the bundle `egress-audit emulator` prints)"
        : "";
      throw new EndpointUnreachableError(`cannot reach ARM endpoint ${clients.endpoint}: ${firstLine(msg)}${hint}`, { cause: err });
    }
    record(toReadError(err, "/subscriptions"));
  }
  const requested = options.subscriptionIds?.map((s) => s.toLowerCase()) ?? [];
  const subscriptionIds = requested.length
    ? requested
    : (visible ?? []).filter((s) => !s.state || s.state.toLowerCase() === "enabled").map((s) => s.subscriptionId);
  for (const id of requested) {
    if (visible && !visible.some((v) => v.subscriptionId === id)) {
      record({ code: "SubscriptionNotVisible", message: `subscription ${id} is not visible to this credential`, scope: `/subscriptions/${id}` });
    }
  }
  snapshot.subscriptions = subscriptionIds.map((id) => visible?.find((v) => v.subscriptionId === id) ?? { subscriptionId: id });
  options.onProgress?.({ phase: "subscriptions", done: 1, total: 1 });

  // Pool clusters, read per subscription as soon as the pool list is in (see the pool list below).
  const clusterLimit = perSubscriptionLimit(options.targetConcurrency ?? 16);
  const clusterReads = new Map<string, Promise<Part<HdiCluster[]>>>();
  function prefetchClusters(sub: string, poolId: string): void {
    const key = poolId.toLowerCase();
    if (clusterReads.has(key)) return;
    clusterReads.set(
      key,
      clusterLimit(sub, () =>
        read(`${poolId}/clusters`, async () => drain(listPoolClusters(clients.rest(), poolId, signal), normalizeHdiCluster)),
      ),
    );
  }

  // 2. Subscription-level lists, joined locally below.
  const subLimit = pLimit(options.subscriptionConcurrency ?? 64);
  let listsDone = 0;
  const lists = new Map<string, SubscriptionLists>();
  await Promise.all(
    subscriptionIds.map((sub) =>
      subLimit(async () => {
        const scope = `/subscriptions/${sub}`;
        const net = clients.network(sub);
        // Every list starts at once; each settles into a Part on its own.
        const settled = await settleAll({
          pools: read(`${scope}/providers/Microsoft.HDInsight/clusterpools`, () => drain(listClusterPools(clients.rest(), sub, signal), normalizeClusterPool)).then<Part<ClusterPool[]>>((pools) => {
            // Start reading each pool's clusters now, while the other lists still page: they are
            // most of a scan's requests, and the read budget is better spent early than idle.
            if (pools.ok) for (const pool of pools.value) prefetchClusters(sub, pool.id);
            return pools;
          }),
          aksClusters: read(`${scope}/providers/Microsoft.ContainerService/managedClusters`, async () =>
            drain(clients.containerService(sub).managedClusters.list(signal), normalizeAksCluster),
          ),
          // Only the subnets embedded in each VNet are used.
          subnets: read(`${scope}/providers/Microsoft.Network/virtualNetworks`, async () =>
            (await drain(net.virtualNetworks.listAll(signal), (v) => (v.subnets ?? []).map(normalizeSubnet))).flat(),
          ),
          routeTables: read(`${scope}/providers/Microsoft.Network/routeTables`, async () =>
            drain(net.routeTables.listAll(signal), normalizeRouteTable),
          ),
          firewalls: read(`${scope}/providers/Microsoft.Network/azureFirewalls`, async () =>
            drain(net.azureFirewalls.listAll(signal), normalizeFirewall),
          ),
          firewallPolicies: read(`${scope}/providers/Microsoft.Network/firewallPolicies`, () => drain(net.firewallPolicies.listAll(signal))),
          ipGroups: read(`${scope}/providers/Microsoft.Network/ipGroups`, async () => drain(net.ipGroups.list(signal), normalizeIpGroup)),
          nsgs: read(`${scope}/providers/Microsoft.Network/networkSecurityGroups`, async () =>
            drain(net.networkSecurityGroups.listAll(signal), normalizeNsg),
          ),
          privateLinkServices: read(`${scope}/providers/Microsoft.Network/privateLinkServices`, async () =>
            drain(net.privateLinkServices.listBySubscription(signal), normalizePrivateLinkService),
          ),
          dnsZones: read(`${scope}/providers/Microsoft.Network/privateDnsZones`, () => drain(clients.privateDns(sub).privateZones.list(signal))),
          roleAssignments: read(`${scope}/providers/Microsoft.Authorization/roleAssignments`, async () =>
            drain(clients.authorization(sub).roleAssignments.listForSubscription(signal), normalizeRoleAssignment),
          ),
          publicIps: read(`${scope}/providers/Microsoft.Network/publicIPAddresses`, async () =>
            drain(net.publicIPAddresses.listAll(signal), normalizePublicIp),
          ),
          loadBalancers: read(`${scope}/providers/Microsoft.Network/loadBalancers`, async () =>
            drain(net.loadBalancers.listAll(signal), normalizeLoadBalancer),
          ),
          readableGroups: read(`${scope}/resourcegroups`, async () =>
            new Set(await drain(listResourceGroups(clients.rest(), sub, signal), (g) => g.name.toLowerCase())),
          ),
        });
        lists.set(sub, settled);
        options.onProgress?.({ phase: "lists", done: ++listsDone, total: subscriptionIds.length });
      }),
    ),
  );

  // 2b. Context subscriptions: only the lists of shared resources (see CollectOptions).
  const scanned = new Set(subscriptionIds);
  const contextIds = [...new Set((options.contextSubscriptionIds ?? []).map((s) => s.toLowerCase()))].filter((s) => !scanned.has(s));
  const contextLists = new Map<string, Pick<SubscriptionLists, "firewalls" | "firewallPolicies" | "ipGroups" | "dnsZones">>();
  await Promise.all(
    contextIds.map((sub) =>
      subLimit(async () => {
        const scope = `/subscriptions/${sub}`;
        const net = clients.network(sub);
        const [firewalls, firewallPolicies, ipGroups, dnsZones] = await Promise.all([
          read(`${scope}/providers/Microsoft.Network/azureFirewalls`, async () => drain(net.azureFirewalls.listAll(signal), normalizeFirewall)),
          read(`${scope}/providers/Microsoft.Network/firewallPolicies`, () => drain(net.firewallPolicies.listAll(signal))),
          read(`${scope}/providers/Microsoft.Network/ipGroups`, async () => drain(net.ipGroups.list(signal), normalizeIpGroup)),
          read(`${scope}/providers/Microsoft.Network/privateDnsZones`, () => drain(clients.privateDns(sub).privateZones.list(signal))),
        ]);
        contextLists.set(sub, { firewalls, firewallPolicies, ipGroups, dnsZones });
      }),
    ),
  );

  // Local indexes of what the lists returned.
  const aksIndex = new Map<string, AksCluster>();
  const subnetIndex = new Map<string, ReturnType<typeof normalizeSubnet>>();
  const policyIndex = new Map<string, SdkFirewallPolicy>();
  const zoneIndex = new Map<string, PrivateZone>();
  // Public IPs and load balancers of each subscription by (lower-cased) resource group: an MC
  // group's contents are then one lookup, not a scan of the subscription's lists per target.
  const groupIndex = new Map<
    string,
    { publicIps: Map<string, ReturnType<typeof normalizePublicIp>[]>; loadBalancers: Map<string, ReturnType<typeof normalizeLoadBalancer>[]> }
  >();
  for (const [sub, l] of contextLists) {
    snapshot.firewallInventory[sub] = l.firewalls.ok ? ok(l.firewalls.value.map((f) => f.id)) : failed(l.firewalls.error);
    if (l.firewalls.ok) for (const f of l.firewalls.value) snapshot.firewalls[f.id.toLowerCase()] = ok(f);
    if (l.firewallPolicies.ok) for (const p of l.firewallPolicies.value) if (p.id) policyIndex.set(p.id.toLowerCase(), p);
    if (l.ipGroups.ok) for (const g of l.ipGroups.value) snapshot.ipGroups[g.id.toLowerCase()] = ok(g);
    snapshot.privateDnsZoneInventory[sub] = l.dnsZones.ok ? ok(l.dnsZones.value.map((z) => z.id ?? "")) : failed(l.dnsZones.error);
    if (l.dnsZones.ok) for (const z of l.dnsZones.value) if (z.id) zoneIndex.set(z.id.toLowerCase(), z);
  }
  for (const [sub, l] of lists) {
    if (l.aksClusters.ok) for (const c of l.aksClusters.value) aksIndex.set(c.id.toLowerCase(), c);
    // Subnets come embedded in their VNets' list entries (a hub VNet can hold hundreds).
    if (l.subnets.ok) for (const sn of l.subnets.value) if (sn.id) subnetIndex.set(sn.id.toLowerCase(), sn);
    if (l.routeTables.ok) for (const rt of l.routeTables.value) snapshot.routeTables[rt.id.toLowerCase()] = ok(rt);
    snapshot.firewallInventory[sub] = l.firewalls.ok ? ok(l.firewalls.value.map((f) => f.id)) : failed(l.firewalls.error);
    if (l.firewalls.ok) for (const f of l.firewalls.value) snapshot.firewalls[f.id.toLowerCase()] = ok(f);
    if (l.firewallPolicies.ok) for (const p of l.firewallPolicies.value) if (p.id) policyIndex.set(p.id.toLowerCase(), p);
    if (l.ipGroups.ok) for (const g of l.ipGroups.value) snapshot.ipGroups[g.id.toLowerCase()] = ok(g);
    if (l.nsgs.ok) for (const n of l.nsgs.value) snapshot.networkSecurityGroups[n.id.toLowerCase()] = ok(n);
    if (l.privateLinkServices.ok) for (const p of l.privateLinkServices.value) snapshot.privateLinkServices[p.id.toLowerCase()] = ok(p);
    snapshot.privateDnsZoneInventory[sub] = l.dnsZones.ok ? ok(l.dnsZones.value.map((z) => z.id ?? "")) : failed(l.dnsZones.error);
    if (l.dnsZones.ok) for (const z of l.dnsZones.value) if (z.id) zoneIndex.set(z.id.toLowerCase(), z);
    snapshot.roleAssignments[sub] = l.roleAssignments;
    if (l.publicIps.ok && l.loadBalancers.ok) {
      groupIndex.set(sub, { publicIps: byResourceGroup(l.publicIps.value), loadBalancers: byResourceGroup(l.loadBalancers.value) });
    }
  }

  // 3. Targets: every cluster pool, and every AKS cluster that is not a pool's own.
  const pools: ClusterPool[] = [];
  for (const l of lists.values()) if (l.pools.ok) pools.push(...l.pools.value);
  const poolAks = new Set(pools.map((p) => p.aksClusterResourceId?.toLowerCase()).filter((x): x is string => !!x));
  const targets: Target[] = [];
  for (const pool of pools) {
    const parsed = parseResourceId(pool.id);
    targets.push({
      id: pool.id,
      kind: "clusterPool",
      name: pool.name,
      subscriptionId: parsed?.subscriptionId.toLowerCase() ?? "",
      resourceGroup: parsed?.resourceGroup ?? "",
      location: pool.location,
      pool,
      ...(pool.aksClusterResourceId ? { aksClusterId: pool.aksClusterResourceId } : {}),
      subnetIds: pool.subnetId ? [pool.subnetId] : [],
    });
  }
  for (const l of lists.values()) {
    if (!l.aksClusters.ok) continue;
    for (const aks of l.aksClusters.value) {
      if (poolAks.has(aks.id.toLowerCase())) continue;
      const parsed = parseResourceId(aks.id);
      targets.push({
        id: aks.id,
        kind: "aksCluster",
        name: aks.name,
        subscriptionId: parsed?.subscriptionId.toLowerCase() ?? "",
        resourceGroup: parsed?.resourceGroup ?? "",
        location: aks.location,
        aksClusterId: aks.id,
        subnetIds: [...aks.agentPoolSubnetIds],
      });
    }
  }
  targets.sort((a, b) => a.subscriptionId.localeCompare(b.subscriptionId) || a.id.toLowerCase().localeCompare(b.id.toLowerCase()));
  snapshot.targets = targets;

  // 4. Per target: pool clusters, the AKS cluster, the MC group, subnets and route tables.
  const onceCache = new Map<string, Promise<unknown>>();
  /** Reads shared by several targets (a subnet, a route table, an MC group) happen once. */
  function once<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const k = key.toLowerCase();
    let p = onceCache.get(k) as Promise<T> | undefined;
    if (!p) {
      p = fn();
      onceCache.set(k, p);
    }
    return p;
  }

  async function aksCluster(id: string): Promise<Part<AksCluster>> {
    return once(`aks|${id}`, async () => {
      const listed = aksIndex.get(id.toLowerCase());
      if (listed) return ok(listed);
      const p = parseResourceId(id);
      if (!p?.resourceGroup || !p.names[0]) return failed<AksCluster>(record({ code: "InvalidResourceId", message: `not an AKS cluster id: ${id}`, scope: id }));
      return read(id, async () =>
        normalizeAksCluster(await clients.containerService(p.subscriptionId).managedClusters.get(p.resourceGroup!, p.names[0]!, signal)),
      );
    });
  }

  async function subnet(id: string): Promise<void> {
    await once(`subnet|${id}`, async () => {
      const embedded = subnetIndex.get(id.toLowerCase());
      let part: Part<ReturnType<typeof normalizeSubnet>>;
      if (embedded) {
        part = ok(embedded);
      } else {
        // Not in any list we could read: ask for it by id, so 403 and 404 are told apart.
        const p = parseResourceId(id);
        part =
          p?.resourceGroup && p.names.length === 2
            ? await read(id, async () =>
                normalizeSubnet(await clients.network(p.subscriptionId).subnets.get(p.resourceGroup!, p.names[0]!, p.names[1]!, signal)),
              )
            : failed(record({ code: "InvalidResourceId", message: `not a subnet id: ${id}`, scope: id }));
      }
      snapshot.subnets[id.toLowerCase()] = part;
      if (part.ok) {
        await Promise.all([
          part.value.routeTableId ? routeTable(part.value.routeTableId) : undefined,
          part.value.networkSecurityGroupId ? networkSecurityGroup(part.value.networkSecurityGroupId) : undefined,
        ]);
      }
    });
  }

  async function routeTable(id: string): Promise<void> {
    await once(`rt|${id}`, async () => {
      if (snapshot.routeTables[id.toLowerCase()]) return;
      const p = parseResourceId(id);
      snapshot.routeTables[id.toLowerCase()] =
        p?.resourceGroup && p.names[0]
          ? await read(id, async () => normalizeRouteTable(await clients.network(p.subscriptionId).routeTables.get(p.resourceGroup!, p.names[0]!, signal)))
          : failed(record({ code: "InvalidResourceId", message: `not a route table id: ${id}`, scope: id }));
    });
  }

  async function networkSecurityGroup(id: string): Promise<void> {
    await once(`nsg|${id}`, async () => {
      if (snapshot.networkSecurityGroups[id.toLowerCase()]) return;
      const p = parseResourceId(id);
      snapshot.networkSecurityGroups[id.toLowerCase()] =
        p?.resourceGroup && p.names[0]
          ? await read(id, async () => normalizeNsg(await clients.network(p.subscriptionId).networkSecurityGroups.get(p.resourceGroup!, p.names[0]!, signal)))
          : failed(record({ code: "InvalidResourceId", message: `not a network security group id: ${id}`, scope: id }));
    });
  }

  /** A firewall policy with its rule collection groups, then its base policy (inherited rules). */
  async function firewallPolicy(id: string, depth = 0): Promise<void> {
    await once(`fwp|${id}`, async () => {
      const p = parseResourceId(id);
      if (!p?.resourceGroup || !p.names[0]) {
        snapshot.firewallPolicies[id.toLowerCase()] = failed(record({ code: "InvalidResourceId", message: `not a firewall policy id: ${id}`, scope: id }));
        return;
      }
      const net = clients.network(p.subscriptionId);
      const listed = policyIndex.get(id.toLowerCase());
      const policy = listed ? ok(listed) : await read(id, () => net.firewallPolicies.get(p.resourceGroup!, p.names[0]!, signal));
      if (!policy.ok) {
        snapshot.firewallPolicies[id.toLowerCase()] = policy;
        return;
      }
      const groups = await read(`${id}/ruleCollectionGroups`, async () =>
        drain(net.firewallPolicyRuleCollectionGroups.list(p.resourceGroup!, p.names[0]!, signal), normalizeRuleCollectionGroup),
      );
      snapshot.firewallPolicies[id.toLowerCase()] = groups.ok ? ok(normalizeFirewallPolicy(policy.value, groups.value)) : groups;
      // Policy inheritance is at most a few levels deep in practice; the bound guards a cycle.
      const base = policy.value.basePolicy?.id;
      if (base && depth < 8) await firewallPolicy(base, depth + 1);
    });
  }

  /** A private DNS zone with its A records and virtual network links, read as one part. */
  async function privateDnsZone(zone: PrivateZone): Promise<void> {
    const id = zone.id ?? "";
    await once(`zone|${id}`, async () => {
      const p = parseResourceId(id);
      if (!p?.resourceGroup || !zone.name) return;
      const dns = clients.privateDns(p.subscriptionId);
      const [records, links] = await Promise.all([
        read(`${id}/A`, async () =>
          drain(dns.recordSets.listByType(p.resourceGroup!, zone.name!, "A", signal), (r) => normalizeARecordSet(r, zone.name!)),
        ),
        read(`${id}/virtualNetworkLinks`, async () =>
          drain(dns.virtualNetworkLinks.list(p.resourceGroup!, zone.name!, signal), normalizeVnetLink),
        ),
      ]);
      snapshot.privateDnsZones[id.toLowerCase()] = !records.ok
        ? records
        : !links.ok
          ? links
          : ok({ id, name: zone.name, aRecords: records.value, virtualNetworkLinks: links.value });
    });
  }

  /** A role definition named by an assignment: built-in roles are known, others are read once. */
  async function roleDefinition(roleDefinitionId: string): Promise<void> {
    const guid = roleGuidOf(roleDefinitionId);
    await once(`role|${guid}`, async () => {
      const builtin = BUILTIN_ROLES[guid];
      if (builtin) {
        snapshot.roleDefinitions[guid] = ok(builtin);
        return;
      }
      // The id becomes the request path as it is: an ARM id, or no request at all.
      if (!/^\/?(subscriptions\/[^/]+\/)?providers\/Microsoft\.Authorization\/roleDefinitions\/[0-9a-fA-F-]{36}$/i.test(roleDefinitionId)) {
        snapshot.roleDefinitions[guid] = failed(record({ code: "InvalidResourceId", message: `not a role definition id: ${roleDefinitionId.slice(0, 300)}`, scope: roleDefinitionId.slice(0, 300) }));
        return;
      }
      const sub = parseResourceId(roleDefinitionId)?.subscriptionId ?? subscriptionIds[0] ?? "";
      // getById with a leading "/" would send "//subscriptions/...": pass the id without it.
      snapshot.roleDefinitions[guid] = await read(roleDefinitionId, async () =>
        normalizeRoleDefinition(await clients.authorization(sub).roleDefinitions.getById(roleDefinitionId.replace(/^\/+/, ""), signal)),
      );
    });
  }

  /**
   * The MC group's public IPs and load balancers. From the subscription-wide lists when the
   * group is in the caller's readable resource groups (so the lists are complete for it: no
   * request at all); otherwise from resource-group lists, whose 403/404 then says why.
   */
  async function mcGroup(mcGroupId: string): Promise<void> {
    await once(`mc|${mcGroupId}`, async () => {
      const p = parseResourceId(mcGroupId);
      if (!p?.resourceGroup) {
        // The group name came from the pool or AKS cluster; it becomes a request path only if it is one.
        snapshot.mcGroups[mcGroupId.toLowerCase()] = failed(record({ code: "InvalidResourceId", message: `not a resource group id: ${mcGroupId.slice(0, 300)}`, scope: mcGroupId.slice(0, 300) }));
        return;
      }
      const sub = p?.subscriptionId.toLowerCase() ?? "";
      const rg = p?.resourceGroup ?? "";
      const l = lists.get(sub);
      const byGroup = groupIndex.get(sub);
      let pips: Part<ReturnType<typeof normalizePublicIp>[]>;
      let lbs: Part<ReturnType<typeof normalizeLoadBalancer>[]>;
      if (byGroup && l?.readableGroups.ok && l.readableGroups.value.has(rg.toLowerCase())) {
        pips = ok(byGroup.publicIps.get(rg.toLowerCase()) ?? []);
        lbs = ok(byGroup.loadBalancers.get(rg.toLowerCase()) ?? []);
      } else {
        const net = clients.network(p?.subscriptionId ?? "");
        pips = await read(`${mcGroupId}/providers/Microsoft.Network/publicIPAddresses`, async () =>
          drain(net.publicIPAddresses.list(rg, signal), normalizePublicIp),
        );
        lbs = await read(`${mcGroupId}/providers/Microsoft.Network/loadBalancers`, async () =>
          drain(net.loadBalancers.list(rg, signal), normalizeLoadBalancer),
        );
      }
      if (pips.ok) for (const pip of pips.value) snapshot.publicIps[pip.id.toLowerCase()] = ok(pip);
      if (lbs.ok) for (const lb of lbs.value) snapshot.loadBalancers[lb.id.toLowerCase()] = ok(lb);
      // The MC group counts as read only when every list it needs was read.
      snapshot.mcGroups[mcGroupId.toLowerCase()] = !pips.ok
        ? failed(pips.error)
        : !lbs.ok
          ? failed(lbs.error)
          : ok<McGroupContents>({ id: mcGroupId, publicIpIds: pips.value.map((x) => x.id), loadBalancerIds: lbs.value.map((x) => x.id) });
    });
  }

  // Zones by name and by resource group, for zonesOf.
  const zonesByName = new Map<string, PrivateZone[]>();
  const zonesByGroup = new Map<string, PrivateZone[]>();
  for (const z of zoneIndex.values()) {
    if (!z.id || !z.name) continue;
    const p = parseResourceId(z.id);
    if (!p?.resourceGroup) continue;
    pushTo(zonesByName, z.name.toLowerCase(), z);
    pushTo(zonesByGroup, `/subscriptions/${p.subscriptionId}/resourcegroups/${p.resourceGroup}`.toLowerCase(), z);
  }
  /**
   * The private DNS zones a target's checks may need: every zone in its pool's managed resource
   * group, and every zone whose name is one of its clusters' private FQDNs or a suffix of one at
   * a label boundary (`cluster.pool.example.com` looks in `pool.example.com` and `example.com`).
   */
  function zonesOf(t: Target): PrivateZone[] {
    const found = new Set<PrivateZone>();
    if (t.pool?.managedResourceGroupName) {
      for (const z of zonesByGroup.get(`/subscriptions/${t.subscriptionId}/resourcegroups/${t.pool.managedResourceGroupName}`.toLowerCase()) ?? []) found.add(z);
    }
    for (const c of t.clusters?.ok ? t.clusters.value : []) {
      if (!c.privateFqdn) continue;
      for (const name of labelSuffixes(c.privateFqdn)) for (const z of zonesByName.get(name) ?? []) found.add(z);
    }
    return [...found];
  }

  // Role definitions named by assignments (in any scanned subscription) to each principal.
  const rolesByPrincipal = new Map<string, Set<string>>();
  for (const part of Object.values(snapshot.roleAssignments)) {
    if (!part.ok) continue;
    for (const ra of part.value) {
      const key = ra.principalId.toLowerCase();
      let roles = rolesByPrincipal.get(key);
      if (!roles) rolesByPrincipal.set(key, (roles = new Set<string>()));
      roles.add(ra.roleDefinitionId);
    }
  }
  /** The role definitions assigned to an AKS cluster's identities (built-in ones need no read). */
  function roleDefinitionsOf(aks: AksCluster): string[] {
    const ids = new Set<string>();
    for (const principal of [aks.identityPrincipalId, ...(aks.userAssignedPrincipalIds ?? [])]) {
      if (principal) for (const id of rolesByPrincipal.get(principal.toLowerCase()) ?? []) ids.add(id);
    }
    return [...ids];
  }

  // Firewall policies (with inherited base policies) are shared by many targets: their reads
  // start now and run alongside the target reads.
  const policyReads = Promise.all(
    Object.values(snapshot.firewalls).map((f) => (f.ok && f.value.firewallPolicyId ? firewallPolicy(f.value.firewallPolicyId) : Promise.resolve())),
  );

  // One limiter per subscription: each subscription has its own ARM read budget, so a queue
  // shared by all would leave every slot waiting on one subscription's budget at a time.
  const targetLimit = perSubscriptionLimit(options.targetConcurrency ?? 16);
  let targetsDone = 0;
  await Promise.all(
    targets.map((t) =>
      targetLimit(t.subscriptionId, async () => {
        if (t.kind === "clusterPool") {
          prefetchClusters(t.subscriptionId, t.id);
          t.clusters = await clusterReads.get(t.id.toLowerCase())!;
        }
        const aks = t.aksClusterId ? await aksCluster(t.aksClusterId) : undefined;
        if (aks && t.aksClusterId) snapshot.aksClusters[t.aksClusterId.toLowerCase()] = aks;
        if (t.subnetIds.length === 0 && aks?.ok) t.subnetIds = [...aks.value.agentPoolSubnetIds];

        // The MC group lives in the AKS cluster's subscription; its name comes from the pool or AKS.
        const mcName = t.pool?.aksManagedResourceGroupName ?? (aks?.ok ? aks.value.nodeResourceGroup : undefined);
        const mcSub = parseResourceId(t.aksClusterId ?? t.id)?.subscriptionId ?? t.subscriptionId;
        if (mcName) {
          t.mcGroupId = `/subscriptions/${mcSub}/resourceGroups/${mcName}`;
          // Load balancers are needed in every mode: outbound rules (loadBalancer egress) and the
          // internal ingress frontends that private DNS records must point to.
          await mcGroup(t.mcGroupId);
        }
        // The private DNS zones that can answer this target's private FQDNs, read as soon as
        // they are known (each zone once), so zone reads share the budget with target reads.
        await Promise.all([
          ...t.subnetIds.map((s) => subnet(s)),
          ...zonesOf(t).map((z) => privateDnsZone(z)),
          ...(aks?.ok ? roleDefinitionsOf(aks.value).map((id) => roleDefinition(id)) : []),
        ]);
        // Everything shared is in too (policies read alongside the targets), then it is judged.
        await policyReads;
        options.onTargetCollected?.(t, snapshot);
        options.onProgress?.({ phase: "targets", done: ++targetsDone, total: targets.length });
      }),
    ),
  );

  // 5. Shared resources were read alongside the targets (firewall policies, zones, role definitions).
  await policyReads;

  if (abortSignal?.aborted) {
    const reason = (abortSignal as { reason?: unknown }).reason;
    errors.push({
      scope: "scan",
      code: stopCode(),
      message: `the scan was stopped before it finished${reason instanceof Error ? ` (${reason.message})` : ""}; what was not read is unknown`,
    });
  }
  return { snapshot, subscriptionIds, errors };
}
