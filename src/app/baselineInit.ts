/**
 * `egress-audit baseline init`: a baseline that accepts a scope as it is today, so a team can adopt
 * the scanner without a wall of red and then tighten. Each failing finding becomes a suppression of
 * its check on its resource, with an owner placeholder and an expiry, so every accepted exception
 * is visible, owned once someone fills it in, and comes back as drift when it runs out.
 *
 * With mode `accept`, a failure whose check honours a baseline rule that accepts exactly that
 * resource becomes that rule's value instead (see {@link RULE_ACCEPTORS}); the others stay
 * suppressions, because a rule they honour would accept more than what is there today.
 *
 * What a baseline cannot accept: an `unknown` finding is a read that failed, not a state of the
 * estate, and suppressions apply to failures only; it stays, and the scan stays incomplete (exit 2),
 * until the read succeeds.
 */
import { idMatches, type Baseline, type BaselineOverride, type BaselineRules, type Suppression } from "../baseline/baseline.js";
import type { DriftReport, ReportFinding, TargetReport } from "../report/report.js";
import { runScan, type ScanOptions } from "./scan.js";

/** The owner written into every suppression: a placeholder to replace with a team or an address. */
export const OWNER_PLACEHOLDER = "TODO: owner (team or e-mail)";

/** Days from the scan until a written suppression expires, unless the caller says otherwise. */
export const DEFAULT_EXPIRY_DAYS = 90;

/** Longest finding message quoted in a suppression's reason. */
const MAX_REASON_MESSAGE = 300;

/** How `baseline init` accepts a failure: always a suppression, or a rule value where a check has one. */
export const INIT_MODES = ["suppress", "accept"] as const;
/** One of {@link INIT_MODES}. */
export type InitMode = (typeof INIT_MODES)[number];

/** A rule value that makes one failure pass: in the defaults, or in an override of its target only. */
interface RuleValue {
  scope: "defaults" | "target";
  field: "allowedPublicIpIds" | "approvedApplianceIps";
  value: string;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * The checks whose failures mode `accept` turns into a rule value, each reading the exact value
 * from the finding's evidence. Every other check falls back to a suppression:
 * - `firewall-required-egress`, `firewall-overbroad-allow`: the firewall's rules are the state; no
 *   baseline field accepts a missing dependency or an over-broad rule (`maxPortRangeWidth` and
 *   `allowedInternetPrefixes` would widen the rule for every firewall, not accept this one).
 * - `pool-outbound-type`, `subnet-default-route`, `subnet-nsg-inbound`, `api-server-private`,
 *   `cluster-private-ingress`, `private-dns-a-record`, `udr-network-contributor`: their rules
 *   (`outboundType`, `requireNsg`, `privateApiServer`, ...) switch a requirement off for the
 *   target, which accepts more than today's value.
 * - `default-route-firewall` on a subnet whose next hop is an Azure Firewall that is not Succeeded,
 *   or has no address, or a target without a custom subnet: approving the address would declare a
 *   broken Azure Firewall a vetted appliance, so it stays a suppression that expires.
 */
const RULE_ACCEPTORS: Record<string, (f: ReportFinding, evidence: Record<string, unknown>) => RuleValue | undefined> = {
  // The address's own id (a public IP, a public IP prefix, or a scale-set instance's public IP):
  // allowing it allows that address and nothing else, for any target.
  "mc-group-public-ip": (f, evidence) => {
    const id = evidence.publicIpId ?? evidence.publicIpPrefixId ?? evidence.instancePublicIpId;
    return typeof id === "string" && id.toLowerCase() === f.resourceId.toLowerCase()
      ? { scope: "defaults", field: "allowedPublicIpIds", value: globOfId(id) }
      : undefined;
  },
  // The next hop where no Azure Firewall exists (a non-Azure appliance): approved for this target
  // only, since the same private address can be another device in another network.
  "default-route-firewall": (_f, evidence) => {
    const route = evidence.defaultRoute as { nextHopType?: unknown; nextHopIpAddress?: unknown } | undefined;
    const ip = route?.nextHopIpAddress;
    if (route?.nextHopType !== "VirtualAppliance" || typeof ip !== "string" || !IPV4.test(ip)) return undefined;
    if (evidence.firewallId !== undefined || evidence.baselineFirewallId !== undefined) return undefined;
    return { scope: "target", field: "approvedApplianceIps", value: ip };
  },
};

/** Ids of the checks mode `accept` writes a rule value for (the rest get suppressions). */
export const RULE_ACCEPTED_CHECKS = Object.keys(RULE_ACCEPTORS);

/** Options of {@link acceptingBaseline}. */
export interface AcceptOptions {
  /** `suppress` (default): suppressions only; `accept`: rule values where a check has one. */
  mode?: InitMode;
  /** Owner of every suppression (default {@link OWNER_PLACEHOLDER}). */
  owner?: string;
  /** Expiry of every suppression, `YYYY-MM-DD` (default: the scan's start + {@link DEFAULT_EXPIRY_DAYS} days). */
  expires?: string;
}

/** A baseline that accepts a report's failures, and what it could not accept. */
export interface AcceptedState {
  baseline: Baseline;
  /** Failing findings the suppressions and rule values cover. */
  acceptedFindings: number;
  /** Rule values written (mode `accept`), each counted once. */
  ruleValues: number;
  /** `unknown` findings: reads that failed, which no baseline accepts. */
  unknownFindings: number;
  /** Errors of the scan (a subscription not listed, a forbidden read). */
  errors: number;
}

/**
 * The baseline that accepts `report`: one suppression per (check, resource) among its failing,
 * not already suppressed findings (several findings of one check on one resource, e.g. each
 * missing firewall dependency, share one), in report order. A suppression's resource id is a glob:
 * characters of an ARM id that the glob syntax gives a meaning (`*`, `?`) or refuses (`[`, `]`,
 * `{`, `}`, `\`, a leading `!`) become `?`, which matches exactly that one character. With mode
 * `accept`, failures of {@link RULE_ACCEPTED_CHECKS} whose evidence holds the value become rule
 * values instead (ids and addresses compared case-insensitively, each written once).
 */
export function acceptingBaseline(report: DriftReport, options: AcceptOptions = {}): AcceptedState {
  const owner = options.owner ?? OWNER_PLACEHOLDER;
  const expires = options.expires ?? daysAfter(report.startedAt, DEFAULT_EXPIRY_DAYS);
  const scanned = report.startedAt.slice(0, 10);
  const byKey = new Map<string, { suppression: Suppression; message: string; count: number }>();
  let acceptedFindings = 0;
  let unknownFindings = 0;
  const rules = new RuleValues();
  for (const target of report.targets) {
    for (const f of target.findings) {
      if (f.status === "unknown") unknownFindings++;
      if (f.status !== "fail" || f.suppressed) continue;
      acceptedFindings++;
      // A failing finding always carries its evidence (report v2); without it, a suppression.
      const ruleValue = options.mode === "accept" && f.evidence ? RULE_ACCEPTORS[f.checkId]?.(f, f.evidence) : undefined;
      if (ruleValue !== undefined) {
        rules.add(target, ruleValue);
        continue;
      }
      const key = `${f.checkId}\u0000${f.resourceId.toLowerCase()}`;
      const seen = byKey.get(key);
      if (seen) {
        seen.count++;
        continue;
      }
      const resourceId = globOfId(f.resourceId);
      byKey.set(key, {
        suppression: { checkId: f.checkId, resourceId, reason: "", owner, expires },
        message: f.message,
        count: 1,
      });
    }
  }
  const suppressions = [...byKey.values()].map(({ suppression, message, count }) => ({
    ...suppression,
    reason: reasonOf(scanned, message, count),
  }));
  return {
    baseline: { schemaVersion: 1, ...rules.baselinePart(), suppressions },
    acceptedFindings,
    ruleValues: rules.count,
    unknownFindings,
    errors: report.errors.length,
  };
}

/** Rule values collected in report order, each once: defaults, and one override per target. */
class RuleValues {
  count = 0;
  private readonly defaults: BaselineRules = {};
  private readonly byTarget = new Map<string, { match: string; rules: BaselineRules }>();
  private readonly seen = new Set<string>();

  add(target: TargetReport, v: RuleValue): void {
    const owner = v.scope === "defaults" ? "" : target.id.toLowerCase();
    const key = `${owner}\u0000${v.field}\u0000${v.value.toLowerCase()}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.count++;
    let rules = this.defaults;
    if (v.scope === "target") {
      const entry = this.byTarget.get(owner) ?? { match: globOfId(target.id), rules: {} };
      this.byTarget.set(owner, entry);
      rules = entry.rules;
    }
    (rules[v.field] ??= []).push(v.value);
  }

  /** The `defaults` and `overrides` of the baseline (absent when empty). */
  baselinePart(): { defaults?: BaselineRules; overrides?: BaselineOverride[] } {
    const overrides = [...this.byTarget.values()].map(({ match, rules }) => ({ match: { resourceId: match }, rules }));
    return {
      ...(Object.keys(this.defaults).length > 0 ? { defaults: this.defaults } : {}),
      ...(overrides.length > 0 ? { overrides } : {}),
    };
  }
}

/** The scan of `scan`'s scope (without a baseline: today's state as it is) and the baseline accepting it. */
export async function initBaseline(scan: Omit<ScanOptions, "baseline">, options: AcceptOptions = {}): Promise<AcceptedState & { report: DriftReport }> {
  const { report } = await runScan(scan);
  return { ...acceptingBaseline(report, options), report };
}

/** A glob that matches `id` and nothing but ids differing in the replaced characters. */
export function globOfId(id: string): string {
  const glob = id.replace(/[*?[\]{}\\]/g, "?").replace(/^!/, "?");
  // The replacement only ever widens a literal character to `?`, so the id itself must match.
  if (!idMatches(glob, id)) throw new Error(`internal: glob ${glob} does not match ${id}`);
  return glob;
}

function reasonOf(scanned: string, message: string, count: number): string {
  const quoted = message.length > MAX_REASON_MESSAGE ? `${message.slice(0, MAX_REASON_MESSAGE - 1)}…` : message;
  const more = count > 1 ? ` (and ${count - 1} more finding${count > 2 ? "s" : ""} of this check on this resource)` : "";
  return `TODO: why this is accepted. Found by egress-audit baseline init on ${scanned}: ${quoted}${more}`;
}

/** `YYYY-MM-DD` of `days` days after the instant `iso`. */
function daysAfter(iso: string, days: number): string {
  return new Date(Date.parse(iso) + days * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
}
