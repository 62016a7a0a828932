/** The terminal table: colour only when asked, passes only when asked, no terminal control from data. */
import { describe, expect, it } from "vitest";
import { renderTable } from "../../src/report/render/table.js";
import { findings, hostileReport } from "./fixtures.js";

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
    expect(text).toContain("evil \uFFFD[2J\uFFFD]0;title\uFFFD done");
  });
});
