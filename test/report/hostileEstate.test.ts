/**
 * End to end: an estate whose owner named an AKS cluster and a stray public IP with OSC 52, a
 * bidi override, CRLF with a forged line, `;` and `=cmd`, scanned through the real SDK clients
 * against the emulator. The JSON report carries the names exactly; every other format shows
 * them inert (no control or bidi character, no line of their own, CSV cells guarded).
 */
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runScan } from "../../src/app/scan.js";
import { readArmSettings } from "../../src/config/settings.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { formats, renderers } from "../../src/report/render/index.js";
import type { DriftReport } from "../../src/report/report.js";
import { agentPoolNsg, aksCluster, estateOf, publicIp, SUB_A } from "../helpers/estate.js";
import { BIDI, expectNeutral, FORGED_TEXT, OSC52 } from "./hostile.js";

/** No `/` (it would split the ARM id) but everything else an owner can type into a name. */
const NAME = `=cmd|' calc'!A0;x${OSC52}${BIDI}\r\n${FORGED_TEXT}`;
const MC = "MC_rg-aks_aks_eastus";

describe("an estate with hostile names, in every format", () => {
  let emu: RunningEmulator;
  let report: DriftReport;
  beforeAll(async () => {
    const estate = estateOf([
      aksCluster(SUB_A, "rg-aks", `aks${NAME}`, { nodeResourceGroup: MC, outboundType: "loadBalancer" }),
      publicIp(SUB_A, MC, `pip${NAME}`),
      agentPoolNsg(SUB_A, MC),
    ]);
    emu = await startEmulator({ estate });
    ({ report } = await runScan({ settings: readArmSettings({}, { endpoint: emu.url, staticToken: "t" }), clients: { caCertificates: [emu.caCertPem], maxRetries: 0 } }));
  });
  afterAll(async () => {
    await emu?.close();
  });

  it("the names reach the report exactly (JSON stays data)", () => {
    expect(report.targets.map((t) => t.name)).toContain(`aks${NAME}`);
    const json = renderers.json.render(report);
    expect(JSON.parse(json)).toEqual(report);
    expect(json).toContain("\\u001b]52;c;"); // JSON's own escape of ESC
  });

  for (const format of formats.filter((f) => f !== "json" && f !== "sarif")) {
    it(`${format}: no control or bidi character, no forged line`, () => {
      const text = renderers[format].render(report, { includePasses: true, color: false });
      expectNeutral(text, format === "csv" ? /\r\n/ : /\n/);
      expect(text).toContain(format === "markdown" ? "\\\\u202etxt.exe" : "\\u202etxt.exe");
    });
  }

  it("csv: every cell guarded and quoted, one line per record", () => {
    const text = renderers.csv.render(report);
    const rows = parse<Record<string, string>>(text, { columns: true, record_delimiter: "\r\n" });
    expect(text.split("\r\n")).toHaveLength(rows.length + 2);
    expect(rows.find((r) => r.targetName?.includes("aks"))!.targetName).toMatch(/^aks=cmd\|' calc'!A0;x\\u001b\]52;c;ZWNobyBwd25lZA==\\u0007\\u202etxt\.exe/);
    for (const r of rows) for (const cell of Object.values(r)) expect(cell).not.toMatch(/^[=+\-@\t\r\n]/);
  });

  it("sarif: the message and location texts are sanitised", () => {
    const log = JSON.parse(renderers.sarif.render(report, { includePasses: true })) as {
      runs: Array<{ results: Array<{ message: { text: string }; locations: Array<{ logicalLocations: Array<{ name: string; fullyQualifiedName: string }> }> }> }>;
    };
    const texts = log.runs[0]!.results.flatMap((r) => [r.message.text, ...r.locations[0]!.logicalLocations.flatMap((l) => [l.name, l.fullyQualifiedName])]);
    expect(texts.some((t) => t.includes("aks=cmd|' calc'!A0;x\\u001b]52;c;"))).toBe(true);
    for (const t of texts) expectNeutral(t);
  });
});
