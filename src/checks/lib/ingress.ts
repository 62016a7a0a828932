/**
 * Cluster ingress, as the snapshot shows it: the public ingress IPs of an MC group (public IPs on
 * load-balancing-rule frontends) and the internal ingress address of a private-ingress cluster
 * (private link service → internal load balancer frontend → private IP). Pure; no I/O.
 */
import { parentResourceId } from "../../model/resourceId.js";
import { sameId } from "../../model/snapshot.js";
import type { HdiCluster, Part, PublicIp, ReadError, Snapshot } from "../../model/snapshot.js";
import { dedupeIds, nameOf } from "./names.js";
import { errorOf, resolve, resolveInGroup } from "./parts.js";

/** A public IP that serves a load-balancing rule (ingress) of a load balancer in an MC group. */
export interface IngressPublicIp {
  publicIpId: string;
  loadBalancerId: string;
  frontendId: string;
  /** The public IP, when it could be read (its tags help attribute it to a cluster). */
  publicIp?: PublicIp;
  /** Why the public IP itself could not be read. */
  publicIpError?: ReadError;
}

/**
 * The public ingress IPs of an MC group: public IPs on frontends used by load-balancing rules of
 * the group's load balancers. An error when the group or any of its load balancers could not be
 * read (an unreadable load balancer may hold an ingress frontend).
 */
export function mcGroupIngressPublicIps(snapshot: Snapshot, mcGroupId: string): Part<IngressPublicIp[]> {
  const contents = resolve(snapshot.mcGroups, mcGroupId, `MC group ${mcGroupId}`);
  if (!contents.ok) return { ok: false, error: errorOf(contents, mcGroupId) };
  const out: IngressPublicIp[] = [];
  for (const lbId of dedupeIds(contents.value.loadBalancerIds)) {
    const lb = resolveInGroup(snapshot, snapshot.loadBalancers, lbId, `load balancer ${lbId}`);
    if (!lb.ok) return { ok: false, error: errorOf(lb, lbId) };
    for (const fe of lb.value.frontends) {
      if (fe.publicIpId === undefined || fe.publicIpId === "") continue;
      if (!lb.value.inboundFrontendIds.some((id) => sameId(id, fe.id))) continue;
      const pip = resolveInGroup(snapshot, snapshot.publicIps, fe.publicIpId, `public IP ${fe.publicIpId}`);
      out.push({
        publicIpId: fe.publicIpId,
        loadBalancerId: lb.value.id,
        frontendId: fe.id,
        ...(pip.ok ? { publicIp: pip.value } : { publicIpError: errorOf(pip, fe.publicIpId) }),
      });
    }
  }
  // One entry per public IP (a public IP can sit on several frontends only in odd set-ups).
  const seen = new Set<string>();
  return {
    ok: true,
    value: out.filter((x) => {
      const key = x.publicIpId.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    }),
  };
}

/** Tag the Kubernetes cloud provider writes on service public IPs: `<namespace>/<service>[,...]`. */
export const SERVICE_TAG = "k8s-azure-service";

/** The `<namespace>/<service>` pairs named by a public IP's `k8s-azure-service` tag. */
export function servicesOfPublicIp(pip: PublicIp | undefined): { namespace: string; service: string }[] {
  const tags = pip?.tags ?? {};
  const key = Object.keys(tags).find((k) => k.toLowerCase() === SERVICE_TAG);
  const value = key === undefined ? undefined : tags[key];
  if (value === undefined) return [];
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const [namespace = "", service = ""] = s.split("/");
      return { namespace, service };
    });
}

/** The internal ingress address(es) of a private-ingress cluster and the chain that gave them. */
export interface InternalIngress {
  privateLinkServiceId: string;
  frontends: { frontendId: string; loadBalancerId: string; privateIpAddress: string }[];
  addresses: string[];
}

/**
 * Resolves a cluster's internal ingress address: `privateLinkServiceId` → the private link service →
 * its load balancer frontend(s) → their `privateIpAddress`. An error when any link of that chain is
 * missing or unreadable (never a guess).
 */
export function internalIngressOf(snapshot: Snapshot, cluster: HdiCluster): Part<InternalIngress> {
  const plsId = cluster.privateLinkServiceId;
  if (plsId === undefined || plsId === "") {
    return {
      ok: false,
      error: {
        code: "NotReturned",
        message: `cluster ${cluster.name} returned no clusterAccessProfile.privateLinkServiceId`,
        scope: cluster.id,
      },
    };
  }
  const pls = resolveInGroup(snapshot, snapshot.privateLinkServices, plsId, `private link service ${plsId}`);
  if (!pls.ok) return { ok: false, error: errorOf(pls, plsId) };
  if (pls.value.loadBalancerFrontendIds.length === 0) {
    return {
      ok: false,
      error: { code: "NotReturned", message: `private link service ${nameOf(plsId)} fronts no load balancer frontend`, scope: plsId },
    };
  }
  const frontends: InternalIngress["frontends"] = [];
  for (const frontendId of pls.value.loadBalancerFrontendIds) {
    const lbId = parentResourceId(frontendId);
    if (lbId === undefined) {
      return { ok: false, error: { code: "InvalidResourceId", message: `not a load balancer frontend id: ${frontendId}`, scope: plsId } };
    }
    const lb = resolveInGroup(snapshot, snapshot.loadBalancers, lbId, `load balancer ${lbId}`);
    if (!lb.ok) return { ok: false, error: errorOf(lb, lbId) };
    const fe = lb.value.frontends.find((f) => sameId(f.id, frontendId));
    if (fe === undefined) {
      return {
        ok: false,
        error: { code: "NotCollected", message: `frontend ${nameOf(frontendId)} is not among the frontends of load balancer ${lb.value.name}`, scope: frontendId },
      };
    }
    if (fe.privateIpAddress === undefined || fe.privateIpAddress === "") {
      return {
        ok: false,
        error: { code: "NotReturned", message: `frontend ${fe.name} of load balancer ${lb.value.name} has no privateIPAddress`, scope: frontendId },
      };
    }
    frontends.push({ frontendId: fe.id, loadBalancerId: lb.value.id, privateIpAddress: fe.privateIpAddress });
  }
  return { ok: true, value: { privateLinkServiceId: pls.value.id, frontends, addresses: [...new Set(frontends.map((f) => f.privateIpAddress))] } };
}
