/** Builders of firewall rules, policies and snapshots for the firewall rule-semantics tests. */
import { effectiveRuleSet } from "../../../../src/checks/lib/firewall/ruleSet.js";
import type { EffectiveRuleSet } from "../../../../src/checks/lib/firewall/ruleSet.js";
import type { EgressRequirement } from "../../../../src/checks/lib/firewall/requirements.js";
import type { ApplicationRule, AzureFirewall, FirewallPolicy, NetworkRule, RuleCollection, Snapshot } from "../../../../src/model/snapshot.js";
import { emptySnapshot } from "../../../../src/model/snapshot.js";

export const HUB = "/subscriptions/8c0d5e21-4a6f-4b3c-a1d9-6e7f2b8c9d04/resourceGroups/rg-hub-weu/providers/Microsoft.Network";
export const POLICY = `${HUB}/firewallPolicies/fwp-child`;
export const PARENT = `${HUB}/firewallPolicies/fwp-parent`;
export const IPG = `${HUB}/ipGroups/ipg-pools`;
export const POOL = ["10.20.0.0/22"];

export function net(name: string, over: Partial<NetworkRule> = {}): NetworkRule {
  return {
    ruleType: "NetworkRule",
    name,
    ipProtocols: ["TCP"],
    sourceAddresses: ["*"],
    sourceIpGroups: [],
    destinationAddresses: [],
    destinationIpGroups: [],
    destinationFqdns: [],
    destinationPorts: ["443"],
    ...over,
  };
}
export function app(name: string, over: Partial<ApplicationRule> = {}): ApplicationRule {
  return {
    ruleType: "ApplicationRule",
    name,
    sourceAddresses: ["*"],
    sourceIpGroups: [],
    protocols: [{ protocolType: "Https", port: 443 }],
    targetFqdns: [],
    fqdnTags: [],
    webCategories: [],
    targetUrls: [],
    ...over,
  };
}
export function coll(name: string, priority: number, action: string, rules: RuleCollection["rules"]): RuleCollection {
  return { name, priority, kind: "FirewallPolicyFilterRuleCollection", action, rules };
}
export function policy(id: string, groups: [string, number, RuleCollection[]][], basePolicyId?: string): FirewallPolicy {
  const p: FirewallPolicy = {
    id,
    name: id.split("/").pop() ?? id,
    ruleCollectionGroups: groups.map(([name, priority, ruleCollections]) => ({ id: `${id}/ruleCollectionGroups/${name}`, name, priority, ruleCollections })),
  };
  if (basePolicyId !== undefined) p.basePolicyId = basePolicyId;
  return p;
}
export function fw(over: Partial<AzureFirewall> = {}): AzureFirewall {
  return { id: `${HUB}/azureFirewalls/fw-hub`, name: "fw-hub", provisioningState: "Succeeded", privateIpAddresses: ["10.0.1.4"], publicIpIds: [], firewallPolicyId: POLICY, ...over };
}
export function snapshotWith(policies: FirewallPolicy[], extra: Partial<Snapshot> = {}): Snapshot {
  const s = { ...emptySnapshot(), ...extra };
  for (const p of policies) s.firewallPolicies[p.id.toLowerCase()] = { ok: true, value: p };
  return s;
}
export function ruleSet(snapshot: Snapshot, firewall: AzureFirewall = fw()): EffectiveRuleSet {
  const set = effectiveRuleSet(snapshot, firewall);
  if (!set.ok) throw new Error(`rule set unreadable: ${set.error.message}`);
  return set.value;
}
export const https = (destination: string): EgressRequirement => ({ kind: "fqdn", destination, protocol: "Https", port: 443 });
