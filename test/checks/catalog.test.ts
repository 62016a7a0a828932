import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { checks, getCheck } from "../../src/checks/index.js";
import type { SnapshotPart } from "../../src/checks/lib/types.js";
import { CASES_DIR, caseFileNames, caseFolders } from "./case-files.js";

const REPO_ROOT = resolve(CASES_DIR, "..", "..");
const CATALOG = resolve(REPO_ROOT, "..", "shared", "CHECKS.md");
const SEVERITIES = ["critical", "high", "medium", "low", "info"];
const PARTS: SnapshotPart[] = [
  "pools",
  "clusters",
  "aksClusters",
  "subnets",
  "routeTables",
  "firewalls",
  "firewallInventory",
  "mcGroups",
  "publicIps",
  "loadBalancers",
  "firewallPolicies",
  "ipGroups",
  "networkSecurityGroups",
  "privateLinkServices",
  "privateDnsZones",
  "privateDnsZoneInventory",
  "roleAssignments",
  "roleDefinitions",
  "virtualNetworks",
  "virtualHubs",
  "hubInventory",
  "natGateways",
  "publicIpPrefixes",
  "scaleSets",
  "outboundDependencies",
];

/** Ids and default severities of the table in CHECKS.md. */
function catalogRows(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of readFileSync(CATALOG, "utf8").split("\n")) {
    const m = /^\|\s*`([a-z0-9-]+)`\s*\|\s*([a-z]+)\s*\|/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) rows.set(m[1], m[2]);
  }
  return rows;
}

describe("check catalog", () => {
  it("registers at least the first four checks, in catalog order", () => {
    expect(checks.map((c) => c.meta.id).slice(0, 4)).toEqual([
      "pool-outbound-type",
      "mc-group-public-ip",
      "subnet-default-route",
      "default-route-firewall",
    ]);
  });

  it("has unique kebab-case ids and getCheck finds each", () => {
    const ids = checks.map((c) => c.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of checks) {
      expect(c.meta.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(getCheck(c.meta.id)).toBe(c);
    }
    expect(getCheck("no-such-check")).toBeUndefined();
  });

  it.each(checks.map((c) => [c.meta.id, c] as const))("%s has complete metadata", (_id, c) => {
    const m = c.meta;
    expect(m.title.trim().length).toBeGreaterThan(10);
    expect(m.risk.trim().length).toBeGreaterThan(40);
    // One or two sentences.
    expect(m.risk.split(/[.!?](\s|$)/).filter((s) => s.trim().length > 0).length).toBeLessThanOrEqual(2);
    expect(m.remediation.trim().length).toBeGreaterThan(40);
    expect(/\baz /.test(m.remediation) || /bicep/i.test(m.remediation)).toBe(true);
    expect(SEVERITIES).toContain(m.defaultSeverity);
    expect(m.requires.length).toBeGreaterThan(0);
    for (const p of m.requires) expect(PARTS).toContain(p);
    expect(new Set(m.requires).size).toBe(m.requires.length);
    const names = m.parameters.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const p of m.parameters) {
      expect(p.name).toMatch(/^[a-z][A-Za-z0-9]*$/);
      expect(p.description.trim().length).toBeGreaterThan(10);
      expect(p.default).toBeDefined();
    }
  });

  it.each(checks.map((c) => [c.meta.id] as const))("%s has pass-, fail- and unknown- case files", (id) => {
    const files = caseFileNames(id);
    expect(files.filter((f) => f.startsWith("pass-")).length).toBeGreaterThanOrEqual(1);
    expect(files.filter((f) => f.startsWith("fail-")).length).toBeGreaterThanOrEqual(1);
    expect(files.filter((f) => f.startsWith("unknown-")).length).toBeGreaterThanOrEqual(1);
    expect(files.every((f) => /^(pass|fail|unknown)-[a-z0-9-]+\.json$/.test(f)), files.join(", ")).toBe(true);
  });

  it("registers every case folder under test/checks", () => {
    const folders = caseFolders();
    expect(folders.length).toBeGreaterThan(0);
    for (const folder of folders) {
      expect(getCheck(folder), `folder ${join(CASES_DIR, folder)} has no registered check`).toBeDefined();
    }
  });

  it.skipIf(!existsSync(CATALOG))("uses only ids (and default severities) of the CHECKS.md table", () => {
    const rows = catalogRows();
    expect(rows.size).toBeGreaterThanOrEqual(4);
    for (const c of checks) {
      expect([...rows.keys()], `${c.meta.id} is not in CHECKS.md`).toContain(c.meta.id);
      expect(c.meta.defaultSeverity).toBe(rows.get(c.meta.id));
    }
    // Registry order follows the table order.
    const tableOrder = [...rows.keys()].filter((id) => checks.some((c) => c.meta.id === id));
    expect(checks.map((c) => c.meta.id)).toEqual(tableOrder);
  });
});
