/**
 * `npm run serve`'s server: the functions' own handlers behind node:http, with the host's routing
 * (literal segments before parameters, `%2F` left encoded in a route value), function keys, and
 * `POST /admin/functions/<name>` for the timer. Driven over real HTTP with fetch.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getLatestScan } from "../../functions/getLatestScan.js";
import { getOpenApi } from "../../functions/getOpenApi.js";
import { getScan } from "../../functions/getScan.js";
import { getTargetDrift } from "../../functions/getTargetDrift.js";
import { health } from "../../functions/health.js";
import { listChecks } from "../../functions/listChecks.js";
import { listScans } from "../../functions/listScans.js";
import { scheduledScan } from "../../functions/scheduledScan.js";
import { startScan } from "../../functions/startScan.js";
import { loadEstate } from "../../src/emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { allRoutes } from "../../src/http/routes.js";
import { DriftReport, Problem, ScanPage } from "../../src/http/schemas.js";
import { startLocalServer, type RunningLocalServer } from "../../src/serve/server.js";
import { useServices } from "../../src/app/services.js";
import { DEMO_SUB_A, REPO, schemaErrors, testServices } from "../setup/harness.js";

const KEY = "test-function-key";
let emulator: RunningEmulator;
let server: RunningLocalServer;

beforeAll(async () => {
  emulator = await startEmulator({ estate: await loadEstate(join(REPO, "estates", "demo.json")) });
  useServices(testServices({ emulator, namespace: "serve" }));
  server = await startLocalServer({
    routes: allRoutes(),
    handlers: { startScan, getLatestScan, getScan, listScans, getTargetDrift, listChecks, getOpenApi, health },
    timers: { scheduledScan },
    functionKey: KEY,
    log: () => undefined,
  });
});

afterAll(async () => {
  useServices(undefined);
  await Promise.all([server?.close(), emulator?.close()]);
});

const api = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);

describe("the local server", () => {
  it("serves health anonymously and asks for the function key elsewhere", async () => {
    expect((await api("/api/health")).status).toBe(200);
    const denied = await api("/api/checks");
    expect(denied.status).toBe(401);
    expect(denied.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(schemaErrors(Problem, await denied.json())).toBe("");
    expect((await api("/api/checks?code=wrong")).status).toBe(401);
    expect((await api(`/api/checks?code=${KEY}`)).status).toBe(200);
    expect((await api("/api/checks", { headers: { "x-functions-key": KEY } })).status).toBe(200);
  });

  it("routes like the host: literal segments first, unknown paths 404, wrong methods 405", async () => {
    const latest = await api(`/api/scans/latest?code=${KEY}`);
    expect(latest.status).toBe(404);
    expect(await latest.json()).toMatchObject({ code: "NoScans" });
    expect(await (await api(`/api/nope?code=${KEY}`)).json()).toMatchObject({ code: "RouteNotFound", status: 404 });
    expect(await (await api(`/api/checks?code=${KEY}`, { method: "DELETE" })).json()).toMatchObject({ code: "MethodNotAllowed", status: 405 });
  });

  it("runs the README flow: POST a scan, read it back, list it, audit one target by its encoded id, run the timer", async () => {
    const posted = await api(`/api/scans?code=${KEY}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ subscriptions: [DEMO_SUB_A] }) });
    expect(posted.status).toBe(201);
    const report = (await posted.json()) as { scanId: string };
    expect(schemaErrors(DriftReport, report)).toBe("");
    expect(posted.headers.get("location")).toBe(`/api/scans/${report.scanId}`);
    expect((await api(`${posted.headers.get("location")!}?code=${KEY}`)).status).toBe(200);
    const page = await (await api(`/api/scans?limit=5&code=${KEY}`)).json();
    expect(schemaErrors(ScanPage, page)).toBe("");

    const id = `/subscriptions/${DEMO_SUB_A}/resourceGroups/rg-dataplatform/providers/Microsoft.HDInsight/clusterPools/pool-ingest`;
    const drift = await api(`/api/targets/${encodeURIComponent(id)}/drift?code=${KEY}`);
    expect(drift.status).toBe(200);
    expect(((await drift.json()) as { targets: Array<{ name: string }> }).targets.map((t) => t.name)).toEqual(["pool-ingest"]);

    const timer = await api(`/admin/functions/scheduledScan?code=${KEY}`, { method: "POST" });
    expect(timer.status).toBe(202);
    expect(await timer.json()).toMatchObject({ status: "complete", notification: "not-needed" });
  });

  it("refuses a body over the limit and malformed JSON through the same pipeline", async () => {
    const big = await api(`/api/scans?code=${KEY}`, { method: "POST", headers: { "content-type": "application/json" }, body: "x".repeat(100 * 1024) });
    expect(big.status).toBe(413);
    const bad = await api(`/api/scans?code=${KEY}`, { method: "POST", headers: { "content-type": "application/json" }, body: "{" });
    expect(await bad.json()).toMatchObject({ code: "MalformedJson", status: 400 });
  });
});
