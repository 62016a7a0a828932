import type { Check, CheckContext, CheckResult } from "./lib/types.js";
import { ruleSetEvidence, ruleSetLabel, scopeEvidence, subnetsLabel, unreadablePolicyLabel } from "./lib/firewall/labels.js";
import { evaluateRequirement } from "./lib/firewall/requirements.js";
import type { RequirementOutcome } from "./lib/firewall/requirements.js";
import { requiredSet } from "./lib/firewall/requiredSet.js";
import { DEPENDENCY_LIST_ITEM } from "./lib/firewall/requiredSet.js";
import type { Needed } from "./lib/firewall/requiredSet.js";
import { effectiveRuleSet } from "./lib/firewall/ruleSet.js";
import type { EffectiveRuleSet, RuleRef } from "./lib/firewall/ruleSet.js";
import { firewallScopes } from "./lib/firewall/scope.js";
import type { FirewallScope } from "./lib/firewall/scope.js";
import { capitalise } from "./lib/names.js";
import { booleanParam } from "./lib/params.js";
import { unknownResult } from "./lib/parts.js";
import { targetLabel } from "./lib/target.js";

const HIVE_PARAM = "includeHiveDependencies";
const OPTIONAL_PARAM = "includeOptionalDependencies";

/** `firewall-required-egress`: the firewall allows every outbound dependency of the target from its subnet. */
export const firewallRequiredEgress: Check = {
  meta: {
    id: "firewall-required-egress",
    title: "Firewall allows every required outbound dependency from the node subnet",
    defaultSeverity: "high",
    risk:
      "When the firewall does not allow a required dependency (or a higher-priority deny shadows the allow, or only a " +
      "network-rule FQDN that cannot resolve allows it), nodes " +
      "cannot pull images, reach the AKS control plane, authenticate or report health, so cluster creation, scaling " +
      "and upgrades fail and running clusters degrade.",
    remediation:
      "Add the missing dependency to a rule collection group of the firewall policy with the pool subnet as source, " +
      "e.g. az network firewall policy rule-collection-group collection add-filter-collection -g <rg> --policy-name " +
      "<policy> --rcg-name <rcg> -n aksfwar --collection-priority 200 --action Allow --rule-type ApplicationRule " +
      "--rule-name hdinsight-aks --source-addresses <poolSubnetPrefix> --protocols Https=443 --target-fqdns " +
      "hiloprodrpacr00.azurecr.io '*.blob.core.windows.net' graph.microsoft.com (network rules: --rule-type NetworkRule " +
      "--ip-protocols UDP --destination-addresses AzureCloud.<region> --destination-ports 1194); remove or re-prioritise " +
      "a deny that shadows it. For classic rules use az network firewall application-rule create / network-rule create. " +
      "The required AKS endpoints are the cluster's own list (az aks egress-endpoints list -g <rg> -n <cluster>); the " +
      "FQDN tag AzureKubernetesService covers only its core categories, so allow add-on endpoints (monitoring, policy, " +
      "Key Vault, GPU, Windows) explicitly. An endpoint allowed only by a network-rule FQDN needs DNS proxy on and no " +
      "wildcard (see firewall-dns-proxy); wildcards belong in application rules.",
    requires: [
      "pools",
      "clusters",
      "aksClusters",
      "subnets",
      "routeTables",
      "firewalls",
      "firewallInventory",
      "firewallPolicies",
      "ipGroups",
      "outboundDependencies",
    ],
    parameters: [
      {
        name: HIVE_PARAM,
        description:
          "Require the Hive metastore dependencies of Spark and Trino clusters (*.database.windows.net Mssql:1433, " +
          "Sql.<region> TCP 11000-11999, and *.dfs.core.windows.net for Trino). ARM does not say whether Hive is " +
          "enabled, so they are required by default; set false when no cluster uses a Hive catalog.",
        default: true,
      },
      {
        name: OPTIONAL_PARAM,
        description:
          "Require the endpoints of the categories the cluster's own dependency list marks optional (ubuntu-optional: " +
          "Ubuntu security updates and archives on HTTP 80). Set false when node images are updated another way " +
          "(node image upgrades only).",
        default: true,
      },
    ],
  },
  evaluate(ctx: CheckContext): CheckResult[] {
    const { snapshot, target, baseline } = ctx;
    const includeHive = booleanParam(ctx.params, HIVE_PARAM);
    const includeOptional = booleanParam(ctx.params, OPTIONAL_PARAM);
    const found = firewallScopes(snapshot, target, baseline.rules);
    const out: CheckResult[] = found.problems.map((p) =>
      unknownResult(p.resourceId, p.message, p.error, { expected: "required egress allowed by a firewall", evidence: p.evidence }),
    );
    if (found.scopes.length === 0) return out;
    const required = requiredSet(snapshot, target, baseline.rules, { includeHive, includeOptional });
    const targetEvidence = { ...found.evidence, ...required.listEvidence };
    for (const scope of found.scopes) out.push(...judgeScope(ctx, scope, required.needed, targetEvidence));
    return out;
  },
};

/** The item of a scope's one pass: every allowed dependency in its evidence, the same finding id scan to scan. */
export const ALLOWED_ITEM = "allowed";

/** At most this many allowing rules are named in the pass message; the evidence lists each dependency's. */
const MESSAGE_RULES = 4;

/** An allowed dependency, as the scope's pass lists it in its evidence (`allowed`). */
export interface AllowedEntry {
  requirement: string;
  item: string;
  decidedBy: string;
  neededBy?: string[];
  category?: string;
}

/** A dependency the rule set allows, and the rules that allow it. */
interface Allowed {
  entry: AllowedEntry;
  rules: readonly RuleRef[];
}

function judgeScope(ctx: CheckContext, scope: FirewallScope, needed: Needed[], targetEvidence: Record<string, unknown>): CheckResult[] {
  const { snapshot, target } = ctx;
  const base = scopeEvidence(targetEvidence, scope);
  const set = effectiveRuleSet(snapshot, scope.firewall);
  const from = `${subnetsLabel(scope)} of ${targetLabel(target)}`;
  if (!set.ok) {
    return needed.map((n) =>
      unknownResult(
        set.resourceId,
        `${unreadablePolicyLabel(set, scope.firewall)} could not be read, so whether the firewall allows ${n.label} from ${from} is unknown.`,
        set.error,
        {
          item: n.item,
          expected: `allow ${n.label}`,
          evidence: { ...base, ...ruleSetEvidence(set), requirement: n.req ?? n.label, neededBy: n.neededBy },
        },
      ),
    );
  }
  const rs = set.value;
  const evidenceBase = {
    ...base,
    ...ruleSetEvidence(set),
  };
  // Missing and unknown dependencies are a finding each; the allowed ones share one pass.
  const out: CheckResult[] = [];
  const allowed: Allowed[] = [];
  for (const n of needed) {
    const judged = judgeNeeded(ctx, rs, scope, n, from, evidenceBase);
    if ("entry" in judged) allowed.push(judged);
    else out.push(judged);
  }
  if (allowed.length > 0) out.push(allowedResult(rs, from, needed.length, allowed, evidenceBase));
  return out;
}

/** The scope's one pass: which dependencies the rule set allows, and by which rules. */
function allowedResult(
  rs: EffectiveRuleSet,
  from: string,
  total: number,
  allowed: Allowed[],
  evidenceBase: Record<string, unknown>,
): CheckResult {
  const { Where } = labelsOf(rs);
  const paths = new Set<string>();
  for (const a of allowed) for (const r of a.rules) paths.add(r.path);
  const named = [...paths].slice(0, MESSAGE_RULES).join(", ");
  const more = paths.size > MESSAGE_RULES ? ` and ${paths.size - MESSAGE_RULES} more` : "";
  const how =
    allowed.length < total
      ? `${allowed.length} of ${total} required dependencies`
      : total === 1
        ? "the one required dependency"
        : `all ${total} required dependencies`;
  return {
    status: "pass",
    resourceId: rs.resourceId,
    item: ALLOWED_ITEM,
    message: `${Where} allows ${how} from ${from} (${paths.size === 1 ? "rule" : "rules"}: ${named}${more}).`,
    expected: `allow every required dependency (${total})`,
    actual: `${allowed.length} of ${total} allowed`,
    evidence: { ...evidenceBase, allowed: allowed.map((a) => a.entry) },
  };
}

function judgeNeeded(
  ctx: CheckContext,
  rs: EffectiveRuleSet,
  scope: FirewallScope,
  n: Needed,
  from: string,
  evidenceBase: Record<string, unknown>,
): CheckResult | Allowed {
  const { where, Where } = labelsOf(rs);
  const expected = `allow ${n.label}`;
  const why = n.req?.description !== undefined ? { why: n.req.description } : {};
  if (n.req === undefined) {
    const error = n.unresolved ?? { code: "NotCollected", message: `${n.label} could not be determined` };
    const message =
      n.item === DEPENDENCY_LIST_ITEM
        ? `The outbound dependency list of ${ctx.target.kind === "clusterPool" ? `the AKS cluster of ${targetLabel(ctx.target)}` : targetLabel(ctx.target)} could not be read (${error.code}), so ${where} was judged against the documented list; whether it allows the endpoints beyond that list (add-ons, features) is unknown.`
        : `The ${n.label.replace(/ TCP:443$/, "")} of ${targetLabel(ctx.target)} could not be read, so whether ${where} allows it is unknown.`;
    return unknownResult(rs.resourceId, message, error, {
      item: n.item,
      expected,
      evidence: { ...evidenceBase, requirement: n.label, neededBy: n.neededBy, ...why },
    });
  }
  const outcome = evaluateRequirement(ctx.snapshot, rs, n.req, scope.prefixes);
  const category = n.category !== undefined ? { category: n.category } : {};
  if (outcome.status === "allowed") {
    const { paths, list } = allowedTexts(outcome.allowedBy);
    return { entry: { requirement: n.label, item: n.item, decidedBy: paths, neededBy: n.neededBy, ...category }, rules: list };
  }
  // One literal with every field: a scan of thousands of targets keeps hundreds of thousands of these.
  const evidence: Record<string, unknown> = { ...evidenceBase, requirement: n.req, neededBy: n.neededBy, ...category, ...why, ...outcomeEvidence(outcome) };
  const result = (status: CheckResult["status"], message: string, actual: string): CheckResult => ({
    status,
    resourceId: rs.resourceId,
    item: n.item,
    message,
    expected,
    actual,
    evidence,
  });
  if (outcome.status === "unknown") {
    const [first] = outcome.errors;
    return unknownResult(
      rs.resourceId,
      `Whether ${where} allows ${n.label} from ${from} is unknown: an IP group its rules use could not be read.`,
      first ?? { code: "NotCollected", message: "an IP group could not be read" },
      { item: n.item, expected, evidence: { ...evidence, readErrors: outcome.errors } },
    );
  }
  if (n.conditional !== undefined) {
    return unknownResult(
      rs.resourceId,
      `${Where} does not allow ${n.label} from ${from}; it is needed only by ${n.neededBy.join(", ")}, and the pool's clusters could not be read.`,
      n.conditional,
      { item: n.item, expected, evidence },
    );
  }
  if (outcome.status === "denied" && outcome.deniedBy !== undefined) {
    const d = outcome.deniedBy;
    return result(
      "fail",
      `${Where} denies ${n.label} from ${from} with rule ${d.path} before any allow, so the dependency is missing (needed by ${n.neededBy.join(", ")}).`,
      `missing: denied by ${d.path}`,
    );
  }
  const [dead] = outcome.ineffectiveFqdnRules ?? [];
  if (dead !== undefined) {
    return result(
      "fail",
      `${Where} does not allow ${n.label} from ${from}: network rule ${dead.rule.path} names it only by destination FQDN ${dead.fqdn}, which cannot work because ${dead.reason}, so the dependency is missing (needed by ${n.neededBy.join(", ")}; see firewall-dns-proxy).`,
      `missing: network-rule FQDN ${dead.fqdn} ${dead.wildcard ? "is a wildcard" : "without DNS proxy"} (${dead.rule.path})`,
    );
  }
  return result(
    "fail",
    `${Where} does not allow ${n.label} from ${from} (needed by ${n.neededBy.join(", ")}).`,
    outcome.allowedBy.length > 0 ? `missing for ${outcome.uncovered.join(", ")}` : "missing",
  );
}

function outcomeEvidence(o: RequirementOutcome): Record<string, unknown> {
  const ev: Record<string, unknown> = { outcome: o.status };
  if (o.allowedBy.length > 0) ev.allowedBy = o.allowedBy.length === 1 ? allowedTexts(o.allowedBy).list : o.allowedBy;
  if (o.deniedBy !== undefined) ev.deniedBy = o.deniedBy;
  if (o.status === "missing" && o.uncovered.length > 0) ev.uncoveredSources = o.uncovered;
  if (o.undecided.length > 0) ev.undecidedRules = o.undecided;
  if (o.ineffectiveFqdnRules !== undefined) ev.ineffectiveNetworkFqdnRules = o.ineffectiveFqdnRules;
  if (o.deniedBy !== undefined) ev.decidedBy = `${o.deniedBy.path} (Deny)`;
  else if (o.status === "missing") ev.decidedBy = "no rule allows it (Azure Firewall denies unmatched traffic)";
  return ev;
}

/**
 * Texts that only depend on the rule set or on the allowing rules, made once and shared: every
 * target behind one firewall repeats them for each dependency (13 per target), and a scan of
 * thousands of targets holds all its findings at once.
 */
const setLabels = new WeakMap<EffectiveRuleSet, { where: string; Where: string }>();
function labelsOf(rs: EffectiveRuleSet): { where: string; Where: string } {
  let labels = setLabels.get(rs);
  if (!labels) {
    const where = ruleSetLabel(rs);
    setLabels.set(rs, (labels = { where, Where: capitalise(where) }));
  }
  return labels;
}

interface AllowedTexts {
  /** The allowing rules' paths, for the scope's pass (its message and evidence). */
  paths: string;
  /** The allowing rules, one list shared by every finding they decide. */
  list: readonly RuleRef[];
}
/** Keyed by the single allowing rule (the usual case); several rules build their texts afresh. */
const allowedBySingleRule = new WeakMap<RuleRef, AllowedTexts>();
function allowedTexts(allowedBy: readonly RuleRef[]): AllowedTexts {
  const only = allowedBy.length === 1 ? allowedBy[0] : undefined;
  const cached = only && allowedBySingleRule.get(only);
  if (cached) return cached;
  const paths = allowedBy.map((r) => r.path).join(", ");
  const texts = { paths, list: [...allowedBy] };
  if (only) allowedBySingleRule.set(only, texts);
  return texts;
}
