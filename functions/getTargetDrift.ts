/**
 * GET /api/targets/drift?id=<ARM id>: a fresh audit of one target (nothing stored).
 * Thin adapter: the route's schemas, handler and error mapping live in src/http/routes.ts.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { invokeRoute } from "../src/http/route.js";
import { getTargetDrift as getTargetDriftRoute } from "../src/http/routes.js";

/** The HTTP handler (exported for tests and `npm run serve`). */
export async function getTargetDrift(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return invokeRoute(getTargetDriftRoute, request, context);
}

app.http(getTargetDriftRoute.spec.name, {
  methods: [getTargetDriftRoute.spec.method],
  route: getTargetDriftRoute.spec.route,
  authLevel: getTargetDriftRoute.spec.authLevel,
  handler: getTargetDrift,
});
