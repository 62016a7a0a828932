import type { ReadError, Route } from "../model/snapshot.js";
import type { Check, CheckContext, CheckResult } from "./lib/types.js";
import { sameAddress } from "./lib/addresses.js";
import { describeNextHop, egressPathOf, pathDefaultRoute, pathRouteTable } from "./lib/egressPath.js";
import type { FirewallMatch } from "./lib/egressPath.js";
import { capitalise, nameOf, sameText } from "./lib/names.js";
import { errorOf, resolve, unknownResult } from "./lib/parts.js";
import { requiresFirewallEgress, targetLabel, targetSubnets } from "./lib/target.js";
import type { FirewallEgressRequirement } from "./lib/target.js";

const SEE_ROUTE_CHECK = "see subnet-default-route";

/** `default-route-firewall`: the default route's next hop is a healthy Azure Firewall or an approved appliance. */
export const defaultRouteFirewall: Check = {
  meta: {
    id: "default-route-firewall",
    title: "Default route points at a healthy Azure Firewall or an approved appliance",
    defaultSeverity: "critical",
    risk:
      "If the 0.0.0.0/0 next hop is not a working Azure Firewall (none at that address, or one that is not " +
      "Succeeded), egress is black-holed or handled by an unvetted device that may forward it unfiltered.",
    remediation:
      "Check the firewall at the next-hop address (az network firewall show -g <rg> -n <firewall> --query " +
      "\"{state:provisioningState, ip:ipConfigurations[0].privateIPAddress}\"); repair a failed one by re-applying its " +
      "configuration (az network firewall update -g <rg> -n <firewall>), or point the route at the firewall's private IP " +
      "(az network route-table route update -g <rg> --route-table-name <routeTable> -n <route> --next-hop-ip-address " +
      "<firewallPrivateIp>). A vetted non-Azure appliance belongs in the baseline's approvedApplianceIps.",
    requires: ["pools", "aksClusters", "subnets", "routeTables", "firewalls", "firewallInventory"],
    parameters: [],
  },
  evaluate(ctx: CheckContext): CheckResult[] {
    const { snapshot, target, baseline } = ctx;
    const req = requiresFirewallEgress(snapshot, target, baseline.rules);
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
    return {
      status: "fail",
      resourceId: subnetId,
      message: `The default route of ${lower} does not lead to a firewall (${actual}; ${SEE_ROUTE_CHECK}).`,
      expected: "healthy Azure Firewall",
      actual,
      evidence: { ...evidence, ...(route !== undefined ? { defaultRoute: route } : {}), decidedBy: "no 0.0.0.0/0 route to VirtualAppliance" },
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
    return unknownResult(
      subnetId,
      `No Azure Firewall with address ${ip} was found for the default route of ${lower}, but not every firewall list could be read.`,
      error,
      { expected, evidence: { ...evidence, readErrors: match.readErrors } },
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
