import { sameId } from "../model/snapshot.js";
import type { ReadError, Route } from "../model/snapshot.js";
import type { Check, CheckContext, CheckResult } from "./lib/types.js";
import { sameAddress } from "./lib/addresses.js";
import { describeNextHop, egressPathOf, pathChain, pathDefaultRoute, pathRouteTable } from "./lib/egressPath.js";
import type { EgressPath, FirewallMatch } from "./lib/egressPath.js";
import { capitalise, nameOf, sameText } from "./lib/names.js";
import { errorOf, resolve, unknownResult } from "./lib/parts.js";
import { firewallRequirementOf } from "./lib/egress/isolated.js";
import { targetLabel, targetSubnets } from "./lib/target.js";
import type { FirewallEgressRequirement } from "./lib/target.js";

const SEE_ROUTE_CHECK = "see subnet-default-route";

/** `default-route-firewall`: the default route's next hop is a healthy Azure Firewall or an approved appliance. */
export const defaultRouteFirewall: Check = {
  meta: {
    id: "default-route-firewall",
    title: "Default route points at a healthy Azure Firewall or an approved appliance",
    defaultSeverity: "critical",
    risk:
      "If the 0.0.0.0/0 next hop (of the subnet's route table, or of a Virtual WAN secured hub's routing intent) is not a working " +
      "Azure Firewall (none with that private IP, or one that is not Succeeded), egress is black-holed or handled by an unvetted " +
      "device that may forward it unfiltered.",
    remediation:
      "Check the firewall at the next-hop address (az network firewall show -g <rg> -n <firewall> --query " +
      "\"{state:provisioningState, ip:ipConfigurations[0].privateIPAddress}\"; for a Virtual WAN hub firewall " +
      "--query \"{state:provisioningState, ip:hubIPAddresses.privateIPAddress}\"); repair a failed one by re-applying its " +
      "configuration (az network firewall update -g <rg> -n <firewall>), or point the route at the firewall's private IP " +
      "(az network route-table route update -g <rg> --route-table-name <routeTable> -n <route> --next-hop-ip-address " +
      "<firewallPrivateIp>); on a secured hub, point the routing intent's Internet policy at the hub's Azure Firewall. " +
      "A vetted non-Azure appliance belongs in the baseline's approvedApplianceIps. A next hop in a peered VNet of another " +
      "subscription is judged only when the scan can read that subscription's firewalls (grant Reader there).",
    requires: ["pools", "aksClusters", "subnets", "routeTables", "firewalls", "firewallInventory", "virtualNetworks", "virtualHubs", "hubInventory"],
    parameters: [],
  },
  evaluate(ctx: CheckContext): CheckResult[] {
    const { snapshot, target, baseline } = ctx;
    const req = firewallRequirementOf(snapshot, target, baseline.rules);
    const subnets = targetSubnets(snapshot, target);
    if (!subnets.ok) {
      return [
        unknownResult(
          target.id,
          `The subnet of ${targetLabel(target)} could not be determined, so its default route's next hop could not be checked.`,
          subnets.error,
          { expected: "healthy Azure Firewall", evidence: { targetId: target.id, ...req.evidence } },
        ),
      ];
    }
    if (subnets.value.ids.length === 0) {
      if (!req.known) return [unknownRequirement(ctx, target.id, req)];
      if (!req.required) return [];
      return [
        {
          status: "fail",
          resourceId: target.id,
          message: `${capitalise(targetLabel(target))} has no custom subnet, so no default route can lead to a firewall (${SEE_ROUTE_CHECK}).`,
          expected: "healthy Azure Firewall",
          actual: "no custom subnet",
          evidence: { targetId: target.id, subnetSource: subnets.value.source, requiredBecause: req.reason, ...req.evidence },
        },
      ];
    }
    const out: CheckResult[] = [];
    for (const subnetId of subnets.value.ids) {
      const result = judgeSubnet(ctx, subnetId, req);
      if (result !== undefined) out.push(result);
    }
    return out;
  },
};

function unknownRequirement(
  ctx: CheckContext,
  resourceId: string,
  req: Extract<FirewallEgressRequirement, { known: false }>,
): CheckResult {
  return unknownResult(
    resourceId,
    `Whether ${targetLabel(ctx.target)} must route egress through a firewall could not be told: its egress mode could not be read.`,
    req.error,
    { expected: "healthy Azure Firewall (if userDefinedRouting)", evidence: { targetId: ctx.target.id, ...req.evidence } },
  );
}

/** Judges one subnet; undefined when the check does not apply to it (no firewall required, no appliance route). */
function judgeSubnet(ctx: CheckContext, subnetId: string, req: FirewallEgressRequirement): CheckResult | undefined {
  const { snapshot, target } = ctx;
  const lower = `subnet ${nameOf(subnetId)} of ${targetLabel(target)}`;
  const evidence: Record<string, unknown> = {
    targetId: target.id,
    subnetId,
    ...(req.known ? { requiredBecause: req.required ? req.reason : null } : {}),
    ...req.evidence,
  };
  const unknown = (message: string, error: ReadError, extra: Record<string, unknown> = {}): CheckResult =>
    unknownResult(subnetId, message, error, { expected: "healthy Azure Firewall", evidence: { ...evidence, ...extra } });

  // Whether the check applies depends on the subnet's routes when firewall egress is not required,
  // so a subnet that cannot be read is unknown either way.
  const path = egressPathOf(snapshot, subnetId);
  if (path.kind === "subnetUnreadable") {
    return unknown(`${capitalise(lower)} could not be read, so its default route's next hop could not be checked.`, path.error);
  }
  if (path.kind === "routeTableUnreadable") {
    return unknown(`The route table of ${lower} could not be read.`, path.error, { routeTableId: path.routeTableId });
  }
  const rt = pathRouteTable(path);
  const route = pathDefaultRoute(path);
  if (rt !== undefined) evidence.routeTableId = rt.id;
  evidence.egressChain = pathChain(path);
  if (path.kind === "hubUnreadable") {
    // An unreadable hub elsewhere says nothing about a target that needs no firewall; the hub that connects its VNet does.
    if (req.known && !req.required && !path.connected) return undefined;
    return unknown(
      `${capitalise(lower)} has no 0.0.0.0/0 route of its own, and whether a Virtual WAN secured hub sends its egress to a healthy Azure Firewall could not be told: ${path.chain[path.chain.length - 1] ?? path.error.message}.`,
      path.error,
    );
  }
  if (path.kind === "securedHub") return judgeHubFirewall(ctx, subnetId, lower, path, evidence);
  if (path.kind === "hubAppliance") {
    const hub = path.hub;
    return {
      status: "fail",
      resourceId: subnetId,
      message: `Virtual WAN hub ${hub.hub.name} sends 0.0.0.0/0 of ${lower} to ${nameOf(path.nextHopId)}, which is no Azure Firewall.`,
      expected: "healthy Azure Firewall",
      actual: `Virtual WAN hub ${hub.hub.name} → ${nameOf(path.nextHopId)}`,
      evidence: { ...evidence, hubId: hub.hub.id, hubConnectionId: hub.connection.id, hubNextHopId: path.nextHopId, decidedBy: `hub next hop ${path.nextHopId} is no Microsoft.Network/azureFirewalls resource` },
    };
  }
  if (path.kind !== "appliance") {
    if (req.known && !req.required) return undefined;
    if (!req.known) {
      return unknownResult(
        subnetId,
        `Whether ${lower} must route egress through a firewall could not be told: its egress mode could not be read.`,
        req.error,
        { expected: "healthy Azure Firewall (if userDefinedRouting)", evidence },
      );
    }
    const actual = rt === undefined ? "no route table" : route === undefined ? "no 0.0.0.0/0 route" : describeNextHop(route);
    const gap = path.kind === "noRouteTable" || path.kind === "noDefaultRoute" ? path.hubGap : undefined;
    return {
      status: "fail",
      resourceId: subnetId,
      message: `The default route of ${lower} does not lead to a firewall (${actual}${gap !== undefined ? `; ${gap.reason}` : ""}; ${SEE_ROUTE_CHECK}).`,
      expected: "healthy Azure Firewall",
      actual,
      evidence: {
        ...evidence,
        ...(route !== undefined ? { defaultRoute: route } : {}),
        ...(gap !== undefined ? { hubId: gap.hub.id, hubConnectionId: gap.connection.id, hubMissingLink: gap.missing } : {}),
        decidedBy: "no 0.0.0.0/0 route to VirtualAppliance and no secured Virtual WAN hub",
      },
    };
  }
  return judgeAppliance(ctx, subnetId, lower, path.route, path.firewallsAtHop, { ...evidence, defaultRoute: path.route });
}

function judgeAppliance(
  ctx: CheckContext,
  subnetId: string,
  lower: string,
  route: Route,
  firewallsAtHop: () => FirewallMatch,
  evidence: Record<string, unknown>,
): CheckResult {
  const ip = route.nextHopIpAddress;
  if (ip === undefined || ip === "") {
    return {
      status: "fail",
      resourceId: subnetId,
      message: `Route ${route.name} of ${lower} sends 0.0.0.0/0 to a virtual appliance without a next-hop address.`,
      expected: "healthy Azure Firewall",
      actual: "VirtualAppliance (no address)",
      evidence: { ...evidence, decidedBy: `route ${route.name}: no nextHopIpAddress` },
    };
  }
  const expected = `healthy Azure Firewall at ${ip}`;
  const approved = (ctx.baseline.rules.approvedApplianceIps ?? []).find((a) => sameAddress(a, ip));
  if (approved !== undefined) {
    return {
      status: "pass",
      resourceId: subnetId,
      message: `The default route of ${lower} goes to ${ip}, an appliance the baseline approves.`,
      expected,
      actual: `approved appliance ${ip}`,
      evidence: { ...evidence, decidedBy: `route ${route.name}: nextHopIpAddress in baseline approvedApplianceIps` },
    };
  }
  const baselineFirewallId = ctx.baseline.rules.firewallResourceId;
  if (baselineFirewallId !== undefined) return judgeBaselineFirewall(ctx, subnetId, lower, route, ip, baselineFirewallId, firewallsAtHop, evidence);
  const match = firewallsAtHop();
  const healthy = match.firewalls.find((fw) => sameText(fw.provisioningState, "Succeeded"));
  if (healthy !== undefined) {
    return {
      status: "pass",
      resourceId: subnetId,
      message: `The default route of ${lower} goes to Azure Firewall ${healthy.name} at ${ip}, which is Succeeded.`,
      expected,
      actual: `Azure Firewall ${healthy.name} Succeeded`,
      evidence: {
        ...evidence,
        firewallId: healthy.id,
        provisioningState: healthy.provisioningState,
        decidedBy: `route ${route.name} → firewall ${healthy.id}`,
      },
    };
  }
  const [unhealthy] = match.firewalls;
  if (unhealthy !== undefined) {
    const state = unhealthy.provisioningState ?? "no provisioningState";
    return {
      status: "fail",
      resourceId: subnetId,
      message: `The default route of ${lower} goes to Azure Firewall ${unhealthy.name} at ${ip}, whose provisioning state is ${state}.`,
      expected,
      actual: `Azure Firewall ${unhealthy.name} ${state}`,
      evidence: {
        ...evidence,
        firewallId: unhealthy.id,
        firewallIds: match.firewalls.map((f) => f.id),
        provisioningState: unhealthy.provisioningState ?? null,
        decidedBy: `route ${route.name} → firewall ${unhealthy.id} not Succeeded`,
      },
    };
  }
  const [firstError] = match.readErrors;
  if (firstError !== undefined || !match.inventoryCollected) {
    const error: ReadError = firstError ?? {
      code: "NotCollected",
      message: "no firewall inventory was collected",
    };
    const home = match.home;
    // Where the address lies names the read that is missing: typically a peered hub VNet in a subscription outside the scan.
    const where =
      home !== undefined && firstError !== undefined && firstError === match.homeError
        ? `: ${ip} lies in ${home.peeringName !== undefined ? "peered " : ""}virtual network ${nameOf(home.vnetId)} of subscription ${home.subscriptionId}, whose firewall list ${firstError.code === "NotCollected" ? "was not read" : "could not be read"}`
        : ", but not every firewall list could be read";
    return unknownResult(
      subnetId,
      `No Azure Firewall with address ${ip} was found for the default route of ${lower}${where}.`,
      error,
      {
        expected,
        evidence: {
          ...evidence,
          readErrors: match.readErrors,
          ...(home !== undefined ? { nextHopVnetId: home.vnetId, nextHopSubscriptionId: home.subscriptionId, ...(home.peeringName !== undefined ? { peeringName: home.peeringName } : {}) } : {}),
        },
      },
    );
  }
  return {
    status: "fail",
    resourceId: subnetId,
    message: `The default route of ${lower} goes to ${ip}, where no Azure Firewall exists and no approved appliance is declared.`,
    expected,
    actual: `no Azure Firewall at ${ip}`,
    evidence: {
      ...evidence,
      firewallInventory: Object.keys(ctx.snapshot.firewallInventory),
      decidedBy: `route ${route.name}: no firewall in any readable inventory has private IP ${ip}`,
    },
  };
}

/** Baseline `firewallResourceId`: the next hop must be a private address of that firewall, and it must be Succeeded. */
function judgeBaselineFirewall(
  ctx: CheckContext,
  subnetId: string,
  lower: string,
  route: Route,
  ip: string,
  firewallId: string,
  firewallsAtHop: () => FirewallMatch,
  routeEvidence: Record<string, unknown>,
): CheckResult {
  const evidence = { ...routeEvidence, baselineFirewallId: firewallId };
  const part = resolve(ctx.snapshot.firewalls, firewallId, `firewall ${firewallId}`);
  if (!part.ok) {
    return unknownResult(
      subnetId,
      `The default route of ${lower} goes to ${ip}, but baseline firewall ${nameOf(firewallId)} could not be read to tell whether that is its address.`,
      errorOf(part, firewallId),
      { expected: `Azure Firewall ${nameOf(firewallId)} (baseline), Succeeded`, evidence },
    );
  }
  const fw = part.value;
  const addresses = fw.privateIpAddresses;
  const expected = `Azure Firewall ${fw.name}${addresses.length > 0 ? ` at ${addresses.join(" or ")}` : ""}, Succeeded`;
  const withFw = { ...evidence, firewallId: fw.id, baselineFirewallAddresses: addresses, provisioningState: fw.provisioningState ?? null };
  if (!addresses.some((a) => sameAddress(a, ip))) {
    const other = firewallsAtHop().firewalls[0];
    const there = other !== undefined ? `Azure Firewall ${other.name}` : `no Azure Firewall at ${ip}`;
    return {
      status: "fail",
      resourceId: subnetId,
      message:
        `The default route of ${lower} goes to ${ip}${other !== undefined ? ` (Azure Firewall ${other.name})` : ""}, ` +
        `not to baseline firewall ${fw.name}${addresses.length > 0 ? ` at ${addresses.join(" or ")}` : " (which has no private address)"}.`,
      expected,
      actual: there,
      evidence: {
        ...withFw,
        ...(other !== undefined ? { firewallAtNextHop: other.id } : {}),
        decidedBy: `route ${route.name}: nextHopIpAddress ${ip} is not a private address of baseline firewallResourceId`,
      },
    };
  }
  if (!sameText(fw.provisioningState, "Succeeded")) {
    const state = fw.provisioningState ?? "no provisioningState";
    return {
      status: "fail",
      resourceId: subnetId,
      message: `The default route of ${lower} goes to baseline firewall ${fw.name} at ${ip}, whose provisioning state is ${state}.`,
      expected,
      actual: `Azure Firewall ${fw.name} ${state}`,
      evidence: { ...withFw, decidedBy: `route ${route.name} → baseline firewall ${fw.id} not Succeeded` },
    };
  }
  return {
    status: "pass",
    resourceId: subnetId,
    message: `The default route of ${lower} goes to baseline firewall ${fw.name} at ${ip}, which is Succeeded.`,
    expected,
    actual: `Azure Firewall ${fw.name} Succeeded`,
    evidence: { ...withFw, decidedBy: `route ${route.name} → baseline firewall ${fw.id}` },
  };
}

/**
 * A Virtual WAN secured hub: the hub firewall that the routing intent (or hub route table) names
 * must be Succeeded; a baseline `approvedApplianceIps` address or `firewallResourceId` applies as
 * for a route table's next hop.
 */
function judgeHubFirewall(
  ctx: CheckContext,
  subnetId: string,
  lower: string,
  path: Extract<EgressPath, { kind: "securedHub" }>,
  routeEvidence: Record<string, unknown>,
): CheckResult {
  const { hub, firewall: fw, address } = path;
  const via = hub.source.by === "routingIntent" ? `routing intent policy ${hub.source.policy.name}` : `hub route table ${hub.source.table.name}`;
  const at = address !== undefined ? ` at ${address}` : "";
  const expected = `healthy Azure Firewall${address !== undefined ? ` at ${address}` : ""} (Virtual WAN hub ${hub.hub.name})`;
  const state = fw.provisioningState ?? "no provisioningState";
  const evidence = {
    ...routeEvidence,
    hubId: hub.hub.id,
    hubConnectionId: hub.connection.id,
    ...(hub.source.by === "routingIntent" ? { routingIntentId: hub.source.routingIntent.id, routingPolicy: hub.source.policy } : { hubRouteTableId: hub.source.table.id, hubRoute: hub.source.route }),
    firewallId: fw.id,
    firewallPrivateIp: address ?? null,
    provisioningState: fw.provisioningState ?? null,
  };
  const chain = `hub connection ${hub.connection.name} → ${via} → firewall ${fw.id}`;
  const approved = address !== undefined ? (ctx.baseline.rules.approvedApplianceIps ?? []).find((a) => sameAddress(a, address)) : undefined;
  if (approved !== undefined) {
    return {
      status: "pass",
      resourceId: subnetId,
      message: `Virtual WAN hub ${hub.hub.name} sends 0.0.0.0/0 of ${lower} to ${address}, an appliance the baseline approves.`,
      expected,
      actual: `approved appliance ${address}`,
      evidence: { ...evidence, decidedBy: `${chain}: private IP in baseline approvedApplianceIps` },
    };
  }
  const baselineFirewallId = ctx.baseline.rules.firewallResourceId;
  if (baselineFirewallId !== undefined && !sameId(baselineFirewallId, fw.id)) {
    return {
      status: "fail",
      resourceId: subnetId,
      message: `Virtual WAN hub ${hub.hub.name} sends 0.0.0.0/0 of ${lower} to Azure Firewall ${fw.name}${at}, not to baseline firewall ${nameOf(baselineFirewallId)}.`,
      expected: `Azure Firewall ${nameOf(baselineFirewallId)} (baseline), Succeeded`,
      actual: `Azure Firewall ${fw.name}`,
      evidence: { ...evidence, baselineFirewallId, decidedBy: `${chain}: not baseline firewallResourceId` },
    };
  }
  if (!sameText(fw.provisioningState, "Succeeded")) {
    return {
      status: "fail",
      resourceId: subnetId,
      message: `Virtual WAN hub ${hub.hub.name} sends 0.0.0.0/0 of ${lower} to Azure Firewall ${fw.name}${at}, whose provisioning state is ${state}.`,
      expected,
      actual: `Azure Firewall ${fw.name} ${state}`,
      evidence: { ...evidence, decidedBy: `${chain} not Succeeded` },
    };
  }
  return {
    status: "pass",
    resourceId: subnetId,
    message: `Virtual WAN hub ${hub.hub.name} sends 0.0.0.0/0 of ${lower} (connection ${hub.connection.name}, ${via}) to Azure Firewall ${fw.name}${at}, which is Succeeded.`,
    expected,
    actual: `Azure Firewall ${fw.name} Succeeded`,
    evidence: { ...evidence, decidedBy: chain },
  };
}
