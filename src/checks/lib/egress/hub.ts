/**
 * Virtual WAN secured hubs (CHECKS.md "Egress paths and estates of 2026"; reference §8.5): a spoke
 * VNet attached to a hub by a `hubVirtualNetworkConnections` entry learns the hub's `0.0.0.0/0` when
 * the connection has `enableInternetSecurity: true`, and that route leads to the hub's firewall
 * when the hub's routing intent has an `Internet` policy (or, without routing intent, when the
 * connection's route table, `defaultRouteTable` unless it names another, sends `0.0.0.0/0` there).
 *
 * Each link is judged from the snapshot; a missing link is named, an unreadable one is its own kind.
 * "No hub connects this VNet" is a fact only when every hub and every hub inventory was read; a
 * snapshot without the hub maps (written before hubs were read) knows no hub, as before. Pure.
 */
import { parseResourceId } from "../../../model/resourceId.js";
import type {
  HubRoute,
  HubRouteTable,
  HubVirtualNetworkConnection,
  Part,
  ReadError,
  RoutingIntent,
  RoutingPolicy,
  Snapshot,
  VirtualHub,
} from "../../../model/snapshot.js";
import { sameId } from "../../../model/snapshot.js";
import { isDefaultRoutePrefix } from "../addresses.js";
import { nameOf, sameText } from "../names.js";
import { errorOf } from "../parts.js";

/** The hub route table a connection uses when it names none. */
export const DEFAULT_HUB_ROUTE_TABLE = "defaultRouteTable";

/** How a secured hub sends a spoke's internet traffic on: routing intent, or a hub route table. */
export type HubRouteSource =
  | { by: "routingIntent"; routingIntent: RoutingIntent; policy: RoutingPolicy }
  | { by: "hubRouteTable"; table: HubRouteTable; route: HubRoute };

/** The link of the secured-hub chain that is missing. */
export type HubMissingLink = "enableInternetSecurity" | "internetPolicy" | "hubDefaultRoute" | "gatewayRoutePropagation";

/** What the Virtual WAN says about a VNet's internet egress. */
export type HubResolution =
  /** No hub connects the VNet; `legacy` when the snapshot has no hub maps at all (nothing is known). */
  | { kind: "none"; legacy: boolean }
  /** A hub connects the VNet, but a link of the secured path is missing. */
  | { kind: "unsecured"; hub: VirtualHub; connection: HubVirtualNetworkConnection; missing: HubMissingLink; reason: string; chain: string[] }
  /** A hub connects the VNet and sends its internet traffic to `nextHopId` (a firewall or other appliance in the hub). */
  | { kind: "secured"; hub: VirtualHub; connection: HubVirtualNetworkConnection; source: HubRouteSource; nextHopId: string; chain: string[] }
  /**
   * Could not be told: a hub or hub inventory could not be read (`connected` false: it might hold
   * the VNet's connection), or the hub that connects the VNet lacks a part (`connected` true).
   */
  | { kind: "unreadable"; error: ReadError; connected: boolean; chain: string[]; hubId?: string };

interface HubLink {
  hub: VirtualHub;
  connection: HubVirtualNetworkConnection;
}

// Built once per hub map: the resolver runs per subnet, and estates have thousands of them.
const indexes = new WeakMap<Record<string, Part<VirtualHub>>, Map<string, HubLink[]>>();

function connectionsByVnet(hubs: Record<string, Part<VirtualHub>>): Map<string, HubLink[]> {
  let index = indexes.get(hubs);
  if (index !== undefined) return index;
  index = new Map();
  const sorted = Object.values(hubs)
    .filter((p): p is { ok: true; value: VirtualHub } => p.ok)
    .map((p) => p.value)
    .sort((a, b) => a.id.toLowerCase().localeCompare(b.id.toLowerCase()));
  for (const hub of sorted) {
    for (const connection of hub.connections) {
      const key = connection.remoteVirtualNetworkId.toLowerCase();
      const list = index.get(key) ?? [];
      list.push({ hub, connection });
      index.set(key, list);
    }
  }
  indexes.set(hubs, index);
  return index;
}

/** The hub connection (and its hub) that attaches a VNet, from the readable hubs. */
export function hubConnectionOf(snapshot: Snapshot, vnetId: string): HubLink | undefined {
  const hubs = snapshot.virtualHubs;
  return hubs === undefined ? undefined : connectionsByVnet(hubs).get(vnetId.toLowerCase())?.[0];
}

/** `hub connection conn1 of hub hub1 (enableInternetSecurity true)`. */
function describeConnection(link: HubLink): string {
  return `hub connection ${link.connection.id} (enableInternetSecurity ${String(link.connection.enableInternetSecurity ?? "unset")})`;
}

/** Resolves what the Virtual WAN does with a VNet's internet-bound traffic. */
export function hubResolutionOf(snapshot: Snapshot, vnetId: string): HubResolution {
  const link = hubConnectionOf(snapshot, vnetId);
  if (link !== undefined) return judgeConnection(link);
  const inventory = snapshot.hubInventory;
  if (inventory === undefined) return { kind: "none", legacy: true };
  // No readable hub connects the VNet: any hub or hub list that could not be read might.
  for (const [key, part] of Object.entries(snapshot.virtualHubs ?? {})) {
    if (!part.ok) {
      const error = errorOf(part, key);
      return {
        kind: "unreadable",
        error,
        connected: false,
        hubId: error.scope ?? key,
        chain: [`Virtual WAN hub ${error.scope ?? key}, which may connect virtual network ${nameOf(vnetId)}, could not be read`],
      };
    }
  }
  for (const [sub, part] of Object.entries(inventory)) {
    if (!part.ok) {
      const error = errorOf(part, `/subscriptions/${sub}`);
      return {
        kind: "unreadable",
        error,
        connected: false,
        chain: [`the Virtual WAN hub list of subscription ${sub}, where a hub may connect virtual network ${nameOf(vnetId)}, could not be read`],
      };
    }
  }
  const vnetSub = parseResourceId(vnetId)?.subscriptionId;
  if (vnetSub !== undefined && !Object.keys(inventory).some((sub) => sameText(sub, vnetSub))) {
    return {
      kind: "unreadable",
      error: {
        code: "NotCollected",
        message: `the Virtual WAN hub list of subscription ${vnetSub} (of virtual network ${nameOf(vnetId)}) was not read`,
        scope: `/subscriptions/${vnetSub}`,
      },
      connected: false,
      chain: [`the Virtual WAN hub list of subscription ${vnetSub} was not read`],
    };
  }
  return { kind: "none", legacy: false };
}

function judgeConnection(link: HubLink): HubResolution {
  const { hub, connection } = link;
  const chain = [describeConnection(link)];
  const unsecured = (missing: HubMissingLink, reason: string): HubResolution => ({ kind: "unsecured", hub, connection, missing, reason, chain });
  if (connection.enableInternetSecurity !== true) {
    return unsecured(
      "enableInternetSecurity",
      `hub connection ${connection.name} of hub ${hub.name} has enableInternetSecurity ${String(connection.enableInternetSecurity ?? "unset")}, which keeps the hub's 0.0.0.0/0 from the spoke`,
    );
  }
  const intent = hub.routingIntent;
  if (intent !== undefined) {
    const policy = intent.routingPolicies.find((p) => p.destinations.some((d) => sameText(d, "Internet")));
    if (policy === undefined) {
      return unsecured("internetPolicy", `routing intent ${intent.name} of hub ${hub.name} has no Internet routing policy`);
    }
    chain.push(`routing intent ${intent.id} policy ${policy.name} (Internet) → ${policy.nextHop}`);
    return { kind: "secured", hub, connection, source: { by: "routingIntent", routingIntent: intent, policy }, nextHopId: policy.nextHop, chain };
  }
  const tableId = connection.associatedRouteTableId;
  const table =
    tableId !== undefined && tableId !== ""
      ? hub.routeTables.find((t) => sameId(t.id, tableId))
      : hub.routeTables.find((t) => sameText(t.name, DEFAULT_HUB_ROUTE_TABLE));
  if (table === undefined) {
    if (tableId !== undefined && tableId !== "") {
      return {
        kind: "unreadable",
        error: { code: "NotCollected", message: `hub route table ${tableId} associated with connection ${connection.name} was not collected`, scope: tableId },
        connected: true,
        hubId: hub.id,
        chain,
      };
    }
    return unsecured("hubDefaultRoute", `hub ${hub.name} has neither routing intent nor a ${DEFAULT_HUB_ROUTE_TABLE}`);
  }
  const route = table.routes.find(
    (r) => r.destinations.some(isDefaultRoutePrefix) && !sameText(r.destinationType, "Service") && sameText(r.nextHopType, "ResourceId"),
  );
  if (route === undefined) {
    return unsecured("hubDefaultRoute", `hub ${hub.name} has neither routing intent nor a 0.0.0.0/0 route in its route table ${table.name}`);
  }
  chain.push(`hub route table ${table.id} route ${route.name} 0.0.0.0/0 → ${route.nextHop}`);
  return { kind: "secured", hub, connection, source: { by: "hubRouteTable", table, route }, nextHopId: route.nextHop, chain };
}

/** True when an id names an Azure Firewall (`Microsoft.Network/azureFirewalls`). */
export function isAzureFirewallId(id: string): boolean {
  const p = parseResourceId(id);
  return p !== undefined && sameText(p.namespace, "Microsoft.Network") && p.types.length === 1 && sameText(p.types[0], "azureFirewalls");
}
