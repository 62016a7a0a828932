/**
 * GET /api/scans/{scanId}/summary: a stored scan's summary (counts by check and severity, errors, diff counts), read without its targets.
 * Thin adapter: the route's schemas, handler and error mapping live in src/http/reportRoutes.ts.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { invokeRoute } from "../src/http/route.js";
import { getScanSummary as getScanSummaryRoute } from "../src/http/reportRoutes.js";

/** The HTTP handler (exported for tests and `npm run serve`). */
export async function getScanSummary(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return invokeRoute(getScanSummaryRoute, request, context);
}

app.http(getScanSummaryRoute.spec.name, {
  methods: [getScanSummaryRoute.spec.method],
  route: getScanSummaryRoute.spec.route,
  authLevel: getScanSummaryRoute.spec.authLevel,
  handler: getScanSummary,
});
