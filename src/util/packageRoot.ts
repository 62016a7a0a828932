import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;
let manifest: Record<string, unknown> | undefined;

/**
 * The folder of the project's package.json (where `estates/` lives), found from this file, so it
 * works from `src/` under tsx and from `dist/src/` alike.
 */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`package.json not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  root = dir;
  return root;
}

/** The project's package.json, read once; an empty object when it cannot be read or parsed. */
export function packageManifest(): Readonly<Record<string, unknown>> {
  if (manifest) return manifest;
  try {
    const parsed = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as unknown;
    manifest = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    manifest = {};
  }
  return manifest;
}

/** The project's version from package.json (`0.0.0` when it states none). */
export function packageVersion(): string {
  const version = packageManifest().version;
  return typeof version === "string" ? version : "0.0.0";
}
