/**
 * How many scans callers may run on one instance at once (`SCAN_MAX_CONCURRENT`), and which
 * subscription sets this instance is scanning for them.
 *
 * Why both: the rate limit bounds how often scans start, not how many run; a scan of a large
 * scope runs for minutes, so a key holder could otherwise keep dozens in flight, each with its own
 * memory and its own share of the one ARM read budget (which makes every one of them slower). The
 * scope set is the lock of a subscription set inside this instance: it answers a second scan of
 * the same subscriptions before any storage round trip, and it is the only lock a fresh target
 * audit has when no storage is configured. Across instances the storage lease
 * (`HistoryStore.acquireLock`, keyed by `lockKeyOf`) is the lock.
 */

/** Seconds a refused caller is told to wait (`Retry-After`): scans of the demo scale take seconds. */
export const SCAN_SLOT_RETRY_AFTER_IN_SECONDS = 15;

/** A held slot: release it exactly once when the scan is over (later calls do nothing). */
export interface ScanSlot {
  release(): void;
}

/** The outcome of {@link ScanSlots.tryEnter}. */
export type ScanSlotDecision =
  | { status: "entered"; slot: ScanSlot }
  /** Another scan of the same subscription set runs on this instance. */
  | { status: "scope-busy" }
  /** `max` scans run on this instance already. */
  | { status: "full"; running: number; retryAfterInSeconds: number };

/** Why a caller's scan did not start: the scope is busy here, or the instance is full. */
export type ScanRefusal =
  | { status: "skipped"; message: string }
  | { status: "throttled"; message: string; retryAfterInSeconds: number };

/** The scans callers run on one instance: at most `max`, at most one per subscription set. */
export class ScanSlots {
  readonly max: number;
  readonly #scopes = new Set<string>();

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer, got ${max}`);
    this.max = max;
  }

  /** Scans running now. */
  get running(): number {
    return this.#scopes.size;
  }

  /**
   * Runs `scan` holding a slot for the subscription set `lockKey` (released however it ends), or
   * answers why it did not start: `busyMessage` when that set is being scanned here.
   */
  async run<T>(lockKey: string, busyMessage: string, scan: () => Promise<T>): Promise<T | ScanRefusal> {
    const entered = this.tryEnter(lockKey);
    if (entered.status === "scope-busy") return { status: "skipped", message: busyMessage };
    if (entered.status === "full") {
      return {
        status: "throttled",
        message: `this instance already runs ${entered.running} scans, its limit (SCAN_MAX_CONCURRENT)`,
        retryAfterInSeconds: entered.retryAfterInSeconds,
      };
    }
    try {
      return await scan();
    } finally {
      entered.slot.release();
    }
  }

  /**
   * Takes a slot for a scan of the subscription set `lockKey`, or says why not. A busy scope is
   * answered before a full instance: "that scope is being scanned" is the more useful answer.
   */
  tryEnter(lockKey: string): ScanSlotDecision {
    if (this.#scopes.has(lockKey)) return { status: "scope-busy" };
    if (this.#scopes.size >= this.max) return { status: "full", running: this.#scopes.size, retryAfterInSeconds: SCAN_SLOT_RETRY_AFTER_IN_SECONDS };
    this.#scopes.add(lockKey);
    let released = false;
    return {
      status: "entered",
      slot: {
        release: () => {
          if (released) return;
          released = true;
          this.#scopes.delete(lockKey);
        },
      },
    };
  }
}
