/**
 * NAT gateways in the shapes of `NatGatewayGet.json` (Standard, 2024-03-01) and
 * `NatGatewayGetStandardV2Sku.json` (StandardV2, 2026-03-01) in
 * shared/reference/arm-examples/Microsoft.Network/.
 */
import type { EstateResource } from "../../estate.js";
import { given, ifExample, netId, refs, type BodyStyle, type Tags } from "../ids.js";

/** What {@link natGateway} builds. */
export interface NatGatewaySpec {
  sub: string;
  rg: string;
  name: string;
  location: string;
  /** `Standard` or `StandardV2` (a StandardV2 gateway takes StandardV2 public IPs only). */
  sku: "Standard" | "StandardV2";
  /** `publicIpAddresses[].id`: its outbound addresses. */
  publicIpIds: string[];
  /** `publicIpPrefixes[].id`. */
  publicIpPrefixIds?: string[];
  /** `subnets[].id`: the subnets it serves (read-only back-references). */
  subnetIds?: string[];
  /** StandardV2: `sourceVirtualNetwork.id`, when stated. */
  sourceVnetId?: string;
  /** Example bodies: default 4 (ARM's default). */
  idleTimeoutInMinutes?: number;
  /** Zonal gateways only (StandardV2 is zone-redundant without `zones`). */
  zones?: string[];
  tags?: Tags;
}

/**
 * A NAT gateway. Example bodies: the StandardV2 form carries the IPv6 lists (empty) as in
 * `NatGatewayGetStandardV2Sku.json`. Lean: SKU, public IPs and prefixes, subnets when given.
 */
export function natGateway(style: BodyStyle, spec: NatGatewaySpec): EstateResource {
  const id = netId(spec.sub, spec.rg, "natGateways", spec.name);
  const example = style.detail === "example";
  const v2 = spec.sku === "StandardV2";
  return {
    name: spec.name,
    type: "Microsoft.Network/natGateways",
    id,
    location: spec.location,
    ...given("zones", spec.zones),
    ...given("tags", spec.tags),
    properties: {
      ...ifExample(style, () => ({ idleTimeoutInMinutes: spec.idleTimeoutInMinutes ?? 4 })),
      provisioningState: "Succeeded",
      publicIpAddresses: refs(spec.publicIpIds),
      ...(example && v2 ? { publicIpAddressesV6: [] } : {}),
      ...(example || spec.publicIpPrefixIds ? { publicIpPrefixes: refs(spec.publicIpPrefixIds ?? []) } : {}),
      ...(example && v2 ? { publicIpPrefixesV6: [] } : {}),
      ...(spec.sourceVnetId ? { sourceVirtualNetwork: { id: spec.sourceVnetId } } : {}),
      ...(example || spec.subnetIds ? { subnets: refs(spec.subnetIds ?? []) } : {}),
    },
    sku: { name: spec.sku },
  };
}
