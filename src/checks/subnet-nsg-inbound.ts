import type { Part, ReadError, SecurityRule } from "../model/snapshot.js";
import type { Check, CheckContext, CheckResult } from "./lib/types.js";
import { isNonInternetPrefix, parseIpv4Prefix, sameAddress } from "./lib/addresses.js";
import { mcGroupIngressPublicIps } from "./lib/ingress.js";
import { capitalise, nameOf } from "./lib/names.js";
import { describeTraffic, inboundRules, internetAllows, isNoTraffic, ruleIdOf, subtractTraffic } from "./lib/nsg.js";
import type { InternetAllow } from "./lib/nsg.js";
import { integerParam, portListParam } from "./lib/params.js";
import { errorOf, resolve, unknownResult } from "./lib/parts.js";
import { portsOf } from "./lib/ports.js";
import { mcGroupIdOf, subnetOf, targetLabel, targetSubnets } from "./lib/target.js";

const MIN_SOURCE_PARAM = "internetSourceMinPrefixLength";
const INGRESS_PORTS_PARAM = "ingressTcpPorts";
const NIC_NOTE = "NSGs on node NICs are not collected; only the subnet NSG is judged";

/** `subnet-nsg-inbound`: the pool subnet's NSG admits nothing from the internet beyond TCP 80/443 to the ingress. */
export const subnetNsgInbound: Check = {
  meta: {
    id: "subnet-nsg-inbound",
    title: "Pool subnet NSG admits nothing from the internet beyond TCP 80/443 to the cluster ingress",
    defaultSeverity: "medium",
    risk:
      "An inbound Allow from the internet on other ports (SSH, RDP, Kubernetes node ports) or to addresses other " +
      "than the cluster ingress exposes nodes and services to scanning and attack.",
    remediation:
      "Delete or narrow the rule (az network nsg rule delete -g <rg> --nsg-name <nsg> -n <rule>, or az network nsg rule " +
      "update -g <rg> --nsg-name <nsg> -n <rule> --source-address-prefixes <trusted ranges> --destination-port-ranges 443); " +
      "if an NSG is required and missing, create one and associate it with the pool subnet (az network nsg create -g <rg> " +
      "-n <nsg>; az network vnet subnet update -g <rg> --vnet-name <vnet> -n <subnet> --network-security-group <nsg>).",
    requires: ["pools", "aksClusters", "subnets", "networkSecurityGroups", "mcGroups", "loadBalancers", "publicIps"],
    parameters: [
      {
        name: MIN_SOURCE_PARAM,
        description:
          "A public (non-RFC 1918) source prefix shorter than this length counts as the internet, like `*`, `Internet` " +
          "and 0.0.0.0/0 (catches 0.0.0.0/1 + 128.0.0.0/1); narrower public prefixes are deliberate exceptions.",
        default: 8,
      },
      {
        name: INGRESS_PORTS_PARAM,
        description: "TCP ports the internet may reach on the cluster ingress addresses (HDInsight on AKS needs 80 and 443).",
        default: [80, 443],
      },
    ],
  },
  evaluate(ctx: CheckContext): CheckResult[] {
    const { snapshot, target } = ctx;
    const subnets = targetSubnets(snapshot, target);
    if (!subnets.ok) {
      return [
        unknownResult(
          target.id,
          `The subnet of ${targetLabel(target)} could not be determined, so its NSG could not be checked.`,
          subnets.error,
          { expected: "no internet inbound beyond TCP 80/443", evidence: { targetId: target.id } },
        ),
      ];
    }
    // An AKS-managed VNet has no customer subnet: its NSG is AKS's own, in the MC group (not judged).
    return subnets.value.ids.flatMap((subnetId) => judgeSubnet(ctx, subnetId));
  },
};

interface Settings {
  minSourceLength: number;
  ingressPorts: number[];
}

function settingsOf(params: Record<string, unknown>): Settings {
  return { minSourceLength: integerParam(params, MIN_SOURCE_PARAM, 0, 33), ingressPorts: portListParam(params, INGRESS_PORTS_PARAM) };
}

function judgeSubnet(ctx: CheckContext, subnetId: string): CheckResult[] {
  const { snapshot, target, baseline } = ctx;
  const settings = settingsOf(ctx.params);
  const portsText = `TCP ${settings.ingressPorts.join("/")}`;
  const expected = `no internet inbound beyond ${portsText}`;
  const lower = `subnet ${nameOf(subnetId)} of ${targetLabel(target)}`;
  const evidence: Record<string, unknown> = { targetId: target.id, subnetId };

  const subnet = subnetOf(snapshot, subnetId);
  if (!subnet.ok) {
    return [unknownResult(subnetId, `${capitalise(lower)} could not be read, so its NSG could not be checked.`, subnet.error, { expected, evidence })];
  }
  const nsgId = subnet.value.networkSecurityGroupId;
  if (nsgId === undefined || nsgId === "") {
    if (baseline.rules.requireNsg === true) {
      return [
        {
          status: "fail",
          resourceId: subnetId,
          message: `${capitalise(lower)} has no network security group, but the baseline requires one.`,
          expected: "an NSG on the subnet",
          actual: "no NSG",
          evidence: { ...evidence, networkSecurityGroupId: null, decidedBy: "subnet has no networkSecurityGroup; baseline requireNsg" },
        },
      ];
    }
    return [
      {
        status: "pass",
        resourceId: subnetId,
        message: `${capitalise(lower)} has no network security group, which the baseline does not require.`,
        expected,
        actual: "no NSG (not required)",
        evidence: {
          ...evidence,
          networkSecurityGroupId: null,
          note:
            "AKS has no inbound requirement and NSGs cannot lock down FQDN-based egress; set requireNsg in the baseline to require one. " +
            NIC_NOTE,
          decidedBy: "subnet has no networkSecurityGroup; baseline does not set requireNsg",
        },
      },
    ];
  }
  evidence.networkSecurityGroupId = nsgId;
  const nsgPart = resolve(snapshot.networkSecurityGroups, nsgId, `network security group ${nsgId}`);
  if (!nsgPart.ok) {
    return [
      unknownResult(subnetId, `NSG ${nameOf(nsgId)} of ${lower} could not be read.`, errorOf(nsgPart, nsgId), { expected, evidence }),
    ];
  }
  const nsg = nsgPart.value;
  const ingress = lazy(() => ingressAddresses(ctx));
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
          subnetId,
          `Rule ${rule.name} (priority ${rule.priority}) of NSG ${nsg.name} on ${lower} allows ${verdict.traffic} from the internet ` +
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
      resourceId: subnetId,
      item: ruleId,
      message: `Rule ${rule.name} (priority ${rule.priority}) of NSG ${nsg.name} on ${lower} allows ${what}.`,
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
      resourceId: subnetId,
      message: `NSG ${nsg.name} on ${lower} admits nothing from the internet beyond ${portsText} to the cluster ingress.`,
      expected,
      actual: reviewed.length > 0 ? `internet inbound limited to ${portsText}` : "no internet inbound",
      evidence: {
        ...evidence,
        internetAllowRules: reviewed,
        note: NIC_NOTE,
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
function judgeAllow(allow: InternetAllow, settings: Settings, ingress: () => Part<IngressAddresses>): Verdict {
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

interface IngressAddresses {
  addresses: string[];
  publicIpIds: string[];
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

function lazy<T>(compute: () => T): () => T {
  let done = false;
  let value: T | undefined;
  return () => {
    if (!done) {
      value = compute();
      done = true;
    }
    return value as T;
  };
}
