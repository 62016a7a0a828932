/**
 * Pipeline policies that keep ARM reads honest, on every attempt (they run per retry, after the
 * bearer policy has set the header but before anything is sent, so a refused request carries the
 * token nowhere):
 *
 * - {@link endpointPolicy}: a request goes to the configured ARM endpoint or nowhere. `nextLink`s,
 *   redirects and ids taken from responses cannot send the token to another host. (Dot segments
 *   are resolved while the clients build a URL, before any policy sees it: ids are checked where
 *   they become paths, by `parseResourceId`.)
 * - {@link attemptTimeoutPolicy}: an attempt that gets no complete answer in time fails as a
 *   retryable `ETIMEDOUT` instead of hanging until the scan's time limit.
 * - {@link readDeadlinePolicy} (once per read, around the retries): a read that has no answer by
 *   its deadline fails as `Timeout`, however many retries remain, so one stalled list costs the
 *   deadline and not every attempt's timeout in turn.
 * - {@link responseIntegrityPolicy}: a 2xx answer must be an ARM body (JSON, a resource or a
 *   list page), and every resource in it must carry its `properties`. A damaged or partial body
 *   becomes a read error (the parts it fed are `unknown`) instead of a resource with nothing
 *   configured, which checks would judge as "no routes", "no rules", "no public IP".
 */
import { RestError, type PipelinePolicy, type PipelineRequest, type PipelineResponse, type SendRequest } from "@azure/core-rest-pipeline";

/** Per-attempt timeout when none is configured: generous for ARM's largest list pages. */
export const DEFAULT_ATTEMPT_TIMEOUT_IN_MS = 60_000;

/** Refuses any request that would leave the configured endpoint (scheme, host and port). */
export function endpointPolicy(endpoint: string): PipelinePolicy {
  const allowed = new URL(endpoint).origin;
  return {
    name: "egressAuditEndpoint",
    sendRequest(request, next) {
      let url: URL;
      try {
        url = new URL(request.url);
      } catch {
        throw new RestError("refusing a request whose URL does not parse", { code: "InvalidRequestUrl" });
      }
      if (url.origin !== allowed) {
        // The foreign origin is named (it carries no secret); the token never leaves.
        throw new RestError(`refusing to send an ARM request to ${url.origin}: only the configured endpoint ${allowed} is contacted`, {
          code: "ForeignEndpoint",
        });
      }
      // The raw path: URL parsing would already have resolved the dot segments away.
      return next(request);
    },
  };
}

/**
 * Fails an attempt that has no complete response after `timeoutInMs` with a `RestError` coded
 * `ETIMEDOUT`, which the SDK retry strategy treats as a transient network error (retried, with
 * backoff, up to `maxRetries`). The caller's own abort signal still wins and is not retried.
 */
export function attemptTimeoutPolicy(timeoutInMs: number): PipelinePolicy {
  return {
    name: "egressAuditAttemptTimeout",
    sendRequest: (request, next) =>
      sendWithin(request, next, timeoutInMs, () => new RestError(`ARM gave no complete answer within ${timeoutInMs} ms (per-attempt timeout)`, { code: "ETIMEDOUT" })),
  };
}

/**
 * Fails a whole read (every attempt, the waits between them and the read-budget waits) that has
 * no answer after `deadlineInMs`, with a `RestError` coded `Timeout`. Runs once per read, outside
 * the retry policy: its abort stops the attempt in flight and any wait, and the retry policy
 * gives up on an aborted request instead of trying again. The caller's own abort still wins and
 * surfaces as it did.
 */
export function readDeadlinePolicy(deadlineInMs: number): PipelinePolicy {
  return {
    name: "egressAuditReadDeadline",
    sendRequest: (request, next) =>
      sendWithin(
        request,
        next,
        deadlineInMs,
        () =>
          new RestError(
            `ARM gave no answer to ${safePath(request.url)} within the read deadline of ${deadlineInMs} ms (all attempts together); what it feeds is unknown`,
            { code: "Timeout" },
          ),
      ),
  };
}

/**
 * Sends `request` with its abort signal swapped for one that also fires after `limitInMs`; when
 * that limit (not the caller's own abort) ended it, `onExpired()` is thrown instead of the abort.
 * The caller's signal is put back however the call ends.
 */
async function sendWithin(request: PipelineRequest, next: SendRequest, limitInMs: number, onExpired: () => Error): Promise<PipelineResponse> {
  const outer = request.abortSignal;
  if (outer?.aborted) return next(request);
  const controller = new AbortController();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    controller.abort();
  }, limitInMs);
  const onAbort = () => controller.abort();
  outer?.addEventListener("abort", onAbort);
  request.abortSignal = controller.signal;
  try {
    return await next(request);
  } catch (err) {
    if (expired && !outer?.aborted) throw onExpired();
    throw err;
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener("abort", onAbort);
    request.abortSignal = outer;
  }
}

/** The path of a request URL (no query: a skip token is noise in a message), or a placeholder. */
function safePath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return "the request";
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Tenant-level bodies that are not ARM resources with `properties` (subscriptions, tenants). */
function exempt(path: string): boolean {
  return /^\/(subscriptions|tenants)\/?$/i.test(path) || /^\/subscriptions\/[^/]+\/?$/i.test(path);
}

/** Why an ARM 2xx body cannot be used, or undefined when it can. */
export function armBodyProblem(path: string, text: string | null | undefined): { code: string; message: string } | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text ?? "");
  } catch {
    return { code: "MalformedResponse", message: `ARM answered ${path} with a body that is not JSON (damaged or cut short)` };
  }
  if (!isObject(body)) return { code: "MalformedResponse", message: `ARM answered ${path} with JSON that is not an object` };
  if (exempt(path)) return undefined;
  const items: unknown[] = [];
  if ("value" in body) {
    if (!Array.isArray(body.value)) return { code: "MalformedResponse", message: `ARM answered ${path} with a list page whose value is not an array` };
    items.push(...(body.value as unknown[]));
  } else if (typeof body.id === "string") {
    items.push(body);
  } else {
    return { code: "MalformedResponse", message: `ARM answered ${path} with JSON that is neither a resource nor a list page` };
  }
  for (const item of items) {
    if (!isObject(item)) return { code: "MalformedResponse", message: `ARM answered ${path} with a list item that is not an object` };
    if (typeof item.id === "string" && typeof item.type === "string" && !isObject(item.properties)) {
      return {
        code: "PropertiesMissing",
        message: `ARM returned ${item.id} without its properties (a partial or damaged response); it is not used`,
      };
    }
  }
  return undefined;
}

/** Turns an unusable 2xx ARM body into a read error (see {@link armBodyProblem}). */
export function responseIntegrityPolicy(): PipelinePolicy {
  return {
    name: "egressAuditResponseIntegrity",
    async sendRequest(request, next) {
      const response = await next(request);
      if (response.status < 200 || response.status >= 300 || request.method !== "GET" || response.readableStreamBody || response.browserStreamBody) {
        return response;
      }
      const problem = armBodyProblem(new URL(request.url).pathname, response.bodyAsText);
      if (problem) throw new RestError(problem.message, { code: problem.code, statusCode: response.status });
      return response;
    },
  };
}
