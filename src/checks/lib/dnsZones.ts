/**
 * Private DNS semantics over the snapshot: which zones can answer for a name (label-aligned
 * suffixes), which of them a VNet sees (links; the most specific linked zone answers, as Azure
 * private DNS resolves), and which A record set answers (exact name, else a wildcard). Pure; no I/O.
 */
import { parseResourceId } from "../../model/resourceId.js";
import { lookup, sameId } from "../../model/snapshot.js";
import type { ARecordSet, PrivateDnsZone, ReadError, Snapshot, VirtualNetworkLink } from "../../model/snapshot.js";
import { nameOf } from "./names.js";
import { errorOf } from "./parts.js";
import { isLabelSuffix, labelSuffixes, normalizeFqdn } from "../../model/dnsNames.js";

/** The zones that could hold `fqdn`, and the read errors of zones that could but were not read. */
export interface ZoneCandidates {
  /** Readable zones whose name is a label-aligned suffix of the name, most specific first. */
  zones: PrivateDnsZone[];
  /** Zones with such a name whose read failed, or that an inventory listed but were not collected. */
  errors: ReadError[];
  /** Ids of those zones (parallel to `errors`). */
  failedZoneIds: string[];
}

/**
 * Zone ids of a snapshot indexed once (by lower-cased zone name and by resource group), so that
 * judging thousands of targets does not rescan every zone per target. The index holds ids, not
 * parts: a zone's part is looked up when a name is asked for, so a scan that judges targets while
 * other targets' zones are still being read (the zone inventories are complete by then) never
 * sees a zone as "not read" that has been read since the index was built.
 */
interface ZoneIndex {
  /** Zone name → map keys and listed ids of zones with that name. */
  byName: Map<string, Map<string, string>>;
  /** Resource group id (lower-cased) → zone ids */
  byGroup: Map<string, Map<string, string>>;
}
const zoneIndexes = new WeakMap<Snapshot, ZoneIndex>();

function zoneIndex(snapshot: Snapshot): ZoneIndex {
  let index = zoneIndexes.get(snapshot);
  if (index) return index;
  index = { byName: new Map(), byGroup: new Map() };
  const addGroup = (id: string) => {
    const p = parseResourceId(id);
    if (p?.resourceGroup === undefined) return;
    const g = `/subscriptions/${p.subscriptionId}/resourcegroups/${p.resourceGroup}`.toLowerCase();
    let ids = index.byGroup.get(g);
    if (!ids) index.byGroup.set(g, (ids = new Map<string, string>()));
    if (!ids.has(id.toLowerCase())) ids.set(id.toLowerCase(), id);
  };
  const addName = (name: string, key: string) => {
    const k = name.toLowerCase();
    let keys = index.byName.get(k);
    if (!keys) index.byName.set(k, (keys = new Map<string, string>()));
    // One entry per zone: a read zone under its map key, a listed one under its id.
    if (!keys.has(key.toLowerCase())) keys.set(key.toLowerCase(), key);
  };
  for (const [key, part] of Object.entries(snapshot.privateDnsZones)) {
    addName(part.ok ? part.value.name : nameOf(key), key);
    addGroup(part.ok ? part.value.id : key);
  }
  for (const inv of Object.values(snapshot.privateDnsZoneInventory)) {
    if (!inv.ok) continue;
    for (const id of inv.value) {
      if (id === "") continue;
      addGroup(id);
      addName(nameOf(id), id);
    }
  }
  zoneIndexes.set(snapshot, index);
  return index;
}

/** The private DNS zones (read or listed) whose name is a label-aligned suffix of `fqdn`. */
export function candidateZones(snapshot: Snapshot, fqdn: string): ZoneCandidates {
  const zones: PrivateDnsZone[] = [];
  const errors: ReadError[] = [];
  const failedZoneIds: string[] = [];
  const index = zoneIndex(snapshot);
  for (const suffix of labelSuffixes(fqdn)) {
    for (const key of index.byName.get(suffix)?.values() ?? []) {
      // Listed but absent from the map: not read.
      const part = lookup(snapshot.privateDnsZones, key);
      if (part === undefined) {
        // A zone the inventory listed with a fitting name but that is absent from the map was not read.
        errors.push({ code: "NotCollected", message: `private DNS zone ${nameOf(key)} was listed but not collected`, scope: key });
        failedZoneIds.push(key);
      } else if (part.ok) {
        if (isLabelSuffix(fqdn, part.value.name)) zones.push(part.value);
      } else {
        errors.push(errorOf(part, key));
        failedZoneIds.push(key);
      }
    }
  }
  zones.sort((a, b) => b.name.length - a.name.length || a.id.toLowerCase().localeCompare(b.id.toLowerCase()));
  return { zones, errors, failedZoneIds };
}

/**
 * Read errors of the private DNS zone inventories: "no zone holds this record" is only a fact when
 * every subscription's zone list was read (and at least one was).
 */
export function inventoryErrors(snapshot: Snapshot): ReadError[] {
  const entries = Object.entries(snapshot.privateDnsZoneInventory);
  if (entries.length === 0) {
    return [{ code: "NotCollected", message: "no private DNS zone inventory was collected", scope: "/subscriptions" }];
  }
  return entries.flatMap(([sub, part]) => (part.ok ? [] : [errorOf(part, `/subscriptions/${sub}`)]));
}

/** Private DNS zone ids (read or listed) in a resource group, with the read part when there is one. */
export function zonesInResourceGroup(snapshot: Snapshot, resourceGroupId: string): string[] {
  const ids = zoneIndex(snapshot).byGroup.get(resourceGroupId.toLowerCase());
  return [...(ids?.values() ?? [])].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
}

/** The absolute name of a record set (its `fqdn`, else `<name>.<zone>`), normalised. */
export function recordFqdn(zone: PrivateDnsZone, record: ARecordSet): string {
  if (record.fqdn !== "") return normalizeFqdn(record.fqdn);
  return record.name === "@" ? normalizeFqdn(zone.name) : normalizeFqdn(`${record.name}.${zone.name}`);
}

/** True for the zone-apex (`@`) and wildcard (`*`, `*.x`) record sets: they name no single host. */
export function isApexOrWildcard(record: ARecordSet): boolean {
  return record.name === "@" || record.name === "*" || record.name.startsWith("*.");
}

/**
 * The A record set of a zone that answers for `fqdn`: the exact name, else the most specific
 * wildcard (`*.<suffix>`) above it. Undefined when the zone has neither.
 */
export function findARecord(zone: PrivateDnsZone, fqdn: string): ARecordSet | undefined {
  const f = normalizeFqdn(fqdn);
  if (!isLabelSuffix(f, zone.name)) return undefined;
  const exact = zone.aRecords.find((r) => recordFqdn(zone, r) === f);
  if (exact !== undefined) return exact;
  let best: { record: ARecordSet; suffix: string } | undefined;
  for (const r of zone.aRecords) {
    const name = recordFqdn(zone, r);
    if (!name.startsWith("*.")) continue;
    const suffix = name.slice(2);
    if (f.endsWith(`.${suffix}`) && (best === undefined || suffix.length > best.suffix.length)) best = { record: r, suffix };
  }
  return best?.record;
}

/** The link of a zone to a VNet, if any. */
export function linkTo(zone: PrivateDnsZone, vnetId: string): VirtualNetworkLink | undefined {
  return zone.virtualNetworkLinks.find((l) => sameId(l.virtualNetworkId, vnetId));
}

/** True when the zone has a link to the VNet that is in effect (state `Completed`, or not stated). */
export function isLinkedTo(zone: PrivateDnsZone, vnetId: string): boolean {
  const link = linkTo(zone, vnetId);
  return link !== undefined && (link.state === undefined || link.state.toLowerCase() === "completed");
}

/**
 * The zone that answers for a name from any of these VNets: the most specific candidate zone linked
 * to one of them (Azure private DNS answers from the longest matching linked zone and does not fall
 * back to a shorter one when the name is missing there).
 */
export function answeringZone(candidates: readonly PrivateDnsZone[], vnetIds: readonly string[]): PrivateDnsZone | undefined {
  const linked = candidates.filter((z) => vnetIds.some((v) => isLinkedTo(z, v)));
  return [...linked].sort((a, b) => b.name.length - a.name.length || a.id.toLowerCase().localeCompare(b.id.toLowerCase()))[0];
}
