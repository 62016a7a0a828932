/**
 * Which private DNS zones a target needs. Zones are listed per subscription (subscriptionLists.ts)
 * but their records and links are read only for the zones some target needs (sharedResources.ts),
 * so a zone no target's names fall into costs no request.
 */
import type { PrivateZone } from "@azure/arm-privatedns";
import { labelSuffixes } from "../../model/dnsNames.js";
import { parseResourceId } from "../../model/resourceId.js";
import type { Target } from "../../model/snapshot.js";
import { pushTo } from "../reads.js";

/**
 * Indexes the listed zones by name and by resource group (once, so each target's question is a
 * few lookups) and returns the private DNS zones a target's checks may need: every zone in its
 * pool's managed resource group, and every zone whose name is one of its clusters' private FQDNs
 * or a suffix of one at a label boundary (`cluster.pool.example.com` looks in `pool.example.com`
 * and `example.com`). Ask only once the target's clusters are read.
 */
export function zoneFinder(zones: Map<string, PrivateZone>): (t: Target) => PrivateZone[] {
  let zonesByName = new Map<string, PrivateZone[]>();
  let zonesByGroup = new Map<string, PrivateZone[]>();
  let indexed = -1;
  // Zones can still arrive during the target reads (the shared lists of a subscription reached
  // through a peering that only a VNet read by id revealed): the indexes are rebuilt when the
  // map has grown, which is rare, instead of once per question.
  const reindex = () => {
    if (indexed === zones.size) return;
    indexed = zones.size;
    zonesByName = new Map();
    zonesByGroup = new Map();
    for (const z of zones.values()) {
      if (!z.id || !z.name) continue;
      const p = parseResourceId(z.id);
      if (!p?.resourceGroup) continue;
      pushTo(zonesByName, z.name.toLowerCase(), z);
      pushTo(zonesByGroup, `/subscriptions/${p.subscriptionId}/resourcegroups/${p.resourceGroup}`.toLowerCase(), z);
    }
  };
  return (t) => {
    reindex();
    const found = new Set<PrivateZone>();
    if (t.pool?.managedResourceGroupName) {
      for (const z of zonesByGroup.get(`/subscriptions/${t.subscriptionId}/resourcegroups/${t.pool.managedResourceGroupName}`.toLowerCase()) ?? []) found.add(z);
    }
    for (const c of t.clusters?.ok ? t.clusters.value : []) {
      if (!c.privateFqdn) continue;
      for (const name of labelSuffixes(c.privateFqdn)) for (const z of zonesByName.get(name) ?? []) found.add(z);
    }
    return [...found];
  };
}
