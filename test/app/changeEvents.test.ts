/**
 * Change events end to end on real parts (issue 16, item 3): the demo estate on the ARM emulator
 * over HTTPS, written through the real SDK clients; history in Azurite; Teams on a local receiver.
 * A recorded scan first, then changes audited through `services.changes` (the coalescing feed) and
 * `auditChanges`. One test per rule: unrelated events cost nothing, no resolution without a read,
 * no double alert, and the next full scan reports none of the already-alerted changes as new.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NetworkManagementClient } from "@azure/arm-network";
import { ContainerServiceClient } from "@azure/arm-containerservice";
import type { Estate } from "../../src/emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { auditChanges } from "../../src/app/changeAudit.js";
import { CoalescingChangeFeed } from "../../src/app/changeFeed.js";
import { recordScan } from "../../src/app/recordScan.js";
import { runRequestedScan } from "../../src/app/requestedScan.js";
import type { AppServices } from "../../src/app/services.js";
import type { ResourceChange } from "../../src/model/changeEvent.js";
import { DEMO_SUB_B, REPO, testServices } from "../setup/harness.js";
import { startTeamsReceiver, type TeamsReceiver } from "../setup/teamsReceiver.js";

const demo = JSON.parse(readFileSync(join(REPO, "estates", "demo.json"), "utf8")) as Estate;
const RG_NET = "rg-payments-network";
const RT = `/subscriptions/${DEMO_SUB_B}/resourceGroups/${RG_NET}/providers/Microsoft.Network/routeTables/rt-snet-aks-payments`;
const AKS = `/subscriptions/${DEMO_SUB_B}/resourcegroups/rg-payments/providers/Microsoft.ContainerService/managedClusters/aks-payments`;
const ML_RT = `/subscriptions/${DEMO_SUB_B}/resourceGroups/rg-net-ml/providers/Microsoft.Network/routeTables/rt-snet-hdi-ml`;

let emulator: RunningEmulator;
let receiver: TeamsReceiver;
let services: AppServices;
let network: NetworkManagementClient;

function change(resourceId: string, operationName: string, kind: "write" | "delete" = "write"): ResourceChange {
  return { eventId: randomUUID(), kind, resourceId, operationName, subscriptionId: DEMO_SUB_B, eventTime: new Date().toISOString() };
}

/** Sets the payments route table's default route's next hop (the SDK's PUT, as a user's change would be). */
async function setDefaultRoute(nextHopType: "Internet" | "VirtualAppliance"): Promise<string> {
  await network.routes.beginCreateOrUpdateAndWait(RG_NET, "rt-snet-aks-payments", "default-to-fw-hub", {
    addressPrefix: "0.0.0.0/0",
    nextHopType,
    ...(nextHopType === "VirtualAppliance" ? { nextHopIpAddress: defaultHopIp } : {}),
  });
  return `${RT}/routes/default-to-fw-hub`;
}

let defaultHopIp = "";
let firstScanId = "";
const credential = { getToken: () => Promise.resolve({ token: "t", expiresOnTimestamp: Date.now() + 3_600_000 }) };
const clientOptions = () => ({ endpoint: emulator.url, credentialScopes: ["https://management.azure.com/.default"], tlsOptions: { ca: emulator.caCertPem } });

beforeAll(async () => {
  // Only by-id reads of the ML route table fail: the scan reads it in its subscription list.
  [emulator, receiver] = await Promise.all([
    startEmulator({ estate: demo, faults: { rules: [{ path: `^${ML_RT.replace(/\//g, "\\/")}$`, kind: "status", status: 403, code: "AuthorizationFailed" }] } }),
    startTeamsReceiver(),
  ]);
  services = testServices({ emulator, receiver, namespace: "chgev", env: { SCAN_SUBSCRIPTIONS: DEMO_SUB_B, CHANGE_COALESCE_IN_MS: "300" } });
  network = new NetworkManagementClient(credential, DEMO_SUB_B, clientOptions());
  const rt = await network.routeTables.get(RG_NET, "rt-snet-aks-payments");
  defaultHopIp = rt.routes!.find((r) => r.name === "default-to-fw-hub")!.nextHopIpAddress!;
  const first = await recordScan(services, { scope: { subscriptions: [DEMO_SUB_B] }, trigger: "timer" });
  expect(first.status).toBe("complete");
  if (first.status === "complete") firstScanId = first.report.scanId;
}, 120_000);

afterAll(async () => {
  await Promise.all([emulator?.close(), receiver?.close()]);
});

describe("change events", () => {
  it("an event no target depends on costs no ARM read and changes nothing", async () => {
    const before = emulator.totalRequests();
    const unrelated = `/subscriptions/${DEMO_SUB_B}/resourceGroups/rg-elsewhere/providers/Microsoft.Network/routeTables/rt-unused`;
    const { outcome } = await auditChanges(services, [change(unrelated, "Microsoft.Network/routeTables/write")]);
    expect(outcome.status).toBe("ignored");
    expect(outcome.armRequests).toBe(0);
    expect(emulator.totalRequests()).toBe(before);
  });

  it("a route sent to the Internet is alerted once, read with a handful of requests; a redelivery alerts nothing", async () => {
    receiver.reset();
    const routeId = await setDefaultRoute("Internet");
    const event = change(routeId, "Microsoft.Network/routeTables/routes/write");
    const before = emulator.totalRequests();
    const outcome = await services.changes!.submit([event]);
    expect(outcome.status).toBe("audited");
    expect(outcome.targets.map((t) => t.toLowerCase())).toEqual([AKS.toLowerCase()]);
    expect(outcome.newFindings).toBeGreaterThan(0);
    expect(outcome.notification).toBe("sent");
    expect(outcome.armRequests).toBe(emulator.totalRequests() - before);
    expect(outcome.armRequests).toBeLessThanOrEqual(5);
    expect(receiver.delivered()).toHaveLength(1);
    expect(JSON.stringify(receiver.delivered()[0]!.body)).toContain("aks-payments");

    // Event Grid redelivers the same event: audited again, nothing new, no second alert.
    const again = await services.changes!.submit([event]);
    expect(again.newFindings).toBe(0);
    expect(receiver.delivered()).toHaveLength(1);
  });

  it("only the scope's latest scan keeps its snapshot and index: the base of the next batch", async () => {
    const latest = (await services.history!.latest())!;
    expect(latest.trigger).toBe("event");
    expect(await services.history!.getSnapshot(firstScanId)).toBeUndefined();
    expect(await services.history!.getDependencyIndex(firstScanId)).toBeUndefined();
    const snapshot = await services.history!.getSnapshot(latest.scanId);
    expect(snapshot?.targets.map((t) => t.id.toLowerCase())).toContain(AKS.toLowerCase());
    // The stored snapshot holds the change: the route as the event's read found it.
    const rt = snapshot!.routeTables[RT.toLowerCase()];
    expect(rt?.ok && rt.value.routes.find((r) => r.name === "default-to-fw-hub")?.nextHopType).toBe("Internet");
  });

  it("changes within the window are one batch, audited once", async () => {
    const route = `${RT}/routes/default-to-fw-hub`;
    const [a, b] = await Promise.all([
      services.changes!.submit([change(route, "Microsoft.Network/routeTables/routes/write")]),
      services.changes!.submit([change(RT, "Microsoft.Network/routeTables/write")]),
    ]);
    expect(a).toEqual(b);
    expect(a.changes).toBe(2);
  });

  it("the next full scan reports none of the already-alerted changes as new", async () => {
    receiver.reset();
    const next = await recordScan(services, { scope: { subscriptions: [DEMO_SUB_B] }, trigger: "timer" });
    expect(next.status).toBe("complete");
    if (next.status !== "complete") return;
    expect(next.report.diff?.new).toEqual([]);
    expect(next.report.diff?.resolved).toEqual([]);
    expect(receiver.delivered()).toHaveLength(0);
  });

  it("drift is resolved only by a read: fixed and read, it resolves once; a target it did not read keeps its drift", async () => {
    receiver.reset();
    const latest = await services.history!.latest();
    const drifted = (await services.history!.getReport(latest!.scanId))!.targets.filter((t) => t.status === "drifted" && t.id.toLowerCase() !== AKS.toLowerCase());
    expect(drifted.length).toBeGreaterThan(0);
    const routeId = await setDefaultRoute("VirtualAppliance");
    const outcome = await services.changes!.submit([change(routeId, "Microsoft.Network/routeTables/routes/write")]);
    expect(outcome.resolvedFindings).toBeGreaterThan(0);
    expect(outcome.newFindings).toBe(0);
    expect(receiver.delivered()).toHaveLength(1);
    const report = (await services.history!.getReport(outcome.scanId!))!;
    for (const t of drifted) expect(report.targets.find((x) => x.id === t.id)).toEqual(t);
  });

  it("a cluster created is discovered and audited with a scan of its subscription, judged as its twin", async () => {
    receiver.reset();
    const web = demo.resources.find((r) => /managedclusters$/i.test(r.type) && r.name === "aks-web")! as unknown as { location: string; properties: Record<string, unknown> };
    const id = `/subscriptions/${DEMO_SUB_B}/resourceGroups/rg-web/providers/Microsoft.ContainerService/managedClusters/aks-web-2`;
    const aks = new ContainerServiceClient(credential, DEMO_SUB_B, clientOptions());
    await aks.managedClusters.beginCreateOrUpdateAndWait("rg-web", "aks-web-2", { location: web.location, ...web.properties });
    const { outcome } = await auditChanges(services, [change(id, "Microsoft.ContainerService/managedClusters/write")]);
    expect(outcome.status).toBe("audited");
    expect(outcome.targets).toContain(id.toLowerCase());
    const report = (await services.history!.getReport(outcome.scanId!))!;
    const found = report.targets.find((t) => t.id.toLowerCase() === id.toLowerCase());
    // The same shape as aks-web (same subnet, same MC group): judged the same, check by check.
    const twin = report.targets.find((t) => t.name === "aks-web")!;
    expect(found?.status).toBe(twin.status);
    expect(found?.findings.map((f) => `${f.checkId}:${f.status}`).sort()).toEqual(twin.findings.map((f) => `${f.checkId}:${f.status}`).sort());
    expect(outcome.newFindings).toBe(found!.findings.filter((f) => f.status === "fail").length);
  });

  it("an NSG rule opening SSH on the node NICs is read by id alone (one request), alerted, and its removal resolves it", async () => {
    receiver.reset();
    const rg = "MC_rg-payments_aks-payments_eastus";
    const nsg = "aks-agentpool-72142590-nsg";
    const ruleId = `/subscriptions/${DEMO_SUB_B}/resourceGroups/${rg}/providers/Microsoft.Network/networkSecurityGroups/${nsg}/securityRules/allow-ssh`;
    await network.securityRules.beginCreateOrUpdateAndWait(rg, nsg, "allow-ssh", {
      priority: 100,
      direction: "Inbound",
      access: "Allow",
      protocol: "Tcp",
      sourceAddressPrefix: "Internet",
      sourcePortRange: "*",
      destinationAddressPrefix: "*",
      destinationPortRange: "22",
    });
    const opened = await auditChanges(services, [change(ruleId, "Microsoft.Network/networkSecurityGroups/securityRules/write")]);
    expect(opened.outcome.targets).toEqual([AKS.toLowerCase()]);
    expect(opened.outcome.armRequests).toBe(1);
    expect(opened.outcome.newFindings).toBe(1);
    await network.securityRules.beginDeleteAndWait(rg, nsg, "allow-ssh");
    const closed = await auditChanges(services, [change(ruleId, "Microsoft.Network/networkSecurityGroups/securityRules/delete", "delete")], { ...(opened.base ? { cached: opened.base } : {}) });
    expect(closed.outcome.armRequests).toBe(1);
    expect(closed.outcome.resolvedFindings).toBe(1);
    expect(receiver.delivered()).toHaveLength(2);
  });

  it("a scan requested through the API keeps its snapshot too: the next batch starts from it", async () => {
    const requested = await runRequestedScan(services, { scope: { subscriptions: [DEMO_SUB_B] }, syncWaitInMs: 60_000 });
    expect(requested.status).toBe("recorded");
    if (requested.status !== "recorded") return;
    expect(await services.history!.getDependencyIndex(requested.report.scanId)).toBeDefined();
    const { outcome } = await auditChanges(services, [change(RT, "Microsoft.Network/routeTables/write")]);
    expect(outcome.status).toBe("audited");
    expect(outcome.targets).toEqual([AKS.toLowerCase()]);
  });

  it("a feed that stops drops the batch still gathering (its deliveries fail, to be redelivered) and audits nothing", async () => {
    const feed = new CoalescingChangeFeed(services, { windowInMs: 10_000 });
    const before = emulator.totalRequests();
    const latest = (await services.history!.latest())!.scanId;
    const pending = feed.submit([change(`${RT}/routes/default-to-fw-hub`, "Microsoft.Network/routeTables/routes/write")]);
    await feed.close();
    await expect(pending).rejects.toMatchObject({ code: "ServiceStopping" });
    await expect(feed.submit([change(RT, "Microsoft.Network/routeTables/write")])).rejects.toMatchObject({ code: "ServiceStopping" });
    expect(emulator.totalRequests()).toBe(before);
    expect((await services.history!.latest())!.scanId).toBe(latest);
  });

  it("a change whose read fails leaves the finding unknown, never resolved", async () => {
    receiver.reset();
    // The ML pool's route table: by-id reads are forbidden (fault rule above).
    const outcome = await auditChanges(services, [change(`${ML_RT}/routes/default-to-fw-hub`, "Microsoft.Network/routeTables/routes/write")]);
    expect(outcome.outcome.status).toBe("audited");
    expect(outcome.outcome.resolvedFindings).toBe(0);
    const report = (await services.history!.getReport(outcome.outcome.scanId!))!;
    const ml = report.targets.find((t) => /ml/i.test(t.name))!;
    // Already drifted for another reason, so it stays drifted; what stood on the route table is unknown now.
    expect(ml.status).not.toBe("compliant");
    const onTable = ml.findings.filter((f) => f.checkId === "default-route-firewall" || f.checkId === "firewall-required-egress");
    expect(onTable.length).toBeGreaterThan(0);
    for (const f of onTable) expect([f.status, f.message]).toEqual(["unknown", expect.stringMatching(/could not be read/)]);
    expect(report.errors.some((e) => /AuthorizationFailed|403/i.test(`${e.code} ${e.message}`))).toBe(true);
  });
});
