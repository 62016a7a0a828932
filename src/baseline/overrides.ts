/**
 * Per-target overrides: the baseline as it applies to one target is its defaults merged with the
 * overrides whose match (resource id glob, tag) names the target, later overrides winning.
 */
import type { Target } from "../model/snapshot.js";
import { idMatches, type Baseline, type BaselineRules, type EffectiveBaseline } from "./baseline.js";

/** Merges defaults with the overrides that match this target (later overrides win). */
export function effectiveBaseline(
  baseline: Baseline,
  target: Pick<Target, "id">,
  tags: Record<string, string> = {},
): EffectiveBaseline {
  let rules: BaselineRules = { ...baseline.defaults };
  for (const o of baseline.overrides ?? []) {
    const byId = o.match.resourceId === undefined || idMatches(o.match.resourceId, target.id);
    const byTag =
      o.match.tag === undefined ||
      (o.match.tag.name in tags && (o.match.tag.value === undefined || tags[o.match.tag.name] === o.match.tag.value));
    if (byId && byTag) rules = { ...rules, ...o.rules };
  }
  return { rules, checks: baseline.checks ?? {} };
}
