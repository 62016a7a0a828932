/**
 * The timer function end to end on real parts: the ARM emulator over HTTPS (the demo estate, then
 * the same estate with one change), the shared Azurite, and a local Teams receiver.
 *
 * - Two timer runs with a change between them → exactly one Teams post, containing exactly that
 *   change; a third run with no change posts nothing.
 * - A run that finds another scan of its scope in progress skips and says so.
 * - A run that dies after posting is retried and does not post again.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Timer } from "@azure/functions";
import { scheduledScan } from "../../functions/scheduledScan.js";
import { loadEstate } from "../../src/emulator/estate.js";
import type { Estate } from "../../src/emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { scopeKeyOf } from "../../src/model/scan.js";
import { recordScan } from "../../src/app/recordScan.js";
import { useServices, type AppServices } from "../../src/app/services.js";
import { publicIp } from "../helpers/estate.js";
import { DEMO_SUB_A, DEMO_SUB_B, REPO, cardText, invocation, noteCardSize, storageCounts, teamsMessageProblems, testServices } from "../setup/harness.js";
import { startTeamsReceiver, type TeamsReceiver } from "../setup/teamsReceiver.js";

const timer: Timer = {
  isPastDue: false,
  schedule: { adjustForDST: true },
  scheduleStatus: { last: "2025-01-01T00:00:00.000Z", next: "2025-01-01T06:00:00.000Z", lastUpdated: "2025-01-01T00:00:00.000Z" },
};

/** The public IP the change leaves in the MC group of pool-finance (compliant in the demo estate). */
const STRAY_IP_NAME = "forgotten-jumpbox-pip";

interface Expected {
  targets: Record<string, { status: string; failing: Array<{ resourceId: string }> }>;
}
const expected = JSON.parse(readFileSync(join(REPO, "estates", "demo.expected.json"), "utf8")) as Expected;
/** Names of the resources the demo estate's existing drift is on (the card must not repeat them). */
const existingDriftNames = [...new Set(Object.values(expected.targets).flatMap((t) => t.failing.map((f) => f.resourceId.split("/").at(-1)!)))];

let receiver: TeamsReceiver;
let before: RunningEmulator;
let after: RunningEmulator;
let servicesBefore: AppServices;
let servicesAfter: AppServices;

beforeAll(async () => {
  const demo = await loadEstate(join(REPO, "estates", "demo.json"));
  expect(expected.targets["pool-finance"]?.status).toBe("compliant");
  const financeAks = demo.resources.find((r) => /managedclusters$/i.test(r.type) && r.name === "pool-finance");
  const financeMc = (financeAks?.properties as { nodeResourceGroup?: string } | undefined)?.nodeResourceGroup;
  expect(financeMc).toBeTruthy();
  // The change: someone leaves a public IP in a compliant pool's MC group.
  const changed: Estate = { ...demo, resources: [...demo.resources, publicIp(DEMO_SUB_A, financeMc!, STRAY_IP_NAME)] };
  receiver = await startTeamsReceiver();
  [before, after] = await Promise.all([startEmulator({ estate: demo }), startEmulator({ estate: changed })]);
  const env = { SCAN_SUBSCRIPTIONS: `${DEMO_SUB_A},${DEMO_SUB_B}` };
  servicesBefore = testServices({ emulator: before, namespace: "timer", receiver, env });
  servicesAfter = testServices({ emulator: after, namespace: "timer", receiver, env });
});

afterAll(async () => {
  useServices(undefined);
  await Promise.all([before?.close(), after?.close(), receiver?.close()]);
});

async function run(services: AppServices) {
  useServices(services);
  const { context, lines } = invocation("scheduledScan");
  const outcome = await scheduledScan(timer, context);
  return { outcome, lines };
}

describe("scheduled scans", () => {
  let newFindingId = "";

  it("two runs with one change between them post exactly one Teams message with exactly that change; a third run posts nothing", async () => {
    const first = await run(servicesBefore);
    expect(first.outcome.status).toBe("complete");
    if (first.outcome.status !== "complete") return;
    expect(first.outcome.diff).toBeUndefined(); // the first scan of a scope only seeds its state
    expect(first.outcome.notification).toBe("not-needed");
    expect(receiver.requests).toHaveLength(0);

    const second = await run(servicesAfter);
    expect(second.outcome.status).toBe("complete");
    if (second.outcome.status !== "complete") return;
    expect(second.outcome.diff).toMatchObject({ new: 1, resolved: 0 });
    expect(second.outcome.notification).toBe("sent");
    expect(receiver.requests).toHaveLength(1);
    const post = receiver.requests[0]!;
    noteCardSize(post.bytes);
    expect(post.contentType).toMatch(/^application\/json/);
    expect(teamsMessageProblems(post.body)).toEqual([]);
    expect(post.bytes).toBeLessThan(28 * 1024);

    // The stored report says what changed: one new finding, on the stray IP.
    const report = await servicesAfter.history!.getReport(second.outcome.scanId);
    expect(report?.diff?.new).toHaveLength(1);
    expect(report?.diff?.resolved).toEqual([]);
    newFindingId = report!.diff!.new[0]!;
    const finding = report!.targets.flatMap((t) => t.findings).find((f) => f.id === newFindingId)!;
    expect(finding.checkId).toBe("mc-group-public-ip");
    expect(finding.resourceId.toLowerCase()).toContain(STRAY_IP_NAME);

    // The card holds exactly that change: the new IP, its check, the link; none of the old drift.
    const text = cardText(post.body);
    expect(text).toContain(STRAY_IP_NAME);
    expect(text).toContain("New drift (1)");
    expect(text).not.toContain("Resolved drift");
    expect(existingDriftNames.length).toBeGreaterThan(0);
    for (const name of existingDriftNames) expect(text).not.toContain(name);
    expect(text).not.toMatch(/and \d+ more/);
    // "Open report" opens the dashboard at this scan and at the one target that changed: no key,
    // not the JSON API route.
    const financeId = report!.targets.find((t) => t.findings.some((f) => f.id === newFindingId))!.id;
    const actions = (post.body as { attachments: Array<{ content: { actions?: Array<{ title: string; url: string }> } }> }).attachments[0]!.content.actions;
    expect(actions).toEqual([
      { type: "Action.OpenUrl", title: "Open report", url: `https://egress-audit.example.net/api/dashboard#scan=${second.outcome.scanId}&target=${encodeURIComponent(financeId)}` },
    ]);
    expect(new URL(actions![0]!.url).search).toBe("");
    expect(actions![0]!.url).not.toMatch(/code=|\/api\/scans\//);

    const third = await run(servicesAfter);
    expect(third.outcome.status).toBe("complete");
    if (third.outcome.status !== "complete") return;
    expect(third.outcome.diff).toMatchObject({ new: 0, resolved: 0 });
    expect(third.outcome.diff!.unchanged).toBeGreaterThan(0);
    expect(third.outcome.notification).toBe("not-needed");
    expect(receiver.requests).toHaveLength(1);

    const page = await servicesAfter.history!.listScans({ limit: 10 });
    expect(page.items.map((i) => [i.trigger, i.notification])).toEqual([
      ["timer", "not-needed"],
      ["timer", "sent"],
      ["timer", "not-needed"],
    ]);
  });

  it("skips, and says so, when another scan of the same scope is in progress", async () => {
    const history = servicesAfter.history!;
    const lock = await history.acquireLock(scopeKeyOf({ subscriptions: [DEMO_SUB_A, DEMO_SUB_B] }));
    expect(lock).toBeDefined();
    const counts = await storageCounts(history);
    const posts = receiver.requests.length;
    try {
      const { outcome, lines } = await run(servicesAfter);
      expect(outcome).toMatchObject({ status: "skipped" });
      expect(lines.join("\n")).toMatch(/warning: scheduled scan skipped: another scan of scope subs-[0-9a-f]+ is still in progress/);
    } finally {
      await lock!.release();
    }
    expect(await storageCounts(history)).toEqual(counts);
    expect(receiver.requests.length).toBe(posts);
  });

  it("a run that dies after posting is retried and never posts the same change twice", async () => {
    // The change is undone: the next scan resolves the stray IP's finding.
    const history = servicesBefore.history!;
    const posts = receiver.requests.length;
    const controller = new AbortController();
    // The process "dies" while Teams is receiving the post: the run is aborted mid-request.
    receiver.onRequest = () => controller.abort();
    await expect(
      recordScan(servicesBefore, { scope: { subscriptions: [DEMO_SUB_A, DEMO_SUB_B] }, trigger: "timer", abortSignal: controller.signal }),
    ).rejects.toThrow(/abort/i);
    receiver.onRequest = undefined;
    expect(receiver.requests.length).toBe(posts + 1);
    noteCardSize(receiver.requests.at(-1)!.bytes);
    expect(cardText(receiver.requests.at(-1)!.body)).toContain("Resolved drift (1)");

    // The host retries the invocation: same previous scan, same change, so the claim is found.
    const retry = await run(servicesBefore);
    expect(retry.outcome).toMatchObject({ status: "complete", notification: "duplicate", diff: { new: 0, resolved: 1 } });
    expect(retry.lines.join("\n")).toContain("already claimed by an earlier run");
    expect(receiver.requests.length).toBe(posts + 1);

    // And the history moved on: the next run has nothing new to say.
    const next = await run(servicesBefore);
    expect(next.outcome).toMatchObject({ status: "complete", notification: "not-needed", diff: { new: 0, resolved: 0 } });
    expect(receiver.requests.length).toBe(posts + 1);
    const states = await history.findingStates(scopeKeyOf({ subscriptions: [DEMO_SUB_A, DEMO_SUB_B] }));
    expect(states.some((s) => s.findingId === newFindingId)).toBe(false);
  });
});
