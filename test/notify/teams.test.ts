/**
 * The Teams alert: the card (valid against Microsoft's Adaptive Card schema, v1.5, under 28 KB
 * with "and N more" when large, ARM names shown and never interpreted) and the webhook sender
 * (retries on 429 and 5xx honouring Retry-After, capped; none on other 4xx; never after a
 * request that may have arrived), against a local receiver.
 */
import { createServer } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Severity } from "../../src/checks/lib/types.js";
import { buildAlertMessage, escapeCardText, messageBytes, TEAMS_MESSAGE_LIMIT_BYTES, type CardItem } from "../../src/notify/card.js";
import { postToTeams, retryAfterInMs } from "../../src/notify/teams.js";
import { buildReport, catalogOf, type DriftReport, type ReportFinding } from "../../src/report/report.js";
import { cardText, largestCardSent, noteCardSize, teamsMessageProblems } from "../setup/harness.js";
import { startTeamsReceiver, type TeamsReceiver } from "../setup/teamsReceiver.js";

const SUB = "aaaaaaaa-0000-4000-8000-000000000001";
const severities: Severity[] = ["critical", "high", "medium", "low", "info"];
const checkIds = ["pool-outbound-type", "mc-group-public-ip", "subnet-default-route", "default-route-firewall"];

/** A report with `n` failing findings spread over targets, severities and checks. */
function reportWith(n: number): DriftReport {
  const findings: ReportFinding[] = Array.from({ length: n }, (_, i) => ({
    id: `${checkIds[i % 4]!}:${String(i).padStart(20, "0")}`,
    checkId: checkIds[i % 4]!,
    status: "fail",
    severity: severities[i % 5]!,
    resourceId: `/subscriptions/${SUB}/resourceGroups/MC_hdi-${i}_pool_eastus/providers/Microsoft.Network/publicIPAddresses/stray-pip-with-a-rather-long-name-${i}`,
    message: "m",
    expected: "e",
    actual: "a",
    evidence: {},
  }));
  return buildReport({
    startedAt: new Date("2025-01-01T00:00:00Z"),
    finishedAt: new Date("2025-01-01T00:01:00Z"),
    subscriptions: [SUB],
    targets: [{ id: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks`, kind: "aksCluster", name: "aks", subscriptionId: SUB, status: "drifted", findings }],
    stats: { armRequests: 1, throttled: 0, retries: 0 },
    errors: [],
    scanId: "11111111-2222-4333-8444-555555555555",
  });
}

function items(report: DriftReport, from: number, to: number): CardItem[] {
  return report.targets[0]!.findings.slice(from, to).map((f) => ({ findingId: f.id, checkId: f.checkId, severity: f.severity, resourceId: f.resourceId }));
}

let receiver: TeamsReceiver;
beforeAll(async () => {
  receiver = await startTeamsReceiver();
});
afterAll(() => receiver?.close());
beforeEach(() => receiver.reset());

describe("the alert card", () => {
  it("lists every item of a small change, grouped by severity, valid against the Adaptive Card schema", () => {
    const report = reportWith(7);
    const message = buildAlertMessage({
      report,
      diff: { new: report.targets[0]!.findings.slice(0, 5).map((f) => f.id), resolved: ["x:1", "x:2"], unchanged: 0 },
      newItems: items(report, 0, 5),
      resolvedItems: items(report, 5, 7),
      staleCount: 2,
      reportUrl: "https://egress-audit.example.net/api/scans/11111111-2222-4333-8444-555555555555",
    });
    expect(teamsMessageProblems(message)).toEqual([]);
    const text = cardText(message);
    for (let i = 0; i < 7; i++) expect(text).toContain(`stray-pip-with-a-rather-long-name-${i}`);
    expect(text).toContain("New drift (5)");
    expect(text).toContain("Resolved drift (2)");
    expect(text).toMatch(/Critical \(1\)[\s\S]*High \(1\)[\s\S]*Medium \(1\)[\s\S]*Low \(1\)[\s\S]*Info \(1\)/);
    expect(text).toContain("Not evaluated");
    expect(text).not.toMatch(/and \d+ more/);
    expect(message.attachments[0].content.actions).toEqual([{ type: "Action.OpenUrl", title: "Open report", url: "https://egress-audit.example.net/api/scans/11111111-2222-4333-8444-555555555555" }]);
  });

  it("stays under 28 KB for a large change by listing fewer items and saying 'and N more'", () => {
    const report = reportWith(600);
    const message = buildAlertMessage({
      report,
      diff: { new: report.targets[0]!.findings.slice(0, 450).map((f) => f.id), resolved: report.targets[0]!.findings.slice(450).map((f) => f.id), unchanged: 3 },
      newItems: items(report, 0, 450),
      resolvedItems: items(report, 450, 600),
      staleCount: 0,
    });
    const bytes = messageBytes(message);
    expect(bytes).toBeLessThan(TEAMS_MESSAGE_LIMIT_BYTES);
    expect(teamsMessageProblems(message)).toEqual([]);
    const text = cardText(message);
    const shownNew = (text.match(/stray-pip-with-a-rather-long-name-(\d+)/g) ?? []).length;
    const more = /…and (\d+) more new findings \(([^)]*)\)/.exec(text);
    expect(more).not.toBeNull();
    const moreResolved = /…and (\d+) more resolved findings/.exec(text);
    expect(moreResolved).not.toBeNull();
    // Shown + "more" accounts for every item, in each section.
    const listedResolved = message.attachments[0].content.body.filter((e) => e.type === "TextBlock" && /name-(4[5-9]\d|5\d\d)\b/.test(e.text)).length;
    const listedNew = shownNew / 2 - listedResolved; // each item line names the resource twice
    expect(listedNew + Number(more![1])).toBe(450);
    expect(listedResolved + Number(moreResolved![1])).toBe(150);
    expect(more![2]).toMatch(/\d+ critical, \d+ high, \d+ medium, \d+ low, \d+ info/);
  });

  it("names each check by the report's catalog title, else this build's, else its id", () => {
    const report = reportWith(4);
    const registry = catalogOf();
    // The report's catalog says otherwise for one check, and lacks another (a report from another build).
    report.checks = { ...registry, "pool-outbound-type": { ...registry["pool-outbound-type"]!, title: "Catalog title of the outbound type" } };
    delete report.checks["mc-group-public-ip"];
    const list = [...items(report, 0, 4), { findingId: "retired-check:1", checkId: "retired-check", severity: "high" as const, resourceId: `/subscriptions/${SUB}/x/retired` }];
    const message = buildAlertMessage({ report, diff: { new: list.map((i) => i.findingId), resolved: [], unchanged: 0 }, newItems: list, resolvedItems: [], staleCount: 0 });
    expect(teamsMessageProblems(message)).toEqual([]);
    const text = cardText(message);
    expect(text).toContain("**Catalog title of the outbound type**: stray-pip-with-a-rather-long-name-0");
    expect(text).not.toContain(registry["pool-outbound-type"]!.title);
    expect(text).toContain(`**${escapeCardText(registry["mc-group-public-ip"]!.title)}**: stray-pip-with-a-rather-long-name-1`);
    expect(text).toContain(`**${escapeCardText(registry["subnet-default-route"]!.title)}**: stray-pip-with-a-rather-long-name-2`);
    expect(text).toContain("**retired-check**: retired");
    expect(text).not.toMatch(/undefined|null/);
  });

  it("shows ARM names as text: markdown a name could carry is escaped", () => {
    expect(escapeCardText("[click](https://evil.example)*x*<b>")).toBe("\\[click\\](https://evil.example)\\*x\\*\\<b\\>");
    expect(escapeCardText("MC_hdi-1_pool_eastus")).toBe("MC_hdi-1_pool_eastus");
    expect(escapeCardText("x".repeat(1000)).length).toBeLessThanOrEqual(300);
  });
});

describe("posting to the webhook", () => {
  const message = () => {
    const report = reportWith(3);
    return buildAlertMessage({ report, diff: { new: report.targets[0]!.findings.map((f) => f.id), resolved: [], unchanged: 0 }, newItems: items(report, 0, 3), resolvedItems: [], staleCount: 0 });
  };

  it("sends once on 202", async () => {
    const r = await postToTeams(receiver.url, message());
    expect(r).toMatchObject({ outcome: "sent", status: 202, attempts: 1 });
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]!.contentType).toBe("application/json");
    expect(teamsMessageProblems(receiver.requests[0]!.body)).toEqual([]);
    noteCardSize(receiver.requests[0]!.bytes);
  });

  it("retries a 429 after the Retry-After it was given", async () => {
    receiver.script([{ status: 429, headers: { "retry-after": "0" } }]);
    const r = await postToTeams(receiver.url, message(), { maxRetryDelayInMs: 50 });
    expect(r).toMatchObject({ outcome: "sent", attempts: 2, delaysInMs: [0] });
    expect(receiver.requests.map((q) => q.status)).toEqual([429, 202]);
  });

  it("caps a long Retry-After", async () => {
    receiver.script([{ status: 429, headers: { "retry-after": "3600" } }, { status: 503, headers: { "retry-after": "120" } }]);
    const r = await postToTeams(receiver.url, message(), { maxRetryDelayInMs: 15 });
    expect(r).toMatchObject({ outcome: "sent", attempts: 3, delaysInMs: [15, 15] });
  });

  it("backs off on 5xx without Retry-After, then gives up after the last attempt", async () => {
    receiver.script([{ status: 500 }, { status: 502 }, { status: 500 }, { status: 500 }]);
    const retries: number[] = [];
    const r = await postToTeams(receiver.url, message(), { maxAttempts: 4, retryDelayInMs: 2, onRetry: (e) => retries.push(e.status!) });
    expect(r).toMatchObject({ outcome: "exhausted", status: 500, attempts: 4, delaysInMs: [2, 4, 8] });
    expect(retries).toEqual([500, 502, 500]);
    expect(receiver.delivered()).toHaveLength(0);
  });

  it("does not retry a 400 (or any 4xx but 429)", async () => {
    receiver.script([{ status: 400 }]);
    const r = await postToTeams(receiver.url, message(), { retryDelayInMs: 1 });
    expect(r).toMatchObject({ outcome: "rejected", status: 400, attempts: 1, delaysInMs: [] });
    expect(receiver.requests).toHaveLength(1);
    receiver.script([{ status: 404 }]);
    expect(await postToTeams(receiver.url, message(), { retryDelayInMs: 1 })).toMatchObject({ outcome: "rejected", status: 404, attempts: 1 });
  });

  it("does not re-send after a timeout: the first request may have arrived", async () => {
    receiver.script(["hang"]);
    const r = await postToTeams(receiver.url, message(), { timeoutInMs: 300, retryDelayInMs: 1 });
    expect(r).toMatchObject({ outcome: "uncertain", attempts: 1, detail: "timed out" });
    expect(receiver.requests).toHaveLength(1);
  });

  it("retries when no connection could be made, and never puts the URL in its result", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const url = `http://127.0.0.1:${port}/workflows?sig=secret-signature`;
    const r = await postToTeams(url, message(), { maxAttempts: 2, retryDelayInMs: 1 });
    expect(r).toMatchObject({ outcome: "unreachable", attempts: 2 });
    expect(JSON.stringify(r)).not.toContain("secret-signature");
  });

  it("parses Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2025-01-01T00:00:00Z");
    expect(retryAfterInMs("7", now)).toBe(7000);
    expect(retryAfterInMs("Wed, 01 Jan 2025 00:00:03 GMT", now)).toBe(3000);
    expect(retryAfterInMs("Tue, 31 Dec 2024 00:00:00 GMT", now)).toBe(0);
    expect(retryAfterInMs("soon", now)).toBeUndefined();
    expect(retryAfterInMs(null, now)).toBeUndefined();
  });

  it("delivers the large card under 28 KB", async () => {
    const report = reportWith(600);
    const big = buildAlertMessage({
      report,
      diff: { new: report.targets[0]!.findings.slice(0, 450).map((f) => f.id), resolved: report.targets[0]!.findings.slice(450).map((f) => f.id), unchanged: 0 },
      newItems: items(report, 0, 450),
      resolvedItems: items(report, 450, 600),
      staleCount: 0,
      reportUrl: "https://egress-audit.example.net/api/scans/11111111-2222-4333-8444-555555555555",
    });
    // The size budget, not the per-section cap of 40 items, is what limits this one.
    expect(messageBytes(big)).toBeGreaterThan(24 * 1024);
    expect(big.attachments[0].content.body.filter((e) => e.type === "TextBlock" && e.text.includes("stray-pip")).length).toBeLessThan(80);
    expect(await postToTeams(receiver.url, big)).toMatchObject({ outcome: "sent" });
    const received = receiver.requests[0]!;
    expect(received.bytes).toBeLessThan(TEAMS_MESSAGE_LIMIT_BYTES);
    expect(cardText(received.body)).toMatch(/…and \d+ more new findings/);
    expect(teamsMessageProblems(received.body)).toEqual([]);
    noteCardSize(received.bytes);
    // For the closing note of the issue: the largest card this file sent.
    console.log(`largest Teams card sent in test/notify: ${largestCardSent.bytes} bytes`);
  });
});
