/**
 * The set one target's dependencies are gathered in (`dependencyTrace.ts`), and the key of a
 * subscription-wide list. Pure.
 */

/** Collects lower-cased resource ids and inventory keys. */
export class DependencySet {
  readonly resources = new Set<string>();
  readonly inventories = new Set<string>();

  /** Adds resource ids (lower-cased; empty and undefined ones are skipped, as is a bare subscription). */
  add(...ids: Array<string | undefined>): void {
    for (const id of ids) {
      if (id === undefined || id === "") continue;
      const key = id.toLowerCase().replace(/\/+$/, "");
      if (/^\/subscriptions\/[^/]+$/.test(key) || key === "") continue; // never the bare subscription
      this.resources.add(key);
    }
  }

  /** Adds inventory keys (lower-cased). */
  addInventory(...keys: string[]): void {
    for (const k of keys) if (k !== "") this.inventories.add(k.toLowerCase());
  }
}

/** `/subscriptions/<sub>/providers/<provider>/<type>`: a subscription-wide list, lower-cased. */
export function typeListKey(subscriptionId: string, provider: string, type: string): string {
  return `/subscriptions/${subscriptionId}/providers/${provider}/${type}`.toLowerCase();
}
