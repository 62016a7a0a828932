/** The terminal table: colour only when asked, passes only when asked, no terminal control from data. */
import { describe, expect, it } from "vitest";
import { renderTable } from "../../src/report/render/table.js";
import { findings, hostileReport } from "./fixtures.js";
import { expectNeutral, FORGED_TEXT, poisonedReport } from "./hostile.js";

const ESC = "\u001b";

describe("table", () => {
  it("colours only when asked (even when this process has no TTY)", () => {
    expect(renderTable(hostileReport(), { color: false })).not.toContain(ESC);
    expect(renderTable(hostileReport(), { color: true })).toContain(`${ESC}[31mfail`);
  });

  it("lists passes only with includePasses/verbose, and marks suppressions with the reason", () => {
    const report = hostileReport();
    const plain = renderTable(report);
    expect(plain).toContain("* suppressed by the baseline");
    expect(plain).toContain("[suppressed: Known jump host, ticket NET-42 (net-team, until 2099-01-01)]");
    expect(plain.match(/│ pass /g) ?? []).toHaveLength(0);
    expect(renderTable(report, { verbose: true }).match(/│ pass /g)).toHaveLength(2);
  });

  it("never passes control characters from report values to the terminal", () => {
    const report = hostileReport();
    report.targets[0]!.findings = [{ ...findings.critical, message: `evil ${ESC}[2J${ESC}]0;title\u0007 done`, actual: `x${ESC}[31m` }];
    report.errors = [{ scope: "s", code: "C", message: `${ESC}[1Aup` }];
    const text = renderTable(report, { color: false });
    expect(text).not.toContain(ESC);
    expect(text).not.toContain("\u0007");
    expect(text).toContain("evil \\u001b[2J\\u001b]0;title\\u0007 done");
  });

  it("hostile names (OSC 52, bidi override, CRLF) come out inert in every column and line, the resource column included", () => {
    const report = poisonedReport();
    for (const verbose of [false, true]) {
      const text = renderTable(report, { color: false, verbose });
      expectNeutral(text);
      expect(text).not.toContain(ESC);
      // Shown, as visible escapes, not dropped: names, the resource column, messages, errors, scope.
      expect(text).toContain("\\u001b]52;c;");
      expect(text).toContain("\\u202etxt.exe");
      expect(text).toMatch(/^egress-audit drift report =cmd.*\\u001b\]52;c;/m);
      expect(text).toMatch(/^scope: =cmd.*\\u001b\]52;c;/m);
      expect(text).toMatch(/^ {2}- =cmd.*\\r\\nFORGED/m);
      expect(text).toMatch(/^ {2}=cmd.*: =cmd.*\\u001b\]52/m); // a read error line
    }
    // With colour, every ESC left is one of our own SGR colour codes.
    const coloured = renderTable(report, { color: true, verbose: true });
    expect(coloured.replace(new RegExp(`${ESC}\\[[0-9;]*m`, "g"), "")).not.toContain(ESC);
    expect(coloured.split("\n").some((l) => l.trimStart().startsWith(FORGED_TEXT))).toBe(false);
  });

  it("the resource column shows the sanitised short id", () => {
    const report = hostileReport();
    const group = `/subscriptions/s/resourceGroups/`;
    report.targets[0]!.findings = [
      { ...findings.medium, id: "a", resourceId: `${group}\u001b]52;c;eA==\u0007` },
      { ...findings.medium, id: "b", resourceId: `${group}a\u202eb\r\nc` },
    ];
    const text = renderTable(report, { color: false });
    expectNeutral(text);
    expect(text).toContain("│ rg/\\u001b]52;c;eA==\\u0007 ");
    expect(text).toContain("│ rg/a\\u202eb\\r\\nc ");
  });
});
