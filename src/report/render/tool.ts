/** Name, version and home page of this tool, as reports (SARIF, HTML) state them. */
import { packageManifest } from "../../util/packageRoot.js";

/** The tool as a report names it. */
export interface ToolInfo {
  name: string;
  version: string;
  /** Where people read about the tool; only when package.json states an http(s) one. */
  informationUri?: string;
}

let cached: ToolInfo | undefined;

/**
 * Read once from the package.json above this file (works from `src/` under tsx and from `dist/`).
 * The home page is `homepage`, else `repository.url` made browsable; absent when neither is set.
 */
export function toolInfo(): ToolInfo {
  cached ??= readToolInfo();
  return cached;
}

function readToolInfo(): ToolInfo {
  const pkg = packageManifest();
  const repo = typeof pkg.repository === "string" ? pkg.repository : (pkg.repository as { url?: unknown } | undefined)?.url;
  const uri = webUri(pkg.homepage) ?? webUri(typeof repo === "string" ? repo.replace(/^git\+/, "").replace(/\.git$/, "") : undefined);
  return {
    name: typeof pkg.name === "string" ? pkg.name : "egress-audit",
    version: typeof pkg.version === "string" ? pkg.version : "0.0.0",
    ...(uri ? { informationUri: uri } : {}),
  };
}

function webUri(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : undefined;
  } catch {
    return undefined;
  }
}
