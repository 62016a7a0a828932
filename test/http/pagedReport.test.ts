/**
 * The paged report API on a stored 2,000-target report (issue 14), called as the host calls the
 * functions, on the real HistoryStore over the shared Azurite: every filter selects exactly the
 * targets the in-memory report says, continuation walks every page once, a forged token is a 400
 * naming the field, the first page reads the summary, the index and one chunk (never the whole
 * report), the summary equals counts recomputed from the report, a version-1 blob stored the old
 * way serves every route, and `format=json` of the whole report arrives streamed.
 */
import { randomUUID } from "node:crypto";
import { BlobServiceClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HttpResponseInit } from "@azure/functions";
import { getLatestScan } from "../../functions/getLatestScan.js";
import { getLatestScanSummary } from "../../functions/getLatestScanSummary.js";
import { getScan } from "../../functions/getScan.js";
import { getScanSummary } from "../../functions/getScanSummary.js";
import { listLatestScanTargets } from "../../functions/listLatestScanTargets.js";
import { listScanTargets } from "../../functions/listScanTargets.js";
import { createServices, useServices, type AppServices } from "../../src/app/services.js";
import { checks as registry } from "../../src/checks/index.js";
import type { Severity } from "../../src/checks/lib/types.js";
import { readAppSettings } from "../../src/config/appSettings.js";
import { scopeKeyOf } from "../../src/model/scan.js";
import { DriftReport as DriftReportSchema, ScanSummary, TargetsPage, Problem } from "../../src/http/schemas.js";
import { createStorageClients } from "../../src/store/clients.js";
import { HistoryStore } from "../../src/store/history.js";
import { readReport } from "../../src/report/read.js";
import { buildReport, toReportFinding, type DriftReport, type ReportFinding, type TargetReport } from "../../src/report/report.js";
import { azurite, httpRequest, invocation, readResponse, schemaErrors } from "../setup/harness.js";

const SUBS = ["11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222", "33333333-3333-4333-8333-333333333333", "44444444-4444-4444-8444-444444444444"];
const CHECKS = registry.slice(0, 8).map((c) => c.meta);
const SEVERITIES: Severity[] = ["critical", "high", "medium", "low", "info"];

/** A deterministic pseudo-random sequence (mulberry32). */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A generated report of `count` targets: statuses, severities, suppressions, tags and evidence
 * spread over the targets; a large evidence value shared by many targets (written once per chunk).
 */
function generatedReport(count: number, seed: number): DriftReport {
  const random = prng(seed);
  const sharedRules = { rules: Array.from({ length: 12 }, (_, i) => ({ name: `rule-${i}`, fqdn: `host-${i}.example.net`, port: 443 })) };
  const targets: TargetReport[] = [];
  for (let i = 0; i < count; i++) {
    const sub = SUBS[i % SUBS.length]!;
    const aks = i % 3 === 0;
    const name = aks ? `aks-${i}` : `pool-${i}`;
    const id = `/subscriptions/${sub}/resourceGroups/rg-${i % 7}/providers/${aks ? "Microsoft.ContainerService/managedClusters" : "Microsoft.HDInsight/clusterpools"}/${name}`;
    const findings: ReportFinding[] = CHECKS.map((c, k) => {
      const r = random();
      const status = r < 0.12 ? "fail" : r < 0.2 ? "unknown" : "pass";
      const severity = random() < 0.3 ? SEVERITIES[Math.floor(random() * SEVERITIES.length)]! : c.defaultSeverity;
      return {
        id: `${c.id}:${String(i).padStart(8, "0")}${String(k).padStart(12, "0")}`,
        checkId: c.id,
        status,
        severity,
        resourceId: id,
        message: `${c.id} on ${name}: ${status}`,
        expected: "as the baseline says",
        actual: status === "pass" ? "as expected" : "something else",
        evidence: { policy: sharedRules, detail: `${name}/${k}` },
        ...(status === "fail" && random() < 0.25 ? { suppressed: { reason: "accepted risk", owner: "team-data" } } : {}),
      };
    });
    const drift = findings.some((f) => f.status === "fail" && !f.suppressed);
    const unknown = findings.some((f) => f.status === "unknown");
    targets.push({
      id,
      kind: aks ? "aksCluster" : "clusterPool",
      name,
      subscriptionId: sub,
      ...(i % 4 !== 1 ? { tags: { team: ["data", "web", "ml"][i % 3]!, env: i % 5 === 0 ? "Prod" : "dev" } } : {}),
      status: drift ? "drifted" : unknown ? "unknown" : "compliant",
      findings,
    });
  }
  const report = buildReport({
    startedAt: new Date("2025-01-01T00:00:00Z"),
    // Seed 1 (the big report) is the newest: the latest routes serve it.
    finishedAt: new Date(Date.parse("2025-01-01T00:05:00Z") - seed * 1000),
    subscriptions: SUBS,
    targets,
    stats: { armRequests: 1234, throttled: 2, retries: 3 },
    errors: [{ scope: `/subscriptions/${SUBS[0]}`, code: "AuthorizationFailed", message: "no read on a resource group" }],
    scanId: randomUUID(),
  });
  return { ...report, diff: { new: ["a:1", "b:2"], resolved: ["c:3"], unchanged: 7 } };
}

/** The report as the history keeps it with `evidence`: findings in report form, pass evidence per mode. */
function asStored(report: DriftReport, evidence: "failures" | "all"): DriftReport {
  return { ...report, targets: report.targets.map((t) => ({ ...t, findings: t.findings.map((f) => toReportFinding(f, evidence)) })) };
}

const reads: Array<{ name: string; bytes: number }> = [];
let history: HistoryStore;
let services: AppServices;
let big: DriftReport;
let withPassEvidence: DriftReport;
let legacyId: string;
let legacy: Record<string, unknown>;

async function commit(report: DriftReport, scopeKey: string): Promise<void> {
  await history.commitScan({ scopeKey, scope: { subscriptions: report.scope.subscriptions }, report, next: [], removed: [], stale: 0, trigger: "http", notification: "not-needed" });
}

beforeAll(async () => {
  const settings = readAppSettings({ AzureWebJobsStorage: azurite(), AZURE_ARM_ENDPOINT: "https://127.0.0.1:1", AZURE_ARM_TOKEN: "t" });
  history = new HistoryStore(createStorageClients(settings.storage!), { namespace: "pages", onBlobRead: (name, bytes) => reads.push({ name, bytes }) });
  services = { ...createServices(settings, { historyNamespace: "pages" }), history };
  useServices(services);

  withPassEvidence = generatedReport(250, 2);
  await history.saveReport(withPassEvidence, { evidence: "all" });
  await commit(withPassEvidence, "scope-all");

  // A version-1 report stored the old way: one uncompressed string, remediation and evidence on every finding.
  const v1 = generatedReport(120, 3);
  legacyId = v1.scanId;
  const { checks: _catalog, ...head } = v1;
  legacy = {
    ...head,
    schemaVersion: "1.3",
    targets: v1.targets.map((t) => ({ ...t, findings: t.findings.map((f) => ({ ...f, remediation: `fix ${f.checkId}` })) })),
  };
  const text = JSON.stringify(legacy);
  await history.ensure();
  const container = BlobServiceClient.fromConnectionString(azurite()).getContainerClient(history.names.container);
  await container.getBlockBlobClient(`reports/${legacyId}.json`).upload(text, Buffer.byteLength(text), { blobHTTPHeaders: { blobContentType: "application/json; charset=utf-8" } });
  await commit(v1, "scope-v1");

  big = generatedReport(2000, 1);
  await history.saveReport(big);
  await commit(big, scopeKeyOf({ subscriptions: SUBS }));
}, 120_000);

afterAll(() => useServices(undefined));

type Handler = (request: ReturnType<typeof httpRequest>, context: ReturnType<typeof invocation>["context"]) => Promise<HttpResponseInit>;
async function call(handler: Handler, path: string, init: Parameters<typeof httpRequest>[2] = {}) {
  return readResponse(await handler(httpRequest("GET", path, init), invocation("test").context));
}

interface Page {
  scanId: string;
  total: number;
  items: Array<{ id: string; name: string; status: string; counts: Record<string, number>; findings: ReportFinding[]; tags?: Record<string, string> }>;
  continuationToken?: string;
  links: { next?: string };
}

/** Walks every page of a filter; checks each against the schema. */
async function walk(scanId: string, filter: string, limit: number): Promise<{ ids: string[]; totals: number[]; pages: Page[] }> {
  const ids: string[] = [];
  const totals: number[] = [];
  const pages: Page[] = [];
  let token: string | undefined;
  do {
    const query = [filter, `limit=${limit}`, token ? `continuationToken=${token}` : ""].filter(Boolean).join("&");
    const r = await call(listScanTargets, `/api/scans/${scanId}/targets`, { params: { scanId }, query });
    expect(r.status, r.text.slice(0, 300)).toBe(200);
    expect(schemaErrors(TargetsPage, r.json)).toBe("");
    const page = r.json as Page;
    pages.push(page);
    ids.push(...page.items.map((i) => i.id));
    totals.push(page.total);
    token = page.continuationToken;
    if (token) expect(page.links.next).toContain(`continuationToken=${token}`);
    else expect(page.links.next).toBeUndefined();
  } while (token);
  return { ids, totals, pages };
}

const hasCheck = (t: TargetReport, check: string) => t.findings.some((f) => f.checkId === check && f.status !== "pass");
const hasSeverity = (t: TargetReport, sev: string) => t.findings.some((f) => f.severity === sev && (f.status === "unknown" || (f.status === "fail" && !f.suppressed)));
const matchesQ = (t: TargetReport, q: string) =>
  [t.name, t.id, t.subscriptionId, ...Object.entries(t.tags ?? {}).flat()].some((s) => s.toLowerCase().includes(q.toLowerCase()));

describe("targets, in pages", () => {
  const cases: Array<[string, (t: TargetReport) => boolean]> = [
    ["", () => true],
    ["status=drifted", (t) => t.status === "drifted"],
    ["status=compliant", (t) => t.status === "compliant"],
    ["status=unknown", (t) => t.status === "unknown"],
    [`check=${CHECKS[2]!.id}`, (t) => hasCheck(t, CHECKS[2]!.id)],
    ["severity=critical", (t) => hasSeverity(t, "critical")],
    ["severity=info", (t) => hasSeverity(t, "info")],
    ["q=PROD", (t) => matchesQ(t, "prod")],
    [`q=${SUBS[1]!.slice(0, 8)}`, (t) => matchesQ(t, SUBS[1]!.slice(0, 8))],
    ["q=aks-1", (t) => matchesQ(t, "aks-1")],
    [`status=drifted&severity=high&check=${CHECKS[0]!.id}&q=data`, (t) => t.status === "drifted" && hasSeverity(t, "high") && hasCheck(t, CHECKS[0]!.id) && matchesQ(t, "data")],
  ];

  it.each(cases)("filter %j selects exactly the targets the report says, every page once", async (filter, predicate) => {
    const expected = big.targets.filter(predicate).map((t) => t.id);
    expect(expected.length, "the filter must select something for the test to mean anything").toBeGreaterThan(0);
    const { ids, totals, pages } = await walk(big.scanId, filter, 173);
    expect(ids).toEqual(expected);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(totals)).toEqual(new Set([expected.length]));
    expect(pages.length).toBe(Math.max(1, Math.ceil(expected.length / 173)));
  }, 60_000);

  it("id= selects one target case-insensitively; items carry fail and unknown findings only, without pass evidence", async () => {
    const t = big.targets[1234]!;
    const r = await call(listScanTargets, `/api/scans/${big.scanId}/targets`, { params: { scanId: big.scanId }, query: `id=${encodeURIComponent(t.id.toUpperCase())}` });
    expect(r.status, r.text.slice(0, 300)).toBe(200);
    const page = r.json as Page;
    expect(page.items.map((i) => i.id)).toEqual([t.id]);
    expect(page.items[0]!.findings).toEqual(t.findings.filter((f) => f.status !== "pass").map((f) => toReportFinding(f, "failures")));
    expect(page.items[0]!.counts).toEqual({
      fail: t.findings.filter((f) => f.status === "fail").length,
      pass: t.findings.filter((f) => f.status === "pass").length,
      unknown: t.findings.filter((f) => f.status === "unknown").length,
    });
    const all = await call(listScanTargets, `/api/scans/${big.scanId}/targets`, { params: { scanId: big.scanId }, query: `id=${encodeURIComponent(t.id)}&findings=all` });
    const item = (all.json as Page).items[0]!;
    expect(item.findings).toHaveLength(t.findings.length);
    for (const f of item.findings) expect(f.evidence === undefined).toBe(f.status === "pass");
  });

  it("the latest route pages the newest scan, and its token keeps to that scan", async () => {
    const first = await call(listLatestScanTargets, "/api/scans/latest/targets", { query: "status=drifted&limit=10" });
    expect(first.status).toBe(200);
    expect(schemaErrors(TargetsPage, first.json)).toBe("");
    const page = first.json as Page;
    expect(page.scanId).toBe(big.scanId);
    const next = new URL(page.links.next!, "https://host");
    expect(next.pathname).toBe(`/api/scans/${big.scanId}/targets`);
    expect(Object.fromEntries(next.searchParams)).toMatchObject({ status: "drifted", limit: "10", continuationToken: page.continuationToken });
    expect(next.searchParams.has("code")).toBe(false);
    const second = await call(listLatestScanTargets, "/api/scans/latest/targets", { query: `status=drifted&limit=10&continuationToken=${page.continuationToken!}` });
    expect((second.json as Page).items.map((i) => i.id)).toEqual(big.targets.filter((t) => t.status === "drifted").slice(10, 20).map((t) => t.id));
    const scoped = await call(listLatestScanTargets, "/api/scans/latest/targets", { query: `subscription=${SUBS[0]}&subscription=${SUBS[1]}&subscription=${SUBS[2]}&subscription=${SUBS[3]}&limit=1` });
    expect(scoped.status).toBe(200);
  });

  it("a forged, edited or foreign continuation token is a 400 naming /query/continuationToken", async () => {
    const first = (await call(listScanTargets, `/api/scans/${big.scanId}/targets`, { params: { scanId: big.scanId }, query: "status=drifted&limit=5" })).json as Page;
    const token = first.continuationToken!;
    const decoded = Buffer.from(token, "base64url").toString("utf8");
    const edited = Buffer.from(decoded.replace(/\.5\./, ".6."), "utf8").toString("base64url");
    const bad = [
      ["forged", `${big.scanId}`, "status=drifted&limit=5&continuationToken=" + Buffer.from("PartitionKey ne 'x'").toString("base64url")],
      ["edited position", big.scanId, `status=drifted&limit=5&continuationToken=${edited}`],
      ["other filters", big.scanId, `status=unknown&limit=5&continuationToken=${token}`],
      ["other scan", withPassEvidence.scanId, `status=drifted&limit=5&continuationToken=${token}`],
    ] as const;
    expect(edited).not.toBe(token);
    for (const [name, scanId, query] of bad) {
      const r = await call(listScanTargets, `/api/scans/${scanId}/targets`, { params: { scanId }, query });
      expect(r.status, name).toBe(400);
      expect(schemaErrors(Problem, r.json)).toBe("");
      expect((r.json as { errors: Array<{ path: string }> }).errors.map((e) => e.path), name).toContain("/query/continuationToken");
    }
  });

  it("bad filters are 400s naming the field; unknown scans 404", async () => {
    const bad: Array<[string, string]> = [
      ["status=broken", "/query/status"],
      ["check=no-such-check", "/query/check"],
      ["severity=urgent", "/query/severity"],
      [`q=${"x".repeat(201)}`, "/query/q"],
      ["q=", "/query/q"],
      ["id=pool-1", "/query/id"],
      ["limit=0", "/query/limit"],
      ["limit=201", "/query/limit"],
      ["findings=some", "/query/findings"],
      ["evidence=none", "/query/evidence"],
      ["subscription=" + SUBS[0], "/query/subscription"],
    ];
    for (const [query, path] of bad) {
      const r = await call(listScanTargets, `/api/scans/${big.scanId}/targets`, { params: { scanId: big.scanId }, query });
      expect(r.status, query).toBe(400);
      expect((r.json as { errors: Array<{ path: string }> }).errors.map((e) => e.path), query).toContain(path);
    }
    const ghost = "0b0b0b0b-0000-4000-8000-00000000000b";
    expect((await call(listScanTargets, `/api/scans/${ghost}/targets`, { params: { scanId: ghost } })).json).toMatchObject({ code: "ScanNotFound", status: 404 });
    expect((await call(getScanSummary, `/api/scans/${ghost}/summary`, { params: { scanId: ghost } })).json).toMatchObject({ code: "ScanNotFound" });
    expect((await call(getLatestScanSummary, "/api/scans/latest/summary", { query: `subscription=${ghost}` })).json).toMatchObject({ code: "NoScans" });
    expect((await call(listLatestScanTargets, "/api/scans/latest/targets", { query: `subscription=${ghost}` })).json).toMatchObject({ code: "NoScans" });
  });

  it("evidence=all gives pass evidence where the report kept it, and is 409 EvidenceNotKept where it did not", async () => {
    const kept = await call(listScanTargets, `/api/scans/${withPassEvidence.scanId}/targets`, { params: { scanId: withPassEvidence.scanId }, query: "findings=all&evidence=all&limit=3" });
    expect(kept.status).toBe(200);
    const items = (kept.json as Page).items;
    expect(items.flatMap((i) => i.findings).filter((f) => f.status === "pass").every((f) => f.evidence !== undefined)).toBe(true);
    expect(items.map((i) => ({ id: i.id, findings: i.findings }))).toEqual(
      withPassEvidence.targets.slice(0, 3).map((t) => ({ id: t.id, findings: t.findings.map((f) => toReportFinding(f, "all")) })),
    );
    const refused = await call(listScanTargets, `/api/scans/${big.scanId}/targets`, { params: { scanId: big.scanId }, query: "evidence=all" });
    expect(refused.status).toBe(409);
    expect(schemaErrors(Problem, refused.json)).toBe("");
    expect(refused.json).toMatchObject({ code: "EvidenceNotKept" });
    const whole = await call(getLatestScan, "/api/scans/latest", { query: "evidence=all" });
    expect(whole.json).toMatchObject({ code: "EvidenceNotKept", status: 409 });
  });
});

/**
 * Runs `body` with a store of its own (nothing cached) that records every blob it reads, then
 * puts the shared services back.
 */
async function withRecordingStore(body: (reads: Array<{ name: string; bytes: number }>) => Promise<void>): Promise<void> {
  const reads: Array<{ name: string; bytes: number }> = [];
  const settings = readAppSettings({ AzureWebJobsStorage: azurite() });
  const fresh = new HistoryStore(createStorageClients(settings.storage!), { namespace: "pages", onBlobRead: (name, bytes) => reads.push({ name, bytes }) });
  useServices({ ...services, history: fresh });
  try {
    await body(reads);
  } finally {
    useServices(services);
  }
}

describe("what a page reads", () => {
  it("findings=none answers from the index alone: counts and identities, no target chunk read", async () => {
    await withRecordingStore(async (own) => {
      const page = await call(listScanTargets, `/api/scans/${big.scanId}/targets?status=drifted&findings=none`, { params: { scanId: big.scanId } });
      expect(page.status).toBe(200);
      const items = (page.json as Page).items;
      const drifted = big.targets.filter((t) => t.status === "drifted").slice(0, 50);
      expect(items.map((i) => i.id)).toEqual(drifted.map((t) => t.id));
      for (const [i, item] of items.entries()) {
        const t = drifted[i]!;
        expect(item.findings).toEqual([]);
        expect([item.name, item.status, item.tags]).toEqual([t.name, t.status, t.tags && Object.keys(t.tags).length > 0 ? t.tags : undefined]);
        expect(item.counts).toEqual({
          fail: t.findings.filter((f) => f.status === "fail").length,
          pass: t.findings.filter((f) => f.status === "pass").length,
          unknown: t.findings.filter((f) => f.status === "unknown").length,
        });
      }
      expect(own.some((r) => r.name.includes("/targets-"))).toBe(false);
      expect(page.text.length).toBeLessThan(20 * 1024);
    });
  });

  it("the first page and the summary read the summary, the index and one chunk: never the whole report", async () => {
    await withRecordingStore(async (own) => {
      const summary = await call(getScanSummary, `/api/scans/${big.scanId}/summary`, { params: { scanId: big.scanId } });
      expect(summary.status).toBe(200);
      const page = await call(listScanTargets, `/api/scans/${big.scanId}/targets`, { params: { scanId: big.scanId } });
      expect(page.status).toBe(200);
      expect((page.json as Page).items).toHaveLength(50);
      expect(own.map((r) => r.name).sort()).toEqual([`pages/${big.scanId}/index.json.gz`, `pages/${big.scanId}/summary.json.gz`, `pages/${big.scanId}/targets-0.json.gz`]);
      const read = own.reduce((n, r) => n + r.bytes, 0);
      const container = BlobServiceClient.fromConnectionString(azurite()).getContainerClient(history.names.container);
      const whole = (await container.getBlockBlobClient(`reports/${big.scanId}.json.gz`).getProperties()).contentLength!;
      expect(read).toBeLessThan(whole / 2);
      expect(page.text.length).toBeLessThan(200 * 1024);
    });
  });

  it("stores the report gzip'd as report v2 JSON, with content type and encoding set", async () => {
    const container = BlobServiceClient.fromConnectionString(azurite()).getContainerClient(history.names.container);
    const props = await container.getBlockBlobClient(`reports/${big.scanId}.json.gz`).getProperties();
    expect(props.contentEncoding).toBe("gzip");
    expect(props.contentType).toBe("application/json; charset=utf-8");
    expect(await container.getBlockBlobClient(`reports/${big.scanId}.json`).exists()).toBe(false);
  });
});

describe("summary", () => {
  it("equals the counts recomputed from the report", async () => {
    const r = await call(getScanSummary, `/api/scans/${big.scanId}/summary`, { params: { scanId: big.scanId } });
    expect(r.status).toBe(200);
    expect(schemaErrors(ScanSummary, r.json)).toBe("");
    const s = r.json as Record<string, unknown> & { byCheck: Record<string, Record<string, unknown>>; bySeverity: Record<string, { fail: number; unknown: number }> };
    expect(s).toMatchObject({
      scanId: big.scanId,
      schemaVersion: big.schemaVersion,
      summary: big.summary,
      stats: big.stats,
      errors: big.errors,
      complete: false,
      evidence: "failures",
      expiredSuppressions: 0,
      diff: { new: 2, resolved: 1, unchanged: 7 },
      links: { targets: `/api/scans/${big.scanId}/targets`, report: `/api/scans/${big.scanId}` },
    });
    expect(Object.keys(s.byCheck)).toEqual(Object.keys(big.checks));
    for (const [id, entry] of Object.entries(big.checks)) {
      const all = big.targets.flatMap((t) => t.findings.filter((f) => f.checkId === id));
      expect(s.byCheck[id], id).toEqual({
        title: entry.title,
        severity: entry.severity,
        fail: all.filter((f) => f.status === "fail").length,
        pass: all.filter((f) => f.status === "pass").length,
        unknown: all.filter((f) => f.status === "unknown").length,
        targets: big.targets.filter((t) => hasCheck(t, id)).length,
      });
    }
    const findings = big.targets.flatMap((t) => t.findings);
    for (const sev of SEVERITIES) {
      expect(s.bySeverity[sev], sev).toEqual({
        fail: findings.filter((f) => f.severity === sev && f.status === "fail" && !f.suppressed).length,
        unknown: findings.filter((f) => f.severity === sev && f.status === "unknown").length,
      });
    }
    const latest = await call(getLatestScanSummary, "/api/scans/latest/summary");
    expect(latest.json).toEqual(r.json);
  });
});

describe("the whole report", () => {
  it("format=json of the 2,000-target report arrives streamed, in many chunks, and reads back as the stored report", async () => {
    const r = await call(getScan, `/api/scans/${big.scanId}`, { params: { scanId: big.scanId } });
    expect(r.status, r.text.slice(0, 300)).toBe(200);
    expect(r.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(r.headers["x-scan-complete"]).toBe("false");
    expect(r.chunks).toBeGreaterThan(1);
    expect(schemaErrors(DriftReportSchema, r.json)).toBe("");
    // Shared evidence is written once and referenced.
    expect((r.json as { sharedEvidence?: Record<string, unknown> }).sharedEvidence).toBeDefined();
    expect(r.text.length).toBeLessThan(JSON.stringify(asStored(big, "failures")).length);
    expect(readReport(r.json)).toEqual(asStored(big, "failures"));
  });

  it("the history reads the stored report back whole (the previous report of a scan)", async () => {
    expect(await history.getReport(big.scanId)).toEqual(asStored(big, "failures"));
    expect(await history.getReport(withPassEvidence.scanId)).toEqual(asStored(withPassEvidence, "all"));
  });
});

describe("a version-1 report stored the old way", () => {
  it("serves every route: summary, pages, the whole report (upgraded), with its evidence kept", async () => {
    const summary = await call(getScanSummary, `/api/scans/${legacyId}/summary`, { params: { scanId: legacyId } });
    expect(summary.status, summary.text.slice(0, 300)).toBe(200);
    expect(schemaErrors(ScanSummary, summary.json)).toBe("");
    expect(summary.json).toMatchObject({ scanId: legacyId, schemaVersion: "2.0", evidence: "all", summary: (legacy as unknown as DriftReport).summary });

    const upgraded = readReport(structuredClone(legacy));
    const { ids } = await walk(legacyId, "status=drifted", 7);
    expect(ids).toEqual(upgraded.targets.filter((t) => t.status === "drifted").map((t) => t.id));
    const all = await call(listScanTargets, `/api/scans/${legacyId}/targets`, { params: { scanId: legacyId }, query: "findings=all&evidence=all&limit=2" });
    expect(all.status).toBe(200);
    expect((all.json as Page).items[0]!.findings).toEqual(upgraded.targets[0]!.findings);

    const whole = await call(getScan, `/api/scans/${legacyId}`, { params: { scanId: legacyId } });
    expect(whole.status).toBe(200);
    expect(schemaErrors(DriftReportSchema, whole.json)).toBe("");
    const expected = { ...upgraded, targets: upgraded.targets.map((t) => ({ ...t, findings: t.findings.map((f) => toReportFinding(f, "failures")) })) };
    expect(readReport(whole.json)).toEqual(expected);
    expect(await history.getReport(legacyId)).toEqual(upgraded);
    const csv = await call(getScan, `/api/scans/${legacyId}`, { params: { scanId: legacyId }, query: "format=csv" });
    expect(csv.status).toBe(200);
    expect(csv.text).toContain(upgraded.targets[0]!.name);
  });
});
