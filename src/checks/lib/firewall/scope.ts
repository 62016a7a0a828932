/**
 * Which Azure Firewall filters a target's egress, per subnet: the baseline `firewallResourceId` when
 * set, else the firewall the subnet's `0.0.0.0/0` reaches (the egress-path resolver, `egressPath.ts`:
 * the next hop of its route, or a Virtual WAN secured hub's firewall). Subnets behind one firewall form one scope. Pure.
 */
import type { AzureFirewall, ReadError, Snapshot, Target } from "../../../model/snapshot.js";
import type { BaselineRules } from "../../../baseline/baseline.js";
import { sameAddress } from "../addresses.js";
import { egressPathOf, pathChain, pathDefaultRoute, preferredFirewall, reachesAppliance } from "../egressPath.js";
import { capitalise, nameOf } from "../names.js";
import { errorOf, resolve } from "../parts.js";
import { firewallRequirementOf } from "../egress/isolated.js";
import { targetLabel, targetSubnets } from "../target.js";

/** The pool subnets whose egress one firewall filters. */
export interface FirewallScope {
  firewall: AzureFirewall;
  subnetIds: string[];
  /** IPv4 prefixes of those subnets (the sources the rules must cover). */
  prefixes: string[];
  /** How the firewall was found, per subnet. */
  foundBy: string[];
}

/** A subnet (or the target) whose firewall could not be told. */
export interface ScopeProblem {
  resourceId: string;
  message: string;
  error: ReadError;
  evidence: Record<string, unknown>;
}

/** The firewalls that filter a target's egress; empty (no scopes, no problems) when the checks do not apply. */
export interface TargetFirewalls {
  scopes: FirewallScope[];
  problems: ScopeProblem[];
  /** Target-level evidence (egress mode, why firewall egress is required). */
  evidence: Record<string, unknown>;
}

/**
 * Finds the firewall(s) that filter a target's egress. A subnet is in scope when firewall egress is
 * required (UDR target or baseline `requireFirewallEgress`) or its default route goes to a virtual
 * appliance (its own route, or a Virtual WAN secured hub). Its firewall is baseline
 * `firewallResourceId` when set, else the hub firewall of a secured hub's routing intent, else the
 * Azure Firewall at the default route's next-hop address (a `Succeeded` one first). A next hop that is a baseline
 * `approvedApplianceIps` address held by no Azure Firewall leaves the subnet out (its rules cannot be
 * read; the baseline accepts the appliance). Subnets, route tables and firewalls that cannot be read,
 * any other next hop that is no Azure Firewall, or a required subnet whose default route leads to no
 * appliance are problems (reported as unknown).
 */
export function firewallScopes(snapshot: Snapshot, target: Target, rules: BaselineRules): TargetFirewalls {
  const req = firewallRequirementOf(snapshot, target, rules);
  const evidence: Record<string, unknown> = { targetId: target.id, ...req.evidence };
  if (req.known) evidence.firewallEgressRequired = req.required ? req.reason : false;
  const result: TargetFirewalls = { scopes: [], problems: [], evidence };
  const label = targetLabel(target);
  const subnets = targetSubnets(snapshot, target);
  if (!subnets.ok) {
    result.problems.push({
      resourceId: target.id,
      message: `The subnet of ${label} could not be determined, so the firewall that filters its egress could not be found.`,
      error: subnets.error,
      evidence,
    });
    return result;
  }
  if (subnets.value.ids.length === 0) {
    if (req.known && !req.required) return result;
    result.problems.push({
      resourceId: target.id,
      message: req.known
        ? `${label} has no custom subnet, so no firewall filters its egress (see subnet-default-route).`
        : `Whether ${label} must send egress through a firewall could not be told: its egress mode could not be read.`,
      error: req.known ? { code: "NoFirewallRoute", message: `${label} has no custom subnet`, scope: target.id } : req.error,
      evidence: { ...evidence, subnetSource: subnets.value.source },
    });
    return result;
  }
  const baselineFw = rules.firewallResourceId;
  const byFirewall = new Map<string, FirewallScope>();
  for (const subnetId of subnets.value.ids) {
    const subnetLabel = `subnet ${nameOf(subnetId)} of ${label}`;
    const ev: Record<string, unknown> = { ...evidence, subnetId };
    const problem = (message: string, error: ReadError, extra: Record<string, unknown> = {}): void => {
      result.problems.push({ resourceId: subnetId, message, error, evidence: { ...ev, ...extra } });
    };
    const path = egressPathOf(snapshot, subnetId);
    if (path.kind === "subnetUnreadable") {
      problem(`${capitalise(subnetLabel)} could not be read, so its firewall rules could not be judged.`, path.error);
      continue;
    }
    const subnet = path.subnet;
    const route = pathDefaultRoute(path);
    if (path.kind === "routeTableUnreadable" && !(req.known && req.required && baselineFw !== undefined)) {
      problem(`The route table of ${subnetLabel} could not be read, so the firewall that filters its egress could not be found.`, path.error, {
        routeTableId: subnet.routeTableId,
      });
      continue;
    }
    if (path.kind === "hubUnreadable" && !(req.known && req.required && baselineFw !== undefined)) {
      // An unreadable hub elsewhere says nothing about a subnet that needs no firewall; the hub that connects its VNet does.
      if (req.known && !req.required && !path.connected) continue;
      problem(
        `Whether a Virtual WAN secured hub filters the egress of ${subnetLabel} could not be told (${path.chain[path.chain.length - 1] ?? path.error.message}), so its firewall rules could not be judged.`,
        path.error,
        { egressChain: pathChain(path) },
      );
      continue;
    }
    if (!reachesAppliance(path)) {
      if (req.known && !req.required) continue;
      if (!req.known) {
        problem(`Whether ${subnetLabel} must send egress through a firewall could not be told: its egress mode could not be read.`, req.error);
        continue;
      }
    }
    let firewall: AzureFirewall | undefined;
    let foundBy: string;
    if (baselineFw !== undefined) {
      const fw = resolve(snapshot.firewalls, baselineFw, `firewall ${baselineFw}`);
      if (!fw.ok) {
        problem(`The baseline firewall ${nameOf(baselineFw)} of ${subnetLabel} could not be read.`, errorOf(fw, baselineFw), { firewallId: baselineFw });
        continue;
      }
      firewall = fw.value;
      foundBy = `${subnetId}: baseline firewallResourceId`;
    } else if (path.kind === "securedHub") {
      firewall = path.firewall;
      foundBy = `${subnetId}: ${pathChain(path).slice(1).join(" → ")}`;
    } else if (path.kind === "hubAppliance") {
      problem(
        `Virtual WAN hub ${path.hub.hub.name} sends the egress of ${subnetLabel} to ${nameOf(path.nextHopId)}, which is no Azure Firewall, so its rules could not be judged.`,
        { code: "FirewallNotFound", message: `hub next hop ${path.nextHopId} is no Azure Firewall; the rules of another appliance cannot be read`, scope: subnetId },
        { egressChain: pathChain(path) },
      );
      continue;
    } else if (path.kind !== "appliance" || path.address === undefined || path.address === "") {
      const actual =
        path.kind === "routeTableUnreadable"
          ? "unreadable route table"
          : path.kind === "hubUnreadable"
            ? "unreadable Virtual WAN hub"
            : path.kind === "noRouteTable"
              ? "no route table"
              : route === undefined
                ? "no 0.0.0.0/0 route"
                : `0.0.0.0/0 → ${route.nextHopType}`;
      problem(
        `The default route of ${subnetLabel} leads to no firewall (${actual}; see subnet-default-route), so no firewall rules filter its egress.`,
        { code: "NoFirewallRoute", message: `${subnetLabel}: ${actual}`, scope: subnetId },
        { routeTableId: subnet.routeTableId ?? null, ...(route !== undefined ? { defaultRoute: route } : {}) },
      );
      continue;
    } else {
      const hop = path.address;
      const match = path.firewallsAtHop();
      firewall = preferredFirewall(match);
      if (firewall === undefined && (rules.approvedApplianceIps ?? []).some((a) => sameAddress(a, hop))) {
        continue; // a baseline-approved non-Azure appliance: its rules cannot be read, and the baseline accepts that
      }
      if (firewall === undefined) {
        const error: ReadError = match.readErrors[0] ?? {
          code: "FirewallNotFound",
          message: match.inventoryCollected
            ? `no Azure Firewall has private address ${hop}; the rules of another appliance cannot be read`
            : "no firewall inventory was collected",
          scope: subnetId,
        };
        problem(`No Azure Firewall was found at ${hop}, the default-route next hop of ${subnetLabel}, so its rules could not be judged.`, error, {
          defaultRoute: path.route,
          readErrors: match.readErrors,
          ...(match.home !== undefined ? { nextHopVnetId: match.home.vnetId, nextHopSubscriptionId: match.home.subscriptionId } : {}),
        });
        continue;
      }
      foundBy = `${subnetId}: route ${path.route.name} 0.0.0.0/0 → ${hop}`;
    }
    if (subnet.addressPrefixes.length === 0) {
      problem(`${capitalise(subnetLabel)} has no address prefix, so rule sources cannot be compared with it.`, {
        code: "NotCollected",
        message: `${subnetLabel} has no addressPrefix`,
        scope: subnetId,
      });
      continue;
    }
    const key = firewall.id.toLowerCase();
    const scope = byFirewall.get(key) ?? { firewall, subnetIds: [], prefixes: [], foundBy: [] };
    scope.subnetIds.push(subnetId);
    scope.prefixes.push(...subnet.addressPrefixes);
    scope.foundBy.push(foundBy);
    byFirewall.set(key, scope);
  }
  result.scopes = [...byFirewall.values()];
  return result;
}

