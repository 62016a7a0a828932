/**
 * Baseline loading for the trigger adapters (CLI, HTTP, timer): schema validation plus the checks
 * a schema cannot express, here because they need the check registry (which `baseline.ts` must
 * not import: the checks import it).
 */
import { checks } from "../checks/index.js";
import { UsageError } from "../errors.js";
import { loadBaseline as readBaselineFile, parseBaseline as parseBaselineSchema, type Baseline } from "./baseline.js";

/**
 * An unknown check id in a suppression or a per-check setting is an error, not silently ignored:
 * a typo would otherwise leave a finding unsuppressed or a severity unchanged without a word.
 */
export function validateCheckIds(baseline: Baseline, source: string): Baseline {
  const known = new Set(checks.map((c) => c.meta.id));
  const problems: string[] = [];
  for (const id of Object.keys(baseline.checks ?? {})) {
    if (!known.has(id)) problems.push(`/checks/${id} names an unknown check id`);
  }
  (baseline.suppressions ?? []).forEach((s, i) => {
    if (!known.has(s.checkId)) problems.push(`/suppressions/${i}/checkId ${JSON.stringify(s.checkId)} is not a known check id`);
  });
  if (problems.length) {
    throw new UsageError("InvalidBaseline", `${source}: ${problems.join("; ")} (known: ${[...known].join(", ")})`);
  }
  return baseline;
}

/** Validates parsed JSON as a baseline: schema, then check ids. */
export function parseBaseline(value: unknown, source = "baseline"): Baseline {
  return validateCheckIds(parseBaselineSchema(value, source), source);
}

/** Reads and validates a baseline file: schema, then check ids. */
export async function loadBaseline(path: string): Promise<Baseline> {
  return validateCheckIds(await readBaselineFile(path), path);
}
