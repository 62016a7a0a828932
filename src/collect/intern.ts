/**
 * One copy of each ARM id string per collection. The same id reaches a scan from several
 * responses (a subnet id is in the cluster body, the VNet list, the scale set's NIC profile and
 * the route table's back-references), and each response is parsed into its own string: at 10,000
 * targets 97,000 of the 233,000 id strings a scan keeps were copies, about 16 MB. Normalisers pass
 * their values through {@link internIds} (via `compact`), which keeps the first copy it saw.
 *
 * The table lives only while a collection runs ({@link beginInterning} / the returned `end`);
 * concurrent collections (a service's timer scan and a change batch) share it, and it is dropped
 * when the last one ends, so a long-running process keeps no ids between scans. Outside a
 * collection (tests calling a normaliser directly) values pass through unchanged. Interning never
 * changes a value, only which identical string object holds it.
 */

let table: Map<string, string> | undefined;
let users = 0;

/** Starts interning for one collection; call the returned function when it ends (idempotent). */
export function beginInterning(): () => void {
  table ??= new Map();
  users++;
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    if (--users === 0) table = undefined;
  };
}

/** The interned copy of an ARM id (a string starting with `/`), else the value itself. */
export function internId(s: string): string {
  if (table === undefined || s.charCodeAt(0) !== SLASH) return s;
  const seen = table.get(s);
  if (seen !== undefined) return seen;
  table.set(s, s);
  return s;
}

/**
 * The value with its ARM ids interned: a string, or the strings of an array of strings (replaced
 * in place: normalisers hand over arrays they built). Anything else is returned as it is.
 */
export function internIds(v: unknown): unknown {
  if (table === undefined) return v;
  if (typeof v === "string") return internId(v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x === "string") v[i] = internId(x);
    }
  }
  return v;
}

/** How many distinct ids the table holds (0 when no collection runs): for tests and diagnostics. */
export function internedIdCount(): number {
  return table?.size ?? 0;
}

const SLASH = 47;
