/**
 * IP addresses, CIDR prefixes and address sets, and what the `Internet` and `VirtualNetwork` service
 * tags cover. One parser for both families (`ipaddr.js`); the set arithmetic the rules need
 * (firewall sources and destinations, NSG prefixes) is IPv4, as every rule the snapshot holds is.
 * Pure.
 *
 * Parsing is cached by text: the same few hundred prefixes (rule sources, subnet prefixes, firewall
 * addresses) are asked for once per target and rule, and a map lookup is cheaper than a parse.
 */
import ipaddr from "ipaddr.js";
import type { Interval } from "./intervals.js";
import { intervalsIntersect, mergeIntervals } from "./intervals.js";
import { sameText } from "./names.js";

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/** The address family of an address or prefix. */
export type IpFamily = "ipv4" | "ipv6";

/**
 * An address or CIDR prefix; `network` has the host bits cleared. IPv4 as an unsigned 32-bit
 * number (fast, exact in a double), IPv6 as a 128-bit bigint.
 */
export type IpPrefix =
  | { readonly family: "ipv4"; readonly network: number; readonly length: number }
  | { readonly family: "ipv6"; readonly network: bigint; readonly length: number };

/** A parsed IPv4 prefix; `network` has the host bits cleared. */
export interface Ipv4Prefix {
  network: number;
  length: number;
}

interface Parsed {
  prefix: IpPrefix;
  /** True for a bare address (no `/n`). */
  bare: boolean;
}

/**
 * Dotted-quad IPv4 in decimal. Leading zeros are read as decimal (`010` is 10), as ARM means
 * them; ipaddr.js alone would read them as octal, so the octets are re-spelled before it parses.
 */
const DOTTED_QUAD = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const IPV4_LENGTH = /^\d{1,2}$/;
const IPV6_LENGTH = /^\d{1,3}$/;

function parseUncached(text: string): Parsed | undefined {
  const [addressText, lengthText, extra] = text.trim().split("/");
  if (addressText === undefined || extra !== undefined) return undefined;
  const address = addressText.trim();
  if (DOTTED_QUAD.test(address)) {
    const decimal = address.split(".").map((o) => String(Number(o))).join(".");
    if (!ipaddr.IPv4.isValidFourPartDecimal(decimal)) return undefined;
    const value = ipaddr.IPv4.parse(decimal).octets.reduce((n, octet) => n * 256 + octet, 0);
    let length = 32;
    if (lengthText !== undefined) {
      if (!IPV4_LENGTH.test(lengthText)) return undefined;
      length = Number(lengthText);
      if (length > 32) return undefined;
    }
    return { prefix: Object.freeze({ family: "ipv4", network: maskIpv4(value, length), length }), bare: lengthText === undefined };
  }
  if (address.includes(":") && ipaddr.IPv6.isValid(address)) {
    const value = ipaddr.IPv6.parse(address).parts.reduce((n, part) => (n << 16n) | BigInt(part), 0n);
    let length = 128;
    if (lengthText !== undefined) {
      if (!IPV6_LENGTH.test(lengthText)) return undefined;
      length = Number(lengthText);
      if (length > 128) return undefined;
    }
    const hostBits = BigInt(128 - length);
    return { prefix: Object.freeze({ family: "ipv6", network: (value >> hostBits) << hostBits, length }), bare: lengthText === undefined };
  }
  return undefined;
}

function maskIpv4(ip: number, length: number): number {
  if (length === 0) return 0;
  const hostBits = 32 - length;
  return Math.floor(ip / 2 ** hostBits) * 2 ** hostBits;
}

/** Texts seen so far (`null`: not an address); cleared when it grows past the limit. */
const parsedTexts = new Map<string, Parsed | null>();
const PARSED_TEXTS_LIMIT = 50_000;

function parsed(text: string): Parsed | undefined {
  let p = parsedTexts.get(text);
  if (p === undefined) {
    p = parseUncached(text) ?? null;
    if (parsedTexts.size >= PARSED_TEXTS_LIMIT) parsedTexts.clear();
    parsedTexts.set(text, p);
  }
  return p ?? undefined;
}

/** Parses an address (`a.b.c.d`, `2001:db8::1`) or prefix (`a.b.c.d/n`, `2001:db8::/32`); undefined for service tags and garbage. */
export function parseCidr(text: string): IpPrefix | undefined {
  return parsed(text)?.prefix;
}

/** Parses a dotted IPv4 address into an unsigned 32-bit number (a prefix is not an address). */
export function parseIpv4(text: string): number | undefined {
  const p = parsed(text);
  return p?.bare === true && p.prefix.family === "ipv4" ? p.prefix.network : undefined;
}

/** Parses `a.b.c.d/n` (or a bare address as /32). Undefined for IPv6, service tags and garbage. */
export function parseIpv4Prefix(text: string): Ipv4Prefix | undefined {
  const p = parsed(text)?.prefix;
  return p?.family === "ipv4" ? { network: p.network, length: p.length } : undefined;
}

/** The prefix length of an address or prefix (`/32` or `/128` for an address), or undefined when it is neither. */
export function prefixLength(text: string): number | undefined {
  return parsed(text)?.prefix.length;
}

/** True when the prefix (or address) `inner` lies entirely inside `outer`, of the same family. */
export function prefixContains(outer: string, inner: string): boolean {
  const o = parsed(outer)?.prefix;
  const i = parsed(inner)?.prefix;
  if (o === undefined || i === undefined || i.length < o.length) return false;
  if (o.family === "ipv4" && i.family === "ipv4") return maskIpv4(i.network, o.length) === o.network;
  if (o.family === "ipv6" && i.family === "ipv6") {
    const hostBits = BigInt(128 - o.length);
    return (i.network >> hostBits) << hostBits === o.network;
  }
  return false;
}

/** True for the IPv4 default route `0.0.0.0/0`, however written (IPv6's `::/0` is a route of its own). */
export function isDefaultRoutePrefix(text: string): boolean {
  const p = parsed(text)?.prefix;
  return p?.family === "ipv4" && p.length === 0;
}

/** True when two texts are the same address (tolerates whitespace / leading zeros; IPv6 in any spelling). */
export function sameAddress(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const x = parsed(a);
  const y = parsed(b);
  return x?.bare === true && y?.bare === true && x.prefix.family === y.prefix.family && x.prefix.network === y.prefix.network;
}

// ---------------------------------------------------------------------------------------------
// IPv4 address sets (firewall address entries)
// ---------------------------------------------------------------------------------------------

const MAX_IPV4 = 2 ** 32 - 1;

/** Every IPv4 address. */
export const ALL_IPV4: Readonly<Interval> = Object.freeze({ lo: 0, hi: MAX_IPV4 });

/**
 * Parses a firewall address entry: `*`, `a.b.c.d`, `a.b.c.d/n` or a range `a.b.c.d-e.f.g.h` (as in
 * classic rules) into an interval of IPv4 addresses. Undefined for service tags and anything else.
 */
export function parseAddressEntry(text: string): Interval | undefined {
  const t = text.trim();
  if (t === "*") return { ...ALL_IPV4 };
  const dash = t.split("-");
  if (dash.length === 2) {
    const lo = parseIpv4(dash[0] ?? "");
    const hi = parseIpv4(dash[1] ?? "");
    return lo !== undefined && hi !== undefined && lo <= hi ? { lo, hi } : undefined;
  }
  const p = parseIpv4Prefix(t);
  if (p === undefined) return undefined;
  return { lo: p.network, hi: p.network + 2 ** (32 - p.length) - 1 };
}

/** Address entries (prefixes, addresses, ranges, `*`) as one merged set; tags, IPv6 and garbage are left out. */
export function addressSet(entries: readonly string[]): Interval[] {
  return mergeIntervals(entries.map(parseAddressEntry).filter((i): i is Interval => i !== undefined));
}

/** True when an address entry stands for every IPv4 address (`*`, `0.0.0.0/0`, `0.0.0.0-255.255.255.255`). */
export function isAllAddresses(entry: string): boolean {
  const i = parseAddressEntry(entry);
  return i !== undefined && i.lo === 0 && i.hi === MAX_IPV4;
}

function ipv4Text(n: number): string {
  return new ipaddr.IPv4([24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256)).toString();
}

/** `10.0.0.0/24` when the interval is a prefix, else `10.0.0.12-10.0.0.255`. */
export function formatInterval(i: Interval): string {
  const size = i.hi - i.lo + 1;
  const length = 32 - Math.log2(size);
  if (Number.isInteger(length) && i.lo % size === 0) return `${ipv4Text(i.lo)}/${length}`;
  return `${ipv4Text(i.lo)}-${ipv4Text(i.hi)}`;
}

// ---------------------------------------------------------------------------------------------
// The `Internet` and `VirtualNetwork` service tags
// ---------------------------------------------------------------------------------------------

/**
 * IPv4 space that is never the public internet: RFC 1918 (10/8, 172.16/12, 192.168/16), the
 * shared address space of RFC 6598 (100.64/10), loopback (127/8) and link-local (169.254/16).
 *
 * Why these six: Azure documents the `Internet` tag as the address space outside the virtual
 * network that is reachable by the public internet. Azure itself treats the first four as
 * non-internet: its default system routes send 10/8, 172.16/12, 192.168/16 and 100.64/10 to `None`
 * (not to `Internet`) unless a VNet uses them, and Azure Firewall's default "private IP ranges"
 * (never SNATed to the internet) are RFC 1918 plus RFC 6598. Loopback and link-local are not
 * routed beyond the host at all (the host answers 169.254.169.254 itself). So a firewall rule to
 * `Internet` does not reach these addresses, and an NSG source in them is never an internet client.
 */
export const NON_INTERNET_IPV4_PREFIXES: readonly string[] = Object.freeze([
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
]);
const NON_INTERNET_INTERVALS = NON_INTERNET_IPV4_PREFIXES.map((p) => parseAddressEntry(p) as Interval);

/**
 * `VirtualNetwork` covers the VNet's own address space, peered and connected (VPN/ExpressRoute)
 * networks and, as Azure documents, the prefixes of user-defined routes. None of that is in the
 * snapshot, so the checks never treat `VirtualNetwork` (or any tag other than `Internet`) as the
 * internet: not as an NSG source of internet traffic, not as a public NSG destination. Limitation:
 * with a `0.0.0.0/0` user-defined route Azure widens `VirtualNetwork` to every address; that is not
 * modelled.
 */
export const VIRTUAL_NETWORK_TAG = "VirtualNetwork";

/** The `Internet` service tag (case-insensitive, surrounding spaces ignored). */
export function isInternetTag(text: string): boolean {
  return sameText(text.trim(), "Internet");
}

/** Prefix values that stand for every address on the internet: `*`, `Any`, `Internet`, `0.0.0.0/0`, `::/0`. */
export function isWholeInternet(text: string): boolean {
  const p = text.trim().toLowerCase();
  return p === "*" || p === "any" || p === "internet" || p === "0.0.0.0/0" || p === "::/0";
}

/** True when an IPv4 prefix (or address) lies entirely in non-internet space: no part of it is `Internet`. */
export function isNonInternetPrefix(text: string): boolean {
  return NON_INTERNET_IPV4_PREFIXES.some((p) => prefixContains(p, text));
}

/**
 * True when the `Internet` tag covers every address of an IPv4 address entry (prefix, address or
 * range): the entry touches no non-internet space. Undefined entries (tags, garbage) are not covered.
 */
export function internetCovers(entry: string): boolean {
  const i = parseAddressEntry(entry);
  return i !== undefined && !intervalsIntersect([i], NON_INTERNET_INTERVALS);
}
