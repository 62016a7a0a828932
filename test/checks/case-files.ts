/**
 * Loads the check cases kept as files: `test/checks/<check-id>/<pass|fail|unknown>-<name>.json`.
 * Each file is `{ description, snapshot, baseline?, expect: [...], expectExactly? }`; `expect` lists
 * results of that check for the first target of the snapshot.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { emptySnapshot, type Snapshot, type Target } from "../../src/model/snapshot.js";
import { emptyBaseline } from "../../src/baseline/baseline.js";
import { effectiveBaseline } from "../../src/baseline/overrides.js";
import { checks, getCheck } from "../../src/checks/index.js";
import type { CheckResult } from "../../src/checks/lib/types.js";
import { parseBaseline } from "../../src/baseline/baseline.js";
import type { Baseline } from "../../src/baseline/baseline.js";
import type { FindingStatus } from "../../src/checks/lib/types.js";

/** The folder holding the check cases (this file's folder). */
export const CASES_DIR = dirname(fileURLToPath(import.meta.url));

/** What one expected result must look like. */
export interface CaseExpectation {
  status: FindingStatus;
  /** Compared case-insensitively with the finding's resource id. */
  resourceId?: string;
  /** The result's stable item; checked through the stable finding id. */
  item?: string;
  actualIncludes?: string;
  messageIncludes?: string;
  /** Substring of `JSON.stringify(evidence)`. */
  evidenceIncludes?: string;
}

/** A loaded case file. */
export interface CheckCase {
  checkId: string;
  /** File name without `.json`. */
  name: string;
  file: string;
  kind: "pass" | "fail" | "unknown";
  description: string;
  snapshot: Snapshot;
  baseline?: Baseline;
  expect: CaseExpectation[];
  expectExactly: boolean;
}

const caseSchema = {
  type: "object",
  additionalProperties: false,
  required: ["description", "snapshot", "expect"],
  properties: {
    description: { type: "string", minLength: 1 },
    snapshot: {
      type: "object",
      required: ["schemaVersion", "targets"],
      properties: {
        schemaVersion: { const: 1 },
        targets: { type: "array", minItems: 1 },
        aksClusters: { type: "object" },
        subnets: { type: "object" },
        routeTables: { type: "object" },
        firewalls: { type: "object" },
        firewallInventory: { type: "object" },
        mcGroups: { type: "object" },
        publicIps: { type: "object" },
        loadBalancers: { type: "object" },
      },
    },
    baseline: { type: "object" },
    expect: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["status"],
        properties: {
          status: { enum: ["pass", "fail", "unknown"] },
          resourceId: { type: "string", minLength: 1 },
          item: { type: "string", minLength: 1 },
          actualIncludes: { type: "string", minLength: 1 },
          messageIncludes: { type: "string", minLength: 1 },
          evidenceIncludes: { type: "string", minLength: 1 },
        },
      },
    },
    expectExactly: { type: "boolean" },
  },
} as const;

const validateCase = new Ajv({ allErrors: true, strict: true }).compile(caseSchema);

/** Folders under `test/checks/` that look like check ids (kebab-case); `lib/` holds the unit tests of `src/checks/lib/`. */
export function caseFolders(): string[] {
  return readdirSync(CASES_DIR)
    .filter((name) => name !== "lib" && /^[a-z0-9]+(-[a-z0-9]+)*$/.test(name) && statSync(join(CASES_DIR, name)).isDirectory())
    .sort();
}

/** The `.json` file names of one check's folder (empty when the folder does not exist). */
export function caseFileNames(checkId: string): string[] {
  const dir = join(CASES_DIR, checkId);
  try {
    return readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
  } catch {
    return [];
  }
}

/** Loads and validates one case file; throws with the file name when it is malformed. */
export function loadCase(checkId: string, fileName: string): CheckCase {
  const file = join(CASES_DIR, checkId, fileName);
  const json: unknown = JSON.parse(readFileSync(file, "utf8"));
  if (!validateCase(json)) {
    throw new Error(`${file}: ${(validateCase.errors ?? []).map((e) => `${e.instancePath} ${e.message}`).join("; ")}`);
  }
  const raw = json as {
    description: string;
    snapshot: Snapshot;
    baseline?: unknown;
    expect: CaseExpectation[];
    expectExactly?: boolean;
  };
  const name = fileName.replace(/\.json$/, "");
  const kind = /^(pass|fail|unknown)-/.exec(name)?.[1];
  if (kind !== "pass" && kind !== "fail" && kind !== "unknown") {
    throw new Error(`${file}: a case file name starts with pass-, fail- or unknown-`);
  }
  const loaded: CheckCase = {
    checkId,
    name,
    file,
    kind,
    description: raw.description,
    // Parts a case does not mention are empty maps, so a case stays as small as its situation.
    snapshot: { ...emptySnapshot(), ...raw.snapshot },
    expect: raw.expect,
    expectExactly: raw.expectExactly === true,
  };
  if (raw.baseline !== undefined) loaded.baseline = parseBaseline(raw.baseline, { knownCheckIds: checks.map((c) => c.meta.id), source: file });
  return loaded;
}

/** Every case file of every folder. */
export function loadAllCases(): CheckCase[] {
  return caseFolders().flatMap((checkId) => caseFileNames(checkId).map((f) => loadCase(checkId, f)));
}

/** A case file's snapshot (a private copy, safe to derive from) and its first target. */
export function caseFixture(checkId: string, name: string): { snapshot: Snapshot; target: Target } {
  const snapshot = structuredClone(loadCase(checkId, `${name}.json`).snapshot);
  const target = snapshot.targets[0];
  if (target === undefined) throw new Error(`case ${checkId}/${name} has no target`);
  return { snapshot, target };
}

/** Runs one check directly on a target, with its default parameters overridden by `params`. */
export function runCheck(
  checkId: string,
  snapshot: Snapshot,
  target: Target,
  baseline: Baseline = emptyBaseline,
  params: Record<string, unknown> = {},
): CheckResult[] {
  const check = getCheck(checkId);
  if (check === undefined) throw new Error(`${checkId} not registered`);
  const merged: Record<string, unknown> = {};
  for (const p of check.meta.parameters) merged[p.name] = p.default;
  Object.assign(merged, params);
  return check.evaluate({ snapshot, target, baseline: effectiveBaseline(baseline, target), params: merged });
}
