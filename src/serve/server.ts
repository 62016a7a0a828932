/**
 * A local HTTP server (node:http) that serves the Azure Functions HTTP handlers of `functions/`
 * unchanged: each node request becomes an `HttpRequest`, the function's exported handler runs
 * with a fresh `InvocationContext`, and its `HttpResponseInit` is written back. Routes, methods
 * and auth levels come from the same route definitions the functions register with, so a
 * dashboard or a browser test sees what it would see behind the Functions host.
 *
 * Like the host, function-level routes need the function key (`?code=` or `x-functions-key`), and
 * `POST /admin/functions/<name>` runs a non-HTTP function (the timer) once; that admin route takes
 * the master key only, never a function key, as the host's admin API does. Event Grid deliveries
 * arrive at `/runtime/webhooks/eventgrid?functionName=<name>` (./eventGridWebhook.ts), which takes
 * the `eventgrid_extension` system key (or the master key), never a function key, as in the host.
 *
 * The request URL handlers see is built on this server's own base URL, never on the `Host`
 * header: a client chooses its `Host`, so nothing derived from it (links, the OpenAPI server)
 * may reach a response. A malformed `Host` is answered 400, and no request can crash the server:
 * every error of a request ends in its own response.
 */
import { randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { HttpRequest as HttpRequestType, HttpResponseInit, InvocationContext as InvocationContextType, Timer } from "@azure/functions";
import { HttpRequest, InvocationContext } from "../http/azureFunctions.js";
import { ProblemError, problemDocument } from "../http/problem.js";
import type { CompiledRoute } from "../http/route.js";
import { presentedFunctionKey } from "../http/security.js";
import { EVENT_GRID_WEBHOOK_PATH, eventGridWebhook, type EventGridHandler } from "./eventGridWebhook.js";

/** An HTTP function: the exported handler of a `functions/*.ts` file. */
export type HttpHandler = (request: HttpRequestType, context: InvocationContextType) => Promise<HttpResponseInit>;
/** A timer function's handler. */
export type TimerHandler = (timer: Timer, context: InvocationContextType) => Promise<unknown>;

/** Options of {@link startLocalServer}. */
export interface LocalServerOptions {
  /** The route definitions (method, template, auth level) and the handler of each, by name. */
  routes: readonly CompiledRoute[];
  handlers: Readonly<Record<string, HttpHandler>>;
  /** Non-HTTP functions runnable with `POST /admin/functions/<name>`. */
  timers?: Readonly<Record<string, TimerHandler>>;
  /** The key function-level routes require. */
  functionKey: string;
  /**
   * The key the admin route (`POST /admin/functions/<name>`) requires; a function key is never
   * enough there. Unset: the admin route answers 401 to everyone.
   */
  masterKey?: string;
  /** Event Grid functions, served at `/runtime/webhooks/eventgrid?functionName=<name>`. */
  eventGrid?: Readonly<Record<string, EventGridHandler>>;
  /**
   * The `eventgrid_extension` system key the Event Grid webhook requires (the master key is taken
   * too, as in the host; a function key never is). Unset: only the master key.
   */
  systemKey?: string;
  port?: number;
  host?: string;
  /** Where invocation logs go (default: stderr). */
  log?: (line: string) => void;
}

/** A running local server. */
export interface RunningLocalServer {
  url: string;
  close(): Promise<void>;
}

/** Largest body the server reads before handing over (the route pipeline has its own, smaller limit). */
const HARD_BODY_LIMIT = 1024 * 1024;

interface CompiledTemplate {
  route: CompiledRoute;
  segments: Array<{ literal: string } | { param: string }>;
  literals: number;
}

function compileTemplate(route: CompiledRoute): CompiledTemplate {
  const segments = route.spec.route.split("/").map((s) => {
    const m = /^\{(\w+)\}$/.exec(s);
    return m ? { param: m[1]! } : { literal: s.toLowerCase() };
  });
  return { route, segments, literals: segments.filter((s) => "literal" in s).length };
}

/**
 * Matches the raw (still percent-encoded) path segments after `/api/`. A parameter keeps its
 * encoding, as the Functions host leaves `%2F` encoded in a route value.
 */
function match(templates: readonly CompiledTemplate[], rawSegments: string[]): Array<{ t: CompiledTemplate; params: Record<string, string> }> {
  const out: Array<{ t: CompiledTemplate; params: Record<string, string> }> = [];
  for (const t of templates) {
    if (t.segments.length !== rawSegments.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    t.segments.forEach((seg, i) => {
      const raw = rawSegments[i]!;
      if ("literal" in seg) {
        let decoded = raw;
        try {
          decoded = decodeURIComponent(raw);
        } catch {
          ok = false;
        }
        if (decoded.toLowerCase() !== seg.literal) ok = false;
      } else {
        if (raw === "") ok = false;
        params[seg.param] = raw;
      }
    });
    if (ok) out.push({ t, params });
  }
  // Literal segments win over parameters (scans/latest before scans/{scanId}), as in the host.
  return out.sort((a, b) => b.t.literals - a.t.literals);
}

/**
 * A `Host` header this server accepts: a DNS-style name (letters, digits, `.`, `-`, `_`) or an
 * IPv4 address, or an IPv6 literal in brackets, with an optional port; a subset of RFC 9110's
 * (no percent-encoding, no sub-delimiters). Nothing is built from it; a malformed one is
 * refused so that no code that might parse it ever sees it.
 */
const HOST_HEADER = /^(?:[A-Za-z0-9][A-Za-z0-9._-]*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;
/** A DNS name has at most 253 characters; a port adds 6. */
const MAX_HOST_LENGTH = 259;

/** The 400 problem of a missing or malformed `Host`, or undefined when it is well-formed. */
function hostProblem(host: string | undefined): ProblemError | undefined {
  const refuse = (message: string) => new ProblemError("ValidationFailed", `1 field failed validation: /headers/host ${message}`, [{ path: "/headers/host", message }]);
  if (host === undefined || host === "") return refuse("is required");
  if (host.length > MAX_HOST_LENGTH) return refuse(`must be at most ${MAX_HOST_LENGTH} characters`);
  const malformed = refuse("must be a host name, an IPv4 address or a bracketed IPv6 address, with an optional port (1-65535)");
  if (!HOST_HEADER.test(host)) return malformed;
  try {
    // Brackets that hold no IPv6 address, a port over 65535, an invalid IPv4 address.
    new URL(`http://${host}/`);
  } catch {
    return malformed;
  }
  return undefined;
}

/**
 * The request target as a path and query. Origin-form (`/path?query`) is kept as it is (still
 * percent-encoded: route values keep `%2F`); absolute-form (`http://host/path`, which RFC 9112
 * says a server must accept) keeps only its path and query; anything else (`*`) is undefined.
 */
function originForm(target: string): string | undefined {
  if (target.startsWith("/")) return target;
  try {
    const url = new URL(target);
    if (url.protocol === "http:" || url.protocol === "https:") return `${url.pathname}${url.search}`;
  } catch {
    // not a URL either
  }
  return undefined;
}

function keyMatches(expected: string, given: string | null): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readAll(req: IncomingMessage): Promise<Buffer | "too-large"> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > HARD_BODY_LIMIT) return "too-large";
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A body the handler streams (a whole report): a Node stream or an async iterable of bytes. */
function isStreamBody(body: unknown): body is AsyncIterable<Uint8Array> {
  return typeof body === "object" && body !== null && (body instanceof Readable || Symbol.asyncIterator in body);
}

/**
 * Writes a handler's response. A streamed body goes out chunk by chunk (chunked transfer encoding,
 * backpressure honoured), as the Functions host sends it with HTTP streams on; a failure after the
 * status line destroys the connection, so the client sees a broken body, never a complete-looking one.
 */
async function writeResponse(res: ServerResponse, response: HttpResponseInit): Promise<void> {
  const headers: Record<string, string> = {};
  const init = response.headers;
  if (init instanceof Headers) init.forEach((v, k) => (headers[k] = v));
  else if (Array.isArray(init)) for (const [k, v] of init) headers[k.toLowerCase()] = v;
  else if (init) for (const [k, v] of Object.entries(init)) headers[k.toLowerCase()] = String(v);
  if (isStreamBody(response.body)) {
    delete headers["content-length"];
    res.writeHead(response.status ?? 200, headers);
    await pipeline(response.body, res);
    return;
  }
  const body = typeof response.body === "string" ? response.body : response.jsonBody !== undefined ? JSON.stringify(response.jsonBody) : "";
  headers["content-length"] = String(Buffer.byteLength(body));
  res.writeHead(response.status ?? 200, headers);
  res.end(body);
}

function problem(res: ServerResponse, err: ProblemError, path: string): void {
  const doc = problemDocument(err, path);
  void writeResponse(res, { status: doc.status, body: JSON.stringify(doc), headers: { "content-type": "application/problem+json; charset=utf-8", "cache-control": "no-store" } });
}

/** Starts the server; resolves once it listens. */
export async function startLocalServer(options: LocalServerOptions): Promise<RunningLocalServer> {
  const templates = options.routes.map(compileTemplate);
  for (const r of options.routes) {
    if (!options.handlers[r.spec.name]) throw new Error(`no handler for route ${r.spec.name}`);
  }
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const contextFor = (functionName: string) => {
    const invocationId = randomUUID();
    return new InvocationContext({
      invocationId,
      functionName,
      logHandler: (level, ...args) => log(`[${functionName} ${level}] ${args.map((a) => (a instanceof Error ? a.stack ?? a.message : typeof a === "string" ? a : JSON.stringify(a))).join(" ")}`),
    });
  };

  // This server's own URL, known once it listens (no request arrives before): the fixed base of
  // every request URL, so the `Host` header never becomes part of one.
  let baseUrl = "http://127.0.0.1";
  const server: Server = createServer((req, res) => {
    (async () => {
      let path = "/";
      try {
        const rawUrl = originForm(req.url ?? "/");
        if (rawUrl === undefined) throw new ProblemError("RouteNotFound", "the request target is not a path");
        const url = new URL(baseUrl + rawUrl);
        path = url.pathname;
        const badHost = hostProblem(req.headers.host);
        if (badHost) {
          req.resume();
          throw badHost;
        }
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) {
          if (v === undefined) continue;
          // No App Service Authentication runs in front of this server: a principal header here is
          // whatever the caller wrote, so no handler ever sees one.
          if (k.startsWith("x-ms-client-principal")) continue;
          headers.set(k, Array.isArray(v) ? v.join(", ") : v);
        }
        // The key the host checks (the header when present, else `?code=`), and the one the route
        // pipeline keys the caller's rate limit by: a valid `?code=` beside a made-up header is refused.
        const key = presentedFunctionKey(headers, url.searchParams) ?? null;

        const admin = /^\/admin\/functions\/([A-Za-z0-9_-]+)$/.exec(path);
        if (admin) {
          // The host's admin API takes the master key only: a function key runs HTTP functions,
          // never the timer. Checked first, so a caller without it learns no function names.
          req.resume();
          if (!options.masterKey || !keyMatches(options.masterKey, key)) throw new ProblemError("Unauthorized", "the admin API needs the master key as ?code= or x-functions-key");
          const timer = options.timers?.[admin[1]!];
          if (!timer) throw new ProblemError("RouteNotFound", `no non-HTTP function named ${admin[1]!}`);
          if (req.method !== "POST") throw new ProblemError("MethodNotAllowed", `use POST ${path}`);
          const now = new Date().toISOString();
          const outcome = await timer({ isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: { last: now, next: now, lastUpdated: now } }, contextFor(admin[1]!));
          await writeResponse(res, { status: 202, body: JSON.stringify(outcome ?? {}), headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" } });
          return;
        }

        if (EVENT_GRID_WEBHOOK_PATH.test(path)) {
          // The host's extension webhooks take a system key (or the master key): checked first, so
          // a caller without one learns no function names.
          if (![options.systemKey, options.masterKey].some((k) => k !== undefined && keyMatches(k, key))) {
            req.resume();
            throw new ProblemError("Unauthorized", "the Event Grid webhook needs the eventgrid_extension system key as ?code= or x-functions-key");
          }
          const body = await readAll(req);
          if (body === "too-large") throw new ProblemError("PayloadTooLarge", `the body is larger than ${HARD_BODY_LIMIT} bytes`);
          const request = { method: req.method ?? "GET", headers, query: url.searchParams, body };
          await writeResponse(res, await eventGridWebhook(request, { functions: options.eventGrid ?? {}, contextFor, log }));
          return;
        }

        if (!path.startsWith("/api/")) throw new ProblemError("RouteNotFound", `no route at ${path} (routes live under /api/)`);
        const rawSegments = rawUrl.split("?")[0]!.slice("/api/".length).split("/");
        const candidates = match(templates, rawSegments);
        if (candidates.length === 0) throw new ProblemError("RouteNotFound", `no route at ${path}`);
        const chosen = candidates.find((c) => c.t.route.spec.method === req.method);
        if (!chosen) throw new ProblemError("MethodNotAllowed", `${path} accepts ${[...new Set(candidates.map((c) => c.t.route.spec.method))].join(", ")}`);
        const spec = chosen.t.route.spec;
        if (spec.authLevel !== "anonymous" && !keyMatches(options.functionKey, key)) {
          req.resume();
          throw new ProblemError("Unauthorized", "send the function key as ?code= or x-functions-key");
        }
        const body = await readAll(req);
        if (body === "too-large") throw new ProblemError("PayloadTooLarge", `the body is larger than ${HARD_BODY_LIMIT} bytes`);
        const request = new HttpRequest({
          method: req.method ?? "GET",
          url: url.toString(),
          headers: Object.fromEntries(headers.entries()),
          params: chosen.params,
          ...(body.length > 0 ? { body: { bytes: body } } : {}),
        });
        const handler = options.handlers[spec.name]!;
        await writeResponse(res, await handler(request, contextFor(spec.name)));
      } catch (err) {
        if (res.headersSent) {
          // A streamed body that failed midway: the status is out, so the connection is cut.
          log(`[serve error] response stream of ${path} failed: ${(err as Error).message}`);
          res.destroy();
          return;
        }
        if (err instanceof ProblemError) return problem(res, err, path);
        log(`[serve error] ${(err as Error).stack ?? String(err)}`);
        problem(res, new ProblemError("InternalError", "an unexpected error occurred; see the server log"), path);
      }
    })().catch((err: unknown) => {
      // Last line of defence: whatever escapes a request (a failed write included) ends that
      // request, never the process.
      log(`[serve error] ${(err as Error).stack ?? String(err)}`);
      try {
        if (res.headersSent) res.destroy();
        else problem(res, new ProblemError("InternalError", "an unexpected error occurred; see the server log"), "/");
      } catch {
        res.destroy();
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(":") ? `[${address}]` : address === "0.0.0.0" ? "127.0.0.1" : address;
  baseUrl = `http://${host}:${port}`;
  return {
    url: baseUrl,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
