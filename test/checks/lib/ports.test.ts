/** Port entries of firewall and NSG rules, and port sets (src/checks/lib/ports.ts). */
import { describe, expect, it } from "vitest";
import { ALL_PORTS, describePorts, parsePortEntry, parsePortRange, parsePortRanges, portRangeWidth, portsOf, subtractPorts, unionPorts } from "../../../src/checks/lib/ports.js";

describe("firewall port entries", () => {
  it("reads port ranges and their width", () => {
    expect(parsePortRange("11000-11999")).toEqual({ lo: 11000, hi: 11999 });
    expect(parsePortRange("*")).toEqual({ lo: 1, hi: 65535 });
    expect(parsePortRange("70000")).toBeUndefined();
    expect(portRangeWidth("*")).toBe(65535);
    expect(portRangeWidth("11000-11999")).toBe(1000);
    expect(portRangeWidth("443")).toBe(1);
    expect(portRangeWidth("https")).toBe(0);
  });

  it("reads * by dialect: firewall 1-65535, NSG 0-65535 (and Any)", () => {
    expect(parsePortEntry("*", "firewall")).toEqual({ lo: 1, hi: 65535 });
    expect(parsePortEntry("*", "nsg")).toEqual({ lo: 0, hi: 65535 });
    expect(parsePortEntry("Any", "nsg")).toEqual({ lo: 0, hi: 65535 });
    expect(parsePortEntry("Any", "firewall")).toBeUndefined();
    expect(parsePortRanges(["0-65535", "http"])).toBeUndefined();
  });
});

describe("port sets", () => {
  it("parses single ports, ranges, * and rejects garbage", () => {
    expect(parsePortRanges(["443", "80"])).toEqual([[80, 80], [443, 443]]);
    expect(parsePortRanges(["1000-2000", "1500-2500", "2501"])).toEqual([[1000, 2501]]);
    expect(parsePortRanges(["22", "*"])).toEqual(ALL_PORTS);
    expect(parsePortRanges([" 8000 - 8100 "])).toEqual([[8000, 8100]]);
    expect(parsePortRanges([])).toBeUndefined();
    expect(parsePortRanges(["2000-1000"])).toBeUndefined();
    expect(parsePortRanges(["65536"])).toBeUndefined();
    expect(parsePortRanges(["http"])).toBeUndefined();
  });

  it("subtracts, unions and describes", () => {
    expect(subtractPorts(ALL_PORTS, portsOf([80, 443]))).toEqual([[0, 79], [81, 442], [444, 65535]]);
    expect(subtractPorts([[1000, 2000]], [[0, 65535]])).toEqual([]);
    expect(subtractPorts([[1000, 2000]], [[1500, 1500]])).toEqual([[1000, 1499], [1501, 2000]]);
    expect(unionPorts([[1, 5]], [[6, 9]])).toEqual([[1, 9]]);
    expect(describePorts(ALL_PORTS)).toBe("*");
    expect(describePorts(portsOf([22, 3389]))).toBe("22, 3389");
  });

});
