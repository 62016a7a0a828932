/**
 * Who can call what, and how often:
 * - every HTTP function is registered with `authLevel: 'function'` except health and the dashboard page
 *   (a static shell with no data; the API it reads keeps the key), captured from `app.http`, and the route table;
 * - the optional Microsoft Entra ID check of `x-ms-client-principal` (401 / 403 problem+json);
 * - the rate limit on the routes that spend ARM read budget (429 with Retry-After, per caller);
 * - the request body limit (413), declared or actual.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import azureFunctions from "@azure/functions";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { readAppSettings } from "../../src/config/appSettings.js";
import { UsageError } from "../../src/errors.js";
import { loadEstate } from "../../src/emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { buildOpenApi } from "../../src/http/openapi.js";
import { invokeRoute, MAX_BODY_BYTES, type CompiledRoute } from "../../src/http/route.js";
import { RateLimiter } from "../../src/http/rateLimit.js";
import * as routeModule from "../../src/http/routes.js";
import { getTargetDrift, health, listChecks, startScan } from "../../src/http/routes.js";
import { parseClientPrincipal } from "../../src/http/security.js";
import { useServices, type AppServices } from "../../src/app/services.js";
import { DEMO_SUB_A, REPO, httpRequest, invocation, readResponse, testServices } from "../setup/harness.js";

const routes: CompiledRoute[] = [
  ...routeModule.allRoutes(),
  ...("pageRoutes" in routeModule && typeof routeModule.pageRoutes === "function" ? (routeModule.pageRoutes)() : []),
];
const MARKETING = `/subscriptions/${DEMO_SUB_A}/resourceGroups/rg-dataplatform/providers/Microsoft.HDInsight/clusterPools/pool-marketing`;
const ROLE = "EgressAudit.Read";
const GROUP = "6f1c0d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f";

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ estate: await loadEstate(join(REPO, "estates", "demo.json")) });
});
afterAll(async () => {
  useServices(undefined);
  await emulator?.close();
});

async function call(route: CompiledRoute, services: AppServices, init: Parameters<typeof httpRequest>[2] = {}, path = `/api/${route.spec.route}`) {
  useServices(services);
  const { context } = invocation(route.spec.name);
  return readResponse(await invokeRoute(route, httpRequest(route.spec.method, path, init), context));
}

const principalHeader = (claims: Array<{ typ: string; val: string }>, authType = "aad") =>
  Buffer.from(JSON.stringify({ auth_typ: authType, claims, name_typ: "name", role_typ: "roles" })).toString("base64");

describe("function keys: every HTTP function but health and the dashboard page is registered with authLevel 'function'", () => {
  it("the registrations the functions make (captured from app.http) and the route table agree", async () => {
    const registered = new Map<string, { authLevel?: string; route?: string; methods?: string[] }>();
    const app = azureFunctions.app;
    const http = vi.spyOn(app, "http").mockImplementation((name: string, options: { authLevel?: string; route?: string; methods?: string[] }) => {
      registered.set(name, options);
    });
    const quiet = [vi.spyOn(app, "timer").mockImplementation(() => undefined), vi.spyOn(app, "storageQueue").mockImplementation(() => undefined)];
    try {
      const dir = join(REPO, "functions");
      for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) await import(join(dir, file));
    } finally {
      http.mockRestore();
      for (const q of quiet) q.mockRestore();
    }
    expect([...registered.keys()].sort()).toEqual(routes.map((r) => r.spec.name).sort());
    for (const [name, options] of registered) {
      // The dashboard page is a static shell with no data (src/http/dashboard.ts): the API it reads keeps the key.
      expect(options.authLevel, name).toBe(name === "health" || name === "dashboard" ? "anonymous" : "function");
      const route = routes.find((r) => r.spec.name === name)!;
      expect(route.spec.authLevel, name).toBe(options.authLevel);
      expect(options.route).toBe(route.spec.route);
    }
    // And the OpenAPI document says so: a key on everything but health.
    const doc = buildOpenApi(routeModule.allRoutes(), { version: "test", serverUrl: "/api" }) as { paths: Record<string, Record<string, { security: unknown[]; operationId: string }>> };
    for (const ops of Object.values(doc.paths)) for (const op of Object.values(ops)) expect(op.security.length === 0, op.operationId).toBe(op.operationId === "health");
  });
});

describe("Microsoft Entra ID check (AUTH_ALLOWED_ROLES / AUTH_ALLOWED_GROUPS)", () => {
  let services: AppServices;
  beforeAll(() => {
    services = testServices({ emulator, namespace: "entra", noStorage: true, env: { AUTH_ALLOWED_ROLES: ROLE, AUTH_ALLOWED_GROUPS: GROUP, WEBSITE_AUTH_ENABLED: "true" } });
  });

  it("401 problem+json with WWW-Authenticate without a principal, or with one that is not an Entra ID principal", async () => {
    for (const headers of [
      {} as Record<string, string>,
      { "x-ms-client-principal": "not base64!" },
      { "x-ms-client-principal": Buffer.from("not json").toString("base64") },
      { "x-ms-client-principal": Buffer.from(JSON.stringify({ claims: "nope" })).toString("base64") },
      { "x-ms-client-principal": principalHeader([{ typ: "roles", val: ROLE }], "github") },
      { "x-ms-client-principal": "A".repeat(40_000) },
    ]) {
      const r = await call(listChecks, services, { headers });
      expect(r.status, JSON.stringify(headers).slice(0, 80)).toBe(401);
      expect(r.headers["content-type"]).toBe("application/problem+json; charset=utf-8");
      expect(r.json).toMatchObject({ code: "AuthenticationRequired", status: 401 });
      expect(r.headers["www-authenticate"]).toMatch(/^Bearer/);
    }
  });

  it("403 for a principal without an allowed role or group; 200 with the role, or with the group", async () => {
    const other = await call(listChecks, services, { headers: { "x-ms-client-principal": principalHeader([{ typ: "roles", val: "Other.Role" }, { typ: "groups", val: "00000000-0000-0000-0000-000000000001" }]) } });
    expect(other.status).toBe(403);
    expect(other.json).toMatchObject({ code: "Forbidden" });
    const byRole = await call(listChecks, services, { headers: { "x-ms-client-principal": principalHeader([{ typ: "roles", val: ROLE }]) } });
    expect(byRole.status).toBe(200);
    const byGroup = await call(listChecks, services, { headers: { "x-ms-client-principal": principalHeader([{ typ: "groups", val: GROUP.toUpperCase() }]) } });
    expect(byGroup.status).toBe(200);
    // The role claim type the principal names itself (role_typ) counts too; a group is not a role.
    expect(parseClientPrincipal(principalHeader([{ typ: "http://schemas.microsoft.com/ws/2008/06/identity/claims/role", val: ROLE }]))?.roles).toEqual([ROLE]);
    const groupAsRole = await call(listChecks, services, { headers: { "x-ms-client-principal": principalHeader([{ typ: "groups", val: ROLE }]) } });
    expect(groupAsRole.status).toBe(403);
  });

  it("health stays anonymous: no key, no principal", async () => {
    expect((await call(health, services)).status).toBe(200);
  });

  it("the check is checked before anything else: no principal, no validation detail and no scan", async () => {
    let scans = 0;
    const counted = { ...services, scan: (...a: Parameters<AppServices["scan"]>) => ((scans += 1), services.scan(...a)) };
    const r = await call(startScan, counted, { headers: { "content-type": "text/plain" }, body: "x" });
    expect(r.status).toBe(401);
    expect(scans).toBe(0);
  });

  it("in Azure and anywhere else, the settings refuse to trust the header unless App Service Authentication is on", () => {
    const azure = { WEBSITE_SITE_NAME: "egress-audit-prod", AUTH_ALLOWED_ROLES: ROLE };
    expect(() => readAppSettings(azure)).toThrow(UsageError);
    expect(() => readAppSettings(azure)).toThrow(/WEBSITE_AUTH_ENABLED/);
    expect(readAppSettings({ ...azure, WEBSITE_AUTH_ENABLED: "True" }).callerAuth?.allowedRoles).toEqual([ROLE]);
    // Where WEBSITE_SITE_NAME is unset (npm run serve, func start, containers) as well.
    expect(() => readAppSettings({ AUTH_ALLOWED_ROLES: ROLE })).toThrow(/WEBSITE_AUTH_ENABLED/);
    expect(() => readAppSettings({ AUTH_ALLOWED_GROUPS: "not-a-guid" })).toThrow(/AUTH_ALLOWED_GROUPS/);
    expect(readAppSettings({}).callerAuth).toBeUndefined();
  });
});

describe("rate limit on the routes that spend ARM read budget", () => {
  it("the third scan a caller starts within the minute is a 429 with Retry-After; another caller is not affected; fresh target audits share the budget", async () => {
    const services = testServices({ emulator, namespace: "ratelimit", env: { SCAN_RATE_LIMIT_PER_MINUTE: "2", SCAN_RATE_LIMIT_GLOBAL_PER_MINUTE: "4" } });
    // A subscription the emulator does not know: a real (quick) scan that finds nothing.
    const body = JSON.stringify({ subscriptions: ["0b0b0b0b-0000-4000-8000-00000000000b"] });
    const post = (key: string, extra: Record<string, string> = {}) =>
      call(startScan, services, { headers: { "content-type": "application/json", "x-functions-key": key, ...extra }, body });
    expect((await post("key-one")).status).toBe(201);
    // An invalid request spends nothing.
    const invalid = await call(startScan, services, { headers: { "content-type": "application/json", "x-functions-key": "key-one" }, body: "{" });
    expect(invalid.status).toBe(400);
    expect((await post("key-one")).status).toBe(201);
    const limited = await post("key-one");
    expect(limited.status).toBe(429);
    expect(limited.json).toMatchObject({ code: "RateLimited", status: 429 });
    expect(Number(limited.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers["retry-after"])).toBeLessThanOrEqual(30);
    // The key as a query parameter is the same caller; a different key is a different caller.
    const sameViaQuery = await call(startScan, services, { query: "code=key-one", headers: { "content-type": "application/json" }, body });
    expect(sameViaQuery.status).toBe(429);
    const drift = await call(getTargetDrift, services, { headers: { "x-functions-key": "key-one" }, query: `id=${encodeURIComponent(MARKETING)}` }, "/api/targets/drift");
    expect(drift.status).toBe(429);
    expect((await post("key-two")).status).toBe(201);
    // The instance-wide bucket (4) is spent after two callers' scans: everyone waits.
    expect((await post("key-three")).status).toBe(201);
    const global = await post("key-four");
    expect(global.status).toBe(429);
    expect((global.json as { detail: string }).detail).toMatch(/on this instance/);
  });

  it("the limiter refills at its rate, says how long to wait, and forgets the least recently seen callers first", () => {
    let now = 0;
    const limiter = new RateLimiter({ perCallerPerMinute: 3, globalPerMinute: 0, maxCallers: 2, now: () => now });
    for (let i = 0; i < 3; i++) expect(limiter.take("a")).toEqual({ ok: true });
    expect(limiter.take("a")).toEqual({ ok: false, retryAfterInSeconds: 20, scope: "caller" });
    now += 20_000;
    expect(limiter.take("a")).toEqual({ ok: true });
    limiter.take("b");
    limiter.take("c");
    expect(limiter.size).toBe(2);
    expect(new RateLimiter({ perCallerPerMinute: 0, globalPerMinute: 0 }).take("x")).toEqual({ ok: true });
  });
});

describe("request body limit", () => {
  it(`a body over ${MAX_BODY_BYTES} bytes is a 413, whether declared or sent, on every route`, async () => {
    const services = testServices({ emulator, namespace: "bodylimit", noStorage: true });
    const big = "x".repeat(MAX_BODY_BYTES + 1);
    const sent = await call(startScan, services, { headers: { "content-type": "application/json" }, body: big });
    expect(sent.status).toBe(413);
    for (const route of routes) {
      const declared = await call(route, services, { headers: { "content-length": String(MAX_BODY_BYTES + 1), "content-type": "application/json" } });
      expect(declared.status, route.spec.name).toBe(413);
      expect(declared.json).toMatchObject({ code: "PayloadTooLarge" });
    }
  });
});
