import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import type { AbortSignalLike } from "@azure/abort-controller";
import { sleep } from "../util/async.js";

/**
 * ARM's read limits, per subscription and principal: a bucket of 250 requests that refills at
 * 25 per second (Azure Resource Manager throttling, token-bucket algorithm). Tenant-level
 * requests (listing subscriptions) have their own bucket.
 */
export const ARM_READ_BUCKET = Object.freeze({ capacity: 250, refillPerSecond: 25 });

/**
 * Share of ARM's bucket the client plans to use. Requests released at the refill rate do not
 * arrive at that rate (connection set-up and scheduling bunch them), so spending exactly ARM's
 * numbers can draw the odd 429 (each costs a second of Retry-After); a 2% margin on size and
 * rate, with ARM's remaining-reads header pulling the count down, kept the benchmark at zero
 * 429s (10,000 targets over 20 subscriptions) for a 2% cost in pace.
 */
export const BUDGET_SAFETY_FACTOR = 0.98;

/** Options of {@link ReadBudget}. */
export interface ReadBudgetOptions {
  capacity?: number;
  refillPerSecond?: number;
  /** Clock, for tests. */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A client-side token bucket per subscription that mirrors ARM's, so a scan spends its reads at
 * the rate ARM refills them instead of running into 429s. Each request reserves a token; when the
 * bucket is empty the reservation waits until the refill covers it (reservations queue in order).
 * ARM's own count (`x-ms-ratelimit-remaining-subscription-reads`) lowers the local one when other
 * clients of the same principal spend the same budget.
 *
 * ARM's budget belongs to the principal, not to a scan: the service builds one per process
 * (`AppServices.readBudget`) and every scan's clients wait on it, so concurrent scans of one
 * subscription share its refill instead of each planning to spend all of it.
 */
export class ReadBudget {
  readonly capacity: number;
  readonly refillPerSecond: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();
  /** Total time requests spent waiting for a token. */
  waitedInMs = 0;

  constructor(options: ReadBudgetOptions = {}) {
    this.capacity = options.capacity ?? Math.floor(ARM_READ_BUCKET.capacity * BUDGET_SAFETY_FACTOR);
    this.refillPerSecond = options.refillPerSecond ?? ARM_READ_BUCKET.refillPerSecond * BUDGET_SAFETY_FACTOR;
    this.#now = options.now ?? (() => performance.now());
  }

  #bucket(key: string): Bucket {
    const now = this.#now();
    let b = this.#buckets.get(key);
    if (!b) {
      b = { tokens: this.capacity, updatedAt: now };
      this.#buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.capacity, b.tokens + ((now - b.updatedAt) / 1000) * this.refillPerSecond);
      b.updatedAt = now;
    }
    return b;
  }

  /** Milliseconds a request for `key` must wait if it reserved a token now (0 when one is free). */
  reserve(key: string): number {
    const b = this.#bucket(key);
    b.tokens -= 1;
    return b.tokens >= 0 ? 0 : Math.ceil((-b.tokens / this.refillPerSecond) * 1000);
  }

  /** Reserves a token and waits for it. */
  async take(key: string, abortSignal?: AbortSignalLike): Promise<void> {
    const waitInMs = this.reserve(key);
    if (waitInMs <= 0) return;
    this.waitedInMs += waitInMs;
    await sleep(waitInMs, { abortSignal, abortMessage: "The operation was aborted while waiting for ARM read budget." });
  }

  /** ARM says this many reads remain: never believe we have more than that. */
  observeRemaining(key: string, remaining: number): void {
    if (!Number.isFinite(remaining) || remaining < 0) return;
    const b = this.#bucket(key);
    if (remaining < b.tokens) b.tokens = remaining;
  }

  /** Tokens now available for `key` (for tests and diagnostics). */
  available(key: string): number {
    return this.#bucket(key).tokens;
  }
}

/** The budget key of a request: its subscription, or `tenant` for tenant-level paths. */
export function budgetKeyOf(url: string): string {
  const m = /\/subscriptions\/([0-9a-fA-F-]{36})(?:[/?]|$)/.exec(new URL(url).pathname + "/");
  return m ? m[1]!.toLowerCase() : "tenant";
}

/**
 * Pipeline policy that makes every attempt (retries included: it runs per retry) take a token
 * from the budget of its subscription, and feeds ARM's remaining-reads header back into it.
 */
export function readBudgetPolicy(budget: ReadBudget): PipelinePolicy {
  return {
    name: "egressAuditReadBudget",
    async sendRequest(request, next) {
      const key = budgetKeyOf(request.url);
      await budget.take(key, request.abortSignal);
      const response = await next(request);
      const remaining = response.headers.get("x-ms-ratelimit-remaining-subscription-reads");
      if (remaining !== undefined && key !== "tenant") budget.observeRemaining(key, Number(remaining));
      return response;
    },
  };
}
