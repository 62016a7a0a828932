/**
 * The fault matrix: every kind of ARM failure the emulator can inject, through the real SDK
 * clients over HTTPS, on two estates:
 *
 * - the demo estate (every target of estates/demo.expected.json, drift of every kind): a fault
 *   must never turn a `fail` or an `unknown` into `pass` (or invent a `fail`), checked finding by
 *   finding against a clean scan;
 * - the demo's compliant part (the demo without its drifted targets and forbidden scopes, exit 0
 *   when clean), scanned through the CLI itself: a fault that costs any read must turn exit 0 into
 *   exit 2 ("incomplete"), and a fault the retries absorb must leave it 0.
 *
 * Which targets and findings a fault must reach is derived from the estate (test/setup/demoFacts.ts)
 * and its expectations, so the matrix follows the demo as it grows.
 *
 * For each fault: the scan finishes; the findings that needed the failed data are not `pass` and,
 * when `unknown`, carry the read error as evidence; the report's `errors` names each failure (scope
 * and code); nothing is wrongly `pass` by the invariants of ./invariants.ts. The HTTP side says
 * "incomplete" with `X-Scan-Complete: false`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getTargetDrift } from "../../functions/getTargetDrift.js";
import type { ArmClientOptions } from "../../src/arm/clients.js";
import { runCli } from "../../src/cli/program.js";
import { readArmSettings } from "../../src/config/settings.js";
import type { Estate, EstateResource } from "../../src/emulator/estate.js";
import type { EmulatorFaults } from "../../src/emulator/faults.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { exitCodeOf, type DriftReport, type ReportFinding, type TargetReport } from "../../src/report/report.js";
import { parseReport } from "../../src/report/read.js";
import { runScan } from "../../src/app/scan.js";
import { useServices } from "../../src/app/services.js";
import { publicIp } from "../helpers/estate.js";
import { estateTargets, targetsWhoseSubnet } from "../setup/demoFacts.js";
import { DEMO_SUB_A, DEMO_SUB_B, REPO, httpRequest, invocation, readResponse, testServices } from "../setup/harness.js";
import { judge, statuses } from "./invariants.js";

/** Client tuning of the matrix: few, fast retries; a per-attempt timeout well above the emulator's pace. */
const BASE_CLIENTS: ArmClientOptions = { maxRetries: 2, retryDelayInMs: 1, maxRetryDelayInMs: 10, requestTimeoutInMs: 4_000 };

const demo = JSON.parse(readFileSync(join(REPO, "estates", "demo.json"), "utf8")) as Estate;
const byName = (type: RegExp, name: string): EstateResource => {
  const r = demo.resources.find((x) => type.test(x.type) && x.name === name);
  if (!r) throw new Error(`demo estate has no ${String(type)} ${name}`);
  return r;
};

/** What a scan of the demo must report per target (estates/demo.expected.json). */
const expected = JSON.parse(readFileSync(join(REPO, "estates", "demo.expected.json"), "utf8")) as {
  targets: Record<string, { status: string; unknown: Array<{ resourceId: string }> }>;
};
const inside = (id: string, scope: string) => id.toLowerCase() === scope.toLowerCase() || id.toLowerCase().startsWith(`${scope.toLowerCase()}/`);
/**
 * The demo's targets that are not compliant once its forbidden scopes are lifted: the drifted ones,
 * and the unknown ones with an unknown finding outside those scopes (a reference into a
 * subscription the estate does not serve stays unreadable). Without them the rest is compliant.
 */
const NOT_COMPLIANT = Object.entries(expected.targets)
  .filter(([, t]) => t.status === "drifted" || (t.status === "unknown" && !t.unknown.every((f) => (demo.forbiddenScopes ?? []).some((s) => inside(f.resourceId, s)))))
  .map(([name]) => name);
/** The targets that are not compliant removed (a pool with everything under it and its AKS cluster), the forbidden scopes lifted. */
function compliantPart(estate: Estate): Estate {
  const gone = estateTargets(estate)
    .filter((t) => NOT_COMPLIANT.includes(t.name))
    .flatMap((t) => [t.id, t.aksClusterId])
    .filter((id): id is string => id !== undefined)
    .map((id) => id.toLowerCase());
  const resources = estate.resources.filter((r) => {
    const id = r.id.toLowerCase();
    return !gone.some((g) => id === g || id.startsWith(`${g}/`));
  });
  const { forbiddenScopes: _forbidden, ...rest } = estate;
  return { ...rest, resources };
}

/** The demo's scannable subscriptions (listed, neither Disabled nor Deleted). */
const SCANNED = demo.subscriptions.filter((s) => !/^(disabled|deleted)$/i.test(s.state ?? "Enabled")).map((s) => s.subscriptionId);
/** Targets one of whose subnets has a route table: judging their egress needs it. */
const ROUTED = targetsWhoseSubnet(demo, (s) => s.routeTableId !== undefined);
/**
 * Targets whose subnet's default route goes to an appliance address: the firewall there is found
 * by address in the firewall lists (a Virtual WAN spoke's is named by id and read by id).
 */
const TO_APPLIANCE = targetsWhoseSubnet(demo, (s) => s.defaultRoute?.nextHopType.toLowerCase() === "virtualappliance");
/** Targets in a spoke of a Virtual WAN hub (a hub connection names their VNet): the hub decides their egress. */
const HUB_SPOKES = targetsWhoseSubnet(demo, (s) => s.hubConnectionId !== undefined);
/** The checks that follow a subnet's egress path to a firewall and judge it. */
const EGRESS_CHECKS = ["subnet-default-route", "default-route-firewall", "firewall-required-egress", "firewall-dns-proxy", "firewall-overbroad-allow"];

const mcGroupOf = (aksName: string): string => {
  const aks = byName(/managedclusters$/i, aksName);
  const sub = aks.id.split("/")[2]!;
  return `/subscriptions/${sub}/resourceGroups/${(aks.properties as { nodeResourceGroup: string }).nodeResourceGroup}`;
};
const FINANCE_NET_RG = `/subscriptions/${DEMO_SUB_A}/resourceGroups/rg-net-finance`;

/** The subnet of aks-payments, whose NSG the dangling scenario deletes. */
const PAYMENTS_SUBNET = (
  byName(/managedclusters$/i, "aks-payments").properties as { agentPoolProfiles: Array<{ vnetSubnetID: string }> }
).agentPoolProfiles[0]!.vnetSubnetID.toLowerCase();

/** Resources that others reference, deleted (ARM answers 404 when the reference is followed). */
function dangling(estate: Estate): Estate {
  const subnetId = PAYMENTS_SUBNET;
  const vnet = demo.resources.find((r) => subnetId.startsWith(`${r.id.toLowerCase()}/subnets/`))!;
  const subnet = (vnet.properties as { subnets: Array<{ id: string; properties: { networkSecurityGroup?: { id: string } } }> }).subnets.find(
    (s) => s.id.toLowerCase() === subnetId,
  )!;
  const gone = [
    byName(/routetables$/i, "rt-snet-hdi-finance").id,
    subnet.properties.networkSecurityGroup!.id,
    byName(/managedclusters$/i, "pool-legacy").id,
    byName(/firewallpolicies$/i, "fwp-weu-base").id,
  ].map((id) => id.toLowerCase());
  return { ...estate, resources: estate.resources.filter((r) => !gone.some((g) => r.id.toLowerCase() === g || r.id.toLowerCase().startsWith(`${g}/`))) };
}

/** 4,000 public IPs in one resource group: one list page of ~1.7 MB at page size 5,000. */
const FILLER = Array.from({ length: 4000 }, (_, i) => publicIp(DEMO_SUB_A, "rg-filler", `filler-${String(i).padStart(4, "0")}`));
const withFiller = (estate: Estate): Estate => ({ ...estate, resources: [...estate.resources, ...FILLER] });

interface Scenario {
  name: string;
  faults?: EmulatorFaults;
  estate?: (estate: Estate) => Estate;
  pageSize?: number;
  clients?: ArmClientOptions;
  /** The retries absorb the faults: same findings, same errors as the clean scan, exit 0 when clean was. */
  absorbed?: boolean;
  /** Codes each of which the report's `errors` must name (beyond the clean scan's). */
  codes?: string[];
  /** Every error beyond the clean scan's names a scope matching this. */
  scopes?: RegExp;
  /** Findings that needed the failed data: never `pass` (at least one must exist in the demo). */
  needed?: (f: ReportFinding, t: TargetReport) => boolean;
  /** Extra checks on the demo report. */
  also?: (report: DriftReport, emulator: RunningEmulator) => void;
}

const check = (...ids: string[]) => (f: ReportFinding) => ids.includes(f.checkId);

const scenarios: Scenario[] = [
  {
    name: "429 storm absorbed: ARM's bucket (6, refill 60/s) with Retry-After, retried",
    faults: { armBucket: { capacity: 6, refillPerSecond: 60, preciseRetryAfter: true } },
    clients: { maxRetries: 20 },
    absorbed: true,
    also: (r, emu) => {
      expect(emu.faultCounts().throttled).toBeGreaterThan(0);
      expect(r.stats.throttled).toBeGreaterThan(0);
      expect(r.stats.retries).toBeGreaterThanOrEqual(r.stats.throttled);
    },
  },
  {
    name: "429 storm that outlasts the retries: every network security group read throttled",
    faults: { rules: [{ path: "/networkSecurityGroups", kind: "status", status: 429, retryAfterSeconds: 0 }] },
    codes: ["TooManyRequests"],
    scopes: /networkSecurityGroups/i,
    needed: check("subnet-nsg-inbound"),
  },
  {
    name: "5xx burst absorbed: two 500s on the virtual network lists, retried",
    faults: { rules: [{ path: "/providers/Microsoft.Network/virtualNetworks$", kind: "status", status: 500, times: 2 }] },
    clients: { maxRetries: 3 },
    absorbed: true,
  },
  {
    // 40% fail, one retry: about one read in six fails for good (so some always do, whatever order
    // the concurrent requests draw the seeded numbers in).
    name: "5xx at random: 40% of all requests answer 500 or 503 (seeded), one retry",
    faults: { serverErrorRate: 0.4, seed: 20250131 },
    clients: { maxRetries: 1 },
  },
  {
    name: "5xx burst that outlasts the retries: firewall policy rule collection groups answer 500",
    faults: { rules: [{ path: "/ruleCollectionGroups$", kind: "status", status: 500 }] },
    codes: ["InternalServerError"],
    scopes: /ruleCollectionGroups$/i,
    needed: check("firewall-required-egress", "firewall-overbroad-allow"),
  },
  {
    name: "slow responses past the client's per-attempt timeout: route tables take 10 s, the timeout is 800 ms (retried once)",
    faults: { rules: [{ path: "/routeTables", kind: "slow", delayInMs: 10_000 }] },
    clients: { requestTimeoutInMs: 800, maxRetries: 1 },
    codes: ["ETIMEDOUT"],
    scopes: /routeTables/i,
    // Targets whose subnets have a route table cannot tell where their egress goes.
    needed: (f, t) => ROUTED.has(t.name) && EGRESS_CHECKS.filter((c) => c !== "default-route-firewall").includes(f.checkId),
    also: (r) => expect(r.stats.retries, "a timed-out attempt is retried").toBeGreaterThan(0),
  },
  {
    name: "5xx burst that outlasts the retries: the Virtual WAN hubs' routing intent and route tables answer 500",
    faults: { rules: [{ path: "/virtualHubs/[^/]+/(routingIntent|hubRouteTables)$", kind: "status", status: 500 }] },
    codes: ["InternalServerError"],
    scopes: /virtualHubs\/[^/]+\/(routingIntent|hubRouteTables)$/i,
    // A hub read in part proves no path through it: its spokes' egress cannot be judged.
    needed: (f, t) => HUB_SPOKES.has(t.name) && EGRESS_CHECKS.includes(f.checkId),
  },
  {
    name: "connection resets absorbed: the first resource group list is cut, retried",
    faults: { rules: [{ path: "/resourcegroups$", kind: "reset", times: 1 }] },
    absorbed: true,
  },
  {
    name: "connection resets on every load balancer read",
    faults: { rules: [{ path: "/loadBalancers", kind: "reset" }] },
    codes: ["ECONNRESET"],
    scopes: /loadBalancers$/i,
    // Private-ingress clusters need the MC group's load balancers; a public-ingress cluster with no
    // baseline requirement is judged without them.
    needed: (f) => f.checkId === "mc-group-public-ip" || (f.checkId === "cluster-private-ingress" && !/no requirement/.test(f.expected)),
  },
  {
    name: "connection resets on every node scale set read (lists and instance public IPs)",
    faults: { rules: [{ path: "/virtualMachineScaleSets", kind: "reset" }] },
    codes: ["ECONNRESET"],
    scopes: /virtualMachineScaleSets/i,
    // Node public IPs live under the scale sets: no MC group can be proved free of public addresses.
    needed: check("mc-group-public-ip"),
  },
  {
    name: "truncated JSON: the private DNS zone lists are cut in half",
    faults: { rules: [{ path: "/providers/Microsoft.Network/privateDnsZones$", kind: "truncate" }] },
    codes: ["MalformedResponse"],
    scopes: /privateDnsZones$/i,
    needed: check("private-dns-a-record"),
  },
  {
    name: "malformed JSON: the Azure Firewall lists answer an HTML error page with status 200",
    faults: { rules: [{ path: "/providers/Microsoft.Network/azureFirewalls$", kind: "malformed" }] },
    codes: ["MalformedResponse"],
    scopes: /azureFirewalls$/i,
    // A default route to an appliance address needs the lists to find the firewall there. (A route to
    // Internet fails without them; a Virtual WAN hub names its firewall, which is read by id.)
    needed: (f, t) => f.checkId === "default-route-firewall" && TO_APPLIANCE.has(t.name),
  },
  {
    name: "properties missing: network security groups come back without their rules",
    faults: { rules: [{ path: "/networkSecurityGroups", kind: "dropProperties" }] },
    codes: ["PropertiesMissing"],
    scopes: /networkSecurityGroups/i,
    needed: check("subnet-nsg-inbound"),
  },
  {
    name: "properties missing: AKS clusters come back without their profiles",
    faults: { rules: [{ path: "/managedClusters", kind: "dropProperties" }] },
    codes: ["PropertiesMissing"],
    scopes: /managedClusters/i,
    // A pool's outbound type and API server must agree with its AKS cluster's: not judgeable now.
    needed: (f, t) => t.kind === "clusterPool" && (f.checkId === "pool-outbound-type" || f.checkId === "api-server-private"),
  },
  {
    name: "403 on one resource group (and on one MC group): the network of pool-finance and its node resource group",
    estate: (e) => ({ ...e, forbiddenScopes: [...(e.forbiddenScopes ?? []), FINANCE_NET_RG, mcGroupOf("pool-finance")] }),
    codes: ["AuthorizationFailed"],
    scopes: new RegExp(`rg-net-finance|${mcGroupOf("pool-finance").split("/").at(-1)!}`, "i"),
    needed: (f, t) =>
      t.name === "pool-finance" &&
      [
        "subnet-default-route",
        "default-route-firewall",
        "firewall-required-egress",
        "firewall-dns-proxy",
        "firewall-overbroad-allow",
        "subnet-nsg-inbound",
        "mc-group-public-ip",
        "cluster-private-ingress",
      ].includes(f.checkId),
  },
  {
    name: "403 on one whole subscription (B): visible in the subscription list, every read forbidden",
    estate: (e) => ({ ...e, forbiddenScopes: [...(e.forbiddenScopes ?? []), `/subscriptions/${DEMO_SUB_B}`] }),
    codes: ["AuthorizationFailed"],
    scopes: new RegExp(DEMO_SUB_B, "i"),
    also: (r) => {
      // Nothing of B is judged at all, so nothing of B can pass.
      expect(r.targets.filter((t) => t.subscriptionId === DEMO_SUB_B)).toEqual([]);
    },
  },
  {
    name: "404 on resources others reference: a subnet's route table and NSG, a pool's AKS cluster, a base firewall policy (deleted)",
    estate: dangling,
    codes: ["ResourceNotFound"],
    scopes: /rt-snet-hdi-finance|networkSecurityGroups|pool-legacy|fwp-weu-base/i,
    needed: (f, t) =>
      (t.name === "pool-finance" && ["subnet-default-route", "default-route-firewall", "firewall-required-egress", "firewall-overbroad-allow"].includes(f.checkId)) ||
      // The subnet's NSG is gone; the NSG on the node NICs (its own finding) is still read and may pass.
      (t.name === "aks-payments" && f.checkId === "subnet-nsg-inbound" && f.resourceId.toLowerCase() === PAYMENTS_SUBNET) ||
      (t.name === "pool-legacy" && ["pool-outbound-type", "api-server-private", "mc-group-public-ip", "subnet-nsg-inbound"].includes(f.checkId)) ||
      (t.name === "pool-telemetry" && ["firewall-required-egress", "firewall-overbroad-allow"].includes(f.checkId)),
  },
  {
    name: "very large pages: 4,000 extra public IPs in one page of up to 5,000 items",
    estate: withFiller,
    pageSize: 5_000,
    absorbed: true,
    also: (_r, emu) => {
      expect(emu.requestCounts()["list:sub:Microsoft.Network/publicIPAddresses"]).toBe(SCANNED.length); // one page per scanned subscription
      expect(Buffer.byteLength(JSON.stringify(FILLER))).toBeGreaterThan(1_000_000);
    },
  },
  {
    name: "very large page cut short: the 4,000-item public IP page of A is truncated (the MC groups are read per group instead)",
    estate: withFiller,
    pageSize: 5_000,
    faults: { rules: [{ path: `/subscriptions/${DEMO_SUB_A}/providers/Microsoft.Network/publicIPAddresses$`, kind: "truncate" }] },
    codes: ["MalformedResponse"],
    scopes: /publicIPAddresses$/i,
  },
];

/** What was injected, by kind, over the whole matrix (printed for the closing note). */
const injected: Record<string, number> = {};
const tally = (kind: string, n: number) => {
  if (n > 0) injected[kind] = (injected[kind] ?? 0) + n;
};
const wronglyPass: string[] = [];

interface Clean {
  report: DriftReport;
  errorCounts: Record<string, number>;
}
let cleanDemo: Clean;
let cleanCompliant: Clean & { exit: number };

const compliantDemo = compliantPart(demo);

async function scanDirect(estate: Estate, s: Partial<Scenario> = {}): Promise<{ report: DriftReport; emu: RunningEmulator }> {
  const emu = await startEmulator({ estate, ...(s.faults ? { faults: s.faults } : {}), ...(s.pageSize ? { pageSize: s.pageSize } : {}) });
  try {
    // Pass evidence too: the invariants read what each pass cites (./invariants.ts, T and R).
    const { report } = await runScan({
      settings: readArmSettings({}, { endpoint: emu.url, staticToken: "matrix-token" }),
      clients: { ...BASE_CLIENTS, ...s.clients, caCertificates: [emu.caCertPem] },
      evidence: "all",
    });
    return { report, emu };
  } finally {
    await emu.close();
  }
}

/** The compliant estate through the CLI itself (`egress-audit scan --format json`): its report and exit code. */
async function scanCli(estate: Estate, s: Partial<Scenario> = {}): Promise<{ report: DriftReport; exit: number; emu: RunningEmulator }> {
  const emu = await startEmulator({ estate, ...(s.faults ? { faults: s.faults } : {}), ...(s.pageSize ? { pageSize: s.pageSize } : {}) });
  try {
    let stdout = "";
    let stderr = "";
    const exit = await runCli(["scan", "--arm-endpoint", emu.url, "--format", "json", "--evidence", "all", "--quiet"], {
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
      env: { AZURE_ARM_TOKEN: "matrix-token" },
      isTTY: false,
      clientOptions: { ...BASE_CLIENTS, ...s.clients, caCertificates: [emu.caCertPem] },
    });
    expect(stdout, stderr).not.toBe("");
    return { report: parseReport(stdout), exit, emu };
  } finally {
    await emu.close();
  }
}

const errorStatusCounts = (emu: RunningEmulator): Record<string, number> =>
  Object.fromEntries(Object.entries(emu.requestCounts()).filter(([k]) => k.startsWith("error:")));

beforeAll(async () => {
  const [d, c] = await Promise.all([scanDirect(demo), scanCli(compliantDemo)]);
  cleanDemo = { report: d.report, errorCounts: errorStatusCounts(d.emu) };
  cleanCompliant = { report: c.report, errorCounts: errorStatusCounts(c.emu), exit: c.exit };
});

afterAll(() => {
  const total = Object.values(injected).reduce((a, b) => a + b, 0);
  console.log(`fault matrix: ${scenarios.length} scenarios x 2 estates; faults injected ${total} ${JSON.stringify(injected)}; findings wrongly pass: ${wronglyPass.length}`);
});

describe("the clean scans the matrix compares with", () => {
  it("the demo estate: every expected target, drift and unknowns as the estate was built; the compliant part: exit 0, no error", () => {
    expect(cleanDemo.report.summary.targets).toBe(Object.keys(expected.targets).length);
    expect(judge(cleanDemo.report, cleanDemo.report).wronglyPass).toEqual([]);
    const kept = estateTargets(compliantDemo).length;
    expect(kept).toBe(Object.keys(expected.targets).length - NOT_COMPLIANT.length);
    expect(kept).toBeGreaterThan(0);
    expect(cleanCompliant.report.targets.filter((t) => t.status !== "compliant").map((t) => t.name)).toEqual([]);
    expect(cleanCompliant.exit).toBe(0);
    expect(cleanCompliant.report.errors).toEqual([]);
    expect(cleanCompliant.report.summary).toMatchObject({ targets: kept, compliant: kept });
  });
});

describe(`fault matrix: ${scenarios.length} faults, each on the demo estate and on its compliant part (through the CLI)`, () => {
  it.each(scenarios.map((s) => [s.name, s] as const))("%s", async (_name, s) => {
    const [d, c] = await Promise.all([scanDirect(s.estate ? s.estate(demo) : demo, s), scanCli(s.estate ? s.estate(compliantDemo) : compliantDemo, s)]);

    for (const [label, clean, run] of [
      ["demo", cleanDemo, d],
      ["compliant", cleanCompliant, c],
    ] as const) {
      for (const [kind, n] of Object.entries(run.emu.faultCounts())) tally(kind, n);
      // Estate-level faults (forbidden scopes, deleted resources) show as extra 403s and 404s.
      if (s.estate) {
        const counts = errorStatusCounts(run.emu);
        for (const status of ["403", "404"]) tally(`estate:${status}`, (counts[`error:${status}`] ?? 0) - (clean.errorCounts[`error:${status}`] ?? 0));
      }
      const report = run.report;
      const verdict = judge(clean.report, report);
      wronglyPass.push(...verdict.wronglyPass.map((w) => `${s.name} [${label}] ${w}`));
      expect(verdict.wronglyPass, `${label}: wrongly pass`).toEqual([]);
      expect(verdict.inventedFail, `${label}: invented drift`).toEqual([]);
      expect(verdict.unknownWithoutError, `${label}: unknown without the read error`).toEqual([]);
      expect(verdict.unnamedErrors, `${label}: unnamed errors`).toEqual([]);

      const cleanKeys = new Set(clean.report.errors.map((e) => `${e.scope}|${e.code}`.toLowerCase()));
      const added = report.errors.filter((e) => !cleanKeys.has(`${e.scope}|${e.code}`.toLowerCase()));
      if (s.absorbed) {
        expect(statuses(report), `${label}: absorbed faults change nothing`).toEqual(statuses(clean.report));
        expect(added, `${label}: absorbed faults leave no error`).toEqual([]);
      } else {
        // The report names each failure: a scope and a code, the scope where the fault was aimed.
        expect(added.length, `${label}: the failure is named in errors`).toBeGreaterThan(0);
        for (const code of s.codes ?? []) expect(added.map((e) => e.code), `${label}: errors name ${code}`).toContain(code);
        if (s.scopes) for (const e of added) expect(e.scope, `${label}: ${e.code} ${e.message}`).toMatch(s.scopes);
      }
      if (s.needed) {
        const needing = report.targets.flatMap((t) => t.findings.filter((f) => s.needed!(f, t)).map((f) => ({ t, f })));
        if (label === "demo") expect(needing.length, "the demo has findings that need the failed data").toBeGreaterThan(0);
        for (const { t, f } of needing) expect(`${t.name} ${f.checkId} ${f.status}`).not.toMatch(/ pass$/);
      }
    }

    // Exit codes: the CLI says "incomplete" (2) whenever a read was lost, 0 when the retries absorbed it.
    expect(c.exit).toBe(s.absorbed ? 0 : 2);
    expect(exitCodeOf(d.report)).toBe(d.report.summary.drifted > 0 ? 1 : 2);
    s.also?.(d.report, d.emu);
  });
});

describe("the HTTP side says incomplete", () => {
  it("a fresh target audit under a 403 answers 200 with X-Scan-Complete: false (true when clean), and the errors name the failure", async () => {
    const finance = byName(/clusterpools$/i, "pool-finance").id;
    const clean = await startEmulator({ estate: compliantDemo });
    const faulted = await startEmulator({ estate: { ...compliantDemo, forbiddenScopes: [FINANCE_NET_RG] } });
    try {
      const answer = async (emulator: RunningEmulator) => {
        useServices(testServices({ emulator, namespace: "matrix", noStorage: true }));
        const { context } = invocation("getTargetDrift");
        return readResponse(await getTargetDrift(httpRequest("GET", "/api/targets/drift", { query: `id=${encodeURIComponent(finance)}` }), context));
      };
      const ok = await answer(clean);
      expect(ok.status).toBe(200);
      expect(ok.headers["x-scan-complete"]).toBe("true");
      const incomplete = await answer(faulted);
      expect(incomplete.status).toBe(200);
      expect(incomplete.headers["x-scan-complete"]).toBe("false");
      const report = incomplete.json as DriftReport;
      expect(report.errors).toContainEqual(expect.objectContaining({ code: "AuthorizationFailed", scope: expect.stringMatching(/rg-net-finance/i) as unknown }));
      expect(report.targets[0]!.status).toBe("unknown");
    } finally {
      useServices(undefined);
      await Promise.all([clean.close(), faulted.close()]);
    }
  });
});
