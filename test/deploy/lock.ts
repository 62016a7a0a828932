import { readFileSync } from "node:fs";
import { join } from "node:path";

interface LockEntry {
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
}

/**
 * Package names `npm ci --omit=dev --omit=optional` installs, read from package-lock.json: npm
 * marks every entry reached only through devDependencies `dev`, only through optional ones
 * `optional`, and through both `devOptional`.
 */
export function productionPackages(root: string): Set<string> {
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };
  const names = new Set<string>();
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === "" || entry.dev || entry.optional || entry.devOptional) continue;
    names.add(path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length));
  }
  return names;
}
