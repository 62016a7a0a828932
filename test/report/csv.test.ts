/**
 * CSV: RFC 4180 framing (CRLF, every data field quoted, doubled quotes) that round-trips through
 * a real CSV parser (csv-parse) to the report's values, one line per record whatever the values
 * hold (line breaks and control characters as visible escapes), the formula-injection guard, and
 * one row per finding with every target present.
 */
import { parse } from "csv-parse/sync";
import { beforeAll, describe, expect, it } from "vitest";
import { csvColumns, csvField, renderCsv } from "../../src/report/render/csv.js";
import type { DriftReport } from "../../src/report/report.js";
import { safeLine } from "../../src/util/sanitize.js";
import { demoReport, FORMULA, findings, HOSTILE_MESSAGE, hostileReport, judged } from "./fixtures.js";
import { expectNeutral, FORGED_TEXT, FORMULA_CMD, poisonedReport } from "./hostile.js";

type Row = Record<(typeof csvColumns)[number], string>;

/** What a consumer does to undo the guard: drop the `'` in front of a formula trigger. */
const unguard = (cell: string) => (/^'[=+\-@\t\r\n\0\uff1d\uff0b\uff0d\uff20]/.test(cell) ? cell.slice(1) : cell);

function rows(text: string): Row[] {
  // Strict RFC 4180 reading: no relaxed quotes, CRLF records, header row as column names.
  return parse<Row>(text, { columns: true, record_delimiter: "\r\n", relax_quotes: false, relax_column_count: false });
}

describe("CSV", () => {
  let demo: DriftReport;
  beforeAll(async () => {
    demo = await demoReport();
  });

  it("has the documented header and one row per demo finding, every field round-tripping", () => {
    const text = renderCsv(demo);
    expect(text.split("\r\n")[0]).toBe(csvColumns.join(","));
    // Every data record is one line of fully quoted fields.
    for (const line of text.split("\r\n").slice(1, -1)) expect(line).toMatch(/^"(?:[^"]|"")*"(?:,"(?:[^"]|"")*")*$/);
    const parsed = rows(text);
    const all = demo.targets.flatMap((t) => t.findings.map((f) => ({ t, f })));
    expect(parsed).toHaveLength(all.length);
    parsed.forEach((row, i) => {
      const { t, f } = all[i]!;
      expect(row.targetId).toBe(t.id);
      expect(row.targetStatus).toBe(t.status);
      expect(row.findingId).toBe(f.id);
      expect(row.status).toBe(f.status);
      expect(unguard(row.message)).toBe(f.message);
      expect(unguard(row.expected)).toBe(f.expected);
      expect(unguard(row.actual)).toBe(f.actual);
      expect(unguard(row.remediation)).toBe(f.status === "pass" ? "" : demo.checks[f.checkId]!.remediation);
      if (f.evidence === undefined) expect(row.evidence).toBe("");
      else expect(JSON.parse(row.evidence)).toEqual(f.evidence);
    });
    // The demo has both kinds: failures with their evidence and passes without.
    expect(parsed.some((r) => r.status === "fail" && r.evidence !== "")).toBe(true);
    expect(parsed.some((r) => r.status === "pass" && r.evidence === "")).toBe(true);
  });

  it("fills the remediation column of fail and unknown rows from the report's catalog; empty for a pass and for a check the catalog does not hold", () => {
    const report = hostileReport();
    report.checks["subnet-default-route"] = { ...report.checks["subnet-default-route"]!, remediation: "=catalog fix for <rg>, \"quoted\"" };
    report.targets[0]!.findings.push({ ...findings.medium, id: "retired-check:1", checkId: "retired-check" });
    const parsed = rows(renderCsv(report));
    const row = (id: string) => parsed.find((r) => r.findingId === id)!;
    expect(row(findings.critical.id).remediation).toBe("'=catalog fix for <rg>, \"quoted\"");
    expect(row(findings.medium.id).remediation).toBe(report.checks["mc-group-public-ip"]!.remediation);
    expect(row(findings.suppressed.id).remediation).toBe(report.checks["mc-group-public-ip"]!.remediation);
    expect(row(findings.unknown.id).remediation).toBe(report.checks["default-route-firewall"]!.remediation);
    expect(row(findings.pass.id).remediation).toBe("");
    expect(row(findings.aksPass.id).remediation).toBe("");
    expect(row("retired-check:1").remediation).toBe("");
    expect(row("retired-check:1").evidence).toBe("{}");
  });

  it("leaves the evidence cell empty for a pass without evidence, and fills it for every finding with `evidence all`", () => {
    const text = renderCsv(hostileReport());
    expect(text).not.toMatch(/undefined|"null"/);
    const byDefault = rows(text);
    expect(byDefault.find((r) => r.findingId === findings.pass.id)!.evidence).toBe("");
    expect(byDefault.find((r) => r.findingId === findings.aksPass.id)!.evidence).toBe("");
    expect(JSON.parse(byDefault.find((r) => r.findingId === findings.unknown.id)!.evidence)).toEqual(judged.unknown.evidence);
    const all = rows(renderCsv(hostileReport({ evidence: "all" })));
    expect(all).toHaveLength(byDefault.length);
    expect(JSON.parse(all.find((r) => r.findingId === findings.pass.id)!.evidence)).toEqual(judged.pass.evidence);
    expect(JSON.parse(all.find((r) => r.findingId === findings.aksPass.id)!.evidence)).toEqual(judged.aksPass.evidence);
    // Nothing else changes with the evidence mode.
    const { evidence: _a, ...rest } = all.find((r) => r.findingId === findings.pass.id)!;
    const { evidence: _b, ...restDefault } = byDefault.find((r) => r.findingId === findings.pass.id)!;
    expect(rest).toEqual(restDefault);
  });

  it("ends every record with CRLF, and never has a bare LF outside a quoted field", () => {
    const text = renderCsv(hostileReport());
    expect(text.endsWith("\r\n")).toBe(true);
    // Remove quoted fields; what remains must use CRLF only.
    const outside = text.replace(/"(?:[^"]|"")*"/g, "");
    expect(outside).not.toMatch(/[^\r]\n/);
    expect(outside).not.toMatch(/\r(?!\n)/);
  });

  it("quotes every data field, doubles inner quotes, keeps line breaks as visible escapes, and round-trips", () => {
    expect(csvField("plain")).toBe('"plain"');
    expect(csvField("")).toBe('""');
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField("a;b")).toBe('"a;b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\\nlines"');
    expect(csvField("cr\ronly")).toBe('"cr\\ronly"');
    const row = rows(renderCsv(hostileReport())).find((r) => r.findingId === findings.critical.id)!;
    expect(row.message).toBe(safeLine(HOSTILE_MESSAGE));
    expect(row.message).toContain("0.0.0.0/0\\nsecond line");
    expect(row.expected).toBe("VirtualAppliance, 10.0.1.4");
    expect(JSON.parse(row.evidence)).toEqual(findings.critical.evidence);
  });

  it("prefixes a quote to cells a spreadsheet would run as a formula", () => {
    for (const v of ["=1+1", "+1", "-1", "@SUM(A1)", "\uff1d1+1", "\uff0b1", "\uff0d1", "\uff20SUM(A1)"]) expect(csvField(v)).toMatch(/^"'/);
    // Tab, CR, LF and NUL never reach a cell raw: they show as `\t`, `\r`, `\n`, `\u0000`.
    for (const v of ["\tx", "\rx", "\nx", "\u0000x"]) expect(csvField(v)).toMatch(/^"\\/);
    for (const v of ["a=1", "1-1", "x@y", "", "'quoted"]) expect(csvField(v)).not.toMatch(/^"?'[=+\-@]/);
    const parsed = rows(renderCsv(hostileReport()));
    const critical = parsed.find((r) => r.findingId === findings.critical.id)!;
    expect(critical.actual).toBe(`'${FORMULA}`);
    expect(unguard(critical.actual)).toBe(FORMULA);
    expect(parsed.find((r) => r.findingId === findings.medium.id)!.actual).toBe("'-1 @home");
    // No cell of the whole file starts with a trigger once parsed.
    for (const r of parsed) for (const cell of Object.values(r)) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it("writes suppressions in their own columns and keeps a target without findings as one row", () => {
    const parsed = rows(renderCsv(hostileReport()));
    const s = parsed.find((r) => r.findingId === findings.suppressed.id)!;
    expect(s).toMatchObject({ suppressed: "true", suppressionReason: "Known jump host, ticket NET-42", suppressionOwner: "net-team", suppressionExpires: "2099-01-01" });
    expect(parsed.find((r) => r.findingId === findings.medium.id)!.suppressed).toBe("false");
    const empty = parsed.filter((r) => r.targetName === "aks-empty");
    expect(empty).toHaveLength(1);
    expect(empty[0]).toMatchObject({ targetStatus: "unknown", findingId: "", status: "" });
    expect(new Set(parsed.map((r) => r.targetId)).size).toBe(3);
  });

  it("hostile names (OSC 52, bidi override, CRLF, `;`, `=cmd`) come out one line per record, inert, every field quoted and guarded", () => {
    const report = poisonedReport();
    const text = renderCsv(report);
    // One line per record: the forged lines stay inside their field.
    const records = report.targets.reduce((n, t) => n + Math.max(1, t.findings.length), 0);
    expect(text.split("\r\n")).toHaveLength(records + 2);
    expectNeutral(text, /\r\n/);
    for (const line of text.split("\r\n").slice(1, -1)) expect(line).toMatch(/^"(?:[^"]|"")*"(?:,"(?:[^"]|"")*")*$/);
    // Each poisoned cell starts with the formula: guarded with `'`, its `;` and `,` inside quotes.
    const parsed = rows(text);
    for (const r of parsed) {
      for (const cell of Object.values(r)) expect(cell).not.toMatch(/^[=+\-@\t\r\n\0\uff1d\uff0b\uff0d\uff20]/);
      expect(r.targetName.startsWith(`'${FORMULA_CMD}`)).toBe(true);
      expect(r.targetName).toContain("\\u001b]52;c;ZWNobyBwd25lZA==\\u0007");
      expect(r.targetName).toContain("\\u202etxt.exe");
      expect(r.targetName).toContain(`\\r\\n${FORGED_TEXT}`);
    }
    // The evidence column still parses to the exact evidence, hostile keys and values included;
    // empty where the finding has none (the passes).
    const all = report.targets.flatMap((t) => t.findings);
    const findingRows = parsed.filter((r) => r.findingId !== "");
    expect(findingRows).toHaveLength(all.length);
    findingRows.forEach((r, i) => {
      const evidence = all[i]!.evidence;
      if (evidence === undefined) expect(r.evidence).toBe("");
      else expect(JSON.parse(r.evidence)).toEqual(evidence);
    });
    expect(findingRows.filter((r) => r.evidence !== "").length).toBeGreaterThanOrEqual(4);
  });
});
