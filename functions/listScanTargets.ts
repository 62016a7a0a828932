/**
 * GET /api/scans/{scanId}/targets: a page of a stored scan's targets, filtered (status, check, severity, q, id).
 * Thin adapter: the route's schemas, handler and error mapping live in src/http/reportRoutes.ts.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { invokeRoute } from "../src/http/route.js";
import { listScanTargets as listScanTargetsRoute } from "../src/http/reportRoutes.js";

/** The HTTP handler (exported for tests and `npm run serve`). */
export async function listScanTargets(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return invokeRoute(listScanTargetsRoute, request, context);
}

app.http(listScanTargetsRoute.spec.name, {
  methods: [listScanTargetsRoute.spec.method],
  route: listScanTargetsRoute.spec.route,
  authLevel: listScanTargetsRoute.spec.authLevel,
  handler: listScanTargets,
});
