// Writes the generated docs and published schemas (npm run docs):
//   docs/checks.md                 from the check metadata
//   schemas/baseline.schema.json   the baseline file's JSON schema
//   schemas/estate.schema.json     the emulator estate file's JSON schema
//   schemas/report.schema.json     the drift report's JSON schema (version 2, src/report/schema.ts)
// A test fails when a committed file differs from what this writes.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { generatedFiles } from "../src/checks/lib/docs.js";
import { reportSchemaJson } from "../src/report/schema.js";

const root = join(import.meta.dirname, "..");
const files: Record<string, string> = { ...generatedFiles(), "schemas/report.schema.json": reportSchemaJson() };
for (const [path, content] of Object.entries(files)) {
  writeFileSync(join(root, path), content);
  console.log(`wrote ${path}`);
}
