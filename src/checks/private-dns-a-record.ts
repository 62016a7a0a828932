import { parentResourceId } from "../model/resourceId.js";
import type { ARecordSet, HdiCluster, Part, PrivateDnsZone, ReadError, Target } from "../model/snapshot.js";
import type { Check, CheckContext, CheckResult } from "./lib/types.js";
import { sameAddress } from "./lib/addresses.js";
import { capitalise, dedupeIds, nameOf } from "./lib/names.js";
import { errorOf, resolve, unknownResult } from "./lib/parts.js";
import { poolClustersOf, targetLabel, targetSubnets } from "./lib/target.js";
import {
  answeringZone,
  candidateZones,
  findARecord,
  inventoryErrors,
  isApexOrWildcard,
  isLinkedTo,
  linkTo,
  recordFqdn,
  zonesInResourceGroup,
} from "./lib/dnsZones.js";
import { internalIngressOf } from "./lib/ingress.js";
import { normalizeFqdn, parentName } from "../model/dnsNames.js";

/** `private-dns-a-record`: each private-ingress cluster's private FQDN resolves, from the right VNets, to its ingress. */
export const privateDnsARecord: Check = {
  meta: {
    id: "private-dns-a-record",
    title: "Private-ingress clusters have a correct A record in a private DNS zone linked to the pool VNet",
    defaultSeverity: "high",
    risk:
      "When a private-ingress cluster's private FQDN does not resolve to its internal ingress address from the pool VNet " +
      "and the client VNets, clients cannot reach the cluster or reach whatever now holds a stale address.",
    remediation:
      "Create or fix the A record in the pool's private DNS zone so it points to the internal ingress frontend address " +
      "(az network private-dns record-set a add-record -g <zoneRg> -z <zone> -n <recordName> -a <ingressIp>, and " +
      "az network private-dns record-set a remove-record ... for a wrong or stale address; " +
      "az network private-dns record-set a delete -g <zoneRg> -z <zone> -n <staleName> for a deleted cluster), then link " +
      "the zone to the pool VNet and every client VNet: az network private-dns link vnet create -g <zoneRg> -z <zone> " +
      "-n <linkName> -v <vnetId> -e false.",
    requires: ["pools", "clusters", "aksClusters", "privateDnsZones", "privateDnsZoneInventory", "privateLinkServices", "loadBalancers"],
    parameters: [],
  },
  evaluate(ctx: CheckContext): CheckResult[] {
    return ctx.target.kind === "clusterPool" ? judgePool(ctx) : [];
  },
};

/** A missing zone link, reported once per (zone, VNet) however many clusters it affects. */
interface MissingLink {
  zone: PrivateDnsZone;
  vnetId: string;
  role: "pool VNet" | "baseline client VNet";
  fqdns: string[];
  clusterIds: string[];
}

interface PoolContext {
  ctx: CheckContext;
  target: Target;
  clusters: HdiCluster[];
  vnets: Part<string[]>;
  inventoryErrors: ReadError[];
  missingLinks: Map<string, MissingLink>;
  /** Zones judged as this pool's (they can hold one of its private FQDNs), by lower-cased id. */
  poolZones: Map<string, PrivateDnsZone>;
  /** Zone ids whose unreadability was already reported on a cluster. */
  reportedZoneErrors: Set<string>;
}

function judgePool(ctx: CheckContext): CheckResult[] {
  const { snapshot, target } = ctx;
  const label = targetLabel(target);
  const clustersPart = poolClustersOf(target);
  if (!clustersPart.ok) {
    return [
      unknownResult(target.id, `The clusters of ${label} could not be read, so their private DNS records could not be judged.`, clustersPart.error, {
        expected: "an A record per private-ingress cluster, no stale record",
        evidence: { targetId: target.id },
      }),
    ];
  }
  const clusters = clustersPart.value;
  const privateClusters = clusters.filter((c) => c.enableInternalIngress === true);
  const managedRgName = target.pool?.managedResourceGroupName;
  const managedRgId = managedRgName !== undefined && managedRgName !== "" ? `/subscriptions/${target.subscriptionId}/resourceGroups/${managedRgName}` : undefined;
  const rgZoneIds = managedRgId !== undefined ? zonesInResourceGroup(snapshot, managedRgId) : [];

  if (privateClusters.length === 0 && rgZoneIds.length === 0) {
    // Nothing to judge, unless the zone list of the pool's subscription could not be read: then a
    // zone with stale records of deleted private clusters may sit unseen in the pool's managed group.
    const inventory = Object.entries(snapshot.privateDnsZoneInventory).find(([sub]) => sub.toLowerCase() === target.subscriptionId.toLowerCase())?.[1];
    if (managedRgId !== undefined && (inventory === undefined || !inventory.ok)) {
      const error = inventory !== undefined && !inventory.ok ? errorOf(inventory, `/subscriptions/${target.subscriptionId}`) : {
        code: "NotCollected",
        message: `the private DNS zone list of subscription ${target.subscriptionId} was not collected`,
        scope: `/subscriptions/${target.subscriptionId}`,
      };
      return [
        unknownResult(target.id, `The private DNS zones of ${label} could not be listed, so stale A records in its managed resource group cannot be ruled out.`, error, {
          expected: "no stale A record",
          evidence: { targetId: target.id, managedResourceGroupId: managedRgId },
        }),
      ];
    }
    return [];
  }

  const subnets = targetSubnets(snapshot, target);
  const vnets: Part<string[]> = subnets.ok
    ? { ok: true, value: dedupeIds(subnets.value.ids.map((s) => parentResourceId(s) ?? s)) }
    : subnets;
  const pc: PoolContext = {
    ctx,
    target,
    clusters,
    vnets,
    inventoryErrors: inventoryErrors(snapshot),
    missingLinks: new Map(),
    poolZones: new Map(),
    reportedZoneErrors: new Set(),
  };

  const results: CheckResult[] = [];
  for (const c of privateClusters) results.push(...judgeCluster(pc, c));
  results.push(...staleRecords(pc, managedRgId, rgZoneIds));
  for (const m of pc.missingLinks.values()) results.push(missingLinkResult(pc, m));

  if (results.length === 0) {
    results.push({
      status: "pass",
      resourceId: target.id,
      message: `${capitalise(label)} has no private-ingress cluster and no stale A record in the private DNS zones of its managed resource group.`,
      expected: "no stale A record",
      actual: "no stale A record",
      evidence: { targetId: target.id, managedResourceGroupId: managedRgId, zoneIds: rgZoneIds },
    });
  }
  return results;
}

function zoneSummary(z: PrivateDnsZone): Record<string, unknown> {
  return {
    zoneId: z.id,
    links: z.virtualNetworkLinks.map((l) => ({ name: l.name, virtualNetworkId: l.virtualNetworkId, ...(l.state !== undefined ? { state: l.state } : {}) })),
  };
}

function judgeCluster(pc: PoolContext, c: HdiCluster): CheckResult[] {
  const { ctx, target } = pc;
  const { snapshot, baseline } = ctx;
  const label = targetLabel(target);
  const base: Record<string, unknown> = { targetId: target.id, clusterId: c.id };
  if (c.privateFqdn === undefined || c.privateFqdn === "") {
    return [
      unknownResult(
        c.id,
        `Private-ingress cluster ${c.name} of ${label} returned no private FQDN, so its A record cannot be looked up.`,
        { code: "NotReturned", message: `cluster ${c.name} returned no connectivityProfile.web.privateFqdn`, scope: c.id },
        { expected: "an A record for the private FQDN", evidence: base },
      ),
    ];
  }
  const fqdn = normalizeFqdn(c.privateFqdn);
  const item = fqdn;
  base.privateFqdn = fqdn;
  const expectedRecord = `A ${fqdn} → internal ingress address`;
  if (!pc.vnets.ok) {
    return [
      unknownResult(c.id, `The VNet of ${label} could not be determined, so the zone links of ${fqdn} cannot be judged.`, pc.vnets.error, {
        item,
        expected: expectedRecord,
        evidence: base,
      }),
    ];
  }
  const vnetIds = pc.vnets.value;
  base.poolVnetIds = vnetIds;

  const candidates = candidateZones(snapshot, fqdn);
  for (const z of candidates.zones) pc.poolZones.set(z.id.toLowerCase(), z);
  base.candidateZones = candidates.zones.map(zoneSummary);
  const [zoneError] = candidates.errors;
  if (zoneError !== undefined) {
    for (const id of candidates.failedZoneIds) pc.reportedZoneErrors.add(id.toLowerCase());
    return [
      unknownResult(c.id, `A private DNS zone that can hold ${fqdn} (cluster ${c.name} of ${label}) could not be read.`, zoneError, {
        item,
        expected: expectedRecord,
        evidence: { ...base, zoneReadErrors: candidates.errors },
      }),
    ];
  }

  const answering = answeringZone(candidates.zones, vnetIds);
  const holders = candidates.zones.filter((z) => findARecord(z, fqdn) !== undefined);
  let holder: PrivateDnsZone;
  let record: ARecordSet;
  if (answering !== undefined) {
    const found = findARecord(answering, fqdn);
    if (found === undefined) {
      const [invError] = pc.inventoryErrors;
      if (invError !== undefined) {
        return [
          unknownResult(c.id, `Zone ${answering.name} linked to the VNet of ${label} has no A record for ${fqdn}, and not every private DNS zone list could be read.`, invError, {
            item,
            expected: expectedRecord,
            evidence: { ...base, answeringZoneId: answering.id, inventoryErrors: pc.inventoryErrors },
          }),
        ];
      }
      const shadowed = holders.filter((z) => z.id !== answering.id);
      return [
        {
          status: "fail",
          resourceId: c.id,
          item,
          message:
            `Private FQDN ${fqdn} of cluster ${c.name} (${label}) has no A record in zone ${answering.name}, the zone that answers ` +
            `for it in the pool VNet` +
            (shadowed.length > 0 ? `; the record in ${shadowed.map((z) => z.name).join(", ")} is shadowed by it.` : "."),
          expected: expectedRecord,
          actual: `no A record in ${answering.name}`,
          evidence: {
            ...base,
            answeringZoneId: answering.id,
            ...(shadowed.length > 0 ? { shadowedRecordZoneIds: shadowed.map((z) => z.id) } : {}),
            decidedBy: "most specific private DNS zone linked to the pool VNet holds no A record for the name",
          },
        },
      ];
    }
    holder = answering;
    record = found;
  } else {
    const first = holders[0];
    const foundInFirst = first !== undefined ? findARecord(first, fqdn) : undefined;
    if (first === undefined || foundInFirst === undefined) {
      const [invError] = pc.inventoryErrors;
      if (invError !== undefined) {
        return [
          unknownResult(c.id, `No private DNS zone read holds an A record for ${fqdn} (cluster ${c.name} of ${label}), but not every zone list could be read.`, invError, {
            item,
            expected: expectedRecord,
            evidence: { ...base, inventoryErrors: pc.inventoryErrors },
          }),
        ];
      }
      return [
        {
          status: "fail",
          resourceId: c.id,
          item,
          message: `Private FQDN ${fqdn} of cluster ${c.name} (${label}) has no A record in any private DNS zone linked to the pool VNet.`,
          expected: expectedRecord,
          actual: "no A record",
          evidence: { ...base, decidedBy: "no private DNS zone whose name is a suffix of the FQDN holds an A record for it" },
        },
      ];
    }
    holder = first;
    record = foundInFirst;
  }

  // Zone links: the zone holding the record must be linked to the pool VNet and to each client VNet.
  const required: { vnetId: string; role: MissingLink["role"] }[] = [
    ...vnetIds.map((v) => ({ vnetId: v, role: "pool VNet" as const })),
    ...(baseline.rules.clientVnetIds ?? []).map((v) => ({ vnetId: v, role: "baseline client VNet" as const })),
  ];
  const seen = new Set<string>();
  let linksMissing = 0;
  for (const r of required) {
    const k = r.vnetId.toLowerCase();
    if (seen.has(k)) continue;
    seen.add(k);
    if (isLinkedTo(holder, r.vnetId)) continue;
    linksMissing++;
    const key = `${holder.id.toLowerCase()}|${k}`;
    const entry = pc.missingLinks.get(key) ?? { zone: holder, vnetId: r.vnetId, role: r.role, fqdns: [], clusterIds: [] };
    entry.fqdns.push(fqdn);
    entry.clusterIds.push(c.id);
    pc.missingLinks.set(key, entry);
  }

  const recordEvidence = {
    ...base,
    zoneId: holder.id,
    recordId: record.id,
    recordName: record.name,
    recordAddresses: record.ipv4Addresses,
  };
  const ingress = internalIngressOf(snapshot, c);
  if (!ingress.ok) {
    return [
      unknownResult(
        c.id,
        `The A record of ${fqdn} (cluster ${c.name} of ${label}) points to ${record.ipv4Addresses.join(", ") || "no address"}, but the cluster's internal ingress address could not be resolved.`,
        ingress.error,
        { item, expected: expectedRecord, evidence: { ...recordEvidence, privateLinkServiceId: c.privateLinkServiceId ?? null } },
      ),
    ];
  }
  const expectedAddresses = ingress.value.addresses;
  const ingressEvidence = { ...recordEvidence, privateLinkServiceId: ingress.value.privateLinkServiceId, ingressFrontends: ingress.value.frontends };
  const missing = expectedAddresses.filter((a) => !record.ipv4Addresses.some((r) => sameAddress(r, a)));
  const extra = record.ipv4Addresses.filter((r) => !expectedAddresses.some((a) => sameAddress(r, a)));
  const expected = `A ${fqdn} → ${expectedAddresses.join(", ")}`;
  const actual = `A → ${record.ipv4Addresses.join(", ") || "no address"}`;
  if (missing.length === expectedAddresses.length || extra.length > 0) {
    return [
      {
        status: "fail",
        resourceId: c.id,
        item,
        message:
          missing.length === expectedAddresses.length
            ? `The A record of ${fqdn} (cluster ${c.name} of ${label}) in zone ${holder.name} points to ` +
              `${record.ipv4Addresses.join(", ") || "no address"} instead of the cluster's internal ingress address ${expectedAddresses.join(", ")}.`
            : `The A record of ${fqdn} (cluster ${c.name} of ${label}) in zone ${holder.name} also points to ` +
              `${extra.join(", ")} besides the cluster's internal ingress address ${expectedAddresses.join(", ")}.`,
        expected,
        actual,
        evidence: { ...ingressEvidence, unexpectedAddresses: extra, decidedBy: "record addresses differ from the internal ingress frontend address" },
      },
    ];
  }
  if (linksMissing > 0) return []; // the missing links are the findings
  return [
    {
      status: "pass",
      resourceId: c.id,
      item,
      message: `Private FQDN ${fqdn} of cluster ${c.name} (${label}) resolves in zone ${holder.name}, linked to the required VNets, to its internal ingress address ${expectedAddresses.join(", ")}.`,
      expected,
      actual,
      evidence: { ...ingressEvidence, linkedVnetIds: [...seen].map((k) => linkTo(holder, k)?.virtualNetworkId ?? k) },
    },
  ];
}

function missingLinkResult(pc: PoolContext, m: MissingLink): CheckResult {
  const link = linkTo(m.zone, m.vnetId);
  const actual = link === undefined ? "not linked" : `link ${link.name} ${link.state ?? ""}`.trim();
  return {
    status: "fail",
    resourceId: m.zone.id,
    item: m.vnetId,
    message:
      `Private DNS zone ${m.zone.name}, which holds the A record of ${m.fqdns.join(", ")} (${targetLabel(pc.target)}), is not linked ` +
      `to ${m.role} ${nameOf(m.vnetId)}` +
      (link !== undefined ? ` (link ${link.name} is ${link.state ?? "not in effect"}).` : "."),
    expected: `linked to ${nameOf(m.vnetId)}`,
    actual,
    evidence: {
      targetId: pc.target.id,
      ...zoneSummary(m.zone),
      vnetId: m.vnetId,
      role: m.role,
      privateFqdns: m.fqdns,
      clusterIds: m.clusterIds,
      decidedBy: `virtualNetworkLinks[] has no link in effect to the ${m.role}`,
    },
  };
}

/**
 * Stale records: A records in this pool's zones (zones that can hold one of its private FQDNs, and
 * zones in its managed resource group) that name no existing cluster of the pool. In a zone outside
 * the managed group only records directly under one of the pool's name suffixes count (a shared
 * zone holds other pools' records too).
 */
function staleRecords(pc: PoolContext, managedRgId: string | undefined, rgZoneIds: string[]): CheckResult[] {
  const { snapshot } = pc.ctx;
  const results: CheckResult[] = [];
  const inRg = new Set<string>();
  for (const id of rgZoneIds) {
    const part = resolve(snapshot.privateDnsZones, id, `private DNS zone ${id}`);
    if (part.ok) {
      pc.poolZones.set(part.value.id.toLowerCase(), part.value);
      inRg.add(part.value.id.toLowerCase());
    } else if (!pc.reportedZoneErrors.has(id.toLowerCase())) {
      results.push(
        unknownResult(id, `Private DNS zone ${nameOf(id)} in the managed resource group of ${targetLabel(pc.target)} could not be read, so its records could not be checked for stale entries.`, errorOf(part, id), {
          item: "stale-records",
          expected: "no stale A record",
          evidence: { targetId: pc.target.id, zoneId: id, managedResourceGroupId: managedRgId },
        }),
      );
    }
  }
  const existing = new Set<string>();
  const suffixes = new Set<string>();
  for (const c of pc.clusters) {
    if (c.privateFqdn !== undefined && c.privateFqdn !== "") {
      existing.add(normalizeFqdn(c.privateFqdn));
      const p = parentName(c.privateFqdn);
      if (p !== undefined) suffixes.add(p);
    }
    if (c.fqdn !== undefined && c.fqdn !== "") {
      existing.add(normalizeFqdn(c.fqdn));
      const p = parentName(c.fqdn);
      if (p !== undefined) {
        suffixes.add(p);
        suffixes.add(`privatelink.${p}`);
      }
    }
  }
  const zones = [...pc.poolZones.values()].sort((a, b) => a.id.toLowerCase().localeCompare(b.id.toLowerCase()));
  for (const z of zones) {
    const zoneInRg = inRg.has(z.id.toLowerCase());
    for (const r of z.aRecords) {
      if (isApexOrWildcard(r)) continue;
      const name = recordFqdn(z, r);
      const parent = parentName(name);
      if (!zoneInRg && (parent === undefined || !suffixes.has(parent))) continue;
      if (existing.has(name)) continue;
      const recordId = r.id !== "" ? r.id : `${z.id}/A/${r.name}`;
      results.push({
        status: "fail",
        resourceId: recordId,
        item: name,
        message: `A record ${name} in private DNS zone ${z.name} names no existing cluster of ${targetLabel(pc.target)} (stale record).`,
        expected: "A records only for existing clusters",
        actual: `stale A ${name} → ${r.ipv4Addresses.join(", ") || "no address"}`,
        evidence: {
          targetId: pc.target.id,
          zoneId: z.id,
          recordId,
          recordAddresses: r.ipv4Addresses,
          existingClusterFqdns: [...existing].sort(),
          scope: zoneInRg ? "zone in the pool's managed resource group" : "record under one of the pool's name suffixes",
          decidedBy: "record name matches no cluster's privateFqdn or fqdn",
        },
      });
    }
  }
  return results;
}
