import { sameId } from "../model/snapshot.js";
import type { AzureFirewall, ReadError, Route, RouteTable } from "../model/snapshot.js";
import type { Check, CheckContext, CheckResult } from "./lib/types.js";
import { parseIpv4Prefix, prefixContains, sameAddress } from "./lib/addresses.js";
import { breakoutOf, describeNextHop, egressPathOf, firewallPublicAddresses, firewallsAt, pathChain, pathDefaultRoute, pathRouteTable } from "./lib/egressPath.js";
import type { EgressPath, HubGap } from "./lib/egressPath.js";
import { judgeIsolatedSubnet, judgeIsolatedWithoutSubnet } from "./lib/egress/isolated.js";
import { leakOf } from "./lib/egress/leak.js";
import { capitalise, nameOf, sameText } from "./lib/names.js";
import { integerParam } from "./lib/params.js";
import { errorOf, resolve, unknownResult } from "./lib/parts.js";
import { egressDesignOf, egressMode, requiresFirewallEgress, targetLabel, targetSubnets } from "./lib/target.js";
import type { FirewallEgressRequirement } from "./lib/target.js";

const MIN_PREFIX_PARAM = "internetRouteMinPrefixLength";

/** `subnet-default-route`: the node subnet's 0.0.0.0/0 reaches the firewall (route or secured hub) with no bypass; isolated clusters have no public path. */
export const subnetDefaultRoute: Check = {
  meta: {
    id: "subnet-default-route",
    title: "Node subnet sends 0.0.0.0/0 to the firewall (route table or Virtual WAN secured hub) with no bypass",
    defaultSeverity: "critical",
    risk:
      "Without a 0.0.0.0/0 path to the firewall (a route table, or a secured Virtual WAN hub), or with broad routes to Internet " +
      "beside it, cluster egress leaves Azure uninspected through default outbound access or a NAT gateway (or breaks, on a private subnet). " +
      "A network-isolated cluster (outboundType none or block) with any public path (route to Internet, NAT gateway, node public IP, " +
      "load balancer outbound rule, default outbound access) is not isolated.",
    remediation:
      "Route table: associate one with the node subnet (az network vnet subnet update -g <rg> --vnet-name <vnet> -n <subnet> " +
      "--route-table <routeTable>), add the default route to the firewall's private IP " +
      "(az network route-table route create -g <rg> --route-table-name <routeTable> -n default-to-firewall " +
      "--address-prefix 0.0.0.0/0 --next-hop-type VirtualAppliance --next-hop-ip-address <firewallPrivateIp>), " +
      "and delete broad routes to Internet (az network route-table route delete -g <rg> --route-table-name <routeTable> -n <route>); " +
      "keep only the firewall public IP /32 and baseline allowedInternetPrefixes. Virtual WAN spoke: enable internet security on " +
      "the hub connection (az resource update --ids <hubConnectionId> --set properties.enableInternetSecurity=true), give the hub " +
      "routing intent an Internet policy to the hub firewall (Bicep: Microsoft.Network/virtualHubs/routingIntent with routingPolicies " +
      "[{name: 'InternetTraffic', destinations: ['Internet'], nextHop: <hubFirewallId>}]), and leave disableBgpRoutePropagation off " +
      "on a spoke route table without its own default route. Make the subnet private so a missing route breaks egress instead of " +
      "leaking it (az resource update --ids <subnetId> --set properties.defaultOutboundAccess=false). Network-isolated cluster: " +
      "also remove the NAT gateway from the subnet (az network vnet subnet update -g <rg> --vnet-name <vnet> -n <subnet> " +
      "--nat-gateway null), node public IPs (a new node pool without --enable-node-public-ip) and load balancer outbound rules.",
    requires: [
      "pools",
      "aksClusters",
      "subnets",
      "routeTables",
      "firewalls",
      "publicIps",
      "virtualNetworks",
      "virtualHubs",
      "hubInventory",
      "natGateways",
      "mcGroups",
      "loadBalancers",
      "scaleSets",
    ],
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
    const mode = egressMode(snapshot, target);
    const isolated = mode.ok && egressDesignOf(mode.mode) === "isolated";
    const req = requiresFirewallEgress(snapshot, target, baseline.rules);
    if (!isolated && req.known && !req.required) return [];
    const subnets = targetSubnets(snapshot, target);
    if (!subnets.ok) {
      return [
        unknownResult(
          target.id,
          `The subnet of ${targetLabel(target)} could not be determined, so its default route could not be checked.`,
          subnets.error,
          { expected: isolated ? "no public egress path" : "VirtualAppliance", evidence: { targetId: target.id, ...req.evidence } },
        ),
      ];
    }
    if (isolated) {
      if (subnets.value.ids.length === 0) return [judgeIsolatedWithoutSubnet(ctx, mode.mode, mode.evidence, subnets.value.source)];
      return subnets.value.ids.map((subnetId) => judgeIsolatedSubnet(ctx, subnetId, minLength, mode.mode, mode.evidence));
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

function hubGapEvidence(gap: HubGap | undefined): Record<string, unknown> {
  if (gap === undefined) return {};
  return { hubId: gap.hub.id, hubConnectionId: gap.connection.id, hubMissingLink: gap.missing, hubGap: gap.reason };
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
  evidence.egressChain = pathChain(path);
  if (path.kind === "hubUnreadable") {
    if (path.routeTable !== undefined) evidence.routeTableId = path.routeTable.id;
    return unknownResult(
      subnetId,
      `${label} has no 0.0.0.0/0 route of its own, and whether a Virtual WAN secured hub carries its egress to a firewall could not be told: ${path.chain[path.chain.length - 1] ?? path.error.message}.`,
      path.error,
      { expected, evidence },
    );
  }
  if (path.kind === "noRouteTable") {
    const leak = leakOf(ctx, subnetId, path.breakout, undefined);
    const gap = path.hubGap !== undefined ? ` and ${path.hubGap.reason}` : "";
    return {
      status: "fail",
      resourceId: subnetId,
      message: `${label} has no route table${gap}, so ${leak.clause}.`,
      expected,
      actual: path.hubGap !== undefined ? `no route table; hub not securing (${path.hubGap.missing})` : "no route table",
      evidence: { ...evidence, ...leak.evidence, ...hubGapEvidence(path.hubGap), routeTableId: null, decidedBy: "subnet has no routeTable" },
    };
  }
  const rt = pathRouteTable(path);
  if (rt !== undefined) evidence.routeTableId = rt.id;
  if (path.subnet.natGatewayId !== undefined && (path.kind === "appliance" || path.kind === "securedHub" || path.kind === "hubAppliance")) {
    // §8.4: an appliance default route outranks a NAT gateway on the subnet.
    evidence.natGatewayOutranked = path.subnet.natGatewayId;
  }
  const defaultRoute = pathDefaultRoute(path);
  const bypass = bypassRoutes(ctx, path, rt, defaultRoute, minLength, hop.firewall);
  if (bypass.serviceTagRoutes.length > 0) evidence.serviceTagInternetRoutes = bypass.serviceTagRoutes;
  if (defaultRoute !== undefined) evidence.defaultRoute = defaultRoute;
  if (bypass.routes.length > 0) evidence.bypassRoutes = bypass.routes;

  const problem = problemOf(ctx, path, lower, hop);
  if (problem !== undefined) {
    return {
      status: "fail",
      resourceId: subnetId,
      message: problem.message,
      expected,
      actual: bypass.routes.length > 0 ? `${problem.actual}; ${describeBypass(bypass.routes)}` : problem.actual,
      evidence: { ...evidence, ...problem.evidence, decidedBy: problem.decidedBy },
    };
  }
  const table = rt;
  if (bypass.routes.length > 0 && table !== undefined) {
    // A bypass route to Internet leaves the way the system route would: NAT gateway, else default outbound access.
    const leak = leakOf(ctx, subnetId, breakoutOf(snapshot, path.subnet), undefined);
    return {
      status: "fail",
      resourceId: subnetId,
      message:
        `Route table ${table.name} of ${lower} sends ${bypass.routes.map((r) => r.addressPrefix).join(", ")} ` +
        `to Internet, bypassing the firewall.`,
      expected: `${expected}, no Internet route shorter than /${minLength}`,
      actual: describeBypass(bypass.routes),
      evidence: {
        ...evidence,
        internetEgressWithoutFirewall: leak.leaks,
        decidedBy: `routes ${bypass.routes.map((r) => r.name).join(", ")}: nextHopType Internet with prefix shorter than /${minLength}`,
      },
    };
  }
  if (path.kind === "hubAppliance" && hop.addresses !== undefined) {
    return unknownResult(
      subnetId,
      `${label} egresses through Virtual WAN hub ${path.hub.hub.name} to ${nameOf(path.nextHopId)}, which is no Azure Firewall, so whether it is the baseline firewall ${hop.addresses.join(" or ")} could not be told.`,
      { code: "NotCollected", message: `the address of hub appliance ${path.nextHopId} is not read`, scope: path.nextHopId },
      { expected, evidence },
    );
  }
  if (hop.error !== undefined) {
    return unknownResult(
      subnetId,
      `${label} sends 0.0.0.0/0 to ${describePath(path)}, but the baseline firewall whose address it must be could not be read.`,
      hop.error,
      { expected, evidence },
    );
  }
  return passOf(path, subnetId, label, expected, evidence);
}

/** `VirtualAppliance 10.0.1.4` or `Azure Firewall fw-hub (10.100.0.132) in Virtual WAN hub vhub-weu`. */
function describePath(path: EgressPath): string {
  if (path.kind === "securedHub") return `Azure Firewall ${path.firewall.name}${path.address !== undefined ? ` (${path.address})` : ""} in Virtual WAN hub ${path.hub.hub.name}`;
  if (path.kind === "hubAppliance") return `${nameOf(path.nextHopId)} in Virtual WAN hub ${path.hub.hub.name}`;
  const route = pathDefaultRoute(path);
  return route !== undefined ? describeNextHop(route) : "no next hop";
}

interface Problem {
  actual: string;
  message: string;
  decidedBy: string;
  evidence?: Record<string, unknown>;
}

/** Why the path is not the expected firewall path, or undefined when it is. */
function problemOf(ctx: CheckContext, path: EgressPath, lower: string, hop: ExpectedHop): Problem | undefined {
  if (path.kind === "noDefaultRoute") {
    const leak = leakOf(ctx, path.subnet.id, path.breakout, undefined);
    const gap = path.hubGap !== undefined ? ` and ${path.hubGap.reason}` : "";
    return {
      actual: path.hubGap !== undefined ? `no 0.0.0.0/0 route; hub not securing (${path.hubGap.missing})` : "no 0.0.0.0/0 route",
      message: `Route table ${path.routeTable.name} of ${lower} has no 0.0.0.0/0 route${gap}, so ${leak.clause}.`,
      decidedBy: "no route with addressPrefix 0.0.0.0/0",
      evidence: { ...leak.evidence, ...hubGapEvidence(path.hubGap) },
    };
  }
  if (path.kind === "nonApplianceHop") {
    const route = path.route;
    const leak = leakOf(ctx, path.subnet.id, path.breakout, route);
    return {
      actual: describeNextHop(route),
      message: `Route ${route.name} in route table ${path.routeTable.name} sends 0.0.0.0/0 of ${lower} to ${describeNextHop(route)} instead of a virtual appliance, so ${leak.clause}.`,
      decidedBy: `route ${route.name}: nextHopType ${route.nextHopType}`,
      evidence: leak.evidence,
    };
  }
  if (hop.addresses === undefined) return undefined;
  const addresses = hop.addresses;
  const wanted =
    hop.firewall === undefined
      ? addresses.join(" or ")
      : `${hop.firewall.name} (${addresses.length > 0 ? addresses.join(" or ") : "which has no private address"})`;
  if (path.kind === "appliance") {
    if (addresses.some((a) => sameAddress(path.address, a))) return undefined;
    const route = path.route;
    return {
      actual: describeNextHop(route),
      message: `Route ${route.name} in route table ${path.routeTable.name} sends 0.0.0.0/0 of ${lower} to ${path.address ?? "no address"} instead of the baseline firewall ${wanted}.`,
      decidedBy:
        hop.firewall === undefined
          ? `route ${route.name}: nextHopIpAddress differs from baseline firewallPrivateIp`
          : `route ${route.name}: nextHopIpAddress is not a private address of baseline firewallResourceId ${hop.firewall.id}`,
    };
  }
  if (path.kind === "securedHub") {
    const fw = path.firewall;
    if ((hop.firewall !== undefined && sameId(hop.firewall.id, fw.id)) || fw.privateIpAddresses.some((ip) => addresses.some((a) => sameAddress(ip, a)))) return undefined;
    return {
      actual: `Virtual WAN hub ${path.hub.hub.name} → Azure Firewall ${fw.name} ${fw.privateIpAddresses.join(" or ") || "(no private address)"}`,
      message: `Virtual WAN hub ${path.hub.hub.name} sends 0.0.0.0/0 of ${lower} to Azure Firewall ${fw.name} instead of the baseline firewall ${wanted}.`,
      decidedBy: `hub firewall ${fw.id} is not the baseline firewall`,
    };
  }
  if (path.kind === "hubAppliance" && hop.firewall !== undefined) {
    return {
      actual: `Virtual WAN hub ${path.hub.hub.name} → ${nameOf(path.nextHopId)}`,
      message: `Virtual WAN hub ${path.hub.hub.name} sends 0.0.0.0/0 of ${lower} to ${nameOf(path.nextHopId)} instead of the baseline firewall ${wanted}.`,
      decidedBy: `hub next hop ${path.nextHopId} is not baseline firewallResourceId ${hop.firewall.id}`,
    };
  }
  return undefined;
}

function passOf(path: EgressPath, subnetId: string, label: string, expected: string, evidence: Record<string, unknown>): CheckResult {
  if (path.kind === "securedHub" || path.kind === "hubAppliance") {
    const hub = path.hub;
    const via = hub.source.by === "routingIntent" ? `routing intent policy ${hub.source.policy.name}` : `hub route table ${hub.source.table.name}`;
    const to = path.kind === "securedHub" ? `Azure Firewall ${path.firewall.name}${path.address !== undefined ? ` (${path.address})` : ""}` : `${nameOf(path.nextHopId)}, which is no Azure Firewall`;
    return {
      status: "pass",
      resourceId: subnetId,
      message: `${label} sends 0.0.0.0/0 through Virtual WAN hub ${hub.hub.name} (connection ${hub.connection.name} with internet security, ${via}) to ${to}.`,
      expected,
      actual: `Virtual WAN hub ${hub.hub.name} → ${path.kind === "securedHub" ? `Azure Firewall ${path.firewall.name}${path.address !== undefined ? ` ${path.address}` : ""}` : nameOf(path.nextHopId)}`,
      evidence: {
        ...evidence,
        hubId: hub.hub.id,
        hubConnectionId: hub.connection.id,
        ...(hub.source.by === "routingIntent"
          ? { routingIntentId: hub.source.routingIntent.id, routingPolicy: hub.source.policy }
          : { hubRouteTableId: hub.source.table.id, hubRoute: hub.source.route }),
        ...(path.kind === "securedHub" ? { firewallId: path.firewall.id, firewallPrivateIp: path.address ?? null } : { hubNextHopId: path.nextHopId }),
        decidedBy: `hub connection ${hub.connection.name} → ${via}`,
      },
    };
  }
  const route = pathDefaultRoute(path) as Route;
  const rt = pathRouteTable(path) as RouteTable;
  return {
    status: "pass",
    resourceId: subnetId,
    message: `${label} sends 0.0.0.0/0 to ${describeNextHop(route)} through route table ${rt.name}.`,
    expected,
    actual: describeNextHop(route),
    evidence: { ...evidence, decidedBy: `route ${route.name}` },
  };
}

function describeBypass(routes: Route[]): string {
  return `${routes.map((r) => r.addressPrefix).join(", ")} → Internet`;
}

/** Routes to Internet broad enough to bypass the firewall (beside the firewall /32 and baseline prefixes). */
function bypassRoutes(
  ctx: CheckContext,
  path: EgressPath,
  table: RouteTable | undefined,
  defaultRoute: Route | undefined,
  minLength: number,
  baselineFirewall: AzureFirewall | undefined,
): { routes: Route[]; serviceTagRoutes: Route[] } {
  if (table === undefined) return { routes: [], serviceTagRoutes: [] };
  const allowedPrefixes = ctx.baseline.rules.allowedInternetPrefixes ?? [];
  const firewallAddresses: string[] = [];
  // The firewall whose public /32 may go to Internet: the one on the path, else at the baseline address.
  if (path.kind === "securedHub") firewallAddresses.push(...firewallPublicAddresses(ctx.snapshot, path.firewall));
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
