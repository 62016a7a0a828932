/**
 * Forged callers (issue 15, item 4, and the caller key of item 5):
 * - `x-ms-client-principal` is trusted only when App Service Authentication is verifiably on
 *   (`WEBSITE_AUTH_ENABLED=true`): with `AUTH_ALLOWED_ROLES` / `AUTH_ALLOWED_GROUPS` and without it
 *   the app refuses to start, wherever it runs (`WEBSITE_SITE_NAME` set or not);
 * - without allowed roles or groups the header is ignored, for authorization and for the rate
 *   limit: forged principals (and forged forwarding addresses) share one bucket;
 * - the rate limit keys a caller by the credential that was checked: in `npm run serve`, a valid
 *   `?code=` beside a made-up `x-functions-key` (or the other way round) never opens a new bucket.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getTargetDrift as getTargetDriftHandler } from "../../functions/getTargetDrift.js";
import { health as healthHandler } from "../../functions/health.js";
import { listChecks as listChecksHandler } from "../../functions/listChecks.js";
import { readAppSettings } from "../../src/config/appSettings.js";
import { UsageError } from "../../src/errors.js";
import { loadEstate } from "../../src/emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { invokeRoute, type CompiledRoute } from "../../src/http/route.js";
import { getTargetDrift, health, listChecks } from "../../src/http/routes.js";
import { presentedFunctionKey, SHARED_CALLER_KEY, callerKeyOf } from "../../src/http/security.js";
import { startLocalServer, type RunningLocalServer } from "../../src/serve/server.js";
import { useServices, type AppServices } from "../../src/app/services.js";
import { REPO, httpRequest, invocation, readResponse, testServices } from "../setup/harness.js";

const ROLE = "EgressAudit.Read";
const GROUP = "6f1c0d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f";
/** A target in a subscription the emulator does not know: a real, quick scan that finds nothing (404). */
const GHOST = "/subscriptions/0d0d0d0d-0000-4000-8000-00000000000d/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/ghost";

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ estate: await loadEstate(join(REPO, "estates", "demo.json")) });
});
afterAll(async () => {
  useServices(undefined);
  await emulator?.close();
});

const forged = (oid: string, roles = [ROLE]) =>
  Buffer.from(
    JSON.stringify({ auth_typ: "aad", claims: [{ typ: "oid", val: oid }, ...roles.map((r) => ({ typ: "roles", val: r })), { typ: "groups", val: GROUP }], name_typ: "name", role_typ: "roles" }),
  ).toString("base64");
const oid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;

async function call(route: CompiledRoute, services: AppServices, init: Parameters<typeof httpRequest>[2] = {}, path = `/api/${route.spec.route}`) {
  useServices(services);
  const { context } = invocation(route.spec.name);
  return readResponse(await invokeRoute(route, httpRequest(route.spec.method, path, init), context));
}
const drift = (services: AppServices, headers: Record<string, string>, query?: string) =>
  call(getTargetDrift, services, { headers, query: `id=${encodeURIComponent(GHOST)}${query ? `&${query}` : ""}` }, "/api/targets/drift");

describe("x-ms-client-principal is trusted only with App Service Authentication on", () => {
  it("AUTH_ALLOWED_ROLES / AUTH_ALLOWED_GROUPS without WEBSITE_AUTH_ENABLED=true are a configuration error naming the settings, with or without WEBSITE_SITE_NAME", () => {
    for (const site of [{}, { WEBSITE_SITE_NAME: "egress-audit-prod" }]) {
      for (const auth of [{}, { WEBSITE_AUTH_ENABLED: "false" }, { WEBSITE_AUTH_ENABLED: "1" }, { WEBSITE_AUTH_ENABLED: "" }]) {
        for (const allowed of [{ AUTH_ALLOWED_ROLES: ROLE }, { AUTH_ALLOWED_GROUPS: GROUP }, { AUTH_ALLOWED_ROLES: ROLE, AUTH_ALLOWED_GROUPS: GROUP }]) {
          const env = { ...site, ...auth, ...allowed };
          const label = JSON.stringify(env);
          expect(() => readAppSettings(env), label).toThrow(UsageError);
          expect(() => readAppSettings(env), label).toThrow(/AUTH_ALLOWED_ROLES \/ AUTH_ALLOWED_GROUPS need App Service Authentication turned on \(WEBSITE_AUTH_ENABLED=true/);
        }
      }
      expect(readAppSettings({ ...site, AUTH_ALLOWED_ROLES: ROLE, WEBSITE_AUTH_ENABLED: "true" }).callerAuth?.allowedRoles).toEqual([ROLE]);
      // WEBSITE_AUTH_ENABLED alone turns nothing on: without allowed roles or groups there is no check.
      expect(readAppSettings({ ...site, WEBSITE_AUTH_ENABLED: "true" }).callerAuth).toBeUndefined();
    }
  });

  it("`npm run serve` refuses to start with AUTH_ALLOWED_ROLES and no WEBSITE_AUTH_ENABLED (exit 3, the message names the settings)", async () => {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^(AUTH_ALLOWED_|WEBSITE_)/.test(k)) env[k] = v;
    Object.assign(env, {
      AUTH_ALLOWED_ROLES: ROLE,
      // Configured endpoints: serve starts neither Azurite nor the emulator.
      AzureWebJobsStorage: "UseDevelopmentStorage=true",
      AZURE_ARM_ENDPOINT: emulator.url,
      AZURE_ARM_TOKEN: "t",
    });
    const child = spawn(process.execPath, ["--import", "tsx", join("src", "serve", "main.ts"), "--port", "0"], { cwd: REPO, env, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    const code = await new Promise<number | null>((resolve) => {
      // A server that started waits for a signal: stop it (by its pid) and let the assertion fail.
      const timer = setTimeout(() => child.kill("SIGTERM"), 30_000);
      child.once("exit", (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(code, stderr.slice(-2000)).toBe(3);
    expect(stderr).toMatch(/AUTH_ALLOWED_ROLES \/ AUTH_ALLOWED_GROUPS need App Service Authentication turned on \(WEBSITE_AUTH_ENABLED=true/);
    expect(stderr).not.toContain("listening");
  }, 60_000);

  it("without allowed roles or groups, a forged principal grants nothing and is not what the pipeline keys a caller by", async () => {
    const services = testServices({ emulator, namespace: "forged", noStorage: true });
    expect(services.settings.callerAuth).toBeUndefined();
    // Nothing to authorize: the header neither lets in nor keeps out.
    expect((await call(listChecks, services, { headers: { "x-ms-client-principal": forged(oid(1)) } })).status).toBe(200);
    expect((await call(listChecks, services, { headers: { "x-ms-client-principal": "garbage" } })).status).toBe(200);
    const req = (headers: Record<string, string>) => httpRequest("GET", "/api/checks", { headers });
    // callerKeyOf only ever sees a principal the Entra ID check accepted; none here.
    expect(callerKeyOf(req({ "x-ms-client-principal": forged(oid(1)) }), undefined)).toBe(SHARED_CALLER_KEY);
    expect(callerKeyOf(req({ "x-forwarded-for": "203.0.113.7", "client-ip": "198.51.100.1" }), undefined)).toBe(SHARED_CALLER_KEY);
    expect(callerKeyOf(req({ "x-functions-key": "k", "x-forwarded-for": "203.0.113.7" }), undefined)).toBe(callerKeyOf(req({ "x-functions-key": "k" }), undefined));
  });

  it("forged principals and forged forwarding addresses share one bucket: the third request of the minute is a 429", async () => {
    const services = testServices({ emulator, namespace: "forgedrl", noStorage: true, env: { SCAN_RATE_LIMIT_PER_MINUTE: "2", SCAN_RATE_LIMIT_GLOBAL_PER_MINUTE: "0" } });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await drift(services, { "x-ms-client-principal": forged(oid(i)), "x-forwarded-for": `203.0.113.${i + 1}`, "client-ip": `198.51.100.${i + 1}` });
      statuses.push(r.status);
    }
    expect(statuses).toEqual([404, 404, 429, 429, 429, 429]);
  }, 60_000);

  it("with App Service Authentication on and roles required, the platform's principal is the caller: each gets its own bucket", async () => {
    const services = testServices({
      emulator,
      namespace: "entrarl",
      noStorage: true,
      env: { AUTH_ALLOWED_ROLES: ROLE, WEBSITE_AUTH_ENABLED: "true", SCAN_RATE_LIMIT_PER_MINUTE: "1", SCAN_RATE_LIMIT_GLOBAL_PER_MINUTE: "0" },
    });
    const as = (i: number) => drift(services, { "x-functions-key": "shared-key", "x-ms-client-principal": forged(oid(i)) });
    expect((await as(1)).status).toBe(404);
    expect((await as(1)).status).toBe(429);
    expect((await as(2)).status).toBe(404);
    // A principal without the role never reaches the limiter.
    expect((await drift(services, { "x-ms-client-principal": forged(oid(3), ["Other.Role"]) })).status).toBe(403);
  }, 60_000);
});

describe("the caller key is the credential that was checked", () => {
  it("the presented key is the host's: the x-functions-key header when present (even empty), else the first ?code=", () => {
    const h = (o: Record<string, string>) => new Headers(o);
    expect(presentedFunctionKey(h({ "x-functions-key": "header" }), new URLSearchParams("code=query"))).toBe("header");
    expect(presentedFunctionKey(h({ "x-functions-key": "" }), new URLSearchParams("code=query"))).toBe("");
    expect(presentedFunctionKey(h({}), new URLSearchParams("code=first&code=second"))).toBe("first");
    expect(presentedFunctionKey(h({}), new URLSearchParams(""))).toBeUndefined();
  });

  describe("in npm run serve", () => {
    const KEY = "serve-function-key";
    let server: RunningLocalServer;
    let plain: AppServices;
    beforeAll(async () => {
      plain = testServices({ emulator, namespace: "servekeys", noStorage: true, env: { SCAN_RATE_LIMIT_PER_MINUTE: "2", SCAN_RATE_LIMIT_GLOBAL_PER_MINUTE: "0" } });
      useServices(plain);
      server = await startLocalServer({
        routes: [getTargetDrift, listChecks, health],
        handlers: { getTargetDrift: getTargetDriftHandler, listChecks: listChecksHandler, health: healthHandler },
        functionKey: KEY,
        log: () => undefined,
      });
    });
    afterAll(async () => {
      useServices(undefined);
      await server?.close();
    });
    const audit = (query: string, headers: Record<string, string> = {}) => fetch(`${server.url}/api/targets/drift?id=${encodeURIComponent(GHOST)}${query.replace(/^\?/, "&")}`, { headers });

    it("a valid ?code= with a varying x-functions-key is refused (401): the header is the key that is checked", async () => {
      for (let i = 0; i < 5; i++) {
        const r = await audit(`?code=${KEY}`, { "x-functions-key": `made-up-${i}` });
        expect(r.status, `request ${i}`).toBe(401);
        await r.arrayBuffer();
      }
    });

    it("a valid x-functions-key with a varying ?code= is one caller: past the limit, 429", async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await audit(`?code=made-up-${i}`, { "x-functions-key": KEY });
        statuses.push(r.status);
        await r.arrayBuffer();
      }
      expect(statuses).toEqual([404, 404, 429, 429, 429]);
    }, 60_000);

    it("serve drops x-ms-client-principal: no App Service Authentication runs in front of it, so even a (mis)configured check sees no principal (401)", async () => {
      useServices(testServices({ emulator, namespace: "servekeys", noStorage: true, env: { AUTH_ALLOWED_ROLES: ROLE, WEBSITE_AUTH_ENABLED: "true" } }));
      try {
        const r = await fetch(`${server.url}/api/checks`, { headers: { "x-functions-key": KEY, "x-ms-client-principal": forged(oid(9)) } });
        expect(r.status).toBe(401);
        expect(await r.json()).toMatchObject({ code: "AuthenticationRequired" });
      } finally {
        useServices(plain);
      }
    });
  });
});
