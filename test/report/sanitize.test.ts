/**
 * The one sanitiser (src/util/sanitize.ts) that every renderer, the Teams card and the CLI's
 * request lines use: which characters it replaces, how they show, what it leaves alone, and that
 * JSON text passed through it still parses to the exact value.
 */
import { describe, expect, it } from "vitest";
import { hasUnsafeText, safeLine, safeLines } from "../../src/util/sanitize.js";
import { OSC52 } from "./hostile.js";

/** Every code point the sanitiser must replace. */
const unsafe: number[] = [
  ...Array.from({ length: 0x20 }, (_, i) => i), // C0, tab, LF and CR included
  0x7f, // DEL
  ...Array.from({ length: 0x20 }, (_, i) => 0x80 + i), // C1: NEL U+0085, CSI U+009B, OSC U+009D
  0x061c, // Arabic letter mark
  0x200e,
  0x200f, // LRM, RLM
  0x202a,
  0x202b,
  0x202c,
  0x202d,
  0x202e, // embeddings, pop, overrides
  0x2066,
  0x2067,
  0x2068,
  0x2069, // isolates
  0x2028,
  0x2029, // line and paragraph separators
];

describe("sanitiser", () => {
  it("replaces every control, bidi and line-separator character by a visible escape", () => {
    for (const cp of unsafe) {
      const c = String.fromCharCode(cp);
      const out = safeLine(`a${c}b`);
      expect(hasUnsafeText(`a${c}b`), cp.toString(16)).toBe(true);
      expect(hasUnsafeText(out), cp.toString(16)).toBe(false);
      const expected = c === "\t" ? "\\t" : c === "\n" ? "\\n" : c === "\r" ? "\\r" : `\\u${cp.toString(16).padStart(4, "0")}`;
      expect(out).toBe(`a${expected}b`);
    }
  });

  it("turns OSC 52 and ANSI sequences into inert text, and a bidi override into its escape", () => {
    expect(safeLine(`name${OSC52}`)).toBe("name\\u001b]52;c;ZWNobyBwd25lZA==\\u0007");
    expect(safeLine("\u001b[2J\u009b31m")).toBe("\\u001b[2J\\u009b31m");
    expect(safeLine("pool-\u202etxt.exe")).toBe("pool-\\u202etxt.exe");
  });

  it("safeLine leaves no line break; safeLines keeps LF and makes CR and CRLF one LF", () => {
    expect(safeLine("a\r\nb\rc\nd\u2028e\u0085f")).toBe("a\\r\\nb\\rc\\nd\\u2028e\\u0085f");
    expect(safeLines("a\r\nb\rc\nd\u2028e\u0085f")).toBe("a\nb\nc\nd\\u2028e\\u0085f");
    expect(safeLines("tab\there")).toBe("tab\\there");
  });

  it("escapes lone surrogate halves but keeps pairs (emoji, astral letters)", () => {
    expect(safeLine("x\ud800y")).toBe("x\\ud800y");
    expect(safeLine("x\udc00y")).toBe("x\\udc00y");
    expect(safeLine("x\ud83d")).toBe("x\\ud83d");
    expect(safeLine("ok \ud83d\ude00 \ud801\udc00")).toBe("ok \ud83d\ude00 \ud801\udc00");
  });

  it("leaves ordinary text alone: ARM ids, non-ASCII letters, punctuation, zero-width joiner in emoji", () => {
    for (const text of [
      "/subscriptions/3f2a8c4e-7b1d-4e59-9c0a-2d6f1b8e4a73/resourceGroups/MC_rg_aks_eastus/providers/Microsoft.Network/publicIPAddresses/pip-1",
      "Zürich – Łódź 東京 مرحبا", // RTL letters are fine: only the invisible controls are not
      `quote " ; , = + - @ | < > & ' \\ \``,
      "\u{1F469}\u200D\u{1F4BB}",
      "…",
    ]) {
      expect(safeLine(text)).toBe(text);
      expect(safeLines(text)).toBe(text);
      expect(hasUnsafeText(text)).toBe(false);
    }
  });

  it("keeps JSON text valid JSON of the exact same value (its escapes are JSON's)", () => {
    const value = { "k\u202e": `v${OSC52}\u0085\u2028\u2066\u007f\ud800`, n: 1, nested: ["\r\n"] };
    for (const json of [JSON.stringify(value), JSON.stringify(value, null, 2)]) {
      const safe = json.includes("\n") ? safeLines(json) : safeLine(json);
      expect(hasUnsafeText(safe.replace(/\n/g, ""))).toBe(false);
      expect(JSON.parse(safe)).toEqual(value);
    }
  });
});
