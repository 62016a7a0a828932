/**
 * Test oracle for the dependency index: runs the real checks on one target over a snapshot whose
 * maps record every entry looked up by key, so a test can hold the traced dependencies against what
 * the checks actually read. A lookup made while enumerating a map (`Object.entries`, `Object.values`:
 * each key's descriptor is asked before its value) counts as enumeration, not as a read of that
 * entry: the helpers scan whole maps to find matches (every firewall for the ones at an address),
 * which the index covers with inventories, not with every id.
 */
import type { Snapshot, Target } from "../../src/model/snapshot.js";
import type { Baseline } from "../../src/baseline/baseline.js";
import { targetEvaluator } from "../../src/checks/lib/engine.js";
import type { TargetEvaluation } from "../../src/checks/lib/engine.js";

/** Maps keyed by a lower-cased ARM id. */
export const RESOURCE_MAPS = [
  "aksClusters",
  "subnets",
  "routeTables",
  "firewalls",
  "mcGroups",
  "publicIps",
  "loadBalancers",
  "firewallPolicies",
  "ipGroups",
  "networkSecurityGroups",
  "privateLinkServices",
  "privateDnsZones",
  "virtualNetworks",
  "virtualHubs",
  "natGateways",
  "publicIpPrefixes",
  "scaleSets",
] as const;

/** Maps keyed by subscription id, and the inventory key a read of one stands for. */
export const SUBSCRIPTION_MAPS = {
  firewallInventory: "microsoft.network/azurefirewalls",
  hubInventory: "microsoft.network/virtualhubs",
  privateDnsZoneInventory: "microsoft.network/privatednszones",
  roleAssignments: "microsoft.authorization/roleassignments",
} as const;

/** What the checks read for one target. */
export interface RecordedReads {
  evaluation: TargetEvaluation;
  /** Map name -> lower-cased keys looked up one by one. */
  reads: Map<string, Set<string>>;
  /** Maps enumerated as a whole. */
  enumerated: Set<string>;
}

/** Judges one target over a recording copy of the snapshot (fresh, so no per-snapshot cache hides a read). */
export function recordReads(snapshot: Snapshot, target: Target, baseline: Baseline): RecordedReads {
  const reads = new Map<string, Set<string>>();
  const enumerated = new Set<string>();
  const copy: Record<string, unknown> = { ...snapshot };
  for (const name of [...RESOURCE_MAPS, ...Object.keys(SUBSCRIPTION_MAPS), "roleDefinitions"]) {
    const map = (snapshot as unknown as Record<string, Record<string, unknown> | undefined>)[name];
    if (map === undefined) continue;
    const pending = new Set<string | symbol>();
    // Only looked up by key (after `Object.keys(...).find`, whose descriptor reads would hide the lookup).
    const pointOnly = name === "roleAssignments";
    const keys = new Set<string>();
    reads.set(name, keys);
    copy[name] = new Proxy(map, {
      get(t, key, receiver) {
        if (pending.has(key) && !pointOnly) pending.delete(key);
        else if (typeof key === "string") keys.add(key.toLowerCase());
        return Reflect.get(t, key, receiver) as unknown;
      },
      getOwnPropertyDescriptor(t, key) {
        pending.add(key);
        return Reflect.getOwnPropertyDescriptor(t, key);
      },
      ownKeys(t) {
        enumerated.add(name);
        return Reflect.ownKeys(t);
      },
    });
  }
  const evaluation = targetEvaluator(copy as unknown as Snapshot, baseline)(target);
  return { evaluation, reads, enumerated };
}
