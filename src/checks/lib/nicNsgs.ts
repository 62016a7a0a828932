/**
 * The NSGs on the node NICs of a target (CHECKS.md "NSGs on the node NICs"): the
 * `networkSecurityGroup` of the network interface configurations of the MC group's scale sets,
 * where AKS puts the NSG it manages (reference §8.10). Pure.
 *
 * Fail closed: an MC group, scale set list or scale set that could not be read is a gap (one
 * `unknown` each), never "no NSG". A snapshot written before scale sets were read (no `scaleSets`
 * map at all) says so, and only the subnet NSG is judged, as before.
 */
import type { ReadError, ScaleSet, Snapshot, Target } from "../../model/snapshot.js";
import { lookup } from "../../model/snapshot.js";
import { dedupeIds, nameOf } from "./names.js";
import { errorOf, notCollected, resolve } from "./parts.js";
import { mcGroupIdOf, targetLabel } from "./target.js";

/** An NSG on node NICs, with the scale sets whose NICs carry it. */
export interface NicNsg {
  id: string;
  scaleSetIds: string[];
  scaleSetNames: string[];
}

/** A part that could not be read: one `unknown` result. */
export interface NicNsgGap {
  resourceId: string;
  message: string;
  error: ReadError;
  evidence: Record<string, unknown>;
}

/** The NIC NSGs of a target, or that this snapshot did not collect them. */
export interface NicNsgs {
  /** True when the snapshot predates scale sets: NIC NSGs are not judged (evidence says so). */
  notCollected: boolean;
  nsgs: NicNsg[];
  gaps: NicNsgGap[];
  /** The scale sets read (for the evidence). */
  scaleSetIds: string[];
  mcGroupId?: string;
}

/** The NSGs on the NICs of the scale sets in a target's MC group. */
export function nicNsgsOf(snapshot: Snapshot, target: Target): NicNsgs {
  const out: NicNsgs = { notCollected: false, nsgs: [], gaps: [], scaleSetIds: [] };
  if (snapshot.scaleSets === undefined) return { ...out, notCollected: true };
  const label = targetLabel(target);
  const mcId = mcGroupIdOf(snapshot, target);
  if (!mcId.ok) {
    out.gaps.push({
      resourceId: target.id,
      message: `The MC group of ${label} could not be derived, so the NSGs on its node NICs could not be checked.`,
      error: mcId.error,
      evidence: { targetId: target.id },
    });
    return out;
  }
  out.mcGroupId = mcId.value;
  const group = resolve(snapshot.mcGroups, mcId.value, `MC group ${mcId.value}`);
  if (!group.ok) {
    out.gaps.push({
      resourceId: mcId.value,
      message: `MC group ${nameOf(mcId.value)} of ${label} could not be read, so the NSGs on its node NICs could not be checked.`,
      error: errorOf(group, mcId.value),
      evidence: { targetId: target.id, mcGroupId: mcId.value },
    });
    return out;
  }
  if (group.value.scaleSetIds === undefined) {
    out.gaps.push({
      resourceId: group.value.id,
      message: `The node scale sets of MC group ${nameOf(group.value.id)} of ${label} were not listed, so the NSGs on the node NICs could not be checked.`,
      error: notCollected(`${group.value.id}/providers/Microsoft.Compute/virtualMachineScaleSets`, `the scale set list of MC group ${nameOf(group.value.id)}`),
      evidence: { targetId: target.id, mcGroupId: group.value.id },
    });
    return out;
  }
  const byNsg = new Map<string, NicNsg>();
  for (const ssId of dedupeIds(group.value.scaleSetIds)) {
    const part = lookup(snapshot.scaleSets, ssId) ?? { ok: false as const, error: notCollected(ssId, `scale set ${ssId}`) };
    if (!part.ok) {
      out.gaps.push({
        resourceId: ssId,
        message: `Scale set ${nameOf(ssId)} of ${label} could not be read, so the NSG on its node NICs could not be checked.`,
        error: errorOf(part, ssId),
        evidence: { targetId: target.id, mcGroupId: group.value.id, scaleSetId: ssId },
      });
      continue;
    }
    const ss: ScaleSet = part.value;
    out.scaleSetIds.push(ss.id);
    for (const nsgId of dedupeIds(ss.nicNsgIds)) {
      const key = nsgId.toLowerCase();
      const entry = byNsg.get(key) ?? { id: nsgId, scaleSetIds: [], scaleSetNames: [] };
      entry.scaleSetIds.push(ss.id);
      entry.scaleSetNames.push(ss.name);
      byNsg.set(key, entry);
    }
  }
  out.nsgs = [...byNsg.values()];
  return out;
}
