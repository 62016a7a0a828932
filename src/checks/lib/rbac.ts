/**
 * Azure RBAC as `udr-network-contributor` reads it: whether a role assignment's scope covers a
 * resource (itself or an ancestor), and whether its role grants `Microsoft.Network/*` (Network
 * Contributor by GUID, or a definition whose actions cover it and whose notActions do not cut into
 * it). Pure.
 */
import type { Part, ReadError, RoleAssignment, RoleDefinition } from "../../model/snapshot.js";
import { errorOf, notCollected } from "./parts.js";

/** The built-in Network Contributor role (same GUID in every tenant). */
export const NETWORK_CONTRIBUTOR_ROLE_ID = "4d97b98b-1d4f-4787-a291-c67834d212e7";

/** True when an assignment at `scope` applies to `resourceId` (same scope or an ancestor). */
export function scopeCovers(scope: string, resourceId: string): boolean {
  const s = scope.trim().toLowerCase().replace(/\/+$/, "");
  const r = resourceId.trim().toLowerCase().replace(/\/+$/, "");
  if (s === "") return true; // the root scope "/"
  // Management groups sit above every subscription; the hierarchy is not collected.
  if (s.startsWith("/providers/microsoft.management/managementgroups/")) return true;
  return r === s || r.startsWith(`${s}/`);
}

/** `the resource itself`, `resource group rg-x`, `subscription <id>`, `management group mg`. */
export function describeScope(scope: string, resourceId: string): string {
  const s = scope.trim().replace(/\/+$/, "");
  if (s === "") return "the root scope";
  if (s.toLowerCase() === resourceId.toLowerCase()) return "the resource itself";
  const mg = /^\/providers\/Microsoft\.Management\/managementGroups\/([^/]+)$/i.exec(s);
  if (mg?.[1] !== undefined) return `management group ${mg[1]}`;
  const rg = /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)$/i.exec(s);
  if (rg?.[1] !== undefined) return `resource group ${rg[1]}`;
  const sub = /^\/subscriptions\/([^/]+)$/i.exec(s);
  if (sub?.[1] !== undefined) return `subscription ${sub[1]}`;
  return s;
}

/**
 * A subscription's assignments by lower-cased principal id, built once per list (a list in a
 * snapshot is never changed), so judging thousands of targets does not rescan it per resource.
 */
const principalIndexes = new WeakMap<readonly RoleAssignment[], Map<string, number[]>>();

/** Positions in the list of each principal's assignments. */
export function assignmentsByPrincipal(list: readonly RoleAssignment[]): Map<string, number[]> {
  let index = principalIndexes.get(list);
  if (index) return index;
  index = new Map();
  for (const [i, a] of list.entries()) {
    const key = a.principalId.toLowerCase();
    const mine = index.get(key);
    if (mine) mine.push(i);
    else index.set(key, [i]);
  }
  principalIndexes.set(list, index);
  return index;
}

/** The lower-cased GUID at the end of a role definition id. */
export function roleGuid(roleDefinitionId: string): string {
  return (roleDefinitionId.split("/").filter((p) => p.length > 0).pop() ?? "").toLowerCase();
}

/** Whether a role assignment grants `Microsoft.Network/*`, and why; unknown when its definition could not be read. */
export type Grant =
  | { kind: "yes"; roleName: string; why: string }
  | { kind: "no"; roleName: string; why: string }
  | { kind: "unknown"; error: ReadError };

/** Whether an assignment's role includes `Microsoft.Network/*`. */
export function grantsNetwork(definitions: Record<string, Part<RoleDefinition>>, a: RoleAssignment): Grant {
  const guid = roleGuid(a.roleDefinitionId);
  if (guid === NETWORK_CONTRIBUTOR_ROLE_ID) return { kind: "yes", roleName: "Network Contributor", why: `role id ${guid}` };
  const part = definitions[guid];
  if (part === undefined) return { kind: "unknown", error: notCollected(a.roleDefinitionId, `role definition ${guid}`) };
  if (!part.ok) return { kind: "unknown", error: errorOf(part, a.roleDefinitionId) };
  return judgeDefinition(part.value);
}

/** A definition includes `Microsoft.Network/*` when an action covers it and no notAction cuts into it. */
export function judgeDefinition(def: RoleDefinition): Exclude<Grant, { kind: "unknown" }> {
  const action = def.actions.find(coversNetwork);
  if (action === undefined) return { kind: "no", roleName: def.roleName, why: "no action covers Microsoft.Network/*" };
  const cut = def.notActions.find(touchesNetwork);
  if (cut !== undefined) return { kind: "no", roleName: def.roleName, why: `notActions ${cut} excludes part of Microsoft.Network` };
  return { kind: "yes", roleName: def.roleName, why: `actions ${action}` };
}

const NETWORK_PROVIDER = "microsoft.network";

function providerGlobMatches(glob: string): boolean {
  const pattern = glob
    .toLowerCase()
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${pattern}$`).test(NETWORK_PROVIDER);
}

/** `*`, `Microsoft.Network/*` (or a provider wildcard matching it, followed by `/*`). */
function coversNetwork(action: string): boolean {
  const a = action.trim();
  if (a === "*") return true;
  const slash = a.indexOf("/");
  return slash > 0 && a.slice(slash + 1) === "*" && providerGlobMatches(a.slice(0, slash));
}

/** A notAction that removes any Microsoft.Network operation: `*`, a provider wildcard (`*` + `/delete`), `Microsoft.Network/...`. */
function touchesNetwork(notAction: string): boolean {
  const n = notAction.trim();
  if (n === "*") return true;
  const slash = n.indexOf("/");
  return slash > 0 && providerGlobMatches(n.slice(0, slash));
}
