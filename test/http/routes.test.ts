/**
 * Every HTTP function, called as the host calls it (`new HttpRequest`, `new InvocationContext`),
 * on real parts: the ARM emulator over HTTPS, the shared Azurite, a local Teams receiver.
 * Responses are checked against the schemas the OpenAPI document publishes.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
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
import { startScan } from "../../functions/startScan.js";
import { checks } from "../../src/checks/index.js";
import { loadEstate } from "../../src/emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { availableFormats } from "../../src/http/formats.js";
import { HttpRequest } from "../../src/http/azureFunctions.js";
import { MAX_FIELD_ERRORS, ProblemError, problemCatalog } from "../../src/http/problem.js";
import { allRoutes } from "../../src/http/routes.js";
import { CheckList, DriftReport, Health, Problem, ScanPage, ScanSummary, TargetsPage } from "../../src/http/schemas.js";
import { scopeKeyOf } from "../../src/model/scan.js";
import { useServices, type AppServices } from "../../src/app/services.js";
import type { DriftReport as Report } from "../../src/report/report.js";
import { DEMO_SUB_A, DEMO_SUB_B, DEMO_SUB_C, REPO, httpRequest, invocation, readResponse, responseOf, schemaErrors, storageCounts, testServices, type Response } from "../setup/harness.js";
import { startTeamsReceiver, type TeamsReceiver } from "../setup/teamsReceiver.js";

// ajv-formats ships CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

const MARKETING = `/subscriptions/${DEMO_SUB_A}/resourceGroups/rg-dataplatform/providers/Microsoft.HDInsight/clusterPools/pool-marketing`;
const FINANCE = `/subscriptions/${DEMO_SUB_A}/resourceGroups/rg-dataplatform/providers/Microsoft.HDInsight/clusterPools/pool-finance`;
const JSON_HEADERS = { "content-type": "application/json" };
/** What the demo estate is built to show (kept by the estate's authors). */
const expected = JSON.parse(readFileSync(join(REPO, "estates", "demo.expected.json"), "utf8")) as { targets: Record<string, { status: string }> };

let emulator: RunningEmulator;
let receiver: TeamsReceiver;
let services: AppServices;

beforeAll(async () => {
  [emulator, receiver] = await Promise.all([
    loadEstate(join(REPO, "estates", "demo.json")).then((estate) => startEmulator({ estate })),
    startTeamsReceiver(),
  ]);
  services = testServices({ emulator, namespace: "http", receiver });
  useServices(services);
});

afterAll(async () => {
  useServices(undefined);
  await Promise.all([emulator?.close(), receiver?.close()]);
});

type Handler = typeof startScan;
async function call(handler: Handler, ...args: Parameters<typeof httpRequest>): Promise<Response> {
  const { context } = invocation("test");
  return readResponse(await handler(httpRequest(...args), context));
}

function expectJson(r: Response, status: number, schema: Parameters<typeof schemaErrors>[0]): void {
  expect(r.status, r.text.slice(0, 500)).toBe(status);
  expect(r.headers["content-type"]).toMatch(/^application\/json/);
  expect(schemaErrors(schema, r.json)).toBe("");
}

describe("happy paths", () => {
  let firstScan: Report;

  it("GET /api/health answers ok", async () => {
    const r = await call(health, "GET", "/api/health");
    expectJson(r, 200, Health);
    expect(r.headers["cache-control"]).toBe("no-store");
  });

  it("GET /api/checks lists the catalog", async () => {
    const r = await call(listChecks, "GET", "/api/checks", { query: "code=abc" });
    expectJson(r, 200, CheckList);
    expect((r.json as { checks: Array<{ id: string }> }).checks.map((c) => c.id)).toEqual(checks.map((c) => c.meta.id));
  });

  it("POST /api/scans scans, stores and returns the report (201, Location); the first scan of a scope has no diff", async () => {
    const r = await call(startScan, "POST", "/api/scans", { headers: JSON_HEADERS, body: JSON.stringify({ subscriptions: [DEMO_SUB_A, DEMO_SUB_B, DEMO_SUB_C] }) });
    expectJson(r, 201, DriftReport);
    firstScan = r.json as Report;
    expect(r.headers.location).toBe(`/api/scans/${firstScan.scanId}`);
    expect(firstScan.summary.targets).toBe(Object.keys(expected.targets).length);
    expect(firstScan.diff).toBeUndefined();
    expect(receiver.requests).toHaveLength(0);
  });

  it("a second scan of the same scope carries the diff (nothing changed: nothing sent)", async () => {
    const r = await call(startScan, "POST", "/api/scans", {
      query: "format=json",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ subscriptions: [DEMO_SUB_C, DEMO_SUB_B.toUpperCase(), DEMO_SUB_A] }),
    });
    expectJson(r, 201, DriftReport);
    const report = r.json as Report;
    expect(report.diff).toEqual({ new: [], resolved: [], unchanged: firstScan.summary.findings.fail });
    expect(receiver.requests).toHaveLength(0);
  });

  it("GET /api/scans/{scanId} returns the stored report", async () => {
    const r = await call(getScan, "GET", `/api/scans/${firstScan.scanId}`, { params: { scanId: firstScan.scanId } });
    expectJson(r, 200, DriftReport);
    expect(r.json).toEqual(firstScan);
  });

  it("GET /api/scans/{scanId}/summary and /targets page the stored report of a real scan", async () => {
    const summary = await call(getScanSummary, "GET", `/api/scans/${firstScan.scanId}/summary`, { params: { scanId: firstScan.scanId } });
    expectJson(summary, 200, ScanSummary);
    expect(summary.json).toMatchObject({ scanId: firstScan.scanId, summary: firstScan.summary, errors: firstScan.errors, evidence: "failures" });
    const page = await call(listScanTargets, "GET", `/api/scans/${firstScan.scanId}/targets`, { params: { scanId: firstScan.scanId }, query: "limit=200&findings=all" });
    expectJson(page, 200, TargetsPage);
    const items = (page.json as { total: number; items: Array<{ id: string; findings: unknown[] }> }).items;
    expect(items.map((i) => i.id)).toEqual(firstScan.targets.map((t) => t.id));
    expect(items.map((i) => i.findings.length)).toEqual(firstScan.targets.map((t) => t.findings.length));
    const latest = await call(listLatestScanTargets, "GET", "/api/scans/latest/targets", { query: "status=drifted" });
    expectJson(latest, 200, TargetsPage);
    const latestSummary = await call(getLatestScanSummary, "GET", "/api/scans/latest/summary");
    expectJson(latestSummary, 200, ScanSummary);
  });

  it("GET /api/scans/latest returns the newest report, of any scope or of the named one", async () => {
    const any = await call(getLatestScan, "GET", "/api/scans/latest");
    expectJson(any, 200, DriftReport);
    expect((any.json as Report).diff).toBeDefined();
    const scoped = await call(getLatestScan, "GET", "/api/scans/latest", { query: `subscription=${DEMO_SUB_A}&subscription=${DEMO_SUB_B}&subscription=${DEMO_SUB_C}` });
    expectJson(scoped, 200, DriftReport);
    expect((scoped.json as Report).scanId).toBe((any.json as Report).scanId);
  });

  it("POST /api/scans with a target filter reports only those targets, and names a filter target it did not find", async () => {
    const ghost = `/subscriptions/${DEMO_SUB_A}/resourceGroups/rg-dataplatform/providers/Microsoft.HDInsight/clusterpools/pool-ghost`;
    const r = await call(startScan, "POST", "/api/scans", {
      headers: JSON_HEADERS,
      body: JSON.stringify({ subscriptions: [DEMO_SUB_A], targets: [MARKETING.toLowerCase(), ghost] }),
    });
    expectJson(r, 201, DriftReport);
    const report = r.json as Report;
    expect(report.targets.map((t) => t.name)).toEqual(["pool-marketing"]);
    expect(report.summary.targets).toBe(1);
    expect(report.targets[0]!.status).toBe(expected.targets["pool-marketing"]!.status);
    expect(report.errors).toContainEqual(expect.objectContaining({ code: "TargetNotFound", scope: ghost }));
  });

  it("GET /api/scans pages the index newest first with an opaque continuation token", async () => {
    const first = await call(listScans, "GET", "/api/scans", { query: "limit=2" });
    expectJson(first, 200, ScanPage);
    const page1 = first.json as { items: Array<{ scanId: string; finishedAt: string; links: { report: string } }>; continuationToken?: string };
    expect(page1.items).toHaveLength(2);
    expect(page1.continuationToken).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(page1.items[0]!.links.report).toBe(`/api/scans/${page1.items[0]!.scanId}`);
    const second = await call(listScans, "GET", "/api/scans", { query: `limit=2&continuationToken=${page1.continuationToken!}` });
    expectJson(second, 200, ScanPage);
    const page2 = second.json as typeof page1;
    expect(page2.items).toHaveLength(1);
    expect(page2.continuationToken).toBeUndefined();
    const all = [...page1.items, ...page2.items];
    expect(new Set(all.map((i) => i.scanId)).size).toBe(3);
    const times = all.map((i) => i.finishedAt);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it("GET /api/targets/drift?id= audits one target afresh and stores nothing", async () => {
    const before = await services.history!.listScans({ limit: 100 });
    const r = await call(getTargetDrift, "GET", "/api/targets/drift", { query: `id=${encodeURIComponent(MARKETING)}` });
    expectJson(r, 200, DriftReport);
    const report = r.json as Report;
    expect(report.targets).toHaveLength(1);
    expect(report.targets[0]!.name).toBe("pool-marketing");
    expect(report.targets[0]!.status).toBe(expected.targets["pool-marketing"]!.status);
    expect(report.diff).toBeUndefined();
    // Ids compare case-insensitively.
    const decoded = await call(getTargetDrift, "GET", "/api/targets/drift", { query: `id=${encodeURIComponent(FINANCE.toLowerCase())}` });
    expectJson(decoded, 200, DriftReport);
    expect((decoded.json as Report).targets[0]!.status).toBe(expected.targets["pool-finance"]!.status);
    expect((await services.history!.listScans({ limit: 100 })).items).toHaveLength(before.items.length);
  });

  it("?format= serves json, sarif, csv and markdown through the shared renderers", async () => {
    expect(availableFormats().sort()).toEqual(["csv", "json", "markdown", "sarif"]);
    const sarif = await call(getLatestScan, "GET", "/api/scans/latest", { query: "format=sarif" });
    expect(sarif.status).toBe(200);
    expect(sarif.headers["content-type"]).toBe("application/sarif+json");
    expect((sarif.json as { version: string }).version).toBe("2.1.0");
    const csv = await call(getLatestScan, "GET", "/api/scans/latest", { query: "format=csv" });
    expect(csv.headers["content-type"]).toMatch(/^text\/csv/);
    expect(csv.text.split("\n")[0]).toContain("checkId");
    const md = await call(getScan, "GET", `/api/scans/${firstScan.scanId}`, { params: { scanId: firstScan.scanId }, query: "format=markdown" });
    expect(md.headers["content-type"]).toMatch(/^text\/markdown/);
    expect(md.text).toContain("pool-marketing");
    const drift = await call(getTargetDrift, "GET", "/api/targets/drift", { query: `id=${encodeURIComponent(MARKETING)}&format=csv` });
    expect(drift.status).toBe(200);
    // One target's rows only (its evidence may name others: the cluster a dependency list was read from).
    const targetNames = drift.text
      .split("\n")
      .slice(1)
      .map((line) => /^"[^"]*","[^"]*","([^"]*)",/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined);
    expect(targetNames.length).toBeGreaterThan(0);
    expect(new Set(targetNames)).toEqual(new Set(["pool-marketing"]));
  });

  it("GET /api/openapi.json documents every route from the same schemas, with the problems each can answer", async () => {
    const r = await call(getOpenApi, "GET", "/api/openapi.json");
    expect(r.status).toBe(200);
    const doc = r.json as {
      openapi: string;
      paths: Record<string, Record<string, { operationId: string; parameters: Array<{ name: string; in: string }>; responses: Record<string, unknown>; security: unknown[] }>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toBe("3.1.0");
    for (const { spec } of allRoutes()) {
      const op = doc.paths[`/${spec.route}`]?.[spec.method.toLowerCase()];
      expect(op?.operationId, spec.name).toBe(spec.name);
      for (const code of spec.problems) expect(Object.keys(op!.responses)).toContain(String(problemCatalog[code].status));
      expect(op!.security.length === 0).toBe(spec.authLevel === "anonymous");
    }
    expect(doc.paths["/scans/{scanId}"]!.get!.parameters).toContainEqual(expect.objectContaining({ name: "scanId", in: "path" }));
    expect(doc.paths["/scans"]!.post!.responses["201"]).toBeDefined();
    // Every $ref resolves.
    const refs = JSON.stringify(doc).match(/"\$ref":"#\/components\/schemas\/(\w+)"/g) ?? [];
    expect(refs.length).toBeGreaterThan(5);
    for (const ref of refs) expect(doc.components.schemas).toHaveProperty(/schemas\/(\w+)/.exec(ref)![1]!);
    // The published schemas are valid JSON Schema 2020-12 (the OpenAPI 3.1 dialect) and accept a real report.
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile({ $ref: "#/components/schemas/DriftReport", components: doc.components });
    const report = await services.scan({ subscriptionIds: [DEMO_SUB_B] });
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...report, extra: 1 })).toBe(false);
  });
});

interface BadCase {
  name: string;
  handler: Handler;
  request: Parameters<typeof httpRequest>;
  status: number;
  code: keyof typeof problemCatalog;
  /** Field paths the problem must name. */
  paths?: string[];
  /** Text the detail must contain. */
  detail?: RegExp;
}

const GUID_X = "0b0b0b0b-0000-4000-8000-00000000000b";
const big = (n: number) => JSON.stringify({ subscriptions: [DEMO_SUB_A], padding: "x".repeat(n) });
const post = (body: string | undefined, headers: Record<string, string> = JSON_HEADERS, query?: string): Parameters<typeof httpRequest> => [
  "POST",
  "/api/scans",
  { headers, ...(body !== undefined ? { body } : {}), ...(query ? { query } : {}) },
];
const get = (path: string, init: Parameters<typeof httpRequest>[2] = {}): Parameters<typeof httpRequest> => ["GET", path, init];
const target = (id: string) => get("/api/targets/drift", { query: `id=${encodeURIComponent(id)}` });

const badCases: BadCase[] = [
  // POST /api/scans
  { name: "scans: malformed JSON", handler: startScan, request: post('{"subscriptions": ['), status: 400, code: "MalformedJson", detail: /not valid JSON/ },
  { name: "scans: body is a JSON array", handler: startScan, request: post("[]"), status: 400, code: "ValidationFailed", paths: ["/body"] },
  { name: "scans: body is null", handler: startScan, request: post("null"), status: 400, code: "ValidationFailed", paths: ["/body"] },
  { name: "scans: subscriptions of the wrong type", handler: startScan, request: post('{"subscriptions":"all"}'), status: 400, code: "ValidationFailed", paths: ["/body/subscriptions"] },
  { name: "scans: a subscription of the wrong type", handler: startScan, request: post('{"subscriptions":[42]}'), status: 400, code: "ValidationFailed", paths: ["/body/subscriptions/0"] },
  { name: "scans: unknown field", handler: startScan, request: post(JSON.stringify({ subscriptions: [DEMO_SUB_A], webhook: "https://evil.example" })), status: 400, code: "ValidationFailed", paths: ["/body/webhook"], detail: /is not a known field/ },
  { name: "scans: subscriptions missing", handler: startScan, request: post("{}"), status: 400, code: "ValidationFailed", paths: ["/body/subscriptions"], detail: /is required/ },
  { name: "scans: no subscription", handler: startScan, request: post('{"subscriptions":[]}'), status: 400, code: "ValidationFailed", paths: ["/body/subscriptions"] },
  { name: "scans: malformed subscription id", handler: startScan, request: post('{"subscriptions":["not-a-guid"]}'), status: 400, code: "ValidationFailed", paths: ["/body/subscriptions/0"], detail: /must be a subscription id/ },
  { name: "scans: targets of the wrong type", handler: startScan, request: post(JSON.stringify({ subscriptions: [DEMO_SUB_A], targets: MARKETING })), status: 400, code: "ValidationFailed", paths: ["/body/targets"] },
  { name: "scans: target id with path traversal", handler: startScan, request: post(JSON.stringify({ subscriptions: [DEMO_SUB_A], targets: [`/subscriptions/${DEMO_SUB_A}/resourceGroups/../providers/Microsoft.HDInsight/clusterpools/p`] })), status: 400, code: "ValidationFailed", paths: ["/body/targets/0"], detail: /ARM id of a cluster pool/ },
  { name: "scans: target id on another host", handler: startScan, request: post(JSON.stringify({ subscriptions: [DEMO_SUB_A], targets: [`https://evil.example${MARKETING}`] })), status: 400, code: "ValidationFailed", paths: ["/body/targets/0"] },
  { name: "scans: target id of another resource type", handler: startScan, request: post(JSON.stringify({ subscriptions: [DEMO_SUB_A], targets: [`/subscriptions/${DEMO_SUB_A}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v`] })), status: 400, code: "ValidationFailed", paths: ["/body/targets/0"] },
  { name: "scans: target outside the subscriptions", handler: startScan, request: post(JSON.stringify({ subscriptions: [DEMO_SUB_B], targets: [MARKETING] })), status: 400, code: "TargetOutsideScope", paths: ["/body/targets/0"] },
  { name: "scans: oversize body", handler: startScan, request: post(big(70 * 1024)), status: 413, code: "PayloadTooLarge" },
  { name: "scans: oversize declared Content-Length", handler: startScan, request: post('{"subscriptions":[]}', { ...JSON_HEADERS, "content-length": String(10 * 1024 * 1024) }), status: 413, code: "PayloadTooLarge" },
  { name: "scans: not JSON media type", handler: startScan, request: post(JSON.stringify({ subscriptions: [DEMO_SUB_A] }), { "content-type": "text/plain" }), status: 415, code: "UnsupportedMediaType" },
  { name: "scans: no body", handler: startScan, request: post(undefined), status: 400, code: "MissingBody" },
  { name: "scans: unknown query field", handler: startScan, request: post(JSON.stringify({ subscriptions: [DEMO_SUB_A] }), JSON_HEADERS, "dryRun=true"), status: 400, code: "ValidationFailed", paths: ["/query/dryRun"] },
  { name: "scans: unknown format", handler: startScan, request: post(JSON.stringify({ subscriptions: [DEMO_SUB_A] }), JSON_HEADERS, "format=xml"), status: 400, code: "ValidationFailed", paths: ["/query/format"] },
  // GET /api/scans/latest
  { name: "latest: malformed subscription", handler: getLatestScan, request: get("/api/scans/latest", { query: "subscription=nope" }), status: 400, code: "ValidationFailed", paths: ["/query/subscription/0"] },
  { name: "latest: unknown query field", handler: getLatestScan, request: get("/api/scans/latest", { query: "since=yesterday" }), status: 400, code: "ValidationFailed", paths: ["/query/since"] },
  { name: "latest: a body on GET", handler: getLatestScan, request: get("/api/scans/latest", { headers: { "content-length": "12", "content-type": "application/json" } }), status: 400, code: "UnexpectedBody" },
  { name: "latest: oversize body on GET", handler: getLatestScan, request: get("/api/scans/latest", { headers: { "content-length": String(1024 * 1024) } }), status: 413, code: "PayloadTooLarge" },
  { name: "latest: no scan of that scope", handler: getLatestScan, request: get("/api/scans/latest", { query: `subscription=${GUID_X}` }), status: 404, code: "NoScans" },
  // GET /api/scans/{scanId}
  { name: "scan: malformed id (traversal)", handler: getScan, request: get("/api/scans/x", { params: { scanId: "../../locks/all" } }), status: 400, code: "ValidationFailed", paths: ["/params/scanId"], detail: /must be a scan id/ },
  { name: "scan: malformed id (encoded traversal)", handler: getScan, request: get("/api/scans/x", { params: { scanId: "..%2F..%2Freports%2Fx" } }), status: 400, code: "ValidationFailed", paths: ["/params/scanId"] },
  { name: "scan: unknown id", handler: getScan, request: get(`/api/scans/${GUID_X}`, { params: { scanId: GUID_X } }), status: 404, code: "ScanNotFound", detail: new RegExp(GUID_X) },
  { name: "scan: unknown query field", handler: getScan, request: get(`/api/scans/${GUID_X}`, { params: { scanId: GUID_X }, query: "limit=1" }), status: 400, code: "ValidationFailed", paths: ["/query/limit"] },
  { name: "scan: unknown format", handler: getScan, request: get(`/api/scans/${GUID_X}`, { params: { scanId: GUID_X }, query: "format=pdf" }), status: 400, code: "ValidationFailed", paths: ["/query/format"] },
  // GET /api/scans/{scanId}/summary, /api/scans/latest/summary, /api/scans/{scanId}/targets, /api/scans/latest/targets
  { name: "summary: malformed id", handler: getScanSummary, request: get("/api/scans/x/summary", { params: { scanId: "../../pages/x" } }), status: 400, code: "ValidationFailed", paths: ["/params/scanId"] },
  { name: "summary: unknown id", handler: getScanSummary, request: get(`/api/scans/${GUID_X}/summary`, { params: { scanId: GUID_X } }), status: 404, code: "ScanNotFound" },
  { name: "summary: unknown query field", handler: getScanSummary, request: get(`/api/scans/${GUID_X}/summary`, { params: { scanId: GUID_X }, query: "format=csv" }), status: 400, code: "ValidationFailed", paths: ["/query/format"] },
  { name: "latest summary: malformed subscription", handler: getLatestScanSummary, request: get("/api/scans/latest/summary", { query: "subscription=nope" }), status: 400, code: "ValidationFailed", paths: ["/query/subscription/0"] },
  { name: "latest summary: no scan of that scope", handler: getLatestScanSummary, request: get("/api/scans/latest/summary", { query: `subscription=${GUID_X}` }), status: 404, code: "NoScans" },
  { name: "targets: bad status", handler: listScanTargets, request: get(`/api/scans/${GUID_X}/targets`, { params: { scanId: GUID_X }, query: "status=red" }), status: 400, code: "ValidationFailed", paths: ["/query/status"] },
  { name: "targets: unknown check", handler: listScanTargets, request: get(`/api/scans/${GUID_X}/targets`, { params: { scanId: GUID_X }, query: "check=nope" }), status: 400, code: "ValidationFailed", paths: ["/query/check"] },
  { name: "targets: forged continuation token", handler: listScanTargets, request: get(`/api/scans/${GUID_X}/targets`, { params: { scanId: GUID_X }, query: `continuationToken=${Buffer.from(`${GUID_X}.0000000000000000.5.000000000000`).toString("base64url")}` }), status: 400, code: "ValidationFailed", paths: ["/query/continuationToken"] },
  { name: "targets: unknown id", handler: listScanTargets, request: get(`/api/scans/${GUID_X}/targets`, { params: { scanId: GUID_X } }), status: 404, code: "ScanNotFound" },
  { name: "latest targets: limit too large", handler: listLatestScanTargets, request: get("/api/scans/latest/targets", { query: "limit=500" }), status: 400, code: "ValidationFailed", paths: ["/query/limit"] },
  { name: "latest targets: no scan of that scope", handler: listLatestScanTargets, request: get("/api/scans/latest/targets", { query: `subscription=${GUID_X}` }), status: 404, code: "NoScans" },
  // GET /api/scans
  { name: "list: limit of the wrong type", handler: listScans, request: get("/api/scans", { query: "limit=ten" }), status: 400, code: "ValidationFailed", paths: ["/query/limit"], detail: /must be integer/ },
  { name: "list: limit too small", handler: listScans, request: get("/api/scans", { query: "limit=0" }), status: 400, code: "ValidationFailed", paths: ["/query/limit"] },
  { name: "list: limit too large", handler: listScans, request: get("/api/scans", { query: "limit=1000" }), status: 400, code: "ValidationFailed", paths: ["/query/limit"] },
  { name: "list: limit repeated", handler: listScans, request: get("/api/scans", { query: "limit=1&limit=2" }), status: 400, code: "ValidationFailed", paths: ["/query/limit"] },
  { name: "list: malformed continuation token", handler: listScans, request: get("/api/scans", { query: "continuationToken=%27%20or%201%3D1" }), status: 400, code: "ValidationFailed", paths: ["/query/continuationToken"] },
  { name: "list: forged continuation token", handler: listScans, request: get("/api/scans", { query: `continuationToken=${Buffer.from("PartitionKey ne 'x'").toString("base64url")}` }), status: 400, code: "ValidationFailed", paths: ["/query/continuationToken"] },
  { name: "list: unknown query field", handler: listScans, request: get("/api/scans", { query: "order=asc" }), status: 400, code: "ValidationFailed", paths: ["/query/order"] },
  // GET /api/targets/drift?id=
  { name: "drift: no id", handler: getTargetDrift, request: get("/api/targets/drift"), status: 400, code: "ValidationFailed", paths: ["/query/id"], detail: /is required/ },
  { name: "drift: id repeated", handler: getTargetDrift, request: get("/api/targets/drift", { query: `id=${encodeURIComponent(MARKETING)}&id=${encodeURIComponent(FINANCE)}` }), status: 400, code: "ValidationFailed", paths: ["/query/id"] },
  { name: "drift: not an ARM id", handler: getTargetDrift, request: target("pool-marketing"), status: 400, code: "ValidationFailed", paths: ["/query/id"], detail: /ARM id of a cluster pool/ },
  { name: "drift: encoded path traversal", handler: getTargetDrift, request: target(encodeURIComponent(`/subscriptions/${DEMO_SUB_A}/resourceGroups/../providers/Microsoft.HDInsight/clusterpools/p`)), status: 400, code: "ValidationFailed", paths: ["/query/id"] },
  { name: "drift: double-encoded id", handler: getTargetDrift, request: target(encodeURIComponent(encodeURIComponent(MARKETING))), status: 400, code: "ValidationFailed", paths: ["/query/id"] },
  { name: "drift: id with a query", handler: getTargetDrift, request: target(`${MARKETING}?api-version=1`), status: 400, code: "ValidationFailed", paths: ["/query/id"] },
  { name: "drift: another resource type", handler: getTargetDrift, request: target(`/subscriptions/${DEMO_SUB_A}/resourceGroups/rg-hub/providers/Microsoft.Network/azureFirewalls/fw-hub`), status: 400, code: "ValidationFailed", paths: ["/query/id"] },
  { name: "drift: malformed subscription in the id", handler: getTargetDrift, request: target("/subscriptions/xyz/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a"), status: 400, code: "ValidationFailed", paths: ["/query/id"] },
  { name: "drift: unknown target", handler: getTargetDrift, request: target(`/subscriptions/${DEMO_SUB_A}/resourceGroups/rg-dataplatform/providers/Microsoft.HDInsight/clusterpools/pool-ghost`), status: 404, code: "TargetNotFound", detail: /pool-ghost/ },
  { name: "drift: unknown query field", handler: getTargetDrift, request: get("/api/targets/drift", { query: `id=${encodeURIComponent(MARKETING)}&fresh=1` }), status: 400, code: "ValidationFailed", paths: ["/query/fresh"] },
  // GET /api/checks, /api/openapi.json, /api/health
  { name: "checks: unknown query field", handler: listChecks, request: get("/api/checks", { query: "severity=high" }), status: 400, code: "ValidationFailed", paths: ["/query/severity"] },
  { name: "checks: oversize body on GET", handler: listChecks, request: get("/api/checks", { headers: { "content-length": String(65 * 1024 + 1) } }), status: 413, code: "PayloadTooLarge" },
  { name: "openapi: unknown query field", handler: getOpenApi, request: get("/api/openapi.json", { query: "format=yaml" }), status: 400, code: "ValidationFailed", paths: ["/query/format"] },
  { name: "openapi: a body on GET", handler: getOpenApi, request: get("/api/openapi.json", { headers: { "content-length": "2" } }), status: 400, code: "UnexpectedBody" },
  { name: "health: unknown query field", handler: health, request: get("/api/health", { query: "verbose=true" }), status: 400, code: "ValidationFailed", paths: ["/query/verbose"] },
  { name: "health: a body on GET", handler: health, request: get("/api/health", { headers: { "content-length": "5" } }), status: 400, code: "UnexpectedBody" },
];

describe(`bad input: ${badCases.length} cases, each a 4xx problem+json naming the problem, nothing stored, nothing sent`, () => {
  it.each(badCases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const history = services.history!;
    const countsBefore = await storageCounts(history);
    const postsBefore = receiver.requests.length;
    const r = await call(c.handler, ...c.request);
    expect(r.status, r.text).toBe(c.status);
    expect(r.headers["content-type"]).toBe("application/problem+json; charset=utf-8");
    expect(schemaErrors(Problem, r.json)).toBe("");
    const problem = r.json as { code: string; status: number; detail: string; instance: string; errors?: Array<{ path: string }> };
    expect(problem.code).toBe(c.code);
    expect(problem.status).toBe(c.status);
    expect(problem.instance.startsWith("/api/")).toBe(true);
    expect(problem.instance).not.toContain("?");
    for (const p of c.paths ?? []) expect(problem.errors?.map((e) => e.path)).toContain(p);
    if (c.detail) expect(problem.detail).toMatch(c.detail);
    expect(await storageCounts(history)).toEqual(countsBefore);
    expect(receiver.requests.length).toBe(postsBefore);
  });

  it("covers every route", () => {
    const handlers = new Set(badCases.map((c) => c.handler));
    expect(handlers.size).toBe(allRoutes().length);
  });
});

describe("service conditions", () => {
  it("answers 409 ScanInProgress while another scan of the same scope holds its lock, and stores nothing", async () => {
    const history = services.history!;
    const lock = await history.acquireLock(scopeKeyOf({ subscriptions: [DEMO_SUB_A] }));
    try {
      const before = await storageCounts(history);
      const r = await call(startScan, "POST", "/api/scans", { headers: JSON_HEADERS, body: JSON.stringify({ subscriptions: [DEMO_SUB_A] }) });
      expect(r.status).toBe(409);
      expect(r.json).toMatchObject({ code: "ScanInProgress" });
      // Only the lock blob (already there) may exist; no report, no index row, no state.
      expect(await storageCounts(history)).toEqual(before);
    } finally {
      await lock!.release();
    }
  });

  it("answers 503 StorageNotConfigured on history routes without storage, and 5xx problems carry no internals", async () => {
    useServices(testServices({ emulator, namespace: "http", noStorage: true }));
    try {
      const r = await call(getLatestScan, "GET", "/api/scans/latest");
      expect(r.status).toBe(503);
      expect(r.json).toMatchObject({ code: "StorageNotConfigured" });
      const s = await call(startScan, "POST", "/api/scans", { headers: JSON_HEADERS, body: JSON.stringify({ subscriptions: [DEMO_SUB_A] }) });
      expect(s.status).toBe(503);
    } finally {
      useServices(services);
    }
  });

  it("answers 502 ArmUnreachable with a generic detail when ARM cannot be reached", async () => {
    const dead = testServices({ emulator: { ...emulator, url: "https://127.0.0.1:1" }, namespace: "http" });
    useServices(dead);
    try {
      const { context, lines } = invocation("getTargetDrift");
      const r = responseOf(await getTargetDrift(httpRequest("GET", "/api/targets/drift", { query: `id=${encodeURIComponent(MARKETING)}` }), context));
      expect(r.status).toBe(502);
      expect(r.json).toMatchObject({ code: "ArmUnreachable" });
      expect(r.text).not.toContain("127.0.0.1");
      expect(r.text).not.toContain("ECONNREFUSED");
      expect(lines.join("\n")).toContain("ECONNREFUSED"); // the cause is in the log
    } finally {
      useServices(services);
    }
  });
});

describe("bounded and fixed answers", () => {
  it("a 32 KB body with 16,000 bad items answers at most 20 field errors and says how many were left out", async () => {
    const history = services.history!;
    const before = await storageCounts(history);
    const body = JSON.stringify({ subscriptions: new Array<number>(16_000).fill(0) });
    expect(body.length).toBeLessThan(64 * 1024);
    const r = await call(startScan, "POST", "/api/scans", { headers: JSON_HEADERS, body });
    expect(r.status).toBe(400);
    expect(schemaErrors(Problem, r.json)).toBe("");
    const problem = r.json as { code: string; detail: string; errors: Array<{ path: string; message: string }> };
    expect(problem.code).toBe("ValidationFailed");
    // maxItems, then one "must be string" per item: 16,001 in all, 20 listed, the rest counted.
    expect(problem.errors).toHaveLength(MAX_FIELD_ERRORS);
    expect(MAX_FIELD_ERRORS).toBe(20);
    expect(problem.errors.map((e) => e.path)).toContain("/body/subscriptions/0");
    expect(problem.detail).toMatch(/^16001 fields failed validation: /);
    expect(problem.detail).toContain("errors lists the first 20 of 16001; 15981 more were left out");
    expect(r.text.length).toBeLessThan(8 * 1024);
    expect(await storageCounts(history)).toEqual(before);
  });

  it("caps every problem's field list, not only validation's (TargetOutsideScope included)", () => {
    const many = Array.from({ length: 100 }, (_, i) => ({ path: `/body/targets/${i}`, message: "is outside" }));
    const err = new ProblemError("TargetOutsideScope", "100 target(s) are outside the scanned subscriptions", many);
    expect(err.errors).toHaveLength(20);
    expect(err.omittedErrors).toBe(80);
    expect(err.detail).toBe("100 target(s) are outside the scanned subscriptions (errors lists the first 20 of 100; 80 more were left out)");
    const few = new ProblemError("ValidationFailed", "2 fields failed validation", many.slice(0, 2));
    expect(few.errors).toHaveLength(2);
    expect(few.omittedErrors).toBe(0);
    expect(few.detail).toBe("2 fields failed validation");
  });

  it("the OpenAPI servers URL is the configured base or /api, never the request's Host", async () => {
    const openApiWith = async (host: string) => {
      const { context } = invocation("getOpenApi");
      const request = new HttpRequest({ method: "GET", url: `https://${host}/api/openapi.json`, headers: { host, "x-forwarded-host": host }, params: {} });
      const r = responseOf(await getOpenApi(request, context));
      expect(r.status, r.text.slice(0, 300)).toBe(200);
      expect(r.text).not.toContain("evil.example");
      return (r.json as { servers: Array<{ url: string }> }).servers;
    };
    // testServices sets PUBLIC_BASE_URL=https://egress-audit.example.net.
    expect(await openApiWith("evil.example")).toEqual([{ url: "https://egress-audit.example.net/api" }]);
    useServices(testServices({ emulator, namespace: "http", env: { PUBLIC_BASE_URL: "" } }));
    try {
      expect(await openApiWith("evil.example:8443")).toEqual([{ url: "/api" }]);
    } finally {
      useServices(services);
    }
  });
});
