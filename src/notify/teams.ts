/**
 * Posts a message to a Teams Workflows webhook ("When a Teams webhook request is received").
 * Retries on 429 and 5xx honouring `Retry-After` (capped), never on other 4xx. The URL is a
 * secret: it is never logged or put in an error message.
 */
import type { AbortSignalLike } from "@azure/abort-controller";
import type { TeamsMessage } from "./card.js";
import { sleep } from "../util/async.js";

/** Options of {@link postToTeams}. */
export interface TeamsPostOptions {
  /** Attempts in all, the first included. Default 4. */
  maxAttempts?: number;
  /** Backoff when the answer carries no `Retry-After`: this, doubled per attempt. Default 1 s. */
  retryDelayInMs?: number;
  /** Upper bound of any wait, `Retry-After` included. Default 30 s. */
  maxRetryDelayInMs?: number;
  /** Per-attempt timeout. Default 30 s. */
  timeoutInMs?: number;
  abortSignal?: AbortSignalLike;
  /** Called before each wait (tests assert on it instead of on time). */
  onRetry?: (event: { attempt: number; status?: number; delayInMs: number }) => void;
}

/** How a post ended. */
export interface TeamsPostResult {
  /**
   * `sent`: Teams accepted it (2xx). `rejected`: a 4xx other than 429 (not retried).
   * `exhausted`: 429/5xx until the attempts ran out. `unreachable`: no connection could be made.
   * `uncertain`: the request may have arrived (timeout, reset, abort): never to be re-sent.
   */
  outcome: "sent" | "rejected" | "exhausted" | "unreachable" | "uncertain";
  /** HTTP status of the last answer, when there was one. */
  status?: number;
  attempts: number;
  /** Waits between attempts, in order. */
  delaysInMs: number[];
  /** A short reason, without the URL. */
  detail?: string;
}

/**
 * Delay a `Retry-After` value asks for: delta-seconds or an HTTP date. Undefined when absent or
 * unparseable (the caller then backs off on its own).
 */
export function retryAfterInMs(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Connection errors raised before any byte of the request left: safe to retry. */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

function causeCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown; errors?: Array<{ code?: unknown }> } };
  const code = e?.cause?.code ?? e?.cause?.errors?.[0]?.code ?? e?.code;
  return typeof code === "string" ? code : undefined;
}

/** Posts `message` as JSON to the webhook; never throws for HTTP or network failures. */
export async function postToTeams(url: string, message: TeamsMessage, options: TeamsPostOptions = {}): Promise<TeamsPostResult> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 4);
  const baseDelay = options.retryDelayInMs ?? 1_000;
  const maxDelay = options.maxRetryDelayInMs ?? 30_000;
  const body = JSON.stringify(message);
  const delaysInMs: number[] = [];
  let last: { status?: number; detail: string } = { detail: "not attempted" };
  /** Waits; false when aborted meanwhile. */
  const wait = (ms: number) =>
    sleep(ms, { abortSignal: options.abortSignal, abortMessage: "aborted" }).then(
      () => true,
      () => false,
    );

  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (options.abortSignal?.aborted) return { outcome: attempt === 1 ? "unreachable" : "uncertain", attempts: attempt - 1, delaysInMs, detail: "aborted" };
    const timeout = AbortSignal.timeout(options.timeoutInMs ?? 30_000);
    const signal = options.abortSignal ? AbortSignal.any([timeout, options.abortSignal as AbortSignal]) : timeout;
    let response: Response;
    try {
      response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body, signal, redirect: "error" });
    } catch (err) {
      const code = causeCode(err);
      if (code && NOT_SENT.has(code)) {
        last = { detail: `connection failed (${code})` };
        if (attempt === maxAttempts) return { outcome: "unreachable", attempts: attempt, delaysInMs, detail: last.detail };
        const delay = Math.min(maxDelay, baseDelay * 2 ** (attempt - 1));
        delaysInMs.push(delay);
        options.onRetry?.({ attempt, delayInMs: delay });
        if (!(await wait(delay))) return { outcome: "unreachable", attempts: attempt, delaysInMs, detail: "aborted" };
        continue;
      }
      // The request may have been delivered: a second post could duplicate the alert.
      const name = (err as { name?: string }).name;
      return { outcome: "uncertain", attempts: attempt, delaysInMs, detail: name === "TimeoutError" ? "timed out" : name === "AbortError" ? "aborted" : `request failed (${code ?? name ?? "error"})` };
    }
    await response.arrayBuffer().catch(() => undefined); // drain, so the connection can be reused
    if (response.ok) return { outcome: "sent", status: response.status, attempts: attempt, delaysInMs };
    last = { status: response.status, detail: `HTTP ${response.status}` };
    const retryable = response.status === 429 || response.status >= 500;
    if (!retryable) return { outcome: "rejected", status: response.status, attempts: attempt, delaysInMs, detail: last.detail };
    if (attempt === maxAttempts) break;
    const asked = retryAfterInMs(response.headers.get("retry-after"));
    const delay = Math.min(maxDelay, asked ?? baseDelay * 2 ** (attempt - 1));
    delaysInMs.push(delay);
    options.onRetry?.({ attempt, status: response.status, delayInMs: delay });
    if (!(await wait(delay))) return { outcome: "uncertain", status: response.status, attempts: attempt, delaysInMs, detail: "aborted" };
  }
  return { outcome: "exhausted", ...(last.status !== undefined ? { status: last.status } : {}), attempts: maxAttempts, delaysInMs, detail: last.detail };
}
