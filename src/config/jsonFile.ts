import { readFile } from "node:fs/promises";
import type { ErrorObject } from "ajv";
import { UsageError } from "../errors.js";

/** One line naming each failing field of an ajv validation (at most `limit` of them). */
export function formatAjvErrors(errors: ErrorObject[] | null | undefined, limit = 5): string {
  return (errors ?? [])
    .slice(0, limit)
    .map((e) => `${e.instancePath || "/"} ${e.message ?? "is invalid"}`)
    .join("; ");
}

/**
 * Reads a JSON input file (estate, baseline). Every failure is a {@link UsageError} whose message
 * names the file and the problem: `<Kind>NotReadable` or `Invalid<Kind>`.
 */
export async function readJsonFile(path: string, kind: "Estate" | "Baseline"): Promise<unknown> {
  const label = kind.toLowerCase();
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new UsageError(`${kind}NotReadable`, `cannot read ${label} ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`Invalid${kind}`, `${label} ${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}
