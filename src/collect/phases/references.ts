/**
 * The virtual networks of the targets' subnets, their peerings, and the subscriptions those
 * peerings reach (CHECKS.md, "Resources in other subscriptions"). A target's VNet comes from its
 * subscription's VNet list (which also embeds the subnets), or else by id. A peered VNet in a
 * subscription that is neither scanned nor context is read by id, and that subscription's shared
 * lists (firewalls and their inventory, firewall policies, IP groups, private DNS zones, Virtual
 * WAN hubs) are read once as for a context subscription: a next hop inside the peered VNet is then
 * either found, or its firewall inventory is a failed part and the error names the subscription.
 */
import { parentResourceId, parseResourceId } from "../../model/resourceId.js";
import type { Part, Subnet, Target } from "../../model/snapshot.js";
import type { VirtualNetwork } from "../../model/egressResources.js";
import type { CollectionContext } from "../context.js";
import type { ListIndex } from "../listIndex.js";
import { normalizeSubnet, normalizeVirtualNetwork } from "../normalize.js";
import { ok } from "../reads.js";
import { byId } from "./byId.js";
import { startSharedReads } from "./hubs.js";
import { readSharedLists } from "./subscriptionLists.js";

/** A VNet by id; its embedded subnets go into the index, so the subnets of a VNet read by id cost no further read. */
async function vnetById(ctx: CollectionContext, index: ListIndex, id: string, what: string): Promise<Part<VirtualNetwork> | undefined> {
  return byId(ctx, ctx.snapshot.virtualNetworks!, id, what, ["virtualNetworks"], async (p) => {
    const body = await ctx.clients.network(p.subscriptionId).virtualNetworks.get(p.resourceGroup, p.names[0]!, ctx.signal);
    for (const s of body.subnets ?? []) if (s.id) index.subnets.set(s.id.toLowerCase(), normalizeSubnet(s));
    const vnet = normalizeVirtualNetwork(body);
    index.virtualNetworks.set(vnet.id.toLowerCase(), vnet);
    return vnet;
  });
}

/**
 * The VNet of a target subnet, into `snapshot.virtualNetworks`: from the lists, else by id. Then
 * its peered VNets. Resolves once the peered subscriptions' shared lists are in.
 */
export async function targetVnet(ctx: CollectionContext, index: ListIndex, vnetId: string): Promise<Part<VirtualNetwork> | undefined> {
  const map = ctx.snapshot.virtualNetworks!;
  const listed = index.virtualNetworks.get(vnetId.toLowerCase());
  if (listed && !map[vnetId.toLowerCase()]) map[vnetId.toLowerCase()] = ok(listed);
  const part = await vnetById(ctx, index, vnetId, "virtual network");
  if (part?.ok) await Promise.all(part.value.peerings.map((peering) => peeredVnet(ctx, index, peering.remoteVirtualNetworkId, part.value.id)));
  return part;
}

/**
 * A subnet a target names, after its VNet (and the VNet's peerings): from its VNet's list entry,
 * else from its VNet read by id, else by id (so that a forbidden VNet with a readable subnet, or
 * a subnet the VNet no longer embeds, still tells "forbidden" from "not found").
 */
export async function targetSubnet(ctx: CollectionContext, index: ListIndex, id: string): Promise<Part<Subnet>> {
  const vnetId = parentResourceId(id);
  if (vnetId) await targetVnet(ctx, index, vnetId);
  const found = index.subnets.get(id.toLowerCase());
  if (found) return ok(found);
  const part = await byId(ctx, ctx.snapshot.subnets, id, "subnet", ["virtualNetworks", "subnets"], async (p) =>
    normalizeSubnet(await ctx.clients.network(p.subscriptionId).subnets.get(p.resourceGroup, p.names[0]!, p.names[1]!, ctx.signal)),
  );
  return part ?? ctx.invalidId(`not a subnet id: ${id}`, id);
}

/** Whether a subscription's shared lists still have to be read for a reference into it. */
function unlisted(index: ListIndex, sub: string): boolean {
  return !index.sharedListed.has(sub.toLowerCase());
}

/** Whether a subscription is scanned or context: its lists are this scan's own, nothing in it is read for a peering. */
function scannedOrContext(ctx: CollectionContext, sub: string): boolean {
  const key = sub.toLowerCase();
  return ctx.inScope(key) || (ctx.options.contextSubscriptionIds ?? []).some((s) => s.toLowerCase() === key);
}

/**
 * A VNet peered with a target's VNet. In a scanned subscription it comes from the lists; in a
 * context one its subscription's shared lists already hold what a next hop there can be; in any
 * other subscription it is read by id, and that subscription's shared lists are read (once), then
 * the shared reads they call for (policies, hubs) are started.
 */
async function peeredVnet(ctx: CollectionContext, index: ListIndex, remoteId: string, fromVnetId: string): Promise<void> {
  const p = parseResourceId(remoteId);
  if (!p) return;
  const map = ctx.snapshot.virtualNetworks!;
  const listed = index.virtualNetworks.get(remoteId.toLowerCase());
  if (listed) {
    map[remoteId.toLowerCase()] ??= ok(listed);
    return;
  }
  if (scannedOrContext(ctx, p.subscriptionId)) return;
  const fromName = parseResourceId(fromVnetId)?.names[0] ?? fromVnetId;
  await Promise.all([
    vnetById(ctx, index, remoteId, "peered virtual network"),
    readSharedLists(ctx, index, p.subscriptionId, `peered from virtual network ${fromName}`).then(() => startSharedReads(ctx, index)),
  ]);
}

/**
 * Before the target reads: the subscriptions that the listed VNets of the targets' subnets peer
 * into and whose shared lists were not read, read now (in one round), so that their firewalls,
 * hubs and DNS zones are known before the shared reads start and the zone finder is built. A
 * reference found only later (a VNet read by id) is followed the same way during the target reads.
 */
export async function readPeeredSubscriptions(ctx: CollectionContext, index: ListIndex, targets: Target[]): Promise<void> {
  const reads = new Map<string, string>();
  for (const t of targets) {
    const aks = t.aksClusterId ? index.aksClusters.get(t.aksClusterId.toLowerCase()) : undefined;
    for (const subnetId of [...t.subnetIds, ...(aks?.agentPoolSubnetIds ?? [])]) {
      const vnetId = parentResourceId(subnetId);
      const vnet = vnetId ? index.virtualNetworks.get(vnetId.toLowerCase()) : undefined;
      for (const peering of vnet?.peerings ?? []) {
        const sub = parseResourceId(peering.remoteVirtualNetworkId)?.subscriptionId.toLowerCase();
        if (sub && unlisted(index, sub) && !reads.has(sub)) reads.set(sub, `peered from virtual network ${vnet!.name}`);
      }
    }
  }
  await Promise.all([...reads].map(([sub, why]) => readSharedLists(ctx, index, sub, why)));
}
