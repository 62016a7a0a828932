/**
 * The dashboard in real headless Chromium (Debian's `chromium`, driven by playwright-core),
 * against `npm run serve`'s server in-process: the functions' own handlers behind node:http, the
 * ARM emulator on the demo estate, the shared Azurite. Three scans are stored first (two of the
 * demo estate with one extra public IP, then the demo estate itself) so the trend has a change.
 * The page reads summaries and pages of targets, never a whole report: every request Chromium
 * makes is checked for that (the downloads, a click each, apart). The target list's paging and
 * filters are in ./targets.test.ts.
 *
 * Skips, saying why, only when Chromium is absent and `CI` is unset; in CI it runs (`.ci/run`
 * installs Chromium). Screenshots go to test-artifacts/ (git-ignored):
 * - dashboard.png: the overview at 1280 px,
 * - dashboard-target.png: the drill-down of pool-marketing at 1280 px,
 * - dashboard-phone.png, dashboard-target-phone.png: the same at 390 px.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dashboard } from "../../functions/dashboard.js";
import { getLatestScan } from "../../functions/getLatestScan.js";
import { getOpenApi } from "../../functions/getOpenApi.js";
import { getScan } from "../../functions/getScan.js";
import { getTargetDrift } from "../../functions/getTargetDrift.js";
import { health } from "../../functions/health.js";
import { listChecks } from "../../functions/listChecks.js";
import { listScans } from "../../functions/listScans.js";
import { startScan } from "../../functions/startScan.js";
import type { DriftReport, ReportFinding } from "../../src/report/report.js";
import type { RunningLocalServer } from "../../src/serve/server.js";
import { dashboardLink } from "../../src/notify/card.js";
import { REPO } from "../setup/harness.js";
import { CHROMIUM, isWholeReport, startDashboardStage, type DashboardStage } from "./stage.js";

const ARTIFACTS = join(REPO, "test-artifacts");
const KEY = "dashboard-test-key";
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

interface Expected {
  targets: Record<string, { kind: string; status: "compliant" | "drifted" | "unknown"; failing: unknown[]; unknown: unknown[] }>;
}
const expected = JSON.parse(readFileSync(join(REPO, "estates", "demo.expected.json"), "utf8")) as Expected;
const expectedCount = (status: string) => Object.values(expected.targets).filter((t) => t.status === status).length;

const haveChromium = existsSync(CHROMIUM);
const runs = haveChromium || Boolean(process.env.CI);
if (!runs) {
  process.stderr.write(`dashboard browser test SKIPPED: no Chromium at ${CHROMIUM} (apt-get install chromium); it runs whenever CI is set\n`);
}

describe.skipIf(!runs)("the dashboard in headless Chromium", () => {
  let stage: DashboardStage;
  let server: RunningLocalServer;
  let context: BrowserContext;
  let latest: DriftReport;
  let first: DriftReport;
  const offOrigin: string[] = [];
  const consoleErrors: string[] = [];
  /** Whole-report URLs any page requested without a download click (there must be none). */
  const wholeReports: string[] = [];

  const dashboardUrl = () => stage.dashboardUrl();

  /** A page of the dashboard, loaded (the overview's tiles and the first page of targets). */
  async function open(viewport: { width: number; height: number }, hash = "", options: { downloads?: boolean } = {}): Promise<Page> {
    const page = await context.newPage();
    await page.setViewportSize(viewport);
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") consoleErrors.push(`${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => consoleErrors.push(`pageerror: ${e.message}`));
    page.on("request", (r) => {
      // blob: URLs of this origin are the downloads' own bytes (see the download test).
      if (!r.url().startsWith(`${server.url}/`) && !r.url().startsWith(`blob:${server.url}/`) && !r.url().startsWith("data:")) offOrigin.push(r.url());
      if (!options.downloads && isWholeReport(r.url())) wholeReports.push(r.url());
    });
    await page.goto(`${dashboardUrl()}${hash}`);
    await page.locator("#tiles [data-stat]").first().waitFor({ state: "attached" });
    if (!hash) await page.locator("#targets-body tr").first().waitFor({ state: "attached" });
    return page;
  }

  /** Evaluates an expression in the page (as a string: this project's type environment has no DOM). */
  const inPage = <T>(page: Page, expression: string) => page.evaluate<T>(expression);
  const attributes = async (locator: Locator, name: string) => Promise.all((await locator.all()).map((l) => l.getAttribute(name)));
  const noHorizontalOverflow = (page: Page) => inPage<boolean>(page, "document.documentElement.scrollWidth <= window.innerWidth");

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`CI is set and there is no Chromium at ${CHROMIUM}: .ci/run installs it (apt-get install chromium)`);
    mkdirSync(ARTIFACTS, { recursive: true });
    stage = await startDashboardStage({ key: KEY, namespace: "dashboard", handlers: { startScan, getLatestScan, getScan, listScans, getTargetDrift, listChecks, getOpenApi, health, dashboard }, viewport: DESKTOP });
    ({ server, context, latest, first } = stage);
  }, 90_000);

  /** The catalog's remediation of a finding's check: the report keeps it once per check. */
  const remediationOf = (f: ReportFinding) => latest.checks[f.checkId]!.remediation;

  afterAll(async () => {
    await stage?.close();
  });

  it("serves the page without a key (a static shell with no data); the API it reads keeps the key", async () => {
    const page = await fetch(`${server.url}/api/dashboard`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toMatch(/^default-src 'none'/);
    expect(await page.text()).not.toContain(latest.scanId);
    for (const path of ["/api/scans/latest/summary", `/api/scans/${latest.scanId}/summary`, `/api/scans/${latest.scanId}/targets`, "/api/scans", "/api/checks"]) {
      expect((await fetch(`${server.url}${path}`)).status, path).toBe(401);
    }
    expect((await fetch(dashboardUrl())).status).toBe(200);
  });

  it("opens the Teams card's link: no key in it, asks for the key once, then shows that scan at that target", async () => {
    // The first scan, when pool-finance (compliant in the latest) still had the stray IP.
    const finance = first.targets.find((t) => t.name === "pool-finance")!;
    expect(finance.status).toBe("drifted");
    expect(latest.targets.find((t) => t.name === "pool-finance")!.status).toBe("compliant");
    const link = dashboardLink(server.url, first.scanId, finance.id);
    expect(link).not.toMatch(/code=|\/api\/scans/);

    const page = await context.newPage();
    page.on("pageerror", (e) => consoleErrors.push(`pageerror: ${e.message}`));
    const requests: Array<{ url: string; key: string | undefined }> = [];
    page.on("request", (r) => requests.push({ url: r.url(), key: r.headers()["x-functions-key"] }));
    await page.goto(link);
    // No key yet: the API refuses, and the page asks for the key instead of showing an error.
    await page.locator("#key-input").waitFor();
    expect(await page.locator("#notice").textContent()).toContain("The API needs the function key.");
    await page.locator("#key-input").fill(KEY);
    await page.getByRole("button", { name: "Open the dashboard" }).click();

    await page.locator("#target-view").waitFor();
    expect(await page.locator("#target-title").textContent()).toMatch(/^pool-finance drifted/);
    expect(await page.locator("#target-view").textContent()).toContain("forgotten-jumpbox-pip");
    expect(await page.locator("#notice").textContent()).toContain(first.scanId);
    expect(await page.locator("#h-latest").textContent()).toBe("Linked scan");
    // The linked scan's summary was read, and that one target of it, with the typed key in the
    // header; no URL carried the key, and no whole report was fetched.
    expect(requests.some((r) => r.url === `${server.url}/api/scans/${first.scanId}/summary` && r.key === KEY)).toBe(true);
    const targetUrl = new URL(`${server.url}/api/scans/${first.scanId}/targets`);
    targetUrl.search = new URLSearchParams({ id: finance.id, findings: "all" }).toString();
    expect(requests.some((r) => r.url === targetUrl.href && r.key === KEY)).toBe(true);
    for (const r of requests) expect(r.url).not.toContain(KEY);
    // The back link keeps the linked scan; "Show the latest scan" leaves it.
    expect(await page.locator("#target-view a.back").getAttribute("href")).toBe(`#scan=${first.scanId}`);
    await page.locator("#notice").getByRole("link", { name: "Show the latest scan" }).click();
    await expect.poll(() => page.locator("#h-latest").textContent()).toBe("Latest scan");
    expect(await page.locator("#overview").isVisible()).toBe(true);
    expect(requests.some((r) => r.url === `${server.url}/api/scans/latest/summary` && r.key === KEY)).toBe(true);
    // The latest scan's list is read by its scan id, so list and overview are the same scan.
    await expect.poll(() => requests.some((r) => r.url.startsWith(`${server.url}/api/scans/${latest.scanId}/targets?`))).toBe(true);
    // A link to a scan the history does not hold says so.
    await page.goto(dashboardLink(server.url, "00000000-0000-4000-8000-000000000000"));
    await expect.poll(() => page.locator("#notice").textContent()).toContain("The linked scan is not in the history.");
    expect(requests.map((r) => r.url).filter(isWholeReport)).toEqual([]);
    await page.close();
  });

  it("shows the latest scan at a glance: the demo estate's targets per status, failing findings by check", async () => {
    const page = await open(DESKTOP);
    const stat = (name: string) => page.locator(`#tiles [data-stat="${name}"] dd`).textContent();
    expect(await stat("targets")).toBe(String(Object.keys(expected.targets).length));
    for (const status of ["drifted", "unknown", "compliant"]) expect(await stat(status), status).toBe(String(expectedCount(status)));
    expect(await stat("failing-findings")).toBe(String(latest.summary.findings.fail));
    // The status filter offers the same counts.
    expect(await page.locator("#filter-status option").allTextContents()).toEqual([
      `All statuses (${Object.keys(expected.targets).length})`,
      `Drifted (${expectedCount("drifted")})`,
      `Unknown (${expectedCount("unknown")})`,
      `Compliant (${expectedCount("compliant")})`,
    ]);
    // One row per check with failing or unknown findings (the summary's byCheck), with their counts.
    const byCheck = new Map<string, { fail: number; unknown: number; targets: Set<string> }>();
    const bySeverity = new Map<string, number>();
    for (const t of latest.targets) {
      for (const f of t.findings) {
        if (f.status === "pass") continue;
        const row = byCheck.get(f.checkId) ?? { fail: 0, unknown: 0, targets: new Set<string>() };
        row[f.status] += 1;
        row.targets.add(t.id);
        byCheck.set(f.checkId, row);
        if (f.status === "fail" && !f.suppressed) bySeverity.set(f.severity, (bySeverity.get(f.severity) ?? 0) + 1);
      }
    }
    expect(byCheck.size).toBeGreaterThan(1);
    expect(await page.locator("#by-check tbody tr").count()).toBe(byCheck.size);
    for (const [check, n] of byCheck) {
      const cells = page.locator(`#by-check tr[data-check="${check}"] td`);
      expect(await cells.allTextContents(), check).toEqual([latest.checks[check]!.severity, String(n.fail), String(n.unknown), String(n.targets.size)]);
      expect(await page.locator(`#by-check tr[data-check="${check}"] th`).textContent()).toBe(`${latest.checks[check]!.title} ${check}`);
    }
    // The most severe check first.
    const order = ["critical", "high", "medium", "low", "info"];
    const severities = (await page.locator("#by-check tbody tr td:first-of-type").allTextContents()).map((sev) => order.indexOf(sev));
    expect(severities).toEqual([...severities].sort((x, y) => x - y));
    // Unsuppressed failing findings by severity, in words.
    expect(bySeverity.size).toBeGreaterThan(0);
    for (const [sev, n] of bySeverity) expect(await page.locator(`#by-severity [data-severity="${sev}"][data-count="fail"]`).textContent(), sev).toBe(`${n} ${sev}`);
    // The diff against the scan before: the stray IP of pool-finance is resolved.
    expect(await page.locator("#facts").textContent()).toContain("0 new drift findings, 1 resolved");

    // Every target listed, drifted first, each status in words.
    const rows = page.locator("#targets-body tr");
    expect(await rows.count()).toBe(Object.keys(expected.targets).length);
    const statuses = await attributes(rows, "data-status");
    expect(statuses).toEqual([...statuses].sort((a, b) => ["drifted", "unknown", "compliant"].indexOf(a!) - ["drifted", "unknown", "compliant"].indexOf(b!)));
    for (const [name, t] of Object.entries(expected.targets)) {
      expect(await page.locator("#targets-body tr", { has: page.getByRole("link", { name, exact: true }) }).getAttribute("data-status"), name).toBe(t.status);
    }

    // The trend: the three scans of this scope, oldest first, drift going down by one (pool-finance's stray IP).
    expect(first.summary.drifted).toBe(latest.summary.drifted + 1);
    expect(await page.locator("#chart svg g.bar").count()).toBe(3);
    expect(await page.locator("#chart svg").getAttribute("role")).toBe("img");
    expect(await page.locator("#trend-caption").textContent()).toContain(`Drifted targets: ${first.summary.drifted} then ${latest.summary.drifted}`);
    await page.getByText("The trend as a table").click();
    expect(await page.locator("#trend-table tbody tr").count()).toBe(3);
    expect(await page.locator("#trend-table tbody tr").first().locator("td").first().textContent()).toBe(String(latest.summary.drifted));

    expect(await noHorizontalOverflow(page)).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard.png"), fullPage: true });
    await page.close();
  });

  it("drills down into a target: each finding with expected, actual, evidence and the catalog's remediation; and back, by keyboard", async () => {
    const page = await open(DESKTOP);
    const requests: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    await page.getByRole("link", { name: "pool-marketing", exact: true }).click();
    const view = page.locator("#target-view");
    await view.waitFor();
    expect(await page.locator("#overview").isHidden()).toBe(true);
    expect(await inPage(page, "document.activeElement.id")).toBe("target-title");
    expect(decodeURIComponent(new URL(page.url()).hash)).toMatch(/^#target=\/subscriptions\/.*\/pool-marketing$/);
    expect(await page.title()).toMatch(/^pool-marketing \(drifted\)/);

    const marketing = latest.targets.find((t) => t.name === "pool-marketing")!;
    // That one target was read, with every finding (the list's rows carry none of its passes).
    const targetUrl = new URL(`${server.url}/api/scans/${latest.scanId}/targets`);
    targetUrl.search = new URLSearchParams({ id: marketing.id, findings: "all" }).toString();
    expect(requests).toEqual([targetUrl.href]);
    const open_ = marketing.findings.filter((f) => f.status !== "pass");
    expect(open_.length).toBe(expected.targets["pool-marketing"]!.failing.length + expected.targets["pool-marketing"]!.unknown.length);
    const cards = view.locator('[data-list="open"] article');
    expect(await cards.count()).toBe(open_.length);
    const texts = await cards.allTextContents();
    const evidence = await cards.locator("pre").allTextContents(); // one per card
    for (const f of open_) {
      const i = texts.findIndex((t) => t.includes(f.resourceId) && t.includes(f.checkId));
      expect(i, `${f.checkId} on ${f.resourceId}`).toBeGreaterThanOrEqual(0);
      expect(texts[i]).toContain(`Expected${f.expected}`);
      expect(texts[i]).toContain(`Actual${f.actual}`);
      // The remediation is the catalog's (the report keeps it once per check, not per finding).
      expect(texts[i]).toContain(`Remediation${remediationOf(f)}`);
      expect(evidence[i]).toBe(JSON.stringify(f.evidence, null, 2));
    }
    // The evidence is folded; it opens from the keyboard like any disclosure.
    const firstEvidence = cards.first().locator("details.evidence");
    expect(await firstEvidence.locator("pre").isVisible()).toBe(false);
    await firstEvidence.locator("summary").focus();
    await page.keyboard.press("Enter");
    expect(await firstEvidence.locator("pre").isVisible()).toBe(true);
    expect(await view.locator('[data-list="open"] article dt').allTextContents()).toEqual(
      expect.arrayContaining(["Expected", "Actual", "Remediation", "Resource", "Evidence"]),
    );
    // Passing findings are there too, folded.
    expect(await view.locator("details.passing > summary").textContent()).toBe(`${marketing.findings.filter((f) => f.status === "pass").length} passing findings`);
    expect(await noHorizontalOverflow(page)).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-target.png"), fullPage: true });

    // Back with the keyboard: the overview returns and focus lands on the link we came from.
    await page.getByRole("link", { name: "All targets" }).focus();
    await page.keyboard.press("Enter");
    await page.locator("#overview").waitFor();
    expect(await inPage(page, "document.activeElement.textContent")).toBe("pool-marketing");
    // And in again with the keyboard only: the row next to it (drifted targets first, in the report's order).
    const drifted = latest.targets.filter((t) => t.status === "drifted");
    const at = drifted.indexOf(marketing);
    const neighbour = drifted[at > 0 ? at - 1 : at + 1]!;
    await page.keyboard.press(at > 0 ? "Shift+Tab" : "Tab");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#target-title").textContent()).toMatch(new RegExp(`^${neighbour.name} `));
    expect(await view.isVisible()).toBe(true);
    expect(await view.locator('[data-list="open"] article').count()).toBe(neighbour.findings.filter((f) => f.status !== "pass").length);
    // The browser's back button works too.
    await page.goBack();
    await page.locator("#overview").waitFor();
    await page.close();
  });

  it("reads on a phone: no horizontal scrolling, overview and drill-down", async () => {
    const page = await open(PHONE);
    expect(await noHorizontalOverflow(page)).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-phone.png"), fullPage: true });
    await page.getByRole("link", { name: "pool-ingest", exact: true }).click();
    await page.locator("#target-view").waitFor();
    expect(await noHorizontalOverflow(page)).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-target-phone.png"), fullPage: true });
    await page.close();
  });

  it("opens a deep link to a target, and says so when the target is not in the latest scan", async () => {
    const reporting = latest.targets.find((t) => t.name === "pool-reporting")!;
    const page = await open(DESKTOP, `#target=${encodeURIComponent(reporting.id)}`);
    await page.locator("#target-view").waitFor();
    expect(await page.locator("#target-title").textContent()).toMatch(/^pool-reporting /);
    await page.goto(`${dashboardUrl()}#target=${encodeURIComponent(reporting.id.replace("pool-reporting", "pool-ghost"))}`);
    await expect.poll(() => page.locator("#target-title").textContent()).toBe("Target not in the latest scan");
    expect(await page.locator("#target-view").isVisible()).toBe(true);
    await page.close();
  });

  it("downloads every format with the key in the x-functions-key header, never in a URL", async () => {
    // The one place the page fetches a whole report: a download button, clicked.
    const page = await open(DESKTOP, "", { downloads: true });
    // From here on, every request the page makes: its URL and the key header it carried.
    const requests: Array<{ url: string; key: string | undefined }> = [];
    page.on("request", (r) => requests.push({ url: r.url(), key: r.headers()["x-functions-key"] }));
    // Nothing on the page points at a URL with the key (a link, a source, a form).
    const keyed = await inPage<string[]>(
      page,
      `[...document.querySelectorAll("[href], [src], [action]")].map((e) => e.getAttribute("href") || e.getAttribute("src") || e.getAttribute("action")).filter((u) => u.includes(${JSON.stringify(KEY)}) || /[?&]code=/.test(u))`,
    );
    expect(keyed).toEqual([]);

    for (const [label, format, extension] of [["JSON", "", ".json"], ["SARIF", "sarif", ".sarif"], ["CSV", "csv", ".csv"], ["Markdown", "markdown", ".md"]] as const) {
      const [download] = await Promise.all([page.waitForEvent("download", { timeout: 10_000 }), page.locator("#facts").getByText(label, { exact: true }).click()]);
      expect(download.suggestedFilename()).toBe(`egress-audit-${latest.scanId}${extension}`);
      // The file is the API's answer for that format, byte for byte.
      const saved = readFileSync(await download.path());
      const api = await fetch(`${server.url}/api/scans/${latest.scanId}${format ? `?format=${format}` : ""}`, { headers: { "x-functions-key": KEY } });
      expect(api.status).toBe(200);
      expect(saved.toString("utf8"), label).toBe(await api.text());
    }
    // Each download was one fetch of the report with the key as a header; no URL named the key.
    const reportCalls = requests.filter((r) => isWholeReport(r.url));
    expect(reportCalls.map((r) => new URL(r.url).pathname)).toEqual(Array(4).fill(`/api/scans/${latest.scanId}`));
    for (const r of reportCalls) expect(r.key, r.url).toBe(KEY);
    for (const r of requests) {
      expect(r.url, "a request URL carries the key").not.toContain(KEY);
      expect(r.url).not.toMatch(/[?&]code=/);
    }
    await page.close();
  });

  it("explains an empty history and a refused key instead of showing nothing", async () => {
    const page = await context.newPage();
    await page.route("**/api/scans/latest/summary", (route) =>
      route.fulfill({
        status: 404,
        contentType: "application/problem+json",
        body: JSON.stringify({ type: "about:blank", title: "Not found", status: 404, detail: "no complete scan is stored yet", instance: "/api/scans/latest", code: "NoScans" }),
      }),
    );
    await page.goto(dashboardUrl());
    await expect.poll(() => page.locator("#notice").textContent()).toContain("No scan is stored yet.");
    expect(await page.locator("#overview").isHidden()).toBe(true);
    await page.unroute("**/api/scans/latest/summary");
    await page.route("**/api/scans/latest/summary", (route) => route.fulfill({ status: 401, contentType: "application/problem+json", body: "{}" }));
    await page.getByRole("button", { name: "Reload" }).click();
    await expect.poll(() => page.locator("#notice").textContent()).toContain("The API refused the function key.");
    await page.close();
  });

  it("shows the API's problem when the target list or a target cannot be read", async () => {
    const problem = (status: number, code: string, detail: string) => ({
      status,
      contentType: "application/problem+json",
      body: JSON.stringify({ type: "about:blank", title: "Problem", status, detail, code }),
    });
    const page = await context.newPage();
    page.on("pageerror", (e) => consoleErrors.push(`pageerror: ${e.message}`));
    const targetsList = (url: URL) => /^\/api\/scans\/[^/]+\/targets$/.test(url.pathname);
    await page.route(targetsList, (route) => route.fulfill(problem(400, "ValidationFailed", "/query/continuationToken: not a token of this list")));
    await page.goto(dashboardUrl());
    // The overview still shows; the list says what the API said, and so does the notice.
    await page.locator("#tiles [data-stat]").first().waitFor({ state: "attached" });
    await expect.poll(() => page.locator("#targets-body").textContent()).toBe(
      "The targets could not be read: /query/continuationToken: not a token of this list (HTTP 400, ValidationFailed)",
    );
    expect(await page.locator("#notice").textContent()).toContain("/query/continuationToken: not a token of this list (HTTP 400, ValidationFailed)");
    await page.unroute(targetsList);
    // A target that cannot be read: its view says so with the problem's detail.
    await page.route((url) => targetsList(url) && url.searchParams.has("id"), (route) => route.fulfill(problem(500, "InternalError", "storage answered 503")));
    await page.goto(`${dashboardUrl()}#target=${encodeURIComponent(latest.targets[0]!.id)}`);
    await expect.poll(() => page.locator("#target-title").textContent()).toBe("The target could not be read");
    expect(await page.locator("#target-view").textContent()).toContain("storage answered 503 (HTTP 500, InternalError)");
    await page.close();
  });

  it("is built accessibly: landmarks, one h1, labelled controls, scoped headers, a described chart", async () => {
    const page = await open(DESKTOP);
    const audit = await inPage<{ lang: string; h1: number; landmarks: number[]; unlabelled: number; unscoped: number; chartLabel: string; headings: number[] }>(
      page,
      `({
        lang: document.documentElement.lang,
        h1: document.querySelectorAll("h1").length,
        landmarks: ["header", "main", "footer", "form[role=search]"].map((s) => document.querySelectorAll(s).length),
        unlabelled: [...document.querySelectorAll("input, select")].filter((e) => e.labels.length === 0).length,
        unscoped: [...document.querySelectorAll("th")].filter((th) => !th.hasAttribute("scope")).length,
        chartLabel: document.querySelector("#chart svg").getAttribute("aria-labelledby").split(" ").map((id) => document.getElementById(id).textContent).join(" "),
        headings: [...document.querySelectorAll("h1, h2, h3, h4")].filter((e) => !e.closest("[hidden]")).map((e) => Number(e.tagName[1])),
      })`,
    );
    expect(audit.lang).toBe("en");
    expect(audit.h1).toBe(1);
    expect(audit.landmarks).toEqual([1, 1, 1, 1]);
    expect(audit.unlabelled).toBe(0);
    expect(audit.unscoped).toBe(0);
    expect(audit.chartLabel).toMatch(/^Drift trend Targets by status in the last 3 scans/);
    // No heading level is skipped.
    audit.headings.forEach((level, i) => expect(level - (audit.headings[i - 1] ?? 0)).toBeLessThanOrEqual(1));
    // The skip link is the first stop and leads into main.
    await page.keyboard.press("Tab");
    expect(await inPage(page, "document.activeElement.textContent")).toBe("Skip to the dashboard");
    await page.close();
  });

  it("loaded nothing from another origin, no whole report, and logged no error (CSP violations included)", () => {
    expect(offOrigin).toEqual([]);
    expect(wholeReports).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
