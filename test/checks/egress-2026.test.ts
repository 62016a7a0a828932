/**
 * CHECKS.md, "Egress paths and estates of 2026": every clause of that section is proven by case
 * files named after it, at least one pass, one fail and (where a read can fail) one unknown. The
 * clauses are read from CHECKS.md itself, so a clause added to the spec without cases fails here.
 *
 * One clause is about the scan rather than one check's judgement and is proven by a test of its
 * own (named below).
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { CASES_DIR, caseFileNames, caseFolders } from "./case-files.js";

const REPO_ROOT = resolve(CASES_DIR, "..", "..");
const CATALOG = resolve(REPO_ROOT, "..", "shared", "CHECKS.md");

/** How each clause is proven: case-file name slugs (any check folder), or a named test file. */
const CLAUSES: Record<string, { slugs: string[]; kinds: Array<"pass" | "fail" | "unknown"> } | { testFile: string; pending?: string }> = {
  "Virtual WAN secured hub": { slugs: ["vwan-"], kinds: ["pass", "fail", "unknown"] },
  "Default outbound access (fail open)": { slugs: ["default-outbound-"], kinds: ["pass", "fail", "unknown"] },
  "NAT gateway egress": { slugs: ["nat-gateway-"], kinds: ["pass", "fail", "unknown"] },
  "Network-isolated clusters": { slugs: ["network-isolated-"], kinds: ["pass", "fail", "unknown"] },
  "Public addresses beyond `publicIPAddresses`": { slugs: ["public-ip-prefix-", "node-public-ip-"], kinds: ["pass", "fail", "unknown"] },
  "NSGs on the node NICs": { slugs: ["nic-nsg-"], kinds: ["pass", "fail", "unknown"] },
  "Resources in other subscriptions": { slugs: ["cross-subscription-"], kinds: ["pass", "fail", "unknown"] },
  "API Server VNet Integration": { slugs: ["vnet-integration-"], kinds: ["pass", "fail", "unknown"] },
  Tags: { slugs: ["tags-"], kinds: ["pass", "fail", "unknown"] },
  "Subscriptions without a provider": { testFile: "test/collect/providerRegistration.test.ts" },
  "Required egress from the cluster itself": { slugs: ["required-egress-"], kinds: ["pass", "fail", "unknown"] },
};

/** The bold clause names of the section, in order. */
function clausesOfSection(): string[] {
  const text = readFileSync(CATALOG, "utf8");
  const start = text.indexOf("## Egress paths and estates of 2026");
  const end = text.indexOf("\n## ", start + 1);
  const section = text.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^- \*\*(.+?)\*\*/gm)].map((m) => (m[1] as string).replace(/\.$/, ""));
}

const allCases = caseFolders().flatMap((folder) => caseFileNames(folder).map((f) => `${folder}/${f}`));

describe("CHECKS.md: egress paths and estates of 2026", () => {
  const clauses = clausesOfSection();

  it("reads the section's clauses, and each one is mapped to its proof here", () => {
    expect(clauses.length).toBeGreaterThanOrEqual(10);
    expect(Object.keys(CLAUSES).sort()).toEqual([...clauses].sort());
  });

  for (const clause of clauses) {
    const proof = CLAUSES[clause];
    if (proof === undefined) continue;
    if ("testFile" in proof) {
      it.skipIf(proof.pending !== undefined)(`${clause}: proven by ${proof.testFile}`, () => {
        expect(existsSync(resolve(REPO_ROOT, proof.testFile))).toBe(true);
      });
      continue;
    }
    for (const kind of proof.kinds) {
      it(`${clause}: at least one ${kind} case file (${proof.slugs.join(" or ")})`, () => {
        const named = allCases.filter((c) => {
          const file = c.split("/")[1] ?? "";
          return file.startsWith(`${kind}-`) && proof.slugs.some((slug) => file.includes(`-${slug}`));
        });
        expect(named, `no ${kind} case file named after "${clause}"`).not.toEqual([]);
      });
    }
  }
});
