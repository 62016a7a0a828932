import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checks } from "../../src/checks/index.js";
import { generatedFiles, renderCheckDocs } from "../../src/checks/lib/docs.js";

describe("generated docs and schemas", () => {
  it.each(Object.entries(generatedFiles()))("%s is up to date (run `npm run docs` when this fails)", (path, content) => {
    const committed = readFileSync(join(import.meta.dirname, "..", "..", path), "utf8");
    expect(committed).toBe(content);
  });

  it("has a section with risk and remediation for every check", () => {
    const doc = renderCheckDocs(checks);
    for (const c of checks) {
      expect(doc).toContain(`## ${c.meta.id}\n`);
      expect(doc).toContain(c.meta.remediation);
    }
  });
});
