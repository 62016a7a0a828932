/**
 * DNS names as ARM and private DNS use them. One normaliser for every FQDN the product compares
 * (zone names, record names, firewall rule targets, cluster FQDNs), shared by the collector (which
 * zones to read for a target) and the checks (which zone answers).
 */

/** Lower-cased, trimmed, without the trailing dot of an absolute name. */
export function normalizeFqdn(name: string): string {
  return name.trim().replace(/\.$/, "").toLowerCase();
}

/** True when `zone` is `fqdn` itself or a whole-label suffix of it (`b.c` of `a.b.c`, never `x.bb.c`). */
export function isLabelSuffix(fqdn: string, zone: string): boolean {
  const f = normalizeFqdn(fqdn);
  const z = normalizeFqdn(zone);
  return z.length > 0 && (f === z || f.endsWith(`.${z}`));
}

/** `fqdn` without its first label (`b.c` for `a.b.c`); undefined for a single label. */
export function parentName(fqdn: string): string | undefined {
  const f = normalizeFqdn(fqdn);
  const dot = f.indexOf(".");
  return dot > 0 && dot < f.length - 1 ? f.slice(dot + 1) : undefined;
}

/** Every label-aligned suffix of an FQDN, most specific first (`a.b.c` → `a.b.c`, `b.c`, `c`). */
export function labelSuffixes(fqdn: string): string[] {
  const labels = normalizeFqdn(fqdn).split(".");
  return labels.map((_, i) => labels.slice(i).join("."));
}
