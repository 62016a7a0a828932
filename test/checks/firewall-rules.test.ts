/**
 * Firewall rule semantics (src/checks/firewall-rules.ts) and the paths of the two firewall checks
 * that case files cannot express (no result at all, mixed pass/unknown, parameter errors).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { emptyBaseline } from "../../src/baseline/baseline.js";
import type { Baseline } from "../../src/baseline/baseline.js";
import { destinationMatch, effectiveRuleSet, evaluateRequirement, findOverbroadRules, firewallScopes, formatInterval, fqdnCovers, intervalsCover, intervalsIntersect, parseAddressEntry, parsePortRange, portRangeWidth, regionOf, serviceTagCovers, subtractIntervals } from "../../src/checks/firewall-rules.js";
import type { EffectiveRuleSet, EgressRequirement, Interval } from "../../src/checks/firewall-rules.js";
import type { ApplicationRule, AzureFirewall, FirewallPolicy, NetworkRule, RuleCollection, Snapshot } from "../../src/model/snapshot.js";
import { emptySnapshot } from "../../src/model/snapshot.js";
import { normalizeFirewall, normalizeRuleCollectionGroup } from "../../src/collect/normalize.js";
import { caseFixture as fixture, runCheck as run } from "./case-files.js";

const HUB = "/subscriptions/8c0d5e21-4a6f-4b3c-a1d9-6e7f2b8c9d04/resourceGroups/rg-hub-weu/providers/Microsoft.Network";
const POLICY = `${HUB}/firewallPolicies/fwp-child`;
const PARENT = `${HUB}/firewallPolicies/fwp-parent`;
const IPG = `${HUB}/ipGroups/ipg-pools`;
const POOL = ["10.20.0.0/22"];

function net(name: string, over: Partial<NetworkRule> = {}): NetworkRule {
  return {
    ruleType: "NetworkRule",
    name,
    ipProtocols: ["TCP"],
    sourceAddresses: ["*"],
    sourceIpGroups: [],
    destinationAddresses: [],
    destinationIpGroups: [],
    destinationFqdns: [],
    destinationPorts: ["443"],
    ...over,
  };
}
function app(name: string, over: Partial<ApplicationRule> = {}): ApplicationRule {
  return {
    ruleType: "ApplicationRule",
    name,
    sourceAddresses: ["*"],
    sourceIpGroups: [],
    protocols: [{ protocolType: "Https", port: 443 }],
    targetFqdns: [],
    fqdnTags: [],
    webCategories: [],
    targetUrls: [],
    ...over,
  };
}
function coll(name: string, priority: number, action: string, rules: RuleCollection["rules"]): RuleCollection {
  return { name, priority, kind: "FirewallPolicyFilterRuleCollection", action, rules };
}
function policy(id: string, groups: [string, number, RuleCollection[]][], basePolicyId?: string): FirewallPolicy {
  const p: FirewallPolicy = {
    id,
    name: id.split("/").pop() ?? id,
    ruleCollectionGroups: groups.map(([name, priority, ruleCollections]) => ({ id: `${id}/ruleCollectionGroups/${name}`, name, priority, ruleCollections })),
  };
  if (basePolicyId !== undefined) p.basePolicyId = basePolicyId;
  return p;
}
function fw(over: Partial<AzureFirewall> = {}): AzureFirewall {
  return { id: `${HUB}/azureFirewalls/fw-hub`, name: "fw-hub", provisioningState: "Succeeded", privateIpAddresses: ["10.0.1.4"], publicIpIds: [], firewallPolicyId: POLICY, ...over };
}
function snapshotWith(policies: FirewallPolicy[], extra: Partial<Snapshot> = {}): Snapshot {
  const s = { ...emptySnapshot(), ...extra };
  for (const p of policies) s.firewallPolicies[p.id.toLowerCase()] = { ok: true, value: p };
  return s;
}
function ruleSet(snapshot: Snapshot, firewall: AzureFirewall = fw()): EffectiveRuleSet {
  const set = effectiveRuleSet(snapshot, firewall);
  if (!set.ok) throw new Error(`rule set unreadable: ${set.error.message}`);
  return set.value;
}
const https = (destination: string): EgressRequirement => ({ kind: "fqdn", destination, protocol: "Https", port: 443 });
const iv = (text: string): Interval => {
  const i = parseAddressEntry(text);
  if (i === undefined) throw new Error(text);
  return i;
};

describe("addresses, ports, FQDNs, tags", () => {
  it("parses prefixes, single addresses, ranges and *", () => {
    expect(parseAddressEntry("10.20.0.0/22")).toEqual({ lo: iv("10.20.0.0").lo, hi: iv("10.20.3.255").hi });
    expect(parseAddressEntry("10.1.4.12-10.1.4.255")).toEqual({ lo: iv("10.1.4.12").lo, hi: iv("10.1.4.255").lo });
    expect(parseAddressEntry("*")).toEqual({ lo: 0, hi: 2 ** 32 - 1 });
    expect(parseAddressEntry("10.1.4.255-10.1.4.12")).toBeUndefined();
    expect(parseAddressEntry("AzureCloud.WestEurope")).toBeUndefined();
  });

  it("covers, intersects and subtracts interval sets", () => {
    expect(intervalsCover([iv("10.20.0.0/23"), iv("10.20.2.0/23")], [iv("10.20.0.0/22")])).toBe(true);
    expect(intervalsCover([iv("10.20.0.0/23")], [iv("10.20.0.0/22")])).toBe(false);
    expect(intervalsIntersect([iv("10.1.4.12-10.1.4.255")], [iv("10.1.4.0/24")])).toBe(true);
    expect(intervalsIntersect([iv("10.2.4.12-10.2.4.255")], [iv("10.1.4.0/24")])).toBe(false);
    expect(subtractIntervals([iv("10.20.0.0/22")], [iv("10.20.0.0/23")]).map(formatInterval)).toEqual(["10.20.2.0/23"]);
    expect(subtractIntervals([iv("10.1.4.0/24")], [iv("10.1.4.12-10.1.4.255")]).map(formatInterval)).toEqual(["10.1.4.0-10.1.4.11"]);
  });

  it("reads port ranges and their width", () => {
    expect(parsePortRange("11000-11999")).toEqual({ lo: 11000, hi: 11999 });
    expect(parsePortRange("*")).toEqual({ lo: 1, hi: 65535 });
    expect(parsePortRange("70000")).toBeUndefined();
    expect(portRangeWidth("*")).toBe(65535);
    expect(portRangeWidth("11000-11999")).toBe(1000);
    expect(portRangeWidth("443")).toBe(1);
    expect(portRangeWidth("https")).toBe(0);
  });

  it("matches FQDN wildcards like Azure Firewall", () => {
    expect(fqdnCovers("*.blob.core.windows.net", "x.blob.core.windows.net")).toBe(true);
    expect(fqdnCovers("*.blob.core.windows.net", "a.b.blob.core.windows.net")).toBe(true);
    expect(fqdnCovers("*.blob.core.windows.net", "blob.core.windows.net")).toBe(false);
    expect(fqdnCovers("*.blob.core.windows.net", "*.blob.core.windows.net")).toBe(true);
    expect(fqdnCovers("*.core.windows.net", "*.blob.core.windows.net")).toBe(true);
    expect(fqdnCovers("x.blob.core.windows.net", "*.blob.core.windows.net")).toBe(false);
    expect(fqdnCovers("*.graph.microsoft.com", "graph.microsoft.com")).toBe(false);
    expect(fqdnCovers("Graph.Microsoft.com.", "graph.microsoft.com")).toBe(true);
    expect(fqdnCovers("*", "anything.example")).toBe(true);
    expect(fqdnCovers("*", "*.blob.core.windows.net")).toBe(true);
  });

  it("compares service tags case-insensitively, broader tags cover regional ones", () => {
    expect(serviceTagCovers("AzureCloud.EastUS", "AzureCloud.eastus")).toBe(true);
    expect(serviceTagCovers("AzureCloud", "AzureCloud.eastus")).toBe(true);
    expect(serviceTagCovers("AzureCloud.WestUS", "AzureCloud.eastus")).toBe(false);
    expect(serviceTagCovers("AzureCloud.eastus", "AzureCloud")).toBe(false);
    expect(serviceTagCovers("Azure", "AzureCloud.eastus")).toBe(false);
    expect(regionOf("East US")).toBe("eastus");
    expect(regionOf("westeurope")).toBe("westeurope");
  });
});

describe("effective rule set", () => {
  const s = snapshotWith([
    policy(
      POLICY,
      [
        ["rcg-late", 300, [coll("net-late", 100, "Allow", [net("n-late")]), coll("app-late", 100, "Allow", [app("a-late")])]],
        ["rcg-early", 100, [coll("app-b", 200, "Allow", [app("a-b")]), coll("app-a", 100, "Allow", [app("a-a")]), coll("dnat", 50, "Dnat", [{ ruleType: "NatRule", name: "dnat-1" }])]],
      ],
      PARENT,
    ),
    policy(PARENT, [["rcg-parent", 60000, [coll("parent-app", 60000, "Allow", [app("a-parent")]), coll("parent-net", 60000, "Deny", [net("n-parent")])]]]),
  ]);

  it("orders network before application, parent before child, then group and collection priority; skips DNAT", () => {
    const set = ruleSet(s);
    expect(set.kind).toBe("policy");
    expect(set.policyChain).toEqual([PARENT, POLICY]);
    expect(set.rules.map((r) => r.ref.rule)).toEqual(["n-parent", "n-late", "a-parent", "a-a", "a-b", "a-late"]);
    const parentRule = set.rules.find((r) => r.ref.rule === "a-parent");
    expect(parentRule?.ref).toMatchObject({ inherited: true, policyId: PARENT, path: "fwp-parent/rcg-parent/parent-app/a-parent" });
    expect(set.rules.find((r) => r.ref.rule === "n-parent")?.ref.action).toBe("Deny");
  });

  it("uses classic collections on a firewall without a policy, network first", () => {
    const classic = fw({
      firewallPolicyId: undefined,
      classicRuleCollections: [
        { name: "apps", priority: 100, kind: "ClassicApplication", action: "Allow", rules: [app("a1")] },
        { name: "nets-200", priority: 200, kind: "ClassicNetwork", action: "Allow", rules: [net("n200")] },
        { name: "nets-110", priority: 110, kind: "ClassicNetwork", action: "Deny", rules: [net("n110")] },
      ],
    });
    delete classic.firewallPolicyId;
    const set = ruleSet(emptySnapshot(), classic);
    expect(set.kind).toBe("classic");
    expect(set.resourceId).toBe(classic.id);
    expect(set.rules.map((r) => r.ref.path)).toEqual([
      "fw-hub/networkRuleCollections/nets-110/n110",
      "fw-hub/networkRuleCollections/nets-200/n200",
      "fw-hub/applicationRuleCollections/apps/a1",
    ]);
  });

  it("fails on an unreadable parent and on a loop", () => {
    const missingParent = effectiveRuleSet(snapshotWith([policy(POLICY, [], PARENT)]), fw());
    expect(missingParent.ok).toBe(false);
    if (!missingParent.ok) {
      expect(missingParent.error.code).toBe("NotCollected");
      expect(missingParent.policyChain).toEqual([POLICY, PARENT]);
      expect(missingParent.resourceId).toBe(POLICY);
    }
    const loop = effectiveRuleSet(snapshotWith([policy(POLICY, [], PARENT), policy(PARENT, [], POLICY)]), fw());
    expect(loop.ok || loop.error.code).toBe("PolicyChainInvalid");
  });
});

describe("required egress evaluation", () => {
  const judge = (collections: RuleCollection[], req: EgressRequirement, extra: Partial<Snapshot> = {}, prefixes = POOL) => {
    const s = snapshotWith([policy(POLICY, [["rcg", 100, collections]])], extra);
    return evaluateRequirement(s, ruleSet(s), req, prefixes);
  };

  it("first match wins: a deny before the allow makes it missing, an allow before the deny passes", () => {
    const deny = coll("deny", 100, "Deny", [app("deny-core", { targetFqdns: ["*.core.windows.net"] })]);
    const allow = coll("allow", 200, "Allow", [app("allow-blob", { targetFqdns: ["*.blob.core.windows.net"] })]);
    const denied = judge([deny, allow], https("*.blob.core.windows.net"));
    expect(denied.status).toBe("denied");
    expect(denied.deniedBy?.path).toBe("fwp-child/rcg/deny/deny-core");
    const allowed = judge([{ ...deny, priority: 300 }, allow], https("*.blob.core.windows.net"));
    expect(allowed.status).toBe("allowed");
    expect(allowed.allowedBy.map((r) => r.rule)).toEqual(["allow-blob"]);
  });

  it("network rules come before application rules whatever the priorities", () => {
    const appAllow = coll("app", 100, "Allow", [app("allow-graph", { targetFqdns: ["graph.microsoft.com"] })]);
    const netDeny = coll("net", 60000, "Deny", [net("deny-443", { destinationAddresses: ["*"] })]);
    expect(judge([appAllow, netDeny], https("graph.microsoft.com")).status).toBe("denied");
  });

  it("a deny narrower than the requirement does not shadow it", () => {
    const deny = coll("deny", 100, "Deny", [app("deny-one", { targetFqdns: ["evil.blob.core.windows.net"] })]);
    const allow = coll("allow", 200, "Allow", [app("allow-blob", { targetFqdns: ["*.blob.core.windows.net"] })]);
    expect(judge([deny, allow], https("*.blob.core.windows.net")).status).toBe("allowed");
  });

  it("sources must cover the pool prefixes, possibly across several allow rules", () => {
    const half = coll("a", 100, "Allow", [app("low", { sourceAddresses: ["10.20.0.0/23"], targetFqdns: ["graph.microsoft.com"] })]);
    const missing = judge([half], https("graph.microsoft.com"));
    expect(missing.status).toBe("missing");
    expect(missing.uncovered).toEqual(["10.20.2.0/23"]);
    const other = coll("b", 200, "Allow", [app("high", { sourceAddresses: ["10.20.2.0-10.20.3.255"], targetFqdns: ["graph.microsoft.com"] })]);
    expect(judge([half, other], https("graph.microsoft.com")).status).toBe("allowed");
  });

  it("a deny touching part of the pool counts as missing for those nodes", () => {
    const deny = coll("deny", 100, "Deny", [net("deny-some", { sourceAddresses: ["10.20.3.0-10.20.3.9"], destinationAddresses: ["*"], destinationPorts: ["443-444"] })]);
    const allow = coll("allow", 200, "Allow", [app("allow-graph", { targetFqdns: ["graph.microsoft.com"] })]);
    expect(judge([deny, allow], https("graph.microsoft.com")).status).toBe("denied");
    const otherPool = judge([deny, allow], https("graph.microsoft.com"), {}, ["10.30.0.0/24"]);
    expect(otherPool.status).toBe("allowed");
  });

  it("matches protocols and ports", () => {
    const http80 = coll("a", 100, "Allow", [app("tag", { protocols: [{ protocolType: "Http", port: 80 }], fqdnTags: ["AzureKubernetesService"] })]);
    const tag: EgressRequirement = { kind: "fqdnTag", destination: "AzureKubernetesService", protocol: "Https", port: 443 };
    expect(judge([http80], tag).status).toBe("missing");
    const https443 = coll("a", 100, "Allow", [app("tag", { fqdnTags: ["azurekubernetesservice"] })]);
    expect(judge([https443], tag).status).toBe("allowed");
    const sql: EgressRequirement = { kind: "fqdn", destination: "*.database.windows.net", protocol: "Mssql", port: 1433 };
    expect(judge([coll("a", 100, "Allow", [app("sql", { protocols: [{ protocolType: "Mssql", port: 1433 }], targetFqdns: ["*.database.windows.net"] })])], sql).status).toBe("allowed");
    expect(judge([coll("a", 100, "Allow", [app("sql", { targetFqdns: ["*.database.windows.net"] })])], sql).status).toBe("missing");
  });

  it("accepts an API server FQDN through a network FQDN rule or an Https application rule", () => {
    const api: EgressRequirement = { kind: "fqdn", destination: "pool-dns-1.hcp.westeurope.azmk8s.io", protocol: "TCP", port: 443 };
    expect(judge([coll("n", 100, "Allow", [net("api", { destinationFqdns: ["pool-dns-1.hcp.westeurope.azmk8s.io"] })])], api).status).toBe("allowed");
    expect(judge([coll("a", 100, "Allow", [app("api", { targetFqdns: ["*.hcp.westeurope.azmk8s.io"] })])], api).status).toBe("allowed");
    expect(judge([coll("n", 100, "Allow", [net("api", { ipProtocols: ["UDP"], destinationFqdns: ["pool-dns-1.hcp.westeurope.azmk8s.io"] })])], api).status).toBe("missing");
  });

  it("judges service tags, broad destinations and port ranges in network rules", () => {
    const udp: EgressRequirement = { kind: "serviceTag", destination: "AzureCloud.eastus", protocol: "UDP", port: 1194 };
    expect(judge([coll("n", 100, "Allow", [net("t", { ipProtocols: ["Any"], destinationAddresses: ["AzureCloud"], destinationPorts: ["1000-2000"] })])], udp).status).toBe("allowed");
    expect(judge([coll("n", 100, "Allow", [net("t", { ipProtocols: ["TCP"], destinationAddresses: ["AzureCloud.EastUS"], destinationPorts: ["1194"] })])], udp).status).toBe("missing");
    expect(judge([coll("n", 100, "Allow", [net("t", { ipProtocols: ["UDP"], destinationAddresses: ["20.0.0.0/8"], destinationPorts: ["1194"] })])], udp).status).toBe("missing");
    expect(judge([coll("n", 100, "Allow", [net("t", { destinationAddresses: ["*"] })])], https("graph.microsoft.com")).status).toBe("allowed");
    // An application rule never carries a service tag.
    expect(judge([coll("a", 100, "Allow", [app("star", { targetFqdns: ["*"] })])], { ...udp, protocol: "TCP", port: 443 }).status).toBe("missing");
    const redirect: EgressRequirement = { kind: "serviceTag", destination: "Sql.eastus", protocol: "TCP", port: 11000, portEnd: 11999 };
    expect(judge([coll("n", 100, "Allow", [net("s", { destinationAddresses: ["Sql.EastUS"], destinationPorts: ["11000-11500", "11501-11999"] })])], redirect).status).toBe("allowed");
    expect(judge([coll("n", 100, "Allow", [net("s", { destinationAddresses: ["Sql.EastUS"], destinationPorts: ["11000-11500"] })])], redirect).status).toBe("missing");
    const denyOne = coll("d", 50, "Deny", [net("d", { destinationAddresses: ["*"], destinationPorts: ["11998"] })]);
    expect(judge([denyOne, coll("n", 100, "Allow", [net("s", { destinationAddresses: ["Sql.EastUS"], destinationPorts: ["11000-11999"] })])], redirect).status).toBe("denied");
  });

  it("resolves IP groups; an unreadable one makes the result unknown only when it could change it", () => {
    const group = { id: IPG, name: "ipg-pools", ipAddresses: ["10.20.0.0/22"] };
    const viaGroup = coll("a", 100, "Allow", [app("g", { sourceAddresses: [], sourceIpGroups: [IPG], targetFqdns: ["graph.microsoft.com"] })]);
    expect(judge([viaGroup], https("graph.microsoft.com"), { ipGroups: { [IPG.toLowerCase()]: { ok: true, value: group } } }).status).toBe("allowed");

    const unreadable = { ipGroups: { [IPG.toLowerCase()]: { ok: false as const, error: { code: "AuthorizationFailed", message: "no", scope: IPG } } } };
    const unknown = judge([viaGroup], https("graph.microsoft.com"), unreadable);
    expect(unknown.status).toBe("unknown");
    expect(unknown.errors[0]?.code).toBe("AuthorizationFailed");

    // An undecidable deny before a definite allow: unknown. An undecidable allow before a definite allow: still allowed.
    const denyViaGroup = coll("d", 50, "Deny", [app("d", { sourceAddresses: [], sourceIpGroups: [IPG], targetFqdns: ["*"] })]);
    const allowAll = coll("z", 300, "Allow", [app("all", { targetFqdns: ["graph.microsoft.com"] })]);
    expect(judge([denyViaGroup, allowAll], https("graph.microsoft.com"), unreadable).status).toBe("unknown");
    expect(judge([viaGroup, allowAll], https("graph.microsoft.com"), unreadable).status).toBe("allowed");
    // An undecidable deny before nothing at all: missing either way.
    expect(judge([denyViaGroup], https("graph.microsoft.com"), unreadable).status).toBe("missing");

    // Destination IP groups decide address requirements.
    const addr: EgressRequirement = { kind: "address", destination: "203.0.113.10", protocol: "TCP", port: 8443 };
    const toGroup = coll("n", 100, "Allow", [net("g", { destinationIpGroups: [IPG], destinationPorts: ["8443"] })]);
    const mirrorGroup = { ipGroups: { [IPG.toLowerCase()]: { ok: true as const, value: { ...group, ipAddresses: ["203.0.113.0/24"] } } } };
    expect(judge([toGroup], addr, mirrorGroup).status).toBe("allowed");
    expect(judge([toGroup], addr, unreadable).status).toBe("unknown");
  });

  it("destinationMatch alone ignores sources", () => {
    const s = emptySnapshot();
    expect(destinationMatch(s, app("x", { sourceAddresses: ["192.0.2.1"], targetFqdns: ["graph.microsoft.com"] }), https("graph.microsoft.com")).kind).toBe("yes");
    expect(destinationMatch(s, net("x", { destinationAddresses: ["Internet"] }), https("graph.microsoft.com")).kind).toBe("yes");
    expect(destinationMatch(s, net("x", { destinationAddresses: ["Internet"] }), { kind: "address", destination: "10.1.2.3", protocol: "TCP", port: 443 }).kind).toBe("no");
  });
});

describe("over-broad allow rules", () => {
  const scan = (collections: RuleCollection[], maxWidth = 1000, extra: Partial<Snapshot> = {}, parent?: FirewallPolicy) => {
    const s = snapshotWith([policy(POLICY, [["rcg", 100, collections]], parent?.id), ...(parent ? [parent] : [])], extra);
    return findOverbroadRules(s, ruleSet(s), POOL, maxWidth);
  };

  it("flags target FQDN *, destination */0.0.0.0/0/Internet, split defaults and wide port ranges", () => {
    const result = scan([
      coll("c", 100, "Allow", [
        app("fqdn-star", { targetFqdns: ["*"] }),
        app("tag-only", { fqdnTags: ["AzureKubernetesService"] }),
        net("dest-star", { destinationAddresses: ["*"] }),
        net("dest-default", { destinationAddresses: ["0.0.0.0/0"] }),
        net("dest-internet", { destinationAddresses: ["Internet"] }),
        net("split", { destinationAddresses: ["0.0.0.0/1", "128.0.0.0/1"] }),
        net("wide", { destinationAddresses: ["AzureCloud"], destinationPorts: ["1-2000"] }),
        net("sql", { destinationAddresses: ["Sql.EastUS"], destinationPorts: ["11000-11999"] }),
        net("icmp", { ipProtocols: ["ICMP"], destinationAddresses: ["10.0.0.0/8"], destinationPorts: ["*"] }),
      ]),
    ]);
    expect(result.rules.map((r) => [r.ref.rule, r.status])).toEqual([
      ["dest-star", "fail"],
      ["dest-default", "fail"],
      ["dest-internet", "fail"],
      ["split", "fail"],
      ["wide", "fail"],
      ["fqdn-star", "fail"],
    ]);
    expect(result.rules.find((r) => r.ref.rule === "wide")?.reasons).toEqual(["port range 1-2000 (2000 ports)"]);
    expect(scan([coll("c", 100, "Allow", [net("sql", { destinationAddresses: ["Sql.EastUS"], destinationPorts: ["11000-11999"] })])], 999).rules).toHaveLength(1);
  });

  it("ignores deny rules and rules whose source does not touch the pool", () => {
    const result = scan([
      coll("d", 100, "Deny", [net("deny-star", { destinationAddresses: ["*"], destinationPorts: ["*"] })]),
      coll("a", 200, "Allow", [net("other-subnet", { sourceAddresses: ["10.99.0.0/24"], destinationAddresses: ["*"] })]),
    ]);
    expect(result.rules).toEqual([]);
    const partial = scan([coll("a", 200, "Allow", [net("overlap", { sourceAddresses: ["10.20.3.0/24"], destinationAddresses: ["*"] })])]);
    expect(partial.rules.map((r) => r.status)).toEqual(["fail"]);
  });

  it("skips rules shadowed by an earlier deny-everything rule, and only for the protocols it denies", () => {
    const denyTcp = coll("d", 100, "Deny", [net("deny-tcp", { sourceAddresses: ["10.0.0.0/8"], destinationAddresses: ["*"], destinationPorts: ["*"] })]);
    const result = scan([
      denyTcp,
      coll("a", 200, "Allow", [net("tcp-any", { destinationAddresses: ["*"] }), net("udp-any", { ipProtocols: ["UDP"], destinationAddresses: ["*"] })]),
      coll("w", 300, "Allow", [app("web-any", { targetFqdns: ["*"] })]),
    ]);
    expect(result.rules.map((r) => r.ref.rule)).toEqual(["udp-any"]);
    expect(result.shadowed.map((r) => [r.ref.rule, r.shadowedBy])).toEqual([
      ["tcp-any", "fwp-child/rcg/d/deny-tcp"],
      ["web-any", "fwp-child/rcg/d/deny-tcp"],
    ]);
  });

  it("reports an inherited rule on the parent policy; unreadable IP groups make it unknown", () => {
    const parent = policy(PARENT, [["rcg-p", 100, [coll("p", 100, "Allow", [net("p-any", { destinationAddresses: ["*"] })])]]]);
    const inherited = scan([], 1000, {}, parent);
    expect(inherited.rules[0]?.ref).toMatchObject({ policyId: PARENT, inherited: true, path: "fwp-parent/rcg-p/p/p-any" });

    const unreadable = { ipGroups: { [IPG.toLowerCase()]: { ok: false as const, error: { code: "AuthorizationFailed", message: "no", scope: IPG } } } };
    const viaSource = scan([coll("a", 100, "Allow", [net("src-group", { sourceAddresses: [], sourceIpGroups: [IPG], destinationAddresses: ["*"] })])], 1000, unreadable);
    expect(viaSource.rules.map((r) => r.status)).toEqual(["unknown"]);
    const viaDest = scan([coll("a", 100, "Allow", [net("dst-group", { destinationIpGroups: [IPG] })])], 1000, unreadable);
    expect(viaDest.rules.map((r) => r.status)).toEqual(["unknown"]);
    const narrowSource = scan([coll("a", 100, "Allow", [net("narrow", { sourceAddresses: [], sourceIpGroups: [IPG], destinationAddresses: ["10.0.0.0/8"] })])], 1000, unreadable);
    expect(narrowSource.rules).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Which firewall, and the check paths case files cannot express
// ---------------------------------------------------------------------------------------------

const FRE = "firewall-required-egress";
const FOB = "firewall-overbroad-allow";

describe("which firewall judges a target", () => {
  it("follows the default route's next hop, or the baseline firewall", () => {
    const { snapshot, target } = fixture(FRE, "pass-udr-pool-spark-complete-policy");
    const found = firewallScopes(snapshot, target, {});
    expect(found.problems).toEqual([]);
    expect(found.scopes.map((s) => [s.firewall.name, s.prefixes])).toEqual([["fw-hub-weu", ["10.20.0.0/22"]]]);

    const other = `${HUB}/azureFirewalls/fw-other`;
    snapshot.firewalls[other.toLowerCase()] = { ok: true, value: fw({ id: other, name: "fw-other", privateIpAddresses: ["10.9.9.9"] }) };
    const byBaseline = firewallScopes(snapshot, target, { firewallResourceId: other });
    expect(byBaseline.scopes.map((s) => s.firewall.name)).toEqual(["fw-other"]);
    expect(byBaseline.scopes[0]?.foundBy[0]).toContain("baseline firewallResourceId");
  });

  it("does not apply to a loadBalancer target without an appliance default route", () => {
    const { snapshot, target } = fixture(FRE, "pass-udr-pool-spark-complete-policy");
    if (target.pool === undefined) throw new Error("no pool");
    target.pool.outboundType = "loadBalancer";
    for (const rt of Object.values(snapshot.routeTables)) if (rt.ok) rt.value.routes = [];
    expect(firewallScopes(snapshot, target, {})).toMatchObject({ scopes: [], problems: [] });
    expect(run(FRE, snapshot, target)).toEqual([]);
    expect(run(FOB, snapshot, target)).toEqual([]);
    // The same loadBalancer target with an appliance route is judged.
    const again = fixture(FRE, "pass-udr-pool-spark-complete-policy");
    if (again.target.pool === undefined) throw new Error("no pool");
    again.target.pool.outboundType = "loadBalancer";
    expect(run(FRE, again.snapshot, again.target).every((r) => r.status === "pass")).toBe(true);
  });

  it("reports unknown when the next hop is no Azure Firewall or a required subnet has no appliance route", () => {
    const { snapshot, target } = fixture(FRE, "pass-udr-pool-spark-complete-policy");
    for (const rt of Object.values(snapshot.routeTables)) if (rt.ok) for (const r of rt.value.routes) r.nextHopIpAddress = "10.0.9.9";
    const nva = run(FRE, snapshot, target);
    expect(nva.map((r) => [r.status, r.actual])).toEqual([["unknown", "unknown (FirewallNotFound)"]]);
    // A baseline-approved appliance has no rules to read: the checks do not apply to that subnet.
    const approved: Baseline = { schemaVersion: 1, defaults: { approvedApplianceIps: ["10.0.9.9"] } };
    expect(run(FRE, snapshot, target, approved)).toEqual([]);
    expect(run(FOB, snapshot, target, approved)).toEqual([]);
    for (const rt of Object.values(snapshot.routeTables)) if (rt.ok) rt.value.routes = [];
    expect(run(FOB, snapshot, target).map((r) => r.actual)).toEqual(["unknown (NoFirewallRoute)"]);
  });
});

describe("firewall-required-egress paths", () => {
  it("reports the API server unknown when the AKS cluster cannot be read, and judges the rest", () => {
    const { snapshot, target } = fixture(FRE, "pass-udr-pool-spark-complete-policy");
    for (const key of Object.keys(snapshot.aksClusters)) {
      snapshot.aksClusters[key] = { ok: false, error: { code: "AuthorizationFailed", message: "no", scope: key } };
    }
    const results = run(FRE, snapshot, target);
    const api = results.find((r) => r.item === "aks-api-server TCP:443");
    expect(api?.status).toBe("unknown");
    expect(api?.actual).toBe("unknown (AuthorizationFailed)");
    expect(results.filter((r) => r.status === "pass")).toHaveLength(13);
  });

  it("judges every cluster-type extra when the clusters cannot be read: allowed passes, missing is unknown", () => {
    const { snapshot, target } = fixture(FRE, "fail-trino-sql-redirect-partial-range");
    target.clusters = { ok: false, error: { code: "ResourceNotFound", message: "gone", scope: target.id } };
    const results = run(FRE, snapshot, target);
    const byItem = new Map(results.map((r) => [r.item, r.status]));
    expect(byItem.get("fqdn *.dfs.core.windows.net Https:443")).toBe("pass");
    expect(byItem.get("fqdn *.database.windows.net Mssql:1433")).toBe("pass");
    expect(byItem.get("serviceTag sql.westeurope TCP:11000-11999")).toBe("unknown");
    expect(byItem.get("serviceTag storage.westeurope TCP:445")).toBe("unknown");
    expect(results.some((r) => r.status === "fail")).toBe(false);
  });

  it("names both needs of a shared dependency and drops the Hive ones on request", () => {
    const { snapshot, target } = fixture(FRE, "fail-spark-extras-missing");
    const all = run(FRE, snapshot, target);
    expect(all.map((r) => r.item)).toContain("serviceTag sql.westeurope TCP:11000-11999");
    const noHive = run(FRE, snapshot, target, emptyBaseline, { includeHiveDependencies: false });
    expect(noHive.map((r) => r.item)).not.toContain("serviceTag sql.westeurope TCP:11000-11999");
    expect(noHive.map((r) => r.item)).toContain("serviceTag storage.westeurope TCP:445");
    expect(() => run(FRE, snapshot, target, emptyBaseline, { includeHiveDependencies: "yes" })).toThrow(/includeHiveDependencies/);
  });

  it("judges each firewall separately when a target's subnets route to different firewalls", () => {
    const { snapshot, target } = fixture(FRE, "pass-plain-aks-cluster-aks-items-only");
    const second = target.subnetIds[1];
    if (second === undefined) throw new Error("fixture has one subnet");
    const rtId = `/subscriptions/3f2a1c9e-7b4d-4e8a-9c61-2d5e8f0a7b13/resourceGroups/rg-network/providers/Microsoft.Network/routeTables/rt-batch`;
    snapshot.routeTables[rtId.toLowerCase()] = {
      ok: true,
      value: { id: rtId, name: "rt-batch", routes: [{ name: "d", addressPrefix: "0.0.0.0/0", nextHopType: "VirtualAppliance", nextHopIpAddress: "10.0.2.4" }] },
    };
    const sub = snapshot.subnets[second.toLowerCase()];
    if (sub?.ok !== true) throw new Error("no subnet");
    sub.value.routeTableId = rtId;
    const classicId = `${HUB}/azureFirewalls/fw-batch`;
    snapshot.firewalls[classicId.toLowerCase()] = { ok: true, value: { id: classicId, name: "fw-batch", privateIpAddresses: ["10.0.2.4"], publicIpIds: [], provisioningState: "Succeeded", classicRuleCollections: [] } };
    const results = run(FRE, snapshot, target);
    expect(results.filter((r) => r.resourceId === classicId).map((r) => r.status)).toEqual(["fail", "fail", "fail", "fail"]);
    expect(results.filter((r) => r.resourceId !== classicId).every((r) => r.status === "pass")).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// The real-shape case files hold what the normalisers make of Microsoft's examples
// ---------------------------------------------------------------------------------------------

const EXAMPLES = join(import.meta.dirname, "..", "fixtures", "arm-examples", "Microsoft.Network");
type Body = Record<string, unknown> & { properties?: Record<string, unknown> };
/** What the SDK deserialiser does to these bodies: `properties` flattened into the object. */
function flat(body: Body): Record<string, unknown> {
  const { properties, ...rest } = body;
  return { ...rest, ...properties };
}
function exampleBody(path: string): Body {
  const json = JSON.parse(readFileSync(join(EXAMPLES, path), "utf8")) as { responses: Record<string, { body: Body }> };
  const body = json.responses["200"]?.body;
  if (body === undefined) throw new Error(`${path}: no 200 body`);
  return body;
}

describe("real-shape cases match the normalised Microsoft examples", () => {
  it("the fqdnTags rule collection group (FirewallPolicyRuleCollectionGroupWithHttpHeadersToInsert.json)", () => {
    const normalised = normalizeRuleCollectionGroup(flat(exampleBody("2024-03-01/FirewallPolicyRuleCollectionGroupWithHttpHeadersToInsert.json")));
    const { snapshot } = fixture(FRE, "fail-ms-example-fqdn-tag-rule-collection-group");
    const policyPart = Object.values(snapshot.firewallPolicies)[0];
    expect(policyPart?.ok && policyPart.value.ruleCollectionGroups).toEqual([normalised]);
  });

  it("the classic collections of AzureFirewallGet.json", () => {
    const body = exampleBody("2024-05-01/AzureFirewallGet.json");
    const props = body.properties ?? {};
    const firewall = flat(body);
    for (const key of ["ipConfigurations", "applicationRuleCollections", "natRuleCollections", "networkRuleCollections"]) {
      firewall[key] = ((props[key] ?? []) as Body[]).map(flat);
    }
    const normalised = normalizeFirewall(firewall).classicRuleCollections ?? [];
    expect(normalised.map((c) => c.name)).toEqual(["apprulecoll", "netrulecoll"]);
    for (const name of ["pass-classic-rules-azure-firewall-get", "fail-classic-deny-range-shadows-https"]) {
      const { snapshot } = fixture(FRE, name);
      const fwPart = Object.values(snapshot.firewalls)[0];
      const inCase = fwPart?.ok === true ? (fwPart.value.classicRuleCollections ?? []) : [];
      for (const c of normalised) expect(inCase.find((x) => x.name === c.name), `${name}: ${c.name}`).toEqual(c);
    }
  });
});
