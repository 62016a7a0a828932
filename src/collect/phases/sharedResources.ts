/**
 * Shared resources: what many targets use and is read once for all of them. Firewalls and IP
 * groups come whole from the subscription lists (subscriptionLists.ts); here are the reads that
 * follow references: firewall policies with their rule collection groups and base policies, the
 * IP groups their rules name that no list returned, firewalls named by id (a hub's next hop), the
 * private DNS zones a target needs (with records and links), and the role definitions its
 * identities are assigned. Their reads run alongside the target reads and share the read budget;
 * a read outside the scan's scope that fails names the resource and its subscription.
 */
import type { PrivateZone } from "@azure/arm-privatedns";
import { parseResourceId } from "../../model/resourceId.js";
import type { AksCluster, AzureFirewall, Part, RoleAssignment, RuleCollection } from "../../model/snapshot.js";
import { BUILTIN_ROLES } from "../builtinRoles.js";
import { listOrNone, type CollectionContext } from "../context.js";
import {
  normalizeARecordSet,
  normalizeFirewall,
  normalizeFirewallPolicy,
  normalizeIpGroup,
  normalizeRoleDefinition,
  normalizeRuleCollectionGroup,
  normalizeVnetLink,
  roleGuidOf,
} from "../normalize.js";
import { drain, ok } from "../reads.js";
import type { ListIndex } from "../listIndex.js";
import { byId } from "./byId.js";

/**
 * What a firewall's rules depend on, read once per firewall: its policy (with inherited base
 * policies and their IP groups), or the IP groups of its classic rules.
 */
export function firewallReferences(ctx: CollectionContext, index: ListIndex, fw: AzureFirewall): Promise<void> {
  return ctx.once(`fwrefs|${fw.id}`, async () => {
    await Promise.all([
      fw.firewallPolicyId ? firewallPolicy(ctx, index, fw.firewallPolicyId) : undefined,
      ipGroupsOf(ctx, fw.classicRuleCollections ?? []),
    ]);
  });
}

/** A firewall that no list returned (a hub's next hop, possibly outside the scope), by id; then what its rules depend on. */
export async function firewallById(ctx: CollectionContext, index: ListIndex, id: string): Promise<void> {
  const part = await byId(ctx, ctx.snapshot.firewalls, id, "Azure firewall", ["azureFirewalls"], async (p) =>
    normalizeFirewall(await ctx.clients.network(p.subscriptionId).azureFirewalls.get(p.resourceGroup, p.names[0]!, ctx.signal)),
  );
  if (part?.ok) await firewallReferences(ctx, index, part.value);
}

/** The IP groups that rules name (`sourceIpGroups`, `destinationIpGroups`) and no list returned, each read by id once. */
async function ipGroupsOf(ctx: CollectionContext, collections: RuleCollection[]): Promise<void> {
  const ids = new Set<string>();
  for (const c of collections) {
    for (const r of c.rules) {
      const rule = r as { sourceIpGroups?: string[]; destinationIpGroups?: string[] };
      for (const id of [...(rule.sourceIpGroups ?? []), ...(rule.destinationIpGroups ?? [])]) ids.add(id);
    }
  }
  await Promise.all(
    [...ids].map((id) =>
      byId(ctx, ctx.snapshot.ipGroups, id, "IP group", ["ipGroups"], async (p) =>
        normalizeIpGroup(await ctx.clients.network(p.subscriptionId).ipGroups.get(p.resourceGroup, p.names[0]!, ctx.signal)),
      ),
    ),
  );
}

/**
 * A firewall policy with its rule collection groups and the IP groups they name, then its base
 * policy (inherited rules). The base is followed after this policy's own read has settled, so a
 * cycle of base policies ends at the depth bound instead of waiting on itself.
 */
async function firewallPolicy(ctx: CollectionContext, index: ListIndex, id: string, depth = 0): Promise<void> {
  const base = await ctx.once(`fwp|${id}`, async (): Promise<string | undefined> => {
    const { snapshot } = ctx;
    // Kept from a stored snapshot (refresh.ts): not read again; its base policy is still followed.
    const kept = snapshot.firewallPolicies[id.toLowerCase()];
    if (kept) return kept.ok ? kept.value.basePolicyId : undefined;
    const p = parseResourceId(id);
    if (!p?.resourceGroup || !p.names[0]) {
      snapshot.firewallPolicies[id.toLowerCase()] = ctx.invalidId(`not a firewall policy id: ${id}`, id);
      return undefined;
    }
    const net = ctx.clients.network(p.subscriptionId);
    const about = ctx.describe("firewall policy", id);
    const listed = index.firewallPolicies.get(id.toLowerCase());
    const policy = listed ? ok(listed) : await ctx.read(id, () => net.firewallPolicies.get(p.resourceGroup!, p.names[0]!, ctx.signal), about);
    if (!policy.ok) {
      snapshot.firewallPolicies[id.toLowerCase()] = policy;
      return undefined;
    }
    const groups = await ctx.read(
      `${id}/ruleCollectionGroups`,
      async () => listOrNone(() => drain(net.firewallPolicyRuleCollectionGroups.list(p.resourceGroup!, p.names[0]!, ctx.signal), normalizeRuleCollectionGroup)),
      about,
    );
    snapshot.firewallPolicies[id.toLowerCase()] = groups.ok ? ok(normalizeFirewallPolicy(policy.value, groups.value)) : groups;
    // The IP groups the rules name are read once the rules are in (most come from the lists).
    if (groups.ok) await ipGroupsOf(ctx, groups.value.flatMap((g) => g.ruleCollections));
    return policy.value.basePolicy?.id;
  });
  // Policy inheritance is at most a few levels deep in practice; the bound ends a cycle.
  if (base && depth < 8) await firewallPolicy(ctx, index, base, depth + 1);
}

/** A private DNS zone with its A records and virtual network links, read once as one part. */
export async function privateDnsZone(ctx: CollectionContext, zone: PrivateZone): Promise<void> {
  const id = zone.id ?? "";
  await ctx.once(`zone|${id}`, async () => {
    if (ctx.snapshot.privateDnsZones[id.toLowerCase()]) return; // kept from a stored snapshot (refresh.ts)
    const p = parseResourceId(id);
    if (!p?.resourceGroup || !zone.name) return;
    const dns = ctx.clients.privateDns(p.subscriptionId);
    const about = ctx.inScope(p.subscriptionId) ? undefined : ctx.describe("private DNS zone", id);
    const [records, links] = await Promise.all([
      ctx.read(
        `${id}/A`,
        async () => listOrNone(() => drain(dns.recordSets.listByType(p.resourceGroup!, zone.name!, "A", ctx.signal), (r) => normalizeARecordSet(r, zone.name!))),
        about,
      ),
      ctx.read(`${id}/virtualNetworkLinks`, async () => listOrNone(() => drain(dns.virtualNetworkLinks.list(p.resourceGroup!, zone.name!, ctx.signal), normalizeVnetLink)), about),
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
    if (snapshot.roleDefinitions[guid]) return; // kept from a stored snapshot (refresh.ts)
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
