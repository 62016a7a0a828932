/**
 * The dashboard's target list in real headless Chromium, on the same stage as
 * ./dashboard.test.ts (three stored scans of the demo estate, `npm run serve`'s server in-process):
 * the list is read from `GET /api/scans/{scanId}/targets` a page at a time, its filters are the
 * route's query fields, and the page never requests a whole report. Each test checks the requests
 * Chromium made as well as the rows it shows.
 */
import { existsSync } from "node:fs";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dashboard } from "../../functions/dashboard.js";
import { getScan } from "../../functions/getScan.js";
import { listChecks } from "../../functions/listChecks.js";
import { listScans } from "../../functions/listScans.js";
import { startScan } from "../../functions/startScan.js";
import type { DriftReport, TargetReport } from "../../src/report/report.js";
import { CHROMIUM, isWholeReport, startDashboardStage, type DashboardStage } from "./stage.js";

const KEY = "dashboard-targets-test-key";
const DESKTOP = { width: 1280, height: 900 };
const STATUS_ORDER = ["drifted", "unknown", "compliant"] as const;

const runs = existsSync(CHROMIUM) || Boolean(process.env.CI);

/** A targets request the page made: its path and query fields. */
interface ListRequest {
  url: string;
  path: string;
  query: Record<string, string>;
}

describe.skipIf(!runs)("the dashboard's target list, paged and filtered by the server", () => {
  let stage: DashboardStage;
  let context: BrowserContext;
  let latest: DriftReport;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`CI is set and there is no Chromium at ${CHROMIUM} (apt-get install chromium)`);
    stage = await startDashboardStage({ key: KEY, namespace: "dashboardtargets", handlers: { startScan, getScan, listScans, listChecks, dashboard }, viewport: DESKTOP });
    ({ context, latest } = stage);
  }, 90_000);

  afterAll(async () => {
    await stage?.close();
  });

  /** The dashboard, loaded, with every request it makes from the start recorded. */
  async function open(): Promise<{ page: Page; requests: string[]; lists: () => ListRequest[]; tokens: Map<string, string | undefined> }> {
    const page = await context.newPage();
    const requests: string[] = [];
    /** The continuation token each targets request was answered with, by URL. */
    const tokens = new Map<string, string | undefined>();
    page.on("request", (r) => requests.push(r.url()));
    page.on("response", async (r) => {
      if (!/\/targets\?/.test(r.url()) || !r.ok()) return;
      tokens.set(r.url(), ((await r.json()) as { continuationToken?: string }).continuationToken);
    });
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.goto(stage.dashboardUrl());
    await page.locator("#targets-body tr").first().waitFor({ state: "attached" });
    const lists = () =>
      requests
        .map((u) => new URL(u))
        .filter((u) => /^\/api\/scans\/[^/]+\/targets$/.test(u.pathname))
        .map((u) => ({ url: u.href, path: u.pathname, query: Object.fromEntries(u.searchParams) }));
    return { page, requests, lists, tokens };
  }

  /** The names the list shows, in order. */
  const shown = (page: Page) => page.locator("#targets-body tr[data-status] th a").allTextContents();
  /** The report's targets drifted first, in the report's order within a status: the list's order. */
  const listed = (keep: (t: TargetReport) => boolean) =>
    STATUS_ORDER.flatMap((st) => latest.targets.filter((t) => t.status === st && keep(t))).map((t) => t.name);
  const failing = (t: TargetReport) => t.findings.filter((f) => f.status === "unknown" || (f.status === "fail" && !f.suppressed));

  it("loads the first page of the latest scan by its id, drifted first, and no whole report", async () => {
    const { page, requests, lists } = await open();
    expect(await shown(page)).toEqual(listed(() => true));
    expect(await page.locator("#target-count").textContent()).toBe(`Showing 1\u2013${latest.targets.length} of ${latest.targets.length} targets.`);
    // One page is all there is: no page buttons.
    expect(await page.locator("#pager").isHidden()).toBe(true);
    // The summary of the latest scan, then its list by the scan id the summary named: drifted first.
    const paths = requests.map((u) => new URL(u).pathname);
    expect(paths).toContain("/api/scans/latest/summary");
    expect(lists()[0]).toMatchObject({ path: `/api/scans/${latest.scanId}/targets`, query: { status: "drifted", limit: "50", findings: "none" } });
    expect(lists()[0]!.query).toEqual({ status: "drifted", limit: "50", findings: "none" });
    for (const l of lists()) expect(l.path).toBe(`/api/scans/${latest.scanId}/targets`);
    expect(requests.filter(isWholeReport)).toEqual([]);
    // Each row's counts are the target's findings.
    const marketing = latest.targets.find((t) => t.name === "pool-marketing")!;
    const cells = await page.locator("#targets-body tr", { has: page.getByRole("link", { name: "pool-marketing", exact: true }) }).locator("td.num").allTextContents();
    const count = (st: string) => String(marketing.findings.filter((f) => f.status === st).length);
    expect(cells).toEqual([count("fail"), count("unknown"), count("pass")]);
    await page.close();
  });

  it("pages forward across statuses and back, each page from the server, back from what it showed", async () => {
    const { page, requests, lists, tokens } = await open();
    const before = lists().length;
    await page.getByLabel("Rows per page").selectOption("10");
    const order = listed(() => true);
    expect(order.length).toBeGreaterThan(10);
    await expect.poll(() => shown(page)).toEqual(order.slice(0, 10));
    expect(await page.locator("#target-count").textContent()).toBe(`Showing 1\u201310 of ${order.length} targets.`);
    expect(await page.getByRole("button", { name: "Previous page" }).isDisabled()).toBe(true);
    const firstPage = lists().slice(before);
    expect(firstPage[0]!.query).toEqual({ status: "drifted", limit: "10", findings: "none" });
    for (const l of firstPage) expect(Number(l.query.limit)).toBeLessThanOrEqual(10);

    await page.getByRole("button", { name: "Next page" }).click();
    await expect.poll(() => shown(page)).toEqual(order.slice(10, 20));
    expect(await page.locator("#target-count").textContent()).toBe(`Showing 11\u2013${Math.min(20, order.length)} of ${order.length} targets.`);
    // The second page continued where the first stopped: each request carries the token the one
    // before it answered (same status), or, when that one answered none, starts the next status;
    // never more rows asked for than the page still had room for.
    const secondPage = lists().slice(before + firstPage.length);
    expect(secondPage.length).toBeGreaterThan(0);
    const chain = [...firstPage, ...secondPage];
    await expect.poll(() => chain.every((l) => tokens.has(l.url))).toBe(true);
    chain.forEach((l, i) => {
      expect(Object.keys(l.query).sort()).toEqual(l.query.continuationToken ? ["continuationToken", "findings", "limit", "status"] : ["findings", "limit", "status"]);
      if (i === 0) return;
      const prior = chain[i - 1]!;
      const answered = tokens.get(prior.url);
      if (answered) expect([l.query.status, l.query.continuationToken]).toEqual([prior.query.status, answered]);
      else expect([STATUS_ORDER.indexOf(l.query.status as never), l.query.continuationToken]).toEqual([STATUS_ORDER.indexOf(prior.query.status as never) + 1, undefined]);
    });
    if (order.length <= 20) {
      expect(await page.getByRole("button", { name: "Next page" }).isDisabled()).toBe(true);
      // The button just used is disabled now: focus went to the other one, not to the page's start.
      expect(await page.evaluate<string>("document.activeElement.id")).toBe("page-prev");
    }

    // Back: the first page again, from what the page already had (no request).
    const asked = requests.length;
    await page.getByRole("button", { name: "Previous page" }).click();
    await expect.poll(() => shown(page)).toEqual(order.slice(0, 10));
    expect(requests.length).toBe(asked);
    expect(await page.getByRole("navigation", { name: "Pages of targets" }).isVisible()).toBe(true);
    expect(requests.filter(isWholeReport)).toEqual([]);
    await page.close();
  });

  it("sends the search after a pause in typing, as q, and shows the server's matches", async () => {
    const { page, lists } = await open();
    const before = lists().length;
    await page.getByLabel("Name, ARM id, subscription or tag").pressSequentially("pool-ingest", { delay: 20 });
    await expect.poll(() => shown(page)).toEqual(["pool-ingest"]);
    expect(await page.locator("#target-count").textContent()).toBe(`Showing 1\u20131 of 1 matching (${latest.targets.length} targets in this scan).`);
    // Typing sent no request per key: every list request since carries the whole text.
    const searches = lists().slice(before);
    expect(searches.length).toBeGreaterThan(0);
    for (const l of searches) expect(l.query.q).toBe("pool-ingest");
    // Across statuses, one small request counts the matches.
    expect(searches.filter((l) => l.query.status === undefined).map((l) => l.query)).toEqual([{ q: "pool-ingest", limit: "1", findings: "none" }]);

    // Nothing matches: the list says so.
    await page.getByLabel("Name, ARM id, subscription or tag").fill("no-such-target-anywhere");
    await page.getByLabel("Name, ARM id, subscription or tag").press("Enter");
    await expect.poll(() => page.locator("#targets-body").textContent()).toBe("No target matches the filter.");
    expect(await page.locator("#target-count").textContent()).toBe(`No target matches the filter (${latest.targets.length} targets in this scan).`);
    await page.getByRole("button", { name: "Clear" }).click();
    await expect.poll(() => shown(page)).toEqual(listed(() => true));
    await page.close();
  });

  it("filters by status, check and severity through the query", async () => {
    const { page, lists } = await open();
    let before = lists().length;
    await page.getByLabel("Status", { exact: true }).selectOption("drifted");
    await expect.poll(() => shown(page)).toEqual(listed((t) => t.status === "drifted"));
    expect(lists().slice(before).map((l) => l.query)).toEqual([{ status: "drifted", limit: "50", findings: "none" }]);
    await page.getByLabel("Status", { exact: true }).selectOption("");
    // The reset's own requests are done before the next filter's are counted.
    await expect.poll(() => shown(page)).toEqual(listed(() => true));

    // A check: the targets with a failing or unknown finding of it (the summary offers those checks).
    const counts = new Map<string, number>();
    for (const t of latest.targets) for (const id of new Set(t.findings.filter((f) => f.status !== "pass").map((f) => f.checkId))) counts.set(id, (counts.get(id) ?? 0) + 1);
    const offered = (await page.locator("#filter-check option").evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value))).filter(Boolean);
    expect(new Set(offered)).toEqual(new Set(counts.keys()));
    const [check] = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]!;
    before = lists().length;
    await page.getByLabel("Failing or unknown check").selectOption(check);
    const withCheck = listed((t) => t.findings.some((f) => f.checkId === check && f.status !== "pass"));
    await expect.poll(() => shown(page)).toEqual(withCheck);
    for (const l of lists().slice(before)) expect(l.query.check).toBe(check);
    expect(await page.locator("#target-count").textContent()).toBe(`Showing 1\u2013${withCheck.length} of ${withCheck.length} matching (${latest.targets.length} targets in this scan).`);

    // And a severity on top: both fields go together.
    const severity = failing(latest.targets.find((t) => failing(t).some((f) => f.checkId === check))!).find((f) => f.checkId === check)!.severity;
    before = lists().length;
    await page.getByLabel("Severity", { exact: true }).selectOption(severity);
    const both = listed((t) => t.findings.some((f) => f.checkId === check && f.status !== "pass") && failing(t).some((f) => f.severity === severity));
    await expect.poll(() => shown(page)).toEqual(both);
    for (const l of lists().slice(before)) expect([l.query.check, l.query.severity]).toEqual([check, severity]);
    // Clear: every filter off, the whole list again.
    await page.getByRole("button", { name: "Clear" }).click();
    await expect.poll(() => shown(page)).toEqual(listed(() => true));
    expect(lists().at(-1)!.query.check).toBeUndefined();
    await page.close();
  });

  it("logged no page error", () => {
    expect(pageErrors).toEqual([]);
  });
});
