/**
 * The HTTP pipeline shared by every route: body size limit → body presence and media type → JSON
 * parse → schema validation of params, query, headers and body → handler → response; any error
 * becomes problem+json. Azure Functions (functions/*.ts) and `npm run serve` both call
 * {@link invokeRoute} with an `HttpRequest`, so they behave the same.
 */
import { Readable } from "node:stream";
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { Static, TSchema } from "@sinclair/typebox";
import type { ValidateFunction } from "ajv";
import { isRestError } from "@azure/core-rest-pipeline";
import { hasErrorCode, isUsageError } from "../errors.js";
import { readAtMost } from "../util/streams.js";
import { getServices, type AppServices } from "../app/services.js";
import { ProblemError, problemDocument, type ProblemCode, type ProblemFieldError } from "./problem.js";
import { authorizeCaller, callerKeyOf, enforceRateLimit, rateLimiterFor, type ClientPrincipal } from "./security.js";
import { compilePart, fieldErrors, type RequestPart } from "./validation.js";
// Turns on HTTP streams for the whole function app (report bodies are streamed): the host reads
// the setting from any file its `main` loads, and every function adapter loads this one.
import "./azureFunctions.js";

/** Largest request body accepted (the biggest valid POST /api/scans body is well under it). */
export const MAX_BODY_BYTES = 64 * 1024;

/** A documented response of a route. */
export interface ResponseSpec {
  description: string;
  schema: TSchema;
  /** Other media types the same status can carry (report renderers). */
  alternativeMediaTypes?: string[];
  headers?: Record<string, { description: string }>;
}

type StaticOr<T, D> = T extends TSchema ? Static<T> : D;

/** The validated input a handler receives. */
export interface RouteInput<P, Q, H, B> {
  params: StaticOr<P, Record<string, never>>;
  query: StaticOr<Q, Record<string, never>>;
  headers: StaticOr<H, Record<string, string>>;
  body: StaticOr<B, undefined>;
}

/** What a handler has besides its input. */
export interface RouteContext {
  invocation: InvocationContext;
  /** The request path (no query: it may carry the function key). */
  path: string;
}

/** What a handler returns. */
export interface RouteResult {
  status: number;
  /** Serialised as JSON unless `text` or `stream` is given. */
  json?: unknown;
  text?: { contentType: string; body: string };
  /**
   * A body sent as it is produced (a whole report): the response body is a Node `Readable` that
   * pulls the chunks as the client takes them, never joined into one string.
   */
  stream?: { contentType: string; chunks: AsyncIterable<string> };
  headers?: Record<string, string>;
}

/** A route: where it lives, its schemas, what it answers, and its handler. */
export interface RouteSpec<P extends TSchema | undefined, Q extends TSchema | undefined, H extends TSchema | undefined, B extends TSchema | undefined> {
  /** Function name (also the operationId). */
  name: string;
  method: "GET" | "POST";
  /** Route template as Azure Functions takes it, without the `api/` prefix: `scans/{scanId}`. */
  route: string;
  authLevel: "anonymous" | "function";
  summary: string;
  description?: string;
  tags: string[];
  params?: P;
  query?: Q;
  headers?: H;
  body?: B;
  /** Success responses by status. */
  responses: Record<number, ResponseSpec>;
  /** Problem codes the route can answer with (documented in OpenAPI; tests cover each). */
  problems: ProblemCode[];
  /**
   * The route spends ARM read budget (a scan): it is rate-limited per caller and per instance
   * (429 `RateLimited` with `Retry-After`, see src/http/security.ts).
   */
  spendsArmBudget?: boolean;
  handle(input: RouteInput<P, Q, H, B>, context: RouteContext): Promise<RouteResult>;
}

/** A route with its validators compiled (once, at module load). */
export interface CompiledRoute {
  spec: RouteSpec<TSchema | undefined, TSchema | undefined, TSchema | undefined, TSchema | undefined>;
  validators: Partial<Record<RequestPart, ValidateFunction>>;
}

/** Defines a route and compiles its request schemas. */
export function defineRoute<P extends TSchema | undefined, Q extends TSchema | undefined, H extends TSchema | undefined, B extends TSchema | undefined>(
  spec: RouteSpec<P, Q, H, B>,
): CompiledRoute {
  const validators: Partial<Record<RequestPart, ValidateFunction>> = {};
  for (const part of ["params", "query", "headers", "body"] as const) {
    const schema = spec[part];
    if (schema) validators[part] = compilePart(part, schema);
  }
  return { spec, validators };
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return "/";
  }
}

/** Reads the body up to `limit` bytes; a longer one (declared or actual) is a 413. */
async function readBody(request: HttpRequest, limit: number): Promise<Buffer> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit) {
    throw new ProblemError("PayloadTooLarge", `the body declares ${declared} bytes; the limit is ${limit}`);
  }
  return readAtMost(request.body as ReadableStream<Uint8Array> | null, limit, () => new ProblemError("PayloadTooLarge", `the body is larger than the limit of ${limit} bytes`));
}

/** URLSearchParams → object: a repeated key becomes an array (the schema coerces singles). */
function queryObject(query: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(query.keys())) {
    const all = query.getAll(key);
    out[key] = all.length === 1 ? all[0]! : all;
  }
  return out;
}

/**
 * Route parameters as the handler sees them: decoded once. The Functions host leaves `%2F`
 * encoded inside a segment (why ARM ids travel as query parameters); decoding exactly once means
 * a double-encoded value stays encoded and fails the schema.
 */
function paramsObject(params: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    let value = v;
    if (/%[0-9A-Fa-f]{2}/.test(v)) {
      try {
        value = decodeURIComponent(v);
      } catch {
        value = v; // malformed escapes stay as they are and fail validation
      }
    }
    out[k] = value;
  }
  return out;
}

function isJsonMediaType(value: string | null): boolean {
  return value !== null && /^application\/json\s*(;.*)?$/i.test(value.trim());
}

/** Parses and validates a request against a route; throws {@link ProblemError}. */
export async function parseRequest(route: CompiledRoute, request: HttpRequest): Promise<RouteInput<unknown, unknown, unknown, unknown>> {
  const { spec, validators } = route;
  const raw = await readBody(request, MAX_BODY_BYTES);
  let body: unknown = undefined;
  if (!spec.body) {
    const declared = Number(request.headers.get("content-length") ?? "0");
    if (raw.length > 0 || declared > 0) throw new ProblemError("UnexpectedBody", `${spec.method} /api/${spec.route} takes no request body`);
  } else {
    if (raw.length === 0) throw new ProblemError("MissingBody", `${spec.method} /api/${spec.route} needs a JSON body`);
    const contentType = request.headers.get("content-type");
    if (!isJsonMediaType(contentType)) {
      throw new ProblemError("UnsupportedMediaType", `the body must be sent as application/json (got ${contentType === null ? "no Content-Type" : JSON.stringify(contentType.slice(0, 100))})`);
    }
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch (err) {
      throw new ProblemError("MalformedJson", `the body is not valid JSON: ${(err as Error).message.slice(0, 200)}`);
    }
  }
  const input: Record<RequestPart, unknown> = {
    params: paramsObject(request.params ?? {}),
    query: queryObject(request.query),
    headers: Object.fromEntries(request.headers.entries()),
    body,
  };
  const errors: ProblemFieldError[] = [];
  for (const part of ["params", "query", "headers", "body"] as const) {
    const validate = validators[part];
    if (validate && !validate(input[part])) errors.push(...fieldErrors(part, validate.errors));
  }
  if (errors.length > 0) {
    const named = errors.slice(0, 3).map((e) => `${e.path} ${e.message}`).join("; ");
    throw new ProblemError("ValidationFailed", `${errors.length} field${errors.length === 1 ? "" : "s"} failed validation: ${named}${errors.length > 3 ? "; ..." : ""}`, errors);
  }
  return input as unknown as RouteInput<unknown, unknown, unknown, unknown>;
}

const COMMON_HEADERS = { "cache-control": "no-store", "x-content-type-options": "nosniff" } as const;

/**
 * Every problem a route can answer with: its own list plus those the pipeline adds (the Entra ID
 * check on function-level routes, the rate limit on ARM-spending ones, storage outages wherever
 * history is needed). The OpenAPI document lists these.
 */
export function documentedProblems(spec: Pick<RouteSpec<undefined, undefined, undefined, undefined>, "problems" | "authLevel" | "spendsArmBudget">): ProblemCode[] {
  const out = new Set<ProblemCode>(spec.problems);
  if (spec.authLevel !== "anonymous") {
    out.add("AuthenticationRequired");
    out.add("Forbidden");
  }
  if (spec.spendsArmBudget) out.add("RateLimited");
  if (out.has("StorageNotConfigured")) out.add("StorageUnavailable");
  return [...out];
}

/** Maps any error to a problem; unexpected ones are logged with their cause and answered generically. */
export function problemFor(err: unknown, context: InvocationContext): ProblemError {
  if (err instanceof ProblemError) return err;
  if (hasErrorCode(err, "StorageNotConfigured")) return new ProblemError("StorageNotConfigured", "this route needs the scan history, and no storage is configured");
  if (isRestError(err)) {
    // ARM failures never escape a scan (they become read errors): an SDK error here is storage's.
    const e = err as { code?: unknown; statusCode?: unknown };
    context.error(`history storage failed: ${typeof e.code === "string" ? e.code : "error"}${typeof e.statusCode === "number" ? ` (HTTP ${e.statusCode})` : ""}`);
    return new ProblemError("StorageUnavailable", "the scan history storage did not answer; retry later", undefined, { "retry-after": "30" });
  }
  if (hasErrorCode(err, "EndpointUnreachable")) {
    context.error(`ARM unreachable: ${err.message}`);
    return new ProblemError("ArmUnreachable", "the scan could not reach Azure Resource Manager; see the invocation log");
  }
  if (isUsageError(err)) {
    // Our UsageError messages name settings, never their values.
    context.error(`configuration error ${err.code}: ${err.message}`);
    return new ProblemError("ConfigurationError", "an app setting is invalid; the invocation log names it");
  }
  context.error("unexpected error", err);
  return new ProblemError("InternalError", "an unexpected error occurred; the invocation log has the details");
}

/** The response of a problem. */
export function problemResponse(problem: ProblemError, path: string, context: InvocationContext): HttpResponseInit {
  const doc = problemDocument(problem, path, context.invocationId);
  return {
    status: doc.status,
    body: JSON.stringify(doc),
    headers: { ...problem.headers, "content-type": "application/problem+json; charset=utf-8", ...COMMON_HEADERS },
  };
}

/** A streamed body: UTF-8 bytes of the chunks, pulled as the consumer reads; a failure is logged and breaks the stream. */
function bodyStream(chunks: AsyncIterable<string>, context: InvocationContext): Readable {
  async function* bytes(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of chunks) yield Buffer.from(chunk, "utf8");
    } catch (err) {
      context.error("the response stream failed after its status was sent", err);
      throw err;
    }
  }
  return Readable.from(bytes(), { objectMode: false });
}

/**
 * Runs a route on a request: the whole pipeline, errors included. Never throws. Order: the caller
 * (Entra ID check, when configured) → the request (size, media type, schemas) → the rate limit
 * (ARM-spending routes; only a valid request spends a token) → the handler.
 */
export async function invokeRoute(route: CompiledRoute, request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const path = pathOf(request.url);
  try {
    let services: AppServices | undefined;
    let principal: ClientPrincipal | undefined;
    if (route.spec.authLevel !== "anonymous") {
      services = getServices();
      if (services.settings.callerAuth) principal = authorizeCaller(request, services.settings.callerAuth);
    }
    const input = await parseRequest(route, request);
    if (route.spec.spendsArmBudget) {
      services ??= getServices();
      enforceRateLimit(rateLimiterFor(services, services.settings), callerKeyOf(request, principal));
    }
    const result = await route.spec.handle(input, { invocation: context, path });
    if (result.stream) {
      // Errors after this point happen after the status line: the stream breaks (the client sees a
      // truncated body, never a complete-looking one) and the cause goes to the invocation log.
      return { status: result.status, body: bodyStream(result.stream.chunks, context), headers: { "content-type": result.stream.contentType, ...COMMON_HEADERS, ...result.headers } };
    }
    const body = result.text ? result.text.body : JSON.stringify(result.json);
    const contentType = result.text ? result.text.contentType : "application/json; charset=utf-8";
    return { status: result.status, body, headers: { "content-type": contentType, ...COMMON_HEADERS, ...result.headers } };
  } catch (err) {
    return problemResponse(problemFor(err, context), path, context);
  }
}
