/**
 * Token buckets for the requests that spend ARM read budget (`POST /api/scans`, fresh target
 * audits): one per caller and one for all callers of the instance. A bucket holds `perMinute`
 * tokens and refills `perMinute` per minute; a request takes one from both or is refused with the
 * time until both have one again (the `Retry-After` of the 429).
 *
 * The state is in memory, per instance: on a scaled-out app every instance limits on its own. The
 * global bound per instance, the cap on scans running at once (`SCAN_MAX_CONCURRENT`, 429), the
 * scan lock of a subscription set (409, whatever the target filter) and the process's one ARM
 * read budget are what keep the subscription's ARM budget safe across instances.
 *
 * A bucket is only as good as its key: callers are keyed by the credential that was checked
 * (src/http/security.ts `callerKeyOf`), never by anything a caller may write freely.
 */

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Per caller: burst and refill per minute; 0 = unlimited. */
  perCallerPerMinute: number;
  /** All callers together; 0 = unlimited. */
  globalPerMinute: number;
  /** Callers remembered at most (the least recently seen are forgotten first). Default 10,000. */
  maxCallers?: number;
  /** Clock in milliseconds, for tests. */
  now?: () => number;
}

/** The outcome of {@link RateLimiter.take}. */
export type RateDecision = { ok: true } | { ok: false; retryAfterInSeconds: number; scope: "caller" | "global" };

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  readonly #options: RateLimiterOptions;
  readonly #now: () => number;
  readonly #callers = new Map<string, Bucket>();
  #global: Bucket | undefined;

  constructor(options: RateLimiterOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => Date.now());
  }

  #refilled(bucket: Bucket | undefined, perMinute: number, now: number): Bucket {
    if (!bucket) return { tokens: perMinute, at: now };
    const tokens = Math.min(perMinute, bucket.tokens + ((now - bucket.at) / 60_000) * perMinute);
    return { tokens, at: now };
  }

  static #wait(bucket: Bucket, perMinute: number): number {
    return Math.max(1, Math.ceil(((1 - bucket.tokens) / perMinute) * 60));
  }

  /** Takes a token for `callerKey` (and one from the global bucket), or says how long to wait. */
  take(callerKey: string): RateDecision {
    const { perCallerPerMinute, globalPerMinute } = this.#options;
    const now = this.#now();
    const caller = perCallerPerMinute > 0 ? this.#refilled(this.#callers.get(callerKey), perCallerPerMinute, now) : undefined;
    const global = globalPerMinute > 0 ? this.#refilled(this.#global, globalPerMinute, now) : undefined;
    if (caller && caller.tokens < 1) {
      this.#remember(callerKey, caller);
      return { ok: false, retryAfterInSeconds: RateLimiter.#wait(caller, perCallerPerMinute), scope: "caller" };
    }
    if (global && global.tokens < 1) {
      this.#global = global;
      return { ok: false, retryAfterInSeconds: RateLimiter.#wait(global, globalPerMinute), scope: "global" };
    }
    if (caller) this.#remember(callerKey, { tokens: caller.tokens - 1, at: now });
    if (global) this.#global = { tokens: global.tokens - 1, at: now };
    return { ok: true };
  }

  #remember(key: string, bucket: Bucket): void {
    // Re-insert so the map's order is "least recently seen first".
    this.#callers.delete(key);
    this.#callers.set(key, bucket);
    const max = this.#options.maxCallers ?? 10_000;
    while (this.#callers.size > max) {
      const oldest = this.#callers.keys().next().value as string;
      this.#callers.delete(oldest);
    }
  }

  /** Callers currently remembered (tests). */
  get size(): number {
    return this.#callers.size;
  }
}
