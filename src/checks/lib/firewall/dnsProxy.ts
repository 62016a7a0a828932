/**
 * Azure Firewall DNS proxy and FQDNs in network rules (reference §8.8): a network rule's destination
 * FQDN only works when the firewall's DNS proxy is on, and never when it is a wildcard (network
 * rules do not support them). Shared by `firewall-dns-proxy` (which judges the settings) and
 * `firewall-required-egress` (where an endpoint allowed only by an FQDN that cannot work is
 * missing). Pure.
 */
import type { NetworkRule, ReadError, Snapshot } from "../../../model/snapshot.js";
import { addressSet } from "../addresses.js";
import { intervalsIntersect } from "../intervals.js";
import { nameOf } from "../names.js";
import type { EffectiveRuleSet, RuleRef } from "./ruleSet.js";
import { resolveSource } from "./sources.js";

/** Whether the firewall's DNS proxy is on, and which setting said so. */
export type DnsProxyState =
  | { kind: "on"; setting: string }
  | { kind: "off"; setting: string }
  /** The snapshot predates reading DNS settings: the proxy state is unknown. */
  | { kind: "notCollected"; setting: string; error: ReadError };

/**
 * Whether the snapshot was written by a version that reads DNS settings (policy `dnsSettings`,
 * classic `additionalProperties`, VNet `dhcpOptions`). They came with the per-cluster dependency
 * lists (issue 13), so the presence of `outboundDependencies` marks it. A setting stated as `false`
 * is off in any snapshot; an absent one is off (ARM leaves `enableProxy` out when it is off) only in
 * such a snapshot, and unknown in one written before.
 */
export function dnsSettingsCollected(snapshot: Snapshot): boolean {
  return snapshot.outboundDependencies !== undefined;
}

/**
 * The DNS proxy state that applies to a firewall: its own policy's `dnsSettings.enableProxy` (a
 * parent policy's DNS settings do not matter: a child inherits rules from its `basePolicy`, and the
 * firewall runs the settings of the policy attached to it), or, for a firewall without a policy,
 * the classic `additionalProperties["Network.DNS.EnableProxy"]`.
 */
export function dnsProxyOf(snapshot: Snapshot, rs: EffectiveRuleSet): DnsProxyState {
  // Once per rule set (itself kept per snapshot and firewall): every requirement of every target asks.
  let state = states.get(rs);
  if (state === undefined) states.set(rs, (state = readDnsProxy(snapshot, rs)));
  return state;
}
const states = new WeakMap<EffectiveRuleSet, DnsProxyState>();

function readDnsProxy(snapshot: Snapshot, rs: EffectiveRuleSet): DnsProxyState {
  let enabled: boolean | undefined;
  let setting: string;
  let read = dnsSettingsCollected(snapshot);
  if (rs.kind === "policy" && rs.policyId !== undefined) {
    const own = rs.ownPolicy;
    enabled = own?.dnsProxyEnabled;
    // A policy whose `dnsSettings.servers` was normalised (to [] when absent) had its DNS settings read.
    if (own?.dnsServers !== undefined) read = true;
    setting = `dnsSettings.enableProxy of firewall policy ${nameOf(rs.policyId)}`;
  } else {
    enabled = rs.firewall.classicDnsProxyEnabled;
    setting = `additionalProperties["Network.DNS.EnableProxy"] of firewall ${rs.firewall.name}`;
  }
  if (enabled === true) return { kind: "on", setting };
  if (enabled === false || read) return { kind: "off", setting };
  return {
    kind: "notCollected",
    setting,
    error: {
      code: "NotCollected",
      message: `${setting} was not collected (the snapshot was written before DNS settings were read)`,
      scope: rs.resourceId,
    },
  };
}

/** A network-rule FQDN with a wildcard (`*.example.com`, `*`): never resolved by the firewall. */
export function isWildcardFqdn(fqdn: string): boolean {
  return fqdn.includes("*");
}

/**
 * Whether the network-rule FQDNs of a rule set resolve: DNS proxy on. When the state was not
 * collected (a snapshot from before), they are judged as before (as working), and
 * `firewall-dns-proxy` reports the state unknown.
 */
export function networkFqdnsWork(state: DnsProxyState): boolean {
  return state.kind !== "off";
}

/** A network rule with destination FQDNs, where it sits, and its wildcard FQDNs. */
export interface NetworkFqdnRule {
  ref: RuleRef;
  rule: NetworkRule;
  /** Its wildcard destination FQDNs (never resolved). */
  wildcards: string[];
}

/** The network rules with destination FQDNs that apply to some prefixes. */
export interface NetworkFqdnRules {
  /** Rules whose sources cover some of the prefixes. */
  applying: NetworkFqdnRule[];
  /** Rules whose sources use an IP group that could not be read: whether they apply is unknown. */
  uncertain: Array<NetworkFqdnRule & { errors: ReadError[] }>;
}

/**
 * The network rules of a rule set, in processing order, that name destination FQDNs and whose
 * sources touch the prefixes (allow and deny alike: a deny by FQDN also needs the proxy to match).
 */
export function networkFqdnRulesFor(snapshot: Snapshot, rs: EffectiveRuleSet, prefixes: readonly string[]): NetworkFqdnRules {
  const pool = addressSet(prefixes);
  const out: NetworkFqdnRules = { applying: [], uncertain: [] };
  for (const { ref, rule } of rs.rules) {
    if (rule.ruleType !== "NetworkRule" || rule.destinationFqdns.length === 0) continue;
    const entry: NetworkFqdnRule = { ref, rule, wildcards: rule.destinationFqdns.filter(isWildcardFqdn) };
    const src = resolveSource(snapshot, rule);
    if (intervalsIntersect(pool, src.intervals)) out.applying.push(entry);
    else if (src.errors.length > 0) out.uncertain.push({ ...entry, errors: src.errors });
  }
  return out;
}
