/**
 * The change-events benchmark (`npm run bench:events`, issue 16 item 6; not part of `npm test`):
 * the service as a user runs it, on a generated 1,000-target estate.
 *
 * - the ARM emulator in its own process (bench/eventsEmulator.ts) with 50 ms latency and ARM's read
 *   bucket (250, refill 25/s per subscription), posting an Event Grid event after every write to
 *   serve's webhook;
 * - `egress-audit serve` as a child process with its settings in the environment: the emulator as
 *   AZURE_ARM_ENDPOINT (CA through NODE_EXTRA_CA_CERTS), an Azurite this benchmark starts as
 *   AzureWebJobsStorage, a Teams receiver in this process as TEAMS_WEBHOOK_URL, the estate's
 *   subscriptions as SCAN_SUBSCRIPTIONS, fixed keys (EVENTGRID_SYSTEM_KEY among them);
 * - a recorded scan (the timer, through the admin route), then 20 writes no target depends on
 *   alone (their ARM reads must be 0), then the soak: single writes on per-target resources,
 *   bursts of 20 writes within a second on the shared policy, more unrelated writes, paced; 500
 *   writes in all (bench/eventsSoak.ts); then a full recorded scan.
 *
 * Measured: time from each drift-changing write to the Teams post that reports it (p50, p95, max;
 * bench/eventsMatch.ts), ARM reads per event (the emulator's read count), alerts lost and
 * duplicated, and whether the full scan's diff reports as new any finding already alerted.
 * Prints a table and writes bench/results/events.json.
 *
 *   npm run bench:events
 *   npm run bench:events -- --targets 1000 --interval-ms 600 --nsg-targets 40
 *   npm run bench:events -- --direct        the emulator posts to the webhook itself (no Event Grid relay)
 *
 * Delivery: the emulator posts to a relay in this process that delivers to serve as Event Grid
 * does (bench/eventsRelay.ts: at once, concurrently, unordered, retried); see there why.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, platform, release, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startDemoTeamsReceiver } from "../src/cli/demoTeamsReceiver.js";
import { startAzurite } from "../src/serve/azurite.js";
import { prepareEstate } from "./estateFile.js";
import { matchAlerts, percentile, scanIdOfCard, type Alert } from "./eventsMatch.js";
import { startEventRelay, type EventRelay } from "./eventsRelay.js";
import { allTargets, callJson, reportHead, startEventsEmulator, startServe, targetFailures } from "./eventsProcesses.js";
import { pickResources, SoakWriter, type Step } from "./eventsSoak.js";
import { generateEstate } from "./generate.js";
import { commitOf } from "./processes.js";
import { ARM } from "./rows.js";

const root = join(import.meta.dirname, "..");
const { values } = parseArgs({
  options: {
    targets: { type: "string", default: "1000" },
    subscriptions: { type: "string", default: "20" },
    "latency-ms": { type: "string", default: "50" },
    "interval-ms": { type: "string", default: "600" },
    "nsg-targets": { type: "string", default: "40" },
    singles: { type: "string", default: "250" },
    bursts: { type: "string", default: "10" },
    "burst-size": { type: "string", default: "20" },
    "quiet-unrelated": { type: "string", default: "20" },
    unrelated: { type: "string", default: "30" },
    "coalesce-ms": { type: "string", default: "5000" },
    direct: { type: "boolean", default: false },
    out: { type: "string", default: join(root, "bench", "results", "events.json") },
  },
});
const n = (k: keyof typeof values) => Number(values[k]);
const targets = n("targets");
const subscriptions = n("subscriptions");
const latencyInMs = n("latency-ms");
const intervalInMs = n("interval-ms");
const burstSize = n("burst-size");
const coalesceInMs = n("coalesce-ms");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

const loadAtStart = loadavg().map((x) => +x.toFixed(2));
const generated = generateEstate({ targets, subscriptions, pageSize: 100, faults: { latencyInMs, armBucket: ARM } });
const resources = pickResources(generated, n("nsg-targets"));
const estate = await prepareEstate({ targets, subscriptions, pageSize: 100, latencyInMs, armBucket: ARM });
log(`estate: ${targets} targets over ${subscriptions} subscriptions, ${generated.counts.resources} resources; ${resources.toggles.filter((t) => t.kind === "route").length} seeded route tables and ${resources.toggles.filter((t) => t.kind === "nsg").length} MC-group NSGs toggled`);

const keys = { functionKey: randomBytes(18).toString("base64url"), masterKey: randomBytes(18).toString("base64url"), systemKey: randomBytes(18).toString("base64url") };
const emu = await startEventsEmulator(estate.estatePath);
const azurite = await startAzurite();
const teams = await startDemoTeamsReceiver();
let serve: Awaited<ReturnType<typeof startServe>> | undefined;
let relay: EventRelay | undefined;
try {
  serve = await startServe({
    AZURE_ARM_ENDPOINT: emu.url,
    AZURE_ARM_TOKEN: "egress-audit-bench",
    NODE_EXTRA_CA_CERTS: emu.caBundle,
    AzureWebJobsStorage: azurite.connectionString,
    TEAMS_WEBHOOK_URL: teams.url,
    SCAN_SUBSCRIPTIONS: resources.subscriptions.join(","),
    EGRESS_AUDIT_FUNCTION_KEY: keys.functionKey,
    EGRESS_AUDIT_MASTER_KEY: keys.masterKey,
    EVENTGRID_SYSTEM_KEY: keys.systemKey,
    CHANGE_COALESCE_IN_MS: String(coalesceInMs),
  });
  const api = serve.url;
  const webhook = `${api}/runtime/webhooks/eventgrid?functionName=onResourceChange&code=${encodeURIComponent(keys.systemKey)}`;
  relay = values.direct ? undefined : await startEventRelay(webhook);
  await emu.deliverTo(relay?.url ?? webhook);
  const flush = async () => {
    const totals = await emu.flush();
    await relay?.settled();
    return relay ? { delivered: relay.totals().delivered, failed: relay.totals().failed, retries: relay.totals().retries } : totals;
  };
  log(`serve ${api} (child process), emulator ${emu.url}, Azurite pid ${azurite.pid}, Teams receiver ${new URL(teams.url).origin}`);

  // 1. The recorded scan the events are judged against (the timer, as the host's admin API runs it).
  const scanStart = Date.now();
  const readsBeforeScan = (await emu.stats()).reads;
  const first = (await callJson(`${api}/admin/functions/scheduledScan`, { method: "POST", headers: { "x-functions-key": keys.masterKey } }, [202])) as { status: string; scanId: string };
  if (first.status !== "complete") throw new Error(`the first scan did not complete: ${JSON.stringify(first)}`);
  const scanInMs = Date.now() - scanStart;
  const scanReads = (await emu.stats()).reads - readsBeforeScan;
  const initial = await allTargets(api, keys.functionKey, first.scanId);
  const targetIds = new Map(initial.map((t) => [t.name, t.id]));
  const initiallyFailingOf = new Map(initial.map((t) => [t.id, t.failing]));
  const initiallyFailing = new Set(initial.flatMap((t) => t.failing));
  log(`recorded scan ${first.scanId}: ${initial.length} targets, ${initiallyFailing.size} failing findings, ${scanReads} ARM reads in ${(scanInMs / 1000).toFixed(1)} s`);

  const steps: Step[] = [];
  const writer = new SoakWriter(emu.url, emu.caBundle, resources);
  const run = async (step: Omit<Step, "index">, act: () => Promise<unknown>): Promise<void> => {
    const s: Step = { ...step, index: steps.length };
    steps.push(s);
    s.writeAt = Date.now();
    try {
      await act();
    } catch (err) {
      s.error = (err as Error).message.slice(0, 300);
    }
    s.doneAt = Date.now();
  };
  const unrelatedStep = () => {
    const s = { kind: "unrelated" as const, effect: "none" as const, resourceId: "", writes: 1 };
    return run(s, async () => (steps.at(-1)!.resourceId = await writer.unrelated()));
  };
  const settled = async () => {
    await flush();
    await sleep(500);
  };

  // 2. Writes no target depends on, alone: the audit must read nothing for them.
  const quietBefore = (await emu.stats()).reads;
  for (let i = 0; i < n("quiet-unrelated"); i++) {
    const tick = Date.now();
    await unrelatedStep();
    await sleep(Math.max(0, intervalInMs - (Date.now() - tick)));
  }
  await settled();
  const quietReads = (await emu.stats()).reads - quietBefore;
  const quietInvocations = serve.invocations.filter((i) => steps.some((s) => s.kind === "unrelated" && s.resourceId.toLowerCase() === i.resourceId.toLowerCase()));
  log(`${n("quiet-unrelated")} unrelated writes alone: ${quietReads} ARM reads; outcomes ${JSON.stringify(tally(quietInvocations.map((i) => i.batch?.status ?? "failed")))}`);

  // 3. The soak: singles on per-target resources, bursts on the shared policy, unrelated writes.
  const plan: Array<"single" | "burst" | "unrelated"> = Array.from({ length: n("singles") }, () => "single" as const);
  const insertEvenly = (what: "burst" | "unrelated", count: number) => {
    for (let i = 0; i < count; i++) plan.splice(Math.floor(((i + 0.5) * plan.length) / count), 0, what);
  };
  insertEvenly("burst", n("bursts"));
  insertEvenly("unrelated", n("unrelated"));
  const soakStart = Date.now();
  const soakReadsBefore = (await emu.stats()).reads;
  let toggle = 0;
  let burstIntroduces = true;
  for (const [i, what] of plan.entries()) {
    const tick = Date.now();
    if (what === "single") {
      const t = resources.toggles[toggle++ % resources.toggles.length]!;
      await run({ kind: t.kind, effect: t.drifted ? "resolve" : "introduce", target: t.target, resourceId: SoakWriter.idOf(t), writes: 1 }, () => writer.toggle(t));
    } else if (what === "burst") {
      const effect = burstIntroduces ? "introduce" : "resolve";
      burstIntroduces = !burstIntroduces;
      const { sub, rg, name, rcg } = resources.policy;
      const id = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/firewallPolicies/${name}/ruleCollectionGroups/${rcg}`;
      await run({ kind: "burst", effect, resourceId: id, writes: burstSize }, () => writer.burst(effect, burstSize - 1));
    } else {
      await unrelatedStep();
    }
    if (i % 50 === 49) log(`soak: ${i + 1} of ${plan.length} steps, ${teams.messages.length} alerts so far`);
    await sleep(Math.max(0, intervalInMs - (Date.now() - tick)));
  }
  const writesInMs = Date.now() - soakStart;
  // Every event delivered, and every event's audit logged by serve (a delivery Event Grid gave up
  // on after 30 s still ends in an audit), then the last posts.
  const deliveries = await flush();
  const writesSoFar = steps.reduce((sum, x) => sum + x.writes, 0);
  const drainDeadline = Date.now() + 20 * 60_000;
  const auditedEvents = () => new Set(serve!.invocations.filter((i) => i.batch).map((i) => i.eventId)).size;
  while (auditedEvents() < writesSoFar && Date.now() < drainDeadline) await sleep(1000);
  // Deliveries Event Grid gave up on after 30 s were redelivered: their invocations (and the
  // batches they join) run on; serve is drained when it has logged nothing for a minute.
  const lastInvocation = () => serve!.invocations.at(-1)?.at ?? 0;
  while (Date.now() - lastInvocation() < 60_000 && Date.now() < drainDeadline) await sleep(1000);
  const drainedInMs = Date.now() - soakStart;
  const soakReads = (await emu.stats()).reads - soakReadsBefore;
  const writes = steps.reduce((sum, s) => sum + s.writes, 0);
  const soakWrites = steps.filter((s) => s.writeAt! >= soakStart).reduce((sum, s) => sum + s.writes, 0);
  log(`soak done (serve drained): ${writes} writes in all, ${soakWrites} in the soak (${(writesInMs / 1000).toFixed(0)} s), drained after ${(drainedInMs / 1000).toFixed(0)} s; ${teams.messages.length} alerts; ${soakReads} ARM reads`);

  // 4. Which alert reported which change.
  const alerts: Alert[] = [];
  for (const m of teams.messages) {
    const scanId = scanIdOfCard(m);
    if (!scanId) continue;
    const head = await reportHead(api, keys.functionKey, scanId);
    alerts.push({ receivedAt: m.receivedAt, scanId, newIds: new Set(head.diff?.new ?? []), resolvedIds: new Set(head.diff?.resolved ?? []) });
  }
  const match = await matchAlerts({ steps, alerts, targetIds, initiallyFailing, initiallyFailingOf, failuresOf: (scanId, targetId) => targetFailures(api, keys.functionKey, scanId, targetId) });

  // 5. The full scan after the soak: nothing already alerted may come up as new.
  // A batch still holding the scope's lock makes the timer skip; it runs again until it completes.
  let finalRun: { status: string; scanId?: string; message?: string };
  const finalStart = Date.now();
  for (;;) {
    finalRun = (await callJson(`${api}/admin/functions/scheduledScan`, { method: "POST", headers: { "x-functions-key": keys.masterKey } }, [202])) as { status: string; scanId?: string };
    if (finalRun.status === "complete" || Date.now() - finalStart > 10 * 60_000) break;
    await sleep(5000);
  }
  const finalWaitInMs = Date.now() - finalStart;
  const finalHead = finalRun.status === "complete" ? await reportHead(api, keys.functionKey, finalRun.scanId!) : undefined;
  if (!finalHead) log(`the full scan after the soak did not run within 10 min: ${JSON.stringify(finalRun)}`);
  const finalNew = finalHead?.diff?.new ?? [];
  const finalResolved = finalHead?.diff?.resolved ?? [];
  const reAlerted = finalNew.filter((id) => match.alertedNew.has(id));

  // Figures.
  const latencies = [...match.matched.values()].map((m) => m.latencyInMs);
  const byKind = (kind: Step["kind"]) => [...match.matched.entries()].filter(([i]) => steps[i]!.kind === kind).map(([, m]) => m.latencyInMs);
  const changing = steps.filter((s) => s.effect !== "none" && !s.error);
  const invocations = serve.invocations;
  const audited = new Map<string, { armRequests: number; targets: number; changes: number }>();
  for (const i of invocations) if (i.batch?.status === "audited" && i.batch.scanId) audited.set(i.batch.scanId, { armRequests: i.batch.armRequests, targets: i.batch.targets, changes: i.batch.changes });
  const batchReads = [...audited.values()].map((b) => b.armRequests);
  const unrelatedIds = new Set(steps.filter((s) => s.kind === "unrelated").map((s) => s.resourceId.toLowerCase()));
  const unrelatedOutcomes = tally(invocations.filter((i) => unrelatedIds.has(i.resourceId.toLowerCase())).map((i) => i.batch?.status ?? "failed"));
  const failedInvocations = invocations.filter((i) => i.error).length;
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const p95 = percentile(latencies, 95);
  const readsPerEvent = soakReads / Math.max(1, soakWrites);
  const rows: Array<[string, string, string, string]> = [
    ["write -> Teams alert p50", s(percentile(latencies, 50)), "", ""],
    ["write -> Teams alert p95", s(p95), "<= 15 s", p95 <= 15_000 ? "yes" : "NO"],
    ["write -> Teams alert max", s(Math.max(...latencies)), "", ""],
    ["  singles p50 / p95 / max", `${s(percentile(byKind("route").concat(byKind("nsg")), 50))} / ${s(percentile(byKind("route").concat(byKind("nsg")), 95))} / ${s(Math.max(...byKind("route").concat(byKind("nsg"))))}`, "", ""],
    ["  bursts p50 / p95 / max", `${s(percentile(byKind("burst"), 50))} / ${s(percentile(byKind("burst"), 95))} / ${s(Math.max(...byKind("burst")))}`, "", ""],
    ["ARM reads per event (soak)", `${readsPerEvent.toFixed(2)} (${soakReads} reads / ${soakWrites} events)`, "<= 20", readsPerEvent <= 20 ? "yes" : "NO"],
    ["ARM reads per audited batch", `mean ${(batchReads.reduce((a, b) => a + b, 0) / Math.max(1, batchReads.length)).toFixed(1)}, max ${Math.max(0, ...batchReads)} (${audited.size} batches)`, "", ""],
    ["ARM reads, unrelated events alone", `${quietReads} (${n("quiet-unrelated")} events)`, "0", quietReads === 0 ? "yes" : "NO"],
    ["alerts lost", `${match.lost.length} of ${changing.length} drift-changing steps`, "0", match.lost.length === 0 ? "yes" : "NO"],
    ["alerts duplicated", `${match.duplicates.length} (${alerts.length} alerts)`, "0", match.duplicates.length === 0 ? "yes" : "NO"],
    finalHead
      ? ["full scan after: new already alerted", `${reAlerted.length} (diff: ${finalNew.length} new, ${finalResolved.length} resolved; ran after ${s(finalWaitInMs)})`, "0", reAlerted.length === 0 ? "yes" : "NO"]
      : ["full scan after: new already alerted", `not measured: the timer skipped for ${s(finalWaitInMs)} (scope lock held)`, "0", "NO"],
  ];
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]!.length), ["measure", "measured", "target"][c]!.length));
  const line = (r: readonly string[]) => `${r[0]!.padEnd(widths[0]!)}  ${r[1]!.padEnd(widths[1]!)}  ${r[2]!.padEnd(widths[2]!)}  ${r[3]}`;
  const table = [
    `bench:events - ${targets} targets, ${subscriptions} subscriptions, emulator ${latencyInMs} ms latency, ARM read bucket ${ARM.capacity} / ${ARM.refillPerSecond} per s; CHANGE_COALESCE_IN_MS ${coalesceInMs}`,
    `${writes} writes: ${steps.filter((x) => x.kind === "route" || x.kind === "nsg").length} single (route ${steps.filter((x) => x.kind === "route").length}, NSG rule ${steps.filter((x) => x.kind === "nsg").length}), ${steps.filter((x) => x.kind === "burst").length} bursts of ${burstSize} on the hub policy's rule collection group, ${steps.filter((x) => x.kind === "unrelated").length} unrelated (${n("quiet-unrelated")} alone first); step every ${intervalInMs} ms; write errors ${steps.filter((x) => x.error).length}`,
    `events audited ${new Set(invocations.filter((i) => i.batch).map((i) => i.eventId)).size} of ${writes}; deliveries ${relay ? "through an Event Grid-like relay (concurrent, unordered, retried)" : "by the emulator directly (in order per resource)"}: ${deliveries.delivered}, failed ${deliveries.failed}; invocations ${invocations.length} (failed ${failedInvocations}); unrelated outcomes ${JSON.stringify(unrelatedOutcomes)}; first scan ${s(scanInMs)} (${scanReads} reads)`,
    line(["measure", "measured", "target", "met"]),
    ...rows.map(line),
  ];
  console.log("");
  for (const l of table) console.log(l);
  if (match.lost.length) console.log(`lost: ${match.lost.slice(0, 10).map((x) => `#${x.index} ${x.kind} ${x.effect} ${x.target ?? ""}`).join("; ")}`);
  if (match.duplicates.length) console.log(`duplicated: ${match.duplicates.slice(0, 5).join("; ")}`);
  const loadAtEnd = loadavg().map((x) => +x.toFixed(2));
  console.log(`load average at start ${loadAtStart.join(" / ")}, at end ${loadAtEnd.join(" / ")} (${cpus().length} cores shared with other processes)`);

  mkdirSync(join(root, "bench", "results"), { recursive: true });
  writeFileSync(
    values.out,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        commit: commitOf(root),
        machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGb: +(totalmem() / 2 ** 30).toFixed(1), platform: `${platform()} ${release()}`, node: process.version, loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadAtEnd },
        settings: {
          measured: "egress-audit serve as a child process (node --import tsx src/cli/main.ts serve) with AZURE_ARM_ENDPOINT = the emulator process, NODE_EXTRA_CA_CERTS, AzureWebJobsStorage = Azurite, TEAMS_WEBHOOK_URL = a receiver in the bench process; the emulator posts each write's Event Grid event to serve's webhook",
          targets, subscriptions, latencyInMs, armBucket: ARM, coalesceInMs, intervalInMs, burstSize,
          latency: "from the moment the (first) write of a step was sent to the moment the Teams post that reports it arrived",
          delivery: relay ? "the emulator posts to a relay in the bench process that delivers to serve's webhook as Event Grid does: at once, concurrently, unordered, retried (bench/eventsRelay.ts)" : "the emulator posts to serve's webhook directly (in order per resource)",
          readsPerEvent: "ARM reads the emulator answered from the start of the soak until every event was delivered and audited, over the writes of the soak",
        },
        table,
        figures: {
          latencyInMs: { p50: percentile(latencies, 50), p95, max: Math.max(...latencies), count: latencies.length },
          latencyByKindInMs: Object.fromEntries((["route", "nsg", "burst"] as const).map((k) => [k, { p50: percentile(byKind(k), 50), p95: percentile(byKind(k), 95), max: Math.max(...byKind(k)), count: byKind(k).length }])),
          firstScan: { durationInMs: scanInMs, armReads: scanReads, targets: initial.length },
          soak: { writes: soakWrites, wallInMs: writesInMs, drainedInMs, armReads: soakReads, readsPerEvent },
          unrelatedAlone: { events: n("quiet-unrelated"), armReads: quietReads },
          unrelatedOutcomes,
          batches: { audited: audited.size, armRequests: batchReads },
          deliveries, invocations: invocations.length, failedInvocations,
          alerts: alerts.length,
          lost: match.lost.map((x) => ({ index: x.index, kind: x.kind, effect: x.effect, target: x.target, resourceId: x.resourceId, writeAt: x.writeAt })),
          duplicated: match.duplicates,
          finalScan: finalHead ? { scanId: finalRun.scanId, waitedInMs: finalWaitInMs, new: finalNew.length, resolved: finalResolved.length, newAlreadyAlerted: reAlerted } : { ran: false, waitedInMs: finalWaitInMs, last: finalRun },
          writeErrors: steps.filter((x) => x.error).map((x) => ({ index: x.index, kind: x.kind, error: x.error })),
        },
        targets: {
          p95WithinFifteenSeconds: p95 <= 15_000,
          readsPerEventAtMostTwenty: readsPerEvent <= 20,
          unrelatedCostNothing: quietReads === 0,
          noneLost: match.lost.length === 0,
          noneDuplicated: match.duplicates.length === 0,
          fullScanReportsNothingAlerted: finalHead ? reAlerted.length === 0 : null,
        },
      },
      null,
      2,
    ) + "\n",
  );
  console.log(`written ${values.out}`);
} catch (err) {
  console.error(`bench:events failed: ${(err as Error).stack ?? String(err)}`);
  if (serve) console.error(`serve's last log lines:\n${serve.tail()}`);
  process.exitCode = 1;
} finally {
  await serve?.stop();
  await relay?.close();
  await teams.close();
  await emu.stop();
  await azurite.stop();
  rmSync(estate.dir, { recursive: true, force: true });
}

function tally(xs: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}
