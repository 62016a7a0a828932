/**
 * The change feed: changes from Event Grid (src/http/eventGrid.ts, functions/onResourceChange.ts)
 * are coalesced for a short window (`CHANGE_COALESCE_IN_MS`, default 5 s) and audited as one batch
 * (src/app/changeAudit.ts). A submission resolves when the batch it joined has been audited and
 * stored, and rejects when that failed, so the trigger fails and Event Grid redelivers.
 */
import type { ResourceChange } from "../model/changeEvent.js";
import { auditChanges, type AuditBase } from "./changeAudit.js";
import type { AppServices, ChangeBatchOutcome, ChangeFeed, ChangeSubmitOptions } from "./appServices.js";

export type { ChangeBatchOutcome, ChangeFeed, ChangeSubmitOptions } from "./appServices.js";

/** The error of a change that arrived, or was still gathering, when the feed stopped. */
function stopping(): Error {
  return Object.assign(new Error("the change feed is stopping; the delivery fails and Event Grid redelivers it"), { code: "ServiceStopping" });
}

/** Default of `CHANGE_COALESCE_IN_MS`. */
export const DEFAULT_CHANGE_COALESCE_IN_MS = 5_000;

/** Options of {@link CoalescingChangeFeed}. */
export interface CoalescingChangeFeedOptions {
  /** How long a batch gathers changes, from its first one. */
  windowInMs: number;
  log?: (message: string) => void;
}

interface Waiter {
  resolve: (outcome: ChangeBatchOutcome) => void;
  reject: (err: unknown) => void;
}

interface PendingBatch {
  changes: ResourceChange[];
  waiters: Waiter[];
  timer: ReturnType<typeof setTimeout>;
}

/**
 * The change feed of one instance: changes gather for `windowInMs` from the first one of a batch,
 * then the batch is audited (./changeAudit.ts) after the one before it (batches of one scope
 * never run at once: each starts from the state the last one stored). The latest scan's index,
 * snapshot and report are kept between batches, so a batch reads only what changed.
 */
export class CoalescingChangeFeed implements ChangeFeed {
  readonly #services: AppServices;
  readonly #options: CoalescingChangeFeedOptions;
  #pending: PendingBatch | undefined;
  #queue: Promise<void> = Promise.resolve();
  #base: AuditBase | undefined;
  #closed = false;

  constructor(services: AppServices, options: CoalescingChangeFeedOptions) {
    this.#services = services;
    this.#options = options;
  }

  submit(changes: ResourceChange[], options: ChangeSubmitOptions = {}): Promise<ChangeBatchOutcome> {
    if (options.abortSignal?.aborted) return Promise.reject(new DOMException("the delivery was aborted", "AbortError"));
    if (this.#closed) return Promise.reject(stopping());
    return new Promise<ChangeBatchOutcome>((resolve, reject) => {
      let batch = this.#pending;
      if (!batch) {
        const opened: PendingBatch = { changes: [], waiters: [], timer: setTimeout(() => this.#close(opened), this.#options.windowInMs) };
        batch = this.#pending = opened;
      }
      batch.changes.push(...changes);
      batch.waiters.push({ resolve, reject });
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending) {
      clearTimeout(pending.timer);
      for (const w of pending.waiters) w.reject(stopping());
    }
    await this.#queue;
  }

  /** Closes a batch: later changes start the next one; this one is audited after the one before. */
  #close(batch: PendingBatch): void {
    if (this.#pending === batch) this.#pending = undefined;
    this.#queue = this.#queue.then(async () => {
      try {
        const { outcome, base } = await auditChanges(this.#services, batch.changes, {
          ...(this.#base ? { cached: this.#base } : {}),
          ...(this.#options.log ? { log: this.#options.log } : {}),
        });
        this.#base = base ?? this.#base;
        for (const w of batch.waiters) w.resolve(outcome);
      } catch (err) {
        // The state may be half-written: start the next batch from storage.
        this.#base = undefined;
        for (const w of batch.waiters) w.reject(err);
      }
    });
  }
}
