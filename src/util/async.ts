import { AbortError, type AbortSignalLike } from "@azure/abort-controller";

/** Options of {@link sleep}. */
export interface SleepOptions {
  /** Ends the wait early: the promise rejects with an `AbortError`. */
  abortSignal?: AbortSignalLike;
  /** The message of that `AbortError`. */
  abortMessage?: string;
}

/** Waits `delayInMs`; rejects with an `AbortError` (name `AbortError`) when the signal fires first. */
export function sleep(delayInMs: number, options: SleepOptions = {}): Promise<void> {
  const { abortSignal, abortMessage = "The operation was aborted." } = options;
  return new Promise((resolve, reject) => {
    if (abortSignal?.aborted) {
      reject(new AbortError(abortMessage));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortError(abortMessage));
    };
    const timer = setTimeout(() => {
      abortSignal?.removeEventListener("abort", onAbort);
      resolve();
    }, delayInMs);
    abortSignal?.addEventListener("abort", onAbort);
  });
}
