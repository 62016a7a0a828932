/**
 * Phase 2, the subscription-wide lists: one table says which lists a subscription is read with,
 * through which SDK call, and where each lands (a snapshot map, or an index the later phases look
 * up). Targets are then joined locally against these lists instead of fetching what they
 * reference one GET at a time; what a list did not return is fetched by id later (targets.ts).
 *
 * Scanned subscriptions are read with every list; context subscriptions only with the lists of
 * shared resources (`shared`), which targets use across subscription boundaries, and so are the
 * subscriptions of peered VNets outside both (phases/references.ts, {@link readSharedLists}).
 *
 * Every list goes through `listOrNone`: a provider the subscription has not registered
 * (`MissingSubscriptionRegistration`, `NoRegisteredProviderFound`) has no resources there, which is
 * an empty list and no error.
 */
import { listClusterPools, listResourceGroups } from "../../arm/clusterPools.js";
import { listScaleSets } from "../../arm/scaleSets.js";
import type { Part, Snapshot } from "../../model/snapshot.js";
import { listOrNone, type CollectionContext } from "../context.js";
import {
  normalizeAksCluster,
  normalizeClusterPool,
  normalizeFirewall,
  normalizeIpGroup,
  normalizeLoadBalancer,
  normalizeNatGateway,
  normalizeNsg,
  normalizePrivateLinkService,
  normalizePublicIp,
  normalizePublicIpPrefix,
  normalizeRoleAssignment,
  normalizeRouteTable,
  normalizeScaleSet,
  normalizeSubnet,
  normalizeVirtualNetwork,
} from "../normalize.js";
import { byResourceGroup, drain, failed, ok } from "../reads.js";
import { poolClusters } from "./poolClusters.js";
import { emptyListIndex, type ListIndex, type ListValues, type SubscriptionLists } from "../listIndex.js";

/** One subscription-wide list. Members are methods so that the table can be walked generically. */
interface ListSpec<T> {
  /** The list's path under `/subscriptions/{id}/`: also the scope of its read error. */
  path: string;
  /** Read in context subscriptions too: a shared resource that targets use across subscriptions. */
  shared?: true;
  /** What the list holds, in words, for the errors of subscriptions outside the scope. */
  what: string;
  /** Reads every page, normalising page by page (wrapped in `listOrNone` by {@link readLists}). */
  list(ctx: CollectionContext, sub: string): Promise<T>;
  /** Runs as soon as the list is in, while the subscription's other lists still page. */
  onListed?(ctx: CollectionContext, sub: string, value: T): void;
  /** Files what the list returned into the snapshot or the index. */
  index?(part: Part<T>, sub: string, snapshot: Snapshot, index: ListIndex): void;
}

/** Puts every resource of a list into a snapshot map, by lower-cased id. */
function fillById<T extends { id: string }>(map: Record<string, Part<T>>, part: Part<T[]>): void {
  if (part.ok) for (const item of part.value) map[item.id.toLowerCase()] = ok(item);
}

/** The ids a list returned, or why it could not be read: "not found" is a fact only when every inventory was read. */
function inventory<T>(part: Part<T[]>, idOf: (item: T) => string): Part<string[]> {
  return part.ok ? ok(part.value.map(idOf)) : failed(part.error);
}

/** The lists, in the order their reads start. */
const LISTS: { [K in keyof ListValues]: ListSpec<ListValues[K]> } = {
  pools: {
    path: "providers/Microsoft.HDInsight/clusterpools",
    what: "cluster pools",
    list: (ctx, sub) => listOrNone(() => drain(listClusterPools(ctx.clients.rest(), sub, ctx.signal), normalizeClusterPool)),
    // Start reading each pool's clusters now, while the other lists still page: they are most
    // of a scan's requests, and the read budget is better spent early than idle.
    onListed: (ctx, sub, pools) => {
      for (const pool of pools) void poolClusters(ctx, sub, pool.id);
    },
  },
  aksClusters: {
    path: "providers/Microsoft.ContainerService/managedClusters",
    what: "AKS clusters",
    list: (ctx, sub) => listOrNone(() => drain(ctx.clients.containerService(sub).managedClusters.list(ctx.signal), normalizeAksCluster)),
    index: (part, _sub, _snapshot, index) => {
      if (part.ok) for (const c of part.value) index.aksClusters.set(c.id.toLowerCase(), c);
    },
  },
  virtualNetworks: {
    // The VNet-level data (address space, DNS servers, peerings) and the subnets embedded in each
    // VNet come from this one list; no subnet or VNet is read on its own when it is here.
    path: "providers/Microsoft.Network/virtualNetworks",
    what: "virtual networks",
    list: (ctx, sub) =>
      listOrNone(() =>
        drain(ctx.clients.network(sub).virtualNetworks.listAll(ctx.signal), (v) => ({ vnet: normalizeVirtualNetwork(v), subnets: (v.subnets ?? []).map(normalizeSubnet) })),
      ),
    index: (part, _sub, _snapshot, index) => {
      if (!part.ok) return;
      for (const { vnet, subnets } of part.value) {
        if (vnet.id) index.virtualNetworks.set(vnet.id.toLowerCase(), vnet);
        for (const sn of subnets) if (sn.id) index.subnets.set(sn.id.toLowerCase(), sn);
      }
    },
  },
  routeTables: {
    path: "providers/Microsoft.Network/routeTables",
    what: "route tables",
    list: (ctx, sub) => listOrNone(() => drain(ctx.clients.network(sub).routeTables.listAll(ctx.signal), normalizeRouteTable)),
    index: (part, _sub, snapshot) => fillById(snapshot.routeTables, part),
  },
  firewalls: {
    path: "providers/Microsoft.Network/azureFirewalls",
    what: "Azure firewalls",
    shared: true,
    list: (ctx, sub) =>
      listOrNone(() => drain(ctx.clients.network(sub).azureFirewalls.listAll(ctx.signal), (fw) => ({ firewall: normalizeFirewall(fw), virtualHubId: fw.virtualHub?.id }))),
    index: (part, sub, snapshot, index) => {
      snapshot.firewallInventory[sub] = inventory(part, (f) => f.firewall.id);
      if (!part.ok) return;
      for (const { firewall, virtualHubId } of part.value) {
        snapshot.firewalls[firewall.id.toLowerCase()] = ok(firewall);
        if (virtualHubId) index.firewallsByHub.set(virtualHubId.toLowerCase(), firewall.id);
      }
    },
  },
  firewallPolicies: {
    path: "providers/Microsoft.Network/firewallPolicies",
    what: "firewall policies",
    shared: true,
    list: (ctx, sub) => listOrNone(() => drain(ctx.clients.network(sub).firewallPolicies.listAll(ctx.signal))),
    index: (part, _sub, _snapshot, index) => {
      if (part.ok) for (const p of part.value) if (p.id) index.firewallPolicies.set(p.id.toLowerCase(), p);
    },
  },
  ipGroups: {
    path: "providers/Microsoft.Network/ipGroups",
    what: "IP groups",
    shared: true,
    list: (ctx, sub) => listOrNone(() => drain(ctx.clients.network(sub).ipGroups.list(ctx.signal), normalizeIpGroup)),
    index: (part, _sub, snapshot) => fillById(snapshot.ipGroups, part),
  },
  nsgs: {
    path: "providers/Microsoft.Network/networkSecurityGroups",
    what: "network security groups",
    list: (ctx, sub) => listOrNone(() => drain(ctx.clients.network(sub).networkSecurityGroups.listAll(ctx.signal), normalizeNsg)),
    index: (part, _sub, snapshot) => fillById(snapshot.networkSecurityGroups, part),
  },
  privateLinkServices: {
    path: "providers/Microsoft.Network/privateLinkServices",
    what: "private link services",
    list: (ctx, sub) => listOrNone(() => drain(ctx.clients.network(sub).privateLinkServices.listBySubscription(ctx.signal), normalizePrivateLinkService)),
    index: (part, _sub, snapshot) => fillById(snapshot.privateLinkServices, part),
  },
  dnsZones: {
    path: "providers/Microsoft.Network/privateDnsZones",
    what: "private DNS zones",
    shared: true,
    list: (ctx, sub) => listOrNone(() => drain(ctx.clients.privateDns(sub).privateZones.list(ctx.signal))),
    index: (part, sub, snapshot, index) => {
      snapshot.privateDnsZoneInventory[sub] = inventory(part, (z) => z.id ?? "");
      if (part.ok) for (const z of part.value) if (z.id) index.dnsZones.set(z.id.toLowerCase(), z);
    },
  },
  roleAssignments: {
    path: "providers/Microsoft.Authorization/roleAssignments",
    what: "role assignments",
    list: (ctx, sub) => listOrNone(() => drain(ctx.clients.authorization(sub).roleAssignments.listForSubscription(ctx.signal), normalizeRoleAssignment)),
    index: (part, sub, snapshot) => {
      snapshot.roleAssignments[sub] = part;
    },
  },
  publicIps: {
    path: "providers/Microsoft.Network/publicIPAddresses",
    what: "public IP addresses",
    list: (ctx, sub) => listOrNone(() => drain(ctx.clients.network(sub).publicIPAddresses.listAll(ctx.signal), normalizePublicIp)),
    index: (part, sub, _snapshot, index) => {
      if (part.ok) index.publicIpsByGroup.set(sub, byResourceGroup(part.value));
    },
  },
  loadBalancers: {
    path: "providers/Microsoft.Network/loadBalancers",
    what: "load balancers",
    list: (ctx, sub) => listOrNone(() => drain(ctx.clients.network(sub).loadBalancers.listAll(ctx.signal), normalizeLoadBalancer)),
    index: (part, sub, _snapshot, index) => {
      if (part.ok) index.loadBalancersByGroup.set(sub, byResourceGroup(part.value));
    },
  },
  virtualHubs: {
    // Shared: a spoke in one subscription is connected to a Virtual WAN hub in another.
    path: "providers/Microsoft.Network/virtualHubs",
    what: "Virtual WAN hubs",
    shared: true,
    list: (ctx, sub) => listOrNone(() => drain(ctx.clients.network(sub).virtualHubs.list(ctx.signal))),
    index: (part, sub, snapshot, index) => {
      snapshot.hubInventory![sub] = inventory(part, (h) => h.id ?? "");
      if (part.ok) for (const h of part.value) if (h.id) index.virtualHubs.set(h.id.toLowerCase(), h);
    },
  },
  natGateways: {
    path: "providers/Microsoft.Network/natGateways",
    what: "NAT gateways",
    list: (ctx, sub) => listOrNone(() => drain(ctx.clients.network(sub).natGateways.listAll(ctx.signal), normalizeNatGateway)),
    index: (part, _sub, _snapshot, index) => {
      if (part.ok) for (const g of part.value) index.natGateways.set(g.id.toLowerCase(), g);
    },
  },
  publicIpPrefixes: {
    path: "providers/Microsoft.Network/publicIPPrefixes",
    what: "public IP prefixes",
    list: (ctx, sub) => listOrNone(() => drain(ctx.clients.network(sub).publicIPPrefixes.listAll(ctx.signal), normalizePublicIpPrefix)),
    index: (part, sub, _snapshot, index) => {
      if (!part.ok) return;
      for (const p of part.value) index.publicIpPrefixes.set(p.id.toLowerCase(), p);
      index.publicIpPrefixesByGroup.set(sub, byResourceGroup(part.value));
    },
  },
  scaleSets: {
    path: "providers/Microsoft.Compute/virtualMachineScaleSets",
    what: "virtual machine scale sets",
    list: (ctx, sub) => listOrNone(() => drain(listScaleSets(ctx.clients.rest(), sub, ctx.signal), normalizeScaleSet)),
    index: (part, sub, _snapshot, index) => {
      if (part.ok) index.scaleSetsByGroup.set(sub, byResourceGroup(part.value));
    },
  },
  readableGroups: {
    path: "resourcegroups",
    what: "resource groups",
    list: async (ctx, sub) => new Set(await listOrNone(() => drain(listResourceGroups(ctx.clients.rest(), sub, ctx.signal), (g) => g.name.toLowerCase()))),
    index: (part, sub, _snapshot, index) => {
      if (part.ok) index.readableGroups.set(sub, part.value);
    },
  },
};

const ALL_LISTS = Object.keys(LISTS) as Array<keyof ListValues>;
const SHARED_LISTS = ALL_LISTS.filter((name) => LISTS[name].shared);

/**
 * Reads the named lists of one subscription; every list starts at once and settles into a Part on
 * its own. `why`, for a subscription outside the scan's scope, says why it was read: it goes
 * into the message of each list that fails.
 */
async function readLists(ctx: CollectionContext, sub: string, names: Array<keyof ListValues>, why?: string): Promise<Partial<SubscriptionLists>> {
  const scope = `/subscriptions/${sub}`;
  const parts = await Promise.all(
    names.map((name) => {
      const spec: ListSpec<unknown> = LISTS[name];
      const about = why ? `the ${spec.what} of subscription ${sub}, outside the scan's scope (${why})` : undefined;
      const read = ctx.read(`${scope}/${spec.path}`, () => spec.list(ctx, sub), about);
      if (!spec.onListed) return read;
      return read.then((part) => {
        if (part.ok) spec.onListed?.(ctx, sub, part.value);
        return part;
      });
    }),
  );
  const lists: Partial<Record<keyof ListValues, Part<unknown>>> = {};
  names.forEach((name, i) => (lists[name] = parts[i]));
  return lists as Partial<SubscriptionLists>;
}

/** Files one subscription's lists into the snapshot and the index, in table order. */
function indexLists(sub: string, lists: Partial<SubscriptionLists>, snapshot: Snapshot, index: ListIndex): void {
  for (const name of ALL_LISTS) {
    const spec: ListSpec<unknown> = LISTS[name];
    const part = lists[name];
    if (part && spec.index) spec.index(part, sub, snapshot, index);
  }
}

/**
 * Reads the lists of every scanned subscription (all of them) and then of every context
 * subscription (the shared ones), and indexes what they returned. Fills the snapshot's route
 * tables, firewalls and their inventory, IP groups, NSGs, private link services, DNS zone and
 * Virtual WAN hub inventories, and role assignments.
 */
export async function readSubscriptionLists(ctx: CollectionContext): Promise<ListIndex> {
  const { subscriptionIds } = ctx;
  const lists = new Map<string, SubscriptionLists>();
  let listsDone = 0;
  await Promise.all(
    subscriptionIds.map((sub) =>
      ctx.subscriptionLimit(async () => {
        lists.set(sub, (await readLists(ctx, sub, ALL_LISTS)) as SubscriptionLists);
        ctx.progress("lists", ++listsDone, subscriptionIds.length);
      }),
    ),
  );

  // Context subscriptions: only the lists of shared resources (see CollectOptions).
  const scanned = new Set(subscriptionIds);
  const contextIds = [...new Set((ctx.options.contextSubscriptionIds ?? []).map((s) => s.toLowerCase()))].filter((s) => !scanned.has(s));
  const contextLists = new Map<string, Partial<SubscriptionLists>>();
  await Promise.all(
    contextIds.map((sub) =>
      ctx.subscriptionLimit(async () => {
        contextLists.set(sub, await readLists(ctx, sub, SHARED_LISTS));
      }),
    ),
  );

  const index = emptyListIndex(lists);
  for (const [sub, l] of contextLists) indexLists(sub, l, ctx.snapshot, index);
  for (const [sub, l] of lists) indexLists(sub, l, ctx.snapshot, index);
  for (const sub of [...subscriptionIds, ...contextIds]) index.sharedListed.add(sub.toLowerCase());
  return index;
}

/**
 * Reads and indexes the shared lists (firewalls and their inventory, firewall policies, IP
 * groups, private DNS zones, Virtual WAN hubs) of a subscription outside the scan's scope that a
 * target references (a peered VNet's), as for a context subscription; `why` names the reference
 * for the errors of lists that fail. Each subscription once.
 */
export function readSharedLists(ctx: CollectionContext, index: ListIndex, sub: string, why: string): Promise<void> {
  const key = sub.toLowerCase();
  return ctx.once(`shared-lists|${key}`, async () => {
    if (index.sharedListed.has(key)) return;
    index.sharedListed.add(key);
    indexLists(key, await readLists(ctx, key, SHARED_LISTS, why), ctx.snapshot, index);
  });
}
