// Writes the generated docs and published schemas (npm run docs):
//   docs/checks.md                 from the check metadata
//   schemas/baseline.schema.json   the baseline file's JSON schema
//   schemas/estate.schema.json     the emulator estate file's JSON schema
// A test fails when a committed file differs from what this writes.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { generatedFiles } from "../src/checks/lib/docs.js";

const root = join(import.meta.dirname, "..");
for (const [path, content] of Object.entries(generatedFiles())) {
  writeFileSync(join(root, path), content);
  console.log(`wrote ${path}`);
}
