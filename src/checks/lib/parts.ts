/**
 * Snapshot parts as the checks read them: a referenced resource absent from the snapshot is
 * `NotCollected` (absence is never proof that it does not exist), a read error keeps its scope,
 * and a decision that needed unreadable data is an `unknown` result. Pure.
 */
import { lookup } from "../../model/snapshot.js";
import type { Part, ReadError, Snapshot } from "../../model/snapshot.js";
import type { CheckResult } from "./types.js";

/** The error for a resource that is referenced but absent from the snapshot. */
export function notCollected(scope: string, what: string): ReadError {
  return { code: "NotCollected", message: `${what} was not collected`, scope };
}

/**
 * Reads a resource from a snapshot map by id; an id the map does not hold is a `NotCollected` error
 * (absence from a snapshot is never proof that the resource does not exist).
 */
export function resolve<T>(map: Record<string, Part<T>>, id: string, what: string): Part<T> {
  return lookup(map, id) ?? { ok: false, error: notCollected(id, what) };
}

/**
 * A resource that lives in an MC group (load balancer, public IP, private link service) by id. One
 * that is absent because its MC group could not be read carries that group's read error (the
 * cause), not a bare `NotCollected`.
 */
export function resolveInGroup<T>(snapshot: Snapshot, map: Record<string, Part<T>>, id: string, what: string): Part<T> {
  const found = lookup(map, id);
  if (found) return found;
  // The group id keeps the id's own spelling (MC group ids often come lower-cased): it is evidence.
  const groupId = /^(\/subscriptions\/[^/]+\/resourcegroups\/[^/]+)\//i.exec(id)?.[1];
  const group = groupId !== undefined ? lookup(snapshot.mcGroups, groupId) : undefined;
  if (group !== undefined && !group.ok) return { ok: false, error: errorOf(group, groupId) };
  return { ok: false, error: notCollected(id, what) };
}

/** The error of a part, with its scope filled in when the collector left it out. */
export function errorOf(part: { ok: false; error: ReadError }, scope?: string): ReadError {
  return part.error.scope !== undefined || scope === undefined ? part.error : { ...part.error, scope };
}

/** Builds an `unknown` result: the decision needed data that could not be read. */
export function unknownResult(
  resourceId: string,
  message: string,
  error: ReadError,
  options: { item?: string; expected?: string; evidence?: Record<string, unknown> } = {},
): CheckResult {
  const result: CheckResult = {
    status: "unknown",
    resourceId,
    message,
    expected: options.expected ?? "readable configuration",
    actual: `unknown (${error.code})`,
    evidence: { ...options.evidence, readError: error },
  };
  if (options.item !== undefined) result.item = options.item;
  return result;
}
