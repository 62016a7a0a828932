/**
 * NSG semantics used by `subnet-nsg-inbound`: the traffic a rule matches (protocols and port sets,
 * `ports.ts`), internet sources (what the `Internet` tag covers is defined once, in `addresses.ts`)
 * and Azure's inbound rule evaluation (lowest priority number first, first match wins, default
 * rules last). Pure.
 *
 * Only traffic that starts on the internet is modelled: a rule "covers" an internet flow when its
 * sources cover every internet source of that flow (`*`, `Any`, `Internet`, `0.0.0.0/0`, or a
 * containing prefix), its destinations cover the flow's destinations, its source ports are all
 * ports, and its protocol/port set includes the flow's. Anything less is treated as not covering,
 * so a partly shadowed Allow rule still counts as reachable: over-reporting, never under-reporting.
 */
import type { NetworkSecurityGroup, SecurityRule } from "../../model/snapshot.js";
import { internetCovers, isNonInternetPrefix, isWholeInternet, parseIpv4Prefix, prefixContains } from "./addresses.js";
import { sameText } from "./names.js";
import { ALL_PORTS, NO_PORTS, describePorts, isAllPorts, parsePortRanges, subtractPorts } from "./ports.js";
import type { PortSet } from "./ports.js";

// ---------------------------------------------------------------------------------------------
// Traffic (protocol + destination ports)
// ---------------------------------------------------------------------------------------------

/** Port-less protocols an NSG rule can name. */
const PORTLESS = ["Icmp", "Esp", "Ah"] as const;

/** What a rule admits or covers: TCP and UDP ports, and port-less protocols by name. */
export interface Traffic {
  tcp: PortSet;
  udp: PortSet;
  /** Port-less protocols (`Icmp`, `Esp`, `Ah`, or an unrecognised protocol name). */
  other: string[];
}

/** No traffic at all. */
export const NO_TRAFFIC: Traffic = { tcp: NO_PORTS, udp: NO_PORTS, other: [] };

/**
 * The traffic a rule matches. `role` decides how unreadable ports are read: a rule being judged
 * admits every port, a rule that might shadow it covers none (fail safe either way). Protocol `*` includes the port-less protocols
 * only when its ports are `*` (whether Azure matches ICMP against a port-restricted `*` rule is
 * not documented; this reading never hides an Allow).
 */
export function trafficOf(rule: SecurityRule, role: "admits" | "covers"): Traffic {
  const parsed = parsePortRanges(rule.destinationPortRanges);
  const ports = parsed ?? (role === "admits" ? ALL_PORTS : NO_PORTS);
  const protocol = rule.protocol.trim();
  if (protocol === "*" || sameText(protocol, "any") || protocol === "") {
    return { tcp: ports, udp: ports, other: isAllPorts(ports) ? [...PORTLESS] : [] };
  }
  if (sameText(protocol, "tcp")) return { tcp: ports, udp: NO_PORTS, other: [] };
  if (sameText(protocol, "udp")) return { tcp: NO_PORTS, udp: ports, other: [] };
  const known = PORTLESS.find((p) => sameText(p, protocol));
  return { tcp: NO_PORTS, udp: NO_PORTS, other: [known ?? protocol] };
}

/** `a` without `b`. */
export function subtractTraffic(a: Traffic, b: Traffic): Traffic {
  return {
    tcp: subtractPorts(a.tcp, b.tcp),
    udp: subtractPorts(a.udp, b.udp),
    other: a.other.filter((p) => !b.other.some((q) => sameText(p, q))),
  };
}

/** True when nothing is left (no port, no port-less protocol). */
export function isNoTraffic(t: Traffic): boolean {
  return t.tcp.length === 0 && t.udp.length === 0 && t.other.length === 0;
}

/** `Tcp 22, 3389; Udp *; Icmp`. */
export function describeTraffic(t: Traffic): string {
  const parts: string[] = [];
  if (t.tcp.length > 0) parts.push(`Tcp ${describePorts(t.tcp)}`);
  if (t.udp.length > 0) parts.push(`Udp ${describePorts(t.udp)}`);
  parts.push(...t.other);
  return parts.length > 0 ? parts.join("; ") : "nothing";
}

// ---------------------------------------------------------------------------------------------
// Addresses
// ---------------------------------------------------------------------------------------------

/**
 * True when a source prefix admits internet traffic: `*`, `Any`, `Internet`, `0.0.0.0/0`, `::/0`,
 * or a public IPv4 prefix shorter than `/<minLength>` (e.g. `0.0.0.0/1`). A narrower public prefix
 * (a partner's /32) is a deliberate exception, not "the internet"; other service tags
 * (`AzureCloud`, `AzureLoadBalancer`, `VirtualNetwork`, ...) are not the internet either.
 */
export function isInternetSource(prefix: string, minLength: number): boolean {
  if (isWholeInternet(prefix)) return true;
  const parsed = parseIpv4Prefix(prefix);
  return parsed !== undefined && parsed.length < minLength && !isNonInternetPrefix(prefix);
}

/** Whether a rule's source prefix `outer` includes every internet address of the source `inner`. */
function sourceCovers(outer: string, inner: string): boolean {
  if (isWholeInternet(outer)) return true; // only internet-origin flows are modelled: `Internet` covers `*`
  if (sameText(outer.trim(), inner.trim())) return true;
  return parseIpv4Prefix(outer) !== undefined && parseIpv4Prefix(inner) !== undefined && prefixContains(outer, inner);
}

/** Whether a rule's destination prefix `outer` includes every address of the destination `inner`. */
function destinationCovers(outer: string, inner: string): boolean {
  const o = outer.trim().toLowerCase();
  if (o === "*" || o === "any" || o === "0.0.0.0/0") return true;
  if (o === inner.trim().toLowerCase()) return true;
  const innerIsPrefix = parseIpv4Prefix(inner) !== undefined;
  if (o === "internet") return innerIsPrefix && internetCovers(inner);
  return parseIpv4Prefix(outer) !== undefined && innerIsPrefix && prefixContains(outer, inner);
}

// ---------------------------------------------------------------------------------------------
// Inbound evaluation
// ---------------------------------------------------------------------------------------------

/** Inbound rules in evaluation order: priority ascending, custom before default on a tie. */
export function inboundRules(nsg: NetworkSecurityGroup): SecurityRule[] {
  return nsg.securityRules
    .filter((r) => sameText(r.direction, "Inbound"))
    .sort((a, b) => a.priority - b.priority || Number(a.isDefault) - Number(b.isDefault));
}

/** The ARM id of a rule of an NSG (`.../securityRules/<name>` or `.../defaultSecurityRules/<name>`). */
export function ruleIdOf(nsgId: string, rule: SecurityRule): string {
  return `${nsgId}/${rule.isDefault ? "defaultSecurityRules" : "securityRules"}/${rule.name}`;
}

/** What an Allow rule lets in from the internet, after the rules before it took their share. */
export interface InternetAllow {
  rule: SecurityRule;
  /** The rule's internet sources. */
  internetSources: string[];
  /** Internet traffic that reaches this rule and is allowed by it. */
  admitted: Traffic;
  /** Earlier rules that took all or part of this rule's internet traffic (name, priority, access). */
  coveredBy: Array<{ name: string; priority: number; access: string; took: string }>;
}

/** True when `earlier` matches every internet flow of `later` (sources, destinations, source ports). */
function coversFlows(earlier: SecurityRule, later: SecurityRule, internetSources: string[]): boolean {
  const sourcePorts = parsePortRanges(earlier.sourcePortRanges);
  if (sourcePorts === undefined || !isAllPorts(sourcePorts)) return false;
  const sourcesCovered = internetSources.every((s) => earlier.sourceAddressPrefixes.some((e) => sourceCovers(e, s)));
  if (!sourcesCovered) return false;
  const destinations = later.destinationAddressPrefixes.length > 0 ? later.destinationAddressPrefixes : ["*"];
  return destinations.every((d) => earlier.destinationAddressPrefixes.some((e) => destinationCovers(e, d)));
}

/**
 * Every inbound Allow rule with an internet source, in evaluation order, with the internet traffic
 * that actually reaches it (first match wins: earlier Allow and Deny rules that cover its flows take
 * their share). Rules whose share is empty are included (admitted = nothing) so evidence can show them.
 */
export function internetAllows(nsg: NetworkSecurityGroup, minSourceLength: number): InternetAllow[] {
  const rules = inboundRules(nsg);
  const out: InternetAllow[] = [];
  rules.forEach((rule, index) => {
    if (!sameText(rule.access, "Allow")) return;
    const sources = rule.sourceAddressPrefixes.length > 0 ? rule.sourceAddressPrefixes : ["*"];
    const internetSources = sources.filter((s) => isInternetSource(s, minSourceLength));
    if (internetSources.length === 0) return;
    let admitted = trafficOf(rule, "admits");
    const coveredBy: InternetAllow["coveredBy"] = [];
    for (const earlier of rules.slice(0, index)) {
      if (isNoTraffic(admitted)) break;
      if (!coversFlows(earlier, rule, internetSources)) continue;
      const taken = trafficOf(earlier, "covers");
      const rest = subtractTraffic(admitted, taken);
      const took = subtractTraffic(admitted, rest);
      if (!isNoTraffic(took)) {
        coveredBy.push({ name: earlier.name, priority: earlier.priority, access: earlier.access, took: describeTraffic(took) });
      }
      admitted = rest;
    }
    out.push({ rule, internetSources, admitted, coveredBy });
  });
  return out;
}
