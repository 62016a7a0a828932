/**
 * GET /api/scans/latest/summary: the latest scan's summary (of one scope with ?subscription=).
 * Thin adapter: the route's schemas, handler and error mapping live in src/http/reportRoutes.ts.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { invokeRoute } from "../src/http/route.js";
import { getLatestScanSummary as getLatestScanSummaryRoute } from "../src/http/reportRoutes.js";

/** The HTTP handler (exported for tests and `npm run serve`). */
export async function getLatestScanSummary(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return invokeRoute(getLatestScanSummaryRoute, request, context);
}

app.http(getLatestScanSummaryRoute.spec.name, {
  methods: [getLatestScanSummaryRoute.spec.method],
  route: getLatestScanSummaryRoute.spec.route,
  authLevel: getLatestScanSummaryRoute.spec.authLevel,
  handler: getLatestScanSummary,
});
