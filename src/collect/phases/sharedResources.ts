/**
 * Shared resources: what many targets use and is read once for all of them. Firewalls and IP
 * groups come whole from the subscription lists (subscriptionLists.ts); here are the reads that
 * follow references: firewall policies with their rule collection groups and base policies,
 * the private DNS zones a target needs (with records and links), and the role definitions its
 * identities are assigned. Their reads run alongside the target reads and share the read budget.
 */
import type { PrivateZone } from "@azure/arm-privatedns";
import { parseResourceId } from "../../model/resourceId.js";
import type { AksCluster, Part, RoleAssignment } from "../../model/snapshot.js";
import { BUILTIN_ROLES } from "../builtinRoles.js";
import type { CollectionContext } from "../context.js";
import {
  normalizeARecordSet,
  normalizeFirewallPolicy,
  normalizeRoleDefinition,
  normalizeRuleCollectionGroup,
  normalizeVnetLink,
  roleGuidOf,
} from "../normalize.js";
import { drain, ok } from "../reads.js";
import type { ListIndex } from "../listIndex.js";

/**
 * Starts reading the policy of every firewall (with inherited base policies). They are shared
 * by many targets, so their reads start before the target reads and run alongside them; every
 * target waits for them before it is reported.
 */
export function readFirewallPolicies(ctx: CollectionContext, index: ListIndex): Promise<void[]> {
  return Promise.all(
    Object.values(ctx.snapshot.firewalls).map((f) =>
      f.ok && f.value.firewallPolicyId ? firewallPolicy(ctx, index, f.value.firewallPolicyId) : Promise.resolve(),
    ),
  );
}

/** A firewall policy with its rule collection groups, then its base policy (inherited rules). */
async function firewallPolicy(ctx: CollectionContext, index: ListIndex, id: string, depth = 0): Promise<void> {
  await ctx.once(`fwp|${id}`, async () => {
    const { snapshot } = ctx;
    const p = parseResourceId(id);
    if (!p?.resourceGroup || !p.names[0]) {
      snapshot.firewallPolicies[id.toLowerCase()] = ctx.invalidId(`not a firewall policy id: ${id}`, id);
      return;
    }
    const net = ctx.clients.network(p.subscriptionId);
    const listed = index.firewallPolicies.get(id.toLowerCase());
    const policy = listed ? ok(listed) : await ctx.read(id, () => net.firewallPolicies.get(p.resourceGroup!, p.names[0]!, ctx.signal));
    if (!policy.ok) {
      snapshot.firewallPolicies[id.toLowerCase()] = policy;
      return;
    }
    const groups = await ctx.read(`${id}/ruleCollectionGroups`, async () =>
      drain(net.firewallPolicyRuleCollectionGroups.list(p.resourceGroup!, p.names[0]!, ctx.signal), normalizeRuleCollectionGroup),
    );
    snapshot.firewallPolicies[id.toLowerCase()] = groups.ok ? ok(normalizeFirewallPolicy(policy.value, groups.value)) : groups;
    // Policy inheritance is at most a few levels deep in practice; the bound guards a cycle.
    const base = policy.value.basePolicy?.id;
    if (base && depth < 8) await firewallPolicy(ctx, index, base, depth + 1);
  });
}

/** A private DNS zone with its A records and virtual network links, read once as one part. */
export async function privateDnsZone(ctx: CollectionContext, zone: PrivateZone): Promise<void> {
  const id = zone.id ?? "";
  await ctx.once(`zone|${id}`, async () => {
    const p = parseResourceId(id);
    if (!p?.resourceGroup || !zone.name) return;
    const dns = ctx.clients.privateDns(p.subscriptionId);
    const [records, links] = await Promise.all([
      ctx.read(`${id}/A`, async () =>
        drain(dns.recordSets.listByType(p.resourceGroup!, zone.name!, "A", ctx.signal), (r) => normalizeARecordSet(r, zone.name!)),
      ),
      ctx.read(`${id}/virtualNetworkLinks`, async () => drain(dns.virtualNetworkLinks.list(p.resourceGroup!, zone.name!, ctx.signal), normalizeVnetLink)),
    ]);
    ctx.snapshot.privateDnsZones[id.toLowerCase()] = !records.ok
      ? records
      : !links.ok
        ? links
        : ok({ id, name: zone.name, aRecords: records.value, virtualNetworkLinks: links.value });
  });
}

/** A role definition named by an assignment, read once: built-in roles are known, others are read. */
export async function roleDefinition(ctx: CollectionContext, roleDefinitionId: string): Promise<void> {
  const guid = roleGuidOf(roleDefinitionId);
  await ctx.once(`role|${guid}`, async () => {
    const { snapshot } = ctx;
    const builtin = BUILTIN_ROLES[guid];
    if (builtin) {
      snapshot.roleDefinitions[guid] = ok(builtin);
      return;
    }
    // The id becomes the request path as it is: an ARM id, or no request at all.
    if (!/^\/?(subscriptions\/[^/]+\/)?providers\/Microsoft\.Authorization\/roleDefinitions\/[0-9a-fA-F-]{36}$/i.test(roleDefinitionId)) {
      snapshot.roleDefinitions[guid] = ctx.invalidId(`not a role definition id: ${roleDefinitionId.slice(0, 300)}`, roleDefinitionId.slice(0, 300));
      return;
    }
    const sub = parseResourceId(roleDefinitionId)?.subscriptionId ?? ctx.subscriptionIds[0] ?? "";
    // getById with a leading "/" would send "//subscriptions/...": pass the id without it.
    snapshot.roleDefinitions[guid] = await ctx.read(roleDefinitionId, async () =>
      normalizeRoleDefinition(await ctx.clients.authorization(sub).roleDefinitions.getById(roleDefinitionId.replace(/^\/+/, ""), ctx.signal)),
    );
  });
}

/**
 * Indexes role assignments (in any scanned subscription) by principal, and returns what an AKS
 * cluster's identities are assigned: the role definitions to read before its checks can judge
 * it (built-in ones need no read).
 */
export function roleDefinitionFinder(roleAssignments: Record<string, Part<RoleAssignment[]>>): (aks: AksCluster) => string[] {
  const rolesByPrincipal = new Map<string, Set<string>>();
  for (const part of Object.values(roleAssignments)) {
    if (!part.ok) continue;
    for (const ra of part.value) {
      const key = ra.principalId.toLowerCase();
      let roles = rolesByPrincipal.get(key);
      if (!roles) rolesByPrincipal.set(key, (roles = new Set<string>()));
      roles.add(ra.roleDefinitionId);
    }
  }
  return (aks) => {
    const ids = new Set<string>();
    for (const principal of [aks.identityPrincipalId, ...(aks.userAssignedPrincipalIds ?? [])]) {
      if (principal) for (const id of rolesByPrincipal.get(principal.toLowerCase()) ?? []) ids.add(id);
    }
    return [...ids];
  };
}
