import type { TableEntityResult } from "@azure/data-tables";

/** A Table Storage entity as read: typed readers that never throw on a missing or odd field. */
export type Entity = TableEntityResult<Record<string, unknown>>;

/** A string property, or "" when absent or not a string. */
export function str(e: Entity, key: string): string {
  const v = e[key];
  return typeof v === "string" ? v : "";
}

/** A number property, or `fallback`. */
export function num(e: Entity, key: string, fallback = 0): number {
  const v = e[key];
  return typeof v === "number" ? v : fallback;
}

/** A property holding JSON text, parsed; `fallback` when absent or unparsable. */
export function json<T>(e: Entity, key: string, fallback: T): T {
  const v = e[key];
  if (typeof v !== "string") return fallback;
  try {
    return JSON.parse(v) as T;
  } catch {
    return fallback;
  }
}
