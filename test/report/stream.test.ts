/**
 * The report as a stream (src/report/stream.ts): chunks that join into JSON which reads back to
 * the same report; shared evidence written once and referenced, put back on read; a report of any
 * size in bounded chunks, never one string.
 */
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { parseReport, readReport } from "../../src/report/read.js";
import { buildReport, type DriftReport, type ReportFinding, type TargetReport } from "../../src/report/report.js";
import { renderers } from "../../src/report/render/index.js";
import { reportJsonChunks, reportJsonText, reportJsonTextSync, SHARED_EVIDENCE_MIN_BYTES, writeReportJson } from "../../src/report/stream.js";

const SUB = "00000000-0000-0000-0000-000000000001";
const targetId = (i: number) => `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-${i}`;

/** A rule list as large as a shared firewall policy's (well above the sharing threshold). */
function ruleList(tag: string): Array<Record<string, unknown>> {
  return Array.from({ length: 40 }, (_, i) => ({ name: `${tag}-rule-${i}`, protocols: ["Https:443"], targetFqdns: [`host-${i}.${tag}.example`], sourceAddresses: ["10.0.0.0/8"] }));
}

function finding(target: number, n: number, status: ReportFinding["status"], evidence?: Record<string, unknown>): ReportFinding {
  return {
    id: `firewall-required-egress:${String(target).padStart(10, "0")}${String(n).padStart(10, "0")}`,
    checkId: "firewall-required-egress",
    status,
    severity: "high",
    resourceId: `/subscriptions/${SUB}/resourceGroups/hub/providers/Microsoft.Network/firewallPolicies/fwp`,
    message: `finding ${n} of target ${target} "quoted" \u2028 line`,
    expected: "allow mcr.microsoft.com Https:443",
    actual: status === "pass" ? "allowed" : "not allowed",
    ...(evidence ? { evidence } : {}),
  };
}

function target(i: number, findings: ReportFinding[]): TargetReport {
  return { id: targetId(i), kind: "aksCluster", name: `aks-${i}`, subscriptionId: SUB, tags: { team: `t${i % 3}` }, status: findings.some((f) => f.status === "fail") ? "drifted" : "compliant", findings };
}

function report(targets: TargetReport[]): DriftReport {
  return buildReport({
    startedAt: new Date("2026-11-26T00:00:00Z"),
    finishedAt: new Date("2026-11-26T00:00:05Z"),
    subscriptions: [SUB],
    targets,
    stats: { armRequests: 12, throttled: 0, retries: 0 },
    errors: [{ scope: `/subscriptions/${SUB}`, code: "AuthorizationFailed", message: "no" }],
    scanId: "scan-1",
  });
}

/** Deep copy: readReport mutates what it reads, and the originals must stay to compare. */
const copy = <T>(v: T): T => structuredClone(v);

describe("reportJsonChunks", () => {
  it("joins into JSON that reads back to the same report: head first, then one target per line", async () => {
    const shared = { rules: ruleList("hub") };
    const r = report([
      target(1, [finding(1, 1, "pass"), finding(1, 2, "fail", { ...shared, small: { a: 1 } })]),
      target(2, [finding(2, 1, "unknown", { readError: { code: "AuthorizationFailed", message: "no" } })]),
      target(3, []),
    ]);
    const original = copy(r);
    const text = await reportJsonText(r);
    const lines = text.split("\n");
    // The summary is in the first line, before any target.
    expect(lines[0]).toContain('"summary":{"targets":3');
    expect(lines[0]!.endsWith('"targets":[')).toBe(true);
    expect(lines.filter((l) => l.startsWith('{"id":"/subscriptions/'))).toHaveLength(3);
    const back = parseReport(text);
    expect(back).toEqual(original);
    // The stream did not change the report it wrote.
    expect(r).toEqual(original);
    // The in-memory form and the renderer give the same text.
    expect(reportJsonTextSync(r)).toBe(text);
    expect(renderers.json.render(r)).toBe(text);
    let streamed = "";
    for await (const chunk of renderers.json.stream(r)) streamed += chunk;
    expect(streamed).toBe(text);
  });

  it("writes evidence shared by findings once and references it; reading puts it back, one object for all", async () => {
    const rules = ruleList("shared");
    const targets = Array.from({ length: 50 }, (_, i) =>
      target(i, [
        // The same value by identity (a snapshot part) and by content (read back from a spool).
        finding(i, 1, "fail", { firewallId: "/fw", rules: i % 2 === 0 ? rules : copy(rules) }),
        finding(i, 2, "fail", { rules: ruleList(`own-${i}`) }),
      ]),
    );
    const r = report(targets);
    const original = copy(r);
    const text = await reportJsonText(r);
    const raw = JSON.parse(text) as { targets: Array<{ findings: Array<{ evidence: { rules: unknown } }> }>; sharedEvidence: Record<string, unknown> };
    // The shared list once; each target's own list once as well (referenced from one finding).
    expect(text.split('"shared-rule-0"').length - 1).toBe(1);
    expect(Object.keys(raw.sharedEvidence)).toHaveLength(51);
    const refs = new Set(raw.targets.map((t) => JSON.stringify(t.findings[0]!.evidence.rules)));
    expect(refs.size).toBe(1);
    expect([...refs][0]).toMatch(/^\{"\$ref":"#\/sharedEvidence\/[0-9a-f]{16}"\}$/);
    // 49 of the 50 copies of the shared list are not written (less the refs written instead).
    expect(text.length).toBeLessThan(JSON.stringify(original).length - 45 * JSON.stringify(rules).length);
    const back = readReport(JSON.parse(text));
    expect(back).toEqual(original);
    expect(back).not.toHaveProperty("sharedEvidence");
    const first = back.targets[0]!.findings[0]!.evidence!.rules;
    for (const t of back.targets) expect(t.findings[0]!.evidence!.rules).toBe(first);
  });

  it("leaves small evidence inline, and shares nothing when told so", async () => {
    const small = { defaultRoute: { nextHopType: "VirtualAppliance", nextHopIpAddress: "10.0.1.4" } };
    expect(JSON.stringify(small.defaultRoute).length).toBeLessThan(SHARED_EVIDENCE_MIN_BYTES);
    const r = report([target(1, [finding(1, 1, "fail", small)]), target(2, [finding(2, 1, "fail", { rules: ruleList("x") })])]);
    const inline = JSON.parse(await reportJsonText(r, { sharedEvidenceMinBytes: Infinity })) as Record<string, unknown>;
    expect(inline).not.toHaveProperty("sharedEvidence");
    expect(readReport(inline)).toEqual(copy(r));
    const text = await reportJsonText(r);
    expect(text).toContain('"nextHopIpAddress":"10.0.1.4"');
    expect(text).toContain('"sharedEvidence"');
  });

  it("streams a huge report from an async target source in bounded chunks, never one string", async () => {
    const count = 20_000;
    let produced = 0;
    async function* targets(): AsyncGenerator<TargetReport> {
      for (let i = 0; i < count; i++) {
        // An asynchronous source (a spool, stored pages): it waits now and then.
        if (i % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
        produced++;
        yield target(i, [finding(i, 1, "pass"), finding(i, 2, "pass"), finding(i, 3, "fail", { firewallId: "/fw", item: `item-${i}` })]);
      }
    }
    const head = report([]);
    const streamed = { ...head, summary: { ...head.summary, targets: count }, targets: targets() };
    let chunks = 0;
    let largest = 0;
    let total = 0;
    let producedAtFirstChunk = -1;
    let ids = 0;
    for await (const chunk of reportJsonChunks(streamed)) {
      if (chunks === 0) producedAtFirstChunk = produced;
      chunks++;
      largest = Math.max(largest, chunk.length);
      total += chunk.length;
      ids += chunk.split('{"id":"/subscriptions/').length - 1;
    }
    expect(ids).toBe(count);
    expect(total).toBeGreaterThan(20 * 1024 * 1024);
    expect(chunks).toBeGreaterThan(total / (128 * 1024));
    // About 64 KB each: a chunk never holds more than one target past the threshold.
    expect(largest).toBeLessThan(64 * 1024 + 4 * 1024);
    // The first chunk left before the source was read to its end: it streams, it does not gather.
    expect(producedAtFirstChunk).toBeLessThan(count / 10);
  });

  it("writeReportJson honours the writable: the stream is ended, or left open for stdout", async () => {
    const r = report([target(1, [finding(1, 1, "pass")])]);
    const ended = new PassThrough();
    let text = "";
    ended.on("data", (d: Buffer) => (text += d.toString()));
    await writeReportJson(r, ended);
    expect(ended.writableEnded).toBe(true);
    expect(parseReport(text)).toEqual(copy(r));
    const open = new PassThrough();
    open.resume();
    await writeReportJson(r, open, { end: false });
    expect(open.writableEnded).toBe(false);
  });

  it("stops at the abort signal", async () => {
    const controller = new AbortController();
    const r = report(Array.from({ length: 3000 }, (_, i) => target(i, [finding(i, 1, "pass")])));
    const chunks: string[] = [];
    await expect(async () => {
      for await (const chunk of reportJsonChunks(r, { abortSignal: controller.signal })) {
        chunks.push(chunk);
        controller.abort(new Error("client went away"));
      }
    }).rejects.toThrow("client went away");
    expect(chunks).toHaveLength(1);
  });
});
