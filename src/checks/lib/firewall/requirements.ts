/**
 * Whether a firewall allows one required dependency (a baseline {@link RequiredEgress}) from the
 * pool prefixes: destination matching (FQDN wildcards, FQDN tags, application protocols, service
 * tags, prefixes, ranges, IP groups, ports, network protocols, network-rule FQDNs under the DNS
 * proxy rules of `dnsProxy.ts`) and the first-match walk over the effective rule set. Pure.
 */
import type { ApplicationRule, NetworkRule, ReadError, Snapshot } from "../../../model/snapshot.js";
import type { RequiredEgress } from "../../../baseline/baseline.js";
import { ALL_IPV4, addressSet, formatInterval, internetCovers, isInternetTag, parseAddressEntry } from "../addresses.js";
import type { Interval } from "../intervals.js";
import { intervalsCover, intervalsIntersect, subtractIntervals } from "../intervals.js";
import { fqdnCovers, sameText, serviceTagCovers } from "../names.js";
import { errorOf, resolve } from "../parts.js";
import { parsePortRange } from "../ports.js";
import { dnsProxyOf, isWildcardFqdn, networkFqdnsWork } from "./dnsProxy.js";
import type { DnsProxyState } from "./dnsProxy.js";
import type { EffectiveRuleSet, RuleRef } from "./ruleSet.js";
import { resolveSource } from "./sources.js";

/** A required dependency: a baseline {@link RequiredEgress}, optionally over a port range `port`-`portEnd`. */
export interface EgressRequirement extends RequiredEgress {
  /** Last port of a required range (`Sql.<region>` TCP 11000-11999); absent for one port. */
  portEnd?: number;
  /**
   * An FQDN tag that holds this FQDN (`AzureKubernetesService` for the AKS core endpoints, see
   * `dependencies.ts`): an application rule with that tag allows it too.
   */
  fqdnTag?: string;
  /** Addresses AKS gave for the endpoint (`endpointDetails[].ipAddress`): a network rule covering all of them reaches it. */
  addresses?: string[];
}

/**
 * Result of matching a rule against a requirement: yes, no, unknown (an unreadable IP group could
 * decide), or `fqdn`: a network rule matches only through a destination FQDN, which works only
 * under the firewall's DNS proxy rules (`otherwise` is the match without it).
 */
export type Match = DecidedMatch | { kind: "fqdn"; fqdn: string; wildcard: boolean; otherwise: DecidedMatch };
/** A match that does not depend on the DNS proxy. */
export type DecidedMatch = { kind: "yes" } | { kind: "no" } | { kind: "unknown"; errors: ReadError[] };
const YES: DecidedMatch = { kind: "yes" };
const NO: DecidedMatch = { kind: "no" };

/** The transport of a requirement: application protocols run over TCP. */
function transportOf(req: EgressRequirement): "TCP" | "UDP" {
  return req.protocol === "UDP" ? "UDP" : "TCP";
}

/** The application-rule protocol that carries a requirement (`TCP` → TLS, judged as `Https`). */
function appProtocolOf(req: EgressRequirement): string | undefined {
  if (req.kind === "serviceTag" || req.kind === "address") return undefined;
  switch (req.protocol) {
    case "Https":
    case "TCP":
      return "Https";
    case "Http":
      return "Http";
    case "Mssql":
      return "Mssql";
    default:
      return undefined;
  }
}

/** Whether one destination address entry (`*`, prefix, range, service tag) covers a requirement's destination. */
function addressEntryCovers(entry: string, req: EgressRequirement): boolean {
  const i = parseAddressEntry(entry);
  if (i !== undefined) {
    if (i.lo === ALL_IPV4.lo && i.hi === ALL_IPV4.hi) return true;
    if (req.kind !== "address") return false; // an FQDN or tag may or may not resolve into a prefix: not counted
    const r = parseAddressEntry(req.destination);
    return r !== undefined && intervalsCover([i], [r]);
  }
  if (isInternetTag(entry)) {
    if (req.kind !== "address") return true; // every required public endpoint lies in Internet
    return internetCovers(req.destination);
  }
  return req.kind === "serviceTag" && serviceTagCovers(entry, req.destination);
}

/** Whether address entries cover the addresses AKS gave for an endpoint (all of them to allow, any to deny). */
function endpointAddressesCovered(entries: readonly string[], req: EgressRequirement, mode: "allow" | "deny"): boolean {
  if (req.addresses === undefined || req.addresses.length === 0) return false;
  const wanted = addressSet(req.addresses);
  const have = addressSet(entries);
  if (wanted.length === 0 || have.length === 0) return false;
  return mode === "allow" ? intervalsCover(have, wanted) : intervalsIntersect(have, wanted);
}

function networkProtocolCovers(rule: NetworkRule, transport: "TCP" | "UDP"): boolean {
  return rule.ipProtocols.some((p) => sameText(p, "Any") || sameText(p, transport));
}

/** Allow rules must open every required port; a deny needs to close only one of them. */
function portsMatch(ports: readonly string[], req: EgressRequirement, mode: "allow" | "deny"): boolean {
  const lo = req.port;
  const hi = req.portEnd ?? req.port;
  const ranges = ports.map(parsePortRange).filter((r): r is Interval => r !== undefined);
  if (mode === "deny") return ranges.some((r) => r.lo <= hi && lo <= r.hi);
  return intervalsCover(ranges, [{ lo, hi }]);
}

/**
 * {@link destinationMatch} once per snapshot, rule and requirement: targets share requirement
 * objects (firewall-required-egress keeps one per dependency), so each rule meets each dependency
 * once per scan rather than once per target. A rule's action fixes the mode.
 */
function cachedDestinationMatch(snapshot: Snapshot, rule: NetworkRule | ApplicationRule, req: EgressRequirement, mode: "allow" | "deny"): Match {
  let byRule = destinationMatches.get(snapshot);
  if (!byRule) destinationMatches.set(snapshot, (byRule = new WeakMap()));
  let byReq = byRule.get(rule);
  if (!byReq) byRule.set(rule, (byReq = new WeakMap()));
  let match = byReq.get(req)?.[mode];
  if (match === undefined) {
    match = destinationMatch(snapshot, rule, req, mode);
    byReq.set(req, { ...byReq.get(req), [mode]: match });
  }
  return match;
}
const destinationMatches = new WeakMap<Snapshot, WeakMap<NetworkRule | ApplicationRule, WeakMap<EgressRequirement, { allow?: Match; deny?: Match }>>>();

/**
 * Whether a rule's destination, protocol and port cover a requirement (sources aside).
 * Application rules: the protocol type and port (`Https:443`, `Http:80`, `Mssql:1433`; a TCP FQDN
 * requirement is accepted on `Https`), and a covering target FQDN, the FQDN tag the requirement
 * names (a required FQDN tag, or the tag that holds a required FQDN), or `*`.
 * Network rules: `TCP`/`UDP`/`Any` and a covering port range, and a covering destination address
 * (`*`, `0.0.0.0/0`, `Internet`, a covering service tag or prefix, or prefixes covering the
 * endpoint's own addresses) or IP group; unknown when only an unreadable destination IP group
 * could decide. A covering destination FQDN gives `fqdn`: whether it counts depends on the
 * firewall's DNS proxy (see {@link evaluateRequirement}).
 */
export function destinationMatch(
  snapshot: Snapshot,
  rule: NetworkRule | ApplicationRule,
  req: EgressRequirement,
  mode: "allow" | "deny" = "allow",
): Match {
  if (rule.ruleType === "ApplicationRule") {
    const proto = appProtocolOf(req);
    if (proto === undefined || (req.portEnd !== undefined && req.portEnd !== req.port && mode === "allow")) return NO;
    const hi = req.portEnd ?? req.port;
    if (!rule.protocols.some((p) => sameText(p.protocolType, proto) && p.port >= req.port && p.port <= hi)) return NO;
    if (rule.targetFqdns.some((f) => f.trim() === "*")) return YES;
    if (req.kind === "fqdn" && rule.targetFqdns.some((f) => fqdnCovers(f, req.destination))) return YES;
    if (req.kind === "fqdnTag" && rule.fqdnTags.some((t) => sameText(t.trim(), req.destination))) return YES;
    const tag = req.fqdnTag;
    if (req.kind === "fqdn" && tag !== undefined && rule.fqdnTags.some((t) => sameText(t.trim(), tag))) return YES;
    return NO;
  }
  if (!networkProtocolCovers(rule, transportOf(req)) || !portsMatch(rule.destinationPorts, req, mode)) return NO;
  if (rule.destinationAddresses.some((a) => addressEntryCovers(a, req))) return YES;
  if (endpointAddressesCovered(rule.destinationAddresses, req, mode)) return YES;
  const errors: ReadError[] = [];
  for (const g of rule.destinationIpGroups) {
    const part = resolve(snapshot.ipGroups, g, `IP group ${g}`);
    if (!part.ok) errors.push(errorOf(part, g));
    else if (part.value.ipAddresses.some((a) => addressEntryCovers(a, req)) || endpointAddressesCovered(part.value.ipAddresses, req, mode)) return YES;
  }
  const otherwise: DecidedMatch = errors.length > 0 ? { kind: "unknown", errors } : NO;
  if (req.kind === "fqdn") {
    const hits = rule.destinationFqdns.filter((f) => fqdnCovers(f, req.destination));
    if (hits.length > 0) {
      const working = hits.find((f) => !isWildcardFqdn(f));
      return { kind: "fqdn", fqdn: (working ?? hits[0]) as string, wildcard: working === undefined, otherwise };
    }
  }
  return otherwise;
}

/** A network rule that would have allowed a requirement through a destination FQDN that cannot work. */
export interface IneffectiveFqdnRule {
  rule: RuleRef;
  fqdn: string;
  /** True for a wildcard FQDN (network rules do not support them); else DNS proxy is off. */
  wildcard: boolean;
  /** Why it cannot work, as a clause: `DNS proxy is off (<setting>)`, `network rules do not support wildcard FQDNs`. */
  reason: string;
}

/**
 * A match with the DNS proxy rules applied: a network-rule FQDN counts only when it is no wildcard
 * and the firewall's DNS proxy is on (or its state predates being read, see `dnsProxy.ts`).
 * Returns the match that decides, and why an FQDN match did not count.
 */
function effectiveMatch(dm: Match, dns: DnsProxyState): { match: DecidedMatch; notWorking?: Omit<IneffectiveFqdnRule, "rule"> } {
  if (dm.kind !== "fqdn") return { match: dm };
  if (!dm.wildcard && networkFqdnsWork(dns)) return { match: YES };
  const reason = dm.wildcard ? "network rules do not support wildcard FQDNs" : `DNS proxy is off (${dns.setting})`;
  return { match: dm.otherwise, notWorking: { fqdn: dm.fqdn, wildcard: dm.wildcard, reason } };
}

// ---------------------------------------------------------------------------------------------
// Required egress
// ---------------------------------------------------------------------------------------------

/** A rule whose match could not be decided (an IP group could not be read). */
export interface UndecidedRule {
  rule: RuleRef;
  errors: ReadError[];
}

/** How a firewall treats one required dependency from the pool subnet prefixes. */
export interface RequirementOutcome {
  /** `allowed`: every pool address reaches it; `denied`: a deny matched first; `missing`: no rule allows it. */
  status: "allowed" | "denied" | "missing" | "unknown";
  /** Allow rules that covered pool addresses, in processing order. */
  allowedBy: RuleRef[];
  /** The deny rule that matched first (status `denied`). */
  deniedBy?: RuleRef;
  /** Pool addresses no rule decided for (status `missing`), as prefixes or ranges. */
  uncovered: string[];
  /** Rules an unreadable IP group kept from being decided, before the decision. */
  undecided: UndecidedRule[];
  /** Read errors behind an `unknown` status. */
  errors: ReadError[];
  /** Network rules whose destination FQDN would have allowed it but cannot work (DNS proxy off, wildcard). */
  ineffectiveFqdnRules?: IneffectiveFqdnRule[];
}

/**
 * Walks the effective rules in processing order for one requirement and the pool prefixes, first
 * match wins per address: an allow rule takes the pool addresses its source covers; a deny rule
 * whose destination covers the requirement and whose source touches an address still open denies
 * it (the dependency counts as missing for those nodes). Allowed only when every address is taken
 * by an allow. A rule that cannot be decided (unreadable IP group) makes the result unknown when it
 * could have changed it (an undecided deny before an allow, an undecided allow before a deny or a gap).
 */
export function evaluateRequirement(
  snapshot: Snapshot,
  set: EffectiveRuleSet,
  req: EgressRequirement,
  prefixes: readonly string[],
): RequirementOutcome {
  let remaining = addressSet(prefixes);
  const allowedBy: RuleRef[] = [];
  const dns = dnsProxyOf(snapshot, set);
  const ineffective: IneffectiveFqdnRule[] = [];
  const undecidedAllow: UndecidedRule[] = [];
  const undecidedDeny: UndecidedRule[] = [];
  const finish = (status: RequirementOutcome["status"], extra: Partial<RequirementOutcome> = {}): RequirementOutcome => {
    if (ineffective.length > 0 && status !== "allowed") extra = { ...extra, ineffectiveFqdnRules: ineffective };
    const undecided = [...undecidedAllow, ...undecidedDeny];
    const uncertain = status === "allowed" ? undecidedDeny : undecidedAllow;
    if (uncertain.length > 0) {
      return {
        status: "unknown",
        allowedBy,
        uncovered: remaining.map(formatInterval),
        undecided,
        errors: uncertain.flatMap((u) => u.errors),
        ...(extra.deniedBy !== undefined ? { deniedBy: extra.deniedBy } : {}),
        ...(extra.ineffectiveFqdnRules !== undefined ? { ineffectiveFqdnRules: extra.ineffectiveFqdnRules } : {}),
      };
    }
    return { status, allowedBy, uncovered: remaining.map(formatInterval), undecided, errors: [], ...extra };
  };
  if (remaining.length === 0) {
    return { status: "unknown", allowedBy, uncovered: [], undecided: [], errors: [{ code: "NotCollected", message: "the pool subnet has no IPv4 address prefix" }] };
  }
  for (const { ref, rule } of set.rules) {
    const raw = cachedDestinationMatch(snapshot, rule, req, ref.action === "Allow" ? "allow" : "deny");
    if (raw.kind === "no") continue;
    const { match: dm, notWorking } = effectiveMatch(raw, dns);
    const src = resolveSource(snapshot, rule);
    const touches = intervalsIntersect(remaining, src.intervals);
    if (notWorking !== undefined && ref.action === "Allow" && touches) ineffective.push({ rule: ref, ...notWorking });
    if (dm.kind === "no") continue;
    if (ref.action === "Allow") {
      if (dm.kind === "yes" && touches) {
        remaining = subtractIntervals(remaining, src.intervals);
        allowedBy.push(ref);
      }
      // An unreadable IP group (source or destination) might have taken addresses still open.
      const undecided = dm.kind === "unknown" ? touches || src.errors.length > 0 : src.errors.length > 0 && remaining.length > 0;
      if (undecided) {
        undecidedAllow.push({ rule: ref, errors: [...(dm.kind === "unknown" ? dm.errors : []), ...src.errors] });
      }
      if (remaining.length === 0) return finish("allowed");
    } else {
      if (dm.kind === "yes" && touches) return finish("denied", { deniedBy: ref });
      if (touches || src.errors.length > 0) {
        undecidedDeny.push({ rule: ref, errors: [...(dm.kind === "unknown" ? dm.errors : []), ...src.errors] });
      }
    }
  }
  return finish("missing");
}

/** `*.blob.core.windows.net Https:443`, `FQDN tag AzureKubernetesService Https:443`, `AzureCloud.eastus UDP:1194`. */
export function describeRequirement(req: EgressRequirement): string {
  const what = req.kind === "fqdnTag" ? `FQDN tag ${req.destination}` : req.destination;
  return `${what} ${req.protocol}:${portText(req)}`;
}

/** A stable key of a requirement (the finding item): `fqdn *.blob.core.windows.net Https:443`. */
export function requirementKey(req: EgressRequirement): string {
  return `${req.kind} ${req.destination.toLowerCase()} ${req.protocol}:${portText(req)}`;
}

function portText(req: EgressRequirement): string {
  return req.portEnd !== undefined && req.portEnd !== req.port ? `${req.port}-${req.portEnd}` : String(req.port);
}
