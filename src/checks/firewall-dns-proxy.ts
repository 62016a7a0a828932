import type { Part, ReadError, Snapshot, VirtualNetwork } from "../model/snapshot.js";
import { lookup } from "../model/snapshot.js";
import { parentResourceId } from "../model/resourceId.js";
import type { Check, CheckContext, CheckResult } from "./lib/types.js";
import { sameAddress } from "./lib/addresses.js";
import { dnsProxyOf, networkFqdnRulesFor } from "./lib/firewall/dnsProxy.js";
import type { DnsProxyState, NetworkFqdnRule } from "./lib/firewall/dnsProxy.js";
import { ruleSetEvidence, ruleSetLabel, scopeEvidence, subnetsLabel, unreadablePolicyLabel } from "./lib/firewall/labels.js";
import { effectiveRuleSet } from "./lib/firewall/ruleSet.js";
import type { EffectiveRuleSet } from "./lib/firewall/ruleSet.js";
import { firewallScopes } from "./lib/firewall/scope.js";
import type { FirewallScope } from "./lib/firewall/scope.js";
import { dedupeIds, nameOf } from "./lib/names.js";
import { notCollected, unknownResult } from "./lib/parts.js";
import { targetLabel } from "./lib/target.js";

/** The item of the one finding on a firewall when no network rule with FQDNs applies (or its rules cannot be read). */
const NONE_ITEM = "network-rule-fqdns";
const EXPECTED_RULE = "destination FQDNs resolved by the firewall's DNS proxy";

/**
 * `firewall-dns-proxy` (reference §8.8): a network rule that applies to the target's subnets and
 * names destination FQDNs needs the firewall's DNS proxy on (an FQDN in a network rule is resolved
 * by the proxy, else it matches nothing), may not use wildcards (network rules do not support
 * them), and where the target VNet sets custom DNS servers they must include the firewall's private
 * IP (else nodes and firewall may resolve a name to different addresses and the connection is
 * denied). One finding per rule problem; one pass on the firewall when no such rule applies.
 */
export const firewallDnsProxy: Check = {
  meta: {
    id: "firewall-dns-proxy",
    title: "Network-rule FQDNs resolve through the firewall's DNS proxy",
    defaultSeverity: "medium",
    risk:
      "A network rule's destination FQDN matches only when the firewall's DNS proxy is on and the name has no wildcard, " +
      "so otherwise the rule silently allows (or denies) nothing; and when nodes resolve names through other DNS servers " +
      "than the firewall, the two can get different addresses and the firewall drops connections the rule should allow.",
    remediation:
      "Turn DNS proxy on in the firewall's own policy (a parent policy's DNS settings do not apply): az network firewall " +
      "policy update -g <rg> -n <policy> --enable-dns-proxy true (Bicep: dnsSettings: { enableProxy: true }); for a " +
      "firewall with classic rules, az network firewall update -g <rg> -n <firewall> --enable-dns-proxy true. Move wildcard " +
      "FQDNs from network rules to application rules (az network firewall policy rule-collection-group collection " +
      "add-filter-collection ... --rule-type ApplicationRule --target-fqdns '*.example.com'). Point the virtual network's " +
      "custom DNS servers at the firewall's private IP: az network vnet update -g <rg> -n <vnet> --dns-servers " +
      "<firewallPrivateIp>.",
    requires: ["pools", "aksClusters", "subnets", "routeTables", "virtualNetworks", "firewalls", "firewallInventory", "firewallPolicies", "ipGroups"],
    parameters: [],
  },
  evaluate(ctx: CheckContext): CheckResult[] {
    const { snapshot, target, baseline } = ctx;
    const found = firewallScopes(snapshot, target, baseline.rules);
    const out: CheckResult[] = found.problems.map((p) =>
      unknownResult(p.resourceId, p.message, p.error, { expected: EXPECTED_RULE, evidence: p.evidence }),
    );
    for (const scope of found.scopes) out.push(...judgeScope(ctx, scope, found.evidence));
    return out;
  },
};

function judgeScope(ctx: CheckContext, scope: FirewallScope, targetEvidence: Record<string, unknown>): CheckResult[] {
  const { snapshot, target } = ctx;
  const base = scopeEvidence(targetEvidence, scope);
  const from = `${subnetsLabel(scope)} of ${targetLabel(target)}`;
  const set = effectiveRuleSet(snapshot, scope.firewall);
  if (!set.ok) {
    return [
      unknownResult(
        set.resourceId,
        `${unreadablePolicyLabel(set, scope.firewall)} could not be read, so whether its network rules for ${from} name FQDNs that resolve is unknown.`,
        set.error,
        { item: NONE_ITEM, expected: EXPECTED_RULE, evidence: { ...base, ...ruleSetEvidence(set) } },
      ),
    ];
  }
  const rs = set.value;
  const where = ruleSetLabel(rs);
  const dns = dnsProxyOf(snapshot, rs);
  const evidence = { ...base, ...ruleSetEvidence(set), dnsProxy: dnsEvidence(dns) };
  const rules = networkFqdnRulesFor(snapshot, rs, scope.prefixes);
  if (rules.applying.length === 0 && rules.uncertain.length === 0) {
    return [
      {
        status: "pass",
        resourceId: scope.firewall.id,
        item: NONE_ITEM,
        message: `No network rule of ${where} that applies to ${from} names destination FQDNs, so none depends on the DNS proxy.`,
        expected: EXPECTED_RULE,
        actual: "no network rule with destination FQDNs applies",
        evidence,
      },
    ];
  }
  const out: CheckResult[] = [];
  for (const r of rules.applying) out.push(...judgeRule(rs, r, dns, from, evidence));
  for (const r of rules.uncertain) {
    // Whether the rule applies is unknown; it matters only if the rule has a problem.
    if (dns.kind === "on" && r.wildcards.length === 0) continue;
    const [first] = r.errors;
    out.push(
      unknownResult(
        rs.resourceId,
        `Whether network rule ${r.ref.path} of ${where}, which names destination FQDNs${problemsOf(r, dns)}, applies to ${from} is unknown: an IP group of its sources could not be read.`,
        first ?? notCollected(rs.resourceId, "an IP group"),
        { item: proxyItem(r), expected: EXPECTED_RULE, evidence: { ...evidence, ...ruleEvidence(r), readErrors: r.errors } },
      ),
    );
  }
  out.push(...judgeVnetDns(snapshot, scope, rules.applying, rules.uncertain, from, evidence));
  return out;
}

function proxyItem(r: NetworkFqdnRule): string {
  return `${r.ref.path}: DNS proxy`;
}

function problemsOf(r: NetworkFqdnRule, dns: DnsProxyState): string {
  const problems: string[] = [];
  if (dns.kind === "off") problems.push("with DNS proxy off");
  if (dns.kind === "notCollected") problems.push("with a DNS proxy state that was not collected");
  if (r.wildcards.length > 0) problems.push(`with wildcard FQDN ${r.wildcards.join(", ")}`);
  return problems.length > 0 ? ` ${problems.join(" and ")}` : "";
}

function dnsEvidence(dns: DnsProxyState): Record<string, unknown> {
  return { state: dns.kind, setting: dns.setting };
}

function ruleEvidence(r: NetworkFqdnRule): Record<string, unknown> {
  return { rule: r.ref, destinationFqdns: r.rule.destinationFqdns, destinationPorts: r.rule.destinationPorts, ipProtocols: r.rule.ipProtocols };
}

/** The DNS-proxy finding of one applying rule, and a failure per wildcard problem. */
function judgeRule(rs: EffectiveRuleSet, r: NetworkFqdnRule, dns: DnsProxyState, from: string, base: Record<string, unknown>): CheckResult[] {
  const where = ruleSetLabel(rs);
  const evidence = { ...base, ...ruleEvidence(r) };
  const fqdns = r.rule.destinationFqdns.join(", ");
  const rule = `Network rule ${r.ref.path} (${r.ref.action}, destination FQDNs ${fqdns}) of ${where} applies to ${from}`;
  const out: CheckResult[] = [];
  if (dns.kind === "notCollected") {
    out.push(
      unknownResult(rs.resourceId, `${rule}; whether DNS proxy is on could not be told (${dns.setting} was not collected).`, dns.error, {
        item: proxyItem(r),
        expected: "DNS proxy on",
        evidence,
      }),
    );
  } else {
    const on = dns.kind === "on";
    out.push({
      status: on ? "pass" : "fail",
      resourceId: rs.resourceId,
      item: proxyItem(r),
      message: on
        ? `${rule} and DNS proxy is on (${dns.setting})${r.wildcards.length > 0 ? "; its wildcard FQDNs are judged separately" : ", so the firewall resolves its FQDNs"}.`
        : `${rule} but DNS proxy is off (${dns.setting}), so the firewall cannot resolve its FQDNs and the rule matches nothing.`,
      expected: "DNS proxy on",
      actual: on ? "DNS proxy on" : "DNS proxy off",
      evidence,
    });
  }
  if (r.wildcards.length > 0) {
    out.push({
      status: "fail",
      resourceId: rs.resourceId,
      item: `${r.ref.path}: wildcard FQDN`,
      message: `${rule} and uses wildcard FQDN ${r.wildcards.join(", ")}, which network rules do not support (use an application rule).`,
      expected: "no wildcard FQDN in a network rule",
      actual: `wildcard ${r.wildcards.join(", ")}`,
      evidence: { ...evidence, wildcardFqdns: r.wildcards },
    });
  }
  return out;
}

/**
 * Where network-rule FQDNs apply (certainly, or possibly: `uncertain`), the VNets of the scope's
 * subnets that set custom DNS servers must include the firewall's private IP.
 */
function judgeVnetDns(
  snapshot: Snapshot,
  scope: FirewallScope,
  applying: NetworkFqdnRule[],
  uncertain: Array<NetworkFqdnRule & { errors: ReadError[] }>,
  from: string,
  base: Record<string, unknown>,
): CheckResult[] {
  const fw = scope.firewall;
  const item = `dns-servers for firewall ${fw.name}`;
  const expected = `Azure-provided DNS, or custom DNS servers including the firewall's private IP ${fw.privateIpAddresses.join(", ")}`;
  const rulesEvidence = { networkFqdnRules: applying.map((r) => r.ref.path), ...(uncertain.length > 0 ? { possiblyApplyingRules: uncertain.map((r) => r.ref.path) } : {}) };
  const vnetIds = dedupeIds(scope.subnetIds.map((id) => parentResourceId(id) ?? id));
  return vnetIds.map((vnetId): CheckResult => {
    const evidence = { ...base, vnetId, ...rulesEvidence };
    const part = vnetPart(snapshot, vnetId);
    if (!part.ok) {
      return unknownResult(vnetId, `The DNS servers of virtual network ${nameOf(vnetId)} of ${from} are unknown (${part.error.code}), so whether they include firewall ${fw.name} is unknown.`, part.error, {
        item,
        expected,
        evidence,
      });
    }
    const servers = part.value.dnsServers;
    const pass = (message: string, actual: string): CheckResult => ({ status: "pass", resourceId: vnetId, item, message, expected, actual, evidence: { ...evidence, dnsServers: servers } });
    if (servers.length === 0) {
      return pass(`Virtual network ${part.value.name} of ${from} sets no custom DNS servers (Azure-provided DNS), so there is none that should point at firewall ${fw.name}.`, "Azure-provided DNS");
    }
    if (servers.some((s) => fw.privateIpAddresses.some((ip) => sameAddress(s, ip)))) {
      return pass(`Virtual network ${part.value.name} of ${from} resolves names through firewall ${fw.name} (${servers.join(", ")}).`, `DNS servers ${servers.join(", ")}`);
    }
    const message = `Virtual network ${part.value.name} of ${from} uses DNS servers ${servers.join(", ")}, not firewall ${fw.name} (${fw.privateIpAddresses.join(", ")}), while network rules with FQDNs ${applying.length > 0 ? "apply" : "may apply"} to it, so nodes and firewall may resolve names to different addresses.`;
    if (applying.length === 0) {
      const [first] = uncertain.flatMap((r) => r.errors);
      return unknownResult(vnetId, message, first ?? notCollected(vnetId, "an IP group"), { item, expected, evidence: { ...evidence, dnsServers: servers } });
    }
    return { status: "fail", resourceId: vnetId, item, message, expected, actual: `DNS servers ${servers.join(", ")}`, evidence: { ...evidence, dnsServers: servers } };
  });
}

/** The VNet, or why it is not known: a snapshot without VNets predates reading them. */
function vnetPart(snapshot: Snapshot, vnetId: string): Part<VirtualNetwork> {
  if (snapshot.virtualNetworks === undefined) {
    return { ok: false, error: { code: "NotCollected", message: "virtual networks were not collected by the version that wrote this snapshot", scope: vnetId } };
  }
  const part = lookup(snapshot.virtualNetworks, vnetId);
  if (part === undefined) return { ok: false, error: notCollected(vnetId, `virtual network ${vnetId}`) };
  return part.ok ? part : { ok: false, error: part.error.scope !== undefined ? part.error : { ...part.error, scope: vnetId } };
}
