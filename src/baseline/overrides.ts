/**
 * Per-target overrides: the baseline as it applies to one target is its defaults merged with the
 * overrides whose match (resource id glob, tag) names the target, later overrides winning.
 *
 * A tag match reads the target's own ARM tags (the pool's, or the AKS cluster's for a plain AKS
 * target; `Target.tags`, set by the collector). Tag names compare case-insensitively, because ARM
 * treats them so (its Tags API: "a tag name ... is case-insensitive"; an update by any spelling
 * finds the same tag, and the spelling a resource provider keeps varies across resources). Values
 * compare exactly: ARM keeps tag values as written and treats them case-sensitively. Only the
 * tags' own properties count: a name the target does not carry (`constructor`, `__proto__`,
 * `toString` included) matches nothing.
 */
import type { Target } from "../model/snapshot.js";
import { idMatches, type Baseline, type BaselineRules, type EffectiveBaseline } from "./baseline.js";

/** Merges defaults with the overrides that match this target (later overrides win). */
export function effectiveBaseline(baseline: Baseline, target: Pick<Target, "id" | "tags">): EffectiveBaseline {
  let rules: BaselineRules = { ...baseline.defaults };
  for (const o of baseline.overrides ?? []) {
    const byId = o.match.resourceId === undefined || idMatches(o.match.resourceId, target.id);
    const byTag = o.match.tag === undefined || tagMatches(target.tags, o.match.tag.name, o.match.tag.value);
    if (byId && byTag) rules = { ...rules, ...o.rules };
  }
  return { rules, checks: baseline.checks ?? {} };
}

/**
 * True when `tags` carries a tag named `name` (case-insensitively) and, when `value` is given,
 * with exactly that value. Own properties only: a name inherited from `Object.prototype` or not
 * set at all matches nothing.
 */
export function tagMatches(tags: Readonly<Record<string, string>> | undefined, name: string, value?: string): boolean {
  if (tags === undefined) return false;
  const fits = (key: string): boolean => {
    const actual: unknown = tags[key];
    return typeof actual === "string" && (value === undefined || actual === value);
  };
  if (Object.hasOwn(tags, name) && fits(name)) return true;
  const wanted = name.toLowerCase();
  // Object.keys lists own enumerable names only; the check below keeps that explicit.
  return Object.keys(tags).some((key) => key !== name && key.toLowerCase() === wanted && Object.hasOwn(tags, key) && fits(key));
}
