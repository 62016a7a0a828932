/** Path, resource-id and query-string helpers shared by the emulator's router modules. */

/** Collapses repeated slashes and drops a trailing one: `//a//b/` → `/a/b`. */
export function normalisePath(path: string): string {
  const segments = path.split("/").filter((s) => s.length > 0);
  return segments.length === 0 ? "" : `/${segments.join("/")}`;
}

/** The normalised, lower-cased form of a path: the key every router index uses. */
export function normKey(path: string): string {
  return normalisePath(path).toLowerCase();
}

/** The non-empty `/`-separated segments of a path. */
export function segmentsOf(path: string): string[] {
  return path.split("/").filter((s) => s.length > 0);
}

/** Percent-decodes a segment, or returns it unchanged when it is not valid percent-encoding. */
export function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Index of the last `providers` segment among lower-cased segments, or -1. */
export function lastProvidersIndex(lower: string[]): number {
  return lower.lastIndexOf("providers");
}

/**
 * The resource type a resource id denotes: `Namespace/type[/childType...]` after its last
 * `providers` segment, or undefined if the id has no resource shape.
 */
export function typeOfId(segments: string[]): string | undefined {
  const p = lastProvidersIndex(segments.map((s) => s.toLowerCase()));
  const namespace = p >= 0 ? segments[p + 1] : undefined;
  const rest = p >= 0 ? segments.slice(p + 2) : [];
  if (namespace === undefined || rest.length < 2 || rest.length % 2 !== 0) return undefined;
  return [namespace, ...rest.filter((_, i) => i % 2 === 0)].join("/");
}

/** `inner` is `outer` or inside it (both normalised keys; "" is the tenant root). */
export function atOrInside(inner: string, outer: string): boolean {
  return outer === "" || inner === outer || inner.startsWith(`${outer}/`);
}

/** Query parameters by lower-cased name (first occurrence wins). */
export function parseQuery(rawQuery: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(rawQuery)) {
    const key = name.toLowerCase();
    if (!result.has(key)) result.set(key, value);
  }
  return result;
}
