/**
 * Small helpers the collection phases share: building {@link Part}s, draining paged lists,
 * per-subscription concurrency limits and grouping by resource group. No ARM knowledge here.
 */
import pLimit from "p-limit";
import { parseResourceId } from "../model/resourceId.js";
import type { Part, ReadError } from "../model/snapshot.js";

/** A part that was read. */
export const ok = <T>(value: T): Part<T> => ({ ok: true, value });

/** A part left empty by a failed read. */
export const failed = <T>(error: ReadError): Part<T> => ({ ok: false, error });

/**
 * Reads every page of a list. Items are normalised as each page arrives, so the SDK's raw
 * objects die young instead of living (and being promoted to the old heap) until the last page
 * of a list of thousands is in.
 */
export async function drain<T>(iter: AsyncIterable<T>): Promise<T[]>;
export async function drain<T, U>(iter: AsyncIterable<T>, normalise: (item: T) => U): Promise<U[]>;
export async function drain<T, U>(iter: AsyncIterable<T>, normalise?: (item: T) => U): Promise<Array<T | U>> {
  const out: Array<T | U> = [];
  for await (const item of iter) out.push(normalise ? normalise(item) : item);
  return out;
}

/** Runs a function under the concurrency limit of a key (a subscription). */
export type KeyedLimit = <T>(key: string, fn: () => Promise<T>) => Promise<T>;

/** A concurrency limit per key (subscription). */
export function perSubscriptionLimit(concurrency: number): KeyedLimit {
  const limits = new Map<string, ReturnType<typeof pLimit>>();
  return (key, fn) => {
    let limit = limits.get(key);
    if (!limit) limits.set(key, (limit = pLimit(concurrency)));
    return limit(fn);
  };
}

/** Resources grouped by the lower-cased name of their resource group (ids that do not parse are left out). */
export function byResourceGroup<T extends { id: string }>(items: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const rg = parseResourceId(item.id)?.resourceGroup?.toLowerCase();
    if (rg === undefined) continue;
    pushTo(out, rg, item);
  }
  return out;
}

/** Appends a value to the list a map holds under a key, creating the list on first use. */
export function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
