/**
 * How an egress design explains a public address of an MC group (CHECKS.md `mc-group-public-ip`):
 * - `loadBalancer`: the AKS outbound IPs (`effectiveOutboundIPs`, outbound-rule frontends of the
 *   MC group's load balancers) and the ingress IPs of clusters with public ingress;
 * - NAT gateway designs: the NAT gateway's public IPs and prefixes (`natOutbound.ts`) and the
 *   ingress IPs (ingress does not depend on the egress design);
 * - an egress mode that could not be read: whatever either design would explain, so the caller
 *   can say "the mode decides" (unknown) rather than guess.
 * `userDefinedRouting`, `none`, `block` and unknown spellings explain nothing; the caller decides
 * those without asking. Node public IPs are never explained by a design. Pure.
 */
import { sameId } from "../../model/snapshot.js";
import type { AksCluster, LoadBalancer, McGroupContents, Part, PublicIp, PublicIpPrefix, ReadError, Target } from "../../model/snapshot.js";
import { dedupeIds } from "./names.js";
import { natExplains, natOutboundOf } from "./natOutbound.js";
import type { NatOutbound } from "./natOutbound.js";
import { errorOf, resolve } from "./parts.js";
import { egressDesignOf, poolClustersOf } from "./target.js";
import type { EgressDesign, EgressMode } from "./target.js";
import type { CheckContext } from "./types.js";

/** What every judgement of one target's public addresses shares. */
export interface AddressEnvironment {
  ctx: CheckContext;
  mcGroupId: string;
  mode: EgressMode;
  /** The design of the egress mode; undefined when the mode could not be read. */
  design?: EgressDesign;
  aks: Part<AksCluster>;
  loadBalancers: Array<{ id: string; part: Part<LoadBalancer> }>;
  /** Whether the target may have public ingress (plain AKS: always; pool: a cluster without internal ingress). */
  publicIngress: { known: true; value: boolean; why: string } | { known: false; error: ReadError };
  /** Only for the NAT gateway designs. */
  nat?: NatOutbound;
}

/** Builds the shared environment: the MC group's load balancers (and any LB a public IP names), ingress, NAT. */
export function addressEnvironment(
  ctx: CheckContext,
  group: McGroupContents,
  pipIds: string[],
  mode: EgressMode,
  aks: Part<AksCluster>,
): AddressEnvironment {
  const { snapshot, target } = ctx;
  const lbIds = [...group.loadBalancerIds];
  for (const pipId of pipIds) {
    const pip = resolve(snapshot.publicIps, pipId, `public IP ${pipId}`);
    if (pip.ok && pip.value.attachedTo?.kind === "loadBalancerFrontend") lbIds.push(pip.value.attachedTo.resourceId);
  }
  const loadBalancers = dedupeIds(lbIds).map((id) => {
    const part = resolve(snapshot.loadBalancers, id, `load balancer ${id}`);
    return { id, part: part.ok ? part : { ok: false as const, error: errorOf(part, id) } };
  });
  const env: AddressEnvironment = { ctx, mcGroupId: group.id, mode, aks, loadBalancers, publicIngress: publicIngressOf(target) };
  if (mode.ok) {
    env.design = egressDesignOf(mode.mode);
    if (env.design === "natGateway") env.nat = natOutboundOf(snapshot, target, aks, mode.mode, group.id);
  }
  return env;
}

function publicIngressOf(target: Target): AddressEnvironment["publicIngress"] {
  if (target.kind === "aksCluster") return { known: true, value: true, why: "a plain AKS cluster may expose public ingress" };
  const clusters = poolClustersOf(target);
  if (!clusters.ok) return { known: false, error: clusters.error };
  const publicOnes = clusters.value.filter((c) => c.enableInternalIngress !== true);
  return publicOnes.length > 0
    ? { known: true, value: true, why: `clusters with public ingress: ${publicOnes.map((c) => c.name).join(", ")}` }
    : { known: true, value: false, why: "every cluster of the pool uses internal ingress" };
}

/** How a design explains an address, and the read errors that could change that. */
export interface Explanation {
  explainedBy?: string;
  /** Evidence of the deciding reference (frontend id, rule kind, NAT source, ...). */
  reference?: Record<string, unknown>;
  /** A role found but not allowed (ingress frontend while the pool has no public ingress). */
  note?: string;
  errors: ReadError[];
}

/**
 * Explains a `publicIPAddresses` resource by the target's design (`loadBalancer`, NAT gateway, or
 * unknown mode). `pip` is undefined when it could not be read (`pipError`).
 */
export function explainPublicIp(env: AddressEnvironment, pipId: string, pip: PublicIp | undefined, pipError?: ReadError): Explanation {
  if (env.design === "natGateway" && env.nat !== undefined) {
    const attachedGateway = pip?.attachedTo?.kind === "natGateway" ? pip.attachedTo.resourceId : undefined;
    const why = natExplains(env.nat, pipId, attachedGateway);
    if (why !== undefined) {
      return { explainedBy: "NAT gateway outbound IP", reference: { natSource: why, ...env.nat.evidence }, errors: [] };
    }
    const ingress = explainOnLoadBalancers(env, pipId, { outbound: false });
    if (ingress.explainedBy !== undefined) return ingress;
    // A NAT read that failed matters only when the address may sit on a NAT gateway: unread, or
    // its own back-reference (`natGateway.id`) names one that could not be matched.
    const mayBeOnNat = pip === undefined || attachedGateway !== undefined;
    const errors = [...(mayBeOnNat ? env.nat.errors : []), ...ingress.errors, ...(pipError !== undefined ? [pipError] : [])];
    return { ...ingress, errors };
  }
  const explained = explainOnLoadBalancers(env, pipId, { outbound: true });
  if (explained.explainedBy !== undefined || env.design !== undefined) return explained;
  // Egress mode unknown: an address on a NAT gateway would be explained by a NAT design.
  if (pip?.attachedTo?.kind === "natGateway") {
    return { explainedBy: "NAT gateway outbound IP (in a NAT gateway design)", reference: { natGatewayId: pip.attachedTo.resourceId }, errors: explained.errors };
  }
  return explained;
}

/**
 * Explains a `publicIPPrefixes` resource by the target's design: a NAT design explains its
 * gateway's prefixes; `loadBalancer` only a prefix AKS lists as an outbound address.
 */
export function explainPrefix(env: AddressEnvironment, prefixId: string, prefix: PublicIpPrefix | undefined, prefixError?: ReadError): Explanation {
  const withError = prefixError !== undefined ? [prefixError] : [];
  if (env.design === "natGateway" && env.nat !== undefined) {
    const why = natExplains(env.nat, prefixId, prefix?.natGatewayId);
    if (why !== undefined) return { explainedBy: "NAT gateway outbound prefix", reference: { natSource: why, ...env.nat.evidence }, errors: [] };
    const mayBeOnNat = prefix === undefined || prefix.natGatewayId !== undefined;
    return { errors: [...(mayBeOnNat ? env.nat.errors : []), ...withError] };
  }
  const aks = env.aks;
  if (!aks.ok) return { errors: [aks.error, ...withError] };
  if (aks.value.effectiveOutboundIpIds.some((id) => sameId(id, prefixId))) {
    return {
      explainedBy: "AKS outbound prefix",
      reference: { aksClusterId: aks.value.id, field: "networkProfile.loadBalancerProfile.effectiveOutboundIPs" },
      errors: [],
    };
  }
  if (env.design === undefined && prefix?.natGatewayId !== undefined) {
    return { explainedBy: "NAT gateway outbound prefix (in a NAT gateway design)", reference: { natGatewayId: prefix.natGatewayId }, errors: [] };
  }
  // Unread, the prefix's back-reference might name a NAT gateway: only the mode-unknown path asks.
  return { errors: env.design === undefined ? withError : [] };
}

/**
 * The load-balancer explanations: with `outbound`, the AKS outbound IPs (`effectiveOutboundIPs`
 * and outbound-rule frontends); always, the ingress frontends (load-balancing rules) of clusters
 * with public ingress.
 */
function explainOnLoadBalancers(env: AddressEnvironment, pipId: string, options: { outbound: boolean }): Explanation {
  const errors: ReadError[] = [];
  if (options.outbound) {
    const aks = env.aks;
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
  }
  let ingressFrontend: { lbId: string; frontendId: string } | undefined;
  let outboundFrontend: { lbId: string; frontendId: string } | undefined;
  for (const lb of env.loadBalancers) {
    if (!lb.part.ok) {
      errors.push(lb.part.error);
      continue;
    }
    for (const fe of lb.part.value.frontends) {
      if (!sameId(fe.publicIpId, pipId)) continue;
      if (lb.part.value.outboundFrontendIds.some((id) => sameId(id, fe.id))) outboundFrontend ??= { lbId: lb.part.value.id, frontendId: fe.id };
      if (lb.part.value.inboundFrontendIds.some((id) => sameId(id, fe.id))) ingressFrontend ??= { lbId: lb.part.value.id, frontendId: fe.id };
    }
  }
  if (options.outbound && outboundFrontend !== undefined) {
    return {
      explainedBy: "AKS outbound rule frontend",
      reference: { loadBalancerId: outboundFrontend.lbId, frontendId: outboundFrontend.frontendId, rule: "outbound rule" },
      errors,
    };
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
  if (!options.outbound && outboundFrontend !== undefined) {
    return {
      reference: { loadBalancerId: outboundFrontend.lbId, frontendId: outboundFrontend.frontendId, rule: "outbound rule" },
      note: "load balancer outbound rule frontend, which a NAT gateway design does not explain",
      errors,
    };
  }
  return { errors };
}
