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
import { listClusterPools, listPoolClusters, type ArmResourceBody } from "../arm/clusterPools.js";
import { parentResourceId, parseResourceId } from "../arm/resourceId.js";
import { EndpointUnreachableError } from "../errors.js";
import {
  normalizeAksCluster,
  normalizeClusterPool,
  normalizeFirewall,
  normalizeHdiCluster,
  normalizeLoadBalancer,
  normalizePublicIp,
  normalizeRouteTable,
  normalizeSubnet,
} from "./normalize.js";
import {
  emptySnapshot,
  type AksCluster,
  type ClusterPool,
  type McGroupContents,
  type Part,
  type ReadError,
  type Snapshot,
  type SubscriptionInfo,
  type Target,
} from "./snapshot.js";
import type { VirtualNetwork } from "@azure/arm-network";

/** A scan-level error for the report's `errors` list. */
export interface ScanError {
  /** Subscription, resource group or resource id the failed read was about. */
  scope: string;
  code: string;
  message: string;
}

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
  /** Subscriptions read at once (default 4). */
  subscriptionConcurrency?: number;
  /** Targets read at once (default 8). */
  targetConcurrency?: number;
  onProgress?: (progress: CollectProgress) => void;
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

async function drain<T>(iter: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iter) out.push(item);
  return out;
}

/** One subscription's subscription-level lists. */
interface SubscriptionLists {
  pools: Part<ArmResourceBody[]>;
  aksClusters: Part<AksCluster[]>;
  vnets: Part<VirtualNetwork[]>;
  routeTables: Part<ReturnType<typeof normalizeRouteTable>[]>;
  firewalls: Part<ReturnType<typeof normalizeFirewall>[]>;
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
    try {
      return ok(await fn());
    } catch (err) {
      return failed(record(toReadError(err, scope)));
    }
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

  // 2. Subscription-level lists, joined locally below.
  const subLimit = pLimit(options.subscriptionConcurrency ?? 4);
  let listsDone = 0;
  const lists = new Map<string, SubscriptionLists>();
  await Promise.all(
    subscriptionIds.map((sub) =>
      subLimit(async () => {
        const scope = `/subscriptions/${sub}`;
        const net = clients.network(sub);
        const [pools, aksClusters, vnets, routeTables, firewalls] = await Promise.all([
          read(`${scope}/providers/Microsoft.HDInsight/clusterpools`, () => drain(listClusterPools(clients.rest(), sub, signal))),
          read(`${scope}/providers/Microsoft.ContainerService/managedClusters`, async () =>
            (await drain(clients.containerService(sub).managedClusters.list(signal))).map(normalizeAksCluster),
          ),
          read(`${scope}/providers/Microsoft.Network/virtualNetworks`, () => drain(net.virtualNetworks.listAll(signal))),
          read(`${scope}/providers/Microsoft.Network/routeTables`, async () =>
            (await drain(net.routeTables.listAll(signal))).map(normalizeRouteTable),
          ),
          read(`${scope}/providers/Microsoft.Network/azureFirewalls`, async () =>
            (await drain(net.azureFirewalls.listAll(signal))).map(normalizeFirewall),
          ),
        ]);
        lists.set(sub, { pools, aksClusters, vnets, routeTables, firewalls });
        options.onProgress?.({ phase: "lists", done: ++listsDone, total: subscriptionIds.length });
      }),
    ),
  );

  // Local indexes of what the lists returned.
  const aksIndex = new Map<string, AksCluster>();
  const vnetIndex = new Map<string, VirtualNetwork>();
  for (const [sub, l] of lists) {
    if (l.aksClusters.ok) for (const c of l.aksClusters.value) aksIndex.set(c.id.toLowerCase(), c);
    if (l.vnets.ok) for (const v of l.vnets.value) if (v.id) vnetIndex.set(v.id.toLowerCase(), v);
    if (l.routeTables.ok) for (const rt of l.routeTables.value) snapshot.routeTables[rt.id.toLowerCase()] = ok(rt);
    snapshot.firewallInventory[sub] = l.firewalls.ok ? ok(l.firewalls.value.map((f) => f.id)) : failed(l.firewalls.error);
    if (l.firewalls.ok) for (const f of l.firewalls.value) snapshot.firewalls[f.id.toLowerCase()] = ok(f);
  }

  // 3. Targets: every cluster pool, and every AKS cluster that is not a pool's own.
  const pools: ClusterPool[] = [];
  for (const l of lists.values()) if (l.pools.ok) pools.push(...l.pools.value.map(normalizeClusterPool));
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
      const vnetId = parentResourceId(id);
      const vnet = vnetId ? vnetIndex.get(vnetId.toLowerCase()) : undefined;
      const embedded = vnet?.subnets?.find((s) => s.id?.toLowerCase() === id.toLowerCase());
      let part: Part<ReturnType<typeof normalizeSubnet>>;
      if (embedded) {
        part = ok(normalizeSubnet(embedded));
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
      if (part.ok && part.value.routeTableId) await routeTable(part.value.routeTableId);
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

  async function mcGroup(mcGroupId: string, needLoadBalancers: boolean): Promise<void> {
    await once(`mc|${mcGroupId}`, async () => {
      const p = parseResourceId(mcGroupId);
      const rg = p?.resourceGroup ?? "";
      const net = clients.network(p?.subscriptionId ?? "");
      const pips = await read(`${mcGroupId}/providers/Microsoft.Network/publicIPAddresses`, async () =>
        (await drain(net.publicIPAddresses.list(rg, signal))).map(normalizePublicIp),
      );
      const lbs = needLoadBalancers
        ? await read(`${mcGroupId}/providers/Microsoft.Network/loadBalancers`, async () =>
            (await drain(net.loadBalancers.list(rg, signal))).map(normalizeLoadBalancer),
          )
        : ok([]);
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

  const targetLimit = pLimit(options.targetConcurrency ?? 8);
  let targetsDone = 0;
  await Promise.all(
    targets.map((t) =>
      targetLimit(async () => {
        if (t.kind === "clusterPool") {
          t.clusters = await read(`${t.id}/clusters`, async () =>
            (await drain(listPoolClusters(clients.rest(), t.id, signal))).map(normalizeHdiCluster),
          );
        }
        const aks = t.aksClusterId ? await aksCluster(t.aksClusterId) : undefined;
        if (aks && t.aksClusterId) snapshot.aksClusters[t.aksClusterId.toLowerCase()] = aks;
        if (t.subnetIds.length === 0 && aks?.ok) t.subnetIds = [...aks.value.agentPoolSubnetIds];

        // The MC group lives in the AKS cluster's subscription; its name comes from the pool or AKS.
        const mcName = t.pool?.aksManagedResourceGroupName ?? (aks?.ok ? aks.value.nodeResourceGroup : undefined);
        const mcSub = parseResourceId(t.aksClusterId ?? t.id)?.subscriptionId ?? t.subscriptionId;
        if (mcName) {
          t.mcGroupId = `/subscriptions/${mcSub}/resourceGroups/${mcName}`;
          const mode = t.pool?.outboundType ?? (aks?.ok ? aks.value.outboundType : undefined);
          await mcGroup(t.mcGroupId, mode !== "userDefinedRouting");
        }
        await Promise.all(t.subnetIds.map((s) => subnet(s)));
        options.onProgress?.({ phase: "targets", done: ++targetsDone, total: targets.length });
      }),
    ),
  );

  return { snapshot, subscriptionIds, errors };
}
