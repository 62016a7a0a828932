/**
 * The dependency tracing of `dependencyTrace.ts`, continued: the MC group and what its checks
 * follow from it (public IPs, load balancers and their frontends' public IPs, public IP prefixes,
 * scale sets and their NIC NSGs, the AKS cluster's outbound addresses and their NAT gateways), the
 * pool clusters' private link services, private DNS zones, and the role assignments of the AKS
 * identity. Pure.
 */
import { parentResourceId, parseResourceId } from "../../model/resourceId.js";
import { lookup } from "../../model/snapshot.js";
import type { AksCluster, HdiCluster, Snapshot, Target } from "../../model/snapshot.js";
import type { DependencySet } from "./dependencySet.js";
import { typeListKey } from "./dependencySet.js";
import { candidateZones, zonesInResourceGroup } from "./dnsZones.js";
import { normalizeFqdn } from "../../model/dnsNames.js";
import { assignmentsByPrincipal, scopeCovers } from "./rbac.js";
import { aksClusterOf, egressMode, isUdr, mcGroupIdOf, poolClustersOf, subnetOf } from "./target.js";

const ZONES = ["Microsoft.Network", "privateDnsZones"] as const;
const ROLE_ASSIGNMENTS = ["Microsoft.Authorization", "roleAssignments"] as const;

/** MC group, cluster ingress, private DNS and role assignments of one target (its subnets already traced). */
export function traceGroupParts(snapshot: Snapshot, target: Target, subnetIds: readonly string[], deps: DependencySet): void {
  const aks = aksClusterOf(snapshot, target);
  if (aks.ok) traceAksAddresses(snapshot, aks.value, deps);
  traceMcGroup(snapshot, target, deps);
  const clusters = target.kind === "clusterPool" ? poolClustersOf(target) : undefined;
  if (clusters?.ok === true) {
    for (const c of clusters.value) tracePrivateLinkService(snapshot, c, deps);
    tracePrivateDns(snapshot, target, clusters.value, deps);
  }
  traceRoleAssignments(snapshot, target, subnetIds, aks.ok ? aks.value : undefined, deps);
}

/** The AKS cluster's outbound addresses (load balancer and NAT gateway), their NAT gateways, and node public IP prefixes. */
function traceAksAddresses(snapshot: Snapshot, aks: AksCluster, deps: DependencySet): void {
  deps.add(...aks.effectiveOutboundIpIds);
  for (const id of aks.natEffectiveOutboundIds ?? []) {
    deps.add(id);
    // The NAT gateway SKU comes from the gateway the address's own back-reference names.
    const prefix = snapshot.publicIpPrefixes !== undefined ? lookup(snapshot.publicIpPrefixes, id) : undefined;
    if (prefix?.ok === true) deps.add(prefix.value.natGatewayId);
    const pip = lookup(snapshot.publicIps, id);
    if (pip?.ok === true && pip.value.attachedTo?.kind === "natGateway") deps.add(pip.value.attachedTo.resourceId);
  }
  for (const pool of aks.agentPools ?? []) if (pool.enableNodePublicIP === true) deps.add(pool.nodePublicIPPrefixId);
}

/**
 * The MC group (read as a whole: a new public IP, load balancer, prefix or scale set in it is a new
 * finding, so it is also an inventory) and everything listed in it, with the load balancers its
 * public IPs sit on, the public IPs of their frontends, and the NSGs of the scale sets' NICs.
 */
function traceMcGroup(snapshot: Snapshot, target: Target, deps: DependencySet): void {
  const mcId = mcGroupIdOf(snapshot, target);
  if (!mcId.ok) return;
  deps.add(mcId.value);
  deps.addInventory(mcId.value);
  const group = lookup(snapshot.mcGroups, mcId.value);
  if (group?.ok !== true) return;
  const g = group.value;
  deps.add(...g.publicIpIds, ...g.loadBalancerIds, ...(g.publicIpPrefixIds ?? []), ...(g.scaleSetIds ?? []));
  const lbIds = [...g.loadBalancerIds];
  for (const pipId of g.publicIpIds) {
    const pip = lookup(snapshot.publicIps, pipId);
    const attached = pip?.ok === true ? pip.value.attachedTo : undefined;
    if (attached === undefined) continue;
    deps.add(attached.resourceId);
    if (attached.kind === "loadBalancerFrontend") lbIds.push(attached.resourceId);
  }
  for (const lbId of lbIds) traceLoadBalancer(snapshot, lbId, deps);
  for (const ssId of g.scaleSetIds ?? []) {
    const ss = snapshot.scaleSets !== undefined ? lookup(snapshot.scaleSets, ssId) : undefined;
    if (ss?.ok === true) deps.add(...ss.value.nicNsgIds);
  }
}

/** A load balancer and the public IPs of its frontends (ingress IPs may live outside the MC group). */
function traceLoadBalancer(snapshot: Snapshot, lbId: string, deps: DependencySet): void {
  deps.add(lbId);
  const lb = lookup(snapshot.loadBalancers, lbId);
  if (lb?.ok === true) for (const fe of lb.value.frontends) deps.add(fe.publicIpId);
}

/** A private-ingress cluster's private link service and the load balancers of its frontends. */
function tracePrivateLinkService(snapshot: Snapshot, cluster: HdiCluster, deps: DependencySet): void {
  const plsId = cluster.privateLinkServiceId;
  if (plsId === undefined || plsId === "") return;
  deps.add(plsId);
  const pls = lookup(snapshot.privateLinkServices, plsId);
  if (pls?.ok !== true) return;
  for (const frontendId of pls.value.loadBalancerFrontendIds) {
    const lbId = parentResourceId(frontendId);
    if (lbId !== undefined) traceLoadBalancer(snapshot, lbId, deps);
  }
}

/**
 * `private-dns-a-record` (pools only): the zones that can hold a private-ingress cluster's FQDN
 * (zones are chosen by name from every list, so every zone list is an inventory), and the zones of
 * the pool's managed resource group (its subscription's zone list).
 */
function tracePrivateDns(snapshot: Snapshot, target: Target, clusters: readonly HdiCluster[], deps: DependencySet): void {
  let byName = false;
  for (const c of clusters) {
    if (c.enableInternalIngress !== true || c.privateFqdn === undefined || c.privateFqdn === "") continue;
    const candidates = candidateZones(snapshot, normalizeFqdn(c.privateFqdn));
    deps.add(...candidates.zones.map((z) => z.id), ...candidates.failedZoneIds);
    byName = true;
  }
  if (byName) for (const sub of Object.keys(snapshot.privateDnsZoneInventory)) deps.addInventory(typeListKey(sub, ...ZONES));
  const rg = target.pool?.managedResourceGroupName;
  if (rg !== undefined && rg !== "") {
    deps.add(...zonesInResourceGroup(snapshot, `/subscriptions/${target.subscriptionId}/resourceGroups/${rg}`));
    deps.addInventory(typeListKey(target.subscriptionId, ...ZONES));
  }
}

/**
 * `udr-network-contributor` (UDR targets): the role assignment list of each subscription holding a
 * subnet's VNet, route table or NSG (an assignment at any scope above them counts), and the
 * assignments and role definitions of the AKS identities that cover them.
 */
function traceRoleAssignments(snapshot: Snapshot, target: Target, subnetIds: readonly string[], aks: AksCluster | undefined, deps: DependencySet): void {
  const mode = egressMode(snapshot, target);
  if (!mode.ok || !isUdr(mode.mode)) return;
  const resources: string[] = [];
  for (const subnetId of subnetIds) {
    const subnet = subnetOf(snapshot, subnetId);
    if (!subnet.ok) continue;
    resources.push(parentResourceId(subnetId) ?? subnetId);
    if (subnet.value.routeTableId) resources.push(subnet.value.routeTableId);
    if (subnet.value.networkSecurityGroupId) resources.push(subnet.value.networkSecurityGroupId);
  }
  const principals = aks === undefined ? [] : [aks.identityPrincipalId, ...(aks.userAssignedPrincipalIds ?? [])].filter((p): p is string => !!p);
  for (const sub of new Set(resources.map((r) => (parseResourceId(r)?.subscriptionId ?? target.subscriptionId).toLowerCase()))) {
    deps.addInventory(typeListKey(sub, ...ROLE_ASSIGNMENTS));
    const key = Object.keys(snapshot.roleAssignments).find((k) => k.toLowerCase() === sub);
    const list = key === undefined ? undefined : snapshot.roleAssignments[key];
    if (list?.ok !== true) continue;
    const byPrincipal = assignmentsByPrincipal(list.value);
    for (const p of principals) {
      for (const i of byPrincipal.get(p.toLowerCase()) ?? []) {
        const a = list.value[i]!;
        if (resources.some((r) => scopeCovers(a.scope, r))) deps.add(a.id, a.roleDefinitionId);
      }
    }
  }
}
