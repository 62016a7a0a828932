/**
 * The dashboard's benchmark (`npm run bench:dashboard`; a measurement, not a test): how fast the
 * dashboard shows a large stored scan, and how many bytes it takes, as a user meets it.
 *
 * 1. Generates an estate (bench/generate.ts; default 10,000 targets over 20 subscriptions) and
 *    serves it with `egress-audit emulator` (its own process).
 * 2. Starts Azurite and `egress-audit serve` (its own process, as `npm run serve` runs it) with the
 *    storage setting pointing at that Azurite and the ARM endpoint at the emulator, and stores a
 *    scan of the whole estate the way a user does: `POST /api/scans` with the default settings (a
 *    scan this size answers 202 and continues on the shard queue, which serve works off itself;
 *    the benchmark waits until the scan's summary is served). The stored scan is then exactly a
 *    user's: the history's blobs and tables.
 * 3. Opens the dashboard in headless Chromium (playwright-core, Debian's `chromium`) and times
 *    the first render: from navigation start to the overview and the first page of targets on
 *    screen (the animation frame after both are in the DOM). Five loads cold (a new browser
 *    context each: no cache, no connection) and five warm (reloads in one context), after one
 *    first load against a server that has not served the scan yet; medians. It also counts the
 *    bytes on the wire (response headers and bodies, Chromium's own figures) of the first
 *    targets page and of every request of a load, and checks that no load requested a whole
 *    report (`/api/scans/latest` or `/api/scans/{id}`).
 * 4. For scale, fetches the whole stored report once (`GET /api/scans/{id}`): what a dashboard
 *    that reads whole reports would download on every load.
 *
 * Prints a table and writes bench/results/dashboard.json. Targets (issue 14): first render under
 * 2 s, first targets page under 200 KB.
 *
 *   npm run bench:dashboard
 *   npm run bench:dashboard -- --targets 1000 --runs 3
 *   npm run bench:dashboard -- --chromium /usr/bin/chromium --out /tmp/dashboard.json
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, platform, release, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { chromium, type Browser, type BrowserContext, type Page, type Request } from "playwright-core";
import { startAzurite, type RunningAzurite } from "../src/serve/azurite.js";
import { generateEstate } from "./generate.js";

const root = join(import.meta.dirname, "..");
const { values } = parseArgs({
  options: {
    targets: { type: "string", default: "10000" },
    subscriptions: { type: "string", default: "20" },
    runs: { type: "string", default: "5" },
    chromium: { type: "string", default: process.env.CHROMIUM_PATH || "/usr/bin/chromium" },
    out: { type: "string", default: join(root, "bench", "results", "dashboard.json") },
    /** Write serve's whole stderr (its scan logs) here. */
    "serve-log": { type: "string" },
  },
});
const TARGETS = Number(values.targets);
const SUBSCRIPTIONS = Number(values.subscriptions);
const RUNS = Number(values.runs);
const KEY = "bench-dashboard-function-key";
/** Issue 14's targets. */
const FIRST_RENDER_TARGET_MS = 2000;
const FIRST_PAGE_TARGET_BYTES = 200 * 1024;
/** The same flags as the browser tests (test/dashboard/stage.ts): no network of Chromium's own. */
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/**
 * Runs in the page before its own script (Playwright injects it, outside the page's CSP): records
 * `performance.now()` (milliseconds since navigation start) at the animation frame after the
 * overview's tiles and the first row of the target list are both in a visible overview.
 */
const FIRST_RENDER_PROBE = `(() => {
  const done = () => {
    const overview = document.getElementById("overview");
    return overview && !overview.hidden && document.querySelector("#tiles [data-stat]") && document.querySelector("#targets-body tr[data-status]");
  };
  const observer = new MutationObserver(() => {
    if (window.__firstRenderSeen || !done()) return;
    window.__firstRenderSeen = true;
    observer.disconnect();
    requestAnimationFrame(() => { window.__firstRender = performance.now(); });
  });
  observer.observe(document, { childList: true, subtree: true, attributes: true });
})();`;

/** One load of the dashboard. */
interface LoadFigures {
  firstRenderMs: number;
  /** The first `GET .../targets` of the load, and its answer's headers and body. */
  firstPageUrl: string;
  firstPageBytes: number;
  /** Headers and body of every answer of the load, the page itself included. */
  allBytes: number;
  requests: number;
  /** Whole-report URLs the load requested (there must be none). */
  wholeReports: string[];
}

/** Median, min and max of one figure over loads. */
interface Spread {
  median: number;
  min: number;
  max: number;
}

const children: ChildProcess[] = [];
let stopping = false;

/** Spawns `egress-audit <args>` from the sources (as `npm run egress-audit` does) and reads its stdout until `ready` matches. */
async function startCli(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<{ child: ChildProcess; lines: string[] }> {
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "src", "cli", "main.ts"), ...args], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  // The end of its stderr: shown when it ends before the benchmark stops it.
  const log = { name: `egress-audit ${args[0]}`, tail: "" };
  child.stderr.on("data", (d: Buffer) => (log.tail = (log.tail + d.toString()).slice(-4000)));
  if (args[0] === "serve" && values["serve-log"]) child.stderr.pipe(createWriteStream(values["serve-log"]));
  child.once("exit", (code, signal) => {
    if (!stopping) process.stderr.write(`bench:dashboard: ${log.name} ended early (exit ${code ?? signal}):\n${log.tail}\n`);
  });
  const lines: string[] = [];
  const reader = createInterface({ input: child.stdout });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`egress-audit ${args[0]} exited ${code} before it was ready:\n${log.tail}`)));
    reader.on("line", (line) => {
      lines.push(line);
      if (ready.test(line)) resolve({ child, lines });
    });
  });
}

/** Stops a child this benchmark started (by its own pid) and waits for it. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Writes the estate's JSON resource by resource (never the whole estate as one string). */
async function writeEstate(estate: ReturnType<typeof generateEstate>["estate"], path: string): Promise<void> {
  const out = createWriteStream(path);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, "drain");
  };
  const { resources, ...rest } = estate;
  const head = JSON.stringify(rest);
  await write(`${head.slice(0, -1)}${head.length > 2 ? "," : ""}"resources":[`);
  for (let i = 0; i < resources.length; i++) await write((i ? "," : "") + JSON.stringify(resources[i]));
  await write("]}");
  out.end();
  await once(out, "finish");
}

/** Reads a response body to its end, counting bytes (never holding it). */
async function drain(res: Response): Promise<number> {
  let bytes = 0;
  for await (const chunk of res.body ?? []) bytes += (chunk as Uint8Array).byteLength;
  return bytes;
}

/**
 * Stores a scan of every subscription through `POST /api/scans`, following a 202 until the scan is
 * stored: the latest summary served is a scan other than `after`.
 */
async function storeScan(api: string, subscriptions: string[], after?: string): Promise<{ scanId: string; ms: number; status: number }> {
  const headers = { "x-functions-key": KEY };
  const started = performance.now();
  const res = await fetch(`${api}/scans`, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify({ subscriptions }) });
  if (res.status !== 201 && res.status !== 202) throw new Error(`POST /api/scans answered ${res.status}: ${(await res.text()).slice(0, 2000)}`);
  await drain(res);
  // Whatever the answer, the scan counts as stored once its summary is served.
  for (;;) {
    const summary = await fetch(`${api}/scans/latest/summary`, { headers });
    if (summary.ok) {
      const body = (await summary.json()) as { scanId: string; summary: { targets: number } };
      if (body.scanId !== after) return { scanId: body.scanId, ms: performance.now() - started, status: res.status };
    } else await drain(summary);
    if (!summary.ok && summary.status !== 404) throw new Error(`GET /api/scans/latest/summary answered ${summary.status}`);
    if (performance.now() - started > 30 * 60_000) throw new Error("the scan was not stored within 30 minutes");
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const isWholeReport = (url: string) => /^https?:/.test(url) && /^\/api\/scans\/[^/]+\/?$/i.test(new URL(url).pathname);
const isTargetsPage = (url: string) => /^https?:/.test(url) && /^\/api\/scans\/[^/]+\/targets$/i.test(new URL(url).pathname);

/** Loads (or reloads) the dashboard in `page` and measures it. */
async function measureLoad(page: Page, url: string, reload: boolean): Promise<LoadFigures> {
  const finished: Request[] = [];
  const listener = (r: Request) => finished.push(r);
  page.on("requestfinished", listener);
  try {
    if (reload) await page.reload({ waitUntil: "commit" });
    else await page.goto(url, { waitUntil: "commit" });
    // A function, not a string: the page's CSP forbids eval, which a string predicate needs.
    await page.waitForFunction(() => (globalThis as { __firstRender?: number }).__firstRender !== undefined, null, { timeout: 120_000 });
    const firstRenderMs = await page.evaluate<number>("window.__firstRender");
    // The load's other requests (the trend's index, the catalog) end too.
    await page.waitForLoadState("networkidle");
    const sized = await Promise.all(finished.map(async (r) => ({ url: r.url(), sizes: await r.sizes() })));
    const bytes = (s: (typeof sized)[number]["sizes"]) => s.responseHeadersSize + s.responseBodySize;
    const firstPage = sized.find((r) => isTargetsPage(r.url));
    if (!firstPage) throw new Error("the load requested no page of targets");
    return {
      firstRenderMs,
      firstPageUrl: firstPage.url,
      firstPageBytes: bytes(firstPage.sizes),
      allBytes: sized.reduce((n, r) => n + bytes(r.sizes), 0),
      requests: sized.length,
      wholeReports: sized.map((r) => r.url).filter(isWholeReport),
    };
  } finally {
    page.off("requestfinished", listener);
  }
}

async function newPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.addInitScript({ content: FIRST_RENDER_PROBE });
  return page;
}

function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)! };
}

function summarise(loads: LoadFigures[]) {
  return {
    firstRenderMs: spread(loads.map((l) => l.firstRenderMs)),
    firstPageBytes: spread(loads.map((l) => l.firstPageBytes)),
    allBytes: spread(loads.map((l) => l.allBytes)),
    requests: spread(loads.map((l) => l.requests)),
  };
}

const kb = (bytes: number) => (bytes / 1024).toFixed(1);
const ms = (n: number) => n.toFixed(0);

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "egress-audit-bench-dashboard-"));
  let azurite: RunningAzurite | undefined;
  let browser: Browser | undefined;
  try {
    process.stderr.write(`bench:dashboard: generating ${TARGETS} targets over ${SUBSCRIPTIONS} subscriptions\n`);
    const generated = generateEstate({ targets: TARGETS, subscriptions: SUBSCRIPTIONS });
    const subscriptions = generated.estate.subscriptions.map((s) => s.subscriptionId);
    const estatePath = join(work, "estate.json");
    await writeEstate(generated.estate, estatePath);

    azurite = await startAzurite();
    const emulator = await startCli(["emulator", "--estate", estatePath], { ...process.env }, /^CA bundle/);
    const armUrl = /listening on (\S+)/.exec(emulator.lines.join("\n"))![1]!;
    const caBundle = /^CA bundle[^:]*: (.+)$/m.exec(emulator.lines.join("\n"))![1]!;
    const serveEnv: NodeJS.ProcessEnv = {
      ...process.env,
      AzureWebJobsStorage: azurite.connectionString,
      AZURE_ARM_ENDPOINT: armUrl,
      AZURE_ARM_TOKEN: "bench-dashboard",
      NODE_EXTRA_CA_CERTS: caBundle,
      EGRESS_AUDIT_FUNCTION_KEY: KEY,
    };
    const serve = await startCli(["serve", "--port", "0"], serveEnv, /listening on/);
    const base = /listening on (\S+)\/api/.exec(serve.lines.join("\n"))![1]!;
    const api = `${base}/api`;

    process.stderr.write(`bench:dashboard: scanning through POST ${api}/scans\n`);
    const scan = await storeScan(api, subscriptions);
    process.stderr.write(`bench:dashboard: scan ${scan.scanId} stored in ${(scan.ms / 1000).toFixed(1)} s (HTTP ${scan.status})\n`);

    browser = await chromium.launch({ executablePath: values.chromium, headless: true, args: CHROMIUM_ARGS });
    const contextOptions = { viewport: { width: 1280, height: 900 }, locale: "en-US", timezoneId: "UTC" };
    const url = `${api}/dashboard?code=${encodeURIComponent(KEY)}`;
    const coldLoad = async () => {
      const context = await browser!.newContext(contextOptions);
      try {
        return await measureLoad(await newPage(context), url, false);
      } finally {
        await context.close();
      }
    };
    // The first load: the server has not served this scan yet (its caches are cold too).
    const first = await coldLoad();
    const cold: LoadFigures[] = [];
    for (let i = 0; i < RUNS; i++) cold.push(await coldLoad());
    const warmContext = await browser.newContext(contextOptions);
    const warmPage = await newPage(warmContext);
    await measureLoad(warmPage, url, false); // opens the context's connections and caches
    const warm: LoadFigures[] = [];
    for (let i = 0; i < RUNS; i++) warm.push(await measureLoad(warmPage, url, true));
    await warmContext.close();

    // For scale: the whole stored report, as a dashboard reading whole reports would fetch it.
    const wholeStarted = performance.now();
    const whole = await fetch(`${api}/scans/${scan.scanId}`, { headers: { "x-functions-key": KEY } });
    const wholeBytes = await drain(whole);
    const wholeMs = performance.now() - wholeStarted;

    const firstPage = await pageBreakdown(first.firstPageUrl);

    // The same scope again, nothing changed: what every scheduled scan of a steady estate costs
    // (its diff is empty, and it writes no finding state).
    const rescan = await storeScan(api, subscriptions, scan.scanId);
    process.stderr.write(`bench:dashboard: the unchanged estate's next scan ${rescan.scanId} stored in ${(rescan.ms / 1000).toFixed(1)} s (HTTP ${rescan.status})\n`);

    const all = [first, ...cold, ...warm];
    const wholeReports = all.flatMap((l) => l.wholeReports);
    const coldSummary = summarise(cold);
    const warmSummary = summarise(warm);
    const worstRender = Math.max(coldSummary.firstRenderMs.median, warmSummary.firstRenderMs.median);
    const worstPage = Math.max(...all.map((l) => l.firstPageBytes));
    const result = {
      benchmark: "dashboard",
      date: new Date().toISOString(),
      commit: commitOf(root),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", memoryGb: Math.round(totalmem() / 2 ** 30), platform: `${platform()} ${release()}`, node: process.version },
      chromium: browser.version(),
      estate: { targets: TARGETS, subscriptions: SUBSCRIPTIONS, resources: generated.counts.resources },
      scan: { scanId: scan.scanId, storedInMs: Math.round(scan.ms), httpStatus: scan.status },
      rescan: { scanId: rescan.scanId, storedInMs: Math.round(rescan.ms), httpStatus: rescan.status, note: "the same scope again, the estate unchanged: empty diff, no finding state written" },
      runs: RUNS,
      first,
      cold: { ...coldSummary, loads: cold },
      warm: { ...warmSummary, loads: warm },
      firstPage,
      wholeReport: { bytes: wholeBytes, fetchMs: Math.round(wholeMs), status: whole.status },
      wholeReportRequests: wholeReports,
      targets: {
        firstRenderMs: { limit: FIRST_RENDER_TARGET_MS, worstMedian: worstRender, met: worstRender < FIRST_RENDER_TARGET_MS },
        firstPageBytes: { limit: FIRST_PAGE_TARGET_BYTES, worst: worstPage, met: worstPage < FIRST_PAGE_TARGET_BYTES },
        noWholeReport: wholeReports.length === 0,
      },
    };
    mkdirSync(dirname(values.out), { recursive: true });
    writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);

    const row = (label: string, s: ReturnType<typeof summarise>) =>
      `${label.padEnd(12)} ${`${ms(s.firstRenderMs.median)} (${ms(s.firstRenderMs.min)}-${ms(s.firstRenderMs.max)})`.padStart(22)} ${kb(s.firstPageBytes.median).padStart(14)} ${kb(s.allBytes.median).padStart(14)} ${String(s.requests.median).padStart(8)}`;
    const lines = [
      `dashboard: a stored scan of ${TARGETS.toLocaleString("en-US")} targets over ${SUBSCRIPTIONS} subscriptions (stored in ${(scan.ms / 1000).toFixed(1)} s; the unchanged estate's next scan in ${(rescan.ms / 1000).toFixed(1)} s), headless Chromium ${browser.version()}, ${RUNS} loads each`,
      `${"load".padEnd(12)} ${"first render ms".padStart(22)} ${"first page KB".padStart(14)} ${"all KB".padStart(14)} ${"requests".padStart(8)}`,
      row("first", summarise([first])),
      row(`cold x${RUNS}`, coldSummary),
      row(`warm x${RUNS}`, warmSummary),
      `first page: ${firstPage.items} targets, ${firstPage.findings} findings; ${kb(firstPage.bodyBytes)} KB body, of it ${kb(firstPage.findingBytes)} KB findings (${kb(firstPage.evidenceBytes)} KB evidence)`,
      `whole report (not fetched by the dashboard): ${(wholeBytes / 2 ** 20).toFixed(1)} MB in ${(wholeMs / 1000).toFixed(1)} s`,
      `targets: first render < ${FIRST_RENDER_TARGET_MS} ms: ${result.targets.firstRenderMs.met ? "met" : "MISSED"} (median ${ms(worstRender)} ms); ` +
        `first page < ${kb(FIRST_PAGE_TARGET_BYTES)} KB: ${result.targets.firstPageBytes.met ? "met" : "MISSED"} (${kb(worstPage)} KB); ` +
        `whole reports requested: ${wholeReports.length}`,
      `written to ${values.out}`,
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    stopping = true;
    await browser?.close();
    for (const child of children.reverse()) await stop(child);
    await azurite?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** What the first page of targets is made of: where its bytes go. */
async function pageBreakdown(url: string) {
  const res = await fetch(url, { headers: { "x-functions-key": KEY } });
  const text = await res.text();
  const body = JSON.parse(text) as { items: Array<{ findings: Array<{ evidence?: unknown }> }> };
  const size = (v: unknown) => Buffer.byteLength(JSON.stringify(v));
  const findings = body.items.flatMap((t) => t.findings);
  return {
    url: new URL(url).pathname + new URL(url).search,
    bodyBytes: Buffer.byteLength(text),
    items: body.items.length,
    findings: findings.length,
    findingBytes: findings.reduce((n, f) => n + size(f), 0),
    evidenceBytes: findings.reduce((n, f) => n + (f.evidence === undefined ? 0 : size(f.evidence)), 0),
  };
}

/** `git rev-parse --short HEAD`, with `+dirty` when tracked files differ. */
function commitOf(dir: string): string {
  const head = spawnSync("git", ["-C", dir, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).stdout.trim();
  const dirty = spawnSync("git", ["-C", dir, "status", "--porcelain", "--untracked-files=no"], { encoding: "utf8" }).stdout.trim() !== "";
  return head ? `${head}${dirty ? "+dirty" : ""}` : "unknown";
}

await main();
