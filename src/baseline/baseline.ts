/**
 * The baseline: what "intended" means for an organisation (rules, per-target overrides, per-check
 * settings, suppressions), and its one parser. Every way a baseline arrives (the CLI's file,
 * `BASELINE_JSON`, `BASELINE_URL`) goes through {@link parseBaseline}, so all of them accept and
 * refuse the same documents. Loading (file, setting, URL) is the application's (src/app/baseline.ts):
 * it knows the check registry and passes its ids in, since this module sits below the checks.
 *
 * Overrides: ./overrides.ts. Suppressions: ./suppressions.ts. The JSON schema: ./schema.ts. Id
 * globs: ./glob.ts.
 */
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { UsageError } from "../errors.js";
import { formatAjvErrors } from "../config/jsonFile.js";
import { globMatches, unsupportedGlobSyntax } from "./glob.js";
import { baselineSchema } from "./schema.js";

// ajv-formats ships CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * What "intended" means for an organisation. Every field is optional: without a baseline each
 * target is judged against its own egress mode.
 */
export interface BaselineRules {
  /**
   * Required egress mode, e.g. `userDefinedRouting`. Compared as an egress design: `managedNATGateway`
   * accepts either NAT gateway SKU, `managedNATGatewayV2` requires the StandardV2 gateway (either spelling).
   */
  outboundType?: string;
  /** Require egress through a firewall (a `0.0.0.0/0` route to an appliance) even for non-UDR targets. */
  requireFirewallEgress?: boolean;
  /** The expected next hop of the default route (the firewall's private address). */
  firewallPrivateIp?: string;
  /** Addresses of approved network virtual appliances that are not Azure Firewalls. */
  approvedApplianceIps?: string[];
  /** Public IP ids (globs) allowed in an MC group whatever the egress mode. */
  allowedPublicIpIds?: string[];
  /** Address prefixes that may be routed to `Internet` beside the firewall's own /32. */
  allowedInternetPrefixes?: string[];
  /** The firewall egress must go through (ARM id); its private address is the expected next hop. */
  firewallResourceId?: string;
  /** Require a private API server (pool `enablePrivateApiServer` / AKS `enablePrivateCluster`). */
  privateApiServer?: boolean;
  /** A public API server must restrict access with authorized IP ranges. */
  requireAuthorizedIpRanges?: boolean;
  /** Require private (internal) ingress on every cluster of a pool. */
  privateIngress?: boolean;
  /** Outbound dependencies required on top of the built-in list (e.g. a package mirror). */
  extraRequiredEgress?: RequiredEgress[];
  /** VNets (ARM ids) that must be linked to the pools' private DNS zones (clients in other VNets). */
  clientVnetIds?: string[];
  /** Require an NSG on every pool subnet. */
  requireNsg?: boolean;
  /** Widest destination port range an allow rule may open (number of ports); wider is over-broad. */
  maxPortRangeWidth?: number;
}

/** One required outbound dependency, in the terms a firewall rule is written in. */
export interface RequiredEgress {
  /** `fqdn` and `fqdnTag` need an application rule (or a network rule with FQDNs for `fqdn`); `serviceTag` and `address` a network rule. */
  kind: "fqdn" | "fqdnTag" | "serviceTag" | "address";
  /** An FQDN (wildcards as in firewall rules), an FQDN tag, a service tag or an address/prefix. */
  destination: string;
  /** `Https`, `Http`, `Mssql` (application) or `TCP`, `UDP` (network). */
  protocol: "Https" | "Http" | "Mssql" | "TCP" | "UDP";
  port: number;
  /** Why it is needed, shown in findings. */
  description?: string;
}

/**
 * Per-target override, matched by resource id glob and/or by one of the target's own ARM tags
 * (tag names case-insensitively as ARM treats them, the value exactly; see ./overrides.ts).
 */
export interface BaselineOverride {
  match: { resourceId?: string; tag?: { name: string; value?: string } };
  rules: BaselineRules;
}

/** Per-check settings. */
export interface BaselineCheckSettings {
  severity?: "critical" | "high" | "medium" | "low" | "info";
  enabled?: boolean;
  parameters?: Record<string, unknown>;
}

/** A suppression: a known, owned, possibly temporary exception. */
export interface Suppression {
  checkId: string;
  /** Resource id glob (case-insensitive). */
  resourceId: string;
  reason: string;
  owner: string;
  /** ISO date (or date-time) after which the suppression stops applying. */
  expires?: string;
}

/** The baseline file. */
export interface Baseline {
  schemaVersion: 1;
  defaults?: BaselineRules;
  overrides?: BaselineOverride[];
  checks?: Record<string, BaselineCheckSettings>;
  suppressions?: Suppression[];
}

/** The baseline as it applies to one target: defaults merged with matching overrides. */
export interface EffectiveBaseline {
  rules: BaselineRules;
  checks: Record<string, BaselineCheckSettings>;
}

const ajv = new Ajv({ allErrors: true, strict: true });
addFormats(ajv);
const validateBaseline = ajv.compile<Baseline>(baselineSchema);

/** Options of {@link parseBaseline}. */
export interface ParseBaselineOptions {
  /**
   * The check ids a baseline may name (the registry's). A suppression or per-check setting of any
   * other id is refused: a typo would otherwise leave a finding unsuppressed or a severity
   * unchanged without a word.
   */
  knownCheckIds: Iterable<string>;
  /** What the baseline came from (a file path, `BASELINE_JSON`, `BASELINE_URL`), for messages. */
  source?: string;
}

/**
 * Validates parsed JSON as a baseline: the schema, then the check ids it names, then its id globs
 * (syntax of other glob dialects is refused, see ./glob.ts). Throws {@link UsageError}
 * (`InvalidBaseline`) naming the source and the field at fault.
 */
export function parseBaseline(value: unknown, options: ParseBaselineOptions): Baseline {
  const source = options.source ?? "baseline";
  if (!validateBaseline(value)) {
    throw new UsageError("InvalidBaseline", `${source}: ${formatAjvErrors(validateBaseline.errors)}`);
  }
  const known = new Set(options.knownCheckIds);
  const problems: string[] = [];
  for (const id of Object.keys(value.checks ?? {})) {
    if (!known.has(id)) problems.push(`/checks/${id} names an unknown check id`);
  }
  (value.suppressions ?? []).forEach((s, i) => {
    if (!known.has(s.checkId)) problems.push(`/suppressions/${i}/checkId ${JSON.stringify(s.checkId)} is not a known check id`);
  });
  if (problems.length) {
    throw new UsageError("InvalidBaseline", `${source}: ${listed(problems)} (known: ${[...known].join(", ")})`);
  }
  for (const [path, glob] of globsOf(value)) {
    const why = unsupportedGlobSyntax(glob);
    if (why !== undefined) problems.push(`${path} ${JSON.stringify(glob)}: ${why}`);
  }
  if (problems.length) throw new UsageError("InvalidBaseline", `${source}: ${listed(problems)}`);
  return value;
}

/** At most this many problems are spelled out in one message (a 1 MiB baseline can hold thousands). */
const MAX_PROBLEMS_LISTED = 20;

function listed(problems: string[]): string {
  const more = problems.length - MAX_PROBLEMS_LISTED;
  return problems.slice(0, MAX_PROBLEMS_LISTED).join("; ") + (more > 0 ? `; and ${more} more` : "");
}

/** Every id glob of a baseline with its JSON pointer. */
function globsOf(b: Baseline): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const allowed = (rules: BaselineRules | undefined, at: string) =>
    (rules?.allowedPublicIpIds ?? []).forEach((g, i) => out.push([`${at}/allowedPublicIpIds/${i}`, g]));
  allowed(b.defaults, "/defaults");
  (b.overrides ?? []).forEach((o, i) => {
    if (o.match.resourceId !== undefined) out.push([`/overrides/${i}/match/resourceId`, o.match.resourceId]);
    allowed(o.rules, `/overrides/${i}/rules`);
  });
  (b.suppressions ?? []).forEach((s, i) => out.push([`/suppressions/${i}/resourceId`, s.resourceId]));
  return out;
}

/** The empty baseline: judge every target against its own egress mode. */
export const emptyBaseline: Baseline = Object.freeze({ schemaVersion: 1 });

/**
 * Case-insensitive glob match of an ARM id (`*` and `?` stay within a path segment, `**` as a
 * segment crosses them; every other character is literal): how overrides, suppressions and
 * allow-lists of ids match. Linear in the id whatever the glob's stars; compiled globs are
 * cached. The syntax in full: ./glob.ts.
 */
export function idMatches(glob: string, id: string): boolean {
  return globMatches(glob, id);
}
