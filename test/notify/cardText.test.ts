/**
 * The Teams card shows ARM text (resource ids and names, subscription ids, the scan id) through
 * the one sanitiser: no control or bidi character and no line of its own from a name, while the
 * card stays valid against the Adaptive Card schema.
 */
import { describe, expect, it } from "vitest";
import { buildAlertMessage, escapeCardText, type CardItem } from "../../src/notify/card.js";
import { buildReport } from "../../src/report/report.js";
import { hasUnsafeText } from "../../src/util/sanitize.js";
import { cardText, teamsMessageProblems } from "../setup/harness.js";
import { BIDI, FORGED_TEXT, OSC52, poison } from "../report/hostile.js";

const SUB = "aaaaaaaa-0000-4000-8000-000000000001";

describe("card text from ARM", () => {
  it("escapeCardText: control, bidi and line breaks as visible escapes, then Teams markdown escaped", () => {
    expect(escapeCardText(`pip${OSC52}`)).toBe("pip\\\\u001b\\]52;c;ZWNobyBwd25lZA==\\\\u0007");
    expect(escapeCardText("a\u202eb")).toBe("a\\\\u202eb");
    expect(escapeCardText(`a\r\n${FORGED_TEXT}`)).toBe(`a\\\\r\\\\n${FORGED_TEXT}`);
    expect(hasUnsafeText(escapeCardText(poison("x")))).toBe(false);
  });

  it("clips long text without leaving half a surrogate pair", () => {
    const clipped = escapeCardText(`${"x".repeat(298)}\u{1F600}tail`);
    expect(clipped).toBe(`${"x".repeat(298)}…`);
    expect(escapeCardText("x".repeat(1000))).toHaveLength(300);
  });

  it("a card about hostile names holds no control or bidi character and no forged line, and stays schema-valid", () => {
    const rg = `/subscriptions/${SUB}/resourceGroups/rg${OSC52}${BIDI}`;
    const resourceId = `${rg}/providers/Microsoft.Network/publicIPAddresses/${poison("pip")}`;
    const report = buildReport({
      startedAt: new Date("2025-01-01T00:00:00Z"),
      finishedAt: new Date("2025-01-01T00:01:00Z"),
      subscriptions: [SUB, poison("sub")],
      targets: [],
      stats: { armRequests: 1, throttled: 0, retries: 0 },
      errors: [],
      scanId: poison("scan"),
    });
    const item = (checkId: string): CardItem => ({ findingId: `${checkId}:1`, checkId, severity: "high", resourceId });
    const message = buildAlertMessage({
      report,
      diff: { new: ["mc-group-public-ip:1", "x:1"], resolved: ["y:1"], unchanged: 0 },
      newItems: [item("mc-group-public-ip"), item(poison("retired-check"))],
      resolvedItems: [item(poison("old"))],
      staleCount: 0,
    });
    expect(teamsMessageProblems(message)).toEqual([]);
    const text = cardText(message);
    // The card's own line breaks (markdown `  \n` between a name and its id) are the only ones.
    for (const line of text.split("\n")) {
      expect(hasUnsafeText(line), JSON.stringify(line)).toBe(false);
      expect(line.trimStart().startsWith(FORGED_TEXT)).toBe(false);
    }
    expect(text).toContain("\\\\u001b\\]52;c;ZWNobyBwd25lZA==\\\\u0007");
    expect(text).toContain("\\\\u202etxt.exe");
    expect(text).toContain(`\\\\r\\\\n${FORGED_TEXT}`);
  });
});
