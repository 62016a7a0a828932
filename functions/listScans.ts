/**
 * GET /api/scans: the scan index, newest first, paged.
 * Thin adapter: the route's schemas, handler and error mapping live in src/http/routes.ts.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { invokeRoute } from "../src/http/route.js";
import { listScans as listScansRoute } from "../src/http/routes.js";

/** The HTTP handler (exported for tests and `npm run serve`). */
export async function listScans(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return invokeRoute(listScansRoute, request, context);
}

app.http(listScansRoute.spec.name, {
  methods: [listScansRoute.spec.method],
  route: listScansRoute.spec.route,
  authLevel: listScansRoute.spec.authLevel,
  handler: listScans,
});
