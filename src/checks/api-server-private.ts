import type { AksCluster, ReadError } from "../model/snapshot.js";
import type { Check, CheckContext, CheckResult } from "./lib/types.js";
import { isDefaultRoutePrefix } from "./lib/addresses.js";
import { capitalise } from "./lib/names.js";
import { unknownResult } from "./lib/parts.js";
import { aksClusterOf, poolEvidence, targetLabel } from "./lib/target.js";

const IMMUTABLE_NOTE =
  "a cluster pool's enablePrivateApiServer is set at creation only, so the remedy is a new pool";

/** `api-server-private`: the API server is private when required, pool and AKS agree, public ones are restricted. */
export const apiServerPrivate: Check = {
  meta: {
    id: "api-server-private",
    title: "AKS API server is private (or restricted by authorized IP ranges) as the baseline requires",
    defaultSeverity: "medium",
    risk:
      "A public Kubernetes API server can be reached from anywhere on the internet, so a leaked credential or an API " +
      "server vulnerability is exploitable without any network foothold.",
    remediation:
      "A cluster pool's private API server is fixed at creation: create a new pool with it set in Bicep " +
      "(resource pool 'Microsoft.HDInsight/clusterpools@2024-05-01-preview' = { ... properties: { networkProfile: " +
      "{ subnetId: subnet.id, enablePrivateApiServer: true } } }), move the clusters, then delete the old pool. " +
      "For a plain AKS cluster, create it private (az aks create ... --enable-private-cluster) or, with API server " +
      "VNet integration, az aks update -g <rg> -n <cluster> --enable-private-cluster; while it stays public, restrict it: " +
      "az aks update -g <rg> -n <cluster> --api-server-authorized-ip-ranges <cidr>[,<cidr>...].",
    requires: ["pools", "aksClusters"],
    parameters: [],
  },
  evaluate(ctx: CheckContext): CheckResult[] {
    return [judge(ctx)];
  },
};

/** Where the effective private/public state came from. */
interface Effective {
  private: boolean;
  source: string;
}

function judge({ snapshot, target, baseline }: CheckContext): CheckResult {
  const rules = baseline.rules;
  const label = targetLabel(target);
  const pool = target.kind === "clusterPool" ? target.pool : undefined;
  const poolValue = pool?.enablePrivateApiServer;
  const aks = aksClusterOf(snapshot, target);
  const aksCluster: AksCluster | undefined = aks.ok ? aks.value : undefined;
  const aksError: ReadError | undefined = aks.ok ? undefined : aks.error;
  // A readable AKS cluster that does not state enablePrivateCluster has a public API server (API default).
  const aksValue = aksCluster === undefined ? undefined : aksCluster.enablePrivateCluster === true;

  const evidence: Record<string, unknown> = { targetId: target.id, ...poolEvidence(target) };
  if (pool !== undefined) evidence.poolEnablePrivateApiServer = poolValue ?? "not stated";
  if (aksCluster !== undefined) {
    evidence.aksClusterId = aksCluster.id;
    evidence.aksEnablePrivateCluster = aksCluster.enablePrivateCluster ?? "not stated (API default false)";
    evidence.aksAuthorizedIpRanges = aksCluster.authorizedIpRanges ?? [];
    if (aksCluster.enableVnetIntegration === true) Object.assign(evidence, vnetIntegrationEvidence(aksCluster));
  } else if (aksError !== undefined) {
    evidence.aksClusterReadError = aksError;
  }
  if (rules.privateApiServer !== undefined) evidence.baselinePrivateApiServer = rules.privateApiServer;
  if (rules.requireAuthorizedIpRanges !== undefined) evidence.baselineRequireAuthorizedIpRanges = rules.requireAuthorizedIpRanges;

  let effective: Effective;
  if (poolValue !== undefined) {
    effective = { private: poolValue, source: `${pool?.id ?? target.id} networkProfile.enablePrivateApiServer` };
  } else if (aksValue !== undefined && aksCluster !== undefined) {
    effective = { private: aksValue, source: `${aksCluster.id} apiServerAccessProfile.enablePrivateCluster` };
  } else {
    const why =
      target.kind === "clusterPool"
        ? "the pool does not state enablePrivateApiServer and its AKS cluster could not be read"
        : "the AKS cluster could not be read";
    return unknownResult(
      target.id,
      `Whether the API server of ${label} is private could not be determined: ${why}.`,
      aksError ?? { code: "NotCollected", message: "the AKS cluster was not collected", scope: target.id },
      { expected: rules.privateApiServer === true ? "private API server" : "a known API server exposure", evidence },
    );
  }
  evidence.effectivePrivate = effective.private;
  evidence.effectiveSource = effective.source;
  const state = (p: boolean): string => (p ? "private" : "public");
  // API Server VNet Integration: the API server sits behind an internal LB in apiServerSubnetId; it
  // is private only with enablePrivateCluster, else it keeps a public endpoint (reference §8.9).
  const integrated = aksCluster?.enableVnetIntegration === true;
  const kind = (p: boolean): string => (integrated ? `${state(p)} VNet-integrated` : state(p));

  // 1. Pool and AKS cluster disagree (both known).
  if (poolValue !== undefined && aksValue !== undefined && poolValue !== aksValue) {
    return {
      status: "fail",
      resourceId: target.id,
      message:
        `Cluster pool ${target.name} states enablePrivateApiServer ${String(poolValue)} but its AKS cluster ` +
        `${aksCluster?.name ?? ""} has a ${state(aksValue)} API server; ${IMMUTABLE_NOTE}.`,
      expected: rules.privateApiServer === true ? "private API server (pool = AKS)" : `${state(poolValue)} (pool = AKS)`,
      actual: `pool ${state(poolValue)}, AKS ${state(aksValue)}`,
      evidence: { ...evidence, decidedBy: "pool networkProfile.enablePrivateApiServer differs from AKS apiServerAccessProfile.enablePrivateCluster" },
    };
  }

  /**
   * A pass needs the AKS cluster too: "pool and AKS disagree" fails, so a pool whose AKS cluster
   * could not be read cannot pass on its own statement (it can still fail the baseline).
   */
  const cannotPass = (expected: string): CheckResult | undefined =>
    aksError !== undefined && pool !== undefined
      ? unknownResult(
          target.id,
          `Cluster pool ${target.name} states a ${state(effective.private)} API server, but whether its AKS cluster agrees could not be determined: the AKS cluster could not be read.`,
          aksError,
          { expected, evidence },
        )
      : undefined;

  // 2. Baseline requires a private API server.
  if (rules.privateApiServer === true && !effective.private) {
    const tail = target.kind === "clusterPool" ? `; ${IMMUTABLE_NOTE}` : "";
    return {
      status: "fail",
      resourceId: target.id,
      message: `${capitalise(label)} has a ${kind(false)} API server but the baseline requires a private one${tail}.`,
      expected: "private API server",
      actual: `${kind(false)} API server`,
      evidence: { ...evidence, decidedBy: "baseline privateApiServer" },
    };
  }

  // 3. A public API server must be restricted by authorized IP ranges when the baseline says so.
  if (!effective.private && rules.requireAuthorizedIpRanges === true) {
    // The ranges AKS enforces decide; the pool's requested ranges stand in only when AKS is unreadable.
    let ranges: string[] | undefined;
    let rangeSource: string;
    if (aksCluster !== undefined) {
      ranges = aksCluster.authorizedIpRanges ?? [];
      rangeSource = `${aksCluster.id} apiServerAccessProfile.authorizedIPRanges`;
    } else if (pool?.apiServerAuthorizedIpRanges !== undefined && pool.apiServerAuthorizedIpRanges.length > 0) {
      ranges = pool.apiServerAuthorizedIpRanges;
      rangeSource = `${pool.id} networkProfile.apiServerAuthorizedIpRanges (AKS cluster unreadable)`;
    } else {
      return unknownResult(
        target.id,
        `${capitalise(label)} has a public API server whose authorized IP ranges could not be read.`,
        aksError ?? { code: "NotCollected", message: "the AKS cluster was not collected", scope: target.id },
        { expected: "authorized IP ranges on the public API server", evidence },
      );
    }
    const open = ranges.filter((r) => isDefaultRoutePrefix(r));
    if (ranges.length === 0 || open.length > 0) {
      return {
        status: "fail",
        resourceId: target.id,
        message:
          ranges.length === 0
            ? `${capitalise(label)} has a ${kind(false)} API server with no authorized IP ranges, which the baseline requires.`
            : `${capitalise(label)} has a ${kind(false)} API server whose authorized IP ranges include ${open.join(", ")}, which allows every address.`,
        expected: "public API server with authorized IP ranges",
        actual: ranges.length === 0 ? "public, no authorized IP ranges" : `public, authorized ${ranges.join(", ")}`,
        evidence: { ...evidence, authorizedIpRanges: ranges, authorizedIpRangesSource: rangeSource, decidedBy: "baseline requireAuthorizedIpRanges" },
      };
    }
    const undecided = cannotPass("public API server with authorized IP ranges");
    if (undecided) return undecided;
    return {
      status: "pass",
      resourceId: target.id,
      message: `${capitalise(label)} has a ${kind(false)} API server restricted to ${ranges.length} authorized IP range(s).`,
      expected: "public API server with authorized IP ranges",
      actual: `public, authorized ${ranges.join(", ")}`,
      evidence: { ...evidence, authorizedIpRanges: ranges, authorizedIpRangesSource: rangeSource },
    };
  }

  const required = rules.privateApiServer === true;
  const undecided = cannotPass(required ? "private API server (pool = AKS)" : `${state(effective.private)} (pool = AKS)`);
  if (undecided) return undecided;
  return {
    status: "pass",
    resourceId: target.id,
    message: required
      ? `${capitalise(label)} has the required ${kind(true)} API server.`
      : `${capitalise(label)} has a ${kind(effective.private)} API server and no baseline requires a private one.`,
    expected: required ? "private API server" : state(effective.private),
    actual: `${kind(effective.private)} API server`,
    evidence,
  };
}

/** Evidence for API Server VNet Integration: the flag, the API server subnet, and what makes it private. */
function vnetIntegrationEvidence(aks: AksCluster): Record<string, unknown> {
  return {
    apiServerVnetIntegration: true,
    apiServerSubnetId: aks.apiServerSubnetId ?? "not stated",
    vnetIntegrationNote:
      aks.enablePrivateCluster === true
        ? "apiServerAccessProfile.enableVnetIntegration with enablePrivateCluster: the API server is reachable only through its internal load balancer in the API server subnet"
        : "apiServerAccessProfile.enableVnetIntegration with public access (enablePrivateCluster not true): the API server keeps a public endpoint, judged like any public API server",
  };
}
