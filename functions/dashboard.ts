/**
 * GET /api/dashboard: the dashboard page (HTML; open it with `?code=<function key>`).
 * Thin adapter: the route and the page live in src/http/dashboard.ts and src/dashboard/.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { invokeRoute } from "../src/http/route.js";
import { dashboard as dashboardRoute } from "../src/http/dashboard.js";

/** The HTTP handler (exported for tests and `npm run serve`). */
export async function dashboard(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return invokeRoute(dashboardRoute, request, context);
}

app.http(dashboardRoute.spec.name, {
  methods: [dashboardRoute.spec.method],
  route: dashboardRoute.spec.route,
  authLevel: dashboardRoute.spec.authLevel,
  handler: dashboard,
});
