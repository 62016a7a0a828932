/**
 * Request validation the way fastify does it: one ajv instance per kind of input, each schema
 * compiled once at module load. Query strings and path parameters are coerced (`"5"` → 5, a
 * single value → a one-item array) and get their defaults; bodies are not coerced (a JSON body
 * says what it means) but get defaults too. Nothing is silently removed: unknown fields fail.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import type { TSchema } from "@sinclair/typebox";
import type { ProblemFieldError } from "./problem.js";

// ajv-formats ships CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** The request parts a route can declare a schema for. */
export type RequestPart = "params" | "query" | "headers" | "body";

function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    coerceTypes: coerce ? "array" : false,
    useDefaults: true,
    removeAdditional: false,
    // `parentSchema` on errors, to read `x-message`.
    verbose: true,
    strict: true,
  });
  addFormats(ajv);
  ajv.addKeyword({ keyword: "x-message", schemaType: "string" });
  return ajv;
}

const coercing = makeAjv(true);
const exact = makeAjv(false);

/** Compiles the schema of a request part with the ajv instance that part calls for. */
export function compilePart(part: RequestPart, schema: TSchema): ValidateFunction {
  return (part === "body" ? exact : coercing).compile(schema);
}

/** Compiles a response schema (no coercion, no defaults applied to what we send). */
const responses = new Ajv({ allErrors: true, strict: true });
addFormats(responses);
responses.addKeyword({ keyword: "x-message", schemaType: "string" });
export function compileResponse(schema: TSchema): ValidateFunction {
  return responses.compile(schema);
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** Turns ajv errors into `{ path, message }` pairs, the path prefixed by the request part. */
export function fieldErrors(part: RequestPart, errors: ErrorObject[] | null | undefined): ProblemFieldError[] {
  const out: ProblemFieldError[] = [];
  const seen = new Set<string>();
  for (const e of errors ?? []) {
    let path = `/${part}${e.instancePath}`;
    let message = e.message ?? "is invalid";
    if (e.keyword === "additionalProperties") {
      path += `/${escapePointer(String((e.params as { additionalProperty: string }).additionalProperty))}`;
      message = "is not a known field";
    } else if (e.keyword === "required") {
      path += `/${escapePointer(String((e.params as { missingProperty: string }).missingProperty))}`;
      message = "is required";
    } else if (e.keyword === "pattern") {
      const parent: unknown = e.parentSchema;
      const custom = parent && typeof parent === "object" ? (parent as Record<string, unknown>)["x-message"] : undefined;
      if (typeof custom === "string") message = custom;
    } else if (e.keyword === "enum") {
      message = `must be one of: ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).join(", ")}`;
    }
    const key = `${path}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path, message });
  }
  return out;
}
