/**
 * What the service contacts and what it lets out:
 *
 * - only the configured ARM endpoint, the storage account, the webhook (and a configured baseline
 *   URL) are ever contacted: every outbound TCP connection of a full run is recorded;
 * - a `nextLink` (or any URL) pointing elsewhere never receives the token, and a path with dot
 *   segments is refused before it is sent; target ids that reach a URL are ARM ids by pattern;
 * - no secret in logs, reports or errors: a full run (timer, POST /api/scans with a change, a flaky
 *   webhook, ARM read errors, every read route) with a token, a webhook URL and a baseline URL
 *   configured; every log line (invocation logs, console, stdout/stderr, the Azure SDK logger at
 *   verbose), every response, every stored blob and table entity and every Teams payload is
 *   searched for them.
 */
import { randomUUID } from "node:crypto";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import net, { type AddressInfo } from "node:net";
import { format } from "node:util";
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import { TableClient } from "@azure/data-tables";
import { AzureLogger, setLogLevel } from "@azure/logger";
import { BlobServiceClient } from "@azure/storage-blob";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Timer } from "@azure/functions";
import { getLatestScan } from "../../functions/getLatestScan.js";
import { getOpenApi } from "../../functions/getOpenApi.js";
import { getScan } from "../../functions/getScan.js";
import { getScanSummary } from "../../functions/getScanSummary.js";
import { listScanTargets } from "../../functions/listScanTargets.js";
import { getTargetDrift } from "../../functions/getTargetDrift.js";
import { listScans } from "../../functions/listScans.js";
import { scheduledScan } from "../../functions/scheduledScan.js";
import { startScan } from "../../functions/startScan.js";
import { ArmClients } from "../../src/arm/clients.js";
import { parseResourceId } from "../../src/model/resourceId.js";
import { describeAppSettings, readAppSettings } from "../../src/config/appSettings.js";
import { readArmSettings } from "../../src/config/settings.js";
import { createEmulatorTls } from "../../src/emulator/ca.js";
import { loadEstate, type Estate } from "../../src/emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { compilePart } from "../../src/http/validation.js";
import { DriftQuery } from "../../src/http/schemas.js";
import { createServices, useServices, type AppServices } from "../../src/app/services.js";
import type { DriftReport } from "../../src/report/report.js";
import { agentPoolNsg, aksCluster, estateOf, netId, publicIp, SUB_A, vnet } from "../helpers/estate.js";
import { runScan } from "../../src/app/scan.js";
import { DEMO_SUB_A, DEMO_SUB_B, REPO, azurite, httpRequest, invocation, readResponse } from "../setup/harness.js";
import { startTeamsReceiver, type TeamsReceiver } from "../setup/teamsReceiver.js";

const portOf = (url: string) => Number(new URL(url).port);

describe("the ARM clients contact the configured endpoint only", () => {
  let foreign: Server;
  let foreignHits = 0;
  let arm: ReturnType<typeof createHttpsServer>;
  let armUrl = "";
  let caCertPem = "";

  beforeAll(async () => {
    foreign = createHttpServer((req, res) => {
      foreignHits += 1;
      res.end("{}");
    });
    await new Promise<void>((resolve) => foreign.listen(0, "127.0.0.1", resolve));
    const tls = await createEmulatorTls();
    caCertPem = tls.caCertPem;
    const foreignPort = (foreign.address() as AddressInfo).port;
    // A fake ARM whose list page sends the next page to another host.
    arm = createHttpsServer({ key: tls.serverKeyPem, cert: tls.serverCertPem }, (req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ value: [], nextLink: `https://127.0.0.1:${foreignPort}/subscriptions/${DEMO_SUB_A}/providers/Microsoft.Network/routeTables?api-version=2024-05-01&$skiptoken=1` }));
    });
    await new Promise<void>((resolve) => arm.listen(0, "127.0.0.1", resolve));
    armUrl = `https://127.0.0.1:${(arm.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await Promise.all([new Promise((r) => foreign.close(r)), new Promise((r) => arm.close(r))]);
  });

  const clients = () => new ArmClients(readArmSettings({}, { endpoint: armUrl, staticToken: "never-leaves" }), { caCertificates: [caCertPem], maxRetries: 0 });

  it("a nextLink to another host is refused before anything is sent: the token never leaves", async () => {
    const pages = clients().network(DEMO_SUB_A).routeTables.listAll();
    const err = await (async () => {
      for await (const _ of pages) void _;
    })().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "ForeignEndpoint" });
    expect(foreignHits).toBe(0);
  });

  it("an id from a response with dot segments or a host never becomes a request; a foreign URL is refused before it is sent", async () => {
    // The clients resolve dot segments while they build a URL, so ids are checked where they become paths.
    for (const id of [
      `/subscriptions/${DEMO_SUB_A}/resourceGroups/../providers/Microsoft.Network/routeTables/rt`,
      `/subscriptions/${DEMO_SUB_A}/resourceGroups/rg/providers/Microsoft.Network/routeTables/..`,
      `/subscriptions/${DEMO_SUB_A}/resourceGroups/rg%2F..%2F/providers/Microsoft.Network/routeTables/rt`,
      `/subscriptions/${DEMO_SUB_A}/resourceGroups/rg/providers/Microsoft.Network/routeTables/rt?x=1`,
      `/subscriptions/${DEMO_SUB_A}/resourceGroups/rg/providers/Microsoft.Network/routeTables/rt#x`,
      `/subscriptions/${DEMO_SUB_A}/resourceGroups/rg/providers/Microsoft.Network/routeTables/a:b@evil.example`,
    ]) {
      expect(parseResourceId(id), id).toBeUndefined();
    }
    // An absolute URL (as a nextLink is followed) to another host is refused by the pipeline.
    const hits = foreignHits;
    const foreignUrl = `https://127.0.0.1:${(foreign.address() as AddressInfo).port}/subscriptions/${DEMO_SUB_A}/resourcegroups`;
    const other = await clients().rest().pathUnchecked(foreignUrl).get().then(() => undefined, (e: unknown) => e);
    expect(other).toMatchObject({ code: "ForeignEndpoint" });
    expect(foreignHits).toBe(hits);
  });

  it("a subnet whose route table reference has dot segments: the read is refused, the checks that need it are unknown, ARM is not asked", async () => {
    const sub = SUB_A;
    const evil = `/subscriptions/${sub}/resourceGroups/rg-net/providers/Microsoft.Network/routeTables/../../../providers/Microsoft.Network/routeTables/other`;
    const subnetId = `${netId(sub, "rg-net", "virtualNetworks", "vnet")}/subnets/aks`;
    const estate = estateOf([
      vnet(sub, "rg-net", "vnet", { name: "aks", prefix: "10.0.0.0/24", routeTableId: evil }),
      aksCluster(sub, "rg-aks", "aks", { nodeResourceGroup: "MC_rg-aks_aks_eastus", outboundType: "userDefinedRouting", subnetId }),
      agentPoolNsg(sub, "MC_rg-aks_aks_eastus"),
    ]);
    const emu = await startEmulator({ estate });
    try {
      const { report } = await runScan({ settings: readArmSettings({}, { endpoint: emu.url, staticToken: "t" }), clients: { caCertificates: [emu.caCertPem], maxRetries: 0 } });
      expect(report.errors).toContainEqual(expect.objectContaining({ code: "InvalidResourceId", scope: evil }));
      const routes = report.targets[0]!.findings.filter((f) => f.checkId === "subnet-default-route");
      expect(routes.length).toBeGreaterThan(0);
      for (const f of routes) expect(f.status).toBe("unknown");
      expect(Object.keys(emu.requestCounts()).filter((k) => /routeTables/i.test(k) && k.startsWith("get:"))).toEqual([]);
    } finally {
      await emu.close();
    }
  });

  it("a target id accepted by the API is an ARM id of a pool or AKS cluster: no traversal, no host, no query (2,000 generated ids)", () => {
    const validate = compilePart("query", DriftQuery);
    const pieces = fc.constantFrom("/", "..", ".", "%2F", "%2e", "?", "#", "@", "\\", "//", ":", "subscriptions", "resourceGroups", "providers", "Microsoft.HDInsight/clusterpools", "Microsoft.ContainerService/managedClusters", DEMO_SUB_A, "rg", "pool", "evil.example", "https:");
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(fc.array(pieces, { maxLength: 12 }).map((p) => p.join("")), fc.array(pieces, { maxLength: 12 }).map((p) => `/${p.join("/")}`), fc.string()), (id) => {
        if (!validate({ id })) return;
        accepted += 1;
        expect(id).toMatch(/^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/(Microsoft\.HDInsight\/clusterpools|Microsoft\.ContainerService\/managedClusters)\/[^/]+$/i);
        expect(id).not.toMatch(/\/\.\.?(\/|$)|%|\?|#|@|\\|\/\/|:/);
      }),
      { numRuns: 2_000, seed: 7 },
    );
    expect(validate({ id: `/subscriptions/${DEMO_SUB_A}/resourceGroups/rg/providers/Microsoft.HDInsight/clusterpools/pool` })).toBe(true);
    expect(accepted).toBeGreaterThanOrEqual(0);
  });
});

describe("a full run: only the configured endpoints are contacted, and no secret gets out", () => {
  const token = `arm-token-${randomUUID()}`;
  const webhookSecret = `sig-${randomUUID()}`;
  const baselineSecret = `sas-${randomUUID()}`;
  let receiver: TeamsReceiver;
  let webhookUrl = "";
  let baselineServer: Server;
  let baselineUrl = "";
  let before: RunningEmulator;
  let after: RunningEmulator;
  const captured: string[] = [];
  const connections: Array<{ host: string; port: number }> = [];
  let allowedPorts = new Set<number>();
  const namespace = "secrets";

  beforeAll(async () => {
    const demo = await loadEstate(join(REPO, "estates", "demo.json"));
    const aks = demo.resources.find((r) => /managedclusters$/i.test(r.type) && r.name === "pool-finance")!;
    const mc = (aks.properties as { nodeResourceGroup: string }).nodeResourceGroup;
    const changed: Estate = { ...demo, resources: [...demo.resources, publicIp(DEMO_SUB_A, mc, "secrets-test-stray-pip")] };
    receiver = await startTeamsReceiver();
    webhookUrl = receiver.url.replace("test-signature", webhookSecret);
    baselineServer = createHttpServer((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ schemaVersion: 1, defaults: { requireNsg: true } }));
    });
    await new Promise<void>((resolve) => baselineServer.listen(0, "127.0.0.1", resolve));
    baselineUrl = `http://127.0.0.1:${(baselineServer.address() as AddressInfo).port}/baseline.json?sv=2024&sig=${baselineSecret}`;
    [before, after] = await Promise.all([
      startEmulator({ estate: demo }),
      // Read errors too: the route tables of subscription B answer 500 after the scan has begun.
      startEmulator({ estate: changed, faults: { rules: [{ path: `/subscriptions/${DEMO_SUB_B}/providers/Microsoft.Network/routeTables`, kind: "status", status: 500 }] } }),
    ]);
    const storagePorts = azurite()
      .split(";")
      .filter((p) => /Endpoint=/.test(p))
      .map((p) => portOf(p.split("=")[1]!));
    allowedPorts = new Set([portOf(before.url), portOf(after.url), portOf(receiver.url), portOf(baselineUrl), ...storagePorts]);
  });

  afterAll(async () => {
    useServices(undefined);
    await Promise.all([before?.close(), after?.close(), receiver?.close(), new Promise((r) => baselineServer?.close(r))]);
  });

  function services(emulator: RunningEmulator): AppServices {
    const settings = readAppSettings({
      AZURE_ARM_ENDPOINT: emulator.url,
      AZURE_ARM_TOKEN: token,
      AzureWebJobsStorage: azurite(),
      TEAMS_WEBHOOK_URL: webhookUrl,
      BASELINE_URL: baselineUrl,
      SCAN_SUBSCRIPTIONS: `${DEMO_SUB_A},${DEMO_SUB_B}`,
    });
    captured.push(describeAppSettings(settings));
    return createServices(settings, {
      clients: { caCertificates: [emulator.caCertPem], maxRetries: 1, retryDelayInMs: 1 },
      teams: { retryDelayInMs: 1, maxRetryDelayInMs: 20, timeoutInMs: 5_000 },
      historyNamespace: namespace,
    });
  }

  it("runs the timer, a POST /api/scans that alerts (after a 500 from the webhook) and every read route", async () => {
    // Everything that can print, captured: console, the process streams, the Azure SDK logger (verbose).
    const spies = (["log", "info", "warn", "error", "debug"] as const).map((m) => vi.spyOn(console, m).mockImplementation((...args: unknown[]) => void captured.push(format(...args))));
    const writes = [process.stdout, process.stderr].map((stream) =>
      vi.spyOn(stream, "write").mockImplementation(((chunk: string | Uint8Array) => {
        captured.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
        return true;
      })),
    );
    const sdkLog = AzureLogger.log;
    AzureLogger.log = (...args: unknown[]) => void captured.push(format(...args));
    setLogLevel("verbose");
    const proto = net.Socket.prototype as unknown as { connect: (this: net.Socket, ...args: unknown[]) => net.Socket };
    const connect = proto.connect;
    proto.connect = function (this: net.Socket, ...args: unknown[]) {
      const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
      if (first && typeof first === "object") {
        const o = first as { host?: string; port?: number | string; path?: string };
        if (o.path === undefined) connections.push({ host: o.host ?? "localhost", port: Number(o.port) });
      } else if (typeof first === "number" || typeof first === "string") {
        connections.push({ host: typeof args[1] === "string" ? args[1] : "localhost", port: Number(first) });
      }
      return connect.apply(this, args);
    };
    try {
      const timer: Timer = { isPastDue: true, schedule: { adjustForDST: true }, scheduleStatus: { last: "", next: "", lastUpdated: "" } };
      useServices(services(before));
      const t = invocation("scheduledScan");
      const outcome = await scheduledScan(timer, t.context);
      captured.push(JSON.stringify(outcome), ...t.lines);
      expect(outcome).toMatchObject({ status: "complete" });

      useServices(services(after));
      receiver.script([{ status: 500 }]);
      const s = invocation("startScan");
      const posted = await readResponse(
        await startScan(httpRequest("POST", "/api/scans", { query: "code=function-key-value", headers: { "content-type": "application/json" }, body: JSON.stringify({ subscriptions: [DEMO_SUB_A, DEMO_SUB_B] }) }), s.context),
      );
      captured.push(posted.text, JSON.stringify(posted.headers), ...s.lines);
      expect(posted.status, posted.text.slice(0, 300)).toBe(201);
      const report = posted.json as DriftReport;
      expect(report.errors.some((e) => e.code === "InternalServerError")).toBe(true);
      expect(receiver.delivered()).toHaveLength(1);
      expect(receiver.requests).toHaveLength(2);

      for (const [handler, path, init] of [
        [getLatestScan, "/api/scans/latest", { query: "format=sarif" }],
        [getScan, `/api/scans/${report.scanId}`, { params: { scanId: report.scanId }, query: "format=markdown" }],
        [listScans, "/api/scans", {}],
        [getTargetDrift, "/api/targets/drift", { query: `id=${encodeURIComponent(`/subscriptions/${DEMO_SUB_A}/resourceGroups/rg-dataplatform/providers/Microsoft.HDInsight/clusterPools/pool-finance`)}&format=csv` }],
        [getTargetDrift, "/api/targets/drift", { query: `id=${encodeURIComponent(`/subscriptions/${DEMO_SUB_A}/resourceGroups/rg-dataplatform/providers/Microsoft.HDInsight/clusterPools/ghost`)}` }],
        [getScan, `/api/scans/${report.scanId}`, { params: { scanId: report.scanId } }],
        [getScanSummary, `/api/scans/${report.scanId}/summary`, { params: { scanId: report.scanId } }],
        [listScanTargets, `/api/scans/${report.scanId}/targets`, { params: { scanId: report.scanId }, query: "findings=all" }],
        [getOpenApi, "/api/openapi.json", {}],
      ] as const) {
        const c = invocation("read");
        const r = await readResponse(await handler(httpRequest("GET", path, init), c.context));
        captured.push(r.text, JSON.stringify(r.headers), ...c.lines);
        expect(r.status, `${path}: ${r.text.slice(0, 200)}`).toBeLessThan(500);
      }
    } finally {
      proto.connect = connect;
      setLogLevel();
      AzureLogger.log = sdkLog;
      for (const s of [...spies, ...writes]) s.mockRestore();
    }
    for (const r of receiver.requests) captured.push(JSON.stringify(r.body));
    // Everything stored: blobs and the rows of every table of this namespace.
    const blobs = BlobServiceClient.fromConnectionString(azurite()).getContainerClient(`egress-audit-${namespace}`);
    for await (const b of blobs.listBlobsFlat()) {
      const bytes = await blobs.getBlobClient(b.name).downloadToBuffer();
      // Reports and their pages are stored gzip'd: searched as the text they hold.
      captured.push(b.name, (b.name.endsWith(".gz") ? gunzipSync(bytes) : bytes).toString("utf8"));
    }
    for (const table of ["EgressAuditScans", "EgressAuditFindings", "EgressAuditAlerts"]) {
      for await (const e of TableClient.fromConnectionString(azurite(), `${table}${namespace}`, { allowInsecureConnection: true }).listEntities()) captured.push(JSON.stringify(e));
    }
    expect(captured.join("\n")).toMatch(/AuthorizationFailed|InternalServerError/); // the capture saw the run
  });

  it("contacted only the ARM endpoints, the storage account, the webhook and the baseline URL", () => {
    expect(connections.length).toBeGreaterThan(0);
    const elsewhere = connections.filter((c) => !allowedPorts.has(c.port) || !["127.0.0.1", "localhost", "::1"].includes(c.host));
    expect(elsewhere).toEqual([]);
  });

  it("no secret in any log line, response, stored blob or row, or Teams payload", () => {
    const all = captured.join("\n");
    expect(all.length).toBeGreaterThan(100_000); // verbose SDK logs, reports, tables: a real haystack
    for (const secret of [token, webhookSecret, webhookUrl, baselineSecret, baselineUrl, "function-key-value"]) {
      expect(all.includes(secret), `a secret (${secret.slice(0, 12)}...) leaked`).toBe(false);
    }
  });
});
