/**
 * Physical locations of SARIF results. GitHub code scanning refuses a result without
 * `locations[0].physicalLocation.artifactLocation.uri` and needs `region.startLine`, and it
 * resolves a relative URI against the repository root (docs "SARIF support for code scanning").
 * Drift lives in Azure, not in a file, so each result gets, in this order:
 *
 * 1. the baseline file and the line of the baseline entry that applies to the finding: the
 *    suppression that matched it, else the last override whose match names its target (by
 *    `match.resourceId`, by `match.tag` against the target's own tags, which a version-2 report
 *    carries, or by both; a target without tags matches no tag override), else the check's own
 *    entry under `checks` (its severity, switch or parameters);
 * 2. else the file the user named (`--sarif-artifact`, e.g. the Bicep that defines the estate), line 1;
 * 3. else a stable per-target path `azure/<subscription>/<resourceGroup>/<target>` (lower case: ARM
 *    ids are case-insensitive and their casing varies between APIs; each segment percent-encoded),
 *    line 1. It is a relative path with no file behind it, so GitHub keeps the alert but shows no
 *    code; the ARM id stays the logical location.
 *
 * No `uriBaseId`: GitHub reads a relative URI as relative to the repository root, which is what
 * the CLI makes of the baseline path and demands of `--sarif-artifact`.
 */
import type { Baseline } from "../../baseline/baseline.js";
import { idMatches } from "../../baseline/baseline.js";
import { tagMatches } from "../../baseline/overrides.js";
import type { ReportFinding, TargetReport } from "../report.js";

/** The baseline file a scan used, for locating results at its entries. */
export interface SarifBaselineFile {
  /** Its path relative to the repository root, `/`-separated (as {@link repoRelativeUri} makes it). */
  uri: string;
  /** The parsed baseline (the one the scan judged against). */
  baseline: Baseline;
  /** The line of each entry, by JSON pointer (`/suppressions/0`, `/overrides/2`, `/checks/<id>`): {@link jsonPointerLines}. */
  lines: ReadonlyMap<string, number>;
}

/** Where results are placed when no baseline entry applies. */
export interface SarifLocationOptions {
  /** The baseline file, when the scan used one from the repository. */
  baselineFile?: SarifBaselineFile;
  /** A repository-relative file to place every other result at (`--sarif-artifact`). */
  artifactUri?: string;
}

type Json = Record<string, unknown>;

/** The physical location of a result (see the module comment for the order). */
export function physicalLocationOf(target: TargetReport, f: ReportFinding, options: SarifLocationOptions = {}): Json {
  const file = options.baselineFile;
  const pointer = file ? baselineEntryOf(file.baseline, target, f) : undefined;
  if (file && pointer !== undefined) return at(file.uri, file.lines.get(pointer) ?? 1);
  if (options.artifactUri) return at(options.artifactUri, 1);
  return at(targetUri(target), 1);
}

function at(uri: string, startLine: number): Json {
  return { artifactLocation: { uri }, region: { startLine } };
}

/**
 * The JSON pointer of the baseline entry that applies to a finding, if any: its suppression (the
 * first with the same check, a glob matching the resource and the reason, owner and expiry the
 * finding carries, which is the one the engine picked), else the last override whose match (id
 * glob, tag, or both, as the engine applies them) names the target, else `checks/<checkId>`.
 */
export function baselineEntryOf(
  baseline: Baseline,
  target: Pick<TargetReport, "id" | "tags">,
  f: Pick<ReportFinding, "checkId" | "resourceId" | "suppressed">,
): string | undefined {
  const s = f.suppressed;
  if (s) {
    const i = (baseline.suppressions ?? []).findIndex(
      (x) => x.checkId === f.checkId && x.reason === s.reason && x.owner === s.owner && x.expires === s.expires && idMatches(x.resourceId, f.resourceId),
    );
    if (i >= 0) return `/suppressions/${i}`;
  }
  const overrides = baseline.overrides ?? [];
  for (let i = overrides.length - 1; i >= 0; i--) {
    const m = overrides[i]!.match;
    if (m.resourceId === undefined && m.tag === undefined) continue;
    const byId = m.resourceId === undefined || idMatches(m.resourceId, target.id);
    const byTag = m.tag === undefined || tagMatches(target.tags, m.tag.name, m.tag.value);
    if (byId && byTag) return `/overrides/${i}`;
  }
  if (baseline.checks && Object.hasOwn(baseline.checks, f.checkId)) return `/checks/${escapePointer(f.checkId)}`;
  return undefined;
}

/** `azure/<subscription>/<resourceGroup>/<target>`, lower case, each segment percent-encoded. */
export function targetUri(target: Pick<TargetReport, "id" | "name" | "subscriptionId">): string {
  const rg = /\/resourceGroups\/([^/]+)/i.exec(target.id)?.[1] ?? "-";
  return ["azure", target.subscriptionId, rg, target.name].map((s) => encodeSegment(s.toLowerCase())).join("/");
}

/** Percent-encodes one path segment; a lone surrogate (which `encodeURIComponent` refuses) becomes U+FFFD. */
function encodeSegment(segment: string): string {
  return encodeURIComponent(segment.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD"));
}

/**
 * A user's relative path as a repository-relative URI: `\` and `/` separate segments, `.` and
 * empty segments go, each segment is percent-encoded. Undefined when the path is absolute or
 * climbs out (`..`): then it names nothing inside the repository.
 */
export function repoRelativeUri(path: string): string | undefined {
  if (/^([a-zA-Z]:)?[\\/]/.test(path) || /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(path)) return undefined;
  const out: string[] = [];
  for (const seg of path.split(/[\\/]/)) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length === 0) return undefined;
      out.pop();
      continue;
    }
    out.push(encodeSegment(seg));
  }
  return out.length ? out.join("/") : undefined;
}

/** JSON pointer escaping (RFC 6901): `~` -> `~0`, `/` -> `~1`. */
function escapePointer(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** Entries deeper than this are not recorded: a baseline's rules live at depth 2. */
const MAX_DEPTH = 2;

/**
 * The 1-based line on which each member (its key) or array element (its first character) of a
 * JSON text starts, by JSON pointer, down to depth 2 (`/suppressions/3`, `/checks/<id>`). The
 * text must be valid JSON (parse it first); deeper values are skipped without recursion, so a
 * deeply nested `parameters` value cannot exhaust the stack.
 */
export function jsonPointerLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let i = 0;
  let line = 1;
  const space = () => {
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === "\n") line++;
      else if (c !== " " && c !== "\t" && c !== "\r" && c !== "\uFEFF") break;
    }
  };
  const string = (): string => {
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  // Skips one value iteratively (valid JSON has no raw line breaks inside strings).
  const skip = () => {
    let depth = 0;
    do {
      space();
      const c = text[i];
      if (c === '"') string();
      else if (c === "{" || c === "[" || c === "}" || c === "]" || c === "," || c === ":") {
        if (c === "{" || c === "[") depth++;
        else if (c === "}" || c === "]") depth--;
        i++;
      }
      else while (i < text.length && !/[\s,:\]}]/.test(text[i]!)) i++; // a number, true, false or null
    } while (depth > 0 && i < text.length);
  };
  const value = (pointer: string, depth: number): void => {
    space();
    const c = text[i];
    if (depth >= MAX_DEPTH || (c !== "{" && c !== "[")) {
      skip();
      return;
    }
    i++;
    for (let n = 0; ; n++) {
      space();
      if (i >= text.length) return; // truncated: not valid JSON, nothing more to place
      if (text[i] === "}" || text[i] === "]") break;
      let key = String(n);
      if (c === "{") {
        const keyLine = line;
        key = string();
        space();
        i++; // the colon
        lines.set(`${pointer}/${escapePointer(key)}`, keyLine);
      } else {
        lines.set(`${pointer}/${n}`, line);
      }
      value(`${pointer}/${escapePointer(key)}`, depth + 1);
      space();
      if (text[i] === ",") i++;
    }
    i++;
  };
  value("", 0);
  return lines;
}
