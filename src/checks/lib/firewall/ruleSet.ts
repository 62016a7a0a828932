/**
 * The rules an Azure Firewall applies to egress, in the order it processes them: the firewall
 * policy with its parent (base) chain, or the classic rule collections of a firewall without a
 * policy. Every network rule before every application rule (DNAT is not egress filtering and is
 * skipped); within a rule type, policies from the root parent to the firewall's own, rule
 * collection groups by priority, rule collections by priority; first match wins. Pure.
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
} from "../../../model/snapshot.js";
import { sameText } from "../names.js";
import { errorOf, resolve } from "../parts.js";

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
  /** That policy itself: its settings (DNS proxy) apply to the firewall, a parent's do not. */
  ownPolicy?: FirewallPolicy;
  /** Policy ids from the root parent to the firewall's own policy. */
  policyChain: string[];
  /** The id findings about the whole rule set are reported on: the firewall's policy, else the firewall. */
  resourceId: string;
  rules: OrderedRule[];
}

const MAX_POLICY_DEPTH = 8;

/** The effective rule set, or the read error (of the policy or a parent policy) that hides it. */
export type RuleSetResult =
  | { ok: true; value: EffectiveRuleSet }
  | { ok: false; error: ReadError; resourceId: string; policyChain: string[] };

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
      ...(chain[0] !== undefined ? { ownPolicy: chain[0] } : {}),
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
