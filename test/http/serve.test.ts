/**
 * `npm run serve`'s server: the functions' own handlers behind node:http, with the host's routing
 * (literal segments before parameters, `%2F` left encoded in a route value), function keys, and
 * `POST /admin/functions/<name>` for the timer (master key only). Driven over real HTTP with
 * fetch, and with raw bytes over node:net where fetch cannot send them (a malformed `Host`).
 */
import { connect } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getLatestScan } from "../../functions/getLatestScan.js";
import { getOpenApi } from "../../functions/getOpenApi.js";
import { getScan } from "../../functions/getScan.js";
import { getLatestScanSummary } from "../../functions/getLatestScanSummary.js";
import { getScanSummary } from "../../functions/getScanSummary.js";
import { listLatestScanTargets } from "../../functions/listLatestScanTargets.js";
import { listScanTargets } from "../../functions/listScanTargets.js";
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
const handlers = { startScan, getLatestScan, getScan, getScanSummary, getLatestScanSummary, listScanTargets, listLatestScanTargets, listScans, getTargetDrift, listChecks, getOpenApi, health };
const MASTER = "test-master-key";
let emulator: RunningEmulator;
let server: RunningLocalServer;

beforeAll(async () => {
  emulator = await startEmulator({ estate: await loadEstate(join(REPO, "estates", "demo.json")) });
  useServices(testServices({ emulator, namespace: "serve" }));
  server = await startLocalServer({
    routes: allRoutes(),
    handlers,
    timers: { scheduledScan },
    functionKey: KEY,
    masterKey: MASTER,
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

  it("runs the README flow: POST a scan, read it back (streamed) and in pages, list it, audit one target by its id, run the timer", async () => {
    const posted = await api(`/api/scans?code=${KEY}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ subscriptions: [DEMO_SUB_A] }) });
    expect(posted.status).toBe(201);
    const report = (await posted.json()) as { scanId: string };
    expect(schemaErrors(DriftReport, report)).toBe("");
    expect(posted.headers.get("location")).toBe(`/api/scans/${report.scanId}`);
    const stored = await api(`${posted.headers.get("location")!}?code=${KEY}`);
    expect(stored.status).toBe(200);
    // The whole report is streamed: chunked, no Content-Length.
    expect(stored.headers.get("content-length")).toBeNull();
    expect(stored.headers.get("transfer-encoding")).toBe("chunked");
    expect(((await stored.json()) as { scanId: string }).scanId).toBe(report.scanId);
    // Paged routes: a literal `latest` wins over {scanId}, as in the host.
    const summary = await api(`/api/scans/latest/summary?code=${KEY}`);
    expect(summary.status).toBe(200);
    expect(await summary.json()).toMatchObject({ scanId: report.scanId });
    const targets = await api(`/api/scans/${report.scanId}/targets?limit=2&code=${KEY}`);
    expect(targets.status).toBe(200);
    expect(((await targets.json()) as { items: unknown[] }).items.length).toBeGreaterThan(0);
    const page = await (await api(`/api/scans?limit=5&code=${KEY}`)).json();
    expect(schemaErrors(ScanPage, page)).toBe("");

    const id = `/subscriptions/${DEMO_SUB_A}/resourceGroups/rg-dataplatform/providers/Microsoft.HDInsight/clusterPools/pool-ingest`;
    const drift = await api(`/api/targets/drift?id=${encodeURIComponent(id)}&code=${KEY}`);
    expect(drift.status).toBe(200);
    expect(((await drift.json()) as { targets: Array<{ name: string }> }).targets.map((t) => t.name)).toEqual(["pool-ingest"]);

    const timer = await api("/admin/functions/scheduledScan", { method: "POST", headers: { "x-functions-key": MASTER } });
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

/** Sends raw bytes on a fresh connection; resolves with the status code and the whole answer. */
function raw(request: string): Promise<{ status: number; text: string }> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1");
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (text += chunk));
    socket.on("end", () => resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0), text }));
    socket.on("error", reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer to ${JSON.stringify(request.slice(0, 80))}: ${text}`)));
    socket.end(request);
  });
}

describe("the admin route", () => {
  it("takes the master key only: a function key, no key or a wrong key is 401 and runs nothing", async () => {
    for (const init of [{ headers: { "x-functions-key": KEY } }, {}, { headers: { "x-functions-key": "wrong" } }]) {
      const r = await api("/admin/functions/scheduledScan", { method: "POST", ...init });
      expect(r.status).toBe(401);
      const problem = (await r.json()) as { code: string; detail: string };
      expect(problem.code).toBe("Unauthorized");
      expect(problem.detail).toContain("master key");
    }
    expect((await api(`/admin/functions/scheduledScan?code=${KEY}`, { method: "POST" })).status).toBe(401);
    // Without the master key, no function name is confirmed or denied.
    expect((await api("/admin/functions/nope", { method: "POST", headers: { "x-functions-key": KEY } })).status).toBe(401);
    expect((await api("/admin/functions/nope", { method: "POST", headers: { "x-functions-key": MASTER } })).status).toBe(404);
    // The master key as ?code= works too, as on the host.
    const ran = await api(`/admin/functions/scheduledScan?code=${MASTER}`, { method: "POST" });
    expect(ran.status).toBe(202);
  });

  it("answers 401 to every caller when no master key is configured", async () => {
    const bare = await startLocalServer({ routes: allRoutes(), handlers, timers: { scheduledScan }, functionKey: KEY, log: () => undefined });
    try {
      for (const key of [KEY, "", MASTER]) expect((await fetch(`${bare.url}/admin/functions/scheduledScan`, { method: "POST", headers: { "x-functions-key": key } })).status).toBe(401);
    } finally {
      await bare.close();
    }
  });
});

describe("the Host header", () => {
  const get = (host: string | undefined, path = "/api/health", version = "1.1") =>
    raw(`GET ${path} HTTP/${version}\r\n${host === undefined ? "" : `Host: ${host}\r\n`}Connection: close\r\n\r\n`);

  it.each([
    ["an unclosed IPv6 bracket", "[::1"],
    ["a space", "a b"],
    ["10 KB", "a".repeat(10 * 1024)],
    ["a port over 65535", "localhost:99999"],
    ["brackets without an address", "[zz]"],
    ["a userinfo", "user@evil.example"],
    ["a path", "evil.example/x"],
    ["empty", ""],
  ])("a Host with %s is answered 400 naming /headers/host, and the server answers the next request", async (_name, host) => {
    const r = await get(host);
    expect(r.status, r.text.slice(0, 300)).toBe(400);
    const body = JSON.parse(r.text.slice(r.text.indexOf("\r\n\r\n") + 4)) as { code: string; errors: Array<{ path: string }> };
    expect(body).toMatchObject({ code: "ValidationFailed", errors: [{ path: "/headers/host" }] });
    expect(schemaErrors(Problem, body)).toBe("");
    const next = await get("127.0.0.1");
    expect(next.status).toBe(200);
  });

  it("a missing Host is 400 (HTTP/1.1: by node; HTTP/1.0: by the server), and the server answers the next request", async () => {
    expect((await get(undefined)).status).toBe(400);
    const old = await get(undefined, "/api/health", "1.0");
    expect(old.status).toBe(400);
    expect(old.text).toContain("/headers/host");
    expect((await get("localhost:7071")).status).toBe(200);
  });

  it("well-formed hosts are served, and nothing in an answer is taken from them", async () => {
    for (const host of ["localhost", "localhost:7071", "127.0.0.1:1", "[::1]:7071", "egress-audit.example.net", "evil.example"]) {
      expect((await get(host)).status, host).toBe(200);
    }
    const doc = await raw(`GET /api/openapi.json HTTP/1.1\r\nHost: evil.example\r\nx-functions-key: ${KEY}\r\nConnection: close\r\n\r\n`);
    expect(doc.status).toBe(200);
    expect(doc.text).not.toContain("evil.example");
    // An absolute-form target is served by its path; its authority is ignored like the Host.
    const absolute = await raw(`GET http://evil.example/api/health HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`);
    expect(absolute.status).toBe(200);
    expect(absolute.text).not.toContain("evil.example");
  });
});
