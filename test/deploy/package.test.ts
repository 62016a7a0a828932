// The Function app's production package (npm run package:functions, azd's prepackage hook):
// what .funcignore keeps, that it holds every function and all they import, and nothing of the
// tests, the benchmarks, the local Node binary, the CLI or the emulator.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isIgnored, parseIgnore, stagePackage } from "../../scripts/lib/functionAppPackage.js";
import { productionPackages } from "./lock.js";

const root = join(import.meta.dirname, "..", "..");
let stage: string;
let files: string[];

beforeAll(() => {
  stage = mkdtempSync(join(tmpdir(), "egress-audit-package-"));
  // The file list of the real packaging (compile, .funcignore), without the npm install.
  files = stagePackage({ root, stage, install: false });
}, 240_000);
afterAll(() => rmSync(stage, { recursive: true, force: true }));

describe(".funcignore rules", () => {
  it("anchors a leading slash at the root and matches a bare name at any depth", () => {
    const rules = parseIgnore("/src/\n*.map\nsrc-any/\n!keep.map\n/dist/**/secret\n# comment\n");
    expect(isIgnored(rules, "src/cli/main.ts")).toBe(true);
    expect(isIgnored(rules, "dist/src/cli/main.js")).toBe(false);
    expect(isIgnored(rules, "a/b/x.js.map")).toBe(true);
    expect(isIgnored(rules, "a/keep.map")).toBe(false);
    expect(isIgnored(rules, "deep/src-any/file.js")).toBe(true);
    expect(isIgnored(rules, "src-any", false)).toBe(false);
    expect(isIgnored(rules, "dist/a/b/secret")).toBe(true);
    expect(isIgnored(rules, "dist/secret")).toBe(true);
  });
});

describe("production package", () => {
  it("ships no tests, benchmarks, local tools, sources, settings, CLI or emulator", () => {
    const forbidden = [/^test\//, /^bench\//, /^\.tools\//, /^src\//, /^estates\//, /^infra\//, /^scripts\//, /^docs\//, /^\.git/,
      /^dist\/src\/emulator\//, /^dist\/src\/cli\//, /^dist\/src\/serve\//, /^dist\/(test|bench|scripts)\//, /\.ts$/, /\.map$/,
      /local\.settings/];
    for (const re of forbidden) expect(files.filter((f) => re.test(f)), String(re)).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(["host.json", "package.json", "package-lock.json"]));
  });

  it("holds the compiled entry point of every function, where package.json main points", () => {
    const names = readdirSync(join(root, "functions")).filter((f) => f.endsWith(".ts")).map((f) => f.replace(/\.ts$/, ".js"));
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) expect(files).toContain(`dist/functions/${name}`);
    const main = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { main: string }).main;
    expect(main).toBe("dist/functions/*.js");
  });

  it("holds every module the functions import, and every package they import is a production dependency", () => {
    const present = new Set(files);
    const prod = productionPackages(root);
    const seen = new Set<string>();
    const bare = new Set<string>();
    const todo = files.filter((f) => /^dist\/functions\/[^/]+\.js$/.test(f));
    while (todo.length > 0) {
      const file = todo.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const text = readFileSync(join(stage, file), "utf8");
      for (const m of text.matchAll(/(?:^|[\s;])(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|^import\s*["']([^"']+)["']/gm)) {
        const spec = (m[1] ?? m[2] ?? m[3])!;
        if (spec.startsWith(".")) {
          const target = posix.normalize(posix.join(posix.dirname(file), spec));
          expect(present.has(target), `${file} imports ${spec}`).toBe(true);
          todo.push(target);
        } else if (!spec.startsWith("node:")) {
          bare.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!);
        }
      }
    }
    expect(seen.size).toBeGreaterThan(50);
    expect([...seen].filter((f) => f.includes("/emulator/"))).toEqual([]);
    expect([...bare].filter((p) => !prod.has(p))).toEqual([]);
    expect(bare).toContain("@azure/functions");
  });
});
