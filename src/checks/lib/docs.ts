/**
 * `docs/checks.md`, generated from the check metadata so the docs cannot drift from the code
 * (a test compares the committed file with this output). Regenerate: `npm run docs`.
 */
import { baselineSchema } from "../../baseline/schema.js";
import { estateSchema } from "../../emulator/estate.js";
import { checks } from "../index.js";
import type { Check } from "./types.js";

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** The catalog as Markdown: a summary table, then one section per check. */
export function renderCheckDocs(checks: readonly Check[]): string {
  const out: string[] = [];
  out.push("# Check catalog");
  out.push("");
  out.push("<!-- Generated from the check metadata by `npm run docs`; do not edit by hand. -->");
  out.push("");
  out.push("Each check emits one finding per resource it judges: `pass`, `fail`, or `unknown` when a");
  out.push("part it requires could not be read (the read error is the evidence). Severities can be");
  out.push("overridden per check id in the baseline; parameters are set under `checks.<id>.parameters`.");
  out.push("");
  out.push("| id | severity | title |");
  out.push("|---|---|---|");
  for (const c of checks) out.push(`| [\`${c.meta.id}\`](#${c.meta.id}) | ${c.meta.defaultSeverity} | ${escapeCell(c.meta.title)} |`);
  for (const c of checks) {
    const m = c.meta;
    out.push("");
    out.push(`## ${m.id}`);
    out.push("");
    out.push(`**${m.title}** — default severity \`${m.defaultSeverity}\`.`);
    out.push("");
    out.push(`**Risk.** ${m.risk}`);
    out.push("");
    out.push(`**Remediation.** ${m.remediation}`);
    out.push("");
    out.push(`**Reads.** ${m.requires.map((r) => `\`${r}\``).join(", ")}`);
    out.push("");
    if (m.parameters.length) {
      out.push("| parameter | default | meaning |");
      out.push("|---|---|---|");
      for (const p of m.parameters) out.push(`| \`${p.name}\` | \`${JSON.stringify(p.default)}\` | ${escapeCell(p.description)} |`);
    } else {
      out.push("No parameters.");
    }
  }
  return out.join("\n") + "\n";
}

/** Every generated file, by path relative to the repository root. */
export function generatedFiles(): Record<string, string> {
  return {
    "docs/checks.md": renderCheckDocs(checks),
    "schemas/baseline.schema.json": JSON.stringify({ $schema: "https://json-schema.org/draft/2020-12/schema", ...baselineSchema }, null, 2) + "\n",
    "schemas/estate.schema.json": JSON.stringify({ $schema: "https://json-schema.org/draft/2020-12/schema", ...estateSchema }, null, 2) + "\n",
  };
}
