/**
 * Property-based fuzzing of every HTTP route (fast-check, fixed seeds, bounded runs): generated
 * params, queries, headers and bodies, from valid to hostile, run through the route pipeline the
 * functions run (`invokeRoute`), in process, on real parts (emulator over HTTPS, Azurite, a Teams
 * receiver). Properties:
 *
 * - only 2xx or 4xx come back, never 5xx (and 4xx are problem+json with a catalogued code);
 * - on 4xx nothing is stored (no history write: lock, report, state, alert claim) and nothing is
 *   sent to Teams; no scan runs, except for the one 4xx that is the scan's own answer
 *   (404 TargetNotFound of a fresh target audit, which took and let go of its subscription's scan
 *   lock: a lease on a lock blob, coordination rather than data).
 *
 * Valid scan requests are bounded by the rate limit (2 per caller and 6 in all per minute here),
 * so at most a handful of scans run; everything past it is a 429.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import type { HttpResponseInit, HttpRequest as HttpRequestType, InvocationContext as InvocationContextType } from "@azure/functions";
import { connect } from "node:net";
import { loadEstate } from "../../src/emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { problemCatalog } from "../../src/http/problem.js";
import { invokeRoute, type CompiledRoute } from "../../src/http/route.js";
import * as routeModule from "../../src/http/routes.js";
import { startLocalServer, type RunningLocalServer } from "../../src/serve/server.js";
import { SCAN_ID_PATTERN, type HistoryStore } from "../../src/store/history.js";
import { BlobServiceClient } from "@azure/storage-blob";
import { useServices, type AppServices } from "../../src/app/services.js";
import { DEMO_SUB_A, DEMO_SUB_B, REPO, azurite, httpRequest, invocation, readResponse, storageCounts, testServices } from "../setup/harness.js";
import { startTeamsReceiver, type TeamsReceiver } from "../setup/teamsReceiver.js";
import { join } from "node:path";

const RUNS = 1000;
const AUTH_RUNS = 250;
const SEED = 20250611;

/** Every route the functions register: the API and the HTML pages (when present). */
const routes: CompiledRoute[] = [
  ...routeModule.allRoutes(),
  ...("pageRoutes" in routeModule && typeof routeModule.pageRoutes === "function" ? (routeModule.pageRoutes)() : []),
];

const MARKETING = `/subscriptions/${DEMO_SUB_A}/resourceGroups/rg-dataplatform/providers/Microsoft.HDInsight/clusterPools/pool-marketing`;
const WRITES = new Set(["acquireLock", "saveReport", "commitScan", "claimAlert", "finishAlert"]);

interface Calls {
  writes: number;
  /** Of the writes, the scan locks taken (`acquireLock`). */
  locks: number;
  scans: number;
  posts: number;
}

let emulator: RunningEmulator;
let receiver: TeamsReceiver;
const calls: Calls = { writes: 0, locks: 0, scans: 0, posts: 0 };
let plain: AppServices;
let withEntra: AppServices;
let storedScanId = "";
let continuationToken = "";
const tally = { inputs: 0, byClass: {} as Record<string, number>, byStatus: {} as Record<string, number> };
let startedAt = 0;

/** Services whose history writes, scans and Teams posts are counted. */
function instrumented(services: AppServices): AppServices {
  const history = services.history!;
  const counted = new Proxy(history, {
    get(target, prop, _receiver) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (WRITES.has(String(prop))) calls.writes += 1;
        if (prop === "acquireLock") calls.locks += 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return {
    ...services,
    history: counted,
    scan: (request) => {
      calls.scans += 1;
      return services.scan(request);
    },
    notify: (message, options) => {
      calls.posts += 1;
      return services.notify!(message, options);
    },
  };
}

beforeAll(async () => {
  [emulator, receiver] = await Promise.all([loadEstate(join(REPO, "estates", "demo.json")).then((estate) => startEmulator({ estate })), startTeamsReceiver()]);
  const limits = { SCAN_RATE_LIMIT_PER_MINUTE: "2", SCAN_RATE_LIMIT_GLOBAL_PER_MINUTE: "6" };
  plain = instrumented(testServices({ emulator, namespace: "fuzz", receiver, env: limits }));
  withEntra = instrumented(testServices({ emulator, namespace: "fuzz", receiver, env: { ...limits, AUTH_ALLOWED_ROLES: "EgressAudit.Read", AUTH_ALLOWED_GROUPS: "6f1c0d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f", WEBSITE_AUTH_ENABLED: "true" } }));
  // A little history, so valid ids and tokens exist: three stored scans of subscription B.
  const history = plain.history!;
  const { recordScan } = await import("../../src/app/recordScan.js");
  for (let i = 0; i < 3; i++) {
    const r = await recordScan(plain, { scope: { subscriptions: [DEMO_SUB_B] }, trigger: "http" });
    if (r.status === "complete") storedScanId = r.report.scanId;
  }
  continuationToken = (await history.listScans({ limit: 1 })).continuationToken ?? "";
  startedAt = Date.now();
  expect(SCAN_ID_PATTERN.test(storedScanId)).toBe(true);
  expect(continuationToken).not.toBe("");
}, 60_000);

afterAll(async () => {
  useServices(undefined);
  await Promise.all([emulator?.close(), receiver?.close()]);
  console.log(
    `HTTP fuzz: ${tally.inputs} generated requests over ${routes.length} routes; by class ${JSON.stringify(tally.byClass)}; by status ${JSON.stringify(tally.byStatus)}; 5xx: ${tally.byClass["5xx"] ?? 0}`,
  );
});

// ---------------------------------------------------------------------------------------------
// Arbitraries

const hostile = fc.constantFrom(
  "",
  " ",
  ".",
  "..",
  "../../locks/all",
  "..%2F..%2Freports%2Fx",
  "%2e%2e%2f",
  "%",
  "%zz",
  "%00",
  "%252F",
  "null",
  "[]",
  "{}",
  "true",
  "-1",
  "1e309",
  "NaN",
  "<script>alert(1)</script>",
  "' or 1=1 --",
  "PartitionKey ne 'x'",
  "https://evil.example/x",
  "//evil.example/x",
  "@evil.example",
  "\\\\server\\share",
  "😀",
  "\u202e",
  "a".repeat(700),
  `${MARKETING}?api-version=1`,
  `${MARKETING}/../../x`,
  `/subscriptions/${DEMO_SUB_A}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v`,
);
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: "binary", maxLength: 30 }), hostile);
const guid = fc.uuid().map((u) => u);
const subscription = fc.oneof(guid, fc.constantFrom(DEMO_SUB_A, DEMO_SUB_B, DEMO_SUB_A.toUpperCase()), text);
const targetId = fc.oneof(
  fc.constantFrom(MARKETING, MARKETING.toLowerCase(), encodeURIComponent(MARKETING), encodeURIComponent(encodeURIComponent(MARKETING))),
  fc.tuple(guid, fc.stringMatching(/^[-\w().]{1,20}$/), fc.constantFrom("Microsoft.HDInsight/clusterpools", "Microsoft.ContainerService/managedClusters", "Microsoft.Network/azureFirewalls"), fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,20}$/)).map(
    ([sub, rg, type, name]) => `/subscriptions/${sub}/resourceGroups/${rg}/providers/${type}/${name}`,
  ),
  text,
);
const paramValue = (name: string) =>
  name === "scanId"
    ? fc.oneof(fc.constant(() => storedScanId), guid.map((g) => () => g), text.map((t) => () => t))
    : name === "targetId"
      ? targetId.map((t) => () => t)
      : text.map((t) => () => t);

/** Printable ASCII only: the host never hands a worker a header value with control characters. */
const headerValue = fc.oneof(fc.stringMatching(/^[\x20-\x7e]{0,60}$/), fc.constantFrom("application/json", "application/json; charset=utf-8", "text/plain", "APPLICATION/JSON", "application/jsonx", "multipart/form-data; boundary=x"));
const principal = fc.oneof(
  fc.record({
    auth_typ: fc.constantFrom("aad", "github", "AAD", ""),
    claims: fc.array(
      fc.record({ typ: fc.constantFrom("roles", "groups", "oid", "name", "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"), val: fc.oneof(fc.constantFrom("EgressAudit.Read", "6f1c0d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f", "Other.Role"), guid, text) }),
      { maxLength: 5 },
    ),
    role_typ: fc.option(fc.constant("roles"), { nil: undefined }),
  }).map((p) => Buffer.from(JSON.stringify(p)).toString(p.auth_typ === "" ? "base64url" : "base64")),
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? "").toString("base64")),
  fc.stringMatching(/^[A-Za-z0-9+/=_-]{0,80}$/),
  fc.constant("A".repeat(40_000)),
);
const randomHeaders = fc
  .record(
    {
      "content-type": headerValue,
      "content-length": fc.oneof(fc.nat({ max: 200 }).map(String), fc.constantFrom("0", "-1", "abc", "99999999999", String(64 * 1024 + 1))),
      "x-functions-key": fc.stringMatching(/^[A-Za-z0-9_-]{0,40}$/),
      "x-ms-client-principal": principal,
      "x-ms-client-principal-id": guid,
      "x-forwarded-for": fc.constantFrom("203.0.113.7", "198.51.100.1, 10.0.0.1", "::1"),
      accept: headerValue,
      "x-fuzz": headerValue,
    },
    { requiredKeys: [] },
  )
  .map((h) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<string, string>);
/** Headers a well-behaved client sends (the key, a principal, a JSON content type on POST). */
const politeHeaders = (method: string) =>
  fc
    .record(
      {
        "x-functions-key": fc.stringMatching(/^[A-Za-z0-9_-]{20,40}$/),
        "x-ms-client-principal": principal,
        "content-type": fc.constantFrom("application/json", "application/json; charset=utf-8"),
      },
      { requiredKeys: [] },
    )
    .map((h) => {
      const out = Object.fromEntries(Object.entries(h).filter(([k, v]) => v !== undefined && (k !== "content-type" || method === "POST"))) as Record<string, string>;
      if (method === "POST") out["content-type"] ??= "application/json";
      return out;
    });
const headersFor = (method: string) => fc.oneof({ weight: 3, arbitrary: politeHeaders(method) }, { weight: 2, arbitrary: randomHeaders });

const queryKeys = ["code", "format", "subscription", "limit", "continuationToken", "id", "evidence", "status", "check", "severity", "q", "verbose", "api-version", "", "format[]"];
const queryValue = (key: string) =>
  key === "format"
    ? fc.oneof(fc.constantFrom("json", "sarif", "csv", "markdown", "xml", "JSON"), text)
    : key === "id"
      ? targetId
      : key === "evidence"
        ? fc.oneof(fc.constantFrom("failures", "all", "ALL", "none"), text)
        : key === "subscription"
      ? subscription
      : key === "limit"
        ? fc.oneof(fc.integer({ min: -5, max: 150 }).map(String), text)
        : key === "continuationToken"
          ? fc.oneof(fc.constant("<valid>"), fc.base64String({ maxLength: 40 }).map((b) => b.replace(/\+/g, "-").replace(/\//g, "_").replace(/=/g, "")), text)
          : text;
/** A query the route's schema accepts (or nearly). */
const politeQuery = (route: CompiledRoute) => {
  const schema = route.spec.query as { properties?: Record<string, unknown>; required?: string[] } | undefined;
  const keys = Object.keys(schema?.properties ?? {});
  if (keys.length === 0) return fc.constant("");
  // A polite client always sends the required keys (the drift route's `id`).
  const required = schema?.required ?? [];
  const valid: Record<string, fc.Arbitrary<string>> = {
    code: fc.stringMatching(/^[A-Za-z0-9_-]{10,30}$/),
    format: fc.constantFrom("json", "sarif", "csv", "markdown"),
    subscription: fc.constantFrom(DEMO_SUB_A, DEMO_SUB_B),
    limit: fc.integer({ min: 1, max: 100 }).map(String),
    continuationToken: fc.constant("<valid>"),
    id: targetId,
    evidence: fc.constantFrom("failures", "all"),
    status: fc.constantFrom("compliant", "drifted", "unknown"),
    check: fc.constantFrom("pool-outbound-type", "subnet-default-route", "no-such-check"),
    severity: fc.constantFrom("critical", "high", "medium", "low", "info"),
    q: fc.oneof(fc.constantFrom("marketing", "pool", "rg-"), text),
  };
  return fc
    .subarray(keys.filter((k) => !required.includes(k)))
    .map((ks) => [...required, ...ks])
    .chain((ks) => fc.tuple(...ks.map((k) => (valid[k] ?? text).map((v) => [k, v] as const))))
    .map((pairs) => pairs.map(([k, v]) => `${enc(k)}=${enc(v === "<valid>" ? continuationToken : v)}`).join("&"));
};
const randomQuery = fc.oneof(
  fc.array(fc.constantFrom(...queryKeys).chain((k) => queryValue(k).map((v) => [k, v] as const)), { maxLength: 4 }).map((pairs) =>
    pairs.map(([k, v]) => `${enc(k)}=${enc(v === "<valid>" ? continuationToken : v)}`).join("&"),
  ),
  // Raw query strings, malformed escapes included.
  fc.stringMatching(/^[\x21-\x7e]{0,60}$/).map((q) => q.replace(/#/g, "%23")),
);
const queryFor = (route: CompiledRoute) => fc.oneof({ weight: 3, arbitrary: politeQuery(route) }, { weight: 2, arbitrary: randomQuery });

const startScanBody = fc.record(
  {
    subscriptions: fc.oneof(fc.array(subscription, { maxLength: 3 }), fc.array(guid, { minLength: 1, maxLength: 2 }), text, fc.constant(null)),
    targets: fc.oneof(fc.array(targetId, { maxLength: 3 }), text),
    webhook: fc.constant("https://evil.example/hook"),
    extra: fc.jsonValue(),
  },
  { requiredKeys: [] },
);
const validBody = fc
  .record({ subscriptions: fc.array(fc.oneof(guid, fc.constantFrom(DEMO_SUB_B)), { minLength: 1, maxLength: 2 }), targets: fc.constantFrom(undefined, [MARKETING]) })
  .map((b) => JSON.stringify(b.targets ? { subscriptions: [...b.subscriptions, DEMO_SUB_A], targets: b.targets } : { subscriptions: b.subscriptions }));
const body = fc.oneof(
  { weight: 3, arbitrary: validBody },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: startScanBody.map((b) => JSON.stringify(b)) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 100 }) },
  { weight: 1, arbitrary: fc.constantFrom('{"subscriptions": [', "{", "null", "[]", '{"subscriptions":[]}', "\uFEFF{}", '{"__proto__":{"polluted":true},"subscriptions":["' + DEMO_SUB_B + '"]}') },
  { weight: 1, arbitrary: fc.nat({ max: 3 }).map((n) => JSON.stringify({ subscriptions: [DEMO_SUB_B], padding: "x".repeat([10, 60_000, 66_000, 200_000][n]!) })) },
);

/** encodeURIComponent, except that a lone surrogate (which it refuses) becomes U+FFFD first. */
function enc(value: string): string {
  return encodeURIComponent(value.replace(/[\uD800-\uDFFF]/g, (c, i: number, all: string) => {
    const code = c.charCodeAt(0);
    const pair = code < 0xdc00 ? all.charCodeAt(i + 1) : all.charCodeAt(i - 1);
    return (code < 0xdc00 ? pair >= 0xdc00 && pair <= 0xdfff : pair >= 0xd800 && pair < 0xdc00) ? c : "\uFFFD";
  }));
}

interface FuzzRequest {
  params: Record<string, () => string>;
  query: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
}

function requestArb(route: CompiledRoute): fc.Arbitrary<FuzzRequest> {
  const names = [...route.spec.route.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const params = fc.record(Object.fromEntries(names.map((n) => [n, paramValue(n)])));
  // The Functions library drops a GET request's body (a declared Content-Length still arrives).
  return fc.record({ params, query: queryFor(route), headers: headersFor(route.spec.method), body: route.spec.method === "GET" ? fc.constant(undefined) : body });
}

/**
 * Storage counts without the scan locks' blobs: a fresh target audit takes the scan lock of its
 * subscription (creating the lock blob the first time), which is coordination, not data.
 */
async function dataCounts(history: HistoryStore): Promise<Record<string, number>> {
  const counts = await storageCounts(history);
  const container = BlobServiceClient.fromConnectionString(azurite()).getContainerClient(history.names.container);
  let locks = 0;
  if (await container.exists()) for await (const _ of container.listBlobsFlat({ prefix: "locks/" })) locks += 1;
  return { ...counts, blobs: (counts.blobs ?? 0) - locks };
}

// ---------------------------------------------------------------------------------------------
// The property

async function callOnce(route: CompiledRoute, services: AppServices, input: FuzzRequest): Promise<void> {
  useServices(services);
  const params = Object.fromEntries(Object.entries(input.params).map(([k, v]) => [k, v()]));
  const path = `/api/${route.spec.route.replace(/\{(\w+)\}/g, (_m, n: string) => enc(params[n] ?? ""))}`;
  const before = { ...calls };
  const postsBefore = receiver.requests.length;
  const { context } = invocation(route.spec.name);
  let init: HttpResponseInit;
  try {
    init = await invokeRoute(
      route,
      httpRequest(route.spec.method, path, { query: input.query, params, headers: input.headers, ...(input.body !== undefined ? { body: input.body } : {}) }),
      context,
    );
  } catch (err) {
    throw new Error(`invokeRoute threw (it must never): ${(err as Error).stack ?? String(err)}`, { cause: err });
  }
  // A report in `format=json` comes as a stream: read to its end (a failure mid-stream throws here).
  const r = await readResponse(init);
  tally.inputs += 1;
  const cls = `${Math.floor(r.status / 100)}xx`;
  tally.byClass[cls] = (tally.byClass[cls] ?? 0) + 1;
  tally.byStatus[r.status] = (tally.byStatus[r.status] ?? 0) + 1;

  if (!((r.status >= 200 && r.status < 300) || (r.status >= 400 && r.status < 500))) {
    throw new Error(`${route.spec.name} answered ${r.status}: ${r.text.slice(0, 400)}`);
  }
  if (r.status >= 400) {
    const problem = r.json as { code?: string; status?: number };
    expect(r.headers["content-type"]).toBe("application/problem+json; charset=utf-8");
    expect(Object.keys(problemCatalog)).toContain(problem.code);
    expect(problem.status).toBe(r.status);
    // A fresh audit that scanned (its 404) held its subscription's scan lock while it did.
    const locked = problem.code === "TargetNotFound" ? calls.locks - before.locks : 0;
    expect(calls.writes - before.writes - locked, `${route.spec.name} ${r.status} ${problem.code}: nothing stored`).toBe(0);
    expect(calls.posts - before.posts, "nothing sent").toBe(0);
    expect(receiver.requests.length).toBe(postsBefore);
    if (problem.code !== "TargetNotFound") expect(calls.scans - before.scans, `${problem.code}: no scan`).toBe(0);
    if (r.status === 429) expect(Number(r.headers["retry-after"])).toBeGreaterThan(0);
  }
}

describe(`HTTP fuzz: ${RUNS} generated requests per route (seed ${SEED}), plus ${AUTH_RUNS} per route with the Entra ID check on`, () => {
  it.each(routes.map((r, i) => [r.spec.name, r, i] as const))("%s: only 2xx or 4xx; a 4xx stores, sends and scans nothing", async (_name, route, i) => {
    const countsBefore = route.spec.method === "GET" ? await dataCounts(plain.history!) : undefined;
    await fc.assert(
      fc.asyncProperty(requestArb(route), (input) => callOnce(route, plain, input)),
      { numRuns: RUNS, seed: SEED + i, endOnFailure: true },
    );
    await fc.assert(
      fc.asyncProperty(requestArb(route), (input) => callOnce(route, withEntra, input)),
      { numRuns: AUTH_RUNS, seed: SEED + 100 + i, endOnFailure: true },
    );
    // Reads never write, whatever they are sent.
    if (countsBefore) expect(await dataCounts(plain.history!)).toEqual(countsBefore);
  }, 120_000);

  it("the rate limit bounded the scans the fuzz could start", () => {
    // Seeding's 3, then per services (two) at most the global bucket (6) plus its refill (6 a minute).
    const minutes = (Date.now() - startedAt) / 60_000;
    expect(calls.scans).toBeLessThanOrEqual(3 + 2 * Math.ceil(6 + 6 * minutes));
    expect(tally.byStatus[429] ?? 0).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------
// 16,000-item bodies and malformed Host headers

/** One raw request on a fresh connection: status and body (status 0: no answer). */
function rawRequest(url: string, head: string): Promise<{ status: number; body: string }> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), "127.0.0.1");
    const chunks: Buffer[] = [];
    const done = () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const split = text.indexOf("\r\n\r\n");
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0), body: split < 0 ? "" : text.slice(split + 4) });
    };
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("end", done);
    socket.on("error", done);
    socket.setTimeout(10_000, () => socket.destroy());
    socket.end(Buffer.from(head, "utf8"));
  });
}

describe("HTTP fuzz: 16,000-item bodies and malformed Host headers", () => {
  const startScanRoute = routes.find((r) => r.spec.name === "startScan")!;
  const ITEMS = 16_000;
  /** A few item shapes, repeated to 16,000: where they land and what they are varies. */
  const pattern = fc.array(fc.oneof(fc.constantFrom<unknown>(0, 1, null, true, "", "x", "not-a-guid", {}, []), guid, fc.string({ maxLength: 3 })), { minLength: 1, maxLength: 4 });
  const fill = (p: unknown[]) => Array.from({ length: ITEMS }, (_, i) => p[i % p.length]);
  const hugeBody = fc.oneof(
    pattern.map((p) => ({ subscriptions: fill(p) })),
    pattern.map((p) => ({ subscriptions: [DEMO_SUB_B], targets: fill(p) })),
    pattern.map((p) => ({ subscriptions: [fill(p)] })),
    // Unknown fields: as many as fit under the body limit.
    fc.nat({ max: 3 }).map((n) => ({ subscriptions: [DEMO_SUB_B], ...Object.fromEntries(Array.from({ length: [20, 21, 1000, 6000][n]! }, (_, i) => [`f${i}`, 0])) })),
  );

  it("a body of 16,000 bad items answers at most 20 field errors, counts the rest, in a few KB, and stores nothing", async () => {
    useServices(plain);
    await fc.assert(
      fc.asyncProperty(hugeBody, async (value) => {
        const before = { ...calls };
        const { context } = invocation("startScan");
        const body = JSON.stringify(value);
        const r = await readResponse(await invokeRoute(startScanRoute, httpRequest("POST", "/api/scans", { headers: { "content-type": "application/json" }, body }), context));
        expect([400, 413], r.text.slice(0, 300)).toContain(r.status);
        expect(r.text.length).toBeLessThan(16 * 1024);
        const problem = r.json as { code: string; detail: string; errors?: unknown[] };
        if (r.status === 400) {
          expect(problem.code).toBe("ValidationFailed");
          expect(problem.errors!.length).toBeGreaterThan(0);
          expect(problem.errors!.length).toBeLessThanOrEqual(20);
          const total = Number(/^(\d+) fields? failed validation/.exec(problem.detail)?.[1]);
          expect(total, problem.detail).toBeGreaterThanOrEqual(problem.errors!.length);
          if (total > 20) expect(problem.detail).toContain(`errors lists the first 20 of ${total}; ${total - 20} more were left out`);
          else expect(problem.errors).toHaveLength(total);
        }
        expect(calls.writes - before.writes).toBe(0);
        expect(calls.scans - before.scans).toBe(0);
      }),
      { numRuns: 40, seed: SEED + 200, endOnFailure: true },
    );
  }, 120_000);

  describe("malformed Host headers on npm run serve's server", () => {
    let server: RunningLocalServer;
    const KEY = "fuzz-function-key";
    beforeAll(async () => {
      const handlers = Object.fromEntries(routes.map((r) => [r.spec.name, (request: HttpRequestType, context: InvocationContextType) => invokeRoute(r, request, context)]));
      server = await startLocalServer({ routes, handlers, functionKey: KEY, masterKey: "fuzz-master-key", log: () => undefined });
    });
    afterAll(async () => {
      await server?.close();
    });
    const get = (host: string, path = "/api/health", extra = "") => rawRequest(server.url, `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${extra}Connection: close\r\n\r\n`);

    const malformed = fc.oneof(
      fc.constantFrom("[::1", "a b", "[::1]:99999", "[zz]", "[]", "[", "]", ":", ":80", "localhost:", "localhost:-1", "localhost:1:2", "user@evil.example", "evil.example/x", "evil.example?x", "evil.example#x", "a\\b", "%00", "\u00e9vil.example", "x".repeat(10 * 1024), "x".repeat(260)),
      fc.stringMatching(/^[\x21-\x7e]{0,40}[@/?#\\[\]{}<>"|^`%,;=!$&'()*+~][\x21-\x7e]{0,40}$/).filter((h) => !/^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(h)),
    );
    const wellFormed = fc.oneof(
      fc.ipV4(),
      fc.ipV6().map((a) => `[${a}]`),
      // Not the configured base (egress-audit.example.net): that one is in the document by design.
      fc.constantFrom("localhost", "api.example.org", "evil.example", "127.0.0.1", "xn--vil-bma.example", "a-very-long-host-name.internal.example"),
    );
    const withPort = (host: fc.Arbitrary<string>) => fc.tuple(host, fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined })).map(([h, p]) => (p === undefined ? h : `${h}:${p}`));

    it("a malformed Host is answered 400 naming /headers/host (or by node's parser), never echoed, and the server answers the next request", async () => {
      await fc.assert(
        fc.asyncProperty(malformed, async (host) => {
          const r = await get(host);
          expect(r.status, JSON.stringify(host.slice(0, 60))).toBe(400);
          if (r.body) {
            expect(JSON.parse(r.body)).toMatchObject({ code: "ValidationFailed", errors: [{ path: "/headers/host" }] });
            if (host.length >= 12) expect(r.body).not.toContain(host);
          }
          expect((await get("localhost")).status).toBe(200);
        }),
        { numRuns: 300, seed: SEED + 300, endOnFailure: true },
      );
    }, 120_000);

    it("a well-formed Host is served, and no answer carries it (the OpenAPI servers URL included)", async () => {
      useServices(plain);
      await fc.assert(
        fc.asyncProperty(withPort(wellFormed), async (host) => {
          expect((await get(host)).status, host).toBe(200);
          const doc = await get(host, "/api/openapi.json", `x-functions-key: ${KEY}\r\n`);
          expect(doc.status, host).toBe(200);
          expect((JSON.parse(doc.body) as { servers: unknown }).servers).toEqual([{ url: "https://egress-audit.example.net/api" }]);
          if (host.length >= 12) expect(doc.body).not.toContain(host);
        }),
        { numRuns: 150, seed: SEED + 301, endOnFailure: true },
      );
    }, 120_000);
  });
});

// ---------------------------------------------------------------------------------------------
// Forged principals and varying keys (issue 15: the caller is the credential that was checked)

describe("HTTP fuzz: forged principals and varying keys", () => {
  const driftRoute = routes.find((r) => r.spec.name === "getTargetDrift")!;
  /** A target in a subscription the emulator does not know: a real, quick scan that finds nothing (404). */
  const GHOST = "/subscriptions/0e0e0e0e-0000-4000-8000-00000000000e/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/ghost";
  const PER_CALLER = 2;
  const limits = { SCAN_RATE_LIMIT_PER_MINUTE: String(PER_CALLER), SCAN_RATE_LIMIT_GLOBAL_PER_MINUTE: "0" };
  /** Everything a caller can claim about itself: a principal (with the role, any oid), forwarding addresses. */
  const forgedHeaders = fc
    .record(
      {
        "x-ms-client-principal": principal,
        "x-ms-client-principal-id": guid,
        "x-ms-client-principal-name": fc.stringMatching(/^[\x20-\x7e]{0,30}$/),
        "x-forwarded-for": fc.oneof(fc.ipV4(), fc.tuple(fc.ipV4(), fc.ipV4()).map(([a, b]) => `${a}, ${b}`)),
        "client-ip": fc.ipV4(),
        "x-client-ip": fc.ipV4(),
      },
      { requiredKeys: [] },
    )
    .map((h) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<string, string>);

  it("without App Service Authentication, AUTH_ALLOWED_* with any roles or groups refuse to start, whatever else is set", async () => {
    const { readAppSettings } = await import("../../src/config/appSettings.js");
    const role = fc.stringMatching(/^[\x21-\x2b\x2d-\x3a\x3c-\x7e]{1,20}$/);
    fc.assert(
      fc.property(
        fc.array(role, { maxLength: 3 }),
        fc.array(fc.uuid(), { maxLength: 3 }),
        fc.option(fc.string({ maxLength: 8 }), { nil: undefined }).filter((v) => v?.trim().toLowerCase() !== "true"),
        fc.option(fc.constantFrom("egress-audit-prod", ""), { nil: undefined }),
        (roles, groups, enabled, site) => {
          fc.pre(roles.length + groups.length > 0);
          const env: Record<string, string> = {
            ...(roles.length ? { AUTH_ALLOWED_ROLES: roles.join(",") } : {}),
            ...(groups.length ? { AUTH_ALLOWED_GROUPS: groups.join(",") } : {}),
            ...(enabled !== undefined ? { WEBSITE_AUTH_ENABLED: enabled } : {}),
            ...(site !== undefined ? { WEBSITE_SITE_NAME: site } : {}),
          };
          expect(() => readAppSettings(env), JSON.stringify(env)).toThrow(/AUTH_ALLOWED_ROLES \/ AUTH_ALLOWED_GROUPS need App Service Authentication turned on/);
        },
      ),
      { numRuns: 300, seed: SEED + 400 },
    );
  });

  it("forged principals and forwarding addresses never open a bucket: per run, at most the per-caller limit gets past it", async () => {
    await fc.assert(
      fc.asyncProperty(fc.option(fc.constant("fuzz-caller-key"), { nil: undefined }), fc.array(forgedHeaders, { minLength: PER_CALLER + 1, maxLength: 6 }), async (key, requests) => {
        // Fresh services per run: a fresh limiter, so each run starts with a full bucket.
        const services = testServices({ emulator, namespace: "fuzzcallers", noStorage: true, env: limits });
        useServices(services);
        const statuses: number[] = [];
        for (const headers of requests) {
          const { context } = invocation("getTargetDrift");
          const request = httpRequest("GET", "/api/targets/drift", { query: `id=${enc(GHOST)}`, headers: { ...headers, ...(key ? { "x-functions-key": key } : {}) } });
          statuses.push((await readResponse(await invokeRoute(driftRoute, request, context))).status);
        }
        expect(statuses.every((s) => s === 404 || s === 429), statuses.join(",")).toBe(true);
        expect(statuses.filter((s) => s !== 429).length, statuses.join(",")).toBeLessThanOrEqual(PER_CALLER);
      }),
      { numRuns: 25, seed: SEED + 401, endOnFailure: true },
    );
  }, 120_000);

  describe("varying keys on npm run serve's server", () => {
    const KEY = "fuzz-caller-function-key";
    let server: RunningLocalServer;
    beforeAll(async () => {
      server = await startLocalServer({
        routes: [driftRoute],
        handlers: { [driftRoute.spec.name]: (request: HttpRequestType, context: InvocationContextType) => invokeRoute(driftRoute, request, context) },
        functionKey: KEY,
        log: () => undefined,
      });
    });
    afterAll(async () => {
      await server?.close();
    });

    const madeUp = fc.stringMatching(/^[A-Za-z0-9_-]{0,30}$/).filter((k) => k !== KEY);
    /** Where the key goes: the header, `?code=` (repeated or not), both, valid or made up. */
    const credentials = fc.record({
      header: fc.option(fc.oneof(fc.constant(KEY), madeUp), { nil: undefined }),
      codes: fc.array(fc.oneof(fc.constant(KEY), madeUp), { maxLength: 2 }),
    });

    it("the key that is checked is the key the caller is counted by: a valid key beside made-up ones gets at most the per-caller limit, a made-up header is a 401", async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(credentials, { minLength: PER_CALLER + 1, maxLength: 6 }), async (requests) => {
          useServices(testServices({ emulator, namespace: "fuzzkeys", noStorage: true, env: limits }));
          let past = 0;
          for (const { header, codes } of requests) {
            const query = codes.map((c) => `code=${encodeURIComponent(c)}`).join("&");
            const r = await fetch(`${server.url}/api/targets/drift?id=${encodeURIComponent(GHOST)}${query ? `&${query}` : ""}`, { headers: header !== undefined ? { "x-functions-key": header } : {} });
            await r.arrayBuffer();
            // The host's choice: the header when sent, else the first code.
            const checked = header !== undefined ? header : codes[0];
            if (checked !== KEY) expect(r.status, JSON.stringify({ header, codes })).toBe(401);
            // A repeated `code` breaks the query schema (400, before the rate limit: no token spent).
            else expect(codes.length > 1 ? [400] : [404, 429], JSON.stringify({ header, codes })).toContain(r.status);
            if (r.status === 404) past += 1;
          }
          expect(past).toBeLessThanOrEqual(PER_CALLER);
        }),
        { numRuns: 25, seed: SEED + 402, endOnFailure: true },
      );
    }, 120_000);
  });
});
