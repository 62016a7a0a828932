/**
 * CSV: RFC 4180 framing (CRLF, quoting, doubled quotes) that round-trips through a real CSV
 * parser (csv-parse) to the report's values, the formula-injection guard, and one row per
 * finding with every target present.
 */
import { parse } from "csv-parse/sync";
import { beforeAll, describe, expect, it } from "vitest";
import { csvColumns, csvField, renderCsv } from "../../src/report/render/csv.js";
import type { DriftReport } from "../../src/report/report.js";
import { demoReport, FORMULA, findings, HOSTILE_MESSAGE, hostileReport } from "./fixtures.js";

type Row = Record<(typeof csvColumns)[number], string>;

/** What a consumer does to undo the guard: drop the `'` in front of a formula trigger. */
const unguard = (cell: string) => (/^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell);

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
      expect(unguard(row.remediation)).toBe(f.remediation);
      expect(JSON.parse(row.evidence)).toEqual(f.evidence);
    });
  });

  it("ends every record with CRLF, and never has a bare LF outside a quoted field", () => {
    const text = renderCsv(hostileReport());
    expect(text.endsWith("\r\n")).toBe(true);
    // Remove quoted fields; what remains must use CRLF only.
    const outside = text.replace(/"(?:[^"]|"")*"/g, "");
    expect(outside).not.toMatch(/[^\r]\n/);
    expect(outside).not.toMatch(/\r(?!\n)/);
  });

  it("quotes fields with comma, quote, CR or LF, doubles inner quotes, and round-trips them", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("cr\ronly")).toBe('"cr\ronly"');
    const row = rows(renderCsv(hostileReport())).find((r) => r.findingId === findings.critical.id)!;
    expect(row.message).toBe(HOSTILE_MESSAGE);
    expect(row.expected).toBe("VirtualAppliance, 10.0.1.4");
    expect(JSON.parse(row.evidence)).toEqual(findings.critical.evidence);
  });

  it("prefixes a quote to cells a spreadsheet would run as a formula", () => {
    for (const v of ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"]) expect(csvField(v).replace(/^"/, "")).toMatch(/^'/);
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
});
