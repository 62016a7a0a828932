/**
 * Hostile names for the sanitiser tests: text a resource's owner can put into a name, tag or
 * error message, and a report in which every such text field carries all of it at once, so a
 * renderer that forgets one field fails. The checks for "came out neutralised" live here too.
 */
import { expect } from "vitest";
import { hasUnsafeText } from "../../src/util/sanitize.js";
import type { DriftReport } from "../../src/report/report.js";
import { hostileReport } from "./fixtures.js";

/** OSC 52: sets the terminal's clipboard (here to base64 "echo pwned"); ends with BEL. */
export const OSC52 = "\u001b]52;c;ZWNobyBwd25lZA==\u0007";
/** An ANSI sequence that clears the screen, and the 8-bit CSI (C1) form of another. */
export const ANSI = "\u001b[2J\u009b31m";
/** Right-to-left override: `txt.exe` shows as `exe.txt`; and an isolate, LRM and ALM. */
export const BIDI = "\u202etxt.exe\u202c\u2066x\u2069\u200e\u061c";
/** A line that, once on a line of its own, would read as the tool's verdict. */
export const FORGED_TEXT = "FORGED: 0 drifted, all compliant";
/** A forged line after CRLF, a lone CR (overwrites on a terminal), LF and U+2028. */
export const FORGED = `\r\n${FORGED_TEXT}\r${FORGED_TEXT}\n${FORGED_TEXT}\u2028${FORGED_TEXT}`;
/** A formula with `;` (the list separator of decimal-comma locales) and `,`. */
export const FORMULA_CMD = "=cmd|' /C calc'!A0;=1+1,x";
/** Odds and ends: DEL, NUL, tab, a lone surrogate half. */
export const MISC = "\u007f\u0000\t\ud800";

/** Everything at once; starts with the formula so CSV's guard is exercised in every cell. */
export function poison(value: string): string {
  return `${FORMULA_CMD} ${value} ${OSC52}${ANSI}${BIDI}${MISC}${FORGED}`;
}

// Enum fields the renderers branch on (computed by the checks, never ARM text) and the times
// (our own clock) stay as they are; every other string, evidence keys included, is poisoned.
const KEEP = new Set(["status", "kind", "severity", "schemaVersion", "startedAt", "finishedAt"]);

function poisonDeep(value: unknown, key?: string): unknown {
  if (typeof value === "string") return key !== undefined && KEEP.has(key) ? value : poison(value);
  if (Array.isArray(value)) return value.map((v) => poisonDeep(v));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [key === "evidence" ? poison(k) : k, poisonDeep(v, k)]));
  }
  return value;
}

/** The hostile report of `fixtures.ts` with every text field poisoned, and an expired suppression. */
export function poisonedReport(): DriftReport {
  const base = hostileReport();
  const critical = base.targets[0]!.findings.find((f) => f.status === "fail")!;
  base.expiredSuppressions = [
    { checkId: critical.checkId, resourceId: critical.resourceId, reason: "r", owner: "o", expires: "2020-01-01", matchingFindingIds: [critical.id] },
  ];
  return poisonDeep(base) as DriftReport;
}

/** Asserts `text` holds no unsafe character except line ends, and no forged line. */
export function expectNeutral(text: string, lineEnd: RegExp = /\n/): void {
  const lines = text.split(lineEnd);
  for (const line of lines) {
    expect(hasUnsafeText(line), JSON.stringify(line)).toBe(false);
    // A forged verdict may appear inside a line, never at the start of one.
    expect(line.trimStart().startsWith(FORGED_TEXT), JSON.stringify(line)).toBe(false);
  }
}
