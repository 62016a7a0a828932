/**
 * The Function app's production package (`npm run package:functions`, azd's prepackage hook):
 * a fresh compile, the files `.funcignore` keeps, and the production dependencies only
 * (`npm ci --omit=dev --omit=optional`: no devDependencies, and not `selfsigned`, the emulator's
 * optional dependency). test/deploy asserts what it holds.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** One line of a `.funcignore` (gitignore syntax). */
export interface IgnoreRule {
  /** `!pattern`: takes a path back in. */
  readonly negate: boolean;
  /** `pattern/`: matches directories only. */
  readonly dirOnly: boolean;
  readonly re: RegExp;
}

/** Where `npm run package:functions` stages the package (azure.yaml `dist`), relative to the root. */
export const STAGE_DIR = "dist/functionapp";

/** The npm flags of the production install, for the package and for the documentation. */
export const PRODUCTION_INSTALL = ["ci", "--omit=dev", "--omit=optional", "--ignore-scripts", "--no-audit", "--no-fund"] as const;

function globToRegExp(glob: string): string {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (glob.startsWith("**/", i)) {
      out += "(?:.*/)?";
      i += 2;
    } else if (glob.startsWith("**", i)) {
      out += ".*";
      i += 1;
    } else if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else out += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return out;
}

/**
 * Parses gitignore syntax as the Functions Core Tools read `.funcignore`: `#` comments, `!`
 * negation, a trailing `/` for directories, a pattern with a `/` anchored at the root, one
 * without matching a name at any depth, `*`, `?` and `**`.
 */
export function parseIgnore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trimEnd();
    if (line === "" || line.startsWith("#")) continue;
    const negate = line.startsWith("!");
    if (negate) line = line.slice(1);
    const dirOnly = line.endsWith("/");
    if (dirOnly) line = line.slice(0, -1);
    const anchored = line.includes("/");
    if (line.startsWith("/")) line = line.slice(1);
    const body = globToRegExp(line);
    rules.push({ negate, dirOnly, re: new RegExp(anchored ? `^${body}$` : `^(?:.*/)?${body}$`) });
  }
  return rules;
}

function lastMatch(rules: readonly IgnoreRule[], path: string, isDir: boolean): boolean {
  let ignored = false;
  for (const rule of rules) if ((!rule.dirOnly || isDir) && rule.re.test(path)) ignored = !rule.negate;
  return ignored;
}

/** True when `relPath` (`/`-separated, relative to the root) is left out: it or a parent directory matches last. */
export function isIgnored(rules: readonly IgnoreRule[], relPath: string, isDir = false): boolean {
  const parts = relPath.split("/");
  for (let i = 1; i <= parts.length; i++) {
    if (lastMatch(rules, parts.slice(0, i).join("/"), i < parts.length || isDir)) return true;
  }
  return false;
}

/** Files under `dir` (relative, `/`-separated, sorted) that `rules` keep; `skip` names top-level entries not to walk. */
export function listKept(dir: string, rules: readonly IgnoreRule[], skip: readonly string[] = []): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const path = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (rel === "" && skip.includes(entry.name)) continue;
      if (isIgnored(rules, path, entry.isDirectory())) continue;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) out.push(path);
    }
  };
  walk("");
  return out.sort();
}

/** Deletes what `rules` leave out under `dir` (here: the compiled CLI, emulator and maps). */
function prune(dir: string, rules: readonly IgnoreRule[], rel = ""): void {
  for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const path = rel === "" ? entry.name : `${rel}/${entry.name}`;
    if (isIgnored(rules, path, entry.isDirectory())) rmSync(join(dir, path), { recursive: true, force: true });
    else if (entry.isDirectory()) prune(dir, rules, path);
  }
}

/** Options of {@link stagePackage}. */
export interface StageOptions {
  /** The repository root (with `.funcignore`, `tsconfig.build.json`, `package-lock.json`). */
  root: string;
  /** Where to stage; emptied first. Default `<root>/dist/functionapp`. */
  stage?: string;
  /** Run the production install in the stage (default true); false: the file list only. */
  install?: boolean;
}

/**
 * Stages the package and returns its files without `node_modules`. The compile goes straight
 * into the stage, so no output of a module since deleted survives in `dist/`.
 */
export function stagePackage(options: StageOptions): string[] {
  const { root } = options;
  const stage = options.stage ?? join(root, STAGE_DIR);
  const rules = parseIgnore(readFileSync(join(root, ".funcignore"), "utf8"));
  rmSync(stage, { recursive: true, force: true });
  const tsc = createRequire(join(root, "package.json")).resolve("typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json"), "--outDir", join(stage, "dist")], { stdio: "inherit" });
  prune(stage, rules);
  for (const path of listKept(root, rules, ["node_modules", "dist"])) {
    mkdirSync(dirname(join(stage, path)), { recursive: true });
    copyFileSync(join(root, path), join(stage, path));
  }
  if (options.install !== false) {
    const npmCli = process.env.npm_execpath;
    if (npmCli) execFileSync(process.execPath, [npmCli, ...PRODUCTION_INSTALL], { cwd: stage, stdio: "inherit" });
    else execFileSync("npm", [...PRODUCTION_INSTALL], { cwd: stage, stdio: "inherit", shell: process.platform === "win32" });
  }
  return listKept(stage, [], ["node_modules"]);
}
