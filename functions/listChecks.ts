/**
 * GET /api/checks: the check catalog.
 * Thin adapter: the route's schemas, handler and error mapping live in src/http/routes.ts.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { invokeRoute } from "../src/http/route.js";
import { listChecks as listChecksRoute } from "../src/http/routes.js";

/** The HTTP handler (exported for tests and `npm run serve`). */
export async function listChecks(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return invokeRoute(listChecksRoute, request, context);
}

app.http(listChecksRoute.spec.name, {
  methods: [listChecksRoute.spec.method],
  route: listChecksRoute.spec.route,
  authLevel: listChecksRoute.spec.authLevel,
  handler: listChecks,
});
