/**
 * Destination port entries (`443`, `11000-11999`, `*`) and port sets. One parser for Azure
 * Firewall rules and NSG rules; the two differ only in what "every port" means (the dialect). Pure.
 */
import type { Interval } from "./intervals.js";
import { mergeIntervals, subtractIntervals } from "./intervals.js";
import { sameText } from "./names.js";

/** The highest port number. */
export const MAX_PORT = 65535;

/**
 * Whose port syntax: Azure Firewall rules take `*` for ports 1-65535 (port 0 cannot be named);
 * NSG rules take `*` or `Any` for 0-65535 (`0-65535` is the same as `*`).
 */
export type PortDialect = "firewall" | "nsg";

const EVERY_PORT: Record<PortDialect, Interval> = { firewall: { lo: 1, hi: MAX_PORT }, nsg: { lo: 0, hi: MAX_PORT } };
const PORT_ENTRY = /^(\d{1,5})(?:\s*-\s*(\d{1,5}))?$/;

/** `*` or (NSG) `Any`. */
function isEveryPortToken(text: string): boolean {
  const t = text.trim();
  return t === "*" || sameText(t, "any");
}

/** One port entry (`443`, `11000-11999`, `*`) as an inclusive range; undefined when malformed. */
export function parsePortEntry(text: string, dialect: PortDialect): Interval | undefined {
  const t = text.trim();
  if (t === "*" || (dialect === "nsg" && isEveryPortToken(t))) return { ...EVERY_PORT[dialect] };
  const m = PORT_ENTRY.exec(t);
  if (m === null) return undefined;
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  return lo <= hi && hi <= MAX_PORT ? { lo, hi } : undefined;
}

// ---------------------------------------------------------------------------------------------
// Azure Firewall port entries
// ---------------------------------------------------------------------------------------------

/** A firewall destination port entry as an inclusive range (`*` = 1-65535); undefined when malformed. */
export function parsePortRange(text: string): Interval | undefined {
  return parsePortEntry(text, "firewall");
}

/** How many ports a firewall entry opens: `*` counts 65535, `11000-11999` counts 1000; malformed counts 0. */
export function portRangeWidth(text: string): number {
  const r = parsePortRange(text);
  return r === undefined ? 0 : r.hi - r.lo + 1;
}

// ---------------------------------------------------------------------------------------------
// Port sets (NSG rules)
// ---------------------------------------------------------------------------------------------

/** Sorted, disjoint, merged closed intervals of ports (0-65535). */
export type PortSet = ReadonlyArray<readonly [number, number]>;

/** Every port, 0-65535 (what an NSG `*` admits). */
export const ALL_PORTS: PortSet = [[0, MAX_PORT]];
/** No port. */
export const NO_PORTS: PortSet = [];

function toIntervals(set: PortSet): Interval[] {
  return set.map(([lo, hi]) => ({ lo, hi }));
}

function toPortSet(intervals: readonly Interval[]): PortSet {
  return intervals.map((i) => [i.lo, i.hi] as const);
}

/**
 * Parses NSG port ranges (`*`, `Any`, `443`, `1000-2000`). Undefined when the list is empty or an
 * entry is not a port or range: the caller decides what that means (an Allow admits everything, a
 * Deny covers nothing).
 */
export function parsePortRanges(ranges: readonly string[]): PortSet | undefined {
  if (ranges.length === 0) return undefined;
  const intervals: Interval[] = [];
  for (const raw of ranges) {
    const entry = parsePortEntry(raw, "nsg");
    if (entry === undefined) return undefined;
    // `*` admits every port whatever else the list says; `0-65535` is only one entry of it.
    if (isEveryPortToken(raw)) return ALL_PORTS;
    intervals.push(entry);
  }
  return toPortSet(mergeIntervals(intervals));
}

/** Ports as a set (`[80, 443]`). */
export function portsOf(ports: readonly number[]): PortSet {
  return toPortSet(mergeIntervals(ports.map((p) => ({ lo: p, hi: p }))));
}

/** Every port of `a` and of `b`. */
export function unionPorts(a: PortSet, b: PortSet): PortSet {
  return toPortSet(mergeIntervals([...toIntervals(a), ...toIntervals(b)]));
}

/** `a` without the ports of `b`. */
export function subtractPorts(a: PortSet, b: PortSet): PortSet {
  return toPortSet(subtractIntervals(toIntervals(a), toIntervals(b)));
}

/** True when the set holds every port 0-65535. */
export function isAllPorts(set: PortSet): boolean {
  return set.length === 1 && set[0]?.[0] === 0 && set[0][1] === MAX_PORT;
}

/** `*`, or `22, 8000-8080`. */
export function describePorts(set: PortSet): string {
  if (isAllPorts(set)) return "*";
  return set.map(([lo, hi]) => (lo === hi ? `${lo}` : `${lo}-${hi}`)).join(", ");
}
