/**
 * What "fail closed" means, as checks on a pair of reports of the same estate: one scanned clean,
 * one scanned under faults. Shared by the fault matrix and the storage tests.
 *
 * A finding is **wrongly `pass`** when, under faults, it is `pass` and any of these holds:
 * - (S) the same finding (stable id) is not `pass` in the clean scan: a fault turned fail or
 *   unknown into pass;
 * - (T) its evidence carries a read error: it passed although it knew a read failed;
 * - (R) it cites a resource whose read failed (the report's `errors`) and its check needs that
 *   kind of data (the check's `requires`): it passed on data that was not there;
 * - (E) it carries no evidence: T and R cannot be checked, so the report must be scanned with
 *   evidence `all` (report v2 leaves pass evidence out by default).
 *
 * And a fault must never invent drift: a finding that is `fail` under faults is `fail` in the
 * clean scan too (same id). Findings whose status changed to `unknown` carry the read error as
 * evidence, with a code the report's `errors` names.
 */
import { checks } from "../../src/checks/index.js";
import type { SnapshotPart } from "../../src/checks/lib/types.js";
import type { DriftReport, ReportFinding } from "../../src/report/report.js";

const requiresOf = new Map(checks.map((c) => [c.meta.id, new Set<SnapshotPart>(c.meta.requires)]));

/** Objects shaped like a read error (`{ code, message }`) anywhere inside `value`. */
export function errorObjects(value: unknown): Array<{ code: string; message: string }> {
  const out: Array<{ code: string; message: string }> = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth > 12 || v === null || typeof v !== "object") return;
    if (Array.isArray(v)) {
      v.forEach((x) => walk(x, depth + 1));
      return;
    }
    const o = v as Record<string, unknown>;
    if (typeof o.code === "string" && typeof o.message === "string") out.push({ code: o.code, message: o.message });
    for (const x of Object.values(o)) walk(x, depth + 1);
  };
  walk(value, 0);
  return out;
}

/** A resource id's type (its last type segment) to the snapshot part that holds it. */
const TYPE_PARTS: Array<[RegExp, SnapshotPart]> = [
  [/\/virtualnetworks\/[^/]+\/subnets\/[^/]+$/, "subnets"],
  // A VNet read by id (a target subnet's, or a peered one): its address space, DNS servers and
  // peerings. Its subnets are read on their own when it fails (see `cites` in judge()).
  [/\/virtualnetworks\/[^/]+$/, "virtualNetworks"],
  [/\/virtualhubs\/[^/]+$/, "virtualHubs"],
  [/\/natgateways\/[^/]+$/, "natGateways"],
  [/\/publicipprefixes\/[^/]+$/, "publicIpPrefixes"],
  [/\/virtualmachinescalesets\/[^/]+$/, "scaleSets"],
  [/\/routetables\/[^/]+$/, "routeTables"],
  [/\/networksecuritygroups\/[^/]+$/, "networkSecurityGroups"],
  [/\/azurefirewalls\/[^/]+$/, "firewalls"],
  [/\/firewallpolicies\/[^/]+$/, "firewallPolicies"],
  [/\/ipgroups\/[^/]+$/, "ipGroups"],
  [/\/privatelinkservices\/[^/]+$/, "privateLinkServices"],
  [/\/privatednszones\/[^/]+$/, "privateDnsZones"],
  [/\/publicipaddresses\/[^/]+$/, "publicIps"],
  [/\/loadbalancers\/[^/]+$/, "loadBalancers"],
  [/\/managedclusters\/[^/]+$/, "aksClusters"],
  [/\/clusterpools\/[^/]+\/clusters\/[^/]+$/, "clusters"],
  [/\/clusterpools\/[^/]+$/, "pools"],
  [/\/roledefinitions\/[^/]+$/, "roleDefinitions"],
];

/** Lists under a resource (`<parent>/<segment>`) and the part the parent feeds. */
const CHILD_LISTS: Record<string, SnapshotPart> = {
  rulecollectiongroups: "firewallPolicies",
  a: "privateDnsZones",
  virtualnetworklinks: "privateDnsZones",
  // A Virtual WAN hub is one part with its connections, routing intent and route tables.
  hubvirtualnetworkconnections: "virtualHubs",
  routingintent: "virtualHubs",
  hubroutetables: "virtualHubs",
  // An AKS cluster's outbound dependency list (kept per configuration, read from one cluster).
  outboundnetworkdependenciesendpoints: "outboundDependencies",
};

/**
 * The resource a failed read was about and the snapshot part it feeds, from a report error's
 * scope: a resource id, a list under a resource (`<policy>/ruleCollectionGroups`, `<zone>/A`,
 * `<pool>/clusters`, `<hub>/routingIntent`, `<scale set>/publicIPAddresses`) or an MC group's
 * resource-group list. Subscription-wide lists name no single resource: undefined.
 */
export function failedResource(scope: string): { id: string; part: SnapshotPart } | undefined {
  const s = scope.toLowerCase().replace(/\/+$/, "");
  // A pool's cluster list: what depends on it cites the clusters (`<pool>/clusters/<name>`), while
  // every finding of the pool cites the pool itself (as its target).
  if (/\/clusterpools\/[^/]+\/clusters$/.test(s)) return { id: s, part: "clusters" };
  // A scale set's instance-level public IPs: part of the scale set.
  const instanceIps = /^(.*\/virtualmachinescalesets\/[^/]+)\/publicipaddresses$/.exec(s);
  if (instanceIps) return { id: instanceIps[1]!, part: "scaleSets" };
  const child = /^(.*\/[^/]+\/[^/]+)\/([^/]+)$/.exec(s);
  const childPart = child ? CHILD_LISTS[child[2]!] : undefined;
  if (child && childPart && !/\/providers$/.test(child[1]!)) return { id: child[1]!, part: childPart };
  const rgList =
    /^(\/subscriptions\/[^/]+\/resourcegroups\/[^/]+)\/providers\/(microsoft\.network\/(publicipaddresses|loadbalancers|publicipprefixes)|microsoft\.compute\/virtualmachinescalesets)$/.exec(
      s,
    );
  if (rgList) return { id: rgList[1]!, part: "mcGroups" };
  for (const [re, part] of TYPE_PARTS) if (re.test(s)) return { id: s, part };
  return undefined;
}

/**
 * Whether `text` (lower-case) cites the ARM id `id` (lower-case) or, unless `under` is false,
 * something under it.
 */
export function cites(text: string, id: string, under = true): boolean {
  let at = text.indexOf(id);
  while (at >= 0) {
    const next = text[at + id.length];
    if (next === undefined || (!/[a-z0-9_.()-]/.test(next) && (under || next !== "/"))) return true;
    at = text.indexOf(id, at + 1);
  }
  return false;
}

/** Everything the invariants found wrong, by rule; all empty when the scan failed closed. */
export interface Verdict {
  /** Finding ids (with the rule) that are wrongly `pass`. */
  wronglyPass: string[];
  /** Findings `fail` under faults that are not `fail` in the clean scan. */
  inventedFail: string[];
  /** Findings that became `unknown` without a read error in their evidence named by `errors`. */
  unknownWithoutError: string[];
  /** Report errors without scope, code or message. */
  unnamedErrors: string[];
}

function allFindings(report: DriftReport): Array<{ target: string; finding: ReportFinding }> {
  return report.targets.flatMap((t) => t.findings.map((finding) => ({ target: t.name, finding })));
}

/** Applies the invariants to a faulted report against the clean report of the same estate. */
export function judge(clean: DriftReport, faulted: DriftReport): Verdict {
  const cleanById = new Map(allFindings(clean).map(({ finding }) => [finding.id, finding]));
  const errorCodes = new Set(faulted.errors.map((e) => e.code));
  const failed = faulted.errors.map((e) => failedResource(e.scope)).filter((x): x is { id: string; part: SnapshotPart } => x !== undefined);
  const verdict: Verdict = { wronglyPass: [], inventedFail: [], unknownWithoutError: [], unnamedErrors: [] };
  for (const { target, finding: f } of allFindings(faulted)) {
    const label = `${target} ${f.checkId} ${f.resourceId}${f.id ? ` (${f.id})` : ""}`;
    const before = cleanById.get(f.id);
    if (f.status === "pass") {
      if (before !== undefined && before.status !== "pass") verdict.wronglyPass.push(`S: ${label} was ${before.status} in the clean scan`);
      // T and R read what a pass cites: a report without pass evidence (report v2's default) cannot be judged.
      if (f.evidence === undefined) verdict.wronglyPass.push(`E: ${label} passed without evidence: judge reports scanned with evidence "all"`);
      const carried = errorObjects(f.evidence);
      if (carried.length > 0) verdict.wronglyPass.push(`T: ${label} passed carrying read error ${carried.map((c) => c.code).join(", ")}`);
      const text = `${f.resourceId} ${JSON.stringify(f.evidence)}`.toLowerCase();
      const needs = requiresOf.get(f.checkId) ?? new Set<SnapshotPart>();
      for (const r of failed) {
        // A subnet id contains its VNet's: when the VNet read fails the subnet is read by id, so
        // citing the subnet is not citing the VNet; citing the VNet itself is.
        const under = r.part !== "virtualNetworks";
        if (needs.has(r.part) && cites(text, r.id, under)) verdict.wronglyPass.push(`R: ${label} passed citing ${r.id} (${r.part}), whose read failed`);
      }
    }
    if (f.status === "fail" && before !== undefined && before.status !== "fail") {
      verdict.inventedFail.push(`${label} was ${before.status} in the clean scan`);
    }
    if (f.status === "unknown" && (before === undefined || before.status !== "unknown")) {
      const carried = errorObjects(f.evidence);
      if (!carried.some((c) => errorCodes.has(c.code))) {
        verdict.unknownWithoutError.push(`${label}: evidence errors [${carried.map((c) => c.code).join(", ")}] not among the report's [${[...errorCodes].join(", ")}]`);
      }
    }
  }
  for (const e of faulted.errors) if (!e.scope || !e.code || !e.message) verdict.unnamedErrors.push(JSON.stringify(e));
  return verdict;
}

/** Statuses by finding id (for "the same as the clean scan" comparisons). */
export function statuses(report: DriftReport): Record<string, string> {
  return Object.fromEntries(allFindings(report).map(({ finding }) => [finding.id, finding.status]));
}
