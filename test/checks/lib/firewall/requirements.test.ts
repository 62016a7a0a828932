/** Required egress: destination matching and the first-match walk over the rule set (src/checks/lib/firewall/requirements.ts). */
import { describe, expect, it } from "vitest";
import { destinationMatch, evaluateRequirement } from "../../../../src/checks/lib/firewall/requirements.js";
import type { EgressRequirement } from "../../../../src/checks/lib/firewall/requirements.js";
import type { RuleCollection, Snapshot } from "../../../../src/model/snapshot.js";
import { emptySnapshot } from "../../../../src/model/snapshot.js";
import { IPG, POLICY, POOL, app, coll, https, net, policy, ruleSet, snapshotWith } from "./fixtures.js";

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
