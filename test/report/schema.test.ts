/**
 * The published report schema (schemas/report.schema.json, from src/report/schema.ts): the
 * committed file is what `npm run docs` writes, and every JSON report the CLI streams validates
 * against it (draft 2020-12, ajv): the default report, one with `--evidence all`, and one whose
 * findings reference shared evidence.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/program.js";
import { buildReport, type DriftReport } from "../../src/report/report.js";
import { readReport } from "../../src/report/read.js";
import { REPORT_SCHEMA_ID, reportSchemaJson } from "../../src/report/schema.js";
import { reportJsonText } from "../../src/report/stream.js";

const REPO = join(import.meta.dirname, "..", "..");
const schema = JSON.parse(readFileSync(join(REPO, "schemas", "report.schema.json"), "utf8")) as Record<string, unknown>;
// ajv-formats is CommonJS: typed as its module object under NodeNext, called as its default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
const validate = ajv.compile(schema);

function valid(value: unknown): string {
  return validate(value) ? "" : ajv.errorsText(validate.errors);
}

/** `egress-audit demo --format json` in this process: the streamed text, as written. */
async function demoJson(...flags: string[]): Promise<string> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(["demo", "--format", "json", "--quiet", ...flags], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: {}, isTTY: false, clientOptions: { maxRetries: 0 } });
  expect(code, stderr).toBe(1);
  return stdout;
}

let demo: string;
let demoAll: string;
beforeAll(async () => {
  demo = await demoJson();
  demoAll = await demoJson("--evidence", "all");
}, 60_000);

describe("schemas/report.schema.json", () => {
  it("is up to date (run `npm run docs` when this fails) and names itself", () => {
    expect(readFileSync(join(REPO, "schemas", "report.schema.json"), "utf8")).toBe(reportSchemaJson());
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.$id).toBe(REPORT_SCHEMA_ID);
  });

  it("validates the demo scan's streamed JSON report, which has no pass evidence", () => {
    const raw = JSON.parse(demo) as DriftReport;
    expect(valid(raw)).toBe("");
    const passes = raw.targets.flatMap((t) => t.findings).filter((f) => f.status === "pass");
    expect(passes.length).toBeGreaterThan(0);
    expect(passes.filter((f) => f.evidence !== undefined)).toEqual([]);
  });

  it("validates the report with --evidence all, every finding carrying evidence", () => {
    const raw = JSON.parse(demoAll) as DriftReport;
    expect(valid(raw)).toBe("");
    const findings = raw.targets.flatMap((t) => t.findings);
    expect(findings.filter((f) => f.evidence === undefined)).toEqual([]);
    // The same findings as the default report: evidence is all that differs.
    const ids = (r: DriftReport) => r.targets.flatMap((t) => t.findings.map((f) => `${f.id} ${f.status}`));
    expect(ids(raw)).toEqual(ids(JSON.parse(demo) as DriftReport));
  });

  it("validates a report whose findings reference shared evidence", async () => {
    const rules = Array.from({ length: 30 }, (_, i) => ({ name: `r${i}`, targetFqdns: [`h${i}.example`], protocols: ["Https:443"] }));
    const sub = "00000000-0000-0000-0000-000000000004";
    const targets = [1, 2, 3].map((i) => ({
      id: `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-${i}`,
      kind: "aksCluster" as const,
      name: `aks-${i}`,
      subscriptionId: sub,
      status: "drifted" as const,
      findings: [{ id: `firewall-required-egress:${i}`, checkId: "firewall-required-egress", status: "fail" as const, severity: "high" as const, resourceId: "/fwp", message: "m", expected: "e", actual: "a", evidence: { policyRules: rules } }],
    }));
    const report = buildReport({ startedAt: new Date(0), finishedAt: new Date(1000), subscriptions: [sub], targets, stats: { armRequests: 1, throttled: 0, retries: 0 }, errors: [] });
    const raw = JSON.parse(await reportJsonText(report)) as { sharedEvidence?: Record<string, unknown>; targets: Array<{ findings: Array<{ evidence: Record<string, unknown> }> }> };
    expect(Object.keys(raw.sharedEvidence ?? {})).toHaveLength(1);
    expect(raw.targets[2]!.findings[0]!.evidence.policyRules).toHaveProperty("$ref");
    expect(valid(raw)).toBe("");
    // The demo's own report shares its firewall policies' evidence too.
    expect(demo).toContain('"sharedEvidence"');
    expect(readReport(raw).targets[2]!.findings[0]!.evidence!.policyRules).toEqual(rules);
  });

  it("refuses what version 1 had: remediation on a finding, a version-1 number, no catalog", () => {
    const raw = JSON.parse(demo) as DriftReport;
    const f = raw.targets[0]!.findings[0]!;
    expect(valid({ ...raw, targets: [{ ...raw.targets[0], findings: [{ ...f, remediation: "r" }] }] })).toMatch(/additional properties/);
    expect(valid({ ...raw, schemaVersion: "1.0" })).toMatch(/schemaVersion/);
    const { checks: _checks, ...withoutCatalog } = raw;
    expect(_checks).toBeDefined();
    expect(valid(withoutCatalog)).toMatch(/checks/);
  });
});
