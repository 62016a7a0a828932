/**
 * The source addresses of firewall rules: addresses, `a-b` ranges, `*` and IP groups, as sets of
 * IPv4 intervals, resolved once per snapshot and rule. Pure.
 */
import type { ApplicationRule, NetworkRule, ReadError, Snapshot } from "../../../model/snapshot.js";
import { parseAddressEntry } from "../addresses.js";
import type { Interval } from "../intervals.js";
import { mergeIntervals } from "../intervals.js";
import { errorOf, resolve } from "../parts.js";

/** A rule's source addresses with its IP groups resolved; `errors` are IP groups that could not be read. */
export interface ResolvedSource {
  intervals: Interval[];
  errors: ReadError[];
}

/** Source addresses and source IP groups of a rule as address intervals (`*` = everything). */
export function resolveSource(snapshot: Snapshot, rule: NetworkRule | ApplicationRule): ResolvedSource {
  // Once per rule and snapshot: every target behind the firewall asks for every rule's sources
  // (IP groups come from the subscription lists, complete before any target is judged).
  let bySnapshot = resolvedSources.get(snapshot);
  if (!bySnapshot) resolvedSources.set(snapshot, (bySnapshot = new WeakMap()));
  let resolved = bySnapshot.get(rule);
  if (!resolved) bySnapshot.set(rule, (resolved = resolveAddresses(snapshot, rule.sourceAddresses, rule.sourceIpGroups)));
  return resolved;
}
const resolvedSources = new WeakMap<Snapshot, WeakMap<NetworkRule | ApplicationRule, ResolvedSource>>();

function resolveAddresses(snapshot: Snapshot, addresses: readonly string[], groups: readonly string[]): ResolvedSource {
  const intervals: Interval[] = [];
  const errors: ReadError[] = [];
  for (const a of addresses) {
    const i = parseAddressEntry(a);
    if (i !== undefined) intervals.push(i);
  }
  for (const g of groups) {
    const part = resolve(snapshot.ipGroups, g, `IP group ${g}`);
    if (!part.ok) {
      errors.push(errorOf(part, g));
      continue;
    }
    for (const a of part.value.ipAddresses) {
      const i = parseAddressEntry(a);
      if (i !== undefined) intervals.push(i);
    }
  }
  return { intervals: mergeIntervals(intervals), errors };
}
