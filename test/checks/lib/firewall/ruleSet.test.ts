/** The effective rule set of a firewall: processing order, classic rules, unreadable parents (src/checks/lib/firewall/ruleSet.ts). */
import { describe, expect, it } from "vitest";
import { effectiveRuleSet } from "../../../../src/checks/lib/firewall/ruleSet.js";
import { emptySnapshot } from "../../../../src/model/snapshot.js";
import { PARENT, POLICY, app, coll, fw, net, policy, ruleSet, snapshotWith } from "./fixtures.js";

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
