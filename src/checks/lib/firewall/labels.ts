/**
 * Labels and evidence shared by the firewall checks' findings: the scope's evidence, its subnets,
 * the rule set and the policy that could not be read. Built the same way by both checks, so the
 * same firewall reads the same in every finding.
 */
import type { AzureFirewall } from "../../../model/snapshot.js";
import { nameOf } from "../names.js";
import type { RuleSetResult } from "./ruleSet.js";
import type { FirewallScope } from "./scope.js";

/** The evidence every finding about a firewall scope starts with: the target's, then the firewall and how it was found. */
export function scopeEvidence(targetEvidence: Record<string, unknown>, scope: FirewallScope): Record<string, unknown> {
  return { ...targetEvidence, firewallId: scope.firewall.id, subnetIds: scope.subnetIds, subnetPrefixes: scope.prefixes, firewallFoundBy: scope.foundBy };
}

/** `subnet a` or `subnets a, b`: the scope's subnets by name, for messages. */
export function subnetsLabel(scope: FirewallScope): string {
  const names = scope.subnetIds.map(nameOf);
  return names.length === 1 ? `subnet ${names[0] ?? ""}` : `subnets ${names.join(", ")}`;
}

/**
 * Where a firewall's rules came from, for evidence: its policy and the policy chain (also of a
 * chain that could not be read), or its classic rule collections.
 */
export function ruleSetEvidence(set: RuleSetResult): Record<string, unknown> {
  if (!set.ok) return { firewallPolicyId: set.resourceId, policyChain: set.policyChain };
  const rs = set.value;
  return rs.kind === "policy" ? { firewallPolicyId: rs.policyId, policyChain: rs.policyChain } : { ruleSource: "classic rule collections" };
}

/** `firewall policy fwp-egress (firewall fw-hub)` or `firewall fw-hub (classic rules)`. */
export function ruleSetLabel(set: { kind: "policy" | "classic"; policyId?: string; firewall: AzureFirewall }): string {
  return set.kind === "policy" && set.policyId !== undefined
    ? `firewall policy ${nameOf(set.policyId)} (firewall ${set.firewall.name})`
    : `firewall ${set.firewall.name} (classic rules)`;
}

/** Names the policy whose read failed: the firewall's own, or a parent of it. */
export function unreadablePolicyLabel(failure: { resourceId: string; policyChain: string[] }, firewall: AzureFirewall): string {
  const failing = failure.policyChain[failure.policyChain.length - 1] ?? failure.resourceId;
  return failing.toLowerCase() === failure.resourceId.toLowerCase()
    ? `Firewall policy ${nameOf(failure.resourceId)} of firewall ${firewall.name}`
    : `Parent policy ${nameOf(failing)} of firewall policy ${nameOf(failure.resourceId)} (firewall ${firewall.name})`;
}
