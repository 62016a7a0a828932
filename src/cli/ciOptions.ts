/**
 * The CI options of `demo` and `scan`: `--fail-on <severity>` (which drift fails the build) and
 * where SARIF results are placed (`--sarif-artifact`, the lines of the `--baseline` file). Kept
 * beside program.ts so the command definitions stay short.
 */
import { readFile } from "node:fs/promises";
import { relative, resolve } from "node:path";
import type { Baseline } from "../baseline/baseline.js";
import type { Severity } from "../checks/lib/types.js";
import { UsageError } from "../errors.js";
import { exitCodeOf, type DriftReport } from "../report/report.js";
import type { Format, RenderOptions } from "../report/render/index.js";
import { jsonPointerLines, repoRelativeUri } from "../report/render/sarifLocations.js";

/** The values of `--fail-on`, most severe first. */
export const failOnSeverities = ["critical", "high", "medium", "low", "info"] as const satisfies readonly Severity[];

const rank = (s: Severity): number => failOnSeverities.indexOf(s);

/** The severities of a report's unsuppressed failing findings. */
export function failingSeveritiesOf(report: Pick<DriftReport, "targets">): Set<Severity> {
  const out = new Set<Severity>();
  for (const t of report.targets) for (const f of t.findings) if (f.status === "fail" && !f.suppressed) out.add(f.severity);
  return out;
}

/**
 * The exit code with `--fail-on`: 1 only when an unsuppressed failure at or above `failOn`
 * exists; drift below it does not fail the build, so the code is 2 when the scan is incomplete,
 * else 0. Without `failOn`, the contract's code (any drift is 1). The failures' severities come
 * from `failing` (a spooled report, whose targets are on disk), else from the report's targets.
 */
export function exitCodeFailingOn(
  report: Pick<DriftReport, "summary" | "errors" | "scope"> & Partial<Pick<DriftReport, "targets">>,
  failOn?: Severity,
  failing: ReadonlySet<Severity> = failingSeveritiesOf({ targets: report.targets ?? [] }),
): 0 | 1 | 2 {
  if (failOn === undefined) return exitCodeOf(report);
  const limit = rank(failOn);
  if ([...failing].some((s) => rank(s) <= limit)) return 1;
  // The rest of the contract decides between incomplete and clean.
  return exitCodeOf({ ...report, summary: { ...report.summary, drifted: 0 } });
}

/**
 * Validates `--sarif-artifact` before anything starts: a path relative to the repository root,
 * inside it, and only with the SARIF format. Returns its URI.
 */
export function sarifArtifactUri(path: string, format: Format): string {
  if (format !== "sarif") {
    throw new UsageError("InvalidFlag", `--sarif-artifact applies to the sarif format only (the format is ${format})`);
  }
  const uri = repoRelativeUri(path);
  if (uri === undefined) {
    throw new UsageError("InvalidFlag", `--sarif-artifact must be a file path relative to the repository root, inside it (got ${JSON.stringify(path)})`);
  }
  return uri;
}

/**
 * The SARIF placement options of a run: the `--sarif-artifact` URI and, when the scan used a
 * baseline file inside the working directory (the repository checkout in CI), that file's
 * repository-relative URI with the line of each of its entries. A baseline outside the working
 * directory names nothing in the repository and is left out.
 */
export async function sarifPlacement(
  flags: { baseline?: string; sarifArtifact?: string },
  baseline: Baseline | undefined,
  cwd: string = process.cwd(),
): Promise<Pick<RenderOptions, "baselineFile" | "artifactUri">> {
  const out: Pick<RenderOptions, "baselineFile" | "artifactUri"> = {};
  if (flags.sarifArtifact !== undefined) out.artifactUri = sarifArtifactUri(flags.sarifArtifact, "sarif");
  if (flags.baseline !== undefined && baseline !== undefined) {
    const uri = repoRelativeUri(relative(cwd, resolve(cwd, flags.baseline)));
    if (uri !== undefined) {
      // The file was read and validated a moment ago; the lines only place results, so a file
      // changed since then costs the line numbers (line 1), not the report.
      let lines = new Map<string, number>();
      try {
        lines = jsonPointerLines(await readFile(resolve(cwd, flags.baseline), "utf8"));
      } catch {
        // keep the empty map
      }
      out.baselineFile = { uri, baseline, lines };
    }
  }
  return out;
}
