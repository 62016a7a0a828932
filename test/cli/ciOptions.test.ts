/**
 * The CI options through the real CLI on the demo (embedded emulator, real SDK clients):
 * `--fail-on <severity>` decides the exit code, `--sarif-artifact` and the `--baseline` file place
 * SARIF results; bad values are usage errors (exit 3) before anything is scanned.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checks } from "../../src/checks/index.js";
import { exitCodeFailingOn, failingSeveritiesOf } from "../../src/cli/ciOptions.js";
import { runCli } from "../../src/cli/program.js";
import { buildReport, type DriftReport, type ReportFinding } from "../../src/report/report.js";

const root = join(import.meta.dirname, "..", "..");
const scratch = mkdtempSync(join(tmpdir(), "egress-audit-ci-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: {},
    isTTY: false,
    clientOptions: { maxRetries: 0 },
  });
  return { code, stdout, stderr };
}

interface SarifLog {
  runs: Array<{
    invocations: Array<{ exitCode: number }>;
    results: Array<{
      ruleId: string;
      suppressions?: unknown[];
      locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }>;
    }>;
  }>;
}

/** A baseline that turns every check's severity down to `low`: the demo's drift is then all low. */
function lowBaseline(): string {
  const file = join(scratch, "low.baseline.json");
  const settings = Object.fromEntries(checks.map((c) => [c.meta.id, { severity: "low" }]));
  writeFileSync(file, JSON.stringify({ schemaVersion: 1, checks: settings }, null, 2));
  return file;
}

describe("--fail-on <severity>", () => {
  it("the demo holds critical drift: it fails even at the highest threshold, as without the flag", async () => {
    expect((await cli(["demo", "--quiet", "--format", "json"])).code).toBe(1);
    expect((await cli(["demo", "--quiet", "--format", "json", "--fail-on", "critical"])).code).toBe(1);
  });

  it("drift below the threshold does not fail: the incomplete demo exits 2, and the SARIF says so", async () => {
    const baseline = lowBaseline();
    const below = await cli(["demo", "--quiet", "--baseline", baseline, "--format", "sarif", "--fail-on", "medium"]);
    expect(below.code).toBe(2); // the demo has a resource group it may not read: incomplete
    expect((JSON.parse(below.stdout) as SarifLog).runs[0]!.invocations[0]!.exitCode).toBe(2);
    expect((await cli(["demo", "--quiet", "--baseline", baseline, "--format", "json", "--fail-on", "low"])).code).toBe(1);
    expect((await cli(["demo", "--quiet", "--baseline", baseline, "--format", "json"])).code).toBe(1);
  });

  it("is a usage error with an unknown severity, before anything is scanned", async () => {
    const r = await cli(["demo", "--fail-on", "severe"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/--fail-on.*severe.*critical, high, medium, low, info/s);
    expect(r.stdout).toBe("");
  });

  it("exits 0 on a complete scan whose only drift is below the threshold", () => {
    const low: ReportFinding = {
      id: "x:1",
      checkId: "subnet-nsg",
      status: "fail",
      severity: "low",
      resourceId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s",
      message: "m",
      expected: "e",
      actual: "a",
      evidence: {},
    };
    const report = (findings: ReportFinding[]): DriftReport =>
      buildReport({
        startedAt: new Date(0),
        finishedAt: new Date(1),
        subscriptions: ["s"],
        targets: [{ id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a", kind: "aksCluster", name: "a", subscriptionId: "s", status: "drifted", findings }],
        stats: { armRequests: 1, throttled: 0, retries: 0 },
        errors: [],
      });
    expect(exitCodeFailingOn(report([low]), "medium")).toBe(0);
    expect(exitCodeFailingOn(report([low]), "low")).toBe(1);
    expect(exitCodeFailingOn(report([low]))).toBe(1);
    expect(exitCodeFailingOn(report([{ ...low, severity: "critical", suppressed: { reason: "r", owner: "o" } }]), "info")).toBe(0);
    expect(exitCodeFailingOn(report([low, { ...low, id: "x:2", status: "unknown", severity: "critical" }]), "high")).toBe(2);
    // A spooled report (targets on disk): the severities counted while spooling decide, as the targets would.
    const mixed = report([low, { ...low, id: "x:3", severity: "high" }, { ...low, id: "x:4", severity: "critical", suppressed: { reason: "r", owner: "o" } }]);
    const severities = failingSeveritiesOf(mixed);
    expect([...severities].sort()).toEqual(["high", "low"]);
    const head = { summary: mixed.summary, errors: mixed.errors, scope: mixed.scope };
    for (const failOn of ["critical", "high", "medium", "low"] as const) {
      expect(exitCodeFailingOn(head, failOn, severities), failOn).toBe(exitCodeFailingOn(mixed, failOn));
    }
    expect(exitCodeFailingOn(head, "critical", severities)).toBe(0);
    expect(exitCodeFailingOn(head, "high", severities)).toBe(1);
  });
});

describe("SARIF placement through the CLI", () => {
  const demoBaseline = join(root, "estates", "demo.baseline.json");
  const baselineLines = readFileSync(demoBaseline, "utf8").split("\n");
  const lineOf = (needle: string) => baselineLines.findIndex((l) => l.includes(needle)) + 1;

  it("places results at the baseline entry that applies, the rest at --sarif-artifact", async () => {
    expect(process.cwd()).toBe(root); // the baseline path becomes relative to the working directory
    const r = await cli(["demo", "--quiet", "--format", "sarif", "--baseline", demoBaseline, "--sarif-artifact", "./infra\\main.bicep"]);
    expect(r.code).toBe(1);
    const results = (JSON.parse(r.stdout) as SarifLog).runs[0]!.results;
    const where = (x: (typeof results)[number]) => `${x.locations[0]!.physicalLocation.artifactLocation.uri}:${x.locations[0]!.physicalLocation.region.startLine}`;
    const suppressed = results.filter((x) => x.suppressions);
    expect(suppressed.length).toBe(1);
    expect(where(suppressed[0]!)).toBe(`estates/demo.baseline.json:${lineOf('"checkId": "mc-group-public-ip"') - 1}`);
    // The check whose severity the baseline sets: that setting's line.
    for (const x of results.filter((y) => y.ruleId === "subnet-nsg-inbound" && !y.suppressions)) {
      expect(where(x)).toBe(`estates/demo.baseline.json:${lineOf('"subnet-nsg-inbound": { "severity"')}`);
    }
    const rest = results.filter((x) => !x.suppressions && x.ruleId !== "subnet-nsg-inbound");
    expect(rest.length).toBeGreaterThan(10);
    for (const x of rest) expect(where(x)).toBe("infra/main.bicep:1");
  });

  it("a baseline outside the working directory is not a repository file: its results go to the per-target path", async () => {
    const outside = join(scratch, "outside.baseline.json");
    writeFileSync(outside, readFileSync(demoBaseline, "utf8"));
    const r = await cli(["demo", "--quiet", "--format", "sarif", "--baseline", outside]);
    const uris = (JSON.parse(r.stdout) as SarifLog).runs[0]!.results.map((x) => x.locations[0]!.physicalLocation.artifactLocation.uri);
    expect(uris.length).toBeGreaterThan(10);
    for (const uri of uris) expect(uri).toMatch(/^azure\/[0-9a-f-]{36}\/[^/]+\/[^/]+$/);
  });

  it("refuses --sarif-artifact outside the repository or without the sarif format (exit 3, nothing scanned)", async () => {
    for (const args of [
      ["--format", "sarif", "--sarif-artifact", "/etc/main.bicep"],
      ["--format", "sarif", "--sarif-artifact", "../other/main.bicep"],
      ["--format", "sarif", "--sarif-artifact", "C:\\infra\\main.bicep"],
      ["--format", "json", "--sarif-artifact", "infra/main.bicep"],
      ["--output", join(scratch, "r.html"), "--sarif-artifact", "infra/main.bicep"],
    ]) {
      const r = await cli(["demo", ...args]);
      expect(r.code, args.join(" ")).toBe(3);
      expect(r.stderr).toMatch(/--sarif-artifact/);
      expect(r.stderr).not.toMatch(/emulator at/);
      expect(r.stdout).toBe("");
    }
  });
});
