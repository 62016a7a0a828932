/**
 * Shared pieces of the service tests: services wired to a real emulator, the shared Azurite and a
 * local Teams receiver; requests and invocation contexts as the Functions host builds them;
 * storage snapshots (to prove a bad request stored nothing); schema validators.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TableClient } from "@azure/data-tables";
import { BlobServiceClient } from "@azure/storage-blob";
import type { HttpResponseInit, InvocationContext as InvocationContextType, HttpRequest as HttpRequestType } from "@azure/functions";
import { Ajv } from "ajv";
import draft06 from "ajv/dist/refs/json-schema-draft-06.json" with { type: "json" };
import { inject } from "vitest";
import type { TSchema } from "@sinclair/typebox";
import { readAppSettings } from "../../src/config/appSettings.js";
import type { RunningEmulator } from "../../src/emulator/server.js";
import { HttpRequest, InvocationContext } from "../../src/http/azureFunctions.js";
import { compileResponse } from "../../src/http/validation.js";
import type { HistoryStore } from "../../src/store/history.js";
import { createServices, type AppServices } from "../../src/app/services.js";
import type { TeamsReceiver } from "./teamsReceiver.js";

/** The demo estate's subscriptions. */
export const DEMO_SUB_A = "3f2a8c4e-7b1d-4e59-9c0a-2d6f1b8e4a73";
export const DEMO_SUB_B = "b7e4c2a9-1f3d-4e8b-a6c5-92d0f7e3b1a4";
/** The AKS-only subscription (no `Microsoft.HDInsight` registered). */
export const DEMO_SUB_C = "5d9e1c7a-2b4f-4a83-9e61-c3f07b2d8a15";
export const REPO = join(import.meta.dirname, "..", "..");

/** The connection string of the shared Azurite (globalSetup). */
export function azurite(): string {
  return inject("azuriteConnectionString");
}

/** Options of {@link testServices}. */
export interface TestServicesOptions {
  emulator: RunningEmulator;
  /** Letters and digits: this file's own containers and tables in the shared Azurite. */
  namespace: string;
  receiver?: TeamsReceiver;
  /** Extra app settings (SCAN_SUBSCRIPTIONS, BASELINE_JSON, ...). */
  env?: Record<string, string>;
  /** Leave storage out (503 paths). */
  noStorage?: boolean;
}

/** Services as the functions get them, on real parts: emulator over HTTPS, Azurite, receiver. */
export function testServices(o: TestServicesOptions): AppServices {
  const settings = readAppSettings({
    AZURE_ARM_ENDPOINT: o.emulator.url,
    AZURE_ARM_TOKEN: "test-token",
    ...(o.noStorage ? {} : { AzureWebJobsStorage: azurite() }),
    ...(o.receiver ? { TEAMS_WEBHOOK_URL: o.receiver.url } : {}),
    PUBLIC_BASE_URL: "https://egress-audit.example.net",
    ...o.env,
  });
  return createServices(settings, {
    clients: { caCertificates: [o.emulator.caCertPem], maxRetries: 0 },
    teams: { retryDelayInMs: 1, maxRetryDelayInMs: 20, timeoutInMs: 5_000 },
    historyNamespace: o.namespace,
  });
}

/** Builds an `HttpRequest` as the host would hand it to a function. */
export function httpRequest(
  method: "GET" | "POST",
  path: string,
  init: { query?: string; params?: Record<string, string>; headers?: Record<string, string>; body?: string | Uint8Array } = {},
): HttpRequestType {
  const url = `http://localhost:7071${path}${init.query ? `?${init.query}` : ""}`;
  return new HttpRequest({
    method,
    url,
    headers: init.headers ?? {},
    params: init.params ?? {},
    ...(init.body === undefined ? {} : typeof init.body === "string" ? { body: { string: init.body } } : { body: { bytes: init.body } }),
  });
}

/** An invocation context whose log lines are collected. */
export function invocation(functionName: string): { context: InvocationContextType; lines: string[] } {
  const lines: string[] = [];
  const context = new InvocationContext({
    invocationId: "00000000-0000-4000-8000-000000000001",
    functionName,
    logHandler: (level, ...args) => lines.push(`${level}: ${args.map((a) => (typeof a === "string" ? a : a instanceof Error ? a.message : JSON.stringify(a))).join(" ")}`),
  });
  return { context, lines };
}

/** The parts of a response the tests look at. */
export interface Response {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: unknown;
}

/**
 * The parts of a response whose body is a string. A streamed body (a whole report, `format=json`)
 * cannot be read synchronously: this throws for one, so a test never mistakes it for an empty
 * body; read those with {@link readResponse}.
 */
export function responseOf(init: HttpResponseInit): Response {
  if (isStreamed(init.body)) throw new Error("the response body is streamed: read it with `await readResponse(init)`");
  return responseFrom(init, typeof init.body === "string" ? init.body : "");
}

function isStreamed(body: unknown): body is AsyncIterable<Uint8Array> {
  return typeof body === "object" && body !== null && Symbol.asyncIterator in body;
}

/** Any response, a streamed body read to its end first; `chunks` counts the pieces it arrived in (1 for a string body). */
export async function readResponse(init: HttpResponseInit): Promise<Response & { chunks: number }> {
  if (!isStreamed(init.body)) return { ...responseOf(init), chunks: 1 };
  const parts: Buffer[] = [];
  for await (const part of init.body) parts.push(Buffer.from(part));
  return { ...responseFrom(init, Buffer.concat(parts).toString("utf8")), chunks: parts.length };
}

function responseFrom(init: HttpResponseInit, text: string): Response {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries((init.headers ?? {}) as Record<string, string>)) headers[k.toLowerCase()] = v;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: init.status ?? 200, headers, text, json };
}

const compiled = new Map<TSchema, ReturnType<typeof compileResponse>>();
/** Errors of `value` against a response schema ("" when it conforms). */
export function schemaErrors(schema: TSchema, value: unknown): string {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = compileResponse(schema);
    compiled.set(schema, validate);
  }
  return validate(value) ? "" : JSON.stringify(validate.errors?.slice(0, 5));
}

/** Counts of everything a history namespace holds: blobs, and rows of each table. */
export async function storageCounts(history: HistoryStore): Promise<Record<string, number>> {
  const cs = azurite();
  const out: Record<string, number> = {};
  const container = BlobServiceClient.fromConnectionString(cs).getContainerClient(history.names.container);
  let blobs = 0;
  if (await container.exists()) for await (const _ of container.listBlobsFlat()) blobs += 1;
  out.blobs = blobs;
  for (const [key, name] of Object.entries({ scans: history.names.scans, findings: history.names.findings, alerts: history.names.alerts })) {
    const table = TableClient.fromConnectionString(cs, name, { allowInsecureConnection: true });
    let n = 0;
    try {
      for await (const _ of table.listEntities()) n += 1;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
    out[key] = n;
  }
  return out;
}

const ajvCards = new Ajv({ strict: false, allErrors: true });
ajvCards.addMetaSchema(draft06);
const cardSchema = JSON.parse(readFileSync(join(REPO, "test", "fixtures", "adaptive-card", "adaptive-card.schema.json"), "utf8")) as Record<string, unknown>;
// The shipped schema names itself with draft-04 `id`; ajv 8 wants `$id`.
const { id: cardSchemaId, ...cardSchemaRest } = cardSchema;
const validateCard = ajvCards.compile({ $id: cardSchemaId as string, ...cardSchemaRest });

/**
 * Problems of a Teams message: the Workflows envelope, one Adaptive Card attachment, version
 * 1.5, and the card valid against Microsoft's Adaptive Card schema. Empty when it is fine.
 */
export function teamsMessageProblems(message: unknown): string[] {
  const m = message as { type?: unknown; attachments?: Array<{ contentType?: unknown; contentUrl?: unknown; content?: { version?: unknown } }> };
  const problems: string[] = [];
  if (m?.type !== "message") problems.push("type is not 'message'");
  if (!Array.isArray(m?.attachments) || m.attachments.length !== 1) problems.push("not exactly one attachment");
  const a = m?.attachments?.[0];
  if (a?.contentType !== "application/vnd.microsoft.card.adaptive") problems.push("contentType is not the adaptive card type");
  if (a?.contentUrl !== null) problems.push("contentUrl is not null");
  if (a?.content?.version !== "1.5") problems.push("card version is not 1.5");
  if (!validateCard(a?.content)) problems.push(`schema: ${JSON.stringify(validateCard.errors?.slice(0, 5))}`);
  return problems;
}

/** All text of a card, for "does it mention X" assertions. */
export function cardText(message: unknown): string {
  const content = (message as { attachments: Array<{ content: unknown }> }).attachments[0]!.content;
  const texts: string[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === "object") {
      const o = x as Record<string, unknown>;
      if (typeof o.text === "string") texts.push(o.text);
      if (typeof o.title === "string") texts.push(o.title);
      if (typeof o.value === "string") texts.push(o.value);
      Object.values(o).forEach(walk);
    }
  };
  walk(content);
  return texts.join("\n");
}

/** The largest Teams message sent to a receiver in this process, for the closing note. */
export const largestCardSent = { bytes: 0 };
export function noteCardSize(bytes: number): void {
  largestCardSent.bytes = Math.max(largestCardSent.bytes, bytes);
}
