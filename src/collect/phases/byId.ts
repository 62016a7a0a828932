/**
 * Resources a target names by id, taken from the subscription lists when they returned them and
 * read by id otherwise (which tells "not found" from "forbidden", and reaches subscriptions
 * outside the scope): route tables, NSGs, NAT gateways with their addresses and prefixes, public
 * IPs and public IP prefixes. Each is read once however many targets name it, and a failed read
 * is a failed part whose error names the resource and its subscription.
 */
import { parseResourceId, type ParsedResourceId } from "../../model/resourceId.js";
import type { Part } from "../../model/snapshot.js";
import type { CollectionContext } from "../context.js";
import type { ListIndex } from "../listIndex.js";
import { normalizeNatGateway, normalizeNsg, normalizePublicIp, normalizePublicIpPrefix, normalizeRouteTable } from "../normalize.js";
import { ok } from "../reads.js";

/**
 * Reads one resource by id into `map` (once per id), unless the map already holds it: `what`
 * names its kind in errors, `types` is the resource type path it must have (`["routeTables"]`).
 */
export async function byId<T>(
  ctx: CollectionContext,
  map: Record<string, Part<T>>,
  id: string,
  what: string,
  types: string[],
  get: (p: ParsedResourceId & { resourceGroup: string }) => Promise<T>,
): Promise<Part<T> | undefined> {
  return ctx.once(`byId|${what}|${id}`, async () => {
    const key = id.toLowerCase();
    if (map[key]) return map[key];
    const p = parseResourceId(id);
    const fits = p?.resourceGroup && p.types.length === types.length && p.types.every((t, i) => t.toLowerCase() === types[i]!.toLowerCase());
    map[key] =
      p && fits
        ? await ctx.read(id, () => get(p as ParsedResourceId & { resourceGroup: string }), ctx.describe(what, id))
        : ctx.invalidId(`not a ${what} id: ${id.slice(0, 300)}`, id.slice(0, 300));
    return map[key];
  });
}

/** A route table no list returned, by id. */
export async function routeTable(ctx: CollectionContext, id: string): Promise<void> {
  await byId(ctx, ctx.snapshot.routeTables, id, "route table", ["routeTables"], async (p) =>
    normalizeRouteTable(await ctx.clients.network(p.subscriptionId).routeTables.get(p.resourceGroup, p.names[0]!, ctx.signal)),
  );
}

/** A network security group no list returned (a subnet's, or one on the node NICs), by id. */
export async function networkSecurityGroup(ctx: CollectionContext, id: string): Promise<void> {
  await byId(ctx, ctx.snapshot.networkSecurityGroups, id, "network security group", ["networkSecurityGroups"], async (p) =>
    normalizeNsg(await ctx.clients.network(p.subscriptionId).networkSecurityGroups.get(p.resourceGroup, p.names[0]!, ctx.signal)),
  );
}

/**
 * A public IP that is outside the MC group (a NAT gateway's): from its subscription's list when
 * that holds it, else by id.
 */
export async function publicIp(ctx: CollectionContext, index: ListIndex, id: string): Promise<void> {
  const p = parseResourceId(id);
  const listed = p?.resourceGroup
    ? index.publicIpsByGroup.get(p.subscriptionId.toLowerCase())?.get(p.resourceGroup.toLowerCase())?.find((x) => x.id.toLowerCase() === id.toLowerCase())
    : undefined;
  const map = ctx.snapshot.publicIps;
  if (listed && !map[id.toLowerCase()]) map[id.toLowerCase()] = ok(listed);
  await byId(ctx, map, id, "public IP address", ["publicIPAddresses"], async (q) =>
    normalizePublicIp(await ctx.clients.network(q.subscriptionId).publicIPAddresses.get(q.resourceGroup, q.names[0]!, ctx.signal)),
  );
}

/** A public IP prefix into the snapshot: from the lists, else by id. */
async function prefixEntry(ctx: CollectionContext, index: ListIndex, id: string) {
  const map = ctx.snapshot.publicIpPrefixes!;
  const listed = index.publicIpPrefixes.get(id.toLowerCase());
  if (listed && !map[id.toLowerCase()]) map[id.toLowerCase()] = ok(listed);
  return byId(ctx, map, id, "public IP prefix", ["publicIPPrefixes"], async (q) =>
    normalizePublicIpPrefix(await ctx.clients.network(q.subscriptionId).publicIPPrefixes.get(q.resourceGroup, q.names[0]!, ctx.signal)),
  );
}

/**
 * A public IP prefix (an agent pool's node prefix, an AKS cluster's NAT outbound one): from the
 * lists, else by id; then the NAT gateway it belongs to, if any.
 */
export async function publicIpPrefix(ctx: CollectionContext, index: ListIndex, id: string): Promise<void> {
  const part = await prefixEntry(ctx, index, id);
  if (part?.ok && part.value.natGatewayId) await natGateway(ctx, index, part.value.natGatewayId);
}

/**
 * A NAT gateway (a target subnet's, or the one behind an AKS cluster's NAT outbound addresses):
 * from the lists, else by id; then the public IPs and prefixes it egresses through (a prefix's
 * own NAT gateway back-reference is this gateway: not followed again).
 */
export function natGateway(ctx: CollectionContext, index: ListIndex, id: string): Promise<void> {
  return ctx.once(`ngw|${id}`, async () => {
    const map = ctx.snapshot.natGateways!;
    const listed = index.natGateways.get(id.toLowerCase());
    if (listed && !map[id.toLowerCase()]) map[id.toLowerCase()] = ok(listed);
    const part = await byId(ctx, map, id, "NAT gateway", ["natGateways"], async (q) =>
      normalizeNatGateway(await ctx.clients.network(q.subscriptionId).natGateways.get(q.resourceGroup, q.names[0]!, ctx.signal)),
    );
    if (!part?.ok) return;
    await Promise.all([...part.value.publicIpIds.map((x) => publicIp(ctx, index, x)), ...part.value.publicIpPrefixIds.map((x) => prefixEntry(ctx, index, x))]);
  });
}

/**
 * The egress references of an AKS cluster: the node public IP prefixes of its agent pools, and
 * its NAT outbound addresses (`natGatewayProfile.effectiveOutboundIPs`: public IPs or prefixes)
 * with the NAT gateway they belong to.
 */
export async function aksEgressReferences(ctx: CollectionContext, index: ListIndex, aks: { agentPools?: Array<{ nodePublicIPPrefixId?: string }>; natEffectiveOutboundIds?: string[] }): Promise<void> {
  const reads: Array<Promise<void>> = [];
  for (const pool of aks.agentPools ?? []) if (pool.nodePublicIPPrefixId) reads.push(publicIpPrefix(ctx, index, pool.nodePublicIPPrefixId));
  for (const id of aks.natEffectiveOutboundIds ?? []) {
    const type = parseResourceId(id)?.types[0]?.toLowerCase();
    if (type === "publicipprefixes") reads.push(publicIpPrefix(ctx, index, id));
    else if (type === "publicipaddresses") {
      reads.push(
        publicIp(ctx, index, id).then(async () => {
          const pip = ctx.snapshot.publicIps[id.toLowerCase()];
          if (pip?.ok && pip.value.attachedTo?.kind === "natGateway") await natGateway(ctx, index, pip.value.attachedTo.resourceId);
        }),
      );
    }
  }
  await Promise.all(reads);
}
