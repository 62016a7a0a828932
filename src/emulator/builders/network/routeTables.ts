/** Route tables in the shape of `RouteTableGet.json` (shared/reference/arm-examples/Microsoft.Network/2024-05-01/). */
import type { EstateResource } from "../../estate.js";
import { given, ifExample, netId, refs, type BodyStyle, type Tags } from "../ids.js";

/** A user-defined route. */
export interface RouteSpec {
  name: string;
  addressPrefix: string;
  /** `VirtualAppliance`, `Internet`, `VnetLocal`, `VirtualNetworkGateway` or `None`. */
  nextHopType: string;
  nextHopIpAddress?: string;
}

/** What {@link routeTable} builds. */
export interface RouteTableSpec {
  sub: string;
  rg: string;
  name: string;
  location: string;
  routes: RouteSpec[];
  /** Default false (ARM's default). */
  disableBgpRoutePropagation?: boolean;
  /** The subnets the table is associated with (read-only back-references). */
  subnetIds?: string[];
  tags?: Tags;
}

/**
 * A route table with its routes embedded (`RouteTableGet.json`). Lean: the BGP flag and the
 * routes' prefix, next hop type and address; subnets when given.
 */
export function routeTable(style: BodyStyle, spec: RouteTableSpec): EstateResource {
  const id = netId(spec.sub, spec.rg, "routeTables", spec.name);
  return {
    name: spec.name,
    id,
    ...ifExample(style, (ids) => ({ etag: ids.netEtag(id) })),
    type: "Microsoft.Network/routeTables",
    location: spec.location,
    ...given("tags", spec.tags),
    properties: {
      provisioningState: "Succeeded",
      ...ifExample(style, (ids) => ({ resourceGuid: ids.guid(`rguid/${id}`) })),
      disableBgpRoutePropagation: spec.disableBgpRoutePropagation ?? false,
      routes: spec.routes.map((r) => {
        const routeId = `${id}/routes/${r.name}`;
        return {
          name: r.name,
          id: routeId,
          ...ifExample(style, (ids) => ({ etag: ids.netEtag(`${id}/${r.name}`), type: "Microsoft.Network/routeTables/routes" })),
          properties: {
            provisioningState: "Succeeded",
            addressPrefix: r.addressPrefix,
            nextHopType: r.nextHopType,
            ...(r.nextHopIpAddress ? { nextHopIpAddress: r.nextHopIpAddress } : {}),
            ...ifExample(style, () => ({ hasBgpOverride: false })),
          },
        };
      }),
      ...(spec.subnetIds ? { subnets: refs(spec.subnetIds) } : {}),
    },
  };
}
