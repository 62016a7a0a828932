/**
 * Judging one NSG for `subnet-nsg-inbound`: every inbound Allow from the internet must stay within
 * the ingress TCP ports (80/443 by default) and reach only cluster ingress addresses. Used for the
 * NSG on a pool subnet and for the NSGs on the node NICs alike (one finding per failing rule, or one
 * pass per NSG). Pure; the NSG semantics are in `nsg.ts`.
 */
import type { NetworkSecurityGroup, Part, ReadError, SecurityRule } from "../../model/snapshot.js";
import { isNonInternetPrefix, parseIpv4Prefix, sameAddress } from "./addresses.js";
import { mcGroupIngressPublicIps } from "./ingress.js";
import { describeTraffic, inboundRules, internetAllows, isNoTraffic, ruleIdOf, subtractTraffic } from "./nsg.js";
import type { InternetAllow } from "./nsg.js";
import { integerParam, portListParam } from "./params.js";
import { unknownResult } from "./parts.js";
import { portsOf } from "./ports.js";
import { mcGroupIdOf } from "./target.js";
import type { CheckContext, CheckResult } from "./types.js";

/** Parameter: public source prefixes shorter than this count as the internet. */
export const MIN_SOURCE_PARAM = "internetSourceMinPrefixLength";
/** Parameter: TCP ports the internet may reach on the cluster ingress addresses. */
export const INGRESS_PORTS_PARAM = "ingressTcpPorts";

/** The check's parameters, validated. */
export interface NsgSettings {
  minSourceLength: number;
  ingressPorts: number[];
}

/** Reads the parameters (a bad value throws: the engine reports it). */
export function nsgSettingsOf(params: Record<string, unknown>): NsgSettings {
  return { minSourceLength: integerParam(params, MIN_SOURCE_PARAM, 0, 33), ingressPorts: portListParam(params, INGRESS_PORTS_PARAM) };
}

/** `no internet inbound beyond TCP 80/443`. */
export function expectedInbound(settings: NsgSettings): string {
  return `no internet inbound beyond TCP ${settings.ingressPorts.join("/")}`;
}

/** Where an NSG sits, for the findings about it. */
export interface NsgPlacement {
  /** The resource the findings are on (the subnet, or the NSG itself for node NICs). */
  resourceId: string;
  /** `subnet X of AKS cluster Y`, `the node NICs (scale set Z) of AKS cluster Y`. */
  where: string;
  evidence: Record<string, unknown>;
  /** A note for the pass evidence. */
  note?: string;
}

/** The cluster ingress addresses, computed once per target on first need. */
export type IngressLookup = () => Part<IngressAddresses>;

/** Public IPs (and their addresses) that serve a load-balancing rule in the target's MC group. */
export interface IngressAddresses {
  addresses: string[];
  publicIpIds: string[];
}

/** A lazy lookup of the target's ingress addresses. */
export function ingressLookup(ctx: CheckContext): IngressLookup {
  let value: Part<IngressAddresses> | undefined;
  return () => (value ??= ingressAddresses(ctx));
}

/** Judges the inbound internet rules of one NSG: a fail or unknown per offending rule, else one pass. */
export function judgeNsgInbound(nsg: NetworkSecurityGroup, placement: NsgPlacement, settings: NsgSettings, ingress: IngressLookup): CheckResult[] {
  const portsText = `TCP ${settings.ingressPorts.join("/")}`;
  const expected = expectedInbound(settings);
  const { resourceId, where, evidence } = placement;
  const results: CheckResult[] = [];
  const reviewed: Array<Record<string, unknown>> = [];
  for (const allow of internetAllows(nsg, settings.minSourceLength)) {
    const verdict = judgeAllow(allow, settings, ingress);
    reviewed.push({ rule: allow.rule.name, priority: allow.rule.priority, verdict: verdict.summary });
    if (verdict.kind === "ok") continue;
    const rule = allow.rule;
    const ruleId = ruleIdOf(nsg.id, rule);
    const ruleEvidence = {
      ...evidence,
      rule: ruleEvidenceOf(rule),
      ruleId,
      internetSources: allow.internetSources,
      ...(allow.coveredBy.length > 0 ? { partlyTakenByEarlierRules: allow.coveredBy } : {}),
    };
    if (verdict.kind === "unknown") {
      results.push(
        unknownResult(
          resourceId,
          `Rule ${rule.name} (priority ${rule.priority}) of NSG ${nsg.name} on ${where} allows ${verdict.traffic} from the internet ` +
            `to ${verdict.destinations.join(", ")}, and the cluster ingress addresses to compare with could not be read.`,
          verdict.error,
          { item: ruleId, expected, evidence: { ...ruleEvidence, admitted: describeTraffic(allow.admitted) } },
        ),
      );
      continue;
    }
    const what = verdict.describe(allow.internetSources.join(", "));
    results.push({
      status: "fail",
      resourceId,
      item: ruleId,
      message: `Rule ${rule.name} (priority ${rule.priority}) of NSG ${nsg.name} on ${where} allows ${what}.`,
      expected,
      actual: `${rule.name} (${rule.priority}) allows ${what}`,
      evidence: {
        ...ruleEvidence,
        admitted: describeTraffic(allow.admitted),
        beyondIngress: verdict.summary,
        ...verdict.evidence,
        decidedBy: `rule ${rule.name} priority ${rule.priority}: first match for internet traffic ${verdict.summary}`,
      },
    });
  }
  if (results.length > 0) return results;
  const lastRule = inboundRules(nsg).slice(-1)[0];
  return [
    {
      status: "pass",
      resourceId,
      message: `NSG ${nsg.name} on ${where} admits nothing from the internet beyond ${portsText} to the cluster ingress.`,
      expected,
      actual: reviewed.length > 0 ? `internet inbound limited to ${portsText}` : "no internet inbound",
      evidence: {
        ...evidence,
        internetAllowRules: reviewed,
        ...(placement.note !== undefined ? { note: placement.note } : {}),
        decidedBy:
          reviewed.length > 0
            ? `every inbound Allow from the internet is limited to ${portsText} or shadowed by an earlier rule`
            : `no inbound Allow from the internet${lastRule !== undefined ? ` before ${lastRule.name}` : ""}`,
      },
    },
  ];
}

function ruleEvidenceOf(rule: SecurityRule): Record<string, unknown> {
  return {
    name: rule.name,
    priority: rule.priority,
    access: rule.access,
    protocol: rule.protocol,
    sourceAddressPrefixes: rule.sourceAddressPrefixes,
    sourcePortRanges: rule.sourcePortRanges,
    destinationAddressPrefixes: rule.destinationAddressPrefixes,
    destinationPortRanges: rule.destinationPortRanges,
    isDefault: rule.isDefault,
  };
}

type Verdict =
  | { kind: "ok"; summary: string }
  | { kind: "fail"; summary: string; evidence: Record<string, unknown>; describe: (sources: string) => string }
  | { kind: "unknown"; summary: string; traffic: string; destinations: string[]; error: ReadError };

/**
 * An internet Allow is fine when what reaches it is at most TCP 80/443 (the ingress ports) to
 * destinations that are the cluster ingress: `*`, `VirtualNetwork` and other service tags, private
 * prefixes (reached only through a load balancer) or a cluster ingress public IP. Which public IPs
 * exist at all is `mc-group-public-ip`'s job. A public destination that is not an ingress address
 * makes even 80/443 excess.
 */
function judgeAllow(allow: InternetAllow, settings: NsgSettings, ingress: IngressLookup): Verdict {
  if (isNoTraffic(allow.admitted)) {
    return { kind: "ok", summary: `shadowed by ${allow.coveredBy.map((c) => c.name).join(", ")}` };
  }
  const ingressTraffic = { tcp: portsOf(settings.ingressPorts), udp: [], other: [] };
  const beyondPorts = subtractTraffic(allow.admitted, ingressTraffic);
  const onIngressPorts = subtractTraffic(allow.admitted, beyondPorts);
  const destinations = allow.rule.destinationAddressPrefixes.length > 0 ? allow.rule.destinationAddressPrefixes : ["*"];
  const publicDestinations = destinations.filter((d) => parseIpv4Prefix(d) !== undefined && !isNonInternetPrefix(d) && parseIpv4Prefix(d)?.length !== 0);

  let strayDestinations: string[] = [];
  let ingressEvidence: Record<string, unknown> = {};
  if (!isNoTraffic(onIngressPorts) && publicDestinations.length > 0) {
    const known = ingress();
    if (!known.ok) {
      if (isNoTraffic(beyondPorts)) {
        return {
          kind: "unknown",
          summary: "ingress addresses unreadable",
          traffic: describeTraffic(onIngressPorts),
          destinations: publicDestinations,
          error: known.error,
        };
      }
      ingressEvidence = { ingressAddresses: { readError: known.error } };
    } else {
      strayDestinations = publicDestinations.filter((d) => !isIngressAddress(d, known.value.addresses));
      ingressEvidence = { ingressAddresses: known.value.addresses, ingressPublicIpIds: known.value.publicIpIds };
    }
  }
  const beyond = isNoTraffic(beyondPorts) ? undefined : describeTraffic(beyondPorts);
  const stray =
    strayDestinations.length > 0
      ? { traffic: describeTraffic(onIngressPorts), to: `${strayDestinations.join(", ")} (not a cluster ingress address)` }
      : undefined;
  if (beyond === undefined && stray === undefined) {
    return { kind: "ok", summary: `${describeTraffic(onIngressPorts)} to ${destinations.join(", ")}` };
  }
  const summary = [beyond, stray !== undefined ? `${stray.traffic} to ${stray.to}` : undefined].filter((x) => x !== undefined).join("; ");
  return {
    kind: "fail",
    summary,
    describe: (sources) =>
      [beyond !== undefined ? `${beyond} from ${sources}` : undefined, stray !== undefined ? `${stray.traffic} from ${sources} to ${stray.to}` : undefined]
        .filter((x) => x !== undefined)
        .join("; and "),
    evidence: { ...ingressEvidence, ...(stray !== undefined ? { nonIngressDestinations: strayDestinations } : {}) },
  };
}

function isIngressAddress(prefix: string, addresses: string[]): boolean {
  const parsed = parseIpv4Prefix(prefix);
  if (parsed === undefined || parsed.length !== 32) return false;
  const address = prefix.split("/")[0] ?? prefix;
  return addresses.some((a) => sameAddress(a, address));
}

/**
 * The cluster ingress addresses of a target: public IPs of its MC group on load balancer frontends
 * used by load-balancing rules (`mcGroupIngressPublicIps`). An error when the MC group, one of its
 * load balancers or one of those public IPs could not be read.
 */
function ingressAddresses(ctx: CheckContext): Part<IngressAddresses> {
  const mcId = mcGroupIdOf(ctx.snapshot, ctx.target);
  if (!mcId.ok) return mcId;
  const ingress = mcGroupIngressPublicIps(ctx.snapshot, mcId.value);
  if (!ingress.ok) return ingress;
  const addresses: string[] = [];
  for (const entry of ingress.value) {
    if (entry.publicIpError !== undefined) return { ok: false, error: entry.publicIpError };
    if (entry.publicIp?.ipAddress !== undefined) addresses.push(entry.publicIp.ipAddress);
  }
  return { ok: true, value: { addresses, publicIpIds: ingress.value.map((e) => e.publicIpId) } };
}
