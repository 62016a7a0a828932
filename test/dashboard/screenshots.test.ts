/**
 * The README's pictures: the dashboard and the HTML report, committed under docs/images/.
 *
 * Always: the committed files exist and are PNGs of a sensible size (a README must not point at a
 * missing, empty or thumbnail image). With `UPDATE_SCREENSHOTS=1` first: they are made again in
 * real headless Chromium (Debian's `chromium`, through playwright-core) from the same setup as
 * dashboard.test.ts: `npm run serve`'s server in-process, the ARM emulator on the demo estate, the
 * shared Azurite, three stored scans (the first two with a stray public IP) so the trend and the
 * diff show something. Regenerate with `UPDATE_SCREENSHOTS=1 npx vitest run test/dashboard/screenshots.test.ts`.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dashboard } from "../../functions/dashboard.js";
import { getLatestScan } from "../../functions/getLatestScan.js";
import { getScan } from "../../functions/getScan.js";
import { listChecks } from "../../functions/listChecks.js";
import { listScans } from "../../functions/listScans.js";
import { startScan } from "../../functions/startScan.js";
import { renderers } from "../../src/report/render/index.js";
import type { DriftReport } from "../../src/report/report.js";
import { REPO } from "../setup/harness.js";
import { CHROMIUM, startDashboardStage, type DashboardStage } from "./stage.js";

const IMAGES = join(REPO, "docs", "images");
const KEY = "screenshots-test-key";
/** The width a README shows well on GitHub, and a height that keeps the picture's top readable. */
const VIEWPORT = { width: 1280, height: 900 };
/** Each picture: its file and the smallest and largest size that still makes sense. */
const SCREENSHOTS = [
  { file: "dashboard.png", minHeight: 600 },
  { file: "dashboard-target.png", minHeight: 600 },
  { file: "html-report.png", minHeight: 600 },
] as const;
const update = process.env.UPDATE_SCREENSHOTS === "1";

/** Width and height from a PNG's IHDR chunk; throws when the bytes are not a PNG. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (bytes.length < 33 || !bytes.subarray(0, 8).equals(signature)) throw new Error("not a PNG: no PNG signature");
  if (bytes.toString("latin1", 12, 16) !== "IHDR") throw new Error("not a PNG: the first chunk is not IHDR");
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe.skipIf(!update)("regenerating the README's screenshots in headless Chromium (UPDATE_SCREENSHOTS=1)", () => {
  let stage: DashboardStage;
  let context: BrowserContext;
  let latest: DriftReport;

  const dashboardUrl = () => stage.dashboardUrl();

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`UPDATE_SCREENSHOTS=1 needs Chromium at ${CHROMIUM} (apt-get install chromium)`);
    mkdirSync(IMAGES, { recursive: true });
    stage = await startDashboardStage({ key: KEY, namespace: "screenshots", handlers: { startScan, getLatestScan, getScan, listScans, listChecks, dashboard }, viewport: VIEWPORT });
    ({ context, latest } = stage);
  }, 90_000);

  afterAll(async () => {
    await stage?.close();
  });

  it("docs/images/dashboard.png: the overview of the demo estate's latest scan", async () => {
    const page = await context.newPage();
    await page.goto(dashboardUrl());
    await page.locator("#tiles [data-stat]").first().waitFor({ state: "attached" });
    await page.locator("#chart svg g.bar").first().waitFor();
    // The first page of targets, read from the server after the summary.
    await page.locator("#targets-body tr[data-status]").first().waitFor();
    await page.screenshot({ path: join(IMAGES, "dashboard.png"), fullPage: true });
    await page.close();
  });

  it("docs/images/dashboard-target.png: one drifted target's findings", async () => {
    const page = await context.newPage();
    const marketing = latest.targets.find((t) => t.name === "pool-marketing")!;
    await page.goto(`${dashboardUrl()}#target=${encodeURIComponent(marketing.id)}`);
    await page.locator("#target-view").waitFor();
    // The first finding's evidence open, so the picture shows what a finding carries.
    await page.locator('#target-view [data-list="open"] article details.evidence summary').first().click();
    await page.screenshot({ path: join(IMAGES, "dashboard-target.png") });
    await page.close();
  });

  it("docs/images/html-report.png: the self-contained HTML report of the same scan", async () => {
    const page = await context.newPage();
    await page.setContent(renderers.html.render(latest), { waitUntil: "load" });
    // The summary and the first drifted targets: enough to show what the page is, not all of it.
    await page.screenshot({ path: join(IMAGES, "html-report.png"), fullPage: true, clip: { x: 0, y: 0, width: VIEWPORT.width, height: 1600 } });
    await page.close();
  });
});

describe("the README's screenshots", () => {
  it.each(SCREENSHOTS)("docs/images/$file is committed as a PNG of a sensible size", ({ file, minHeight }) => {
    const path = join(IMAGES, file);
    expect(existsSync(path), `${path} is missing: UPDATE_SCREENSHOTS=1 npx vitest run test/dashboard/screenshots.test.ts`).toBe(true);
    const { size } = statSync(path);
    expect(size).toBeGreaterThan(20_000);
    expect(size).toBeLessThan(3_000_000);
    const { width, height } = pngSize(readFileSync(path));
    expect(width).toBe(VIEWPORT.width);
    expect(height).toBeGreaterThanOrEqual(minHeight);
    expect(height).toBeLessThanOrEqual(6_000);
  });

  it("tells a PNG from something else", () => {
    expect(() => pngSize(Buffer.from("<html>not an image</html>".padEnd(64)))).toThrow(/no PNG signature/);
  });
});
