/**
 * The ways a target's nodes on one subnet can reach the internet without a route: node public IPs
 * (agent pools with `enableNodePublicIP`, instance-level public IPs of the MC group's scale sets)
 * and load balancer outbound rules in the MC group (reference §8.2-8.4, §8.6). With the subnet's
 * NAT gateway and default outbound access (`breakout.ts`) and routes to `Internet`, these are the
 * public egress paths a network-isolated cluster must not have, and what makes a UDR subnet
 * without a default route leak rather than break. Parts that were not read are listed, never
 * taken as "none". Pure.
 */
import { sameId } from "../../../model/snapshot.js";
import type { ReadError, Snapshot, Target } from "../../../model/snapshot.js";
import { nameOf } from "../names.js";
import { errorOf, notCollected, resolve, resolveInGroup } from "../parts.js";
import { aksClusterOf, mcGroupIdOf, targetLabel } from "../target.js";

/** What kind of public egress path an exit is. */
export type PublicExitKind = "internetRoute" | "natGateway" | "defaultOutboundAccess" | "nodePublicIp" | "loadBalancerOutbound";

/** One public egress path, with the resource that provides it. */
export interface PublicExit {
  kind: PublicExitKind;
  /** The resource that provides it (route table, NAT gateway, subnet, agent pool, scale set, load balancer). */
  resourceId: string;
  /** Short text a person reads: `agent pool np1 has enableNodePublicIP`. */
  description: string;
}

/** The exits found, and the parts whose absence could hide one. */
export interface PublicExits {
  exits: PublicExit[];
  unread: ReadError[];
}

/**
 * Node public IPs and load balancer outbound rules of a target's nodes on a subnet (`undefined`: on
 * any subnet, for a cluster in an AKS-managed VNet).
 */
export function nodeExitsOf(snapshot: Snapshot, target: Target, subnetId: string | undefined): PublicExits {
  const out: PublicExits = { exits: [], unread: [] };
  const aks = aksClusterOf(snapshot, target);
  if (!aks.ok) out.unread.push(aks.error);
  else if (aks.value.agentPools === undefined) {
    out.unread.push(notCollected(aks.value.id, `the agent pool profiles (enableNodePublicIP) of AKS cluster ${aks.value.name}`));
  } else {
    for (const pool of aks.value.agentPools) {
      // A pool without vnetSubnetID is on no custom subnet we can tell apart: it counts on every one.
      if (pool.enableNodePublicIP !== true || !onSubnet(pool.vnetSubnetId, subnetId)) continue;
      const prefix = pool.nodePublicIPPrefixId !== undefined ? ` (from public IP prefix ${nameOf(pool.nodePublicIPPrefixId)})` : "";
      out.exits.push({
        kind: "nodePublicIp",
        resourceId: `${aks.value.id}/agentPools/${pool.name}`,
        description: `agent pool ${pool.name} has enableNodePublicIP${prefix}`,
      });
    }
  }
  const mcId = mcGroupIdOf(snapshot, target);
  if (!mcId.ok) {
    out.unread.push(mcId.error);
    return out;
  }
  const group = resolve(snapshot.mcGroups, mcId.value, `MC group ${mcId.value} of ${targetLabel(target)}`);
  if (!group.ok) {
    out.unread.push(errorOf(group, mcId.value));
    return out;
  }
  scaleSetExits(snapshot, group.value.id, group.value.scaleSetIds, subnetId, out);
  for (const lbId of group.value.loadBalancerIds) {
    const lb = resolveInGroup(snapshot, snapshot.loadBalancers, lbId, `load balancer ${lbId}`);
    if (!lb.ok) out.unread.push(errorOf(lb, lbId));
    else if (lb.value.outboundFrontendIds.length > 0) {
      out.exits.push({
        kind: "loadBalancerOutbound",
        resourceId: lb.value.id,
        description: `load balancer ${lb.value.name} has outbound rules (frontends ${lb.value.outboundFrontendIds.map(nameOf).join(", ")})`,
      });
    }
  }
  return out;
}

/** Whether a resource on `resourceSubnetId` (unknown: any) is on `subnetId` (undefined: any). */
function onSubnet(resourceSubnetId: string | undefined, subnetId: string | undefined): boolean {
  return subnetId === undefined || resourceSubnetId === undefined || sameId(resourceSubnetId, subnetId);
}

function scaleSetExits(snapshot: Snapshot, groupId: string, scaleSetIds: string[] | undefined, subnetId: string | undefined, out: PublicExits): void {
  if (scaleSetIds === undefined || snapshot.scaleSets === undefined) {
    out.unread.push(notCollected(groupId, `the node scale sets (instance-level public IPs) of MC group ${nameOf(groupId)}`));
    return;
  }
  for (const id of scaleSetIds) {
    const part = resolve(snapshot.scaleSets, id, `scale set ${id}`);
    if (!part.ok) {
      out.unread.push(errorOf(part, id));
      continue;
    }
    const ss = part.value;
    if (ss.subnetIds.length > 0 && !ss.subnetIds.some((s) => onSubnet(s, subnetId))) continue;
    const ips = ss.instancePublicIps;
    if (ips?.ok === true && ips.value.length > 0) {
      const addresses = ips.value.map((ip) => ip.ipAddress ?? ip.name);
      out.exits.push({
        kind: "nodePublicIp",
        resourceId: ss.id,
        description: `scale set ${ss.name} has ${ips.value.length} instance-level public IP${ips.value.length === 1 ? "" : "s"} (${addresses.join(", ")})`,
      });
    } else if (ss.instancePublicIpConfigured) {
      out.exits.push({ kind: "nodePublicIp", resourceId: ss.id, description: `scale set ${ss.name} configures instance-level public IPs` });
    } else if (ips !== undefined && !ips.ok) {
      out.unread.push(errorOf(ips, ss.id));
    }
  }
}
