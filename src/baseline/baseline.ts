import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import picomatch from "picomatch";
import type { Target } from "../model/snapshot.js";
import { UsageError } from "../errors.js";
import { formatAjvErrors, readJsonFile } from "../config/jsonFile.js";

// ajv-formats ships CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * What "intended" means for an organisation. Every field is optional: without a baseline each
 * target is judged against its own egress mode.
 */
export interface BaselineRules {
  /** Required egress mode, e.g. `userDefinedRouting`. */
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

/** Per-target override, matched by resource id glob or by tag. */
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

const rulesSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    outboundType: {
      type: "string",
      enum: ["loadBalancer", "userDefinedRouting", "managedNATGateway", "userAssignedNATGateway", "none", "block"],
    },
    requireFirewallEgress: { type: "boolean" },
    firewallPrivateIp: { type: "string", format: "ipv4" },
    approvedApplianceIps: { type: "array", items: { type: "string", format: "ipv4" } },
    allowedPublicIpIds: { type: "array", items: { type: "string", minLength: 1 } },
    allowedInternetPrefixes: {
      type: "array",
      items: { type: "string", pattern: "^\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}$" },
    },
    firewallResourceId: { type: "string", pattern: "^/subscriptions/[^/]+/[Rr]esource[Gg]roups/[^/]+/providers/Microsoft\\.[Nn]etwork/azureFirewalls/[^/]+$" },
    privateApiServer: { type: "boolean" },
    requireAuthorizedIpRanges: { type: "boolean" },
    privateIngress: { type: "boolean" },
    extraRequiredEgress: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["kind", "destination", "protocol", "port"],
        properties: {
          kind: { enum: ["fqdn", "fqdnTag", "serviceTag", "address"] },
          destination: { type: "string", minLength: 1 },
          protocol: { enum: ["Https", "Http", "Mssql", "TCP", "UDP"] },
          port: { type: "integer", minimum: 1, maximum: 65535 },
          description: { type: "string" },
        },
      },
    },
    clientVnetIds: {
      type: "array",
      items: { type: "string", pattern: "^/subscriptions/[^/]+/[Rr]esource[Gg]roups/[^/]+/providers/Microsoft\\.[Nn]etwork/virtualNetworks/[^/]+$" },
    },
    requireNsg: { type: "boolean" },
    maxPortRangeWidth: { type: "integer", minimum: 1, maximum: 65535 },
  },
} as const;

/** JSON schema of the baseline file (published as `schemas/baseline.schema.json` by `egress-audit`). */
export const baselineSchema = {
  $id: "https://egress-audit.dev/schemas/baseline.schema.json",
  type: "object",
  additionalProperties: false,
  required: ["schemaVersion"],
  properties: {
    $schema: { type: "string" },
    schemaVersion: { const: 1 },
    defaults: rulesSchema,
    overrides: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["match", "rules"],
        properties: {
          match: {
            type: "object",
            additionalProperties: false,
            minProperties: 1,
            properties: {
              resourceId: { type: "string", minLength: 1 },
              tag: {
                type: "object",
                additionalProperties: false,
                required: ["name"],
                properties: { name: { type: "string", minLength: 1 }, value: { type: "string" } },
              },
            },
          },
          rules: rulesSchema,
        },
      },
    },
    checks: {
      type: "object",
      propertyNames: { pattern: "^[a-z0-9]+(-[a-z0-9]+)*$" },
      additionalProperties: {
        type: "object",
        additionalProperties: false,
        properties: {
          severity: { enum: ["critical", "high", "medium", "low", "info"] },
          enabled: { type: "boolean" },
          parameters: { type: "object" },
        },
      },
    },
    suppressions: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["checkId", "resourceId", "reason", "owner"],
        properties: {
          checkId: { type: "string", minLength: 1 },
          resourceId: { type: "string", minLength: 1 },
          reason: { type: "string", minLength: 1 },
          owner: { type: "string", minLength: 1 },
          expires: { type: "string", anyOf: [{ format: "date" }, { format: "date-time" }] },
        },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: true });
addFormats(ajv);
const validateBaseline = ajv.compile(baselineSchema);

/** Validates parsed JSON as a baseline; throws {@link UsageError} (`InvalidBaseline`) naming the field. */
export function parseBaseline(value: unknown, source = "baseline"): Baseline {
  if (!validateBaseline(value)) {
    throw new UsageError("InvalidBaseline", `${source}: ${formatAjvErrors(validateBaseline.errors)}`);
  }
  return value;
}

/** Reads and validates a baseline file. */
export async function loadBaseline(path: string): Promise<Baseline> {
  return parseBaseline(await readJsonFile(path, "Baseline"), path);
}

/** The empty baseline: judge every target against its own egress mode. */
export const emptyBaseline: Baseline = Object.freeze({ schemaVersion: 1 });

/** Case-insensitive glob match of an ARM id (`*` stays within a path segment, `**` crosses them). */
export function idMatches(glob: string, id: string): boolean {
  return picomatch.isMatch(id.toLowerCase(), glob.toLowerCase(), { dot: true });
}

/** Merges defaults with the overrides that match this target (later overrides win). */
export function effectiveBaseline(
  baseline: Baseline,
  target: Pick<Target, "id">,
  tags: Record<string, string> = {},
): EffectiveBaseline {
  let rules: BaselineRules = { ...baseline.defaults };
  for (const o of baseline.overrides ?? []) {
    const byId = o.match.resourceId === undefined || idMatches(o.match.resourceId, target.id);
    const byTag =
      o.match.tag === undefined ||
      (o.match.tag.name in tags && (o.match.tag.value === undefined || tags[o.match.tag.name] === o.match.tag.value));
    if (byId && byTag) rules = { ...rules, ...o.rules };
  }
  return { rules, checks: baseline.checks ?? {} };
}
