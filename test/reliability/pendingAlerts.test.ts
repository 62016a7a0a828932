/**
 * Undelivered alerts stay pending and are sent by the next run of their scope (issue 15, item 6),
 * end to end on real parts: the ARM emulator over HTTPS (the demo estate, and the same estate with
 * a stray public IP in the MC group of the compliant pool-finance), the shared Azurite, and a local
 * Teams receiver on 127.0.0.1 that answers as scripted.
 *
 * - Scan 1 seeds; scan 2 (HTTP) finds the stray IP while the webhook answers 503: failed, nothing
 *   delivered; scan 3 (timer, webhook healthy, no further change) delivers scan 2's card exactly
 *   once, marked late; scan 4 (HTTP) sends nothing.
 * - An `uncertain` post (timed out after the request left) is never re-sent.
 * - A run that failed its post and died before its commit is retried: the change is delivered
 *   once (the pending re-send), and the retried run's own claim of it is a duplicate.
 * - Two pending alerts (new, then resolved) while the webhook stays down: a run that still finds
 *   it down tries only the oldest and stops; the next healthy run sends both, oldest first.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Timer } from "@azure/functions";
import { scheduledScan } from "../../functions/scheduledScan.js";
import { startScan } from "../../functions/startScan.js";
import { readAppSettings } from "../../src/config/appSettings.js";
import type { Estate } from "../../src/emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { scopeKeyOf } from "../../src/model/scan.js";
import type { TeamsPostOptions } from "../../src/notify/teams.js";
import type { DriftReport } from "../../src/report/report.js";
import { alertFingerprint, recordScan } from "../../src/app/recordScan.js";
import { createServices, useServices, type AppServices } from "../../src/app/services.js";
import { publicIp } from "../helpers/estate.js";
import { DEMO_SUB_A, DEMO_SUB_B, REPO, azurite, cardText, httpRequest, invocation, readResponse, teamsMessageProblems } from "../setup/harness.js";
import { startTeamsReceiver, type TeamsReceiver } from "../setup/teamsReceiver.js";

const SCOPE = [DEMO_SUB_A, DEMO_SUB_B];
const SCOPE_KEY = scopeKeyOf({ subscriptions: SCOPE });
const STRAY = "pending-alert-stray-pip";
const demo = JSON.parse(readFileSync(join(REPO, "estates", "demo.json"), "utf8")) as Estate;
function withStrayIp(estate: Estate): Estate {
  const aks = estate.resources.find((r) => /managedclusters$/i.test(r.type) && r.name === "pool-finance")!;
  const mc = (aks.properties as { nodeResourceGroup: string }).nodeResourceGroup;
  return { ...estate, resources: [...estate.resources, publicIp(DEMO_SUB_A, mc, STRAY)] };
}

const timer: Timer = {
  isPastDue: false,
  schedule: { adjustForDST: true },
  scheduleStatus: { last: "2025-01-01T00:00:00.000Z", next: "2025-01-01T06:00:00.000Z", lastUpdated: "2025-01-01T00:00:00.000Z" },
};

let before: RunningEmulator;
let after: RunningEmulator;
let receiver: TeamsReceiver;
/** Alerts delivered per scan of the 503 reproduction, for the closing note. */
const perScan: string[] = [];

beforeAll(async () => {
  [before, after, receiver] = await Promise.all([startEmulator({ estate: demo }), startEmulator({ estate: withStrayIp(demo) }), startTeamsReceiver()]);
});

afterAll(async () => {
  useServices(undefined);
  await Promise.all([before?.close(), after?.close(), receiver?.close()]);
  if (perScan.length) console.log(`webhook 503 reproduction, alerts delivered per scan: ${perScan.join("; ")}`);
});

/** Services on one emulator's estate, one history namespace, the receiver as the webhook. */
function services(emulator: RunningEmulator, namespace: string, teams: TeamsPostOptions = {}): AppServices {
  const settings = readAppSettings({
    AZURE_ARM_ENDPOINT: emulator.url,
    AZURE_ARM_TOKEN: "test-token",
    AzureWebJobsStorage: azurite(),
    TEAMS_WEBHOOK_URL: receiver.url,
    SCAN_SUBSCRIPTIONS: SCOPE.join(","),
    PUBLIC_BASE_URL: "https://egress-audit.example.net",
  });
  return createServices(settings, {
    clients: { caCertificates: [emulator.caCertPem], maxRetries: 0 },
    teams: { retryDelayInMs: 1, maxRetryDelayInMs: 20, timeoutInMs: 5_000, ...teams },
    historyNamespace: namespace,
  });
}

async function timerScan(s: AppServices) {
  useServices(s);
  const { context, lines } = invocation("scheduledScan");
  const outcome = await scheduledScan(timer, context);
  expect(outcome.status, lines.join("\n")).toBe("complete");
  return { outcome: outcome as Extract<typeof outcome, { status: "complete" }>, lines };
}

async function httpScan(s: AppServices) {
  useServices(s);
  const { context, lines } = invocation("startScan");
  const r = await readResponse(await startScan(httpRequest("POST", "/api/scans", { headers: { "content-type": "application/json" }, body: JSON.stringify({ subscriptions: SCOPE }) }), context));
  expect(r.status, r.text.slice(0, 300)).toBe(201);
  return { report: r.json as DriftReport, lines };
}

/** Delivered cards whose text names the stray IP. */
const strayCards = () => receiver.delivered().filter((r) => cardText(r.body).includes(STRAY));

describe("undelivered alerts stay pending", () => {
  it("503 on scan 2: nothing delivered; scan 3 (no further change) delivers scan 2's card exactly once; scan 4 sends nothing", async () => {
    receiver.reset();
    const seed = services(before, "pend503");
    const changed = services(after, "pend503");
    const counts: number[] = [];
    const delivered = () => receiver.delivered().length - counts.reduce((a, b) => a + b, 0);

    const s1 = await timerScan(seed);
    expect(s1.outcome.notification).toBe("not-needed");
    counts.push(delivered());

    receiver.script([{ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }]);
    const s2 = await httpScan(changed);
    expect(s2.report.diff?.new.length).toBe(1);
    counts.push(delivered());
    const afterScan2 = receiver.requests.length;

    const s3 = await timerScan(changed);
    counts.push(delivered());
    const s4 = await httpScan(changed);
    counts.push(delivered());
    perScan.push(...counts.map((n, i) => `scan ${i + 1}: ${n}`));

    expect(afterScan2).toBe(4); // 503 four times: the retries ran out
    expect(s2.lines.join("\n")).toContain("Teams alert failed after 4 attempt(s) (HTTP 503)");
    expect(s3.outcome.diff).toMatchObject({ new: 0, resolved: 0 });
    expect(s3.outcome.notification).toBe("not-needed"); // its own diff is empty
    expect(counts).toEqual([0, 0, 1, 0]);
    expect(strayCards()).toHaveLength(1);
    expect(s4.report.diff?.new).toEqual([]);

    const card = strayCards()[0]!.body;
    expect(teamsMessageProblems(card)).toEqual([]);
    const text = cardText(card);
    // Scan 2's card (its scan and report), marked as late and naming why and by whom.
    expect(text).toContain(s2.report.scanId);
    const actions = (card as { attachments: Array<{ content: { actions?: Array<{ url: string }> } }> }).attachments[0]!.content.actions;
    expect(actions?.map((a) => a.url)).toEqual([expect.stringMatching(new RegExp(`^https://egress-audit\\.example\\.net/api/dashboard#scan=${s2.report.scanId}(&target=[^&]+)?$`))]);
    expect(text).toMatch(new RegExp(`Sent late: .*scan ${s2.report.scanId}.*HTTP 503.*re-sent by scan ${s3.outcome.scanId}`));
    expect(s3.lines.join("\n")).toContain(`pending alert of scan ${s2.report.scanId} re-sent: sent`);

    // The alert row: delivered by scan 3's run, no longer pending.
    const fp = alertFingerprint(SCOPE_KEY, s1.outcome.scanId, s2.report.diff!);
    expect(await changed.history!.getAlert(SCOPE_KEY, fp)).toMatchObject({ state: "sent", scanId: s2.report.scanId, resentBy: s3.outcome.scanId });
    expect((await changed.history!.getAlert(SCOPE_KEY, fp))?.pending).toBeUndefined();
  }, 60_000);

  it("an uncertain post (timed out: it may have arrived) is never re-sent", async () => {
    receiver.reset();
    const seed = services(before, "penduncertain", { timeoutInMs: 400 });
    const changed = services(after, "penduncertain", { timeoutInMs: 400 });
    const s1 = await timerScan(seed);
    receiver.script(["hang"]);
    const s2 = await httpScan(changed);
    expect(s2.lines.join("\n")).toContain("Teams alert uncertain after 1 attempt(s) (timed out)");
    const s3 = await timerScan(changed);
    await httpScan(changed);
    expect(receiver.requests).toHaveLength(1); // the one that may have arrived; never a second
    expect(s3.lines.join("\n")).not.toContain("re-sent");
    const fp = alertFingerprint(SCOPE_KEY, s1.outcome.scanId, s2.report.diff!);
    const record = await changed.history!.getAlert(SCOPE_KEY, fp);
    expect(record).toMatchObject({ state: "uncertain" });
    expect(record?.pending).toBeUndefined();
  }, 60_000);

  it("a run that failed its post and died before the commit is retried: the change is delivered once, the retry's own claim is a duplicate", async () => {
    receiver.reset();
    const seed = services(before, "pendretry");
    await timerScan(seed);
    // The run dies after the alert (storage gone before the commit): nothing is committed.
    const dying = services(after, "pendretry");
    const history = dying.history!;
    const broken: AppServices = {
      ...dying,
      history: new Proxy(history, {
        get(target, prop) {
          if (prop === "commitScan") return () => Promise.reject(new Error("the instance died"));
          const value = Reflect.get(target, prop, target) as unknown;
          // The store keeps private fields: its methods run on the store itself.
          return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      }),
    };
    receiver.script([{ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }]);
    await expect(recordScan(broken, { scope: { subscriptions: SCOPE }, trigger: "timer" })).rejects.toThrow("the instance died");
    expect(receiver.delivered()).toHaveLength(0);
    // The retry measures the same change against the same base.
    const lines: string[] = [];
    const retried = await recordScan(services(after, "pendretry"), { scope: { subscriptions: SCOPE }, trigger: "timer", log: (m) => lines.push(m) });
    expect(retried).toMatchObject({ status: "complete", notification: "duplicate" });
    expect(strayCards()).toHaveLength(1);
    const again = await recordScan(services(after, "pendretry"), { scope: { subscriptions: SCOPE }, trigger: "timer" });
    expect(again).toMatchObject({ status: "complete", notification: "not-needed" });
    expect(strayCards()).toHaveLength(1);
    expect(receiver.requests).toHaveLength(5);
  }, 60_000);

  it("two pending alerts: a run that finds the webhook still down tries only the oldest; the next healthy run sends both, oldest first, once", async () => {
    receiver.reset();
    const ns = "pendtwo";
    const run = (emulator: RunningEmulator) => recordScan(services(emulator, ns), { scope: { subscriptions: SCOPE }, trigger: "timer" });
    await run(before);
    const down = () => receiver.script([{ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }]);
    down();
    const found = await run(after); // the stray IP appears: failed
    expect(found).toMatchObject({ status: "complete", notification: "failed" });
    receiver.script([{ status: 400 }, { status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }]);
    // The stray IP goes: its pending card is rejected (400: about that message, so the pass goes
    // on, with nothing left), then this run's own card fails on 503.
    const gone = await run(before);
    expect(gone).toMatchObject({ status: "complete", notification: "failed" });
    expect(receiver.requests).toHaveLength(4 + 1 + 4);
    down();
    // Still down: the oldest is tried (four attempts), the pass stops; this run has no change of its own.
    const still = await run(before);
    expect(still).toMatchObject({ status: "complete", notification: "not-needed", resent: [{ notification: "failed" }] });
    expect(receiver.requests).toHaveLength(9 + 4);
    // Healthy: both, in the order the changes happened, each once.
    const healthy = await run(before);
    expect(healthy).toMatchObject({ status: "complete", notification: "not-needed" });
    const cards = receiver.delivered().map((r) => cardText(r.body));
    expect(cards).toHaveLength(2);
    expect(cards[0]).toMatch(/New drift \(1\)/);
    expect(cards[1]).toMatch(/Resolved drift \(1\)/);
    expect(cards.every((c) => c.includes(STRAY) && c.includes("Sent late"))).toBe(true);
    await run(before);
    expect(receiver.delivered()).toHaveLength(2);
    expect(receiver.requests).toHaveLength(13 + 2);
  }, 90_000);
});
