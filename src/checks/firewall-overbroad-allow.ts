import type { Check, CheckContext, CheckResult } from "./lib/types.js";
import { ruleSetEvidence, ruleSetLabel, scopeEvidence, subnetsLabel, unreadablePolicyLabel } from "./lib/firewall/labels.js";
import { findOverbroadRules } from "./lib/firewall/overbroad.js";
import { effectiveRuleSet } from "./lib/firewall/ruleSet.js";
import { firewallScopes } from "./lib/firewall/scope.js";
import type { FirewallScope } from "./lib/firewall/scope.js";
import { capitalise, nameOf } from "./lib/names.js";
import { integerParam } from "./lib/params.js";
import { unknownResult } from "./lib/parts.js";
import { targetLabel } from "./lib/target.js";

const WIDTH_PARAM = "maxPortRangeWidth";

/** `firewall-overbroad-allow`: no allow rule for the pool subnet opens everything (any FQDN, any address, huge port ranges). */
export const firewallOverbroadAllow: Check = {
  meta: {
    id: "firewall-overbroad-allow",
    title: "No over-broad firewall allow rule applies to the node subnet",
    defaultSeverity: "high",
    risk:
      "An allow rule for any FQDN, any destination address or a huge port range lets the cluster reach the whole " +
      "internet through the firewall, which defeats egress control and opens a path for data exfiltration.",
    remediation:
      "Replace the rule with the specific dependencies (FQDN tag AzureKubernetesService, the HDInsight on AKS FQDNs, " +
      "service tags such as AzureCloud.<region>, exact ports), or narrow its source so it no longer covers the pool " +
      "subnet: az network firewall policy rule-collection-group collection rule remove -g <rg> --policy-name <policy> " +
      "--rcg-name <rcg> --collection-name <collection> -n <rule>, then add narrow rules with " +
      "az network firewall policy rule-collection-group collection rule add ... --target-fqdns <fqdn> --protocols Https=443. " +
      "Classic rules: az network firewall network-rule delete / application-rule delete.",
    requires: ["pools", "aksClusters", "subnets", "routeTables", "firewalls", "firewallInventory", "firewallPolicies", "ipGroups"],
    parameters: [
      {
        name: WIDTH_PARAM,
        description:
          "Widest destination port range (number of ports) an allow rule may open; `*` counts as 65535. The baseline " +
          "rule maxPortRangeWidth, when set, takes precedence. The default admits Sql.<region> TCP 11000-11999.",
        default: 1000,
      },
    ],
  },
  evaluate(ctx: CheckContext): CheckResult[] {
    const { snapshot, target, baseline } = ctx;
    const maxWidth = baseline.rules.maxPortRangeWidth ?? integerParam(ctx.params, WIDTH_PARAM, 1, 65535);
    const found = firewallScopes(snapshot, target, baseline.rules);
    const out: CheckResult[] = found.problems.map((p) =>
      unknownResult(p.resourceId, p.message, p.error, { expected: "no over-broad allow rule", evidence: p.evidence }),
    );
    for (const scope of found.scopes) out.push(...judgeScope(ctx, scope, maxWidth, found.evidence));
    return out;
  },
};

function judgeScope(ctx: CheckContext, scope: FirewallScope, maxWidth: number, targetEvidence: Record<string, unknown>): CheckResult[] {
  const { snapshot, target } = ctx;
  const from = `${subnetsLabel(scope)} of ${targetLabel(target)}`;
  const expected = `no allow of *, 0.0.0.0/0, Internet or more than ${maxWidth} ports`;
  const base: Record<string, unknown> = { ...scopeEvidence(targetEvidence, scope), maxPortRangeWidth: maxWidth };
  const set = effectiveRuleSet(snapshot, scope.firewall);
  if (!set.ok) {
    return [
      unknownResult(
        set.resourceId,
        `${unreadablePolicyLabel(set, scope.firewall)} could not be read, so the firewall's allow rules for ${from} could not be judged.`,
        set.error,
        { expected, evidence: { ...base, ...ruleSetEvidence(set) } },
      ),
    ];
  }
  const rs = set.value;
  const where = ruleSetLabel(rs);
  Object.assign(base, ruleSetEvidence(set));
  const scan = findOverbroadRules(snapshot, rs, scope.prefixes, maxWidth);
  const results: CheckResult[] = scan.rules.map((r) => {
    const holder = r.ref.policyId ?? r.ref.firewallId ?? rs.resourceId;
    const evidence: Record<string, unknown> = { ...base, rule: r.ref, reasons: r.reasons, decidedBy: `${r.ref.path} (Allow): ${r.reasons.join("; ")}` };
    const inherited = r.ref.inherited ? ` (inherited from parent policy ${nameOf(holder)})` : "";
    if (r.status === "unknown") {
      const [first] = r.errors;
      return unknownResult(
        holder,
        `Whether allow rule ${r.ref.path}${inherited} is over-broad for ${from} is unknown: an IP group it uses could not be read.`,
        first ?? { code: "NotCollected", message: "an IP group could not be read" },
        { item: r.ref.path, expected, evidence: { ...evidence, readErrors: r.errors } },
      );
    }
    return {
      status: "fail",
      resourceId: holder,
      item: r.ref.path,
      message: `Allow rule ${r.ref.path}${inherited} in ${where} applies to ${from} and opens ${r.reasons.join("; ")}.`,
      expected,
      actual: r.reasons.join("; "),
      evidence,
    };
  });
  if (results.length > 0) return results;
  return [
    {
      status: "pass",
      resourceId: rs.resourceId,
      message: `${capitalise(where)} has no over-broad allow rule for ${from}.`,
      expected,
      actual: `${scan.examined} allow rule(s) for the subnet, none over-broad`,
      evidence: {
        ...base,
        allowRulesExamined: scan.examined,
        ...(scan.shadowed.length > 0 ? { shadowedOverbroadRules: scan.shadowed } : {}),
        decidedBy: "no allow rule with target FQDN *, destination */0.0.0.0/0/Internet or a port range wider than the maximum",
      },
    },
  ];
}
