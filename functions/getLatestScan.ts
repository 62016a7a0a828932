/**
 * GET /api/scans/latest: the newest stored report (optionally of one scope).
 * Thin adapter: the route's schemas, handler and error mapping live in src/http/routes.ts.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { invokeRoute } from "../src/http/route.js";
import { getLatestScan as getLatestScanRoute } from "../src/http/routes.js";

/** The HTTP handler (exported for tests and `npm run serve`). */
export async function getLatestScan(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return invokeRoute(getLatestScanRoute, request, context);
}

app.http(getLatestScanRoute.spec.name, {
  methods: [getLatestScanRoute.spec.method],
  route: getLatestScanRoute.spec.route,
  authLevel: getLatestScanRoute.spec.authLevel,
  handler: getLatestScan,
});
