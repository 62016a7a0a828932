/**
 * How traffic that a subnet's routes send to the internet actually leaves (reference §8.3-8.4):
 * through the NAT gateway on the subnet, else through default outbound access (the implicit
 * Microsoft-owned address) unless the subnet is private (`defaultOutboundAccess: false`), in which
 * case nothing on the subnet translates it and egress is broken rather than leaking. An appliance
 * default route outranks all of these; per-NIC methods (node public IPs, load balancer outbound
 * rules) are the target's, see `publicExits.ts`. Pure.
 */
import type { Snapshot, Subnet } from "../../../model/snapshot.js";
import { lookup } from "../../../model/snapshot.js";
import type { NatGateway } from "../../../model/egressResources.js";
import { nameOf } from "../names.js";

/** The subnet's own way out for internet-bound traffic. */
export type Breakout =
  /** A NAT gateway on the subnet (`natGateway.id`); `natGateway` when the snapshot holds it. */
  | { via: "natGateway"; natGatewayId: string; natGateway?: NatGateway }
  /** Default outbound access: `defaultOutboundAccess` is `true` or not set (fail open). */
  | { via: "defaultOutboundAccess"; defaultOutboundAccess: boolean | undefined }
  /** A private subnet (`defaultOutboundAccess: false`) without a NAT gateway: nothing translates the traffic. */
  | { via: "none" };

/** The subnet's own breakout (NAT gateway first, then default outbound access). */
export function breakoutOf(snapshot: Snapshot, subnet: Subnet): Breakout {
  if (subnet.natGatewayId !== undefined && subnet.natGatewayId !== "") {
    const part = snapshot.natGateways !== undefined ? lookup(snapshot.natGateways, subnet.natGatewayId) : undefined;
    return part?.ok === true
      ? { via: "natGateway", natGatewayId: subnet.natGatewayId, natGateway: part.value }
      : { via: "natGateway", natGatewayId: subnet.natGatewayId };
  }
  if (subnet.defaultOutboundAccess === false) return { via: "none" };
  return { via: "defaultOutboundAccess", defaultOutboundAccess: subnet.defaultOutboundAccess };
}

/** True when the breakout lets traffic reach the internet. */
export function breakoutLeaks(breakout: Breakout): boolean {
  return breakout.via !== "none";
}

/** `NAT gateway ng-1`, `default outbound access (defaultOutboundAccess not set)`, `nothing (private subnet)`. */
export function describeBreakout(breakout: Breakout): string {
  switch (breakout.via) {
    case "natGateway":
      return `NAT gateway ${nameOf(breakout.natGatewayId)}`;
    case "defaultOutboundAccess":
      return `default outbound access (defaultOutboundAccess ${breakout.defaultOutboundAccess === true ? "true" : "not set"})`;
    case "none":
      return "nothing (private subnet: defaultOutboundAccess false, no NAT gateway)";
  }
}

/** Evidence of a breakout: what carries the traffic and its public addresses when known. */
export function breakoutEvidence(breakout: Breakout): Record<string, unknown> {
  switch (breakout.via) {
    case "natGateway":
      return {
        via: "natGateway",
        natGatewayId: breakout.natGatewayId,
        ...(breakout.natGateway !== undefined
          ? { natGatewayPublicIpIds: breakout.natGateway.publicIpIds, natGatewayPublicIpPrefixIds: breakout.natGateway.publicIpPrefixIds }
          : {}),
      };
    case "defaultOutboundAccess":
      return { via: "defaultOutboundAccess", defaultOutboundAccess: breakout.defaultOutboundAccess ?? null };
    case "none":
      return { via: "none", defaultOutboundAccess: false };
  }
}
