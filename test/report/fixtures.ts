/**
 * Reports for the renderer tests: the demo's (real emulator, real SDK clients, through the CLI)
 * and a small hand-made one whose values are hostile to every format (HTML, Markdown table
 * syntax, CSV quoting and formulas, control characters) and that covers every status, a
 * suppression, a read error and a diff. Both are report version 2: the catalog once in `checks`,
 * no remediation on findings, evidence on fail and unknown findings (on passes too with
 * `evidence: "all"`).
 */
import { runCli } from "../../src/cli/program.js";
import type { Finding } from "../../src/checks/lib/types.js";
import { parseReport } from "../../src/report/read.js";
import { buildReport, catalogOf, toReportFinding, type DriftReport, type EvidenceMode, type ReportFinding } from "../../src/report/report.js";

/** The demo estate's report, as `egress-audit demo --format json` prints it, read as every stored report is. */
export async function demoReport(): Promise<DriftReport> {
  let out = "";
  const code = await runCli(["demo", "--format", "json", "--quiet"], {
    stdout: (s) => (out += s),
    stderr: () => {},
    env: {},
    isTTY: false,
    clientOptions: { maxRetries: 0 },
  });
  if (code !== 1) throw new Error(`demo exited ${code}, expected 1 (drift)`);
  return parseReport(out);
}

export const SUB = "3f2a8c4e-7b1d-4e59-9c0a-2d6f1b8e4a73";
const rg = `/subscriptions/${SUB}/resourceGroups/rg-x`;
export const POOL_ID = `${rg}/providers/Microsoft.HDInsight/clusterPools/pool-evil`;
export const AKS_ID = `${rg}/providers/Microsoft.ContainerService/managedClusters/aks-ok`;
export const SUBNET_ID = `${rg}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet`;
export const PIP_ID = `${rg}/providers/Microsoft.Network/publicIPAddresses/pip|1`;

/** A message that would run script in HTML, break a Markdown table and need CSV quoting. */
export const HOSTILE_MESSAGE = 'Route "r1", next hop <script>alert(1)</script> | 0.0.0.0/0\nsecond line & more';
/** A value a spreadsheet would run as a formula. */
export const FORMULA = '=HYPERLINK("https://evil.example/x","click")';

/** A judged finding as a check returns it (remediation and evidence included). */
function finding(over: Partial<Finding> & Pick<Finding, "id" | "checkId" | "status">): Finding {
  return {
    severity: "high",
    resourceId: SUBNET_ID,
    message: "A message.",
    expected: "VirtualAppliance",
    actual: "VirtualAppliance",
    evidence: {},
    remediation: "az network route-table route create -g <rg> --route-table-name <rt> -n default",
    ...over,
  };
}

/** The findings as the checks judged them, before the report form (evidence on every one). */
export const judged = {
  critical: finding({
    id: "subnet-default-route:aaa",
    checkId: "subnet-default-route",
    status: "fail",
    severity: "critical",
    message: HOSTILE_MESSAGE,
    expected: "VirtualAppliance, 10.0.1.4",
    actual: FORMULA,
    evidence: { route: { name: "r1", nextHopType: "Internet" }, note: 'quote " and, comma' },
  }),
  medium: finding({ id: "mc-group-public-ip:bbb", checkId: "mc-group-public-ip", status: "fail", severity: "medium", resourceId: PIP_ID, actual: "-1 @home" }),
  suppressed: finding({
    id: "mc-group-public-ip:ccc",
    checkId: "mc-group-public-ip",
    status: "fail",
    severity: "low",
    resourceId: PIP_ID,
    suppressed: { reason: "Known jump host, ticket NET-42", owner: "net-team", expires: "2099-01-01" },
  }),
  unknown: finding({
    id: "default-route-firewall:ddd",
    checkId: "default-route-firewall",
    status: "unknown",
    severity: "critical",
    actual: "unknown (AuthorizationFailed)",
    evidence: { error: { code: "AuthorizationFailed" } },
  }),
  pass: finding({
    id: "pool-outbound-type:eee",
    checkId: "pool-outbound-type",
    status: "pass",
    resourceId: POOL_ID,
    evidence: { outboundType: "userDefinedRouting", proof: "pass <evidence> | kept" },
  }),
  aksPass: finding({ id: "pool-outbound-type:fff", checkId: "pool-outbound-type", status: "pass", resourceId: AKS_ID, severity: "info", evidence: { outboundType: "userDefinedRouting" } }),
} satisfies Record<string, Finding>;

type FindingName = keyof typeof judged;

/** The findings in the report form of `mode` (default `failures`: the passes carry no evidence). */
export function reportFindings(mode: EvidenceMode = "failures"): Record<FindingName, ReportFinding> {
  return Object.fromEntries(Object.entries(judged).map(([k, f]) => [k, toReportFinding(f, mode)])) as Record<FindingName, ReportFinding>;
}

/** The findings as the default report carries them (no pass evidence). */
export const findings = reportFindings();

/** Options of {@link hostileReport}. */
export interface HostileReportOptions {
  /** Which findings carry evidence (as `--evidence`); default `failures`. */
  evidence?: EvidenceMode;
}

/** The hostile report: one drifted pool (every status) and one compliant AKS cluster. */
export function hostileReport(options: HostileReportOptions = {}): DriftReport {
  const f = reportFindings(options.evidence);
  const report = buildReport({
    scanId: "11111111-2222-4333-8444-555555555555",
    startedAt: new Date("2026-03-01T10:00:00Z"),
    finishedAt: new Date("2026-03-01T10:00:02Z"),
    subscriptions: [SUB],
    targets: [
      {
        id: POOL_ID,
        kind: "clusterPool",
        name: "pool-evil <b>|x|</b>",
        subscriptionId: SUB,
        status: "drifted",
        findings: [f.pass, f.unknown, f.suppressed, f.medium, f.critical],
      },
      { id: AKS_ID, kind: "aksCluster", name: "aks-ok", subscriptionId: SUB, status: "compliant", findings: [f.aksPass] },
      { id: `${rg}/providers/Microsoft.ContainerService/managedClusters/aks-empty`, kind: "aksCluster", name: "aks-empty", subscriptionId: SUB, status: "unknown", findings: [] },
    ],
    stats: { armRequests: 12, throttled: 1, retries: 1 },
    errors: [{ scope: SUBNET_ID, code: "AuthorizationFailed", message: "The client 'x' has no <read> | access" }],
    checks: catalogOf(),
  });
  return { ...report, diff: { new: [f.critical.id], resolved: ["old:zzz"], unchanged: 2 } };
}
