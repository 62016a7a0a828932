/**
 * `egress-audit demo --watch`: change events end to end, on the real parts, in one process.
 *
 * - Azurite (a child process, src/serve/azurite.ts) as the function app's storage;
 * - the local API server of `npm run serve` (src/serve/server.ts) with the admin route that runs the
 *   timer (`scheduledScan`), the scan summary route and the Event Grid webhook of the `onResourceChange` function (the `eventgrid_extension` system key);
 * - the ARM emulator on the demo estate, posting the Event Grid event ARM's subscription system
 *   topic would send after each write to that webhook;
 * - a Teams Workflows receiver on loopback (./demoTeamsReceiver.ts).
 *
 * It prints a transcript with timestamps: (a) a recorded scan of the demo scope, (b) a change made
 * through the emulator with the real SDK (aks-payments' default route sent to `Internet`), (c) the
 * Event Grid delivery and the audit of its batch, (d) the Teams alert as received and the time
 * from the write to it. Then everything stops, Azurite included, however the run ends.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { InvocationContext } from "@azure/functions";
import { ArmClients } from "../arm/clients.js";
import { createServices, useServices, type ChangeFeed } from "../app/services.js";
import { readAppSettings } from "../config/appSettings.js";
import { loadEstate } from "../emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../emulator/server.js";
import { parseTriggerEvent } from "../http/eventGrid.js";
import { getScanSummary as getScanSummaryRoute } from "../http/reportRoutes.js";
import type { ResourceChange } from "../model/changeEvent.js";
import { summaryLine, type DriftReport } from "../report/report.js";
import type { ScheduledScanOutcome } from "../../functions/scheduledScan.js";
import { startAzurite, type RunningAzurite } from "../serve/azurite.js";
import type { EventGridHandler } from "../serve/eventGridWebhook.js";
import { importQuietly } from "../serve/quietImports.js";
import { startLocalServer, type RunningLocalServer } from "../serve/server.js";
import { packageRoot } from "../util/packageRoot.js";
import { cardText, startDemoTeamsReceiver, type DemoTeamsReceiver, type ReceivedTeamsMessage } from "./demoTeamsReceiver.js";
import type { OnResourceChangeOutcome } from "../../functions/onResourceChange.js";

/** The change the demo makes: aks-payments' default route, from the hub firewall to `Internet`. */
export const DEMO_CHANGE = {
  subscriptionId: "b7e4c2a9-1f3d-4e8b-a6c5-92d0f7e3b1a4",
  resourceGroup: "rg-payments-network",
  routeTable: "rt-snet-aks-payments",
  route: "default-to-fw-hub",
  target: "aks-payments",
} as const;

/** Options of {@link runDemoWatch}. */
export interface DemoWatchOptions {
  /** The transcript. */
  stdout: (text: string) => void;
  /** Notes (and with `verbose`, the server's invocation log). */
  stderr: (text: string) => void;
  /** `CHANGE_COALESCE_IN_MS` of the demo's change feed (default: the setting's default, 5000). */
  coalesceInMs?: number;
  /** No notes on stderr. */
  quiet?: boolean;
  /** The server's invocation log on stderr. */
  verbose?: boolean;
  /** How long to wait for the alert after the write; default the window plus 120 s. */
  alertTimeoutInMs?: number;
  /** Ends the run early (the CLI aborts it on SIGINT and SIGTERM); everything is stopped all the same. */
  abortSignal?: AbortSignal;
}

/** What the webhook saw of one delivered event. */
interface Delivery {
  at: number;
  change?: ResourceChange;
  outcome?: { at: number; result?: OnResourceChangeOutcome; error?: string };
}

/** `[07:00:01.234 +1.23s]`. */
function stamp(at: number, t0: number): string {
  return `[${new Date(at).toISOString().slice(11, 23)} +${((at - t0) / 1000).toFixed(2)}s]`;
}

const nameOf = (id: string): string => id.split("/").filter(Boolean).at(-1) ?? id;

/** The routes and functions the demo's server runs (loaded without the "test mode" warnings). */
async function loadFunctions() {
  const loaded = await importQuietly(async () => ({
    scheduledScan: (await import("../../functions/scheduledScan.js")).scheduledScan,
    getScanSummary: (await import("../../functions/getScanSummary.js")).getScanSummary,
    onResourceChange: (await import("../../functions/onResourceChange.js")).onResourceChange,
  }));
  return loaded.value;
}

/** A JSON request to the local server. */
async function callApi(url: string, init: RequestInit, signal: AbortSignal): Promise<{ status: number; headers: Headers; json: unknown }> {
  const res = await fetch(url, { ...init, signal });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, headers: res.headers, json };
}

/** Runs the demo; resolves with the exit code (0 when the alert arrived, 2 when it did not). */
export async function runDemoWatch(options: DemoWatchOptions): Promise<number> {
  const t0 = Date.now();
  const out = (at: number, step: string, text: string) => options.stdout(`${stamp(at, t0)} ${step.padEnd(12)} ${text}\n`);
  const cont = (text: string) => options.stdout(`${" ".repeat(stamp(t0, t0).length + 14)}${text}\n`);
  const note = (text: string) => {
    if (!options.quiet) options.stderr(`demo --watch: ${text}\n`);
  };
  const stop = new AbortController();
  const onAbort = () => stop.abort(options.abortSignal?.reason ?? new Error("interrupted"));
  options.abortSignal?.addEventListener("abort", onAbort, { once: true });
  if (options.abortSignal?.aborted) onAbort();

  let azurite: RunningAzurite | undefined;
  let receiver: DemoTeamsReceiver | undefined;
  let server: RunningLocalServer | undefined;
  let emulator: RunningEmulator | undefined;
  let changes: ChangeFeed | undefined;
  let clients: ArmClients | undefined;
  const deliveries: Delivery[] = [];
  const wake = new Set<() => void>();
  const changed = () => [...wake].forEach((w) => w());
  try {
    const estate = await loadEstate(join(packageRoot(), "estates", "demo.json"));
    const functions = await loadFunctions();
    azurite = await startAzurite();
    stop.signal.throwIfAborted();
    receiver = await startDemoTeamsReceiver();

    // The real function behind the webhook; the demo only notes when each event arrived and ended.
    const onResourceChange: EventGridHandler = async (event: unknown, context: InvocationContext) => {
      const delivery: Delivery = { at: Date.now() };
      try {
        delivery.change = parseTriggerEvent(event).changes[0];
      } catch {
        // The function itself refuses it below, with the reason in its log.
      }
      deliveries.push(delivery);
      changed();
      try {
        const result = await functions.onResourceChange(event, context);
        delivery.outcome = { at: Date.now(), result };
        return result;
      } catch (err) {
        delivery.outcome = { at: Date.now(), error: (err as Error).message };
        throw err;
      } finally {
        changed();
      }
    };
    const functionKey = randomBytes(24).toString("base64url");
    const masterKey = randomBytes(24).toString("base64url");
    const systemKey = randomBytes(24).toString("base64url");
    server = await startLocalServer({
      routes: [getScanSummaryRoute],
      handlers: { getScanSummary: functions.getScanSummary },
      timers: { scheduledScan: functions.scheduledScan },
      eventGrid: { onResourceChange },
      functionKey,
      masterKey,
      systemKey,
      port: 0,
      log: (line) => {
        if (options.verbose) options.stderr(`${line}\n`);
      },
    });
    const webhook = `${server.url}/runtime/webhooks/eventgrid?functionName=onResourceChange&code=${encodeURIComponent(systemKey)}`;
    emulator = await startEmulator({ estate, events: { deliveryUrl: webhook } });

    const subscriptions = estate.subscriptions.map((s) => s.subscriptionId);
    const settings = readAppSettings({
      AzureWebJobsStorage: azurite.connectionString,
      AZURE_ARM_ENDPOINT: emulator.url,
      AZURE_ARM_TOKEN: "egress-audit-demo",
      SCAN_SUBSCRIPTIONS: subscriptions.join(","),
      TEAMS_WEBHOOK_URL: receiver.url,
      PUBLIC_BASE_URL: server.url,
      ...(options.coalesceInMs !== undefined ? { CHANGE_COALESCE_IN_MS: String(options.coalesceInMs) } : {}),
    });
    const services = createServices(settings, { clients: { caCertificates: [emulator.caCertPem] } });
    changes = services.changes;
    useServices(services);
    stop.signal.throwIfAborted();
    const windowInMs = settings.changeCoalesceInMs ?? 5_000;
    out(Date.now(), "start", `Azurite pid ${azurite.pid}; ARM emulator ${emulator.url} (demo estate, ${estate.resources.length} resources, Event Grid events to the webhook)`);
    cont(`API ${server.url} (POST /admin/functions/scheduledScan, master key; POST /runtime/webhooks/eventgrid?functionName=onResourceChange, system key); Teams receiver ${new URL(receiver.url).origin}; coalescing window ${windowInMs} ms`);

    // (a) The recorded scan the events are judged against (the scope of SCAN_SUBSCRIPTIONS, which
    // the change feed audits): the timer's run, started through the host's admin API as on Azure.
    const timer = await callApi(`${server.url}/admin/functions/scheduledScan`, { method: "POST", headers: { "x-functions-key": masterKey } }, stop.signal);
    const ran = timer.json as ScheduledScanOutcome;
    if (timer.status !== 202 || ran.status !== "complete") throw new Error(`the scheduled scan answered ${timer.status}: ${JSON.stringify(timer.json).slice(0, 300)}`);
    const summary = await callApi(`${server.url}/api/scans/${ran.scanId}/summary?code=${encodeURIComponent(functionKey)}`, {}, stop.signal);
    if (summary.status !== 200) throw new Error(`GET /api/scans/${ran.scanId}/summary answered ${summary.status}`);
    out(Date.now(), "(a) scan", `scheduledScan (POST /admin/functions/scheduledScan): recorded scan ${ran.scanId} of ${subscriptions.length} subscriptions`);
    cont(summaryLine(summary.json as Pick<DriftReport, "summary" | "stats">));

    // (b) The change, with the SDK a user's pipeline would use, against the emulator.
    clients = new ArmClients(settings.arm, { caCertificates: [emulator.caCertPem], readBudget: false });
    const routes = clients.network(DEMO_CHANGE.subscriptionId).routes;
    const before = await routes.get(DEMO_CHANGE.resourceGroup, DEMO_CHANGE.routeTable, DEMO_CHANGE.route, { abortSignal: stop.signal });
    const writeAt = Date.now();
    const after = await routes.beginCreateOrUpdateAndWait(
      DEMO_CHANGE.resourceGroup,
      DEMO_CHANGE.routeTable,
      DEMO_CHANGE.route,
      { addressPrefix: before.addressPrefix ?? "0.0.0.0/0", nextHopType: "Internet" },
      { abortSignal: stop.signal, updateIntervalInMs: 250 },
    );
    out(
      writeAt,
      "(b) change",
      `@azure/arm-network routes.beginCreateOrUpdateAndWait: ${DEMO_CHANGE.routeTable}/routes/${DEMO_CHANGE.route} (the subnet of ${DEMO_CHANGE.target}) ` +
        `${before.addressPrefix} -> ${before.nextHopType}${before.nextHopIpAddress ? ` ${before.nextHopIpAddress}` : ""} is now -> ${after.nextHopType} (${after.provisioningState})`,
    );
    cont(`PUT ${after.id ?? ""}`);

    // (c) + (d): the delivery, its batch's audit and the alert, each awaited with a deadline.
    const deadline = AbortSignal.any([stop.signal, AbortSignal.timeout(options.alertTimeoutInMs ?? windowInMs + 120_000)]);
    const routeId = (after.id ?? "").toLowerCase();
    const audited = new Promise<Delivery>((resolve, reject) => {
      const check = () => {
        const d = deliveries.find((x) => x.at >= writeAt && x.change?.resourceId.toLowerCase() === routeId && x.outcome);
        if (!d) return;
        wake.delete(check);
        resolve(d);
      };
      wake.add(check);
      check();
      deadline.addEventListener("abort", () => reject(new Error("no audit of the change arrived in time")), { once: true });
    });
    let alert: ReceivedTeamsMessage;
    let delivery: Delivery;
    try {
      const alertArrived = receiver.nextSince(writeAt, { abortSignal: deadline });
      alertArrived.catch(() => undefined);
      delivery = await audited;
      const result = delivery.outcome?.result;
      if (result?.status !== "submitted" || result.outcome.notification !== "sent") {
        printDelivery(delivery);
        note(`the audit sent no alert (${delivery.outcome?.error ?? JSON.stringify(result)})`);
        return 2;
      }
      alert = await alertArrived;
    } catch (err) {
      if (options.abortSignal?.aborted) {
        note("interrupted; stopping");
        return 2;
      }
      const seen = deliveries.filter((d) => d.at >= writeAt);
      note(`${(err as Error).message} (${seen.length} delivery(ies) seen, ${receiver.messages.length} Teams message(s) received)`);
      return 2;
    }
    printDelivery(delivery);

    const card = cardText(alert.body);
    out(alert.receivedAt, "(d) alert", `Teams card received ${((alert.receivedAt - writeAt) / 1000).toFixed(2)} s after the write: "${card?.headline ?? "(no Adaptive Card)"}"`);
    for (const line of card?.lines ?? []) cont(line);
    for (const f of card?.facts ?? []) cont(`${f.title}: ${f.value}`);
    if (card?.link) cont(`Open report: ${card.link}`);
    out(Date.now(), "done", `write -> Teams alert: ${((alert.receivedAt - writeAt) / 1000).toFixed(2)} s (coalescing window ${windowInMs} ms included); stopping`);
    return 0;
  } catch (err) {
    // Ctrl-C at any step: what started is stopped below, and the run says it did not finish.
    if (!options.abortSignal?.aborted) throw err;
    note("interrupted; stopping");
    return 2;
  } finally {
    options.abortSignal?.removeEventListener("abort", onAbort);
    useServices(undefined);
    const azuritePid = azurite?.pid;
    await server?.close().catch(() => undefined);
    // A batch still in its window is dropped, one being audited finishes, before storage stops.
    await changes?.close?.().catch(() => undefined);
    await emulator?.close().catch(() => undefined);
    await receiver?.close().catch(() => undefined);
    await azurite?.stop();
    if (azuritePid !== undefined) note(`stopped the API server, the emulator, the Teams receiver and Azurite (pid ${azuritePid})`);
  }

  function printDelivery(d: Delivery): void {
    const c = d.change;
    out(d.at, "(c) delivery", c ? `Event Grid ${c.kind === "delete" ? "ResourceDeleteSuccess" : "ResourceWriteSuccess"} ${c.operationName} on ${nameOf(c.resourceId)} (event ${c.eventId})` : "Event Grid event (unreadable)");
    const r = d.outcome?.result;
    if (!d.outcome) return;
    if (r?.status === "submitted") {
      const o = r.outcome;
      const targets = o.targets.map(nameOf).join(", ") || "none";
      out(
        d.outcome.at,
        "(c) audit",
        `batch of ${o.changes} change(s) ${o.status}: ${o.targets.length} target(s) re-read (${targets}), ${o.armRequests} ARM request(s), ` +
          `${o.newFindings} new and ${o.resolvedFindings} resolved finding(s); Teams: ${o.notification}${o.scanId ? `; stored as scan ${o.scanId}` : ""}`,
      );
    } else {
      out(d.outcome.at, "(c) audit", d.outcome.error ? `failed: ${d.outcome.error}` : `not audited: ${JSON.stringify(r)}`);
    }
  }
}
