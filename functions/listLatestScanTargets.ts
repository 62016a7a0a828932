/**
 * GET /api/scans/latest/targets: a page of the latest scan's targets, filtered like listScanTargets.
 * Thin adapter: the route's schemas, handler and error mapping live in src/http/reportRoutes.ts.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { invokeRoute } from "../src/http/route.js";
import { listLatestScanTargets as listLatestScanTargetsRoute } from "../src/http/reportRoutes.js";

/** The HTTP handler (exported for tests and `npm run serve`). */
export async function listLatestScanTargets(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return invokeRoute(listLatestScanTargetsRoute, request, context);
}

app.http(listLatestScanTargetsRoute.spec.name, {
  methods: [listLatestScanTargetsRoute.spec.method],
  route: listLatestScanTargetsRoute.spec.route,
  authLevel: listLatestScanTargetsRoute.spec.authLevel,
  handler: listLatestScanTargets,
});
