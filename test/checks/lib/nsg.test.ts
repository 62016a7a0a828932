/** NSG semantics of subnet-nsg-inbound: traffic, internet sources, Azure's first-match inbound order (src/checks/lib/nsg.ts). */
import { describe, expect, it } from "vitest";
import type { NetworkSecurityGroup, SecurityRule } from "../../../src/model/snapshot.js";
import { isNonInternetPrefix } from "../../../src/checks/lib/addresses.js";
import { describeTraffic, inboundRules, internetAllows, isInternetSource, trafficOf } from "../../../src/checks/lib/nsg.js";

function rule(name: string, priority: number, access: string, protocol: string, src: string[], ports: string[], dst = ["*"], extra: Partial<SecurityRule> = {}): SecurityRule {
  return {
    name,
    priority,
    direction: "Inbound",
    access,
    protocol,
    sourceAddressPrefixes: src,
    sourcePortRanges: ["*"],
    destinationAddressPrefixes: dst,
    destinationPortRanges: ports,
    isDefault: false,
    ...extra,
  };
}
const DEFAULTS: SecurityRule[] = [
  rule("AllowVnetInBound", 65000, "Allow", "*", ["VirtualNetwork"], ["*"], ["VirtualNetwork"], { isDefault: true }),
  rule("AllowAzureLoadBalancerInBound", 65001, "Allow", "*", ["AzureLoadBalancer"], ["*"], ["*"], { isDefault: true }),
  rule("DenyAllInBound", 65500, "Deny", "*", ["*"], ["*"], ["*"], { isDefault: true }),
];
function nsg(...custom: SecurityRule[]): NetworkSecurityGroup {
  return { id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg", name: "nsg", securityRules: [...DEFAULTS, ...custom] };
}
function admitted(n: NetworkSecurityGroup): Record<string, string> {
  return Object.fromEntries(internetAllows(n, 8).map((a) => [a.rule.name, describeTraffic(a.admitted)]));
}

describe("traffic", () => {
  it("reads protocols: * includes port-less protocols only with all ports; unreadable ports differ by role", () => {
    expect(describeTraffic(trafficOf(rule("r", 1, "Allow", "*", ["*"], ["*"]), "admits"))).toBe("Tcp *; Udp *; Icmp; Esp; Ah");
    expect(describeTraffic(trafficOf(rule("r", 1, "Allow", "*", ["*"], ["53"]), "admits"))).toBe("Tcp 53; Udp 53");
    expect(describeTraffic(trafficOf(rule("r", 1, "Allow", "Icmp", ["*"], ["*"]), "admits"))).toBe("Icmp");
    expect(describeTraffic(trafficOf(rule("r", 1, "Allow", "Tcp", ["*"], ["bogus"]), "admits"))).toBe("Tcp *");
    expect(describeTraffic(trafficOf(rule("r", 1, "Deny", "Tcp", ["*"], ["bogus"]), "covers"))).toBe("nothing");
  });
});

describe("addresses", () => {
  it("tells internet sources from private ranges, service tags and narrow public prefixes", () => {
    for (const s of ["*", "Any", "Internet", "internet", "0.0.0.0/0", "::/0", "0.0.0.0/1", "128.0.0.0/1", "64.0.0.0/2"]) {
      expect(isInternetSource(s, 8), s).toBe(true);
    }
    for (const s of ["VirtualNetwork", "AzureLoadBalancer", "AzureCloud", "10.0.0.0/8", "203.0.113.0/24", "52.0.0.0/8", "20.1.2.3"]) {
      expect(isInternetSource(s, 8), s).toBe(false);
    }
    // The threshold is a parameter: /9 makes a public /8 count as the internet.
    expect(isInternetSource("52.0.0.0/8", 9)).toBe(true);
    expect(isInternetSource("10.0.0.0/8", 9)).toBe(false);
    expect(isNonInternetPrefix("172.20.2.0/24")).toBe(true);
    expect(isNonInternetPrefix("100.64.0.0/10")).toBe(true);
    expect(isNonInternetPrefix("172.32.0.0/16")).toBe(false);
  });
});

describe("inbound evaluation (first match wins, lowest priority number first)", () => {
  it("orders by priority with default rules last", () => {
    const n = nsg(rule("B", 300, "Allow", "Tcp", ["*"], ["1"]), rule("A", 100, "Allow", "Tcp", ["*"], ["1"]), rule("Out", 50, "Allow", "*", ["*"], ["*"], ["*"], { direction: "Outbound" }));
    expect(inboundRules(n).map((r) => r.name)).toEqual(["A", "B", "AllowVnetInBound", "AllowAzureLoadBalancerInBound", "DenyAllInBound"]);
  });

  it("only default rules: nothing from the internet is allowed", () => {
    expect(internetAllows(nsg(), 8)).toEqual([]);
  });

  it("an earlier Deny takes its ports; a later Deny takes nothing", () => {
    expect(
      admitted(nsg(rule("Deny22", 100, "Deny", "Tcp", ["Internet"], ["22"]), rule("AllowAll", 200, "Allow", "Tcp", ["*"], ["20-25"]))),
    ).toEqual({ AllowAll: "Tcp 20-21, 23-25" });
    expect(
      admitted(nsg(rule("Deny22", 300, "Deny", "Tcp", ["Internet"], ["22"]), rule("AllowAll", 200, "Allow", "Tcp", ["*"], ["20-25"]))),
    ).toEqual({ AllowAll: "Tcp 20-25" });
  });

  it("an earlier Allow takes the flows it matches, so they are reported once", () => {
    expect(
      admitted(nsg(rule("AllowTcpAll", 100, "Allow", "Tcp", ["*"], ["*"]), rule("AllowSsh", 200, "Allow", "Tcp", ["Internet"], ["22"]))),
    ).toEqual({ AllowTcpAll: "Tcp *", AllowSsh: "nothing" });
  });

  it("a Deny covers only when it covers every internet source, destination and source port", () => {
    const allow = rule("Allow22", 200, "Allow", "Tcp", ["Internet"], ["22"], ["10.20.0.0/22"]);
    // Deny from one partner prefix does not stop the rest of the internet.
    expect(admitted(nsg(rule("D", 100, "Deny", "Tcp", ["203.0.113.0/24"], ["22"]), allow))).toEqual({ Allow22: "Tcp 22" });
    // Deny to a narrower destination leaves the rest of the Allow's destination.
    expect(admitted(nsg(rule("D", 100, "Deny", "Tcp", ["*"], ["22"], ["10.20.0.0/24"]), allow))).toEqual({ Allow22: "Tcp 22" });
    // Deny to a containing destination covers it.
    expect(admitted(nsg(rule("D", 100, "Deny", "Tcp", ["*"], ["22"], ["10.0.0.0/8"]), allow))).toEqual({ Allow22: "nothing" });
    // Deny with a source port restriction matches only part of the flows.
    expect(admitted(nsg(rule("D", 100, "Deny", "Tcp", ["*"], ["22"], ["*"], { sourcePortRanges: ["1024-65535"] }), allow))).toEqual({ Allow22: "Tcp 22" });
    // Deny from Internet covers an Allow from * for the internet part (the only part judged).
    expect(admitted(nsg(rule("D", 100, "Deny", "*", ["Internet"], ["*"]), rule("A", 200, "Allow", "Udp", ["*"], ["53"])))).toEqual({ A: "nothing" });
    // Deny from 0.0.0.0/1 covers only that half of an Allow from 0.0.0.0/1 + 128.0.0.0/1.
    expect(
      admitted(nsg(rule("D", 100, "Deny", "Tcp", ["0.0.0.0/1"], ["*"]), rule("A", 200, "Allow", "Tcp", ["0.0.0.0/1", "128.0.0.0/1"], ["8080"]))),
    ).toEqual({ A: "Tcp 8080" });
  });

  it("protocol coverage: a UDP deny leaves TCP; * deny with ports leaves ICMP", () => {
    expect(admitted(nsg(rule("D", 100, "Deny", "Udp", ["*"], ["*"]), rule("A", 200, "Allow", "*", ["*"], ["443"])))).toEqual({ A: "Tcp 443" });
    expect(admitted(nsg(rule("D", 100, "Deny", "*", ["*"], ["1-65535"]), rule("A", 200, "Allow", "*", ["*"], ["*"])))).toEqual({ A: "Tcp 0; Udp 0; Icmp; Esp; Ah" });
    // 0-65535 is every port, the same as *.
    expect(admitted(nsg(rule("D", 100, "Deny", "*", ["*"], ["0-65535"]), rule("A", 200, "Allow", "*", ["*"], ["*"])))).toEqual({ A: "nothing" });
    expect(admitted(nsg(rule("D", 100, "Deny", "Icmp", ["*"], ["*"]), rule("A", 200, "Allow", "Icmp", ["Internet"], ["*"])))).toEqual({ A: "nothing" });
  });
});
