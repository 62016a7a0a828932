/**
 * DNS proxy and network-rule FQDNs (src/checks/lib/firewall/dnsProxy.ts) and what they do to
 * required egress (requirements.ts): an FQDN in a network rule counts only with the firewall's own
 * DNS proxy on and never as a wildcard; snapshots from before DNS settings were read are judged as before.
 */
import { describe, expect, it } from "vitest";
import { dnsProxyOf, isWildcardFqdn, networkFqdnRulesFor } from "../../../../src/checks/lib/firewall/dnsProxy.js";
import { evaluateRequirement } from "../../../../src/checks/lib/firewall/requirements.js";
import type { EgressRequirement } from "../../../../src/checks/lib/firewall/requirements.js";
import type { FirewallPolicy, RuleCollection, Snapshot } from "../../../../src/model/snapshot.js";
import { IPG, PARENT, POLICY, POOL, app, coll, fw, https, net, policy, ruleSet, snapshotWith } from "./fixtures.js";

const API = "pool-dns-1.hcp.westeurope.azmk8s.io";
const api: EgressRequirement = { kind: "fqdn", destination: API, protocol: "TCP", port: 443 };
/** A snapshot of this version: the dependency-list map marks that DNS settings were read. */
const COLLECTED: Partial<Snapshot> = { outboundDependencies: {} };

function withProxy(p: FirewallPolicy, enabled: boolean | undefined): FirewallPolicy {
  return enabled === undefined ? p : { ...p, dnsProxyEnabled: enabled };
}

describe("DNS proxy state", () => {
  it("is the firewall's own policy's setting, whatever its parent says", () => {
    const parent = withProxy(policy(PARENT, []), true);
    const child = withProxy(policy(POLICY, [], PARENT), false);
    const s = snapshotWith([parent, child], COLLECTED);
    expect(dnsProxyOf(s, ruleSet(s)).kind).toBe("off");
    const s2 = snapshotWith([withProxy(policy(PARENT, []), false), withProxy(policy(POLICY, [], PARENT), true)], COLLECTED);
    expect(dnsProxyOf(s2, ruleSet(s2))).toEqual({ kind: "on", setting: "dnsSettings.enableProxy of firewall policy fwp-child" });
  });

  it("absent is off in a snapshot that read DNS settings, and not collected in one from before", () => {
    const s = snapshotWith([policy(POLICY, [])], COLLECTED);
    expect(dnsProxyOf(s, ruleSet(s)).kind).toBe("off");
    const old = snapshotWith([policy(POLICY, [])]);
    const state = dnsProxyOf(old, ruleSet(old));
    expect(state.kind).toBe("notCollected");
    // A policy whose dnsSettings were read (servers normalised) is off when enableProxy is absent.
    const read = snapshotWith([{ ...policy(POLICY, []), dnsServers: [] }]);
    expect(dnsProxyOf(read, ruleSet(read)).kind).toBe("off");
    // A stated false is off in any snapshot.
    const stated = snapshotWith([withProxy(policy(POLICY, []), false)]);
    expect(dnsProxyOf(stated, ruleSet(stated)).kind).toBe("off");
  });

  it("reads the classic setting for a firewall without a policy", () => {
    const s = snapshotWith([], COLLECTED);
    const classic = fw({ firewallPolicyId: undefined, classicRuleCollections: [], classicDnsProxyEnabled: true });
    expect(dnsProxyOf(s, ruleSet(s, classic)).setting).toContain('additionalProperties["Network.DNS.EnableProxy"] of firewall fw-hub');
    expect(dnsProxyOf(s, ruleSet(s, classic)).kind).toBe("on");
    const off = fw({ firewallPolicyId: undefined, classicRuleCollections: [] });
    const s2 = snapshotWith([], COLLECTED); // rule sets are kept per snapshot and firewall id
    expect(dnsProxyOf(s2, ruleSet(s2, off)).kind).toBe("off");
  });

  it("knows wildcards", () => {
    expect(isWildcardFqdn("*.hcp.westeurope.azmk8s.io")).toBe(true);
    expect(isWildcardFqdn("ntp.ubuntu.com")).toBe(false);
  });
});

describe("network rules with FQDNs that apply to the pool", () => {
  it("takes network rules with FQDNs whose sources touch the pool; an unreadable source IP group is uncertain", () => {
    const rules: RuleCollection = coll("n", 100, "Allow", [
      net("api", { destinationFqdns: [API] }),
      net("other-subnet", { sourceAddresses: ["10.99.0.0/24"], destinationFqdns: ["ntp.ubuntu.com"] }),
      net("by-group", { sourceAddresses: [], sourceIpGroups: [IPG], destinationFqdns: ["*.example.com"] }),
      net("by-address", { destinationAddresses: ["AzureCloud.WestEurope"] }),
      app("app", { targetFqdns: ["*.example.com"] }),
    ]);
    const s = snapshotWith([policy(POLICY, [["rcg", 100, [rules]]])], {
      ipGroups: { [IPG.toLowerCase()]: { ok: false, error: { code: "AuthorizationFailed", message: "no", scope: IPG } } },
    });
    const found = networkFqdnRulesFor(s, ruleSet(s), POOL);
    expect(found.applying.map((r) => r.rule.name)).toEqual(["api"]);
    expect(found.uncertain.map((r) => [r.rule.name, r.wildcards, r.errors[0]?.code])).toEqual([["by-group", ["*.example.com"], "AuthorizationFailed"]]);
  });
});

describe("required egress through network-rule FQDNs", () => {
  const judge = (collections: RuleCollection[], req: EgressRequirement, proxy: boolean | undefined, extra: Partial<Snapshot> = COLLECTED) => {
    const s = snapshotWith([withProxy(policy(POLICY, [["rcg", 100, collections]]), proxy)], extra);
    return evaluateRequirement(s, ruleSet(s), req, POOL);
  };
  const byFqdn = coll("n", 100, "Allow", [net("api", { destinationFqdns: [API] })]);

  it("counts a network-rule FQDN only with DNS proxy on, and says why it did not count", () => {
    expect(judge([byFqdn], api, true).status).toBe("allowed");
    const off = judge([byFqdn], api, false);
    expect(off.status).toBe("missing");
    expect(off.ineffectiveFqdnRules).toEqual([
      expect.objectContaining({ fqdn: API, wildcard: false, reason: "DNS proxy is off (dnsSettings.enableProxy of firewall policy fwp-child)" }),
    ]);
    // A snapshot from before DNS settings were read: judged as before.
    expect(judge([byFqdn], api, undefined, {}).status).toBe("allowed");
  });

  it("never counts a wildcard network-rule FQDN; the same pattern in an application rule works", () => {
    const wildcard = coll("n", 100, "Allow", [net("apis", { destinationFqdns: ["*.hcp.westeurope.azmk8s.io"] })]);
    const result = judge([wildcard], api, true);
    expect(result.status).toBe("missing");
    expect(result.ineffectiveFqdnRules?.[0]?.wildcard).toBe(true);
    expect(judge([wildcard], api, undefined, {}).status).toBe("missing");
    expect(judge([coll("a", 100, "Allow", [app("apis", { targetFqdns: ["*.hcp.westeurope.azmk8s.io"] })])], api, false).status).toBe("allowed");
  });

  it("a deny by network-rule FQDN without DNS proxy shadows nothing", () => {
    const deny = coll("d", 50, "Deny", [net("deny-api", { destinationFqdns: [API] })]);
    const allow = coll("a", 100, "Allow", [app("api", { protocols: [{ protocolType: "Https", port: 443 }], targetFqdns: [API] })]);
    expect(judge([deny, allow], api, false).status).toBe("allowed");
    expect(judge([deny, allow], api, true).status).toBe("denied");
  });

  it("an address rule still allows what an ineffective FQDN rule before it names", () => {
    const both = coll("n", 100, "Allow", [net("api", { destinationFqdns: [API] }), net("any-443", { destinationAddresses: ["*"] })]);
    const result = judge([both], https(API), false);
    expect(result.status).toBe("allowed");
    expect(result.allowedBy.map((r) => r.rule)).toEqual(["any-443"]);
  });
});
