/**
 * `egress-audit serve` (and `npm run serve`): the function app's HTTP routes on a local node:http
 * server, for machines without Azure Functions Core Tools, dashboards in development and browser
 * tests. The CLI calls {@link runServe}; run directly (`node src/serve/main.ts`) it parses the same
 * flags itself and exits 0, 3 on a usage error, 1 on an error nothing caught.
 *
 * - No storage configured (`AzureWebJobsStorage` unset): starts Azurite in memory.
 * - No ARM endpoint configured (`AZURE_ARM_ENDPOINT` unset): starts the ARM emulator on the demo
 *   estate (`estates/demo.json`) and trusts its CA for this process's scans.
 * - Prints the URL, the function key (random per start unless `EGRESS_AUDIT_FUNCTION_KEY`) and the
 *   master key, which alone runs the admin route `POST /admin/functions/<name>` (random per start
 *   unless `EGRESS_AUDIT_MASTER_KEY`; it must differ from the function key).
 * - Takes Event Grid deliveries for `onResourceChange` as the host does, at
 *   `POST /runtime/webhooks/eventgrid?functionName=onResourceChange`, with the `eventgrid_extension`
 *   system key it prints (random per start unless `EVENTGRID_SYSTEM_KEY`; it must differ from the
 *   function key).
 * - Runs the queue functions (`scanShard`, `scanShardPoison`) on the shard queue as the host would
 *   (./queueWorker.ts), so a scan `POST /api/scans` answers 202 (or a fanned-out timer run) completes.
 * - Stops Azurite and the emulator however it ends: Ctrl-C, SIGTERM, SIGHUP, or an error nothing
 *   caught (then it rejects: exit 1). Azurite is a child process and would otherwise outlive it.
 *
 * Flags: `--port N` (default `PORT` or 7071; 0 picks a free one), `--host H` (default 127.0.0.1).
 */
import { randomBytes } from "node:crypto";
import { realpathSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { readAppSettings, describeAppSettings, scanScheduleFrom } from "../config/appSettings.js";
import { isUsageError, UsageError } from "../errors.js";
import { loadEstate } from "../emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../emulator/server.js";
import { allRoutes, pageRoutes } from "../http/routes.js";
import { startAzurite, type RunningAzurite } from "./azurite.js";
import { importQuietly } from "./quietImports.js";
import { startQueueWorker, type RunningQueueWorker } from "./queueWorker.js";
import { createServices, useServices } from "../app/services.js";
import { startLocalServer, type HttpHandler, type RunningLocalServer } from "./server.js";
import { packageRoot } from "../util/packageRoot.js";

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith("--")) throw new UsageError("InvalidFlag", `${name} needs a value`);
  return v;
}

/** Options of {@link runServe}: what `egress-audit serve --port N --host H` passes. */
export interface ServeOptions {
  /** Port to listen on (default `PORT` or 7071; 0 picks a free one). */
  port?: number;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
}

/** The port of `text` (a flag or `PORT`); `InvalidPort` unless a whole number 0-65535. */
export function parsePort(text: string, what = "--port"): number {
  const port = Number(text);
  if (text.trim() === "" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError("InvalidPort", `${what} must be an integer 0-65535 (got ${JSON.stringify(text)})`);
  }
  return port;
}

/** Parses the flags of a direct run (`node src/serve/main.ts --port N --host H`). */
function parseArgs(args: string[]): ServeOptions {
  for (const a of args) {
    if (a.startsWith("--") && a !== "--port" && a !== "--host") throw new UsageError("InvalidFlag", `unknown flag ${a} (serve takes --port N and --host H)`);
  }
  const port = flag(args, "--port");
  const host = flag(args, "--host");
  return { ...(port !== undefined ? { port: parsePort(port) } : {}), ...(host !== undefined ? { host } : {}) };
}

/**
 * Runs the local server until SIGINT, SIGTERM or SIGHUP, then stops it, the emulator and Azurite;
 * rejects (after stopping them) on a usage error before it listens or an error nothing caught.
 */
export async function runServe(options: ServeOptions = {}): Promise<void> {
  const port = options.port ?? parsePort(process.env.PORT || "7071", "PORT");
  const host = options.host ?? "127.0.0.1";

  const env: NodeJS.ProcessEnv = { ...process.env };
  let azurite: RunningAzurite | undefined;
  let emulator: RunningEmulator | undefined;
  let server: RunningLocalServer | undefined;
  let queueWorker: RunningQueueWorker | undefined;
  let changes: { close?(): Promise<void> } | undefined;
  const stopAll = async () => {
    await server?.close();
    // A batch still gathering is dropped (its deliveries fail and are redelivered); one being audited finishes first.
    await changes?.close?.();
    await queueWorker?.stop();
    await emulator?.close();
    await azurite?.stop();
  };
  // An error nothing caught ends the run like a signal does, through `finally` (Azurite stopped),
  // and then exits 1; it never takes the process down with Azurite left running.
  let fail: (err: unknown) => void = () => undefined;
  const fatal = new Promise<never>((_resolve, reject) => (fail = reject));
  fatal.catch(() => undefined); // observed by the race below
  const onFatal = (err: unknown) => {
    process.stderr.write(`serve: uncaught error, stopping: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    fail(err);
  };
  process.on("uncaughtException", onFatal);
  process.on("unhandledRejection", onFatal);
  try {
    const hasStorage = env.AzureWebJobsStorage || env.AzureWebJobsStorage__accountName || env.AzureWebJobsStorage__blobServiceUri;
    if (!hasStorage) {
      azurite = await startAzurite();
      env.AzureWebJobsStorage = azurite.connectionString;
      process.stderr.write(`serve: no storage configured; Azurite (in memory) started, pid ${azurite.pid}, blob ${azurite.blobEndpoint}\n`);
    }
    if (!env.AZURE_ARM_ENDPOINT) {
      const estatePath = join(packageRoot(), "estates", "demo.json");
      emulator = await startEmulator({ estate: await loadEstate(estatePath) });
      env.AZURE_ARM_ENDPOINT = emulator.url;
      env.AZURE_ARM_TOKEN ||= "egress-audit-serve";
      process.stderr.write(`serve: no ARM endpoint configured; the ARM emulator serves the demo estate at ${emulator.url}\n`);
    }

    // Outside the host, @azure/functions skips each registration with a "test mode" warning that
    // reads like a failure; serve routes the handlers itself, so it says that once instead.
    const loaded = await importQuietly(async () => {
      const all = await Promise.all([
        import("../../functions/startScan.js"),
        import("../../functions/getLatestScan.js"),
        import("../../functions/getScan.js"),
        import("../../functions/listScans.js"),
        import("../../functions/getTargetDrift.js"),
        import("../../functions/listChecks.js"),
        import("../../functions/getOpenApi.js"),
        import("../../functions/health.js"),
        import("../../functions/scheduledScan.js"),
      ]);
      const pages = {
        getScanSummary: (await import("../../functions/getScanSummary.js")).getScanSummary,
        getLatestScanSummary: (await import("../../functions/getLatestScanSummary.js")).getLatestScanSummary,
        listScanTargets: (await import("../../functions/listScanTargets.js")).listScanTargets,
        listLatestScanTargets: (await import("../../functions/listLatestScanTargets.js")).listLatestScanTargets,
      };
      return { all, pages, dashboard: (await import("../../functions/dashboard.js")).dashboard };
    });
    const [startScan, getLatestScan, getScan, listScans, getTargetDrift, listChecks, getOpenApi, health, scheduled] = loaded.value.all;
    const { dashboard } = loaded.value;
    process.stderr.write(`serve: ${loaded.skipped.length} functions loaded from functions/; serve routes them itself (registration with the Functions host applies only inside the host)\n`);
    const handlers: Record<string, HttpHandler> = {
      startScan: startScan.startScan,
      getLatestScan: getLatestScan.getLatestScan,
      getScan: getScan.getScan,
      listScans: listScans.listScans,
      getTargetDrift: getTargetDrift.getTargetDrift,
      ...loaded.value.pages,
      listChecks: listChecks.listChecks,
      getOpenApi: getOpenApi.getOpenApi,
      health: health.health,
      dashboard,
    };

    // The Event Grid trigger, served at the host's webhook (src/serve/eventGridWebhook.ts).
    const eventGridFunctions = await importQuietly(async () => ({
      onResourceChange: (await import("../../functions/onResourceChange.js")).onResourceChange,
    }));

    const functionKey = env.EGRESS_AUDIT_FUNCTION_KEY || randomBytes(24).toString("base64url");
    // As on Azure, the admin API has its own key: holding a function key never runs the timer.
    const masterKey = env.EGRESS_AUDIT_MASTER_KEY || randomBytes(24).toString("base64url");
    if (masterKey === functionKey) throw new UsageError("InvalidSetting", "EGRESS_AUDIT_MASTER_KEY must differ from EGRESS_AUDIT_FUNCTION_KEY");
    // The Event Grid extension's system key: a function key never delivers events, as on Azure.
    const systemKey = env.EVENTGRID_SYSTEM_KEY || randomBytes(24).toString("base64url");
    if (systemKey === functionKey) throw new UsageError("InvalidSetting", "EVENTGRID_SYSTEM_KEY must differ from EGRESS_AUDIT_FUNCTION_KEY");
    // The public base URL (Teams card links) is only known once the server listens: start it,
    // then install the services before the first request can need them.
    server = await startLocalServer({ routes: [...allRoutes(), ...pageRoutes()], handlers, timers: { scheduledScan: scheduled.scheduledScan }, eventGrid: eventGridFunctions.value, functionKey, masterKey, systemKey, port, host });
    env.PUBLIC_BASE_URL ||= server.url;
    const settings = readAppSettings(env);
    const services = createServices(settings, emulator ? { clients: { caCertificates: [emulator.caCertPem] } } : {});
    useServices(services);
    changes = services.changes;
    // The queue triggers the host would run: a scan handed to the shard queue completes here too.
    if (services.runs?.hasQueue) {
      const queues = await importQuietly(async () => ({
        scanShard: (await import("../../functions/scanShard.js")).scanShard,
        scanShardPoison: (await import("../../functions/scanShardPoison.js")).scanShardPoison,
      }));
      const { scanShard, scanShardPoison } = queues.value;
      queueWorker = startQueueWorker({
        triggers: [
          { functionName: "scanShard", queue: services.runs.queue, poison: services.runs.poisonQueue, handler: scanShard },
          { functionName: "scanShardPoison", queue: services.runs.poisonQueue, handler: scanShardPoison },
        ],
      });
      process.stderr.write(`serve: queue functions scanShard and scanShardPoison poll ${services.runs.names.queue} and ${services.runs.names.poisonQueue}\n`);
    }

    process.stdout.write(
      [
        `egress-audit API listening on ${server.url}/api`,
        `function key: ${functionKey}`,
        `master key (admin API only): ${masterKey}`,
        `event grid system key (eventgrid_extension): ${systemKey}`,
        `dashboard: ${server.url}/api/dashboard?code=${encodeURIComponent(functionKey)}`,
        `settings: ${describeAppSettings(settings)}`,
        // The host resolves the timer's %SCAN_SCHEDULE% from the app settings; serve resolves it
        // from the environment the same way (the default when unset) and runs it on request only.
        `timer scheduledScan: "${scanScheduleFrom(env)}" (SCAN_SCHEDULE; here it runs only when POSTed to /admin/functions/scheduledScan)`,
        `event grid onResourceChange: POST ${server.url}/runtime/webhooks/eventgrid?functionName=onResourceChange (system key; aeg-event-type: Notification or SubscriptionValidation)` +
          (services.changes ? "" : " - no change feed configured: events are read and logged, not audited"),
        "",
        "Try:",
        `  curl -s ${server.url}/api/health`,
        `  curl -s -X POST "${server.url}/api/scans?code=${functionKey}" -H 'content-type: application/json' -d '{"subscriptions":["3f2a8c4e-7b1d-4e59-9c0a-2d6f1b8e4a73","b7e4c2a9-1f3d-4e8b-a6c5-92d0f7e3b1a4"]}'`,
        `  curl -s "${server.url}/api/scans/latest?code=${functionKey}"`,
        `  curl -s -X POST "${server.url}/admin/functions/scheduledScan" -H "x-functions-key: ${masterKey}"   # run the timer once (master key)`,
        `  curl -s -X POST "${server.url}/runtime/webhooks/eventgrid?functionName=onResourceChange&code=${systemKey}" -H 'aeg-event-type: SubscriptionValidation' -H 'content-type: application/json' -d '[{"id":"1","topic":"","subject":"","eventType":"Microsoft.EventGrid.SubscriptionValidationEvent","eventTime":"2026-01-01T00:00:00Z","data":{"validationCode":"abc"}}]'   # the Event Grid handshake (system key)`,
        "",
        "Ctrl-C stops the server" + (azurite ? ", Azurite" : "") + (emulator ? " and the emulator" : "") + ".",
        "",
      ].join("\n"),
    );

    const signalled = new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
      process.once("SIGHUP", resolve);
    });
    await Promise.race([signalled, fatal]);
  } finally {
    process.off("uncaughtException", onFatal);
    process.off("unhandledRejection", onFatal);
    await stopAll();
  }
}

/** True when this module is the process's entry (`node src/serve/main.ts`), not imported by the CLI. */
function isEntry(): boolean {
  const entry = process.argv[1];
  return entry !== undefined && import.meta.url === pathToFileURL(realpathSync(entry)).href;
}

if (isEntry()) {
  Promise.resolve()
    .then(() => runServe(parseArgs(process.argv.slice(2))))
    .then(
      () => process.exit(0),
      (err: unknown) => {
        if (isUsageError(err)) {
          process.stderr.write(`serve: ${err.message}\n`);
          process.exit(3);
        }
        process.stderr.write(`serve: ${(err as Error).stack ?? String(err)}\n`);
        process.exit(1);
      },
    );
}
