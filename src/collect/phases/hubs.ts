/**
 * Virtual WAN hubs (CHECKS.md, "Virtual WAN secured hub"), and the start of every shared read.
 * Each hub listed in any subscription whose shared lists were read is read once, with its spoke
 * connections, routing intent and route tables as ONE part: a hub whose children could not all
 * be read cannot prove a path through it. A firewall its routing intent or route tables send
 * traffic to that no firewall list returned is read by id (it may be in a subscription outside
 * the scope). Hubs are few, so all of them are read, alongside the target reads.
 */
import { parseResourceId } from "../../model/resourceId.js";
import { listOrNone, type CollectionContext } from "../context.js";
import type { ListIndex } from "../listIndex.js";
import { normalizeHubConnection, normalizeHubRouteTable, normalizeRoutingIntent, normalizeVirtualHub } from "../normalize.js";
import { drain, failed, ok } from "../reads.js";
import { firewallById, firewallReferences } from "./sharedResources.js";

/** Whether an id names an Azure Firewall (a next hop can also be an NVA or a connection). */
function isFirewallId(id: string): boolean {
  const p = parseResourceId(id);
  return p?.namespace?.toLowerCase() === "microsoft.network" && p.types.length === 1 && p.types[0]!.toLowerCase() === "azurefirewalls";
}

/** A hub with its connections, routing intent and route tables, then the firewalls they name. */
export async function virtualHub(ctx: CollectionContext, index: ListIndex, hubId: string): Promise<void> {
  await ctx.once(`hub|${hubId}`, async () => {
    const map = ctx.snapshot.virtualHubs!;
    const key = hubId.toLowerCase();
    if (map[key]) return; // kept from a stored snapshot (refresh.ts), with the firewalls it names
    const hub = index.virtualHubs.get(key);
    const p = parseResourceId(hubId);
    if (!hub || !p?.resourceGroup || !p.names[0]) {
      map[key] = ctx.invalidId(`not a virtual hub id: ${hubId.slice(0, 300)}`, hubId.slice(0, 300));
      return;
    }
    const [rg, name] = [p.resourceGroup, p.names[0]];
    const net = ctx.clients.network(p.subscriptionId);
    const about = ctx.describe("virtual hub", hubId);
    const [connections, intents, routeTables] = await Promise.all([
      ctx.read(`${hubId}/hubVirtualNetworkConnections`, () => listOrNone(() => drain(net.hubVirtualNetworkConnections.list(rg, name, ctx.signal), normalizeHubConnection)), about),
      ctx.read(`${hubId}/routingIntent`, () => listOrNone(() => drain(net.routingIntentOperations.list(rg, name, ctx.signal), normalizeRoutingIntent)), about),
      ctx.read(`${hubId}/hubRouteTables`, () => listOrNone(() => drain(net.hubRouteTables.list(rg, name, ctx.signal), normalizeHubRouteTable)), about),
    ]);
    if (!connections.ok || !intents.ok || !routeTables.ok) {
      const error = !connections.ok ? connections.error : !intents.ok ? intents.error : !routeTables.ok ? routeTables.error : undefined;
      map[key] = failed(error!);
      return;
    }
    const firewallId = index.firewallsByHub.get(key);
    const value = normalizeVirtualHub(hub, {
      connections: connections.value,
      routingIntents: intents.value,
      routeTables: routeTables.value,
      ...(firewallId ? { firewallId } : {}),
    });
    map[key] = ok(value);
    const named = [
      value.azureFirewallId,
      ...(value.routingIntent?.routingPolicies ?? []).map((r) => r.nextHop),
      ...value.routeTables.flatMap((t) => t.routes.filter((r) => r.nextHopType.toLowerCase() === "resourceid").map((r) => r.nextHop)),
    ].filter((id): id is string => !!id && isFirewallId(id));
    await Promise.all([...new Set(named.map((id) => id.toLowerCase()))].map((id) => firewallById(ctx, index, named.find((n) => n.toLowerCase() === id)!)));
  });
}

/**
 * Starts (and registers with the context) the shared reads of everything listed so far: the
 * policy and IP groups of every firewall, and every Virtual WAN hub. Called before the target
 * reads and again when a peered subscription's shared lists come in; each read happens once.
 */
export function startSharedReads(ctx: CollectionContext, index: ListIndex): void {
  for (const f of Object.values(ctx.snapshot.firewalls)) if (f.ok) ctx.track(firewallReferences(ctx, index, f.value));
  for (const id of index.virtualHubs.keys()) ctx.track(virtualHub(ctx, index, index.virtualHubs.get(id)?.id ?? id));
}
