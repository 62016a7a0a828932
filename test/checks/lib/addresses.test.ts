/** Addresses, prefixes, address sets and what the Internet tag covers (src/checks/lib/addresses.ts). */
import { describe, expect, it } from "vitest";
import {
  NON_INTERNET_IPV4_PREFIXES,
  formatInterval,
  internetCovers,
  isDefaultRoutePrefix,
  isNonInternetPrefix,
  isWholeInternet,
  parseAddressEntry,
  parseCidr,
  parseIpv4,
  parseIpv4Prefix,
  prefixContains,
  prefixLength,
  sameAddress,
} from "../../../src/checks/lib/addresses.js";
import type { Interval } from "../../../src/checks/lib/intervals.js";
import { intervalsCover, intervalsIntersect, subtractIntervals } from "../../../src/checks/lib/intervals.js";

const iv = (text: string): Interval => {
  const i = parseAddressEntry(text);
  if (i === undefined) throw new Error(text);
  return i;
};

describe("IPv4 helpers", () => {
  it("parses addresses and prefixes", () => {
    expect(parseIpv4("10.0.1.4")).toBe(10 * 2 ** 24 + 1 * 2 ** 8 + 4);
    expect(parseIpv4("255.255.255.255")).toBe(2 ** 32 - 1);
    expect(parseIpv4("256.0.0.1")).toBeUndefined();
    expect(parseIpv4("10.0.1")).toBeUndefined();
    expect(parseIpv4Prefix("10.20.0.0/22")).toEqual({ network: parseIpv4("10.20.0.0"), length: 22 });
    expect(parseIpv4Prefix("10.20.3.7/22")).toEqual({ network: parseIpv4("10.20.0.0"), length: 22 });
    expect(parseIpv4Prefix("20.61.10.5")).toEqual({ network: parseIpv4("20.61.10.5"), length: 32 });
    expect(parseIpv4Prefix("10.0.0.0/33")).toBeUndefined();
    expect(parseIpv4Prefix("AzureCloud.westeurope")).toBeUndefined();
    expect(prefixLength("128.0.0.0/1")).toBe(1);
    expect(prefixLength("Internet")).toBeUndefined();
  });

  it("recognises the default route and containment", () => {
    expect(isDefaultRoutePrefix("0.0.0.0/0")).toBe(true);
    expect(isDefaultRoutePrefix("0.0.0.0/1")).toBe(false);
    expect(isDefaultRoutePrefix("0.0.0.0")).toBe(false);
    expect(prefixContains("52.160.0.0/11", "52.160.0.0/16")).toBe(true);
    expect(prefixContains("52.160.0.0/11", "52.191.255.0/24")).toBe(true);
    expect(prefixContains("52.160.0.0/11", "52.192.0.0/16")).toBe(false);
    expect(prefixContains("52.160.0.0/16", "52.160.0.0/11")).toBe(false);
    expect(prefixContains("0.0.0.0/0", "128.0.0.0/1")).toBe(true);
  });
});

describe("address entries and interval sets", () => {
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
});

describe("IPv6 and address comparison", () => {
  it("parses IPv6 addresses and prefixes with the same parser", () => {
    expect(parseCidr("2001:db8::/32")).toEqual({ family: "ipv6", network: 0x20010db8n << 96n, length: 32 });
    expect(parseCidr("2001:db8::1")?.length).toBe(128);
    expect(parseCidr("2001:db8::/129")).toBeUndefined();
    expect(parseCidr("10.1.2.3/24")).toEqual({ family: "ipv4", network: parseIpv4("10.1.2.0"), length: 24 });
    expect(prefixContains("2001:db8::/32", "2001:db8:1::/48")).toBe(true);
    expect(prefixContains("2001:db8::/32", "2001:db9::/48")).toBe(false);
    expect(prefixContains("0.0.0.0/0", "2001:db8::/32")).toBe(false);
    // IPv4-only helpers stay IPv4: an IPv6 prefix is neither an IPv4 prefix nor the IPv4 default route.
    expect(parseIpv4Prefix("::/0")).toBeUndefined();
    expect(isDefaultRoutePrefix("::/0")).toBe(false);
  });

  it("compares addresses, not their spelling; a prefix is not an address", () => {
    expect(sameAddress("10.0.1.4", " 10.0.1.4 ")).toBe(true);
    expect(sameAddress("010.000.001.004", "10.0.1.4")).toBe(true);
    expect(sameAddress("10.0.1.4", "10.0.1.5")).toBe(false);
    expect(sameAddress("10.0.1.4/32", "10.0.1.4")).toBe(false);
    expect(sameAddress("2001:DB8::1", "2001:db8:0:0:0:0:0:1")).toBe(true);
    expect(sameAddress("::ffff:10.0.1.4", "10.0.1.4")).toBe(false);
    expect(sameAddress(undefined, "10.0.1.4")).toBe(false);
  });
});

describe("the Internet service tag", () => {
  it("is one definition: six non-internet IPv4 prefixes", () => {
    expect(NON_INTERNET_IPV4_PREFIXES).toEqual(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16"]);
    for (const p of ["10.1.0.0/16", "172.20.2.0/24", "192.168.1.1", "100.64.0.0/10", "127.0.0.1", "169.254.169.254"]) {
      expect(isNonInternetPrefix(p), p).toBe(true);
      expect(internetCovers(p), p).toBe(false);
    }
    for (const p of ["203.0.113.0/24", "20.61.10.5", "172.32.0.0/16", "100.128.0.0/9"]) {
      expect(isNonInternetPrefix(p), p).toBe(false);
      expect(internetCovers(p), p).toBe(true);
    }
  });

  it("covers a prefix only when no part of it is private; a partly private prefix is neither", () => {
    expect(internetCovers("0.0.0.0/1")).toBe(false);
    expect(isNonInternetPrefix("0.0.0.0/1")).toBe(false);
    expect(internetCovers("AzureCloud")).toBe(false);
    expect(internetCovers("8.8.8.0-8.8.8.255")).toBe(true);
  });

  it("names the whole internet as NSGs write it", () => {
    for (const s of ["*", "Any", "Internet", " internet ", "0.0.0.0/0", "::/0"]) expect(isWholeInternet(s), s).toBe(true);
    for (const s of ["VirtualNetwork", "0.0.0.0/1", "AzureCloud"]) expect(isWholeInternet(s), s).toBe(false);
  });
});
