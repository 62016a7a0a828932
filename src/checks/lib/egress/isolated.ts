/**
 * `subnet-default-route` for network-isolated clusters (`outboundType` `none` or `block`; reference
 * §8.2): no default route is required, and no public egress path may exist. A public path is a
 * route to `Internet` (`0.0.0.0/0`, or one broader than the check's prefix-length bound), or, while
 * the subnet's `0.0.0.0/0` leads to the internet at all, the subnet's NAT gateway, default outbound
 * access (`defaultOutboundAccess` not `false`), node public IPs or a load balancer outbound rule.
 * A `0.0.0.0/0` to an appliance (the subnet's own route or a secured hub), to `None` or to a gateway
 * outranks those (§8.4). A part that was not read makes the result unknown unless a public path is
 * already proven. Pure.
 */
import type { ReadError, Snapshot, Target } from "../../../model/snapshot.js";
import type { BaselineRules } from "../../../baseline/baseline.js";
import { isDefaultRoutePrefix, parseIpv4Prefix, prefixContains } from "../addresses.js";
import { breakoutEvidence, describeNextHop, egressPathOf, pathChain, pathRouteTable } from "../egressPath.js";
import type { EgressPath } from "../egressPath.js";
import { capitalise, nameOf } from "../names.js";
import { aksClusterOf, egressDesignOf, egressMode, requiresFirewallEgress, targetLabel } from "../target.js";
import type { FirewallEgressRequirement } from "../target.js";
import type { CheckContext, CheckResult } from "../types.js";
import { nodeExitsOf } from "./publicExits.js";
import type { PublicExit } from "./publicExits.js";
import { isInternetRoute } from "./routes.js";

const EXPECTED = "no public egress path";

/**
 * {@link requiresFirewallEgress}, except that a network-isolated target (`none`, `block`) never
 * requires a firewall: it must have no egress at all, which `subnet-default-route` judges. The
 * hub or appliance its subnet's `0.0.0.0/0` reaches is still judged like any other target's.
 */
export function firewallRequirementOf(snapshot: Snapshot, target: Target, rules: BaselineRules): FirewallEgressRequirement {
  const req = requiresFirewallEgress(snapshot, target, rules);
  const mode = egressMode(snapshot, target);
  if (!req.known || !req.required || !mode.ok || egressDesignOf(mode.mode) !== "isolated") return req;
  return { known: true, required: false, reason: `network-isolated target (outboundType ${mode.mode})`, evidence: req.evidence };
}

/** Whether the subnet's `0.0.0.0/0` leads to the internet (system route or an `Internet` hop); undefined: not known. */
function internetBound(path: EgressPath): boolean | undefined {
  switch (path.kind) {
    case "noRouteTable":
    case "noDefaultRoute":
      return true;
    case "nonApplianceHop":
      return isInternetRoute(path.route);
    case "hubUnreadable":
      return undefined;
    default:
      return false;
  }
}

/** What the subnet's 0.0.0.0/0 leads to when it is not the internet. */
function outranking(path: EgressPath): string {
  switch (path.kind) {
    case "securedHub":
      return `Virtual WAN hub ${path.hub.hub.name} sends 0.0.0.0/0 to Azure Firewall ${path.firewall.name}`;
    case "hubAppliance":
      return `Virtual WAN hub ${path.hub.hub.name} sends 0.0.0.0/0 to ${nameOf(path.nextHopId)}`;
    case "appliance":
    case "nonApplianceHop":
      return `route ${path.route.name} of route table ${path.routeTable.name} sends 0.0.0.0/0 to ${describeNextHop(path.route)}`;
    default:
      return "0.0.0.0/0 does not lead to the internet";
  }
}

function isolatedEvidence(ctx: CheckContext, mode: string, modeEvidence: Record<string, unknown>): Record<string, unknown> {
  const aks = aksClusterOf(ctx.snapshot, ctx.target);
  const source = aks.ok ? aks.value.bootstrapArtifactSource : undefined;
  return {
    targetId: ctx.target.id,
    judgedAs: `network-isolated (outboundType ${mode}): no default route required, no public egress path allowed`,
    ...modeEvidence,
    ...(source !== undefined ? { bootstrapArtifactSource: source } : {}),
  };
}

function unknownOf(resourceId: string, message: string, unread: ReadError[], evidence: Record<string, unknown>): CheckResult {
  const [first] = unread;
  return {
    status: "unknown",
    resourceId,
    message,
    expected: EXPECTED,
    actual: `unknown (${first?.code ?? "NotCollected"})`,
    evidence: { ...evidence, readError: first, ...(unread.length > 1 ? { readErrors: unread } : {}) },
  };
}

function failOf(resourceId: string, label: string, exits: PublicExit[], evidence: Record<string, unknown>): CheckResult {
  return {
    status: "fail",
    resourceId,
    message: `${label} has a public egress path: ${exits.map((e) => e.description).join("; ")}.`,
    expected: EXPECTED,
    actual: exits.map((e) => e.description).join("; "),
    evidence: { ...evidence, publicExits: exits, decidedBy: exits.map((e) => `${e.kind} ${e.resourceId}`).join(", ") },
  };
}

/** Judges one subnet of a network-isolated target. */
export function judgeIsolatedSubnet(
  ctx: CheckContext,
  subnetId: string,
  minLength: number,
  mode: string,
  modeEvidence: Record<string, unknown>,
): CheckResult {
  const lower = `subnet ${nameOf(subnetId)} of network-isolated ${targetLabel(ctx.target)}`;
  const label = capitalise(lower);
  const evidence: Record<string, unknown> = { ...isolatedEvidence(ctx, mode, modeEvidence), subnetId };
  const path = egressPathOf(ctx.snapshot, subnetId);
  if (path.kind === "subnetUnreadable" || path.kind === "routeTableUnreadable") {
    const what = path.kind === "subnetUnreadable" ? label : `The route table of ${lower}`;
    return unknownOf(subnetId, `${what} could not be read, so whether it has a public egress path could not be told.`, [path.error], evidence);
  }
  evidence.egressChain = pathChain(path);
  const exits: PublicExit[] = [];
  const rt = pathRouteTable(path);
  if (rt !== undefined) {
    evidence.routeTableId = rt.id;
    const allowed = ctx.baseline.rules.allowedInternetPrefixes ?? [];
    for (const route of rt.routes) {
      if (!isInternetRoute(route)) continue;
      const prefix = parseIpv4Prefix(route.addressPrefix);
      const broad = isDefaultRoutePrefix(route.addressPrefix) || (prefix !== undefined && prefix.length < minLength && !allowed.some((a) => prefixContains(a, route.addressPrefix)));
      if (broad) exits.push({ kind: "internetRoute", resourceId: rt.id, description: `route ${route.name} sends ${route.addressPrefix} to Internet` });
    }
  }
  const bound = internetBound(path);
  if (bound === false) {
    // An appliance, None or gateway default route outranks NAT gateway, node IPs, LB outbound rules and default outbound access.
    evidence.outrankedBy = evidence.egressChain;
    if (exits.length > 0) return failOf(subnetId, label, exits, evidence);
    return {
      status: "pass",
      resourceId: subnetId,
      message: `${label} has no public egress path: ${outranking(path)}, which outranks NAT gateway, node public IPs, outbound rules and default outbound access.`,
      expected: EXPECTED,
      actual: "0.0.0.0/0 not to the internet",
      evidence: { ...evidence, decidedBy: "0.0.0.0/0 leads to no internet exit" },
    };
  }
  const subnet = path.subnet;
  const breakout = "breakout" in path && path.breakout !== undefined ? path.breakout : undefined;
  if (breakout !== undefined) evidence.breakout = breakoutEvidence(breakout);
  const routed: PublicExit[] = [...exits];
  if (subnet.natGatewayId !== undefined && subnet.natGatewayId !== "") {
    exits.push({ kind: "natGateway", resourceId: subnet.natGatewayId, description: `NAT gateway ${nameOf(subnet.natGatewayId)} on the subnet` });
  }
  if (subnet.defaultOutboundAccess !== false) {
    exits.push({
      kind: "defaultOutboundAccess",
      resourceId: subnet.id,
      description: `default outbound access (defaultOutboundAccess ${subnet.defaultOutboundAccess === true ? "true" : "not set"})`,
    });
  }
  const nodes = nodeExitsOf(ctx.snapshot, ctx.target, subnetId);
  exits.push(...nodes.exits);
  if (bound === undefined && path.kind === "hubUnreadable") {
    // A secured hub may carry 0.0.0.0/0 to a firewall: only routes to Internet are proven public paths.
    if (routed.length > 0) return failOf(subnetId, label, routed, evidence);
    if (exits.length === 0 && nodes.unread.length === 0) {
      // No exit exists whatever a hub does with 0.0.0.0/0 (a hub route leads to a firewall or NVA,
      // never straight to the internet), so the unreadable hub decides nothing here: the pass rests
      // on the subnet and its nodes alone, and its evidence does not cite the hub it did not need.
      const { egressChain: _unneeded, ...withoutHub } = evidence;
      return passNoExit(subnetId, label, { ...withoutHub, hubNotNeeded: "whatever a Virtual WAN hub does with 0.0.0.0/0, the subnet has no public exit" });
    }
    return unknownOf(
      subnetId,
      `Whether ${lower} egresses through a Virtual WAN secured hub could not be told, so whether its egress leaves through ${exits.length > 0 ? exits.map((e) => e.description).join("; ") : "a public path of its nodes"} could not be told.`,
      [path.error, ...nodes.unread],
      { ...evidence, possiblePublicExits: exits },
    );
  }
  if (exits.length > 0) return failOf(subnetId, label, exits, evidence);
  if (nodes.unread.length > 0) {
    return unknownOf(
      subnetId,
      `Whether the nodes on ${lower} have public IPs or load balancer outbound rules could not be told: not every part was read.`,
      nodes.unread,
      evidence,
    );
  }
  return passNoExit(subnetId, label, evidence);
}

function passNoExit(subnetId: string, label: string, evidence: Record<string, unknown>): CheckResult {
  return {
    status: "pass",
    resourceId: subnetId,
    message: `${label} has no public egress path: the subnet is private (defaultOutboundAccess false), with no NAT gateway, no route to Internet, no node public IP and no load balancer outbound rule.`,
    expected: EXPECTED,
    actual: "no public egress path",
    evidence: { ...evidence, decidedBy: "defaultOutboundAccess false; no NAT gateway, Internet route, node public IP or outbound rule" },
  };
}

/** A network-isolated target in an AKS-managed VNet (no custom subnet): node exits are judged; the managed subnet is not read. */
export function judgeIsolatedWithoutSubnet(ctx: CheckContext, mode: string, modeEvidence: Record<string, unknown>, subnetSource: string): CheckResult {
  const target = ctx.target;
  const label = capitalise(targetLabel(target));
  const evidence = { ...isolatedEvidence(ctx, mode, modeEvidence), subnetSource };
  const nodes = nodeExitsOf(ctx.snapshot, target, undefined);
  if (nodes.exits.length > 0) return failOf(target.id, `The AKS-managed subnet of ${targetLabel(target)}`, nodes.exits, evidence);
  if (nodes.unread.length > 0) {
    return unknownOf(target.id, `Whether the nodes of ${targetLabel(target)} have public IPs or load balancer outbound rules could not be told.`, nodes.unread, evidence);
  }
  if (mode.toLowerCase() === "block") {
    return {
      status: "pass",
      resourceId: target.id,
      message: `${label} uses outbound type block in an AKS-managed virtual network (AKS blocks internet-bound traffic there) and has no node public IP or load balancer outbound rule.`,
      expected: EXPECTED,
      actual: "block; no node public IP, no outbound rule",
      evidence: { ...evidence, decidedBy: "outboundType block in an AKS-managed VNet" },
    };
  }
  return unknownOf(
    target.id,
    `${label} uses outbound type ${mode} in an AKS-managed virtual network whose subnet is not read, so whether default outbound access is off could not be told.`,
    [{ code: "NotCollected", message: `the AKS-managed subnet of ${targetLabel(target)} (its defaultOutboundAccess) is not read`, scope: target.id }],
    evidence,
  );
}
