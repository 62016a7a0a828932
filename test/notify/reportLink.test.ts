/**
 * The card's "Open report" link: the dashboard page at the scan (and at the target when the change
 * is on one), never the JSON API route, never a key. The Chromium test in test/dashboard/ opens
 * such a link and checks the dashboard shows that target.
 */
import { describe, expect, it } from "vitest";
import { changedTargetOf, dashboardLink } from "../../src/notify/card.js";
import { buildReport, type DriftReport, type ReportFinding } from "../../src/report/report.js";

const SUB = "aaaaaaaa-0000-4000-8000-000000000001";
const SCAN = "11111111-2222-4333-8444-555555555555";
const aks = (name: string) => `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/${name}`;

function finding(id: string): ReportFinding {
  return { id, checkId: "mc-group-public-ip", status: "fail", severity: "high", resourceId: `/subscriptions/${SUB}/x/${id}`, message: "m", expected: "e", actual: "a", evidence: {} };
}

function report(): DriftReport {
  return buildReport({
    startedAt: new Date("2025-01-01T00:00:00Z"),
    finishedAt: new Date("2025-01-01T00:01:00Z"),
    subscriptions: [SUB],
    targets: [
      { id: aks("one"), kind: "aksCluster", name: "one", subscriptionId: SUB, status: "drifted", findings: [finding("a:1"), finding("a:2")] },
      { id: aks("two"), kind: "aksCluster", name: "two", subscriptionId: SUB, status: "drifted", findings: [finding("b:1")] },
    ],
    stats: { armRequests: 1, throttled: 0, retries: 0 },
    errors: [],
    scanId: SCAN,
  });
}

describe("the card's report link", () => {
  it("points to the dashboard page at the scan and target, with no key and no query", () => {
    const url = dashboardLink("https://func-egress.azurewebsites.net", SCAN, aks("one"));
    expect(url).toBe(`https://func-egress.azurewebsites.net/api/dashboard#scan=${SCAN}&target=${encodeURIComponent(aks("one"))}`);
    const parsed = new URL(url);
    expect(parsed.pathname).toBe("/api/dashboard");
    expect(parsed.search).toBe("");
    expect(url).not.toMatch(/code=|key|\/api\/scans/i);
    // The fragment round-trips to the ids the dashboard looks up.
    const params = new URLSearchParams(parsed.hash.slice(1));
    expect(params.get("scan")).toBe(SCAN);
    expect(params.get("target")).toBe(aks("one"));
  });

  it("opens the scan's overview when there is no single target, and tolerates a trailing slash", () => {
    expect(dashboardLink("https://h.example/", SCAN)).toBe(`https://h.example/api/dashboard#scan=${SCAN}`);
  });

  it("names the target only when every change found in the report is on that one target", () => {
    const r = report();
    expect(changedTargetOf(r, { new: ["a:1", "a:2"], resolved: [] })).toBe(aks("one"));
    // A resolved finding gone from the report does not count against the one target.
    expect(changedTargetOf(r, { new: ["a:1"], resolved: ["gone:1"] })).toBe(aks("one"));
    expect(changedTargetOf(r, { new: ["a:1"], resolved: ["b:1"] })).toBeUndefined();
    expect(changedTargetOf(r, { new: [], resolved: ["gone:1"] })).toBeUndefined();
  });
});
