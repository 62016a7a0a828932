/**
 * ARM id globs: how overrides, suppressions and allow-lists of ids name resources. Hand-written
 * rather than a regex library's globs, because a regex built from a glob with several `*` in one
 * segment backtracks polynomially (picomatch took 772 ms for one match on an 89-character group
 * name), and a baseline's globs are matched against every failing finding of a scan.
 *
 * Syntax (case-insensitive, as ARM ids are):
 * - `/` separates segments; an id is matched segment by segment.
 * - `*` matches any run of characters (none included) within one segment; `?` exactly one.
 *   Several stars inside a segment (`a**b`) mean the same as one.
 * - `**` as a whole segment matches zero or more whole segments: `…/rg-x/**` matches the group
 *   `…/rg-x` and everything under it; a glob of `/subscriptions/S`, `**` and
 *   `publicIPAddresses/pip-1` (joined by `/`) matches `pip-1` in any resource group of S.
 * - Every other character is itself. Parentheses are common in resource group names
 *   (`rg-data(eu)`) and match literally. The other syntax of shell or regex globs (`[a-z]`,
 *   `{a,b}`, a leading `!`, `\` escapes) has no meaning here: {@link unsupportedGlobSyntax} names
 *   it, and the baseline parser refuses a glob that uses it rather than matching it literally.
 *
 * Cost: a segment is matched by greedy two-pointer wildcard matching (on a mismatch, only the last
 * star is extended), and segments the same way with `**` as the star, each pair of segments
 * compared at most once: O(glob length × id length) in the worst case, for any number of stars.
 * Compiled globs are cached (a baseline has a handful; the cache is bounded all the same).
 */

/** One segment of a compiled glob. */
type Segment =
  /** `**`: zero or more whole segments. */
  | { kind: "globstar" }
  /** No wildcard: equal text. */
  | { kind: "literal"; text: string }
  /** `*` and `?` within the segment (runs of `*` collapsed to one). */
  | { kind: "wild"; text: string };

/** A glob split into segments, lower-cased; what {@link compileGlob} caches. */
export interface CompiledGlob {
  readonly source: string;
  readonly segments: readonly Segment[];
}

const STAR = 42; // "*"
const QUESTION = 63; // "?"

/** Compiled globs by their source text. Bounded: the oldest entry goes when it is full. */
const cache = new Map<string, CompiledGlob>();
/** How many compiled globs are kept (a baseline has a handful; thousands would be a generator's). */
export const GLOB_CACHE_SIZE = 1024;

/** The glob compiled (from the cache when it was compiled before). */
export function compileGlob(glob: string): CompiledGlob {
  let compiled = cache.get(glob);
  if (compiled === undefined) {
    compiled = { source: glob, segments: glob.toLowerCase().split("/").map(segmentOf) };
    if (cache.size >= GLOB_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(glob, compiled);
  }
  return compiled;
}

/** How many compiled globs the cache holds now (tests). */
export function cachedGlobCount(): number {
  return cache.size;
}

function segmentOf(text: string): Segment {
  if (text.length >= 2 && /^\*+$/.test(text)) return { kind: "globstar" };
  if (!text.includes("*") && !text.includes("?")) return { kind: "literal", text };
  return { kind: "wild", text: text.replace(/\*{2,}/g, "*") };
}

/**
 * Case-insensitive match of an ARM id against a glob (syntax in this module's comment). Linear
 * in the id for a given glob, whatever its stars.
 */
export function globMatches(glob: string, id: string): boolean {
  return matchSegments(compileGlob(glob).segments, id.toLowerCase().split("/"));
}

/**
 * Greedy matching of segments with `**` as the wildcard: on a mismatch, the last `**` takes one
 * more segment and the rest of the glob is tried from there. A pair (glob segment, id segment) is
 * compared at most once (memo), so the segment comparisons stay O(glob segments × id segments).
 */
function matchSegments(pattern: readonly Segment[], text: readonly string[]): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  // 0 = not compared yet, 1 = match, 2 = no match; allocated on the first retry only.
  let memo: Uint8Array | undefined;
  const width = text.length;
  while (t < text.length) {
    const seg = pattern[p];
    if (seg?.kind === "globstar") {
      starP = p++;
      starT = t;
      continue;
    }
    if (seg !== undefined) {
      let same: boolean;
      if (memo === undefined) {
        same = segmentMatches(seg, text[t]!);
      } else {
        const k = p * width + t;
        if (memo[k] === 0) memo[k] = segmentMatches(seg, text[t]!) ? 1 : 2;
        same = memo[k] === 1;
      }
      if (same) {
        p += 1;
        t += 1;
        continue;
      }
    }
    if (starP < 0) return false;
    memo ??= new Uint8Array(pattern.length * width);
    p = starP + 1;
    starT += 1;
    t = starT;
  }
  while (pattern[p]?.kind === "globstar") p += 1;
  return p === pattern.length;
}

function segmentMatches(seg: Segment, text: string): boolean {
  if (seg.kind === "literal") return seg.text === text;
  if (seg.kind === "wild") return wildMatches(seg.text, text);
  return true;
}

/**
 * Greedy two-pointer match of one segment with `*` and `?`: on a mismatch the last `*` takes one
 * more character. No recursion, no regex: O(pattern × text) at worst.
 */
function wildMatches(pattern: string, text: string): boolean {
  let i = 0;
  let j = 0;
  let star = -1;
  let mark = 0;
  while (j < text.length) {
    const c = i < pattern.length ? pattern.charCodeAt(i) : -1;
    if (c === STAR) {
      star = i++;
      mark = j;
    } else if (c !== -1 && (c === QUESTION || c === text.charCodeAt(j))) {
      i += 1;
      j += 1;
    } else if (star >= 0) {
      i = star + 1;
      mark += 1;
      j = mark;
    } else {
      return false;
    }
  }
  while (i < pattern.length && pattern.charCodeAt(i) === STAR) i += 1;
  return i === pattern.length;
}

/**
 * What in a glob is syntax of other glob dialects that this matcher does not have (character
 * classes, brace sets, negation, escapes): a sentence naming it, or undefined when there is none.
 * None of these characters occurs in an ARM id, so a glob holding one was written for another
 * matcher's meaning, and would silently match nothing here.
 */
export function unsupportedGlobSyntax(glob: string): string | undefined {
  if (glob.startsWith("!")) return "a leading `!` (negation) is not supported";
  const bad = /[[\]{}\\]/.exec(glob);
  if (bad) return `${JSON.stringify(bad[0])} is not supported (only \`*\`, \`**\` and \`?\` are wildcards)`;
  return undefined;
}
