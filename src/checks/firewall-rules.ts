/**
 * Azure Firewall rule semantics shared by `firewall-required-egress` and `firewall-overbroad-allow`.
 * Pure: reads the Snapshot, never does I/O.
 *
 * - **Which firewall** judges a target's egress ({@link firewallScopes}): baseline `firewallResourceId`
 *   when set, else the Azure Firewall whose private address is the next hop of the pool subnet's
 *   `0.0.0.0/0` → `VirtualAppliance` route.
 * - **Effective rule set** ({@link effectiveRuleSet}): the firewall policy with its parent (base) chain
 *   (parent rule collection groups first), or the classic rule collections of a firewall without a
 *   policy. Order as Azure Firewall processes them: every network rule before every application rule
 *   (DNAT is not egress filtering and is skipped); within a rule type, policies from the root parent
 *   to the firewall's own, rule collection groups by priority, rule collections by priority; first
 *   match wins.
 * - **Matching** ({@link evaluateRequirement}, {@link findOverbroadRules}): FQDN wildcards, FQDN tags,
 *   application protocols, service tags (broader tag covers a regional one), IP prefixes and ranges,
 *   IP groups, port ranges, network protocols; sources must cover the pool subnet prefixes.
 */
import type {
  ApplicationRule,
  AzureFirewall,
  FirewallPolicy,
  FirewallRule,
  NetworkRule,
  Part,
  ReadError,
  RuleCollection,
  Snapshot,
  Target,
} from "../model/snapshot.js";
import type { BaselineRules, RequiredEgress } from "../baseline/baseline.js";
import {
  capitalise,
  errorOf,
  findDefaultRoute,
  firewallsAt,
  isApplianceRoute,
  nameOf,
  parseIpv4,
  parseIpv4Prefix,
  requiresFirewallEgress,
  resolve,
  routeTableOf,
  sameIpv4,
  sameText,
  subnetOf,
  targetLabel,
  targetSubnets,
} from "./common.js";

// ---------------------------------------------------------------------------------------------
// Address intervals (IPv4 as unsigned 32-bit numbers, inclusive bounds)
// ---------------------------------------------------------------------------------------------

/** An inclusive range of IPv4 addresses. */
export interface Interval {
  lo: number;
  hi: number;
}

const MAX_IPV4 = 2 ** 32 - 1;
const FULL: Interval = { lo: 0, hi: MAX_IPV4 };

/**
 * Parses a firewall address entry: `*`, `a.b.c.d`, `a.b.c.d/n` or a range `a.b.c.d-e.f.g.h` (as in
 * classic rules). Undefined for service tags and anything else.
 */
export function parseAddressEntry(text: string): Interval | undefined {
  const t = text.trim();
  if (t === "*") return { ...FULL };
  const dash = t.split("-");
  if (dash.length === 2) {
    const lo = parseIpv4(dash[0] ?? "");
    const hi = parseIpv4(dash[1] ?? "");
    return lo !== undefined && hi !== undefined && lo <= hi ? { lo, hi } : undefined;
  }
  const p = parseIpv4Prefix(t);
  if (p === undefined) return undefined;
  return { lo: p.network, hi: p.network + 2 ** (32 - p.length) - 1 };
}

/** Sorts and merges overlapping or adjacent intervals. */
export function mergeIntervals(list: readonly Interval[]): Interval[] {
  const sorted = [...list].sort((a, b) => a.lo - b.lo || a.hi - b.hi);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && i.lo <= last.hi + 1) last.hi = Math.max(last.hi, i.hi);
    else out.push({ ...i });
  }
  return out;
}

/** The parts of `from` not in `minus`. */
export function subtractIntervals(from: readonly Interval[], minus: readonly Interval[]): Interval[] {
  let rest = mergeIntervals(from);
  for (const m of mergeIntervals(minus)) {
    const next: Interval[] = [];
    for (const r of rest) {
      if (m.hi < r.lo || m.lo > r.hi) {
        next.push(r);
        continue;
      }
      if (m.lo > r.lo) next.push({ lo: r.lo, hi: m.lo - 1 });
      if (m.hi < r.hi) next.push({ lo: m.hi + 1, hi: r.hi });
    }
    rest = next;
  }
  return rest;
}

/** True when some address lies in both sets. */
export function intervalsIntersect(a: readonly Interval[], b: readonly Interval[]): boolean {
  return a.some((x) => b.some((y) => x.lo <= y.hi && y.lo <= x.hi));
}

/** True when the union of `by` contains every address of `target`. */
export function intervalsCover(by: readonly Interval[], target: readonly Interval[]): boolean {
  return subtractIntervals(target, by).length === 0;
}

function ipText(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/** `10.0.0.0/24` when the interval is a prefix, else `10.0.0.12-10.0.0.255`. */
export function formatInterval(i: Interval): string {
  const size = i.hi - i.lo + 1;
  const length = 32 - Math.log2(size);
  if (Number.isInteger(length) && i.lo % size === 0) return `${ipText(i.lo)}/${length}`;
  return `${ipText(i.lo)}-${ipText(i.hi)}`;
}

const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map((p) => parseAddressEntry(p) as Interval);

// ---------------------------------------------------------------------------------------------
// Ports, FQDNs, service tags, regions
// ---------------------------------------------------------------------------------------------

/** A destination port entry (`443`, `11000-11999`, `*`) as an inclusive range; undefined when malformed. */
export function parsePortRange(text: string): { lo: number; hi: number } | undefined {
  const t = text.trim();
  if (t === "*") return { lo: 1, hi: 65535 };
  const m = /^(\d{1,5})(?:\s*-\s*(\d{1,5}))?$/.exec(t);
  if (m === null) return undefined;
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  return lo <= hi && hi <= 65535 ? { lo, hi } : undefined;
}

/** How many ports an entry opens: `*` counts 65535, `11000-11999` counts 1000; malformed counts 0. */
export function portRangeWidth(text: string): number {
  const r = parsePortRange(text);
  return r === undefined ? 0 : r.hi - r.lo + 1;
}

function normaliseFqdn(text: string): string {
  return text.trim().toLowerCase().replace(/\.$/, "");
}

/**
 * Whether a rule's FQDN pattern covers a required FQDN (itself possibly a wildcard).
 * `*` covers everything; `*X` covers every name that ends with `X` (so `*.blob.core.windows.net`
 * covers `x.blob.core.windows.net` and `a.b.blob.core.windows.net`, not `blob.core.windows.net`);
 * a required wildcard `*Y` is covered when every name it stands for is (`Y` ends with `X`); a plain
 * name covers only itself. Case-insensitive; a trailing dot is ignored.
 */
export function fqdnCovers(pattern: string, required: string): boolean {
  const p = normaliseFqdn(pattern);
  const r = normaliseFqdn(required);
  if (p === "*") return true;
  if (p.startsWith("*")) {
    const suffix = p.slice(1);
    const name = r.startsWith("*") ? r.slice(1) : r;
    return name.endsWith(suffix) && (r.startsWith("*") || name.length > suffix.length);
  }
  return !r.startsWith("*") && p === r;
}

/** Whether a rule's service tag covers a required one: equal, or broader (`AzureCloud` covers `AzureCloud.eastus`). */
export function serviceTagCovers(ruleTag: string, requiredTag: string): boolean {
  const a = ruleTag.trim().toLowerCase();
  const b = requiredTag.trim().toLowerCase();
  return a === b || b.startsWith(`${a}.`);
}

/** The region suffix of regional service tags: the location lower-cased without spaces (`East US` → `eastus`). */
export function regionOf(location: string): string {
  return location.replace(/\s+/g, "").toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Effective rule set
// ---------------------------------------------------------------------------------------------

/** Where a rule sits, for evidence and stable items. */
export interface RuleRef {
  /** `policy/ruleCollectionGroup/ruleCollection/rule`, or `firewall/networkRuleCollections/collection/rule` (classic). */
  path: string;
  /** The policy that holds the rule (a parent policy for inherited rules). */
  policyId?: string;
  /** The firewall whose classic rule it is. */
  firewallId?: string;
  /** True when the rule comes from a parent (base) policy. */
  inherited: boolean;
  ruleCollectionGroup?: string;
  ruleCollectionGroupPriority?: number;
  ruleCollection: string;
  ruleCollectionPriority: number;
  /** `Allow` / `Deny`. */
  action: string;
  rule: string;
  ruleType: "NetworkRule" | "ApplicationRule";
}

/** A filter rule in processing order. */
export interface OrderedRule {
  ref: RuleRef;
  rule: NetworkRule | ApplicationRule;
}

/** The rules a firewall applies to egress, in processing order. */
export interface EffectiveRuleSet {
  firewall: AzureFirewall;
  kind: "policy" | "classic";
  /** The firewall's own policy (kind `policy`). */
  policyId?: string;
  /** Policy ids from the root parent to the firewall's own policy. */
  policyChain: string[];
  /** The id findings about the whole rule set are reported on: the firewall's policy, else the firewall. */
  resourceId: string;
  rules: OrderedRule[];
}

const MAX_POLICY_DEPTH = 8;

type RuleSetResult = { ok: true; value: EffectiveRuleSet } | { ok: false; error: ReadError; resourceId: string; policyChain: string[] };

/**
 * Rule sets computed once per snapshot and firewall: every target behind the same firewall
 * shares it, and building it (policy chain, ordering, source intervals) dominates otherwise.
 */
const ruleSetCache = new WeakMap<Snapshot, Map<string, RuleSetResult>>();

/** The firewall's effective rule set, or the read error (of the policy or a parent policy) that hides it. */
export function effectiveRuleSet(snapshot: Snapshot, firewall: AzureFirewall): RuleSetResult {
  let cache = ruleSetCache.get(snapshot);
  if (!cache) ruleSetCache.set(snapshot, (cache = new Map<string, RuleSetResult>()));
  const key = firewall.id.toLowerCase();
  let result = cache.get(key);
  if (!result) cache.set(key, (result = buildRuleSet(snapshot, firewall)));
  return result;
}

function buildRuleSet(snapshot: Snapshot, firewall: AzureFirewall): RuleSetResult {
  const leafId = firewall.firewallPolicyId;
  if (leafId === undefined || leafId === "") {
    // A firewall without a policy: its classic rule collections (none at all = deny everything).
    const collections = firewall.classicRuleCollections ?? [];
    const rules = orderPhases([{ collections: sortByPriority(collections), refBase: (c) => classicRef(firewall, c) }]);
    return { ok: true, value: { firewall, kind: "classic", policyChain: [], resourceId: firewall.id, rules } };
  }
  const chain: FirewallPolicy[] = [];
  const seen = new Set<string>();
  let id: string | undefined = leafId;
  while (id !== undefined && id !== "") {
    const key = id.toLowerCase();
    const ids = [...chain.map((p) => p.id), id];
    if (seen.has(key) || chain.length >= MAX_POLICY_DEPTH) {
      return {
        ok: false,
        resourceId: leafId,
        policyChain: ids,
        error: { code: "PolicyChainInvalid", message: `the base policy chain of ${leafId} loops or is deeper than ${MAX_POLICY_DEPTH}`, scope: id },
      };
    }
    seen.add(key);
    const part: Part<FirewallPolicy> = resolve(snapshot.firewallPolicies, id, `firewall policy ${id}`);
    if (!part.ok) return { ok: false, error: errorOf(part, id), resourceId: leafId, policyChain: ids };
    chain.push(part.value);
    id = part.value.basePolicyId;
  }
  const rootFirst = [...chain].reverse();
  const sources = rootFirst.flatMap((policy) =>
    sortByPriority(policy.ruleCollectionGroups).map((group) => ({
      collections: sortByPriority(group.ruleCollections),
      refBase: (c: RuleCollection) => ({
        policyId: policy.id,
        inherited: policy.id.toLowerCase() !== leafId.toLowerCase(),
        ruleCollectionGroup: group.name,
        ruleCollectionGroupPriority: group.priority,
        pathPrefix: `${policy.name}/${group.name}/${c.name}`,
      }),
    })),
  );
  return {
    ok: true,
    value: {
      firewall,
      kind: "policy",
      policyId: leafId,
      policyChain: rootFirst.map((p) => p.id),
      resourceId: leafId,
      rules: orderPhases(sources),
    },
  };
}

interface RefBase {
  policyId?: string;
  firewallId?: string;
  inherited: boolean;
  ruleCollectionGroup?: string;
  ruleCollectionGroupPriority?: number;
  pathPrefix: string;
}

function classicRef(firewall: AzureFirewall, c: RuleCollection): RefBase {
  const kind = c.rules.some((r) => r.ruleType === "ApplicationRule") || sameText(c.kind, "ClassicApplication")
    ? "applicationRuleCollections"
    : "networkRuleCollections";
  return { firewallId: firewall.id, inherited: false, pathPrefix: `${firewall.name}/${kind}/${c.name}` };
}

function sortByPriority<T extends { priority: number }>(list: readonly T[]): T[] {
  return [...list].sort((a, b) => a.priority - b.priority); // stable: equal priorities keep stored order
}

function isFilterRule(r: FirewallRule): r is NetworkRule | ApplicationRule {
  return r.ruleType === "NetworkRule" || r.ruleType === "ApplicationRule";
}

/** Network rules of every source first, then application rules; DNAT collections are skipped. */
function orderPhases(sources: { collections: RuleCollection[]; refBase: (c: RuleCollection) => RefBase }[]): OrderedRule[] {
  const out: OrderedRule[] = [];
  for (const phase of ["NetworkRule", "ApplicationRule"] as const) {
    for (const source of sources) {
      for (const c of source.collections) {
        if (!sameText(c.action, "Allow") && !sameText(c.action, "Deny")) continue;
        const base = source.refBase(c);
        for (const rule of c.rules) {
          if (!isFilterRule(rule) || rule.ruleType !== phase) continue;
          const ref: RuleRef = {
            path: `${base.pathPrefix}/${rule.name}`,
            inherited: base.inherited,
            ruleCollection: c.name,
            ruleCollectionPriority: c.priority,
            action: sameText(c.action, "Allow") ? "Allow" : "Deny",
            rule: rule.name,
            ruleType: phase,
          };
          if (base.policyId !== undefined) ref.policyId = base.policyId;
          if (base.firewallId !== undefined) ref.firewallId = base.firewallId;
          if (base.ruleCollectionGroup !== undefined) ref.ruleCollectionGroup = base.ruleCollectionGroup;
          if (base.ruleCollectionGroupPriority !== undefined) ref.ruleCollectionGroupPriority = base.ruleCollectionGroupPriority;
          out.push({ ref, rule });
        }
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Sources and destinations
// ---------------------------------------------------------------------------------------------

/** A rule's source addresses with its IP groups resolved; `errors` are IP groups that could not be read. */
export interface ResolvedSource {
  intervals: Interval[];
  errors: ReadError[];
}

/** Source addresses and source IP groups of a rule as address intervals (`*` = everything). */
export function resolveSource(snapshot: Snapshot, rule: NetworkRule | ApplicationRule): ResolvedSource {
  // Once per rule and snapshot: every target behind the firewall asks for every rule's sources
  // (IP groups come from the subscription lists, complete before any target is judged).
  let bySnapshot = resolvedSources.get(snapshot);
  if (!bySnapshot) resolvedSources.set(snapshot, (bySnapshot = new WeakMap()));
  let resolved = bySnapshot.get(rule);
  if (!resolved) bySnapshot.set(rule, (resolved = resolveAddresses(snapshot, rule.sourceAddresses, rule.sourceIpGroups)));
  return resolved;
}
const resolvedSources = new WeakMap<Snapshot, WeakMap<NetworkRule | ApplicationRule, ResolvedSource>>();

function resolveAddresses(snapshot: Snapshot, addresses: readonly string[], groups: readonly string[]): ResolvedSource {
  const intervals: Interval[] = [];
  const errors: ReadError[] = [];
  for (const a of addresses) {
    const i = parseAddressEntry(a);
    if (i !== undefined) intervals.push(i);
  }
  for (const g of groups) {
    const part = resolve(snapshot.ipGroups, g, `IP group ${g}`);
    if (!part.ok) {
      errors.push(errorOf(part, g));
      continue;
    }
    for (const a of part.value.ipAddresses) {
      const i = parseAddressEntry(a);
      if (i !== undefined) intervals.push(i);
    }
  }
  return { intervals: mergeIntervals(intervals), errors };
}

/** A required dependency: a baseline {@link RequiredEgress}, optionally over a port range `port`-`portEnd`. */
export interface EgressRequirement extends RequiredEgress {
  /** Last port of a required range (`Sql.<region>` TCP 11000-11999); absent for one port. */
  portEnd?: number;
}

/** Tri-state result of matching a rule against a requirement. */
export type Match = { kind: "yes" } | { kind: "no" } | { kind: "unknown"; errors: ReadError[] };
const YES: Match = { kind: "yes" };
const NO: Match = { kind: "no" };

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

function isAllAddresses(entry: string): boolean {
  const i = parseAddressEntry(entry);
  return i !== undefined && i.lo === 0 && i.hi === MAX_IPV4;
}

/** Whether one destination address entry (`*`, prefix, range, service tag) covers a requirement's destination. */
function addressEntryCovers(entry: string, req: EgressRequirement): boolean {
  const i = parseAddressEntry(entry);
  if (i !== undefined) {
    if (i.lo === 0 && i.hi === MAX_IPV4) return true;
    if (req.kind !== "address") return false; // an FQDN or tag may or may not resolve into a prefix: not counted
    const r = parseAddressEntry(req.destination);
    return r !== undefined && intervalsCover([i], [r]);
  }
  if (sameText(entry.trim(), "Internet")) {
    if (req.kind !== "address") return true; // every required public endpoint lies in Internet
    const r = parseAddressEntry(req.destination);
    return r !== undefined && !intervalsIntersect([r], PRIVATE_RANGES);
  }
  return req.kind === "serviceTag" && serviceTagCovers(entry, req.destination);
}

function networkProtocolCovers(rule: NetworkRule, transport: "TCP" | "UDP"): boolean {
  return rule.ipProtocols.some((p) => sameText(p, "Any") || sameText(p, transport));
}

/** Allow rules must open every required port; a deny needs to close only one of them. */
function portsMatch(ports: readonly string[], req: EgressRequirement, mode: "allow" | "deny"): boolean {
  const lo = req.port;
  const hi = req.portEnd ?? req.port;
  const ranges = ports.map(parsePortRange).filter((r): r is { lo: number; hi: number } => r !== undefined);
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
 * requirement is accepted on `Https`), and a covering target FQDN, the FQDN tag, or `*`.
 * Network rules: `TCP`/`UDP`/`Any` and a covering port range, and a covering destination address
 * (`*`, `0.0.0.0/0`, `Internet`, a covering service tag or prefix), FQDN or IP group. Unknown when
 * only an unreadable destination IP group could decide.
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
    return NO;
  }
  if (!networkProtocolCovers(rule, transportOf(req)) || !portsMatch(rule.destinationPorts, req, mode)) return NO;
  if (rule.destinationAddresses.some((a) => addressEntryCovers(a, req))) return YES;
  if (req.kind === "fqdn" && rule.destinationFqdns.some((f) => fqdnCovers(f, req.destination))) return YES;
  const errors: ReadError[] = [];
  for (const g of rule.destinationIpGroups) {
    const part = resolve(snapshot.ipGroups, g, `IP group ${g}`);
    if (!part.ok) errors.push(errorOf(part, g));
    else if (part.value.ipAddresses.some((a) => addressEntryCovers(a, req))) return YES;
  }
  return errors.length > 0 ? { kind: "unknown", errors } : NO;
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
  let remaining = mergeIntervals(prefixes.map(parseAddressEntry).filter((i): i is Interval => i !== undefined));
  const allowedBy: RuleRef[] = [];
  const undecidedAllow: UndecidedRule[] = [];
  const undecidedDeny: UndecidedRule[] = [];
  const finish = (status: RequirementOutcome["status"], extra: Partial<RequirementOutcome> = {}): RequirementOutcome => {
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
      };
    }
    return { status, allowedBy, uncovered: remaining.map(formatInterval), undecided, errors: [], ...extra };
  };
  if (remaining.length === 0) {
    return { status: "unknown", allowedBy, uncovered: [], undecided: [], errors: [{ code: "NotCollected", message: "the pool subnet has no IPv4 address prefix" }] };
  }
  for (const { ref, rule } of set.rules) {
    const dm = cachedDestinationMatch(snapshot, rule, req, ref.action === "Allow" ? "allow" : "deny");
    if (dm.kind === "no") continue;
    const src = resolveSource(snapshot, rule);
    const touches = intervalsIntersect(remaining, src.intervals);
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

// ---------------------------------------------------------------------------------------------
// Over-broad allow rules
// ---------------------------------------------------------------------------------------------

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
  const pool = mergeIntervals(prefixes.map(parseAddressEntry).filter((i): i is Interval => i !== undefined));
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
    if (a.trim() === "*" || isAllAddresses(a) || sameText(a.trim(), "Internet")) reasons.push(`destination ${a.trim()}`);
  }
  if (reasons.length === 0) {
    const prefixes = rule.destinationAddresses.map(parseAddressEntry).filter((i): i is Interval => i !== undefined);
    if (prefixes.length > 1 && intervalsCover(prefixes, [FULL])) reasons.push(`destinations ${rule.destinationAddresses.join(", ")} cover 0.0.0.0/0`);
  }
  for (const g of rule.destinationIpGroups) {
    const part = resolve(snapshot.ipGroups, g, `IP group ${g}`);
    if (!part.ok) {
      errors.push(errorOf(part, g));
      continue;
    }
    const entries = part.value.ipAddresses;
    const intervals = entries.map(parseAddressEntry).filter((i): i is Interval => i !== undefined);
    if (intervalsCover(intervals, [FULL]) || entries.some((e) => sameText(e.trim(), "Internet"))) {
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

// ---------------------------------------------------------------------------------------------
// Which firewall judges a target
// ---------------------------------------------------------------------------------------------

/** The pool subnets whose egress one firewall filters. */
export interface FirewallScope {
  firewall: AzureFirewall;
  subnetIds: string[];
  /** IPv4 prefixes of those subnets (the sources the rules must cover). */
  prefixes: string[];
  /** How the firewall was found, per subnet. */
  foundBy: string[];
}

/** The evidence every finding about a firewall scope starts with: the target's, then the firewall and how it was found. */
export function scopeEvidence(targetEvidence: Record<string, unknown>, scope: FirewallScope): Record<string, unknown> {
  return { ...targetEvidence, firewallId: scope.firewall.id, subnetIds: scope.subnetIds, subnetPrefixes: scope.prefixes, firewallFoundBy: scope.foundBy };
}

/** `subnet a` or `subnets a, b`: the scope's subnets by name, for messages. */
export function subnetsLabel(scope: FirewallScope): string {
  const names = scope.subnetIds.map(nameOf);
  return names.length === 1 ? `subnet ${names[0] ?? ""}` : `subnets ${names.join(", ")}`;
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
 * appliance. Its firewall is baseline `firewallResourceId` when set, else the Azure Firewall at the
 * default route's next-hop address (a `Succeeded` one first). A next hop that is a baseline
 * `approvedApplianceIps` address held by no Azure Firewall leaves the subnet out (its rules cannot be
 * read; the baseline accepts the appliance). Subnets, route tables and firewalls that cannot be read,
 * any other next hop that is no Azure Firewall, or a required subnet whose default route leads to no
 * appliance are problems (reported as unknown).
 */
export function firewallScopes(snapshot: Snapshot, target: Target, rules: BaselineRules): TargetFirewalls {
  const req = requiresFirewallEgress(snapshot, target, rules);
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
    const subnet = subnetOf(snapshot, subnetId);
    if (!subnet.ok) {
      problem(`${capitalise(subnetLabel)} could not be read, so its firewall rules could not be judged.`, subnet.error);
      continue;
    }
    const table = routeTableOf(snapshot, subnet.value);
    const route = table.ok && table.value !== undefined ? findDefaultRoute(table.value) : undefined;
    const hop = route !== undefined && isApplianceRoute(route) ? route.nextHopIpAddress : undefined;
    const applianceRoute = route !== undefined && isApplianceRoute(route);
    if (!table.ok && !(req.known && req.required && baselineFw !== undefined)) {
      problem(`The route table of ${subnetLabel} could not be read, so the firewall that filters its egress could not be found.`, table.error, {
        routeTableId: subnet.value.routeTableId,
      });
      continue;
    }
    if (!applianceRoute) {
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
    } else if (hop === undefined || hop === "") {
      const actual = !table.ok ? "unreadable route table" : table.value === undefined ? "no route table" : route === undefined ? "no 0.0.0.0/0 route" : `0.0.0.0/0 → ${route.nextHopType}`;
      problem(
        `The default route of ${subnetLabel} leads to no firewall (${actual}; see subnet-default-route), so no firewall rules filter its egress.`,
        { code: "NoFirewallRoute", message: `${subnetLabel}: ${actual}`, scope: subnetId },
        { routeTableId: subnet.value.routeTableId ?? null, ...(route !== undefined ? { defaultRoute: route } : {}) },
      );
      continue;
    } else {
      const match = firewallsAt(snapshot, hop);
      firewall = match.firewalls.find((f) => sameText(f.provisioningState, "Succeeded")) ?? match.firewalls[0];
      if (firewall === undefined && (rules.approvedApplianceIps ?? []).some((a) => sameIpv4(a, hop))) {
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
          defaultRoute: route,
          readErrors: match.readErrors,
        });
        continue;
      }
      foundBy = `${subnetId}: route ${route?.name ?? "?"} 0.0.0.0/0 → ${hop}`;
    }
    if (subnet.value.addressPrefixes.length === 0) {
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
    scope.prefixes.push(...subnet.value.addressPrefixes);
    scope.foundBy.push(foundBy);
    byFirewall.set(key, scope);
  }
  result.scopes = [...byFirewall.values()];
  return result;
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
