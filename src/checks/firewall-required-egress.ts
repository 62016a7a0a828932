import type { ReadError } from "../model/snapshot.js";
import type { Check, CheckContext, CheckResult } from "./lib/types.js";
import { ruleSetEvidence, ruleSetLabel, scopeEvidence, subnetsLabel, unreadablePolicyLabel } from "./lib/firewall/labels.js";
import { describeRequirement, evaluateRequirement, requirementKey } from "./lib/firewall/requirements.js";
import type { EgressRequirement, RequirementOutcome } from "./lib/firewall/requirements.js";
import { effectiveRuleSet } from "./lib/firewall/ruleSet.js";
import type { EffectiveRuleSet, RuleRef } from "./lib/firewall/ruleSet.js";
import { firewallScopes } from "./lib/firewall/scope.js";
import type { FirewallScope } from "./lib/firewall/scope.js";
import { capitalise, regionOf } from "./lib/names.js";
import { booleanParam } from "./lib/params.js";
import { unknownResult } from "./lib/parts.js";
import { aksClusterOf, poolClustersOf, targetLabel } from "./lib/target.js";

const HIVE_PARAM = "includeHiveDependencies";

/** A dependency the firewall must allow, and why. */
interface Needed {
  /** Stable finding item. */
  item: string;
  /** The dependency; undefined when it could not be formed (`unresolved` says why). */
  req?: EgressRequirement;
  /** Human label when `req` is undefined. */
  label: string;
  neededBy: string[];
  /** Why the dependency itself is unknown (e.g. the AKS API server FQDN could not be read). */
  unresolved?: ReadError;
  /** Set when it is unknown whether the dependency is required at all (cluster types unreadable). */
  conditional?: ReadError;
}

/**
 * Requirement objects are shared by every target that needs them (their evidence points at
 * them; nothing changes them). Keyed by what makes them: a bounded set (the fixed list, and per
 * region the service tags), so a module-level table does not grow with scans.
 */
const requirements = new Map<string, EgressRequirement>();
function requirement(req: EgressRequirement): EgressRequirement {
  const key = `${req.kind}|${req.destination}|${req.protocol}|${req.port}|${req.portEnd ?? ""}|${req.description ?? ""}`;
  let kept = requirements.get(key);
  if (kept === undefined) requirements.set(key, (kept = req));
  return kept;
}

/** A requirement's finding item and label, made once per (shared) requirement object. */
const itemsAndLabels = new WeakMap<EgressRequirement, { item: string; label: string }>();
function itemAndLabel(req: EgressRequirement): { item: string; label: string } {
  let v = itemsAndLabels.get(req);
  if (v === undefined) itemsAndLabels.set(req, (v = { item: requirementKey(req), label: describeRequirement(req) }));
  return v;
}

const HTTPS = (destination: string, description: string): EgressRequirement => requirement({
  kind: "fqdn",
  destination,
  protocol: "Https",
  port: 443,
  description,
});

/** `firewall-required-egress`: the firewall allows every outbound dependency of the target from its subnet. */
export const firewallRequiredEgress: Check = {
  meta: {
    id: "firewall-required-egress",
    title: "Firewall allows every required outbound dependency from the pool subnet",
    defaultSeverity: "high",
    risk:
      "When the firewall does not allow a required dependency (or a higher-priority deny shadows the allow), nodes " +
      "cannot pull images, reach the AKS control plane, authenticate or report health, so cluster creation, scaling " +
      "and upgrades fail and running clusters degrade.",
    remediation:
      "Add the missing dependency to a rule collection group of the firewall policy with the pool subnet as source, " +
      "e.g. az network firewall policy rule-collection-group collection add-filter-collection -g <rg> --policy-name " +
      "<policy> --rcg-name <rcg> -n aksfwar --collection-priority 200 --action Allow --rule-type ApplicationRule " +
      "--rule-name hdinsight-aks --source-addresses <poolSubnetPrefix> --protocols Https=443 --target-fqdns " +
      "hiloprodrpacr00.azurecr.io '*.blob.core.windows.net' graph.microsoft.com (network rules: --rule-type NetworkRule " +
      "--ip-protocols UDP --destination-addresses AzureCloud.<region> --destination-ports 1194); remove or re-prioritise " +
      "a deny that shadows it. For classic rules use az network firewall application-rule create / network-rule create.",
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
    ],
  },
  evaluate(ctx: CheckContext): CheckResult[] {
    const { snapshot, target, baseline } = ctx;
    const includeHive = booleanParam(ctx.params, HIVE_PARAM);
    const found = firewallScopes(snapshot, target, baseline.rules);
    const out: CheckResult[] = found.problems.map((p) =>
      unknownResult(p.resourceId, p.message, p.error, { expected: "required egress allowed by a firewall", evidence: p.evidence }),
    );
    if (found.scopes.length === 0) return out;
    const needed = requiredSet(ctx, includeHive);
    for (const scope of found.scopes) out.push(...judgeScope(ctx, scope, needed, found.evidence));
    return out;
  },
};

/** The dependencies a target needs: the common list (or the AKS items), cluster-type extras, baseline extras. */
function requiredSet(ctx: CheckContext, includeHive: boolean): Needed[] {
  const { snapshot, target, baseline } = ctx;
  const aks = aksClusterOf(snapshot, target);
  const region = regionOf(target.location !== "" ? target.location : aks.ok ? aks.value.location : "");
  const list: Needed[] = [];
  // Built-in requirements come shared (see `requirement`); baseline extras are the baseline's own.
  const add = (req: EgressRequirement, neededBy: string, conditional?: ReadError): void => {
    const { item, label } = itemAndLabel(req);
    const existing = list.find((n) => n.item === item);
    if (existing !== undefined) {
      if (!existing.neededBy.includes(neededBy)) existing.neededBy.push(neededBy);
      if (conditional === undefined) delete existing.conditional;
      return;
    }
    const n: Needed = { item, req, label, neededBy: [neededBy] };
    if (conditional !== undefined) n.conditional = conditional;
    list.push(n);
  };
  const common = target.kind === "clusterPool" ? "the HDInsight on AKS common list" : "AKS";

  add(requirement({ kind: "fqdnTag", destination: "AzureKubernetesService", protocol: "Https", port: 443, description: "AKS base requirements" }), common);
  if (target.kind === "clusterPool") {
    add(HTTPS("hiloprodrpacr00.azurecr.io", "HDInsight on AKS image metadata"), common);
    add(HTTPS("*.blob.core.windows.net", "setup and monitoring"), common);
    add(HTTPS("graph.microsoft.com", "authentication"), common);
    add(HTTPS("*.servicebus.windows.net", "monitoring"), common);
    add(HTTPS("*.table.core.windows.net", "monitoring"), common);
    add(HTTPS("gcs.prod.monitoring.core.windows.net", "monitoring"), common);
  }
  add(requirement({ kind: "serviceTag", destination: `AzureCloud.${region}`, protocol: "UDP", port: 1194, description: "node to control plane tunnel" }), common);
  add(requirement({ kind: "serviceTag", destination: `AzureCloud.${region}`, protocol: "TCP", port: 9000, description: "node to control plane tunnel" }), common);

  // The AKS API server FQDN on TCP 443, unless the API server is private (reached in the VNet, not through the firewall).
  const apiItem = "aks-api-server TCP:443";
  const poolPrivate = target.pool?.enablePrivateApiServer === true;
  if (!aks.ok) {
    if (!poolPrivate) list.push({ item: apiItem, label: "AKS API server FQDN TCP:443", neededBy: [common], unresolved: aks.error });
  } else if (!poolPrivate && aks.value.enablePrivateCluster !== true) {
    if (aks.value.fqdn === undefined || aks.value.fqdn === "") {
      list.push({
        item: apiItem,
        label: "AKS API server FQDN TCP:443",
        neededBy: [common],
        unresolved: { code: "NotCollected", message: `AKS cluster ${aks.value.name} returned no fqdn`, scope: aks.value.id },
      });
    } else {
      list.push({
        item: apiItem,
        req: { kind: "fqdn", destination: aks.value.fqdn, protocol: "TCP", port: 443, description: `API server of AKS cluster ${aks.value.name}` },
        label: `AKS API server ${aks.value.fqdn} TCP:443`,
        neededBy: [common],
      });
    }
  }

  if (target.kind === "clusterPool") {
    const clusters = poolClustersOf(target);
    if (!clusters.ok) {
      // Which cluster types exist is unknown: every extra is judged, and only an allowed one passes.
      for (const type of ["Spark", "Trino", "Flink"]) {
        for (const req of extrasOf(type, region, includeHive)) add(req, `${type} clusters (if any)`, clusters.error);
      }
    } else {
      for (const c of clusters.value) {
        const type = ["Spark", "Trino", "Flink"].find((t) => t.toLowerCase() === (c.clusterType ?? "").toLowerCase());
        if (type === undefined) continue;
        for (const req of extrasOf(type, region, includeHive)) add(req, `${type} cluster ${c.name}`);
      }
    }
  }
  for (const extra of baseline.rules.extraRequiredEgress ?? []) add(extra, "baseline extraRequiredEgress");
  // Targets need the same dependencies for the same reasons: their evidence shares one list of
  // reasons per set of reasons (10,000 targets: 130,000 lists otherwise).
  const shared = sharedParts(snapshot);
  for (const n of list) n.neededBy = shared.once(n.neededBy.join("\n"), n.neededBy);
  return list;
}

/** Values equal by their key, kept once per snapshot (a scan) and shared; never changed after. */
class SharedParts {
  readonly #values = new Map<string, unknown>();
  once<T>(key: string, value: T): T {
    if (this.#values.has(key)) return this.#values.get(key) as T;
    this.#values.set(key, value);
    return value;
  }
}
const sharedBySnapshot = new WeakMap<CheckContext["snapshot"], SharedParts>();
function sharedParts(snapshot: CheckContext["snapshot"]): SharedParts {
  let shared = sharedBySnapshot.get(snapshot);
  if (!shared) sharedBySnapshot.set(snapshot, (shared = new SharedParts()));
  return shared;
}

/** The per-cluster-type extras (reference §3.2); the Hive ones only with `includeHiveDependencies`. */
function extrasOf(type: string, region: string, includeHive: boolean): EgressRequirement[] {
  const dfs = HTTPS("*.dfs.core.windows.net", "ADLS Gen2 storage");
  const sqlFqdn = requirement({ kind: "fqdn", destination: "*.database.windows.net", protocol: "Mssql", port: 1433, description: "Hive metastore (Azure SQL)" });
  const sqlRedirect = requirement({
    kind: "serviceTag",
    destination: `Sql.${region}`,
    protocol: "TCP",
    port: 11000,
    portEnd: 11999,
    description: "Hive metastore: Azure SQL redirect policy",
  });
  const hive = includeHive ? [sqlFqdn, sqlRedirect] : [];
  switch (type) {
    case "Spark":
      return [dfs, requirement({ kind: "serviceTag", destination: `Storage.${region}`, protocol: "TCP", port: 445, description: "SMB to Azure Files" }), ...hive];
    case "Trino":
      return includeHive ? [dfs, ...hive] : [];
    default:
      return [dfs];
  }
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
  return needed.map((n) => judgeNeeded(ctx, rs, scope, n, from, evidenceBase));
}

function judgeNeeded(
  ctx: CheckContext,
  rs: EffectiveRuleSet,
  scope: FirewallScope,
  n: Needed,
  from: string,
  evidenceBase: Record<string, unknown>,
): CheckResult {
  const { where, Where } = labelsOf(rs);
  const expected = `allow ${n.label}`;
  const why = n.req?.description !== undefined ? { why: n.req.description } : {};
  if (n.req === undefined) {
    return unknownResult(
      rs.resourceId,
      `The ${n.label.replace(/ TCP:443$/, "")} of ${targetLabel(ctx.target)} could not be read, so whether ${where} allows it is unknown.`,
      n.unresolved ?? { code: "NotCollected", message: `${n.label} could not be determined` },
      { item: n.item, expected, evidence: { ...evidenceBase, requirement: n.label, neededBy: n.neededBy, ...why } },
    );
  }
  const outcome = evaluateRequirement(ctx.snapshot, rs, n.req, scope.prefixes);
  // One literal with every field: a scan of thousands of targets keeps hundreds of thousands of these.
  const evidence: Record<string, unknown> = { ...evidenceBase, requirement: n.req, neededBy: n.neededBy, ...why, ...outcomeEvidence(outcome) };
  const result = (status: CheckResult["status"], message: string, actual: string): CheckResult => ({
    status,
    resourceId: rs.resourceId,
    item: n.item,
    message,
    expected,
    actual,
    evidence,
  });
  if (outcome.status === "allowed") {
    const { paths, actual } = allowedTexts(outcome.allowedBy);
    return result("pass", `${Where} allows ${n.label} from ${from} (${paths}).`, actual);
  }
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
  if (o.status === "allowed") ev.decidedBy = allowedTexts(o.allowedBy).decidedBy;
  else if (o.deniedBy !== undefined) ev.decidedBy = `${o.deniedBy.path} (Deny)`;
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
  paths: string;
  actual: string;
  decidedBy: string;
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
  const texts = { paths, actual: `allowed by ${paths}`, decidedBy: allowedBy.map((r) => `${r.path} (${r.action})`).join(", "), list: [...allowedBy] };
  if (only) allowedBySingleRule.set(only, texts);
  return texts;
}
