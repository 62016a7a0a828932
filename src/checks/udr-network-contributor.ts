import { lookup } from "../model/snapshot.js";
import { parentResourceId, parseResourceId } from "../model/resourceId.js";
import type { ReadError, RoleAssignment } from "../model/snapshot.js";
import type { Check, CheckContext, CheckResult } from "./lib/types.js";
import { capitalise, dedupeIds, nameOf } from "./lib/names.js";
import { errorOf, notCollected, unknownResult } from "./lib/parts.js";
import { assignmentsByPrincipal, describeScope, grantsNetwork, scopeCovers } from "./lib/rbac.js";
import { aksClusterOf, egressMode, isUdr, subnetOf, targetLabel, targetSubnets } from "./lib/target.js";

const EXPECTED = "Network Contributor (Microsoft.Network/*)";

/** `udr-network-contributor`: a UDR target's AKS identity may manage the VNet, route table and NSG. */
export const udrNetworkContributor: Check = {
  meta: {
    id: "udr-network-contributor",
    title: "AKS identity of a UDR target holds Network Contributor on the VNet, route table and NSG",
    defaultSeverity: "medium",
    risk:
      "With userDefinedRouting, the AKS cluster behind the pool must manage the virtual network, route table and subnet " +
      "NSG; without Network Contributor there, cluster creation, scaling and load balancer updates fail.",
    remediation:
      "Grant the AKS cluster identity Network Contributor on each resource, or on their resource group " +
      "(az role assignment create --assignee-object-id <aksIdentityPrincipalId> --assignee-principal-type ServicePrincipal " +
      "--role \"Network Contributor\" --scope <vnetId|routeTableId|nsgId>); find the principal with " +
      "az aks show -g <rg> -n <aksCluster> --query identity.principalId.",
    requires: ["pools", "aksClusters", "subnets", "roleAssignments", "roleDefinitions"],
    parameters: [],
  },
  evaluate(ctx: CheckContext): CheckResult[] {
    const { snapshot, target } = ctx;
    const mode = egressMode(snapshot, target);
    if (mode.ok && !isUdr(mode.mode)) return [];
    if (!mode.ok) {
      return [
        unknownResult(
          target.id,
          `Whether ${targetLabel(target)} uses userDefinedRouting could not be told, so the AKS identity's network roles were not checked.`,
          mode.error,
          { expected: `${EXPECTED} (if userDefinedRouting)`, evidence: { targetId: target.id, ...mode.evidence } },
        ),
      ];
    }
    const base = { targetId: target.id, ...mode.evidence };
    const subnets = targetSubnets(snapshot, target);
    if (!subnets.ok) {
      return [
        unknownResult(
          target.id,
          `The subnet of ${targetLabel(target)} could not be determined, so the network resources its AKS identity needs could not be listed.`,
          subnets.error,
          { expected: EXPECTED, evidence: base },
        ),
      ];
    }
    if (subnets.value.ids.length === 0) {
      return [
        unknownResult(
          target.id,
          `${capitalise(targetLabel(target))} uses userDefinedRouting but names no custom subnet, so there is no network resource to check.`,
          { code: "NoPoolSubnet", message: `no pool subnet (${subnets.value.source})`, scope: target.id },
          { expected: EXPECTED, evidence: base },
        ),
      ];
    }

    // The resources the AKS identity needs: VNet, route table and NSG of every pool subnet.
    const results: CheckResult[] = [];
    const resources: NetworkResource[] = [];
    for (const subnetId of subnets.value.ids) {
      const vnetId = parentResourceId(subnetId) ?? subnetId;
      const subnet = subnetOf(snapshot, subnetId);
      if (!subnet.ok) {
        // Nor is the VNet judged: role assignments inside a scope the caller cannot read are left
        // out of the subscription's list, so "no assignment" there would be a false failure.
        results.push(
          unknownResult(
            subnetId,
            `Subnet ${nameOf(subnetId)} of ${targetLabel(target)} could not be read, so its VNet, route table and NSG (and their role assignments) are not known.`,
            subnet.error,
            { item: subnetId, expected: EXPECTED, evidence: { ...base, subnetId } },
          ),
        );
        continue;
      }
      resources.push({ id: vnetId, kind: "virtual network", subnetId });
      if (subnet.value.routeTableId) resources.push({ id: subnet.value.routeTableId, kind: "route table", subnetId });
      if (subnet.value.networkSecurityGroupId) {
        resources.push({ id: subnet.value.networkSecurityGroupId, kind: "network security group", subnetId });
      }
    }
    const unique = dedupeIds(resources.map((r) => r.id)).map((id) => resources.find((r) => r.id === id) as NetworkResource);

    const aks = aksClusterOf(snapshot, target);
    if (!aks.ok) {
      for (const r of unique) {
        results.push(
          unknownResult(r.id, `The AKS cluster of ${targetLabel(target)} could not be read, so its identity's role on ${r.kind} ${nameOf(r.id)} is not known.`, aks.error, {
            item: r.id,
            expected: EXPECTED,
            evidence: { ...base, resourceId: r.id, resourceKind: r.kind, subnetId: r.subnetId },
          }),
        );
      }
      return results;
    }
    const principals = dedupeIds(
      [aks.value.identityPrincipalId, ...(aks.value.userAssignedPrincipalIds ?? [])].filter((p): p is string => p !== undefined && p !== ""),
    );
    const env: Env = { ctx, aksClusterId: aks.value.id, principals, base };
    for (const r of unique) results.push(judgeResource(env, r));
    return results;
  },
};

interface NetworkResource {
  id: string;
  kind: "virtual network" | "route table" | "network security group";
  /** The pool subnet it was found through. */
  subnetId: string;
}

interface Env {
  ctx: CheckContext;
  aksClusterId: string;
  principals: string[];
  base: Record<string, unknown>;
}

function judgeResource(env: Env, r: NetworkResource): CheckResult {
  const { ctx, principals } = env;
  const { snapshot, target } = ctx;
  const what = `${r.kind} ${nameOf(r.id)}`;
  const evidence: Record<string, unknown> = {
    ...env.base,
    resourceId: r.id,
    resourceKind: r.kind,
    subnetId: r.subnetId,
    aksClusterId: env.aksClusterId,
    principalIds: principals,
  };
  const unknown = (message: string, error: ReadError, extra: Record<string, unknown> = {}): CheckResult =>
    unknownResult(r.id, message, error, { item: r.id, expected: EXPECTED, evidence: { ...evidence, ...extra } });

  if (principals.length === 0) {
    return unknown(
      `The AKS cluster of ${targetLabel(target)} has no managed identity principal, so its role on ${what} could not be checked.`,
      notCollected(env.aksClusterId, "a managed identity principal of the AKS cluster (service principal clusters are not judged)"),
    );
  }
  // A route table or NSG that could not be read: assignments on it may be hidden from the list.
  const own = r.kind === "route table" ? lookup(snapshot.routeTables, r.id) : r.kind === "network security group" ? lookup(snapshot.networkSecurityGroups, r.id) : undefined;
  if (r.kind !== "virtual network" && (own === undefined || !own.ok)) {
    const error = own === undefined ? notCollected(r.id, `${what}`) : errorOf(own, r.id);
    return unknown(`${capitalise(what)} could not be read, so role assignments on it may be hidden and the AKS identity's role there is not known.`, error);
  }
  const sub = parseResourceId(r.id)?.subscriptionId ?? target.subscriptionId;
  const key = Object.keys(snapshot.roleAssignments).find((k) => k.toLowerCase() === sub.toLowerCase());
  const listPart = key === undefined ? undefined : snapshot.roleAssignments[key];
  if (listPart === undefined || !listPart.ok) {
    const error = listPart === undefined ? notCollected(`/subscriptions/${sub}`, `the role assignments of subscription ${sub}`) : errorOf(listPart, `/subscriptions/${sub}`);
    return unknown(`The role assignments of subscription ${sub} could not be read, so the AKS identity's role on ${what} is not known.`, error);
  }
  // Principal first: a subscription holds thousands of assignments, few of them this identity's.
  const byPrincipal = assignmentsByPrincipal(listPart.value);
  const mine = [...new Set(principals.map((p) => p.toLowerCase()))]
    .flatMap((p) => byPrincipal.get(p) ?? [])
    .sort((a, b) => a - b) // the list's own order, as a scan of the whole list would meet them
    .map((i) => listPart.value[i]!)
    .filter((a) => scopeCovers(a.scope, r.id));
  const considered: Array<Record<string, unknown>> = [];
  const undecided: Array<{ assignment: RoleAssignment; error: ReadError }> = [];
  for (const a of mine) {
    const grant = grantsNetwork(snapshot.roleDefinitions, a);
    if (grant.kind === "yes") {
      return {
        status: "pass",
        resourceId: r.id,
        item: r.id,
        message:
          `The AKS identity of ${targetLabel(target)} holds ${grant.roleName} on ${what} ` +
          `(assigned at ${describeScope(a.scope, r.id)}).`,
        expected: EXPECTED,
        actual: `${grant.roleName} at ${describeScope(a.scope, r.id)}`,
        evidence: {
          ...evidence,
          grantedBy: { assignmentId: a.id, scope: a.scope, principalId: a.principalId, roleDefinitionId: a.roleDefinitionId, roleName: grant.roleName },
          decidedBy: `role assignment ${a.id}: ${grant.roleName} (${grant.why}) at ${describeScope(a.scope, r.id)}`,
        },
      };
    }
    if (grant.kind === "unknown") undecided.push({ assignment: a, error: grant.error });
    else considered.push({ assignmentId: a.id, scope: a.scope, roleDefinitionId: a.roleDefinitionId, roleName: grant.roleName, why: grant.why });
  }
  const [first] = undecided;
  if (first !== undefined) {
    return unknown(
      `The AKS identity of ${targetLabel(target)} has a role on ${what} whose definition could not be read, so whether it includes Microsoft.Network/* is not known.`,
      first.error,
      {
        undecidedAssignments: undecided.map((u) => ({ assignmentId: u.assignment.id, roleDefinitionId: u.assignment.roleDefinitionId })),
        assignmentsWithoutNetworkRights: considered,
      },
    );
  }
  const groupAssignments = listPart.value.filter(
    (a) => a.principalType !== undefined && a.principalType.toLowerCase() === "group" && scopeCovers(a.scope, r.id),
  ).length;
  return {
    status: "fail",
    resourceId: r.id,
    item: r.id,
    message:
      `The AKS identity of ${targetLabel(target)} has no Network Contributor (or other Microsoft.Network/*) role on ${what}, ` +
      `neither on it nor inherited from its resource group, subscription or a management group.`,
    expected: EXPECTED,
    actual: considered.length > 0 ? `only ${[...new Set(considered.map((c) => String(c.roleName)))].join(", ")}` : "no role assignment",
    evidence: {
      ...evidence,
      assignmentsWithoutNetworkRights: considered,
      ...(groupAssignments > 0
        ? { note: `${groupAssignments} assignment(s) to groups at or above this scope were not resolved (group membership is not collected)` }
        : {}),
      decidedBy: `no assignment to ${principals.join(", ")} at or above ${r.id} grants Microsoft.Network/*`,
    },
  };
}
