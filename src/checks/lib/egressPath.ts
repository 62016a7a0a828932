/**
 * The one egress-path resolver: where a subnet's `0.0.0.0/0` goes and which Azure Firewall is
 * there. subnet → route table → default route → next hop → firewall(s) holding that address, each
 * step a `Part` (an unreadable step is its own kind, never a guess). Pure.
 *
 * Every check that asks "does this subnet's egress reach a firewall, and which one" starts here:
 * `subnet-default-route`, `default-route-firewall`, and the firewall scope of the two firewall
 * checks (`firewall/scope.ts`). What the baseline expects of the path (an address, a firewall
 * resource, an approved appliance) stays with the checks.
 */
import { lookup } from "../../model/snapshot.js";
import type { AzureFirewall, ReadError, Route, RouteTable, Snapshot, Subnet } from "../../model/snapshot.js";
import type { Part } from "../../model/snapshot.js";
import { isDefaultRoutePrefix, sameAddress } from "./addresses.js";
import { sameText } from "./names.js";
import { errorOf, resolve } from "./parts.js";
import { subnetOf } from "./target.js";

// ---------------------------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------------------------

/** The route table of a subnet: `undefined` when the subnet has none, else the table or its read error. */
export function routeTableOf(snapshot: Snapshot, subnet: Subnet): Part<RouteTable | undefined> {
  if (subnet.routeTableId === undefined || subnet.routeTableId === "") return { ok: true, value: undefined };
  const part = resolve(snapshot.routeTables, subnet.routeTableId, `route table ${subnet.routeTableId}`);
  return part.ok ? part : { ok: false, error: errorOf(part, subnet.routeTableId) };
}

/** The `0.0.0.0/0` route of a table, if any. */
export function findDefaultRoute(table: RouteTable): Route | undefined {
  return table.routes.find((r) => isDefaultRoutePrefix(r.addressPrefix));
}

/** `VirtualAppliance 10.0.1.4`, `Internet`, ... */
export function describeNextHop(route: Route): string {
  return route.nextHopIpAddress !== undefined && route.nextHopIpAddress !== ""
    ? `${route.nextHopType} ${route.nextHopIpAddress}`
    : route.nextHopType;
}

/** True when the route's next hop is a network virtual appliance. */
export function isApplianceRoute(route: Route): boolean {
  return sameText(route.nextHopType, "VirtualAppliance");
}

// ---------------------------------------------------------------------------------------------
// Firewalls at an address
// ---------------------------------------------------------------------------------------------

/** Firewalls in the snapshot that hold a private address, and the firewall reads that failed. */
export interface FirewallMatch {
  /** Sorted by id. */
  firewalls: AzureFirewall[];
  /** Errors of firewall reads (and of firewall inventories) that might have hidden a match. */
  readErrors: ReadError[];
  /** Whether any firewall inventory was collected at all. */
  inventoryCollected: boolean;
}

/** Finds the Azure Firewalls with a private address, and every read error that could hide one. */
export function firewallsAt(snapshot: Snapshot, address: string): FirewallMatch {
  const firewalls: AzureFirewall[] = [];
  const readErrors: ReadError[] = [];
  for (const [key, part] of Object.entries(snapshot.firewalls)) {
    if (part.ok) {
      if (part.value.privateIpAddresses.some((ip) => sameAddress(ip, address))) firewalls.push(part.value);
    } else {
      readErrors.push(errorOf(part, key));
    }
  }
  const inventories = Object.entries(snapshot.firewallInventory);
  for (const [sub, part] of inventories) {
    if (!part.ok) readErrors.push(errorOf(part, `/subscriptions/${sub}`));
  }
  firewalls.sort((a, b) => a.id.toLowerCase().localeCompare(b.id.toLowerCase()));
  return { firewalls, readErrors, inventoryCollected: inventories.length > 0 };
}

/** The firewall that handles traffic sent to a matched address: a `Succeeded` one first, else the first by id. */
export function preferredFirewall(match: FirewallMatch): AzureFirewall | undefined {
  return match.firewalls.find((f) => sameText(f.provisioningState, "Succeeded")) ?? match.firewalls[0];
}

/** The public addresses of a firewall that the snapshot holds. */
export function firewallPublicAddresses(snapshot: Snapshot, firewall: AzureFirewall): string[] {
  const out: string[] = [];
  for (const id of firewall.publicIpIds) {
    const pip = lookup(snapshot.publicIps, id);
    if (pip?.ok === true && pip.value.ipAddress !== undefined) out.push(pip.value.ipAddress);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The path
// ---------------------------------------------------------------------------------------------

/**
 * Where a subnet's `0.0.0.0/0` goes. One kind per outcome, so a caller's `switch` names every
 * case; later kinds (a Virtual WAN hub's routing intent, a NAT gateway on the subnet) join here.
 */
export type EgressPath =
  /** The subnet could not be read: nothing is known. */
  | { kind: "subnetUnreadable"; subnetId: string; error: ReadError }
  /** The subnet's route table could not be read. */
  | { kind: "routeTableUnreadable"; subnet: Subnet; routeTableId: string; error: ReadError }
  /** No route table: Azure's system route sends `0.0.0.0/0` to the internet. */
  | { kind: "noRouteTable"; subnet: Subnet }
  /** A route table without a `0.0.0.0/0` route: the system route to the internet applies. */
  | { kind: "noDefaultRoute"; subnet: Subnet; routeTable: RouteTable }
  /** `0.0.0.0/0` goes to a next hop that is no appliance (`Internet`, `None`, `VirtualNetworkGateway`, ...). */
  | { kind: "nonApplianceHop"; subnet: Subnet; routeTable: RouteTable; route: Route }
  /** `0.0.0.0/0` goes to a virtual appliance at `address` (possibly missing in the route). */
  | {
      kind: "appliance";
      subnet: Subnet;
      routeTable: RouteTable;
      route: Route;
      address: string | undefined;
      /**
       * The Azure Firewalls holding `address`, looked up on the first call (a check that is told
       * which firewall to expect by the baseline does not pay for the lookup).
       */
      firewallsAtHop: () => FirewallMatch;
    };

/** Resolves where a subnet's `0.0.0.0/0` goes. */
export function egressPathOf(snapshot: Snapshot, subnetId: string): EgressPath {
  const subnet = subnetOf(snapshot, subnetId);
  if (!subnet.ok) return { kind: "subnetUnreadable", subnetId, error: subnet.error };
  const table = routeTableOf(snapshot, subnet.value);
  if (!table.ok) return { kind: "routeTableUnreadable", subnet: subnet.value, routeTableId: subnet.value.routeTableId ?? "", error: table.error };
  const routeTable = table.value;
  if (routeTable === undefined) return { kind: "noRouteTable", subnet: subnet.value };
  const route = findDefaultRoute(routeTable);
  if (route === undefined) return { kind: "noDefaultRoute", subnet: subnet.value, routeTable };
  if (!isApplianceRoute(route)) return { kind: "nonApplianceHop", subnet: subnet.value, routeTable, route };
  const address = route.nextHopIpAddress;
  let match: FirewallMatch | undefined;
  return {
    kind: "appliance",
    subnet: subnet.value,
    routeTable,
    route,
    address,
    firewallsAtHop: () => (match ??= firewallsAt(snapshot, address ?? "")),
  };
}

/** The subnet's route table on the path, when it was read and exists. */
export function pathRouteTable(path: EgressPath): RouteTable | undefined {
  return path.kind === "noDefaultRoute" || path.kind === "nonApplianceHop" || path.kind === "appliance" ? path.routeTable : undefined;
}

/** The `0.0.0.0/0` route on the path, when there is one. */
export function pathDefaultRoute(path: EgressPath): Route | undefined {
  return path.kind === "nonApplianceHop" || path.kind === "appliance" ? path.route : undefined;
}
