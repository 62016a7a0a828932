/**
 * What one target's checks read from a snapshot, as resource ids and inventory keys: the tracing
 * behind the dependency index (`dependencyIndex.ts`, DESIGN.md "Change events"). It follows the
 * snapshot's references with the checks' own helpers (the egress-path resolver, the firewall scope
 * and rule set, the hub resolver, the zone and ingress helpers), so a reference a check follows is
 * followed here the same way; it never re-decides a finding.
 *
 * Soundness rests on one argument: the checks are pure functions of the snapshot, so a finding can
 * only change when an entry it read changes (its id, or a parent's, is among `resources`) or when a
 * list it judged by absence or membership gains a member (an inventory key). Where a helper looks
 * at a whole map only to find matches (every firewall, to find the ones at an address), the map is
 * an inventory dependency only while the lookup found nothing usable (judged by absence).
 *
 * MC group contents, private DNS, role assignments: `dependencyTraceGroup.ts`. Pure.
 */
import { parseResourceId } from "../../model/resourceId.js";
import { lookup } from "../../model/snapshot.js";
import type { AzureFirewall, NetworkRule, ApplicationRule, Snapshot, Target } from "../../model/snapshot.js";
import type { BaselineRules } from "../../baseline/baseline.js";
import { egressPathOf, firewallsAt, hubResolutionOf, isAzureFirewallId, vnetIdOf } from "./egressPath.js";
import { firewallScopes } from "./firewall/scope.js";
import { effectiveRuleSet } from "./firewall/ruleSet.js";
import { sameText } from "./names.js";
import { aksClusterIdOf, subnetOf, targetSubnets } from "./target.js";
import { DependencySet, typeListKey } from "./dependencySet.js";
import { traceGroupParts } from "./dependencyTraceGroup.js";

const FIREWALLS = ["Microsoft.Network", "azureFirewalls"] as const;
const HUBS = ["Microsoft.Network", "virtualHubs"] as const;

/**
 * Traces every id the checks can read for one target. `rules` are the target's effective baseline
 * rules: `firewallResourceId` and `firewallPrivateIp` name firewalls the checks read.
 */
export function traceTarget(snapshot: Snapshot, target: Target, rules: BaselineRules): DependencySet {
  const deps = new DependencySet();
  // The target itself (a pool's clusters are its children) and its AKS cluster (agent pools are children).
  deps.add(target.id, aksClusterIdOf(target));
  const subnets = targetSubnets(snapshot, target);
  const subnetIds = subnets.ok ? subnets.value.ids : [];
  for (const subnetId of subnetIds) traceSubnet(snapshot, subnetId, deps);
  traceFirewallScopes(snapshot, target, rules, deps);
  traceGroupParts(snapshot, target, subnetIds, deps);
  return deps;
}

/** The subnet, its VNet, route table, NSG, NAT gateway, and where its `0.0.0.0/0` leads. */
function traceSubnet(snapshot: Snapshot, subnetId: string, deps: DependencySet): void {
  const vnetId = vnetIdOf(subnetId);
  // The VNet: its entry (address space, peerings, DNS servers) is read, and a VNet PUT rewrites its subnets.
  deps.add(subnetId, vnetId);
  const subnet = subnetOf(snapshot, subnetId);
  if (!subnet.ok) return;
  const s = subnet.value;
  deps.add(s.routeTableId, s.networkSecurityGroupId, s.natGatewayId);
  if (s.natGatewayId !== undefined && snapshot.natGateways !== undefined) {
    const gw = lookup(snapshot.natGateways, s.natGatewayId);
    if (gw?.ok === true) deps.add(...gw.value.publicIpIds, ...gw.value.publicIpPrefixIds);
  }
  const path = egressPathOf(snapshot, subnetId);
  switch (path.kind) {
    case "subnetUnreadable":
    case "routeTableUnreadable":
    case "nonApplianceHop":
      return;
    case "appliance": {
      const match = path.firewallsAtHop();
      for (const fw of match.firewalls) traceFirewall(snapshot, fw, deps);
      // No healthy firewall at the address: the finding rests on what the firewall lists hold (absence).
      if (!match.firewalls.some((f) => sameText(f.provisioningState, "Succeeded"))) {
        addFirewallInventories(snapshot, deps, match.home?.subscriptionId ?? parseResourceId(subnetId)?.subscriptionId);
      }
      return;
    }
    default:
      // No default route of the subnet's own: the Virtual WAN hub resolution decided (or could have).
      if (vnetId !== undefined) traceHub(snapshot, vnetId, deps);
  }
}

/** What the Virtual WAN says about a VNet: the hub that connects it, or every hub list (absence). */
function traceHub(snapshot: Snapshot, vnetId: string, deps: DependencySet): void {
  const hub = hubResolutionOf(snapshot, vnetId);
  switch (hub.kind) {
    case "none":
      if (!hub.legacy) addHubInventories(snapshot, vnetId, deps);
      return;
    case "unreadable":
      deps.add(hub.hubId);
      if (!hub.connected) addHubInventories(snapshot, vnetId, deps);
      return;
    case "unsecured":
      deps.add(hub.hub.id);
      return;
    case "secured": {
      deps.add(hub.hub.id, hub.nextHopId);
      if (!isAzureFirewallId(hub.nextHopId)) return;
      const fw = lookup(snapshot.firewalls, hub.nextHopId);
      if (fw?.ok === true) traceFirewall(snapshot, fw.value, deps);
    }
  }
}

/** The firewalls the firewall checks judge (baseline firewall, hub firewall, firewall at the next hop). */
function traceFirewallScopes(snapshot: Snapshot, target: Target, rules: BaselineRules, deps: DependencySet): void {
  for (const scope of firewallScopes(snapshot, target, rules).scopes) traceFirewall(snapshot, scope.firewall, deps);
  const baselineFw = rules.firewallResourceId;
  if (baselineFw !== undefined && baselineFw !== "") {
    deps.add(baselineFw);
    const fw = lookup(snapshot.firewalls, baselineFw);
    if (fw?.ok === true) traceFirewall(snapshot, fw.value, deps);
  }
  // `subnet-default-route` exempts the public /32 of the firewalls at the baseline address from its bypass routes.
  const ip = rules.firewallPrivateIp;
  if (ip !== undefined && ip !== "") for (const fw of firewallsAt(snapshot, ip).firewalls) traceFirewall(snapshot, fw, deps);
}

/** Ids one firewall's judgement reads, once per snapshot and firewall (targets behind it share them). */
const firewallIds = new WeakMap<Snapshot, Map<string, string[]>>();

/** The firewall, its public IPs, its policy chain (rule collection groups are the policies' children) and the IP groups its rules name. */
function traceFirewall(snapshot: Snapshot, firewall: AzureFirewall, deps: DependencySet): void {
  let bySnapshot = firewallIds.get(snapshot);
  if (!bySnapshot) firewallIds.set(snapshot, (bySnapshot = new Map<string, string[]>()));
  const key = firewall.id.toLowerCase();
  let ids = bySnapshot.get(key);
  if (!ids) {
    const set = new DependencySet();
    set.add(firewall.id, firewall.firewallPolicyId, ...firewall.publicIpIds);
    const rs = effectiveRuleSet(snapshot, firewall);
    // An unreadable chain stops at the policy that failed: the ids up to it are what was read.
    set.add(...(rs.ok ? rs.value.policyChain : rs.policyChain));
    if (rs.ok) for (const { rule } of rs.value.rules) set.add(...ipGroupsOf(rule));
    bySnapshot.set(key, (ids = [...set.resources]));
  }
  deps.add(...ids);
}

function ipGroupsOf(rule: NetworkRule | ApplicationRule): string[] {
  return rule.ruleType === "NetworkRule" ? [...rule.sourceIpGroups, ...rule.destinationIpGroups] : rule.sourceIpGroups;
}

/**
 * The firewall lists "no firewall at this address" rests on: every subscription's the snapshot
 * holds (a failed one hides a match) and the one where the address lies.
 */
function addFirewallInventories(snapshot: Snapshot, deps: DependencySet, homeSubscriptionId: string | undefined): void {
  for (const sub of Object.keys(snapshot.firewallInventory)) deps.addInventory(typeListKey(sub, ...FIREWALLS));
  if (homeSubscriptionId !== undefined) deps.addInventory(typeListKey(homeSubscriptionId, ...FIREWALLS));
}

/** The hub lists "no hub connects this VNet" rests on: every one the snapshot holds, and the VNet's subscription's. */
function addHubInventories(snapshot: Snapshot, vnetId: string, deps: DependencySet): void {
  for (const sub of Object.keys(snapshot.hubInventory ?? {})) deps.addInventory(typeListKey(sub, ...HUBS));
  const sub = parseResourceId(vnetId)?.subscriptionId;
  if (sub !== undefined) deps.addInventory(typeListKey(sub, ...HUBS));
}
