import type { HdiCluster, Part, ReadError } from "../model/snapshot.js";
import type { Check, CheckContext, CheckResult } from "./lib/types.js";
import { capitalise, nameOf } from "./lib/names.js";
import { unknownResult } from "./lib/parts.js";
import { mcGroupIdOf, poolClustersOf, targetLabel } from "./lib/target.js";
import { mcGroupIngressPublicIps, servicesOfPublicIp } from "./lib/ingress.js";
import type { IngressPublicIp } from "./lib/ingress.js";

const IMMUTABLE_NOTE =
  "enableInternalIngress is set at cluster creation only, so the remedy is to recreate the cluster with internal ingress";

/** `cluster-private-ingress`: clusters use internal ingress when required, and private ones expose no public ingress IP. */
export const clusterPrivateIngress: Check = {
  meta: {
    id: "cluster-private-ingress",
    title: "Clusters use private (internal) ingress and expose no public ingress IP",
    defaultSeverity: "medium",
    risk:
      "A cluster with public ingress publishes its web endpoints (Spark, Trino, Flink UIs and APIs) on an internet-facing " +
      "load balancer, so they are one credential away from anyone on the internet.",
    remediation:
      "Internal ingress is fixed at cluster creation: recreate the cluster with it set in Bicep " +
      "(resource cluster 'Microsoft.HDInsight/clusterpools/clusters@2024-05-01-preview' = { ... properties: { clusterProfile: " +
      "{ clusterAccessProfile: { enableInternalIngress: true } } } }) and delete the old one. A public ingress IP left in the MC " +
      "group of a private-ingress cluster comes from a Kubernetes Service of type LoadBalancer: find it from the IP's " +
      "k8s-azure-service tag (az network public-ip show --ids <publicIpId> --query tags), make it internal " +
      "(annotation service.beta.kubernetes.io/azure-load-balancer-internal: \"true\") or delete it.",
    requires: ["pools", "clusters", "aksClusters", "mcGroups", "loadBalancers", "publicIps"],
    parameters: [],
  },
  evaluate(ctx: CheckContext): CheckResult[] {
    return ctx.target.kind === "clusterPool" ? judgePool(ctx) : judgeAks(ctx);
  },
};

/** Plain AKS: there is no per-cluster ingress flag; only a baseline that requires private ingress is judged. */
function judgeAks({ snapshot, target, baseline }: CheckContext): CheckResult[] {
  if (baseline.rules.privateIngress !== true) return [];
  const expected = "no public ingress IP (baseline privateIngress)";
  const mc = mcGroupIdOf(snapshot, target);
  if (!mc.ok) {
    return [
      unknownResult(target.id, `The MC group of ${targetLabel(target)} could not be derived, so its ingress IPs could not be listed.`, mc.error, {
        expected,
        evidence: { targetId: target.id },
      }),
    ];
  }
  const ingress = mcGroupIngressPublicIps(snapshot, mc.value);
  if (!ingress.ok) {
    return [
      unknownResult(mc.value, `The load balancers of MC group ${nameOf(mc.value)} of ${targetLabel(target)} could not be read.`, ingress.error, {
        expected,
        evidence: { targetId: target.id, mcGroupId: mc.value },
      }),
    ];
  }
  if (ingress.value.length === 0) {
    return [
      {
        status: "pass",
        resourceId: mc.value,
        message: `MC group ${nameOf(mc.value)} of ${targetLabel(target)} has no public IP on a load-balancing rule.`,
        expected,
        actual: "no public ingress IP",
        evidence: { targetId: target.id, mcGroupId: mc.value, baselinePrivateIngress: true },
      },
    ];
  }
  return ingress.value.map((ip) => ({
    status: "fail" as const,
    resourceId: ip.publicIpId,
    item: ip.publicIpId,
    message:
      `Public IP ${nameOf(ip.publicIpId)}${address(ip)} serves a load-balancing rule of ${nameOf(ip.loadBalancerId)} in MC group ` +
      `${nameOf(mc.value)} of ${targetLabel(target)}, but the baseline requires private ingress.`,
    expected,
    actual: `public ingress IP${address(ip)}${serviceText(ip)}`,
    evidence: { targetId: target.id, mcGroupId: mc.value, ...ingressEvidence(ip), decidedBy: "baseline privateIngress" },
  }));
}

function address(ip: IngressPublicIp): string {
  return ip.publicIp?.ipAddress !== undefined ? ` (${ip.publicIp.ipAddress})` : "";
}

function serviceText(ip: IngressPublicIp): string {
  const services = servicesOfPublicIp(ip.publicIp);
  return services.length > 0 ? ` for service ${services.map((s) => `${s.namespace}/${s.service}`).join(", ")}` : "";
}

function ingressEvidence(ip: IngressPublicIp): Record<string, unknown> {
  return {
    publicIpId: ip.publicIpId,
    ipAddress: ip.publicIp?.ipAddress ?? null,
    loadBalancerId: ip.loadBalancerId,
    frontendId: ip.frontendId,
    rule: "load-balancing rule frontend",
    ...(ip.publicIp?.tags !== undefined ? { tags: ip.publicIp.tags } : {}),
    ...(ip.publicIpError !== undefined ? { publicIpReadError: ip.publicIpError } : {}),
  };
}

/** Who a public ingress IP belongs to. */
type Attribution =
  | { kind: "cluster"; cluster: HdiCluster; by: string }
  | { kind: "allPrivate"; by: string }
  | { kind: "unattributed"; why: string }
  | { kind: "unreadable"; error: ReadError };

/**
 * Attributes a public ingress IP: by its `k8s-azure-service` tag (namespace or service named like a
 * cluster of the pool), else to the pool's private clusters when every cluster is private. In a pool
 * that also has public-ingress clusters an untagged IP is theirs to explain (`mc-group-public-ip`).
 */
function attribute(ip: IngressPublicIp, clusters: HdiCluster[]): Attribution {
  for (const s of servicesOfPublicIp(ip.publicIp)) {
    const owner = clusters.find(
      (c) => c.name.toLowerCase() === s.namespace.toLowerCase() || c.name.toLowerCase() === s.service.toLowerCase(),
    );
    if (owner !== undefined) return { kind: "cluster", cluster: owner, by: `tag k8s-azure-service ${s.namespace}/${s.service}` };
  }
  if (clusters.every((c) => c.enableInternalIngress === true)) {
    return { kind: "allPrivate", by: "every cluster of the pool uses internal ingress" };
  }
  if (ip.publicIpError !== undefined) return { kind: "unreadable", error: ip.publicIpError };
  return { kind: "unattributed", why: "no k8s-azure-service tag names a cluster, and the pool has public-ingress clusters" };
}

function judgePool({ snapshot, target, baseline }: CheckContext): CheckResult[] {
  const required = baseline.rules.privateIngress === true;
  const clustersPart = poolClustersOf(target);
  if (!clustersPart.ok) {
    return [
      unknownResult(target.id, `The clusters of ${targetLabel(target)} could not be read, so their ingress could not be judged.`, clustersPart.error, {
        expected: required ? "internal ingress on every cluster" : "no public ingress IP on private-ingress clusters",
        evidence: { targetId: target.id },
      }),
    ];
  }
  const clusters = clustersPart.value;
  if (clusters.length === 0) {
    return [
      {
        status: "pass",
        resourceId: target.id,
        message: `${capitalise(targetLabel(target))} has no clusters, so no cluster ingress is exposed.`,
        expected: required ? "internal ingress on every cluster" : "no public ingress IP on private-ingress clusters",
        actual: "no clusters",
        evidence: { targetId: target.id, clusters: [] },
      },
    ];
  }

  const results: CheckResult[] = [];
  const privateClusters = clusters.filter((c) => c.enableInternalIngress === true);

  // Public ingress IPs of the MC group, only needed when a cluster is private.
  let ingress: Part<IngressPublicIp[]> | undefined;
  let mcGroupId: string | undefined;
  if (privateClusters.length > 0) {
    const mc = mcGroupIdOf(snapshot, target);
    if (mc.ok) {
      mcGroupId = mc.value;
      ingress = mcGroupIngressPublicIps(snapshot, mc.value);
    } else {
      ingress = mc;
    }
  }
  const attributed = new Map<string, { ip: IngressPublicIp; owners: HdiCluster[]; by: string }>();
  const unattributed: string[] = [];
  const unreadable: { ip: IngressPublicIp; error: ReadError }[] = [];
  if (ingress?.ok === true) {
    for (const ip of ingress.value) {
      const a = attribute(ip, clusters);
      if (a.kind === "cluster") {
        if (a.cluster.enableInternalIngress === true) attributed.set(ip.publicIpId.toLowerCase(), { ip, owners: [a.cluster], by: a.by });
      } else if (a.kind === "allPrivate") {
        attributed.set(ip.publicIpId.toLowerCase(), { ip, owners: privateClusters, by: a.by });
      } else if (a.kind === "unreadable") {
        unreadable.push({ ip, error: a.error });
      } else {
        unattributed.push(ip.publicIpId);
      }
    }
  }

  for (const c of clusters) {
    const base = {
      targetId: target.id,
      clusterId: c.id,
      enableInternalIngress: c.enableInternalIngress ?? "absent (no clusterProfile.clusterAccessProfile)",
    };
    if (c.enableInternalIngress !== true) {
      const flag = c.enableInternalIngress === false ? "false" : "absent";
      results.push(
        required
          ? {
              status: "fail",
              resourceId: c.id,
              message: `Cluster ${c.name} of ${targetLabel(target)} uses public ingress (enableInternalIngress ${flag}) but the baseline requires private ingress; ${IMMUTABLE_NOTE}.`,
              expected: "enableInternalIngress true",
              actual: `enableInternalIngress ${flag}`,
              evidence: { ...base, ...(c.fqdn !== undefined ? { fqdn: c.fqdn } : {}), decidedBy: "baseline privateIngress" },
            }
          : {
              status: "pass",
              resourceId: c.id,
              message: `Cluster ${c.name} of ${targetLabel(target)} uses public ingress, which no baseline forbids.`,
              expected: "no requirement (no baseline privateIngress)",
              actual: `enableInternalIngress ${flag}`,
              evidence: base,
            },
      );
      continue;
    }
    // A private-ingress cluster: no public ingress IP may remain for it in the MC group.
    if (ingress === undefined || !ingress.ok) {
      const error = ingress !== undefined && !ingress.ok ? ingress.error : { code: "NotCollected", message: "MC group not derived", scope: target.id };
      results.push(
        unknownResult(c.id, `Whether private-ingress cluster ${c.name} of ${targetLabel(target)} still has a public ingress IP could not be read.`, error, {
          expected: "enableInternalIngress true, no public ingress IP",
          evidence: { ...base, ...(mcGroupId !== undefined ? { mcGroupId } : {}) },
        }),
      );
      continue;
    }
    const mine = [...attributed.values()].filter((a) => a.owners.some((o) => o.id.toLowerCase() === c.id.toLowerCase()));
    if (mine.length > 0) continue; // reported once per public IP below
    const [firstUnreadable] = unreadable;
    if (firstUnreadable !== undefined) {
      results.push(
        unknownResult(
          c.id,
          `Private-ingress cluster ${c.name} of ${targetLabel(target)}: public ingress IP ${nameOf(firstUnreadable.ip.publicIpId)} could not be read, so whose it is cannot be told.`,
          firstUnreadable.error,
          { expected: "enableInternalIngress true, no public ingress IP", evidence: { ...base, mcGroupId, unreadablePublicIps: unreadable.map((u) => u.ip.publicIpId) } },
        ),
      );
      continue;
    }
    results.push({
      status: "pass",
      resourceId: c.id,
      message: `Cluster ${c.name} of ${targetLabel(target)} uses internal ingress and no public ingress IP in MC group ${nameOf(mcGroupId ?? "")} is attributed to it.`,
      expected: "enableInternalIngress true, no public ingress IP",
      actual: "enableInternalIngress true, no public ingress IP",
      evidence: {
        ...base,
        ...(c.privateLinkServiceId !== undefined ? { privateLinkServiceId: c.privateLinkServiceId } : {}),
        mcGroupId,
        ...(unattributed.length > 0 ? { unattributedIngressIps: unattributed, note: "left to the pool's public-ingress clusters" } : {}),
      },
    });
  }

  for (const { ip, owners, by } of attributed.values()) {
    const who = owners.length === 1 && owners[0] !== undefined ? `private-ingress cluster ${owners[0].name}` : `the private-ingress clusters (${owners.map((o) => o.name).join(", ")})`;
    results.push({
      status: "fail",
      resourceId: ip.publicIpId,
      item: ip.publicIpId,
      message:
        `Public IP ${nameOf(ip.publicIpId)}${address(ip)} serves a load-balancing rule of ${nameOf(ip.loadBalancerId)} in MC group ` +
        `${nameOf(mcGroupId ?? "")}, a public ingress for ${who} of ${targetLabel(target)}.`,
      expected: "no public ingress IP (internal ingress)",
      actual: `public ingress IP${address(ip)}${serviceText(ip)}`,
      evidence: { targetId: target.id, mcGroupId, clusterIds: owners.map((o) => o.id), attributedBy: by, ...ingressEvidence(ip) },
    });
  }
  return results;
}
