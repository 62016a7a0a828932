/**
 * GET /api/openapi.json: the OpenAPI 3.1 document of this API.
 * Thin adapter: the route's schemas, handler and error mapping live in src/http/routes.ts.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { invokeRoute } from "../src/http/route.js";
import { getOpenApi as getOpenApiRoute } from "../src/http/routes.js";

/** The HTTP handler (exported for tests and `npm run serve`). */
export async function getOpenApi(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return invokeRoute(getOpenApiRoute, request, context);
}

app.http(getOpenApiRoute.spec.name, {
  methods: [getOpenApiRoute.spec.method],
  route: getOpenApiRoute.spec.route,
  authLevel: getOpenApiRoute.spec.authLevel,
  handler: getOpenApi,
});
