/**
 * `GET /api/dashboard`: the dashboard page (src/dashboard/page.ts). Anonymous at the function
 * level, because the page is a static shell that holds no data: every number on it comes from
 * the API, which keeps its function key (and the Entra ID check when configured). That is what
 * lets a link without a key open it, such as the Teams card's "Open report"
 * (`/api/dashboard#scan=<id>&target=<ARM id>`); with App Service Authentication on, the platform
 * signs the browser in before the page loads. The page takes the key from its own `?code=` or
 * asks for it once per tab, and sends it to the API only as the `x-functions-key` header. It
 * needs neither storage nor ARM; its problems are the pipeline's own (a stray query field, a body).
 *
 * It is a page, not an API operation: it is registered with the Functions host and `npm run
 * serve` like the API routes (see `pageRoutes()` in routes.ts) but left out of the OpenAPI document.
 */
import { Type } from "@sinclair/typebox";
import { dashboardHeaders, dashboardHtml } from "../dashboard/page.js";
import { defineRoute } from "./route.js";
import { KeyOnlyQuery } from "./schemas.js";

export const dashboard = defineRoute({
  name: "dashboard",
  method: "GET",
  route: "dashboard",
  authLevel: "anonymous",
  tags: ["dashboard"],
  summary: "The dashboard (HTML)",
  description:
    "The latest scan at a glance, the drift trend, a target list filtered and paged by the server, and each target's findings. " +
    "A static page with no data, so it needs no key itself; it reads /api/scans/latest/summary (or /api/scans/{scanId}/summary for a `#scan=` link), " +
    "/api/scans/{scanId}/targets a page at a time, /api/scans and /api/checks with the function key from its own `?code=`, or asks for it; " +
    "it never downloads a whole report. `#scan=<id>&target=<ARM id>` opens a scan at a target.",
  query: KeyOnlyQuery,
  responses: { 200: { description: "The dashboard page (text/html, self-contained).", schema: Type.String() } },
  problems: ["ValidationFailed", "UnexpectedBody", "PayloadTooLarge", "InternalError"],
  // eslint-disable-next-line @typescript-eslint/require-await -- every handler is async by contract
  async handle() {
    return { status: 200, text: { contentType: "text/html; charset=utf-8", body: dashboardHtml() }, headers: { ...dashboardHeaders } };
  },
});
