import type { ReadError } from "../model/snapshot.js";
import type { Check, CheckContext, CheckResult } from "./lib/types.js";
import { capitalise, sameText } from "./lib/names.js";
import { describeOutboundType, matchOutboundType } from "./lib/outboundDesign.js";
import { unknownResult } from "./lib/parts.js";
import { aksClusterOf, egressMode, poolEvidence, targetLabel } from "./lib/target.js";

const IMMUTABLE_NOTE =
  "a cluster pool's outbound type cannot be changed after creation, so the remedy is a new pool";

/** `pool-outbound-type`: the egress mode is the one the baseline requires, and pool and AKS agree. */
export const poolOutboundType: Check = {
  meta: {
    id: "pool-outbound-type",
    title: "Egress mode (outbound type) matches the baseline and the AKS cluster",
    defaultSeverity: "high",
    risk:
      "With the wrong outbound type, egress leaves through an AKS-managed public IP instead of the firewall, so " +
      "nothing inspects or restricts what the cluster sends to the internet.",
    remediation:
      "A cluster pool's outbound type is fixed at creation: create a new pool in a subnet whose route table sends " +
      "0.0.0.0/0 to the firewall, with networkProfile set in Bicep " +
      "(resource pool 'Microsoft.HDInsight/clusterpools@2024-05-01-preview' = { ... properties: { networkProfile: " +
      "{ subnetId: subnet.id, outboundType: 'userDefinedRouting' } } }), move the clusters, then delete the old pool. " +
      "For a plain AKS cluster, migrate in place along the documented outbound-type migrations (each changes the egress " +
      "addresses): az aks update -g <rg> -n <cluster> --outbound-type userDefinedRouting. Outbound types are compared " +
      "as designs: managedNATGatewayV2 (preview) is managedNATGateway with networkProfile.natGatewayProfile.sku " +
      "StandardV2, so a baseline requiring managedNATGateway accepts either SKU; none and block are distinct values.",
    requires: ["pools", "aksClusters", "publicIps", "publicIpPrefixes", "natGateways"],
    parameters: [],
  },
  evaluate(ctx: CheckContext): CheckResult[] {
    return [judge(ctx)];
  },
};

function judge({ snapshot, target, baseline }: CheckContext): CheckResult {
  const required = baseline.rules.outboundType;
  const mode = egressMode(snapshot, target);
  if (!mode.ok) {
    const why =
      target.kind === "clusterPool"
        ? "the pool does not state it and its AKS cluster could not be read"
        : "the AKS cluster could not be read";
    return unknownResult(
      target.id,
      `The outbound type of ${targetLabel(target)} could not be determined: ${why}.`,
      mode.error,
      { expected: required ?? "a known outbound type", evidence: { targetId: target.id, ...mode.evidence } },
    );
  }

  const aks = aksClusterOf(snapshot, target);
  const described = describeOutboundType(snapshot, mode.mode, aks.ok ? aks.value : undefined);
  const evidence: Record<string, unknown> = { targetId: target.id, ...mode.evidence, ...described.evidence };
  if (required !== undefined) evidence.baselineOutboundType = required;

  // Pools: the pool's stated outbound type and its AKS cluster's must agree.
  let agreementUnknown: { error: ReadError } | undefined;
  if (target.kind === "clusterPool" && target.pool?.outboundType !== undefined) {
    if (aks.ok) {
      evidence.aksClusterId = aks.value.id;
      evidence.aksOutboundType = aks.value.outboundType ?? null;
      if (aks.value.outboundType !== undefined && !sameText(aks.value.outboundType, target.pool.outboundType)) {
        return {
          status: "fail",
          resourceId: target.id,
          message:
            `Cluster pool ${target.name} states outbound type ${target.pool.outboundType} but its AKS cluster ` +
            `${aks.value.name} uses ${aks.value.outboundType}; ${IMMUTABLE_NOTE}.`,
          expected: required ?? `${target.pool.outboundType} (pool = AKS)`,
          actual: `pool ${target.pool.outboundType}, AKS ${aks.value.outboundType}`,
          evidence: { ...evidence, decidedBy: "pool networkProfile.outboundType differs from AKS networkProfile.outboundType" },
        };
      }
    } else {
      // Both must be known to tell; the pool's own statement can still fail the baseline (below),
      // but it cannot pass: a disagreement with the unreadable AKS cluster is not excluded.
      evidence.aksClusterReadError = aks.error;
      agreementUnknown = { error: aks.error };
    }
  }

  const match = required !== undefined ? matchOutboundType(required, mode.mode, described.sku) : undefined;
  if (match?.note !== undefined) evidence.designComparison = match.note;
  if (required !== undefined && match?.kind === "mismatch") {
    const tail = target.kind === "clusterPool" ? `; ${IMMUTABLE_NOTE}` : "";
    const why = match.note !== undefined ? `: ${match.note}` : "";
    return {
      status: "fail",
      resourceId: target.id,
      message: `${capitalise(targetLabel(target))} uses outbound type ${described.text} but the baseline requires ${required}${why}${tail}.`,
      expected: required,
      actual: described.text,
      evidence: { ...evidence, decidedBy: "baseline outboundType" },
    };
  }
  if (required !== undefined && match?.kind === "unknown") {
    return unknownResult(
      target.id,
      `${capitalise(targetLabel(target))} uses outbound type ${mode.mode}, and whether that is the ${required} the baseline requires could not be told: ${match.note}.`,
      match.error,
      { expected: required, evidence },
    );
  }

  if (agreementUnknown) {
    return unknownResult(
      target.id,
      `Cluster pool ${target.name} states outbound type ${mode.mode}, but whether its AKS cluster agrees could not be determined: the AKS cluster could not be read.`,
      agreementUnknown.error,
      { expected: required ?? `${mode.mode} (pool = AKS)`, evidence },
    );
  }

  return {
    status: "pass",
    resourceId: target.id,
    message:
      required !== undefined
        ? `${capitalise(targetLabel(target))} uses outbound type ${described.text}, which is the ${required} the baseline requires.`
        : `${capitalise(targetLabel(target))} uses outbound type ${described.text} and no baseline outbound type is required.`,
    expected: required ?? mode.mode,
    actual: described.text,
    evidence: { ...evidence, ...poolEvidence(target) },
  };
}
