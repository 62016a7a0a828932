/**
 * The one egress-path resolver: where a subnet's internet-bound traffic goes and which Azure
 * Firewall (if any) is on the way. Every path of CHECKS.md "Egress paths and estates of 2026" is one
 * kind of {@link EgressPath}, proved or disproved from the snapshot, each step a `Part` (an
 * unreadable step is its own kind, never a guess):
 *
 * - subnet → route table → `0.0.0.0/0` → next hop → Azure Firewall(s) at that address (UDR);
 * - subnet without its own default route → VNet → Virtual WAN hub connection (`enableInternetSecurity`)
 *   → routing intent `Internet` policy or hub route table → hub firewall (`egress/hub.ts`);
 * - otherwise the system route: the subnet's NAT gateway, else default outbound access unless the
 *   subnet is private (`egress/breakout.ts`). An appliance default route outranks a NAT gateway.
 *
 * Every check that asks "does this subnet's egress reach a firewall, and which one" starts here:
 * `subnet-default-route`, `default-route-firewall`, and the firewall scope of the two firewall
 * checks (`firewall/scope.ts`). What the baseline expects of the path (an address, a firewall
 * resource, an approved appliance) stays with the checks. Pure.
 */
import { parentResourceId } from "../../model/resourceId.js";
import type { AzureFirewall, ReadError, Route, RouteTable, Snapshot, Subnet } from "../../model/snapshot.js";
import { breakoutOf, describeBreakout } from "./egress/breakout.js";
import type { Breakout } from "./egress/breakout.js";
import { firewallsAt } from "./egress/firewalls.js";
import type { FirewallMatch } from "./egress/firewalls.js";
import { hubResolutionOf, isAzureFirewallId } from "./egress/hub.js";
import type { HubResolution } from "./egress/hub.js";
import { describeRoute, findDefaultRoute, isApplianceRoute, isInternetRoute, routeTableOf } from "./egress/routes.js";
import { nameOf } from "./names.js";
import { errorOf, resolve } from "./parts.js";
import { subnetOf } from "./target.js";

export { describeNextHop, describeRoute, findDefaultRoute, isApplianceRoute, isInternetRoute, routeTableOf } from "./egress/routes.js";
export { firewallPublicAddresses, firewallsAt, preferredFirewall } from "./egress/firewalls.js";
export type { AddressHome, FirewallMatch, FirewallsAtOptions } from "./egress/firewalls.js";
export { breakoutEvidence, breakoutLeaks, breakoutOf, describeBreakout } from "./egress/breakout.js";
export type { Breakout } from "./egress/breakout.js";
export { DEFAULT_HUB_ROUTE_TABLE, hubConnectionOf, hubResolutionOf, isAzureFirewallId } from "./egress/hub.js";
export type { HubMissingLink, HubResolution, HubRouteSource } from "./egress/hub.js";

/** A hub that secures a VNet's internet traffic (routing intent or hub route table to `nextHopId`). */
export type SecuredHub = Extract<HubResolution, { kind: "secured" }>;

/** A hub that connects a VNet without securing its internet traffic, and the link that is missing. */
export type HubGap = Extract<HubResolution, { kind: "unsecured" }>;

/**
 * Where a subnet's `0.0.0.0/0` goes. One kind per outcome, so a caller's `switch` names every case.
 * `noRouteTable`, `noDefaultRoute` and an `Internet` `nonApplianceHop` leave through `breakout`.
 */
export type EgressPath =
  /** The subnet could not be read: nothing is known. */
  | { kind: "subnetUnreadable"; subnetId: string; error: ReadError }
  /** The subnet's route table could not be read. */
  | { kind: "routeTableUnreadable"; subnet: Subnet; routeTableId: string; error: ReadError }
  /** No route table and no secured hub: the system route sends `0.0.0.0/0` out through `breakout`. */
  | { kind: "noRouteTable"; subnet: Subnet; breakout: Breakout; hubGap?: HubGap }
  /** A route table without a `0.0.0.0/0` route and no secured hub: the system route applies. */
  | { kind: "noDefaultRoute"; subnet: Subnet; routeTable: RouteTable; breakout: Breakout; hubGap?: HubGap }
  /**
   * `0.0.0.0/0` goes to a next hop that is no appliance (`Internet`, `None`, `VirtualNetworkGateway`,
   * ...); `breakout` is how an `Internet` hop leaves.
   */
  | { kind: "nonApplianceHop"; subnet: Subnet; routeTable: RouteTable; route: Route; breakout?: Breakout }
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
    }
  /** A Virtual WAN secured hub sends the subnet's internet traffic to its Azure Firewall at `address`. */
  | { kind: "securedHub"; subnet: Subnet; routeTable?: RouteTable; hub: SecuredHub; firewall: AzureFirewall; address: string | undefined }
  /** A secured hub sends it to a next hop that is no Azure Firewall (an NVA or SaaS in the hub). */
  | { kind: "hubAppliance"; subnet: Subnet; routeTable?: RouteTable; hub: SecuredHub; nextHopId: string }
  /**
   * Whether a Virtual WAN hub secures the subnet could not be told: a hub, a hub inventory or the
   * hub firewall could not be read. `connected`: a readable hub's connection names the VNet.
   */
  | { kind: "hubUnreadable"; subnet: Subnet; routeTable?: RouteTable; error: ReadError; connected: boolean; chain: string[]; breakout: Breakout };

/** The VNet of a subnet (the parent of its id). */
export function vnetIdOf(subnetId: string): string | undefined {
  return parentResourceId(subnetId);
}

/** Resolves where a subnet's `0.0.0.0/0` goes. */
export function egressPathOf(snapshot: Snapshot, subnetId: string): EgressPath {
  const part = subnetOf(snapshot, subnetId);
  if (!part.ok) return { kind: "subnetUnreadable", subnetId, error: part.error };
  const subnet = part.value;
  const table = routeTableOf(snapshot, subnet);
  if (!table.ok) return { kind: "routeTableUnreadable", subnet, routeTableId: subnet.routeTableId ?? "", error: table.error };
  const routeTable = table.value;
  const route = routeTable !== undefined ? findDefaultRoute(routeTable) : undefined;
  if (routeTable !== undefined && route !== undefined) {
    // The subnet's own 0.0.0.0/0 outranks anything learned from a hub or gateway.
    if (!isApplianceRoute(route)) {
      return isInternetRoute(route)
        ? { kind: "nonApplianceHop", subnet, routeTable, route, breakout: breakoutOf(snapshot, subnet) }
        : { kind: "nonApplianceHop", subnet, routeTable, route };
    }
    const address = route.nextHopIpAddress;
    let match: FirewallMatch | undefined;
    return {
      kind: "appliance",
      subnet,
      routeTable,
      route,
      address,
      firewallsAtHop: () => (match ??= firewallsAt(snapshot, address ?? "", { subnetId: subnet.id })),
    };
  }
  const systemRoute = (hubGap?: HubGap): EgressPath => {
    const breakout = breakoutOf(snapshot, subnet);
    const gap = hubGap !== undefined ? { hubGap } : {};
    return routeTable === undefined ? { kind: "noRouteTable", subnet, breakout, ...gap } : { kind: "noDefaultRoute", subnet, routeTable, breakout, ...gap };
  };
  const withTable = routeTable !== undefined ? { routeTable } : {};
  const vnetId = vnetIdOf(subnet.id);
  if (vnetId === undefined) return systemRoute();
  const hub = hubResolutionOf(snapshot, vnetId);
  if (routeTable?.disableBgpRoutePropagation === true) {
    // The table drops routes learned from gateways, the hub's 0.0.0.0/0 among them: no hub read can change the outcome.
    if (hub.kind === "secured") {
      return systemRoute({
        ...hub,
        kind: "unsecured",
        missing: "gatewayRoutePropagation",
        reason: `its disableBgpRoutePropagation true keeps the 0.0.0.0/0 of secured hub ${hub.hub.name} from the subnet`,
      });
    }
    return systemRoute(hub.kind === "unsecured" ? hub : undefined);
  }
  switch (hub.kind) {
    case "none":
      return systemRoute();
    case "unsecured":
      return systemRoute(hub);
    case "unreadable":
      return { kind: "hubUnreadable", subnet, ...withTable, error: hub.error, connected: hub.connected, chain: hub.chain, breakout: breakoutOf(snapshot, subnet) };
    case "secured": {
      if (!isAzureFirewallId(hub.nextHopId)) return { kind: "hubAppliance", subnet, ...withTable, hub, nextHopId: hub.nextHopId };
      const fw = resolve(snapshot.firewalls, hub.nextHopId, `hub firewall ${hub.nextHopId}`);
      if (!fw.ok) {
        return {
          kind: "hubUnreadable",
          subnet,
          ...withTable,
          error: errorOf(fw, hub.nextHopId),
          connected: true,
          chain: [...hub.chain, `Azure Firewall ${hub.nextHopId} could not be read`],
          breakout: breakoutOf(snapshot, subnet),
        };
      }
      return { kind: "securedHub", subnet, ...withTable, hub, firewall: fw.value, address: fw.value.privateIpAddresses[0] };
    }
  }
}

/** The subnet's route table on the path, when it was read and exists. */
export function pathRouteTable(path: EgressPath): RouteTable | undefined {
  return path.kind === "subnetUnreadable" || path.kind === "routeTableUnreadable" || path.kind === "noRouteTable" ? undefined : path.routeTable;
}

/** The subnet's own `0.0.0.0/0` route on the path, when there is one. */
export function pathDefaultRoute(path: EgressPath): Route | undefined {
  return path.kind === "nonApplianceHop" || path.kind === "appliance" ? path.route : undefined;
}

/** True when the path ends at an appliance of the subnet's own route or of a secured hub. */
export function reachesAppliance(path: EgressPath): path is Extract<EgressPath, { kind: "appliance" | "securedHub" | "hubAppliance" }> {
  return path.kind === "appliance" || path.kind === "securedHub" || path.kind === "hubAppliance";
}

/**
 * The chain that decided, one link per step, for evidence: `subnet …`, `route table …`, the route
 * or the hub connection, routing policy and firewall, and how traffic finally leaves.
 */
export function pathChain(path: EgressPath): string[] {
  if (path.kind === "subnetUnreadable") return [`subnet ${path.subnetId} could not be read`];
  const chain = [`subnet ${path.subnet.id}`];
  if (path.kind === "routeTableUnreadable") return [...chain, `route table ${path.routeTableId} could not be read`];
  const rt = pathRouteTable(path);
  const route = pathDefaultRoute(path);
  if (rt === undefined) chain.push("no route table");
  else if (route !== undefined) chain.push(`route table ${rt.id}`, describeRoute(route));
  else chain.push(`route table ${rt.id} (no 0.0.0.0/0 route${rt.disableBgpRoutePropagation === true ? "; disableBgpRoutePropagation true" : ""})`);
  switch (path.kind) {
    case "noRouteTable":
    case "noDefaultRoute":
      if (path.hubGap !== undefined) chain.push(...path.hubGap.chain, `missing: ${path.hubGap.reason}`);
      chain.push(`system route 0.0.0.0/0 → Internet via ${describeBreakout(path.breakout)}`);
      break;
    case "nonApplianceHop":
      if (path.breakout !== undefined) chain.push(`Internet via ${describeBreakout(path.breakout)}`);
      break;
    case "appliance":
      break;
    case "securedHub":
      chain.push(...path.hub.chain, `Azure Firewall ${path.firewall.id}${path.address !== undefined ? ` at ${path.address}` : " (no private address)"}`);
      break;
    case "hubAppliance":
      chain.push(...path.hub.chain, `${nameOf(path.nextHopId)} (${path.nextHopId}) is no Azure Firewall`);
      break;
    case "hubUnreadable":
      chain.push(...path.chain);
      break;
  }
  return chain;
}
