/**
 * How internet-bound traffic of a subnet whose `0.0.0.0/0` reaches no firewall actually leaves
 * (CHECKS.md "Default outbound access (fail open)"; reference §8.3): through the subnet's NAT
 * gateway or default outbound access it leaks, bypassing the firewall; on a private subnet
 * (`defaultOutboundAccess: false`) only node public IPs or load balancer outbound rules carry it,
 * else egress is broken, not leaking. `subnet-default-route` says which, with
 * `evidence.internetEgressWithoutFirewall`. Pure.
 */
import type { Route } from "../../../model/snapshot.js";
import { nameOf, sameText } from "../names.js";
import type { CheckContext } from "../types.js";
import { breakoutEvidence } from "./breakout.js";
import type { Breakout } from "./breakout.js";
import { nodeExitsOf } from "./publicExits.js";
import { describeNextHop } from "./routes.js";

/** How internet-bound traffic of a subnet without a firewall path leaves, in words and as evidence. */
export interface Leak {
  leaks: boolean;
  /** The clause after "so": `egress leaves for the internet directly through …, bypassing the firewall`. */
  clause: string;
  evidence: Record<string, unknown>;
}

/**
 * Default outbound access (fail open): traffic the routes send to the internet leaves through the
 * subnet's NAT gateway or default outbound access, bypassing the firewall; on a private subnet it
 * leaves only through node public IPs or load balancer outbound rules, else egress is broken.
 */
export function leakOf(ctx: CheckContext, subnetId: string, breakout: Breakout | undefined, route: Route | undefined): Leak {
  if (breakout === undefined) {
    const hop = route !== undefined ? describeNextHop(route) : "no next hop";
    const dropped = route !== undefined && sameText(route.nextHopType, "None");
    return {
      leaks: false,
      clause: dropped ? "internet egress is dropped, not leaking" : `internet egress goes to ${hop}, not directly to the internet`,
      evidence: { internetEgressWithoutFirewall: false },
    };
  }
  if (breakout.via !== "none") {
    const how = breakout.via === "natGateway" ? `through NAT gateway ${nameOf(breakout.natGatewayId)}` : "through default outbound access";
    return {
      leaks: true,
      clause: `egress leaves for the internet directly ${how}, bypassing the firewall`,
      evidence: { internetEgressWithoutFirewall: true, breakout: breakoutEvidence(breakout) },
    };
  }
  const nodes = nodeExitsOf(ctx.snapshot, ctx.target, subnetId);
  if (nodes.exits.length > 0) {
    return {
      leaks: true,
      clause: `egress leaves for the internet directly through ${nodes.exits.map((e) => e.description).join("; ")}, bypassing the firewall`,
      evidence: { internetEgressWithoutFirewall: true, breakout: breakoutEvidence(breakout), publicExits: nodes.exits },
    };
  }
  return {
    leaks: false,
    clause: "egress is broken, not leaking (the subnet is private: defaultOutboundAccess false, and no NAT gateway, node public IP or outbound rule)",
    evidence: {
      internetEgressWithoutFirewall: false,
      breakout: breakoutEvidence(breakout),
      ...(nodes.unread.length > 0 ? { publicExitsNotRead: nodes.unread } : {}),
    },
  };
}
