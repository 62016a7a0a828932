/**
 * Routes of a subnet's route table: the table, its `0.0.0.0/0` route and what that route's next hop
 * is. The first step of the egress-path resolver (`../egressPath.ts`). Pure.
 */
import type { Part, Route, RouteTable, Snapshot, Subnet } from "../../../model/snapshot.js";
import { isDefaultRoutePrefix } from "../addresses.js";
import { sameText } from "../names.js";
import { errorOf, resolve } from "../parts.js";

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

/** True when the route sends its traffic to the internet (`nextHopType: Internet`). */
export function isInternetRoute(route: Route): boolean {
  return sameText(route.nextHopType, "Internet");
}

/** `route default-to-firewall 0.0.0.0/0 → VirtualAppliance 10.0.1.4`: one link of an evidence chain. */
export function describeRoute(route: Route): string {
  return `route ${route.name} ${route.addressPrefix} → ${describeNextHop(route)}`;
}
