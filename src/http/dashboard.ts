/**
 * `GET /api/dashboard`: the dashboard page (src/dashboard/page.ts). Function-level like the API:
 * a browser opens `/api/dashboard?code=<function key>` (the Functions host and `npm run serve`
 * both accept the key as `?code=`), and the page sends the same key to the API it reads as the
 * `x-functions-key` header. The page is static and holds no data, so this route needs neither
 * storage nor ARM; its problems are the pipeline's own (a stray query field, a body).
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
  authLevel: "function",
  tags: ["dashboard"],
  summary: "The dashboard (HTML)",
  description:
    "The latest scan at a glance, the drift trend, a filterable target list and each target's findings. " +
    "Open it with `?code=<function key>`; it reads /api/scans/latest, /api/scans and /api/checks with the same key.",
  query: KeyOnlyQuery,
  responses: { 200: { description: "The dashboard page (text/html, self-contained).", schema: Type.String() } },
  problems: ["ValidationFailed", "UnexpectedBody", "PayloadTooLarge", "InternalError"],
  // eslint-disable-next-line @typescript-eslint/require-await -- every handler is async by contract
  async handle() {
    return { status: 200, text: { contentType: "text/html; charset=utf-8", body: dashboardHtml() }, headers: { ...dashboardHeaders } };
  },
});
