/**
 * Calling a route through the pipeline the functions run, as the async-scan tests do: the answer
 * with its body read whether the route sent a string or a stream (a report is streamed).
 */
import type { HttpResponseInit } from "@azure/functions";
import { useServices, type AppServices } from "../../src/app/services.js";
import { invokeRoute, type CompiledRoute } from "../../src/http/route.js";
import { httpRequest, invocation } from "../setup/harness.js";

/** The body of a response as text: a string, bytes, or a stream of either. */
export async function bodyText(init: HttpResponseInit): Promise<string> {
  const body = init.body as unknown;
  if (body === undefined || body === null) return init.jsonBody !== undefined ? JSON.stringify(init.jsonBody) : "";
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString("utf8");
  const chunks: Buffer[] = [];
  for await (const c of body as AsyncIterable<string | Uint8Array>) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString("utf8");
}

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
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries((res.headers ?? {}) as Record<string, string>)) headers[k.toLowerCase()] = v;
  const text = await bodyText(res);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status ?? 200, headers, json, lines };
}
