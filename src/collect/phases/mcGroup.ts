/**
 * The MC group of a target: its public IPs, load balancers, public IP prefixes and node scale
 * sets, and for each scale set the NSG on its NICs and, only where they can exist, its
 * instance-level public IPs (CHECKS.md: "Public addresses beyond publicIPAddresses", "NSGs on the
 * node NICs").
 *
 * Each list comes from its subscription-wide list when the group is in the caller's readable
 * resource groups (the list is then complete for it: no request at all), otherwise from a
 * resource-group list, whose 403/404 then says why. The MC group's checks judge by absence ("no
 * public IP"), and absence in a subscription-wide list proves nothing for a group the caller may
 * not read: a forbidden group must come out `unknown`, never compliant.
 */
import { listScaleSetsInGroup } from "../../arm/scaleSets.js";
import { parseResourceId } from "../../model/resourceId.js";
import type { ScaleSet } from "../../model/egressResources.js";
import type { AksCluster, McGroupContents, Part } from "../../model/snapshot.js";
import { listOrNone, type CollectionContext } from "../context.js";
import type { ListIndex } from "../listIndex.js";
import { normalizeInstancePublicIp, normalizeLoadBalancer, normalizePublicIp, normalizePublicIpPrefix, normalizeScaleSet } from "../normalize.js";
import { drain, failed, ok } from "../reads.js";
import { networkSecurityGroup } from "./byId.js";

/**
 * Whether a scale set can have instance-level public IPs, so that they are worth a read: its
 * network profile configures them, or the AKS agent pool it belongs to (by the pool tag, else any
 * pool of the cluster) has `enableNodePublicIP`. An AKS cluster that could not be read says
 * nothing either way, so the scale set is read (fail closed).
 */
export function mayHaveInstancePublicIps(ss: ScaleSet, aks: Part<AksCluster> | undefined): boolean {
  if (ss.instancePublicIpConfigured) return true;
  if (!aks?.ok) return true;
  const pools = aks.value.agentPools ?? [];
  const own = ss.agentPoolName ? pools.find((p) => p.name.toLowerCase() === ss.agentPoolName!.toLowerCase()) : undefined;
  return own ? own.enableNodePublicIP === true : pools.some((p) => p.enableNodePublicIP === true);
}

/** The MC group's contents and node scale sets; see the module comment. Read once per group. */
export async function mcGroup(ctx: CollectionContext, index: ListIndex, mcGroupId: string, aks: Part<AksCluster> | undefined): Promise<void> {
  await ctx.once(`mc|${mcGroupId}`, async () => {
    const { snapshot } = ctx;
    // Already in the snapshot (a refresh from a stored one, refresh.ts): its contents are too.
    if (snapshot.mcGroups[mcGroupId.toLowerCase()]) return;
    const p = parseResourceId(mcGroupId);
    if (!p?.resourceGroup) {
      // The group name came from the pool or AKS cluster; it becomes a request path only if it is one.
      snapshot.mcGroups[mcGroupId.toLowerCase()] = ctx.invalidId(`not a resource group id: ${mcGroupId.slice(0, 300)}`, mcGroupId.slice(0, 300));
      return;
    }
    const sub = p.subscriptionId.toLowerCase();
    const rg = p.resourceGroup;
    const readable = index.readableGroups.get(sub)?.has(rg.toLowerCase()) === true;
    /** The group's share of a subscription-wide list, when that list is complete for it. */
    const fromList = <T>(byGroup: Map<string, Map<string, T[]>>): Part<T[]> | undefined => {
      const groups = byGroup.get(sub);
      return readable && groups ? ok(groups.get(rg.toLowerCase()) ?? []) : undefined;
    };
    const net = ctx.clients.network(p.subscriptionId);
    const inGroup = <T>(path: string, list: () => Promise<T[]>) => ctx.read(`${mcGroupId}/providers/${path}`, () => listOrNone(list));
    const [pips, lbs, prefixes, scaleSets] = await Promise.all([
      fromList(index.publicIpsByGroup) ?? inGroup("Microsoft.Network/publicIPAddresses", () => drain(net.publicIPAddresses.list(rg, ctx.signal), normalizePublicIp)),
      fromList(index.loadBalancersByGroup) ?? inGroup("Microsoft.Network/loadBalancers", () => drain(net.loadBalancers.list(rg, ctx.signal), normalizeLoadBalancer)),
      fromList(index.publicIpPrefixesByGroup) ??
        inGroup("Microsoft.Network/publicIPPrefixes", () => drain(net.publicIPPrefixes.list(rg, ctx.signal), normalizePublicIpPrefix)),
      fromList(index.scaleSetsByGroup) ??
        inGroup("Microsoft.Compute/virtualMachineScaleSets", () => drain(listScaleSetsInGroup(ctx.clients.rest(), p.subscriptionId, rg, ctx.signal), normalizeScaleSet)),
    ]);
    if (pips.ok) for (const pip of pips.value) snapshot.publicIps[pip.id.toLowerCase()] = ok(pip);
    if (lbs.ok) for (const lb of lbs.value) snapshot.loadBalancers[lb.id.toLowerCase()] = ok(lb);
    if (prefixes.ok) for (const prefix of prefixes.value) snapshot.publicIpPrefixes![prefix.id.toLowerCase()] = ok(prefix);
    if (scaleSets.ok) await Promise.all(scaleSets.value.map((ss) => scaleSet(ctx, ss, aks)));
    // The MC group counts as read only when every list it needs was read.
    const missing = [pips, lbs, prefixes, scaleSets].find((x) => !x.ok);
    snapshot.mcGroups[mcGroupId.toLowerCase()] =
      missing && !missing.ok
        ? failed(missing.error)
        : ok<McGroupContents>({
            id: mcGroupId,
            publicIpIds: pips.ok ? pips.value.map((x) => x.id) : [],
            loadBalancerIds: lbs.ok ? lbs.value.map((x) => x.id) : [],
            publicIpPrefixIds: prefixes.ok ? prefixes.value.map((x) => x.id) : [],
            scaleSetIds: scaleSets.ok ? scaleSets.value.map((x) => x.id) : [],
          });
  });
}

/** One node scale set: the NSGs on its NICs (by id when no list returned them) and, where they can exist, its instance public IPs. */
async function scaleSet(ctx: CollectionContext, ss: ScaleSet, aks: Part<AksCluster> | undefined): Promise<void> {
  const p = parseResourceId(ss.id);
  const readIps = mayHaveInstancePublicIps(ss, aks) && p?.resourceGroup;
  const [instancePublicIps] = await Promise.all([
    readIps
      ? ctx.read(
          `${ss.id}/publicIPAddresses`,
          () =>
            listOrNone(() =>
              drain(ctx.clients.network(p.subscriptionId).publicIPAddresses.listVirtualMachineScaleSetPublicIPAddresses(p.resourceGroup!, ss.name, ctx.signal), normalizeInstancePublicIp),
            ),
          ctx.describe("instance public IPs of scale set", ss.id),
        )
      : undefined,
    ...ss.nicNsgIds.map((id) => networkSecurityGroup(ctx, id)),
  ]);
  ctx.snapshot.scaleSets![ss.id.toLowerCase()] = ok(instancePublicIps ? { ...ss, instancePublicIps } : ss);
}
