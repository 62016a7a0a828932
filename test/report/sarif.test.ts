/**
 * SARIF: the output validates against the OASIS SARIF 2.1.0 schema and the SARIF SDK's schema
 * (both vendored, see test/fixtures/sarif/README.md), and maps checks, severities, statuses,
 * suppressions, locations and read errors as documented in src/report/render/sarif.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { beforeAll, describe, expect, it } from "vitest";
import { checks } from "../../src/checks/index.js";
import { buildSarif, FINGERPRINT_KEY, renderSarif, type SarifOptions } from "../../src/report/render/sarif.js";
import { jsonPointerLines } from "../../src/report/render/sarifLocations.js";
import type { Baseline } from "../../src/baseline/baseline.js";
import type { DriftReport } from "../../src/report/report.js";
import { hasUnsafeText } from "../../src/util/sanitize.js";
import { readReport } from "../../src/report/read.js";
import { demoReport, findings, hostileReport, judged, SUB, SUBNET_ID } from "./fixtures.js";
import { poisonedReport } from "./hostile.js";

// ajv-formats ships CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv | Ajv2020) => void;
const dir = join(import.meta.dirname, "..", "fixtures", "sarif");
const load = (name: string) => JSON.parse(readFileSync(join(dir, name), "utf8")) as Record<string, unknown>;

function validator(kind: "oasis" | "sdk"): ValidateFunction {
  const ajv = kind === "oasis" ? new Ajv({ strict: false, allErrors: true }) : new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile(load(kind === "oasis" ? "sarif-schema-2.1.0.json" : "sarif-2.1.0.sarif-sdk.json"));
}

interface Result {
  ruleId: string;
  ruleIndex?: number;
  kind: string;
  level: string;
  message: { text: string };
  locations: Array<{
    physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: { startLine: number } };
    logicalLocations: Array<{ fullyQualifiedName: string; kind: string }>;
  }>;
  partialFingerprints: Record<string, string>;
  suppressions?: Array<{ kind: string; justification: string }>;
  baselineState?: string;
  properties: { findingId: string; severity: string; target: { id: string } };
}
interface Rule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  defaultConfiguration: { level: string };
  properties: Record<string, unknown>;
}
interface Log {
  $schema: string;
  version: string;
  runs: Array<{
    tool: { driver: { name: string; version: string; informationUri?: string; rules: Rule[] } };
    invocations: Array<{ executionSuccessful: boolean; exitCode: number; toolExecutionNotifications: Array<{ level: string; descriptor: { id: string }; locations: Array<{ logicalLocations: Array<{ fullyQualifiedName: string }> }> }> }>;
    results: Result[];
  }>;
}

const parse = (report: DriftReport, includePasses = false, options: SarifOptions = {}) =>
  JSON.parse(renderSarif(report, { includePasses, ...options })) as Log;

/** A baseline file text with the suppression of `findings.suppressed`, an override by id, one by tag, a check setting. */
const BASELINE_TEXT = `{
  "schemaVersion": 1,
  "checks": {
    "subnet-default-route": { "severity": "critical" }
  },
  "overrides": [
    { "match": { "resourceId": "/subscriptions/*/resourceGroups/rg-x/**" }, "rules": { "requireNsg": true } },
    { "match": { "tag": { "name": "env" } }, "rules": { "requireNsg": false } }
  ],
  "suppressions": [
    { "checkId": "mc-group-public-ip", "resourceId": "/subscriptions/*/**", "reason": "other", "owner": "net-team" },
    {
      "checkId": "mc-group-public-ip",
      "resourceId": "/subscriptions/*/resourceGroups/rg-x/**",
      "reason": "Known jump host, ticket NET-42",
      "owner": "net-team",
      "expires": "2099-01-01"
    }
  ]
}
`;
const BASELINE = JSON.parse(BASELINE_TEXT) as Baseline;
const baselineFile = { uri: "policy/egress.baseline.json", baseline: BASELINE, lines: jsonPointerLines(BASELINE_TEXT) };

describe("SARIF against the official 2.1.0 schemas", () => {
  let demo: DriftReport;
  const validators = { oasis: validator("oasis"), sdk: validator("sdk") };
  beforeAll(async () => {
    demo = await demoReport();
  });

  for (const kind of ["oasis", "sdk"] as const) {
    it(`the demo report, with and without passes, and the hostile report validate (${kind})`, () => {
      const located = { baselineFile, artifactUri: "infra/main.bicep" };
      const logs = [
        parse(demo),
        parse(demo, true),
        parse(hostileReport(), true),
        parse(hostileReport({ evidence: "all" }), true),
        parse(upgradedRetiredReport(), true),
        parse(poisonedReport(), true),
        parse(demo, true, located),
        parse(poisonedReport(), true, located),
      ];
      for (const log of logs) {
        const ok = validators[kind](log);
        expect(validators[kind].errors ?? [], JSON.stringify(validators[kind].errors?.slice(0, 3))).toEqual([]);
        expect(ok).toBe(true);
      }
    });
  }

  it("the schemas do reject a broken log (the validation is not vacuous)", () => {
    const log = parse(hostileReport());
    const broken = structuredClone(log) as unknown as { runs: Array<{ results: Array<Record<string, unknown>> }> };
    broken.runs[0]!.results[0]!.level = "critical";
    expect(validators.oasis(broken)).toBe(false);
    expect(validators.sdk(broken)).toBe(false);
    delete (broken.runs[0] as Record<string, unknown>).tool;
    expect(validators.oasis(broken)).toBe(false);
  });

  it("every demo result has a physical location GitHub accepts (a relative uri, a start line) besides its ARM id", () => {
    for (const log of [parse(demo), parse(demo, true)]) {
      const results = log.runs[0]!.results;
      expect(results.length).toBeGreaterThan(20);
      for (const r of results) {
        expect(r.locations).toHaveLength(1);
        const { physicalLocation, logicalLocations } = r.locations[0]!;
        expect(physicalLocation.artifactLocation.uri).toMatch(/^azure\/[0-9a-f-]{36}\/[^/]+\/[^/]+$/);
        expect(physicalLocation.region.startLine).toBe(1);
        expect(logicalLocations[0]!.fullyQualifiedName).toMatch(/^\/subscriptions\//);
      }
    }
  });

  it("one result per failing or unknown demo finding, each at its ARM id, fingerprinted by its finding id", () => {
    const log = parse(demo);
    const run = log.runs[0]!;
    const open = demo.targets.flatMap((t) => t.findings.filter((f) => f.status !== "pass"));
    expect(run.results).toHaveLength(open.length);
    expect(run.results.map((r) => r.partialFingerprints[FINGERPRINT_KEY]).sort()).toEqual(open.map((f) => f.id).sort());
    for (const r of run.results) {
      const f = open.find((x) => x.id === r.properties.findingId)!;
      expect(r.ruleId).toBe(f.checkId);
      expect(run.tool.driver.rules[r.ruleIndex!]!.id).toBe(f.checkId);
      expect(r.locations[0]!.logicalLocations[0]).toMatchObject({ fullyQualifiedName: f.resourceId, kind: "resource" });
      expect(r.message.text).toContain(f.message.trim().replace(/\.$/, ""));
    }
    expect(run.invocations[0]!.executionSuccessful).toBe(false); // the demo has a forbidden resource group
    expect(run.invocations[0]!.exitCode).toBe(1);
  });
});

describe("SARIF mapping", () => {
  const log = parse(hostileReport());
  const run = log.runs[0]!;
  const byId = (id: string) => run.results.find((r) => r.properties.findingId === id);

  it("has one rule per registered check with title, risk, remediation, level and security-severity", () => {
    const rules = run.tool.driver.rules;
    expect(rules.map((r) => r.id)).toEqual(checks.map((c) => c.meta.id));
    const levels = { critical: "error", high: "error", medium: "warning", low: "note", info: "note" };
    const scores = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0" };
    for (const c of checks) {
      const rule = rules.find((r) => r.id === c.meta.id)!;
      expect(rule.name).toMatch(/^[A-Z][A-Za-z0-9]+$/);
      expect(rule.shortDescription.text).toBe(c.meta.title);
      expect(rule.fullDescription.text).toBe(c.meta.risk);
      expect(rule.help.text).toBe(c.meta.remediation);
      expect(rule.help.text).toBe(hostileReport().checks[c.meta.id]!.remediation);
      expect(rule.help.markdown).not.toMatch(/<(?!br>)/); // `<rg>` placeholders escaped, not swallowed as HTML
      expect(rule.defaultConfiguration.level).toBe(levels[c.meta.defaultSeverity]);
      expect(rule.properties["security-severity"]).toBe(scores[c.meta.defaultSeverity as keyof typeof scores]);
    }
    expect(log.version).toBe("2.1.0");
    expect(run.tool.driver.name).toBe("egress-audit");
    expect(run.tool.driver.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("maps a failure's own severity to its level, and an unknown to kind review with level none", () => {
    expect(byId(findings.critical.id)).toMatchObject({ kind: "fail", level: "error" });
    expect(byId(findings.medium.id)).toMatchObject({ kind: "fail", level: "warning" });
    expect(byId(findings.suppressed.id)).toMatchObject({ kind: "fail", level: "note" });
    // SARIF §3.27.10: any kind but "fail" has level "none"; the severity stays in the properties.
    expect(byId(findings.unknown.id)).toMatchObject({ kind: "review", level: "none", properties: { severity: "critical" } });
  });

  it("omits passes unless asked, then emits them as kind pass", () => {
    expect(byId(findings.pass.id)).toBeUndefined();
    const withPasses = parse(hostileReport(), true).runs[0]!.results;
    expect(withPasses.find((r) => r.properties.findingId === findings.pass.id)).toMatchObject({ kind: "pass", level: "none" });
  });

  it("carries a suppression as an external one with its justification, and only there", () => {
    expect(byId(findings.suppressed.id)!.suppressions).toEqual([
      expect.objectContaining({ kind: "external", justification: "Known jump host, ticket NET-42" }),
    ]);
    expect(byId(findings.critical.id)!.suppressions).toBeUndefined();
  });

  it("reports read errors as error notifications and the run as not fully successful", () => {
    const inv = run.invocations[0]!;
    expect(inv.executionSuccessful).toBe(false);
    expect(inv.toolExecutionNotifications).toHaveLength(1);
    expect(inv.toolExecutionNotifications[0]).toMatchObject({ level: "error", descriptor: { id: "AuthorizationFailed" } });
    expect(inv.toolExecutionNotifications[0]!.locations[0]!.logicalLocations[0]!.fullyQualifiedName).toBe(SUBNET_ID);
    const clean = { ...hostileReport(), errors: [] };
    expect(parse(clean).runs[0]!.invocations[0]!.executionSuccessful).toBe(true);
  });

  it("marks failures new or unchanged from the report's diff", () => {
    expect(byId(findings.critical.id)!.baselineState).toBe("new");
    expect(byId(findings.medium.id)!.baselineState).toBe("unchanged");
    const { diff: _diff, ...noDiff } = hostileReport();
    expect(parse(noDiff).runs[0]!.results.every((r) => r.baselineState === undefined)).toBe(true);
  });

  it("keeps results of a check this build does not know, under a rule of its own", () => {
    const report = hostileReport();
    report.targets[0]!.findings.push({ ...findings.medium, id: "retired-check:1", checkId: "retired-check" });
    const sarif = buildSarif(report) as unknown as Log;
    const r = sarif.runs[0]!.results.find((x) => x.ruleId === "retired-check")!;
    expect(sarif.runs[0]!.tool.driver.rules[r.ruleIndex!]!.id).toBe("retired-check");
  });

  it("hostile names: every text a viewer shows is sanitised; ids, fingerprints and properties stay exact", () => {
    const report = poisonedReport();
    const sarif = buildSarif(report, { includePasses: true }) as unknown as Log;
    const r0 = sarif.runs[0]!;
    const shown: string[] = [
      ...r0.results.flatMap((r) => [
        r.message.text,
        ...r.locations.flatMap((l) => l.logicalLocations.flatMap((x) => [x.fullyQualifiedName, (x as { name?: string }).name ?? ""])),
        ...(r.suppressions ?? []).map((x) => x.justification),
      ]),
      ...r0.invocations[0]!.toolExecutionNotifications.flatMap((n) => [(n as unknown as { message: { text: string } }).message.text, ...n.locations.flatMap((l) => l.logicalLocations.map((x) => x.fullyQualifiedName))]),
      ...r0.tool.driver.rules.map((r) => r.shortDescription.text),
    ];
    expect(shown.length).toBeGreaterThan(20);
    for (const text of shown) expect(hasUnsafeText(text), JSON.stringify(text)).toBe(false);
    expect(shown.some((t) => t.includes("\\u001b]52;c;ZWNobyBwd25lZA==\\u0007"))).toBe(true);
    expect(shown.some((t) => t.includes("\\u202etxt.exe"))).toBe(true);
    // Data stays exact: the finding ids (fingerprints), rule ids and properties.
    const all = report.targets.flatMap((t) => t.findings);
    for (const r of r0.results) {
      const f = all.find((x) => x.id === r.properties.findingId)!;
      expect(f).toBeDefined();
      expect(r.partialFingerprints[FINGERPRINT_KEY]).toBe(f.id);
      expect(r.ruleId).toBe(f.checkId);
      expect(r.properties).toMatchObject({ expected: f.expected, actual: f.actual });
      expect((r.properties as { evidence?: unknown }).evidence).toEqual(f.evidence);
    }
  });
});

/**
 * A version-1 report as stored before version 2 (remediation and evidence on every finding), with
 * a finding of a check this build no longer has, read through `readReport`: its catalog entry is
 * the one the upgrade made (title = id, no risk).
 */
function upgradedRetiredReport(): DriftReport {
  const v1 = JSON.parse(JSON.stringify(hostileReport())) as Record<string, unknown> & { targets: Array<{ findings: Array<Record<string, unknown>> }> };
  v1.schemaVersion = "1.0";
  delete v1.checks;
  for (const f of v1.targets.flatMap((t) => t.findings)) {
    f.remediation = `v1 remediation of ${String(f.checkId)}`;
    f.evidence ??= { v1: true };
  }
  v1.targets[0]!.findings.push({ ...v1.targets[0]!.findings[3]!, id: "retired-check:1", checkId: "retired-check", remediation: "Retired: do <this> **now**" });
  return readReport(v1);
}

describe("SARIF rules from the report's catalog", () => {
  it("builds the rules from the catalog, in its order, help text = its remediation", () => {
    const report = hostileReport();
    const subnet = report.checks["subnet-default-route"]!;
    report.checks = {
      "subnet-default-route": { ...subnet, title: "Catalog title", remediation: "Catalog remediation <rg>", risk: "Catalog risk" },
      "mc-group-public-ip": report.checks["mc-group-public-ip"]!,
    };
    const run = parse(report, true).runs[0]!;
    expect(run.tool.driver.rules.slice(0, 2).map((r) => r.id)).toEqual(["subnet-default-route", "mc-group-public-ip"]);
    expect(run.tool.driver.rules[0]).toMatchObject({
      shortDescription: { text: "Catalog title" },
      fullDescription: { text: "Catalog risk" },
      help: { text: "Catalog remediation <rg>", markdown: "**Risk.** Catalog risk\n\n**Remediation.** Catalog remediation &lt;rg&gt;" },
      defaultConfiguration: { level: "error" },
    });
    // Checks the catalog does not hold (here the unknown and passing ones) still get a rule each, after the catalog's.
    const ids = run.tool.driver.rules.map((r) => r.id);
    expect(ids.slice(2).sort()).toEqual(["default-route-firewall", "pool-outbound-type"]);
    for (const r of run.results) expect(run.tool.driver.rules[r.ruleIndex!]!.id).toBe(r.ruleId);
    // Each result's remediation property is the catalog's; none for a check the catalog does not hold.
    const props = (id: string) => run.results.find((r) => r.properties.findingId === id)!.properties as unknown as Record<string, unknown>;
    expect(props(findings.critical.id).remediation).toBe("Catalog remediation <rg>");
    expect(props(findings.unknown.id)).not.toHaveProperty("remediation");
    // A pass carries none (its rule's help has it); an unknown result of a catalogued check does.
    expect(props(findings.pass.id)).not.toHaveProperty("remediation");
    const full = parse(hostileReport(), true).runs[0]!.results;
    const fullProps = (id: string) => full.find((r) => r.properties.findingId === id)!.properties as unknown as Record<string, unknown>;
    expect(fullProps(findings.unknown.id).remediation).toBe(hostileReport().checks["default-route-firewall"]!.remediation);
    expect(fullProps(findings.suppressed.id).remediation).toBe(hostileReport().checks["mc-group-public-ip"]!.remediation);
    expect(fullProps(findings.pass.id)).not.toHaveProperty("remediation");
  });

  it("a check of an upgraded version-1 report that this build does not know: its stored remediation as help, no empty risk", () => {
    const run = parse(upgradedRetiredReport(), true).runs[0]!;
    const rule = run.tool.driver.rules.find((r) => r.id === "retired-check")!;
    expect(rule).toMatchObject({ shortDescription: { text: "retired-check" }, help: { text: "Retired: do <this> **now**", markdown: "**Remediation.** Retired: do &lt;this&gt; \\*\\*now\\*\\*" } });
    expect(rule).not.toHaveProperty("fullDescription");
    const result = run.results.find((r) => r.ruleId === "retired-check")!;
    expect(run.tool.driver.rules[result.ruleIndex!]).toBe(rule);
    expect((result.properties as unknown as Record<string, unknown>).remediation).toBe("Retired: do <this> **now**");
  });

  it("a pass without evidence is a result without an evidence property; with `evidence all` it carries its evidence", () => {
    const pass = (report: DriftReport) => parse(report, true).runs[0]!.results.find((r) => r.properties.findingId === findings.pass.id)!.properties as unknown as Record<string, unknown>;
    expect(pass(hostileReport())).not.toHaveProperty("evidence");
    expect(renderSarif(hostileReport(), { includePasses: true })).not.toMatch(/undefined|: null/);
    expect(pass(hostileReport({ evidence: "all" })).evidence).toEqual(judged.pass.evidence);
    // A failure carries its evidence either way.
    const critical = parse(hostileReport(), true).runs[0]!.results.find((r) => r.properties.findingId === findings.critical.id)!;
    expect((critical.properties as unknown as Record<string, unknown>).evidence).toEqual(judged.critical.evidence);
  });
});

describe("SARIF physical locations", () => {
  const located = (options: SarifOptions) => {
    const run = parse(hostileReport(), true, options).runs[0]!;
    return (id: string) => run.results.find((r) => r.properties.findingId === id)!.locations[0]!.physicalLocation;
  };

  it("without a baseline or artifact: azure/<subscription>/<resource group>/<target>, lower case, percent-encoded, line 1", () => {
    const at = located({});
    expect(at(findings.critical.id)).toEqual({
      artifactLocation: { uri: `azure/${SUB}/rg-x/${encodeURIComponent("pool-evil <b>|x|</b>")}` },
      region: { startLine: 1 },
    });
    // Per target, not per resource: the subnet's and the public IP's results of the pool share it.
    expect(at(findings.medium.id)).toEqual(at(findings.critical.id));
    expect(at(findings.aksPass.id).artifactLocation.uri).toBe(`azure/${SUB}/rg-x/aks-ok`);
  });

  it("hostile target names cannot break out of the path", () => {
    const run = parse(poisonedReport(), true).runs[0]!;
    for (const r of run.results) {
      const uri = r.locations[0]!.physicalLocation.artifactLocation.uri;
      expect(uri.split("/")).toHaveLength(4);
      expect(hasUnsafeText(uri), uri).toBe(false);
      expect(uri).not.toMatch(/[\s<>"\\]|\.\.\//);
    }
  });

  it("with --sarif-artifact: that file, line 1, for every result no baseline entry covers", () => {
    const at = located({ artifactUri: "infra/main.bicep" });
    for (const f of Object.values(findings)) expect(at(f.id)).toEqual({ artifactLocation: { uri: "infra/main.bicep" }, region: { startLine: 1 } });
  });

  it("with the baseline file: the line of the suppression that matched, of the id override, of the check setting", () => {
    const at = located({ baselineFile, artifactUri: "infra/main.bicep" });
    const line = (needle: string) => BASELINE_TEXT.split("\n").findIndex((l) => l.includes(needle)) + 1;
    const uri = "policy/egress.baseline.json";
    // The second suppression matched (the first has another reason): its opening line.
    expect(at(findings.suppressed.id)).toEqual({ artifactLocation: { uri }, region: { startLine: line('"reason": "Known jump host') - 3 } });
    // The pool's other results: the override that names it by id (the tag override is not located).
    expect(at(findings.medium.id)).toEqual({ artifactLocation: { uri }, region: { startLine: line('"resourceId": "/subscriptions/*/resourceGroups/rg-x/**" }') } });
    // Without overrides, the check's own setting.
    const noOverrides = { ...baselineFile, baseline: { ...BASELINE, overrides: [] } };
    const at2 = located({ baselineFile: noOverrides, artifactUri: "infra/main.bicep" });
    expect(at2(findings.critical.id)).toEqual({ artifactLocation: { uri }, region: { startLine: line('"subnet-default-route": {') } });
    // No entry applies: the artifact.
    expect(at2(findings.medium.id)).toEqual({ artifactLocation: { uri: "infra/main.bicep" }, region: { startLine: 1 } });
  });

  it("with the baseline file: the line of an override that matches the target's tags (report v2 carries them), the last matching one winning", () => {
    const report = hostileReport();
    const uri = "policy/egress.baseline.json";
    const line = (needle: string) => BASELINE_TEXT.split("\n").findIndex((l) => l.includes(needle)) + 1;
    const at = (r: DriftReport) => (id: string) =>
      parse(r, true, { baselineFile, artifactUri: "infra/main.bicep" }).runs[0]!.results.find((x) => x.properties.findingId === id)!.locations[0]!.physicalLocation;
    // The pool carries the tag (any casing of its name): the tag override comes after the id override, so it wins.
    report.targets[0]!.tags = { ENV: "prod" };
    expect(at(report)(findings.medium.id)).toEqual({ artifactLocation: { uri }, region: { startLine: line('"tag": { "name": "env" }') } });
    // The AKS cluster, in rg-x too but without tags: only the id override matches it.
    expect(at(report)(findings.aksPass.id)).toEqual({ artifactLocation: { uri }, region: { startLine: line('"resourceId": "/subscriptions/*/resourceGroups/rg-x/**" }') } });
    // A tag the override does not name changes nothing.
    report.targets[0]!.tags = { owner: "x" };
    expect(at(report)(findings.medium.id)).toEqual({ artifactLocation: { uri }, region: { startLine: line('"resourceId": "/subscriptions/*/resourceGroups/rg-x/**" }') } });
  });

  it("reads entry lines from the baseline text, stopping at depth 2 and surviving deep nesting", () => {
    const lines = jsonPointerLines(BASELINE_TEXT);
    expect(lines.get("/checks")).toBe(3);
    expect(lines.get("/checks/subnet-default-route")).toBe(4);
    expect(lines.get("/overrides/0")).toBe(7);
    expect(lines.get("/overrides/1")).toBe(8);
    expect(lines.get("/suppressions/0")).toBe(11);
    expect(lines.get("/suppressions/1")).toBe(12);
    expect(lines.has("/suppressions/1/reason")).toBe(false);
    const deep = `{"checks":{"a/b~c":{"parameters":${"[".repeat(200_000)}${"]".repeat(200_000)}}},\n"x":[1, true, null, "s\\"]"]}`;
    const deepLines = jsonPointerLines(deep);
    expect(deepLines.get("/checks/a~1b~0c")).toBe(1);
    expect(deepLines.get("/x")).toBe(2);
    expect(deepLines.get("/x/3")).toBe(2);
    expect(() => jsonPointerLines('{"a": [1, ')).not.toThrow();
  });
});
