/**
 * GET /api/health: liveness (anonymous).
 * Thin adapter: the route's schemas, handler and error mapping live in src/http/routes.ts.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { invokeRoute } from "../src/http/route.js";
import { health as healthRoute } from "../src/http/routes.js";

/** The HTTP handler (exported for tests and `npm run serve`). */
export async function health(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return invokeRoute(healthRoute, request, context);
}

app.http(healthRoute.spec.name, {
  methods: [healthRoute.spec.method],
  route: healthRoute.spec.route,
  authLevel: healthRoute.spec.authLevel,
  handler: health,
});
