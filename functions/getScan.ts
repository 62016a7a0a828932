/**
 * GET /api/scans/{scanId}: one stored report, or (202) the progress of a scan still on the shard
 * queue, the Location a 202 of POST /api/scans points at.
 * Thin adapter: the route's schemas, handler and error mapping live in src/http/routes.ts.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { invokeRoute } from "../src/http/route.js";
import { getScan as getScanRoute } from "../src/http/routes.js";

/** The HTTP handler (exported for tests and `npm run serve`). */
export async function getScan(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return invokeRoute(getScanRoute, request, context);
}

app.http(getScanRoute.spec.name, {
  methods: [getScanRoute.spec.method],
  route: getScanRoute.spec.route,
  authLevel: getScanRoute.spec.authLevel,
  handler: getScan,
});
