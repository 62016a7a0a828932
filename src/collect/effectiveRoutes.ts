/**
 * Effective routes of a network interface (`NetworkInterfaces_GetEffectiveRouteTable`) to the
 * Snapshot's {@link Route} shape. ARM returns `addressPrefix` and `nextHopIpAddress` as **arrays**
 * there (Microsoft's example `NetworkInterfaceEffectiveRouteTableList.json`), while a route table's
 * route has single strings. Pure; never throws on odd input.
 */
import type { Route } from "../model/snapshot.js";

type Json = Record<string, unknown>;

function obj(v: unknown): Json | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : undefined;
}
function str(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
}
/** A string or an array of strings (both shapes occur), as a list of non-empty strings. */
function list(v: unknown): string[] {
  if (typeof v === "string") return str(v) === undefined ? [] : [v.trim()];
  if (!Array.isArray(v)) return [];
  return v.map(str).filter((x): x is string => x !== undefined);
}

/**
 * One {@link Route} per address prefix of each effective route. The name is the route's `name`
 * (user routes carry the route name), else its `source` (`Default`, `User`, `VirtualNetworkGateway`);
 * the next hop address is the first of `nextHopIpAddress`. Routes whose `state` is `Invalid` are
 * dropped: Azure lists them but does not use them (a user route overriding a system route leaves the
 * system route `Invalid`), and keeping them would make an overridden `0.0.0.0/0 → Internet` look
 * like the default route. Entries without a prefix or next hop type are dropped too.
 */
export function normalizeEffectiveRoutes(value: unknown[]): Route[] {
  const out: Route[] = [];
  for (const item of value) {
    const r = obj(item);
    if (r === undefined) continue;
    // Both the wire shape (flat) and a `properties`-wrapped shape are accepted.
    const p = obj(r.properties) ?? r;
    if (str(p.state)?.toLowerCase() === "invalid") continue;
    const nextHopType = str(p.nextHopType);
    if (nextHopType === undefined) continue;
    const name = str(r.name) ?? str(p.name) ?? str(p.source) ?? "";
    const [nextHopIpAddress] = list(p.nextHopIpAddress);
    for (const addressPrefix of list(p.addressPrefix)) {
      const route: Route = { name, addressPrefix, nextHopType };
      if (nextHopIpAddress !== undefined) route.nextHopIpAddress = nextHopIpAddress;
      out.push(route);
    }
  }
  return out;
}
