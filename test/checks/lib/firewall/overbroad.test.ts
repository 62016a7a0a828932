/** Over-broad allow rules and whole-rule shadowing (src/checks/lib/firewall/overbroad.ts). */
import { describe, expect, it } from "vitest";
import { findOverbroadRules } from "../../../../src/checks/lib/firewall/overbroad.js";
import type { FirewallPolicy, RuleCollection, Snapshot } from "../../../../src/model/snapshot.js";
import { IPG, PARENT, POLICY, POOL, app, coll, net, policy, ruleSet, snapshotWith } from "./fixtures.js";

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
