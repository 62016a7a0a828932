/**
 * Calling a route through the pipeline the functions run, as the async-scan tests do: the answer
 * with its body read whether the route sent a string or a stream (a report is streamed).
 */
import { useServices, type AppServices } from "../../src/app/services.js";
import { invokeRoute, type CompiledRoute } from "../../src/http/route.js";
import { httpRequest, invocation, readResponse } from "../setup/harness.js";

/** What a call answered. */
export interface Answer {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** The parsed body; undefined when it is not JSON. */
  json: unknown;
  /** The invocation's log lines. */
  lines: string[];
}

/** Runs `route` on a request built as the host builds it, with `services` installed. */
export async function callRoute(route: CompiledRoute, services: AppServices, init: Parameters<typeof httpRequest>[2], path: string): Promise<Answer> {
  useServices(services);
  const { context, lines } = invocation(route.spec.name);
  const res = await invokeRoute(route, httpRequest(route.spec.method, path, init), context);
  const { status, headers, json } = await readResponse(res);
  return { status, headers, json, lines };
}
