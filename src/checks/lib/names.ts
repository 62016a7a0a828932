/**
 * Names and how the checks compare them: resource names from ARM ids, enum-like API values,
 * FQDN patterns of firewall rules, service tag names and regions. Pure.
 *
 * FQDNs are normalised by the one normaliser of the product, `normalizeFqdn` in
 * `src/model/dnsNames.ts`; resource ids are parsed by `src/model/resourceId.ts`.
 */
import { normalizeFqdn } from "../../model/dnsNames.js";

// ---------------------------------------------------------------------------------------------
// ARM ids and API values
// ---------------------------------------------------------------------------------------------

/**
 * The last segment of an ARM id (the resource name). Works on any `/`-separated path, not only on
 * ids `parseResourceId` accepts: the checks also name resource groups, frontends and zone keys.
 */
export function nameOf(id: string): string {
  const parts = id.split("/").filter((p) => p.length > 0);
  return parts[parts.length - 1] ?? id;
}

/** De-duplicates ids case-insensitively, keeping the first spelling. */
export function dedupeIds(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const id of ids) {
    const key = id.toLowerCase();
    if (!seen.has(key)) {
      seen.add(key);
      out.push(id);
    }
  }
  return out;
}

/** Case-insensitive comparison of enum-like strings (`VirtualAppliance`, `userDefinedRouting`). */
export function sameText(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

/** Upper-cases the first letter (for labels at the start of a sentence). */
export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// ---------------------------------------------------------------------------------------------
// FQDN patterns (Azure Firewall target FQDNs)
// ---------------------------------------------------------------------------------------------

/**
 * Whether a rule's FQDN pattern covers a required FQDN (itself possibly a wildcard).
 * `*` covers everything; `*X` covers every name that ends with `X` (so `*.blob.core.windows.net`
 * covers `x.blob.core.windows.net` and `a.b.blob.core.windows.net`, not `blob.core.windows.net`);
 * a required wildcard `*Y` is covered when every name it stands for is (`Y` ends with `X`); a plain
 * name covers only itself. Case-insensitive; a trailing dot is ignored.
 */
export function fqdnCovers(pattern: string, required: string): boolean {
  const p = normalizeFqdn(pattern);
  const r = normalizeFqdn(required);
  if (p === "*") return true;
  if (p.startsWith("*")) {
    const suffix = p.slice(1);
    const name = r.startsWith("*") ? r.slice(1) : r;
    return name.endsWith(suffix) && (r.startsWith("*") || name.length > suffix.length);
  }
  return !r.startsWith("*") && p === r;
}

// ---------------------------------------------------------------------------------------------
// Service tag names and regions (what the `Internet` tag covers is in addresses.ts)
// ---------------------------------------------------------------------------------------------

/** Whether a rule's service tag covers a required one: equal, or broader (`AzureCloud` covers `AzureCloud.eastus`). */
export function serviceTagCovers(ruleTag: string, requiredTag: string): boolean {
  const a = ruleTag.trim().toLowerCase();
  const b = requiredTag.trim().toLowerCase();
  return a === b || b.startsWith(`${a}.`);
}

/** The region suffix of regional service tags: the location lower-cased without spaces (`East US` → `eastus`). */
export function regionOf(location: string): string {
  return location.replace(/\s+/g, "").toLowerCase();
}
