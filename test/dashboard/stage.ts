/**
 * The stage both browser tests play on: `npm run serve`'s server in-process (the functions' own
 * handlers behind node:http; every route of the app is served), the ARM emulator on the demo estate, the shared Azurite, three
 * stored scans (two of the demo estate with one stray public IP in pool-finance's MC group, then
 * the demo estate itself, so the trend and the diff show a change), and a headless Chromium
 * (Debian's `chromium`, driven by playwright-core).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { expect } from "vitest";
import { useServices } from "../../src/app/services.js";
import { loadEstate, type Estate } from "../../src/emulator/estate.js";
import { startEmulator } from "../../src/emulator/server.js";
import { invokeRoute, type CompiledRoute } from "../../src/http/route.js";
import { allRoutes, pageRoutes } from "../../src/http/routes.js";
import { readReport } from "../../src/report/read.js";
import type { DriftReport } from "../../src/report/report.js";
import { startLocalServer, type HttpHandler, type RunningLocalServer } from "../../src/serve/server.js";
import { publicIp } from "../helpers/estate.js";
import { DEMO_SUB_A, DEMO_SUB_B, DEMO_SUB_C, REPO, testServices } from "../setup/harness.js";

/** Debian's Chromium. */
export const CHROMIUM = "/usr/bin/chromium";
/** Flags that keep Chromium off the closed network and quiet. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Options of {@link startDashboardStage}. */
export interface DashboardStageOptions {
  /** The function key the server accepts. */
  key: string;
  /** The storage namespace of this test's history. */
  namespace: string;
  /**
   * The functions' own handlers, by function name. Every other route of `allRoutes()` and
   * `pageRoutes()` is served through `invokeRoute`, exactly as its `functions/` adapter does, so
   * the page can reach every route the app has (the paged report routes included).
   */
  handlers: Readonly<Record<string, HttpHandler>>;
  viewport: { width: number; height: number };
}

/** A running stage; {@link DashboardStage.close} stops every part of it. */
export interface DashboardStage {
  server: RunningLocalServer;
  context: BrowserContext;
  /** The first stored scan (with the stray public IP) and the latest (the demo estate), read as stored reports are. */
  first: DriftReport;
  latest: DriftReport;
  /** The dashboard page with the key in `?code=`. */
  dashboardUrl(): string;
  close(): Promise<void>;
}

/** A route's handler as its `functions/` adapter writes it. */
const viaRoute =
  (route: CompiledRoute): HttpHandler =>
  (request, context) =>
    invokeRoute(route, request, context);

/** Starts the emulators, the server and Chromium, and stores the three scans. */
export async function startDashboardStage(options: DashboardStageOptions): Promise<DashboardStage> {
  const { key, namespace, handlers, viewport } = options;
  const demo = await loadEstate(join(REPO, "estates", "demo.json"));
  // Before the latest scan, pool-finance (compliant in the demo) had a stray public IP.
  const financeMc = (demo.resources.find((r) => /managedclusters$/i.test(r.type) && r.name === "pool-finance")?.properties as { nodeResourceGroup?: string }).nodeResourceGroup!;
  const changed: Estate = { ...demo, resources: [...demo.resources, publicIp(DEMO_SUB_A, financeMc, "forgotten-jumpbox-pip")] };
  const [demoEmulator, changedEmulator] = await Promise.all([startEmulator({ estate: demo }), startEmulator({ estate: changed })]);
  const routes = [...allRoutes(), ...pageRoutes()];
  const server = await startLocalServer({
    routes,
    handlers: Object.fromEntries(routes.map((r) => [r.spec.name, handlers[r.spec.name] ?? viaRoute(r)])),
    functionKey: key,
    log: () => undefined,
  });
  const scan = async () => {
    const r = await fetch(`${server.url}/api/scans?code=${key}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ subscriptions: [DEMO_SUB_A, DEMO_SUB_B, DEMO_SUB_C] }),
    });
    expect(r.status, await r.clone().text()).toBe(201);
    // As the API stores and reads it: shared evidence put back in place.
    return readReport(await r.json());
  };
  useServices(testServices({ emulator: changedEmulator, namespace }));
  const first = await scan();
  await scan();
  useServices(testServices({ emulator: demoEmulator, namespace }));
  const latest = await scan();

  const userDataDir = mkdtempSync(join(tmpdir(), "egress-audit-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    locale: "en-US",
    timezoneId: "UTC",
    colorScheme: "light",
  });
  return {
    server,
    context,
    first,
    latest,
    dashboardUrl: () => `${server.url}/api/dashboard?code=${key}`,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
      useServices(undefined);
      await Promise.all([server.close(), demoEmulator.close(), changedEmulator.close()]);
    },
  };
}

/**
 * True for a whole report's URL (`/api/scans/latest` or `/api/scans/<id>`, any query): what the
 * dashboard must never load to render (only its download buttons may, on a click).
 */
export function isWholeReport(url: string): boolean {
  if (!/^https?:/.test(url)) return false;
  return /^\/api\/scans\/[^/]+\/?$/i.test(new URL(url).pathname);
}
