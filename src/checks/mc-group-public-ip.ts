import { idMatches } from "../baseline/baseline.js";
import { sameId } from "../model/snapshot.js";
import type { LoadBalancer, Part, PublicIp, PublicIpAttachment, ReadError, Target } from "../model/snapshot.js";
import type { Check, CheckContext, CheckResult } from "./lib/types.js";
import { dedupeIds, nameOf, sameText } from "./lib/names.js";
import { errorOf, resolve, unknownResult } from "./lib/parts.js";
import { aksClusterOf, egressMode, isUdr, mcGroupIdOf, poolClustersOf, targetLabel } from "./lib/target.js";
import type { EgressMode } from "./lib/target.js";

/** `mc-group-public-ip`: every public IP in the MC group is explained by the egress mode. */
export const mcGroupPublicIp: Check = {
  meta: {
    id: "mc-group-public-ip",
    title: "No unexplained public IP in the AKS node (MC) resource group",
    defaultSeverity: "high",
    risk:
      "A public IP the egress mode does not explain is a path to or from the internet that bypasses the firewall: " +
      "a node NIC with a public IP or a stray load balancer frontend can send data out uninspected.",
    remediation:
      "Find what the public IP is attached to (az network public-ip show --ids <publicIpId> --query ipConfiguration.id); " +
      "remove the Kubernetes Service of type LoadBalancer or the NIC ip-config that uses it " +
      "(az network nic ip-config update -g <mcGroup> --nic-name <nic> -n <ipconfig> --remove publicIpAddress), " +
      "then delete it (az network public-ip delete --ids <publicIpId>). If the address is intended, list its id in " +
      "the baseline's allowedPublicIpIds.",
    requires: ["pools", "clusters", "aksClusters", "mcGroups", "publicIps", "loadBalancers"],
    parameters: [],
  },
  evaluate(ctx: CheckContext): CheckResult[] {
    const { snapshot, target } = ctx;
    const mcId = mcGroupIdOf(snapshot, target);
    if (!mcId.ok) {
      return [
        unknownResult(
          target.id,
          `The MC group of ${targetLabel(target)} could not be derived, so its public IPs could not be listed.`,
          mcId.error,
          { expected: "no unexplained public IP", evidence: { targetId: target.id } },
        ),
      ];
    }
    const contents = resolve(snapshot.mcGroups, mcId.value, `MC group ${mcId.value}`);
    if (!contents.ok) {
      return [
        unknownResult(
          mcId.value,
          `The public IPs of MC group ${nameOf(mcId.value)} of ${targetLabel(target)} could not be read.`,
          errorOf(contents, mcId.value),
          { expected: "no unexplained public IP", evidence: { targetId: target.id, mcGroupId: mcId.value } },
        ),
      ];
    }
    const group = contents.value;
    const mode = egressMode(snapshot, target);
    const pipIds = dedupeIds(group.publicIpIds);
    if (pipIds.length === 0) {
      return [
        {
          status: "pass",
          resourceId: group.id,
          message: `MC group ${nameOf(group.id)} of ${targetLabel(target)} holds no public IP.`,
          expected: "no unexplained public IP",
          actual: "no public IP",
          evidence: { targetId: target.id, mcGroupId: group.id, publicIpIds: [], ...mode.evidence },
        },
      ];
    }
    const env = environment(ctx, group.id, group.loadBalancerIds, pipIds, mode);
    return pipIds.map((pipId) => judgePublicIp(env, pipId));
  },
};

interface Environment {
  ctx: CheckContext;
  mcGroupId: string;
  mode: EgressMode;
  loadBalancers: { id: string; part: Part<LoadBalancer> }[];
  /** Whether the target may have public ingress (plain AKS: always; pool: a cluster without internal ingress). */
  publicIngress: { known: true; value: boolean; why: string } | { known: false; error: ReadError };
}

function environment(
  ctx: CheckContext,
  mcGroupId: string,
  loadBalancerIds: string[],
  pipIds: string[],
  mode: EgressMode,
): Environment {
  const { snapshot, target } = ctx;
  // Load balancers of the MC group, plus any LB a public IP says it is attached to.
  const lbIds = [...loadBalancerIds];
  for (const pipId of pipIds) {
    const pip = resolve(snapshot.publicIps, pipId, `public IP ${pipId}`);
    if (pip.ok && pip.value.attachedTo?.kind === "loadBalancerFrontend") lbIds.push(pip.value.attachedTo.resourceId);
  }
  const loadBalancers = dedupeIds(lbIds).map((id) => {
    const part = resolve(snapshot.loadBalancers, id, `load balancer ${id}`);
    return { id, part: part.ok ? part : { ok: false as const, error: errorOf(part, id) } };
  });
  return { ctx, mcGroupId, mode, loadBalancers, publicIngress: publicIngressOf(target) };
}

function publicIngressOf(target: Target): Environment["publicIngress"] {
  if (target.kind === "aksCluster") return { known: true, value: true, why: "a plain AKS cluster may expose public ingress" };
  const clusters = poolClustersOf(target);
  if (!clusters.ok) return { known: false, error: clusters.error };
  const publicOnes = clusters.value.filter((c) => c.enableInternalIngress !== true);
  return publicOnes.length > 0
    ? { known: true, value: true, why: `clusters with public ingress: ${publicOnes.map((c) => c.name).join(", ")}` }
    : { known: true, value: false, why: "every cluster of the pool uses internal ingress" };
}

function describeAttachment(a: PublicIpAttachment | undefined): string {
  if (a === undefined) return "nothing";
  switch (a.kind) {
    case "loadBalancerFrontend":
      return `LB frontend ${nameOf(a.id)} of ${nameOf(a.resourceId)}`;
    case "networkInterface":
      return `NIC ${nameOf(a.resourceId)}`;
    case "firewall":
      return `firewall ${nameOf(a.resourceId)}`;
    case "natGateway":
      return `NAT gateway ${nameOf(a.resourceId)}`;
    default:
      return `${nameOf(a.resourceId)}`;
  }
}

/** How the load-balancer-mode rules explain a public IP, and the read errors that could change that. */
interface Explanation {
  explainedBy?: string;
  /** Evidence of the deciding reference (frontend id, rule kind, ...). */
  reference?: Record<string, unknown>;
  /** A role found but not allowed (ingress frontend while the pool has no public ingress). */
  note?: string;
  errors: ReadError[];
}

function explainInLoadBalancerMode(env: Environment, pipId: string, pip: PublicIp | undefined): Explanation {
  const { snapshot, target } = env.ctx;
  const errors: ReadError[] = [];
  const aks = aksClusterOf(snapshot, target);
  if (aks.ok) {
    if (aks.value.effectiveOutboundIpIds.some((id) => sameId(id, pipId))) {
      return {
        explainedBy: "AKS outbound IP",
        reference: { aksClusterId: aks.value.id, field: "networkProfile.loadBalancerProfile.effectiveOutboundIPs" },
        errors,
      };
    }
  } else {
    errors.push(aks.error);
  }
  let ingressFrontend: { lbId: string; frontendId: string } | undefined;
  for (const lb of env.loadBalancers) {
    if (!lb.part.ok) {
      errors.push(lb.part.error);
      continue;
    }
    for (const fe of lb.part.value.frontends) {
      if (!sameId(fe.publicIpId, pipId)) continue;
      if (lb.part.value.outboundFrontendIds.some((id) => sameId(id, fe.id))) {
        return {
          explainedBy: "AKS outbound rule frontend",
          reference: { loadBalancerId: lb.part.value.id, frontendId: fe.id, rule: "outbound rule" },
          errors,
        };
      }
      if (lb.part.value.inboundFrontendIds.some((id) => sameId(id, fe.id))) {
        ingressFrontend = { lbId: lb.part.value.id, frontendId: fe.id };
      }
    }
  }
  if (ingressFrontend !== undefined) {
    const reference = { loadBalancerId: ingressFrontend.lbId, frontendId: ingressFrontend.frontendId, rule: "load-balancing rule" };
    if (env.publicIngress.known) {
      return env.publicIngress.value
        ? { explainedBy: "cluster ingress IP", reference: { ...reference, publicIngress: env.publicIngress.why }, errors }
        : { reference, note: `ingress frontend, but ${env.publicIngress.why}`, errors };
    }
    return { reference, errors: [...errors, env.publicIngress.error] };
  }
  // AKS-managed NAT gateway egress (plain AKS `managedNATGateway`): its outbound IP lives in the MC group.
  const mode = env.mode;
  if (
    mode.ok &&
    sameText(mode.mode, "managedNATGateway") &&
    pip?.attachedTo?.kind === "natGateway" &&
    pip.attachedTo.resourceId.toLowerCase().startsWith(`${env.mcGroupId.toLowerCase()}/`)
  ) {
    return {
      explainedBy: "AKS-managed NAT gateway outbound IP",
      reference: { natGatewayId: pip.attachedTo.resourceId },
      errors,
    };
  }
  return { errors };
}

function judgePublicIp(env: Environment, pipId: string): CheckResult {
  const { snapshot, target, baseline } = env.ctx;
  const pipPart = resolve(snapshot.publicIps, pipId, `public IP ${pipId}`);
  const pip = pipPart.ok ? pipPart.value : undefined;
  const attached = pipPart.ok ? describeAttachment(pip?.attachedTo) : "unknown (public IP not readable)";
  const address = pip?.ipAddress !== undefined ? `${pip.ipAddress} ` : "";
  const label = `Public IP ${nameOf(pipId)}${pip?.ipAddress !== undefined ? ` (${pip.ipAddress})` : ""}`;
  const mode = env.mode;
  const evidence: Record<string, unknown> = {
    targetId: target.id,
    mcGroupId: env.mcGroupId,
    publicIpId: pipId,
    ipAddress: pip?.ipAddress ?? null,
    attachedTo: pipPart.ok ? (pip?.attachedTo ?? "nothing") : { readError: errorOf(pipPart, pipId) },
    ...mode.evidence,
  };
  const base = { resourceId: pipId, item: pipId };
  const udr = mode.ok && isUdr(mode.mode);
  const expected = udr ? "no public IP (userDefinedRouting)" : "AKS outbound or ingress IP";

  const allowed = (baseline.rules.allowedPublicIpIds ?? []).find((glob) => idMatches(glob, pipId));
  if (allowed !== undefined) {
    return {
      ...base,
      status: "pass",
      message: `${label} in MC group ${nameOf(env.mcGroupId)} is allowed by the baseline.`,
      expected,
      actual: `baseline-allowed, attached to ${attached}`,
      evidence: { ...evidence, explainedBy: "baseline allowedPublicIpIds", allowedBy: allowed },
    };
  }

  if (udr) {
    return {
      ...base,
      status: "fail",
      message:
        `${label} in MC group ${nameOf(env.mcGroupId)} of userDefinedRouting ${targetLabel(target)} is attached to ` +
        `${attached}; a UDR target should have no public IP.`,
      expected,
      actual: `public IP ${address}on ${attached}`,
      evidence: { ...evidence, decidedBy: "userDefinedRouting: no public IP expected" },
    };
  }

  const explanation = explainInLoadBalancerMode(env, pipId, pip);
  const withRef = { ...evidence, ...(explanation.reference !== undefined ? { reference: explanation.reference } : {}) };
  if (explanation.explainedBy !== undefined) {
    if (mode.ok) {
      return {
        ...base,
        status: "pass",
        message: `${label} in MC group ${nameOf(env.mcGroupId)} is the ${explanation.explainedBy} of ${targetLabel(target)}.`,
        expected,
        actual: `${explanation.explainedBy}, attached to ${attached}`,
        evidence: { ...withRef, explainedBy: explanation.explainedBy },
      };
    }
    // Explained for loadBalancer egress, a failure for userDefinedRouting: the mode decides.
    return unknownResult(
      pipId,
      `${label} in MC group ${nameOf(env.mcGroupId)} is the ${explanation.explainedBy} of ${targetLabel(target)}, ` +
        `but the egress mode that decides whether it is expected could not be read.`,
      mode.error,
      { item: pipId, expected: "AKS outbound or ingress IP (unless userDefinedRouting)", evidence: { ...withRef, explainedBy: explanation.explainedBy } },
    );
  }
  const [first] = explanation.errors;
  if (first !== undefined) {
    return unknownResult(
      pipId,
      `${label} in MC group ${nameOf(env.mcGroupId)} of ${targetLabel(target)} could not be explained because a read failed.`,
      first,
      {
        item: pipId,
        expected,
        evidence: { ...withRef, ...(explanation.note !== undefined ? { note: explanation.note } : {}), readErrors: explanation.errors },
      },
    );
  }
  // Unexplained with every read in hand: a failure whatever the egress mode (UDR would fail it too).
  return {
    ...base,
    status: "fail",
    message:
      `${label} in MC group ${nameOf(env.mcGroupId)} of ${targetLabel(target)} is attached to ${attached} ` +
      `and is neither an AKS outbound IP nor a cluster ingress IP.`,
    expected,
    actual: `unexplained, attached to ${attached}`,
    evidence: {
      ...withRef,
      ...(explanation.note !== undefined ? { note: explanation.note } : {}),
      decidedBy: "not in effectiveOutboundIPs, not an outbound-rule frontend, not a public ingress frontend",
    },
  };
}
