import type { AzureFirewall, ReadError, Route, RouteTable } from "../model/snapshot.js";
import type { Check, CheckContext, CheckResult } from "./lib/types.js";
import { parseIpv4Prefix, prefixContains, sameAddress } from "./lib/addresses.js";
import { describeNextHop, egressPathOf, firewallPublicAddresses, firewallsAt, pathDefaultRoute } from "./lib/egressPath.js";
import type { EgressPath } from "./lib/egressPath.js";
import { capitalise, nameOf, sameText } from "./lib/names.js";
import { integerParam } from "./lib/params.js";
import { errorOf, resolve, unknownResult } from "./lib/parts.js";
import { requiresFirewallEgress, targetLabel, targetSubnets } from "./lib/target.js";
import type { FirewallEgressRequirement } from "./lib/target.js";

const MIN_PREFIX_PARAM = "internetRouteMinPrefixLength";

/** `subnet-default-route`: the pool subnet sends 0.0.0.0/0 to the firewall, with no bypass to Internet. */
export const subnetDefaultRoute: Check = {
  meta: {
    id: "subnet-default-route",
    title: "Pool subnet routes 0.0.0.0/0 to the firewall with no bypass",
    defaultSeverity: "critical",
    risk:
      "Without a 0.0.0.0/0 route to the firewall (or with broad routes to Internet beside it), cluster egress " +
      "leaves Azure uninspected and unrestricted; for userDefinedRouting clusters AKS operations can also break.",
    remediation:
      "Associate a route table with the pool subnet (az network vnet subnet update -g <rg> --vnet-name <vnet> -n <subnet> " +
      "--route-table <routeTable>), add the default route to the firewall's private IP " +
      "(az network route-table route create -g <rg> --route-table-name <routeTable> -n default-to-firewall " +
      "--address-prefix 0.0.0.0/0 --next-hop-type VirtualAppliance --next-hop-ip-address <firewallPrivateIp>), " +
      "and delete broad routes to Internet (az network route-table route delete -g <rg> --route-table-name <routeTable> -n <route>); " +
      "keep only the firewall public IP /32 and baseline allowedInternetPrefixes.",
    requires: ["pools", "aksClusters", "subnets", "routeTables", "firewalls", "publicIps"],
    parameters: [
      {
        name: MIN_PREFIX_PARAM,
        description:
          "A route to Internet with a prefix shorter than this length is a firewall bypass (0.0.0.0/1 + 128.0.0.0/1 " +
          "is the classic case); 33 flags every Internet route except the firewall's /32 and baseline prefixes.",
        default: 24,
      },
    ],
  },
  evaluate(ctx: CheckContext): CheckResult[] {
    const { snapshot, target, baseline } = ctx;
    const minLength = integerParam(ctx.params, MIN_PREFIX_PARAM, 0, 33);
    const req = requiresFirewallEgress(snapshot, target, baseline.rules);
    if (req.known && !req.required) return [];
    const subnets = targetSubnets(snapshot, target);
    if (!subnets.ok) {
      return [
        unknownResult(
          target.id,
          `The subnet of ${targetLabel(target)} could not be determined, so its default route could not be checked.`,
          subnets.error,
          { expected: "VirtualAppliance", evidence: { targetId: target.id, ...req.evidence } },
        ),
      ];
    }
    if (subnets.value.ids.length === 0) {
      if (!req.known) return [unknownRequirement(target.id, target.id, ctx, req)];
      return [
        {
          status: "fail",
          resourceId: target.id,
          message: `${capitalise(targetLabel(target))} runs in an AKS-managed virtual network with no custom subnet, so its egress cannot be routed through a firewall.`,
          expected: "VirtualAppliance",
          actual: "no custom subnet",
          evidence: { targetId: target.id, subnetSource: subnets.value.source, requiredBecause: req.reason, ...req.evidence },
        },
      ];
    }
    return subnets.value.ids.map((subnetId) =>
      req.known ? judgeSubnet(ctx, subnetId, minLength, req.reason, req.evidence) : unknownRequirement(subnetId, target.id, ctx, req),
    );
  },
};

function unknownRequirement(
  resourceId: string,
  targetId: string,
  ctx: CheckContext,
  req: Extract<FirewallEgressRequirement, { known: false }>,
): CheckResult {
  return unknownResult(
    resourceId,
    `Whether ${targetLabel(ctx.target)} must route egress through a firewall could not be told: its egress mode could not be read.`,
    req.error,
    { expected: "VirtualAppliance (if userDefinedRouting)", evidence: { targetId, subnetId: resourceId, ...req.evidence } },
  );
}

/** The next hop the baseline expects: `firewallPrivateIp`, else the private address of `firewallResourceId`. */
interface ExpectedHop {
  /** The next hop must be one of these; undefined when any appliance will do here (or when not known). */
  addresses?: string[];
  expected: string;
  /** The baseline firewall (`firewallResourceId`), when it was read. */
  firewall?: AzureFirewall;
  /** Why the baseline firewall's address is not known. */
  error?: ReadError;
  evidence: Record<string, unknown>;
}

function expectedHopOf(ctx: CheckContext): ExpectedHop {
  const { firewallPrivateIp, firewallResourceId } = ctx.baseline.rules;
  if (firewallPrivateIp !== undefined) {
    return { addresses: [firewallPrivateIp], expected: `VirtualAppliance ${firewallPrivateIp}`, evidence: { expectedFrom: "baseline firewallPrivateIp" } };
  }
  if (firewallResourceId === undefined) return { expected: "VirtualAppliance", evidence: {} };
  const evidence = { expectedFrom: "baseline firewallResourceId", baselineFirewallId: firewallResourceId };
  const fw = resolve(ctx.snapshot.firewalls, firewallResourceId, `firewall ${firewallResourceId}`);
  if (!fw.ok) {
    return { expected: `VirtualAppliance (firewall ${nameOf(firewallResourceId)})`, error: errorOf(fw, firewallResourceId), evidence };
  }
  const addresses = fw.value.privateIpAddresses;
  return {
    addresses,
    expected: addresses.length > 0 ? `VirtualAppliance ${addresses.join(" or ")}` : `VirtualAppliance (firewall ${fw.value.name})`,
    firewall: fw.value,
    evidence: { ...evidence, baselineFirewallAddresses: addresses },
  };
}

function judgeSubnet(
  ctx: CheckContext,
  subnetId: string,
  minLength: number,
  requiredBecause: string,
  modeEvidence: Record<string, unknown>,
): CheckResult {
  const { snapshot, target } = ctx;
  const hop = expectedHopOf(ctx);
  const expected = hop.expected;
  const evidence: Record<string, unknown> = { targetId: target.id, subnetId, requiredBecause, ...modeEvidence, ...hop.evidence };
  const lower = `subnet ${nameOf(subnetId)} of ${targetLabel(target)}`;
  const label = capitalise(lower);

  const path = egressPathOf(snapshot, subnetId);
  if (path.kind === "subnetUnreadable") {
    return unknownResult(subnetId, `${label} could not be read, so its default route could not be checked.`, path.error, {
      expected,
      evidence,
    });
  }
  if (path.kind === "routeTableUnreadable") {
    return unknownResult(
      subnetId,
      `The route table of ${lower} could not be read.`,
      path.error,
      { expected, evidence: { ...evidence, routeTableId: path.routeTableId } },
    );
  }
  if (path.kind === "noRouteTable") {
    return {
      status: "fail",
      resourceId: subnetId,
      message: `${label} has no route table, so its egress does not go through a firewall.`,
      expected,
      actual: "no route table",
      evidence: { ...evidence, routeTableId: null, decidedBy: "subnet has no routeTable" },
    };
  }
  const rt = path.routeTable;
  evidence.routeTableId = rt.id;
  const defaultRoute = pathDefaultRoute(path);
  const bypass = bypassRoutes(ctx, path, defaultRoute, minLength, hop.firewall);
  if (bypass.serviceTagRoutes.length > 0) evidence.serviceTagInternetRoutes = bypass.serviceTagRoutes;

  let problem: { actual: string; message: string; decidedBy: string } | undefined;
  if (path.kind === "noDefaultRoute") {
    problem = {
      actual: "no 0.0.0.0/0 route",
      message: `Route table ${rt.name} of ${lower} has no 0.0.0.0/0 route.`,
      decidedBy: "no route with addressPrefix 0.0.0.0/0",
    };
  } else if (path.kind === "nonApplianceHop") {
    const route = path.route;
    problem = {
      actual: describeNextHop(route),
      message: `Route ${route.name} in route table ${rt.name} sends 0.0.0.0/0 of ${lower} to ${describeNextHop(route)} instead of a virtual appliance.`,
      decidedBy: `route ${route.name}: nextHopType ${route.nextHopType}`,
    };
  } else if (hop.addresses !== undefined && !hop.addresses.some((a) => sameAddress(path.address, a))) {
    const route = path.route;
    const wanted =
      hop.firewall === undefined
        ? hop.addresses.join(" or ")
        : `${hop.firewall.name} (${hop.addresses.length > 0 ? hop.addresses.join(" or ") : "which has no private address"})`;
    problem = {
      actual: describeNextHop(route),
      message: `Route ${route.name} in route table ${rt.name} sends 0.0.0.0/0 of ${lower} to ${path.address ?? "no address"} instead of the baseline firewall ${wanted}.`,
      decidedBy:
        hop.firewall === undefined
          ? `route ${route.name}: nextHopIpAddress differs from baseline firewallPrivateIp`
          : `route ${route.name}: nextHopIpAddress is not a private address of baseline firewallResourceId ${hop.firewall.id}`,
    };
  }
  if (defaultRoute !== undefined) evidence.defaultRoute = defaultRoute;
  if (bypass.routes.length > 0) evidence.bypassRoutes = bypass.routes;

  if (problem !== undefined) {
    return {
      status: "fail",
      resourceId: subnetId,
      message: problem.message,
      expected,
      actual: bypass.routes.length > 0 ? `${problem.actual}; ${describeBypass(bypass.routes)}` : problem.actual,
      evidence: { ...evidence, decidedBy: problem.decidedBy },
    };
  }
  if (bypass.routes.length > 0) {
    return {
      status: "fail",
      resourceId: subnetId,
      message:
        `Route table ${rt.name} of ${lower} sends ${bypass.routes.map((r) => r.addressPrefix).join(", ")} ` +
        `to Internet, bypassing the firewall.`,
      expected: `${expected}, no Internet route shorter than /${minLength}`,
      actual: describeBypass(bypass.routes),
      evidence: {
        ...evidence,
        decidedBy: `routes ${bypass.routes.map((r) => r.name).join(", ")}: nextHopType Internet with prefix shorter than /${minLength}`,
      },
    };
  }
  if (hop.error !== undefined) {
    return unknownResult(
      subnetId,
      `Route table ${rt.name} of ${lower} sends 0.0.0.0/0 to ${describeNextHop(defaultRoute as Route)}, but the baseline firewall whose address it must be could not be read.`,
      hop.error,
      { expected, evidence },
    );
  }
  return {
    status: "pass",
    resourceId: subnetId,
    message: `${label} sends 0.0.0.0/0 to ${describeNextHop(defaultRoute as Route)} through route table ${rt.name}.`,
    expected,
    actual: describeNextHop(defaultRoute as Route),
    evidence: { ...evidence, decidedBy: `route ${(defaultRoute as Route).name}` },
  };
}

function describeBypass(routes: Route[]): string {
  return `${routes.map((r) => r.addressPrefix).join(", ")} → Internet`;
}

/** Routes to Internet broad enough to bypass the firewall (beside the firewall /32 and baseline prefixes). */
function bypassRoutes(
  ctx: CheckContext,
  path: Extract<EgressPath, { routeTable: RouteTable }>,
  defaultRoute: Route | undefined,
  minLength: number,
  baselineFirewall: AzureFirewall | undefined,
): { routes: Route[]; serviceTagRoutes: Route[] } {
  const table = path.routeTable;
  const allowedPrefixes = ctx.baseline.rules.allowedInternetPrefixes ?? [];
  const firewallAddresses: string[] = [];
  // The firewall whose public /32 may go to Internet: the one at the next hop, else at the baseline address.
  const hop = defaultRoute?.nextHopIpAddress ?? ctx.baseline.rules.firewallPrivateIp;
  if (hop !== undefined) {
    const atHop = path.kind === "appliance" && path.address === hop ? path.firewallsAtHop() : firewallsAt(ctx.snapshot, hop);
    for (const fw of atHop.firewalls) firewallAddresses.push(...firewallPublicAddresses(ctx.snapshot, fw));
  }
  if (baselineFirewall !== undefined) firewallAddresses.push(...firewallPublicAddresses(ctx.snapshot, baselineFirewall));
  const routes: Route[] = [];
  const serviceTagRoutes: Route[] = [];
  for (const route of table.routes) {
    if (route === defaultRoute || !sameText(route.nextHopType, "Internet")) continue;
    const prefix = parseIpv4Prefix(route.addressPrefix);
    if (prefix === undefined) {
      serviceTagRoutes.push(route); // a service tag: not a length we can judge; kept as evidence
      continue;
    }
    if (prefix.length >= minLength) continue;
    if (prefix.length === 32 && firewallAddresses.some((a) => prefixContains(`${a}/32`, route.addressPrefix))) continue;
    if (allowedPrefixes.some((allowed) => prefixContains(allowed, route.addressPrefix))) continue;
    routes.push(route);
  }
  return { routes, serviceTagRoutes };
}
