/**
 * Over-broad allow rules: allow rules that apply to the pool prefixes and defeat egress control
 * (any FQDN, any address, `Internet`, prefixes that add up to everything, huge port ranges), with
 * whole-rule shadowing by an earlier deny-everything rule. Pure.
 */
import type { ApplicationRule, NetworkRule, ReadError, Snapshot } from "../../../model/snapshot.js";
import { ALL_IPV4, addressSet, isAllAddresses, isInternetTag, parseAddressEntry } from "../addresses.js";
import type { Interval } from "../intervals.js";
import { intervalsCover, intervalsIntersect } from "../intervals.js";
import { sameText } from "../names.js";
import { errorOf, resolve } from "../parts.js";
import { portRangeWidth } from "../ports.js";
import type { EffectiveRuleSet, RuleRef } from "./ruleSet.js";
import { resolveSource } from "./sources.js";

/** An allow rule that applies to the pool subnet and defeats egress control (or may: `unknown`). */
export interface OverbroadRule {
  status: "fail" | "unknown";
  ref: RuleRef;
  /** Why it is over-broad: `target FQDN *`, `destination *`, `port range 1-65535 (65535 ports)`, ... */
  reasons: string[];
  /** Read errors (IP groups) behind an `unknown`. */
  errors: ReadError[];
}

/** The result of scanning a rule set for over-broad allow rules. */
export interface OverbroadScan {
  rules: OverbroadRule[];
  /** Allow rules that apply to the pool subnet and were examined. */
  examined: number;
  /** Over-broad allow rules that an earlier deny-everything rule shadows entirely (not counted). */
  shadowed: { ref: RuleRef; reasons: string[]; shadowedBy: string }[];
}

const ALL_NET_PROTOCOLS = ["TCP", "UDP", "ICMP"];

function netProtocols(rule: NetworkRule): string[] {
  const out = new Set<string>();
  for (const p of rule.ipProtocols) {
    if (sameText(p, "Any")) ALL_NET_PROTOCOLS.forEach((x) => out.add(x));
    else out.add(p.trim().toUpperCase());
  }
  return [...out];
}

function appProtocolKeys(rule: ApplicationRule): string[] {
  return rule.protocols.map((p) => `${p.protocolType.toLowerCase()}:${p.port}`);
}

/**
 * Allow rules whose source touches the pool prefixes and that defeat egress control: an
 * application rule with target FQDN `*`; a network rule whose destination is `*`, `0.0.0.0/0`,
 * `Internet`, prefixes that together cover `0.0.0.0/0`, or an IP group that does; any destination
 * port range wider than `maxPortRangeWidth` (`*` = 65535 ports; ICMP-only rules have no ports).
 * A rule is skipped when an earlier deny rule whose source covers every pool prefix already denies
 * everything it could allow (deny `*` on all ports for its protocols, or application deny `*` on its
 * protocols); partial shadowing is not modelled, so such rules still count.
 */
export function findOverbroadRules(
  snapshot: Snapshot,
  set: EffectiveRuleSet,
  prefixes: readonly string[],
  maxPortRangeWidth: number,
): OverbroadScan {
  const pool = addressSet(prefixes);
  const out: OverbroadScan = { rules: [], examined: 0, shadowed: [] };
  const deniedNet = new Map<string, string>(); // protocol → path of the deny-everything rule
  const deniedApp = new Map<string, string>(); // protocol:port → path
  for (const { ref, rule } of set.rules) {
    const src = resolveSource(snapshot, rule);
    if (ref.action === "Deny") {
      if (src.errors.length === 0 && intervalsCover(src.intervals, pool)) recordDenyAll(rule, ref, deniedNet, deniedApp);
      continue;
    }
    const touches = intervalsIntersect(pool, src.intervals);
    if (!touches && src.errors.length === 0) continue;
    if (touches) out.examined++;
    const { reasons, errors } = broadness(snapshot, rule, maxPortRangeWidth);
    if (reasons.length === 0 && errors.length === 0) continue;
    const shadow = shadowOf(rule, deniedNet, deniedApp);
    if (shadow !== undefined) {
      out.shadowed.push({ ref, reasons, shadowedBy: shadow });
      continue;
    }
    const allErrors = [...errors, ...(touches ? [] : src.errors)];
    out.rules.push({ status: reasons.length > 0 && touches ? "fail" : "unknown", ref, reasons, errors: allErrors });
  }
  return out;
}

function broadness(snapshot: Snapshot, rule: NetworkRule | ApplicationRule, maxWidth: number): { reasons: string[]; errors: ReadError[] } {
  const reasons: string[] = [];
  const errors: ReadError[] = [];
  if (rule.ruleType === "ApplicationRule") {
    if (rule.targetFqdns.some((f) => f.trim() === "*")) reasons.push("target FQDN *");
    return { reasons, errors };
  }
  for (const a of rule.destinationAddresses) {
    if (a.trim() === "*" || isAllAddresses(a) || isInternetTag(a)) reasons.push(`destination ${a.trim()}`);
  }
  if (reasons.length === 0) {
    const prefixes = rule.destinationAddresses.map(parseAddressEntry).filter((i): i is Interval => i !== undefined);
    if (prefixes.length > 1 && intervalsCover(prefixes, [ALL_IPV4])) reasons.push(`destinations ${rule.destinationAddresses.join(", ")} cover 0.0.0.0/0`);
  }
  for (const g of rule.destinationIpGroups) {
    const part = resolve(snapshot.ipGroups, g, `IP group ${g}`);
    if (!part.ok) {
      errors.push(errorOf(part, g));
      continue;
    }
    const entries = part.value.ipAddresses;
    const intervals = entries.map(parseAddressEntry).filter((i): i is Interval => i !== undefined);
    if (intervalsCover(intervals, [ALL_IPV4]) || entries.some((e) => isInternetTag(e))) {
      reasons.push(`destination IP group ${part.value.name} covers 0.0.0.0/0`);
    }
  }
  const portless = netProtocols(rule).every((p) => p === "ICMP");
  if (!portless) {
    for (const p of rule.destinationPorts) {
      const width = portRangeWidth(p);
      if (width > maxWidth) reasons.push(`port range ${p.trim()} (${width} ports)`);
    }
  }
  return { reasons, errors };
}

function recordDenyAll(
  rule: NetworkRule | ApplicationRule,
  ref: RuleRef,
  deniedNet: Map<string, string>,
  deniedApp: Map<string, string>,
): void {
  if (rule.ruleType === "ApplicationRule") {
    if (!rule.targetFqdns.some((f) => f.trim() === "*")) return;
    for (const k of appProtocolKeys(rule)) if (!deniedApp.has(k)) deniedApp.set(k, ref.path);
    return;
  }
  const allDest = rule.destinationAddresses.some((a) => isAllAddresses(a));
  const allPorts = rule.destinationPorts.some((p) => portRangeWidth(p) >= 65535);
  if (!allDest || !allPorts) return;
  for (const p of netProtocols(rule)) if (!deniedNet.has(p)) deniedNet.set(p, ref.path);
}

function shadowOf(rule: NetworkRule | ApplicationRule, deniedNet: Map<string, string>, deniedApp: Map<string, string>): string | undefined {
  if (rule.ruleType === "NetworkRule") {
    const protos = netProtocols(rule);
    if (protos.length === 0 || !protos.every((p) => deniedNet.has(p))) return undefined;
    return deniedNet.get(protos[0] ?? "");
  }
  if (deniedNet.has("TCP")) return deniedNet.get("TCP");
  const keys = appProtocolKeys(rule);
  if (keys.length === 0 || !keys.every((k) => deniedApp.has(k))) return undefined;
  return deniedApp.get(keys[0] ?? "");
}
