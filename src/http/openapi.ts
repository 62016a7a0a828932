/**
 * The OpenAPI 3.1 document, generated from the route definitions: the same schemas ajv compiles
 * for requests and the tests check responses against. Named schemas become components and are
 * referenced with `$ref` wherever they occur; every route lists the problems it can answer with.
 */
import type { TSchema } from "@sinclair/typebox";
import { problemCatalog, PROBLEM_TYPE_BASE } from "./problem.js";
import { documentedProblems, type CompiledRoute } from "./route.js";
import { namedSchemas } from "./schemas.js";

type Json = Record<string, unknown>;

/** Deep copy of a schema as plain JSON, with named sub-schemas replaced by `$ref` (by identity). */
function toJson(schema: unknown, names: Map<unknown, string>, root: unknown): unknown {
  if (schema !== root && names.has(schema)) return { $ref: `#/components/schemas/${names.get(schema)!}` };
  if (Array.isArray(schema)) return schema.map((s) => toJson(s, names, root));
  if (schema && typeof schema === "object") {
    const out: Json = {};
    // Object.entries skips TypeBox's symbol-keyed metadata.
    for (const [k, v] of Object.entries(schema)) out[k] = toJson(v, names, root);
    return out;
  }
  return schema;
}

function parameters(schema: TSchema | undefined, where: "path" | "query" | "header", names: Map<unknown, string>): Json[] {
  if (!schema) return [];
  const props = (schema as { properties?: Record<string, TSchema> }).properties ?? {};
  const required = new Set((schema as { required?: string[] }).required ?? []);
  return Object.entries(props).map(([name, s]) => {
    const json = toJson(s, names, undefined) as Json;
    const isArray = json.type === "array";
    return {
      name,
      in: where,
      required: where === "path" ? true : required.has(name),
      ...(typeof json.description === "string" ? { description: json.description } : {}),
      schema: json,
      ...(where === "query" && isArray ? { style: "form", explode: true } : {}),
    };
  });
}

/** Options of {@link buildOpenApi}. */
export interface OpenApiOptions {
  version: string;
  /**
   * Server URL including the `/api` prefix: a configured one or the relative `/api`, never one
   * derived from a request (its `Host` is the caller's to choose).
   */
  serverUrl: string;
}

/** Builds the OpenAPI 3.1 document of these routes. */
export function buildOpenApi(routes: readonly CompiledRoute[], options: OpenApiOptions): Json {
  const names = new Map<unknown, string>(namedSchemas.map(([n, s]) => [s, n]));
  const components: Json = {};
  for (const [name, schema] of namedSchemas) components[name] = toJson(schema, names, schema);

  const paths: Record<string, Json> = {};
  for (const { spec } of routes) {
    const path = `/${spec.route}`;
    const responses: Json = {};
    for (const [status, r] of Object.entries(spec.responses)) {
      const content: Json = { "application/json": { schema: toJson(r.schema, names, undefined) } };
      for (const media of r.alternativeMediaTypes ?? []) content[media] = { schema: { type: "string" } };
      responses[status] = {
        description: r.description,
        content,
        ...(r.headers ? { headers: Object.fromEntries(Object.entries(r.headers).map(([h, d]) => [h, { description: d.description, schema: { type: "string" } }])) } : {}),
      };
    }
    const byStatus = new Map<number, string[]>();
    for (const code of documentedProblems(spec)) {
      const status = problemCatalog[code].status;
      byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
    }
    for (const [status, codes] of [...byStatus].sort((a, b) => a[0] - b[0])) {
      responses[String(status)] = {
        description: codes.map((c) => `\`${c}\`: ${problemCatalog[c as keyof typeof problemCatalog].when}`).join("; "),
        content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
      };
    }
    const operation: Json = {
      operationId: spec.name,
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      tags: spec.tags,
      parameters: [...parameters(spec.params, "path", names), ...parameters(spec.query, "query", names), ...parameters(spec.headers, "header", names)],
      ...(spec.body ? { requestBody: { required: true, content: { "application/json": { schema: toJson(spec.body, names, undefined) } } } } : {}),
      responses,
      security: spec.authLevel === "anonymous" ? [] : [{ functionKey: [] }, { functionKeyQuery: [] }],
    };
    paths[path] = { ...paths[path], [spec.method.toLowerCase()]: operation };
  }

  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://spec.openapis.org/oas/3.1/dialect/base",
    info: {
      title: "egress-audit",
      version: options.version,
      description:
        "Audits the network egress of HDInsight on AKS cluster pools and AKS clusters and returns drift reports. " +
        `Errors are RFC 9457 problem documents (application/problem+json) with a stable \`code\`; problem types live under ${PROBLEM_TYPE_BASE}.`,
    },
    servers: [{ url: options.serverUrl }],
    tags: [
      { name: "scans", description: "On-demand scans and the scan history" },
      { name: "targets", description: "Fresh audits of single targets" },
      { name: "catalog", description: "The check catalog" },
      { name: "meta", description: "Health and this document" },
    ],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        functionKey: { type: "apiKey", in: "header", name: "x-functions-key", description: "Azure Functions function or host key." },
        functionKeyQuery: { type: "apiKey", in: "query", name: "code", description: "The same key as a query parameter." },
      },
    },
  };
}
