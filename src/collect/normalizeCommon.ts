/**
 * The small, total helpers every normaliser uses (normalize.ts, normalizeEgress.ts): reading
 * untyped wire JSON without throwing, de-duplicating ids, keeping snapshots compact.
 */
import { internIds } from "./intern.js";

/** A JSON object as the wire gives it. */
export type Json = Record<string, unknown>;

/** The value if it is a plain object, else undefined. */
export function obj(v: unknown): Json | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : undefined;
}

/** The value if it is a non-empty string, else undefined. */
export function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** The value if it is a boolean, else undefined. */
export function bool(v: unknown): boolean | undefined {
  return typeof v === "boolean" ? v : undefined;
}

/** The string items of an array (undefined if not an array). */
export function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : undefined;
}

/** The items of an array (empty if not an array). */
export function items(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Non-empty strings, de-duplicated case-insensitively (ARM ids differ in casing), first casing kept. */
export function uniq(values: Array<string | undefined>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const v of values) {
    if (!v) continue;
    const k = v.toLowerCase();
    if (!seen.has(k)) {
      seen.add(k);
      out.push(v);
    }
  }
  return out;
}

/**
 * ARM tags as a plain object of their own string-valued entries (absent when there are none). Built
 * with `Object.fromEntries`, so a tag literally named `__proto__` stays an ordinary key.
 */
export function tagsOf(v: unknown): Record<string, string> | undefined {
  const o = obj(v);
  if (!o) return undefined;
  const entries = Object.entries(o).filter((e): e is [string, string] => typeof e[1] === "string");
  return entries.length ? Object.fromEntries(entries) : undefined;
}

/** The list, or undefined when it is empty (so an absent field stays absent). */
export function nonEmpty<T>(list: T[]): T[] | undefined {
  return list.length ? list : undefined;
}

/**
 * Drops undefined-valued keys so snapshots stay compact and compare cleanly; ARM ids in the values
 * become the collection's single copy of each (./intern.ts).
 */
export function compact<T extends object>(o: T): T {
  // A copy with the defined keys, in order, rather than `delete` on the literal: deleting a
  // property puts a V8 object into dictionary mode, several times the memory of a plain object
  // (measured at 10,000 targets: the AKS clusters alone took 20 MB of heap that way).
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = internIds(v);
  return out as T;
}
