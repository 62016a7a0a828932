/**
 * Which Teams alert reported which change, for `npm run bench:events`. Each alert's card names the
 * event scan it reports ("Scan" fact); that stored scan's diff holds the finding ids that became
 * new or resolved. A drift-introducing single write is reported by the first alert after it whose
 * diff has a new failing finding of the write's check on the write's target (read from that
 * scan's targets page); a resolving one by the first alert whose diff resolves the finding the
 * introduction opened (or, for seeded drift, the failing finding of the first scan). A burst on
 * the shared policy is reported by the first alert with new (or resolved) over-broad findings.
 *
 * Lost: a drift-changing step no alert reported. Duplicated: any finding id reported new twice
 * (or resolved twice) without the opposite in between, across every alert.
 */
import { cardText } from "../src/cli/demoTeamsReceiver.js";
import type { ReceivedTeamsMessage } from "../src/cli/demoTeamsReceiver.js";
import type { PageFinding } from "./eventsProcesses.js";
import type { Step } from "./eventsSoak.js";

/** An alert with the diff of the scan it reports. */
export interface Alert {
  receivedAt: number;
  scanId: string;
  newIds: Set<string>;
  resolvedIds: Set<string>;
}

/** The event scan an alert reports: the "Scan" fact (`<scanId> at <time>`). */
export function scanIdOfCard(message: ReceivedTeamsMessage): string | undefined {
  const fact = cardText(message.body)?.facts.find((f) => f.title === "Scan");
  return fact ? /^(\S+) at /.exec(fact.value)?.[1] : undefined;
}

const CHECK_OF: Record<"route" | "nsg", string> = { route: "subnet-default-route", nsg: "subnet-nsg-inbound" };
const BURST_CHECK = "firewall-overbroad-allow";

/** What {@link matchAlerts} found. */
export interface MatchResult {
  /** Step index -> the alert that reported it and the latency from the write. */
  matched: Map<number, { alert: Alert; latencyInMs: number }>;
  lost: Step[];
  /** `<finding id> <new|resolved>` reported again while already so. */
  duplicates: string[];
  /** Every id some alert reported new. */
  alertedNew: Set<string>;
}

/** Inputs of {@link matchAlerts}. */
export interface MatchInput {
  steps: readonly Step[];
  alerts: readonly Alert[];
  /** Target name -> target id (from the first scan). */
  targetIds: ReadonlyMap<string, string>;
  /** Failing finding ids of the first scan (the state before any event). */
  initiallyFailing: ReadonlySet<string>;
  /** Target id -> its failing finding ids in the first scan. */
  initiallyFailingOf: ReadonlyMap<string, readonly string[]>;
  /** One target's failing and unknown findings in a stored scan. */
  failuresOf: (scanId: string, targetId: string) => Promise<PageFinding[]>;
}

/** Matches steps to alerts; see the module comment. */
export async function matchAlerts(input: MatchInput): Promise<MatchResult> {
  const matched = new Map<number, { alert: Alert; latencyInMs: number }>();
  const changing = input.steps.filter((s) => s.effect !== "none" && s.writeAt !== undefined && !s.error);
  // What each per-target resource has open (the ids its introduction made fail), by step key.
  const open = new Map<string, Set<string>>();
  const keyOf = (s: Step) => (s.kind === "burst" ? "burst" : s.resourceId.toLowerCase());
  const cache = new Map<string, Promise<PageFinding[]>>();
  const failures = (scanId: string, targetId: string) => {
    const k = `${scanId}|${targetId}`;
    if (!cache.has(k)) cache.set(k, input.failuresOf(scanId, targetId));
    return cache.get(k)!;
  };
  // Seeded route drift: open from the start (the first scan's failing default-route finding).
  for (const s of changing) {
    if (s.kind !== "route" || open.has(keyOf(s)) || s.effect !== "resolve") continue;
    const targetId = input.targetIds.get(s.target!);
    if (targetId) open.set(keyOf(s), new Set((input.initiallyFailingOf.get(targetId) ?? []).filter((id) => id.startsWith(`${CHECK_OF.route}:`))));
  }

  for (const alert of input.alerts) {
    for (const s of changing) {
      if (matched.has(s.index) || s.writeAt! > alert.receivedAt) continue;
      // A resource's steps are reported in order: not before the one before it.
      if (changing.some((p) => keyOf(p) === keyOf(s) && p.index < s.index && !matched.has(p.index))) continue;
      const key = keyOf(s);
      let ids: string[] = [];
      if (s.kind === "burst") {
        ids = s.effect === "introduce" ? [...alert.newIds].filter((id) => id.startsWith(`${BURST_CHECK}:`)) : [...(open.get(key) ?? [])].filter((id) => alert.resolvedIds.has(id));
      } else if (s.effect === "introduce") {
        const targetId = input.targetIds.get(s.target!);
        const fresh = [...alert.newIds].filter((id) => id.startsWith(`${CHECK_OF[s.kind as "route" | "nsg"]}:`));
        if (targetId && fresh.length > 0) {
          const failing = await failures(alert.scanId, targetId);
          ids = failing.filter((f) => f.status === "fail" && f.checkId === CHECK_OF[s.kind as "route" | "nsg"] && alert.newIds.has(f.id)).map((f) => f.id);
        }
      } else {
        ids = [...(open.get(key) ?? [])].filter((id) => alert.resolvedIds.has(id));
      }
      if (ids.length === 0) continue;
      matched.set(s.index, { alert, latencyInMs: alert.receivedAt - s.writeAt! });
      if (s.effect === "introduce") open.set(key, new Set(ids));
      else open.delete(key);
    }
  }

  // Duplicates over every id of every alert: new twice, or resolved twice, without the other between.
  const state = new Map<string, "new" | "resolved">();
  for (const id of input.initiallyFailing) state.set(id, "new");
  const duplicates: string[] = [];
  const alertedNew = new Set<string>();
  for (const alert of input.alerts) {
    for (const id of alert.newIds) {
      if (state.get(id) === "new") duplicates.push(`${id} new (scan ${alert.scanId})`);
      state.set(id, "new");
      alertedNew.add(id);
    }
    for (const id of alert.resolvedIds) {
      if (state.get(id) === "resolved") duplicates.push(`${id} resolved (scan ${alert.scanId})`);
      state.set(id, "resolved");
    }
  }
  return { matched, lost: changing.filter((s) => !matched.has(s.index)), duplicates, alertedNew };
}

/** The p-th percentile (nearest rank) of values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
