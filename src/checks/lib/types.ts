import type { Snapshot, Target } from "../../model/snapshot.js";
import type { Baseline, EffectiveBaseline } from "../../baseline/baseline.js";

/** Severity of a finding; a check has a default, the baseline may override it per check id. */
export type Severity = "critical" | "high" | "medium" | "low" | "info";

/** Result of judging one resource. */
export type FindingStatus = "pass" | "fail" | "unknown";

/** Snapshot parts a check reads; listed in its metadata and in docs. */
export type SnapshotPart =
  | "pools"
  | "clusters"
  | "aksClusters"
  | "subnets"
  | "routeTables"
  | "firewalls"
  | "firewallInventory"
  | "mcGroups"
  | "publicIps"
  | "loadBalancers"
  | "firewallPolicies"
  | "ipGroups"
  | "networkSecurityGroups"
  | "privateLinkServices"
  | "privateDnsZones"
  | "privateDnsZoneInventory"
  | "roleAssignments"
  | "roleDefinitions"
  | "virtualNetworks"
  | "virtualHubs"
  | "hubInventory"
  | "natGateways"
  | "publicIpPrefixes"
  | "scaleSets"
  | "outboundDependencies";

/** A tunable of a check, with its default. */
export interface CheckParameter {
  name: string;
  description: string;
  default: unknown;
}

/** What a check is, independent of any target: shown by `egress-audit checks` and in docs. */
export interface CheckMetadata {
  /** Stable kebab-case id, never reused. */
  id: string;
  title: string;
  defaultSeverity: Severity;
  /** The risk in one or two sentences. */
  risk: string;
  /** Concrete steps, with an `az` CLI or Bicep line. */
  remediation: string;
  requires: SnapshotPart[];
  parameters: CheckParameter[];
}

/** One judgement of one resource, before report-level decoration (severity, id, suppression). */
export interface CheckResult {
  status: FindingStatus;
  /** The resource judged (ARM id). */
  resourceId: string;
  /**
   * What distinguishes this result from others of the same check on the same resource
   * (e.g. a route name, a public IP id). Part of the stable finding id.
   */
  item?: string;
  /** One sentence naming the resource. */
  message: string;
  /** Short value a person compares with `actual`, e.g. `"VirtualAppliance 10.0.1.4"`. */
  expected: string;
  actual: string;
  /** Resource ids and the exact route / rule / record that decided; read errors for `unknown`. */
  evidence: Record<string, unknown>;
}

/** What a check's `evaluate` receives. */
export interface CheckContext {
  snapshot: Snapshot;
  target: Target;
  /** The baseline as it applies to this target. */
  baseline: EffectiveBaseline;
  /** This check's parameters: defaults merged with the baseline's. */
  params: Record<string, unknown>;
}

/** A check: metadata plus a pure function. It never does I/O. */
export interface Check {
  meta: CheckMetadata;
  /** Returns nothing when the check does not apply to the target; otherwise at least one result. */
  evaluate(ctx: CheckContext): CheckResult[];
}

/** A finding as it appears in the drift report. */
export interface Finding {
  /** Stable across scans: derived from check id, target, resource and item. */
  id: string;
  checkId: string;
  status: FindingStatus;
  severity: Severity;
  resourceId: string;
  message: string;
  expected: string;
  actual: string;
  evidence: Record<string, unknown>;
  remediation: string;
  /** Present when a baseline suppression matched a failure. */
  suppressed?: { reason: string; owner: string; expires?: string };
}

export type { Baseline };
