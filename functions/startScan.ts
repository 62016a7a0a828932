/**
 * POST /api/scans: runs a scan now, stores it with its diff, alerts Teams on change, returns the
 * report (201); a scan not done within `SCAN_SYNC_WAIT_IN_MS` continues on the shard queue
 * (`scanShard`) and answers 202 with `Location` and `Retry-After` (src/app/requestedScan.ts).
 * Thin adapter: the route's schemas, handler and error mapping live in src/http/routes.ts.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { invokeRoute } from "../src/http/route.js";
import { startScan as startScanRoute } from "../src/http/routes.js";

/** The HTTP handler (exported for tests and `npm run serve`). */
export async function startScan(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return invokeRoute(startScanRoute, request, context);
}

app.http(startScanRoute.spec.name, {
  methods: [startScanRoute.spec.method],
  route: startScanRoute.spec.route,
  authLevel: startScanRoute.spec.authLevel,
  handler: startScan,
});
