/**
 * The command line, end to end: the demo against the bundled estate (real emulator, real SDK
 * clients over HTTPS), the separate emulator + scan processes with the CA trusted through
 * NODE_EXTRA_CA_CERTS, and the usage errors of the contract (exit 3, nothing scanned).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, type CliIo } from "../../src/cli/program.js";
import { findingId } from "../../src/checks/lib/engine.js";
import { checks } from "../../src/checks/index.js";
import type { DriftReport } from "../../src/report/report.js";
import { parseReport } from "../../src/report/read.js";
import { finish, readUntil, root, spawnCli } from "./processes.js";

const scratch = mkdtempSync(join(tmpdir(), "egress-audit-cli-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], env: NodeJS.ProcessEnv = {}, extra: Partial<CliIo> = {}): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env,
    isTTY: false,
    clientOptions: { maxRetries: 0 },
    ...extra,
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

interface Expected {
  targets: Record<
    string,
    {
      kind: string;
      status: string;
      /** `item` (when given) tells apart several findings of one check on one resource. */
      failing: Array<{ checkId: string; resourceId: string; item?: string }>;
      unknown?: Array<{ checkId: string; resourceId: string }>;
    }
  >;
}
const expected = JSON.parse(readFileSync(join(root, "estates", "demo.expected.json"), "utf8")) as Expected;

/** (target, check, resource, status) tuples of a report, ids lower-cased. */
function tuples(report: DriftReport, status: "fail" | "unknown"): string[] {
  return report.targets
    .flatMap((t) => t.findings.filter((f) => f.status === status).map((f) => `${t.name}|${f.checkId}|${f.resourceId.toLowerCase()}`))
    .sort();
}

describe("egress-audit demo", () => {
  let run: Run;
  let report: DriftReport;
  beforeAll(async () => {
    run = await cli(["demo", "--format", "json"]);
    report = parseReport(run.stdout);
  });

  it("exits 1 because the demo estate holds drift", () => {
    expect(run.code).toBe(1);
  });

  it("reports every demo target with the status the estate was built for", () => {
    const statuses = Object.fromEntries(report.targets.map((t) => [t.name, `${t.kind}:${t.status}`]));
    const want = Object.fromEntries(Object.entries(expected.targets).map(([name, t]) => [name, `${t.kind}:${t.status}`]));
    expect(statuses).toEqual(want);
    // Every subscription of the estate that ARM would list as scannable (not Disabled or Deleted).
    const estate = JSON.parse(readFileSync(join(root, "estates", "demo.json"), "utf8")) as { subscriptions: Array<{ subscriptionId: string; state?: string }> };
    const scannable = estate.subscriptions.filter((s) => !/^(disabled|deleted)$/i.test(s.state ?? "Enabled")).map((s) => s.subscriptionId.toLowerCase());
    expect(report.scope.subscriptions.map((s) => s.toLowerCase()).sort()).toEqual(scannable.sort());
  });

  it("shows each seeded drift as a failing finding of the right check on the right resource, and nothing else", () => {
    const want = Object.entries(expected.targets)
      .flatMap(([name, t]) => t.failing.map((f) => `${name}|${f.checkId}|${f.resourceId.toLowerCase()}`))
      .sort();
    expect(tuples(report, "fail")).toEqual(want);
    // Where the expected file names the item (e.g. which dependency a firewall misses), the finding id says it too.
    const ids = new Set(report.targets.flatMap((t) => t.findings.filter((f) => f.status === "fail").map((f) => f.id)));
    for (const [name, t] of Object.entries(expected.targets)) {
      const targetId = report.targets.find((x) => x.name === name)!.id;
      for (const f of t.failing.filter((x) => x.item !== undefined)) {
        expect(ids.has(findingId(f.checkId, targetId, f.resourceId, f.item)), `${name} ${f.checkId} ${f.item}`).toBe(true);
      }
    }
  });

  it("makes every check of the catalog fail on at least one target and pass on at least one", () => {
    const seen = (status: string) => new Set(report.targets.flatMap((t) => t.findings.filter((f) => f.status === status).map((f) => f.checkId)));
    const failing = seen("fail");
    const passing = seen("pass");
    for (const c of checks) {
      expect(failing.has(c.meta.id), `${c.meta.id} fails somewhere`).toBe(true);
      expect(passing.has(c.meta.id), `${c.meta.id} passes somewhere`).toBe(true);
    }
    // The catalog is the registry, and the registry holds every check: one file per check in src/checks/.
    const files = readdirSync(join(root, "src", "checks"))
      .filter((f) => f.endsWith(".ts") && f !== "index.ts")
      .map((f) => f.replace(/\.ts$/, ""))
      .sort();
    expect(checks.map((c) => c.meta.id).sort()).toEqual(files);
  });

  it("reports what could not be judged as unknown (the forbidden network resources with the 403 as evidence), never pass", () => {
    const want = Object.entries(expected.targets)
      .flatMap(([name, t]) => (t.unknown ?? []).map((f) => `${name}|${f.checkId}|${f.resourceId.toLowerCase()}`))
      .sort();
    expect(want.length).toBeGreaterThan(0);
    expect(tuples(report, "unknown")).toEqual(want);
    const restricted = report.targets.filter((t) => t.status === "unknown");
    expect(restricted.length).toBeGreaterThan(0);
    for (const t of restricted) {
      for (const f of t.findings.filter((x) => x.status === "unknown")) {
        expect(JSON.stringify(f.evidence)).toContain("AuthorizationFailed");
      }
    }
    expect(report.errors.some((e) => e.code === "AuthorizationFailed")).toBe(true);
  });

  it("gives every applicable check a finding on every target, and counts its ARM requests", () => {
    for (const t of report.targets) {
      const ids = new Set(t.findings.map((f) => f.checkId));
      expect(ids.has("pool-outbound-type"), t.name).toBe(true);
      expect(ids.has("mc-group-public-ip"), t.name).toBe(true);
    }
    expect(report.stats.armRequests).toBeGreaterThan(10);
    expect(report.stats.throttled).toBe(0);
    expect(report.summary.targets).toBe(report.targets.length);
    expect(report.summary.findings.fail).toBe(tuples(report, "fail").length);
  });

  it("prints a table by default, with the summary line last", async () => {
    const table = await cli(["demo"]);
    expect(table.code).toBe(1);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines.at(-1)).toMatch(/^\d+ targets: \d+ compliant, \d+ drifted, \d+ unknown; findings: \d+ fail/);
    for (const name of Object.keys(expected.targets)) expect(table.stdout).toContain(name);
    expect(table.stdout).not.toContain("\u001b["); // no colour when not a TTY
  });

  it("with estates/demo.baseline.json: one failure suppressed, one expired suppression reported, still exit 1", async () => {
    const baselineFile = join(root, "estates", "demo.baseline.json");
    const withBaseline = await cli(["demo", "--baseline", baselineFile, "--format", "json"]);
    expect(withBaseline.code).toBe(1);
    const r = parseReport(withBaseline.stdout);
    const all = r.targets.flatMap((t) => t.findings.map((f) => ({ target: t.name, f })));
    const suppressed = all.filter((x) => x.f.suppressed !== undefined);
    expect(suppressed.map((x) => `${x.target}|${x.f.checkId}|${x.f.status}`)).toEqual(["pool-sandbox|mc-group-public-ip|fail"]);
    expect(suppressed[0]!.f.resourceId).toMatch(/\/publicIPAddresses\/leftover-pip$/);
    expect(suppressed[0]!.f.suppressed).toMatchObject({ owner: "analytics-platform@contoso.com", expires: "2099-12-31" });

    // The expired one (the sandbox's SSH rule) no longer applies: its failure is drift again, and it is reported.
    // (The NSGs on the node NICs of pool-marketing and aks-edge fail too; no suppression names them.)
    const nsgFailures = all.filter((x) => x.f.checkId === "subnet-nsg-inbound" && x.f.status === "fail");
    expect(nsgFailures.every((x) => x.f.suppressed === undefined)).toBe(true);
    const ssh = nsgFailures.filter((x) => x.target === "pool-sandbox");
    expect(ssh).toHaveLength(1);
    expect(ssh[0]!.f.suppressed).toBeUndefined();
    expect(ssh[0]!.f.severity).toBe("high"); // the baseline's severity override
    expect(r.expiredSuppressions).toEqual([
      expect.objectContaining({ checkId: "subnet-nsg-inbound", expires: "2025-06-30", matchingFindingIds: [ssh[0]!.f.id] }),
    ]);
    expect(r.targets.find((t) => t.name === "pool-sandbox")!.status).toBe("drifted");

    // The baseline's defaults change nothing else: the same failures and unknowns as without it.
    const key = (x: DriftReport) => x.targets.flatMap((t) => t.findings.map((f) => `${f.id}|${f.status}`)).sort();
    expect(key(r)).toEqual(key(report));

    const table = await cli(["demo", "--baseline", baselineFile]);
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/leftover-pip .*\[suppressed: Static IP on the partner's allow-list/);
    expect(table.stdout).toContain("expired suppressions (1), no longer applied:");
  });

  it("the same estate served by `egress-audit emulator` and scanned by another process gives the same findings", async () => {
    const emulator = spawnCli(["emulator", "--estate", join(root, "estates", "demo.json")], {});
    try {
      const banner = await readUntil(emulator, /CA bundle[^:]*: (\S+)/);
      const url = /listening on (https:\/\/\S+)/.exec(banner)![1]!;
      const bundle = /CA bundle[^:]*: (\S+)/.exec(banner)![1]!;
      const scan = spawnCli(["scan", "--arm-endpoint", url, "--format", "json"], {
        NODE_EXTRA_CA_CERTS: bundle,
        AZURE_ARM_TOKEN: "emulator-token",
      });
      const { code, stdout: out } = await finish(scan);
      expect(code).toBe(1);
      const other = parseReport(out);
      const key = (r: DriftReport) =>
        r.targets.flatMap((t) => t.findings.map((f) => `${f.id}|${f.status}|${f.expected}|${f.actual}`)).sort();
      expect(key(other)).toEqual(key(report));
    } finally {
      emulator.kill("SIGTERM");
    }
  });
});

describe("usage errors exit 3 and scan nothing", () => {
  it("lists the catalog", async () => {
    const r = await cli(["checks"]);
    expect(r.code).toBe(0);
    for (const c of checks) expect(r.stdout).toContain(c.meta.id);
  });

  it("refuses an unknown flag", async () => {
    const r = await cli(["scan", "--subscriptoin", "x"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/unknown option '--subscriptoin'/);
  });

  it("refuses a malformed subscription id, naming it", async () => {
    const r = await cli(["scan", "--subscription", "not-a-guid", "--arm-endpoint", "https://127.0.0.1:1"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('"not-a-guid" is not a subscription id');
    expect(r.stdout).toBe("");
  });

  it("refuses a plain-http endpoint (the bearer policy would refuse to send the token)", async () => {
    const r = await cli(["scan", "--arm-endpoint", "http://127.0.0.1:8080"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/--arm-endpoint must use https/);
  });

  it("reports an unreachable endpoint as a usage error, with no report", async () => {
    const port = await freePort();
    const r = await cli(["scan", "--arm-endpoint", `https://127.0.0.1:${port}`], { AZURE_ARM_TOKEN: "x" });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot reach ARM endpoint https:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    expect(r.stdout).toBe("");
  });

  it("refuses an estate that is not JSON, or breaks the schema, naming the problem", async () => {
    const dir = scratch;
    writeFileSync(join(dir, "broken.json"), "{ not json");
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ schemaVersion: 1, subscriptions: [{ subscriptionId: "nope", displayName: "x" }], resources: [] }));
    const a = await cli(["demo", "--estate", join(dir, "broken.json")]);
    expect(a.code).toBe(3);
    expect(a.stderr).toMatch(/is not valid JSON/);
    const b = await cli(["emulator", "--estate", join(dir, "bad.json")]);
    expect(b.code).toBe(3);
    expect(b.stderr).toMatch(/\/subscriptions\/0\/subscriptionId must match pattern/);
    const c = await cli(["emulator", "--estate", join(dir, "missing.json")]);
    expect(c.code).toBe(3);
    expect(c.stderr).toMatch(/cannot read estate/);
  });

  it("refuses an --output file that cannot be written, before scanning", async () => {
    const r = await cli(["demo", "--format", "html", "--output", join(scratch, "no-such-folder", "report.html")]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/--output .*report\.html cannot be written: ENOENT/);
    expect(r.stderr).not.toContain("emulator at");
    const dir = await cli(["demo", "--output", scratch]);
    expect(dir.code).toBe(3);
    expect(dir.stderr).toMatch(/is a folder/);
  });

  it("refuses an unknown format, naming the valid ones, and an invalid baseline", async () => {
    const r = await cli(["demo", "--format", "xml"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/--format must be one of: json, table, markdown, sarif, csv, html \(got "xml"\)/);
    expect(r.stdout).toBe("");
    const dir = scratch;
    writeFileSync(join(dir, "b.json"), JSON.stringify({ schemaVersion: 1, defaults: { outboundType: "sideways" } }));
    const b = await cli(["demo", "--baseline", join(dir, "b.json")]);
    expect(b.code).toBe(3);
    expect(b.stderr).toMatch(/\/defaults\/outboundType must be equal to one of the allowed values/);
    expect(b.stdout).toBe("");
  });
});

describe("report formats and output flags", () => {
  it("prints each format to stdout with the exit code of the scan", async () => {
    const checksOf: Record<string, (out: string) => void> = {
      markdown: (out) => expect(out).toMatch(/^## egress-audit drift report\n[\s\S]*\| Targets \| Compliant \|/),
      sarif: (out) => {
        const log = JSON.parse(out) as { version: string; runs: Array<{ results: Array<{ kind: string }> }> };
        expect(log.version).toBe("2.1.0");
        const kinds = log.runs[0]!.results.map((r) => r.kind);
        expect(kinds).toContain("fail");
        expect(kinds).toContain("review"); // the forbidden resource group's unknowns
        expect(kinds).not.toContain("pass");
      },
      csv: (out) => expect(out).toMatch(/^scanId,targetId,targetName,targetKind,subscriptionId,targetStatus,findingId,checkId,status,severity,resourceId,message,expected,actual,suppressed,.*\r\n/),
      html: (out) => expect(out).toMatch(/^<!DOCTYPE html>\n<html lang="en">[\s\S]*<\/html>\n$/),
    };
    for (const [format, check] of Object.entries(checksOf)) {
      const r = await cli(["demo", "--format", format]);
      expect(r.code, format).toBe(1);
      check(r.stdout);
      // SARIF leaves passes out, so it names only the targets with something to look at.
      const named = Object.entries(expected.targets).filter(([, t]) => format !== "sarif" || t.status !== "compliant");
      for (const [name] of named) expect(r.stdout, `${format} names ${name}`).toContain(name);
    }
  });

  it("`scan --format html --output report.html` writes one self-contained file", async () => {
    const { startEmulator } = await import("../../src/emulator/server.js");
    const { loadEstate } = await import("../../src/emulator/estate.js");
    const emulator = await startEmulator({ estate: await loadEstate(join(root, "estates", "demo.json")) });
    try {
      const file = join(scratch, "report.html");
      const r = await cli(["scan", "--arm-endpoint", emulator.url, "--format", "html", "--output", file], { AZURE_ARM_TOKEN: "t" }, {
        clientOptions: { maxRetries: 0, caCertificates: [emulator.caCertPem] },
      });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(`report written to ${file} (html)\n`);
      const html = readFileSync(file, "utf8");
      expect(html).toMatch(/^<!DOCTYPE html>/);
      expect(html).not.toMatch(/<(script|link|img|iframe|object|embed)\b/i);
      expect(html).not.toMatch(/\s(src|srcset|action)\s*=/i);
      for (const m of html.matchAll(/\shref="([^"]*)"/g)) expect(m[1]).toMatch(/^#/);
      expect(html).toContain("Content-Security-Policy");
      for (const name of Object.keys(expected.targets)) expect(html).toContain(name);
    } finally {
      await emulator.close();
    }
  });

  it("--format json streams the report target by target: to stdout's stream (left open) or to --output, the same report; no spool left", async () => {
    const { PassThrough } = await import("node:stream");
    const spoolDir = mkdtempSync(join(scratch, "spool-"));
    const out = new PassThrough();
    const writes: number[] = [];
    out.on("data", (d: Buffer) => writes.push(d.length));
    let streamed = "";
    out.on("data", (d: Buffer) => (streamed += d.toString()));
    const piped = await cli(["demo", "--format", "json", "--quiet"], {}, { stdoutStream: out, spoolDir });
    expect(piped.code).toBe(1);
    // Nothing through the string writer: all of it through the stream, which stdout's owner ends.
    expect(piped.stdout).toBe("");
    expect(out.writableEnded).toBe(false);
    expect(writes.length).toBeGreaterThan(0);
    const fromStdout = parseReport(streamed);
    // One target per line after the head: the summary comes first.
    expect(streamed.split("\n")[0]).toMatch(/"summary":\{"targets":\d+/);
    expect(streamed.split("\n").filter((l) => l.startsWith('{"id":"/subscriptions/'))).toHaveLength(fromStdout.summary.targets);

    const file = join(scratch, "report.json");
    const written = await cli(["demo", "--output", file], {}, { spoolDir });
    expect(written.code).toBe(1);
    expect(written.stderr).toContain(`report written to ${file} (json)`);
    const fromFile = parseReport(readFileSync(file, "utf8"));
    expect(fromFile.targets).toEqual(fromStdout.targets);
    expect(fromFile.summary).toEqual(fromStdout.summary);
    // No partial file, and the spool gone.
    expect(readdirSync(scratch).filter((n) => n.includes(".partial-"))).toEqual([]);
    expect(readdirSync(spoolDir)).toEqual([]);
  });

  it("--evidence all puts pass evidence in the JSON report; the default leaves it out; a bad value is exit 3 before anything runs", async () => {
    const passes = (r: DriftReport) => r.targets.flatMap((t) => t.findings).filter((f) => f.status === "pass");
    const all = await cli(["demo", "--format", "json", "--evidence", "all", "--quiet"]);
    expect(all.code).toBe(1);
    const withEvidence = passes(parseReport(all.stdout));
    expect(withEvidence.length).toBeGreaterThan(0);
    expect(withEvidence.filter((f) => f.evidence === undefined)).toEqual([]);
    const byDefault = passes(parseReport((await cli(["demo", "--format", "json", "--quiet"])).stdout));
    expect(byDefault.map((f) => f.id)).toEqual(withEvidence.map((f) => f.id));
    expect(byDefault.filter((f) => f.evidence !== undefined)).toEqual([]);

    const bad = await cli(["demo", "--format", "json", "--evidence", "some"]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/--evidence must be one of: failures, all \(got "some"\)/);
    expect(bad.stderr).not.toContain("emulator at");
    expect(bad.stdout).toBe("");
  });

  it("--fail-on decides the JSON report's exit code from the spooled findings as it does for the other formats", async () => {
    // The demo drifts at critical severity (a default route that bypasses the firewall).
    const json = await cli(["demo", "--format", "json", "--quiet", "--fail-on", "critical"]);
    const table = await cli(["demo", "--format", "table", "--quiet", "--fail-on", "critical"]);
    expect(parseReport(json.stdout).targets.flatMap((t) => t.findings).some((f) => f.status === "fail" && f.severity === "critical" && !f.suppressed)).toBe(true);
    expect(json.code).toBe(1);
    expect(table.code).toBe(1);
  });

  it("takes the format from the --output extension when --format is absent, and never colours a file", async () => {
    const sarif = join(scratch, "out.sarif");
    const r = await cli(["demo", "--output", sarif], { FORCE_COLOR: "1" }, { isTTY: true });
    expect(r.code).toBe(1);
    expect((JSON.parse(readFileSync(sarif, "utf8")) as { version: string }).version).toBe("2.1.0");
    const txt = join(scratch, "out.txt");
    await cli(["demo", "--output", txt], { FORCE_COLOR: "1" }, { isTTY: true });
    expect(readFileSync(txt, "utf8")).not.toContain("\u001b[");
  });

  it("colours the table on a terminal unless NO_COLOR is set; FORCE_COLOR colours a pipe", async () => {
    const tty = await cli(["demo"], {}, { isTTY: true });
    expect(tty.stdout).toContain("\u001b[");
    const noColor = await cli(["demo"], { NO_COLOR: "1" }, { isTTY: true });
    expect(noColor.stdout).not.toContain("\u001b[");
    expect(noColor.stdout.trimEnd().split("\n").at(-1)).toMatch(/^\d+ targets: /);
    const forced = await cli(["demo"], { FORCE_COLOR: "1" }, { isTTY: false });
    expect(forced.stdout).toContain("\u001b[");
    // The rest of the rules (NO_COLOR over FORCE_COLOR, TERM=dumb) are unit-tested in progress.test.ts.
  });

  it("--quiet keeps stderr empty but still prints the report and returns the exit code", async () => {
    const r = await cli(["demo", "--quiet", "--format", "json"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("");
    expect((parseReport(r.stdout)).summary.drifted).toBeGreaterThan(0);
    const file = join(scratch, "quiet.csv");
    const w = await cli(["demo", "--quiet", "--output", file]);
    expect(w).toEqual({ code: 1, stdout: "", stderr: "" });
    expect(readFileSync(file, "utf8")).toMatch(/^scanId,/);
    // Errors still speak.
    const bad = await cli(["demo", "--quiet", "--format", "xml"]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/--format must be one of/);
  });

  it("--verbose lists passing findings and logs each ARM request; it cannot be combined with --quiet", async () => {
    const r = await cli(["demo", "--verbose"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/│ pass /);
    const requests = r.stderr.split("\n").filter((l) => l.startsWith("ARM "));
    expect(requests[0]).toMatch(/^ARM GET \/subscriptions 200 \d+ ms$/);
    expect(requests.some((l) => l.includes("?"))).toBe(false); // no query strings
    const both = await cli(["demo", "--verbose", "--quiet"]);
    expect(both.code).toBe(3);
    expect(both.stderr).toMatch(/cannot be used with option '--quiet'/);
  });
});



function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

