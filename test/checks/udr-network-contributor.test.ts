/** udr-network-contributor outside the case files: when it applies, unknown paths. */
import { describe, expect, it } from "vitest";
import { getCheck } from "../../src/checks/index.js";
import { emptyBaseline } from "../../src/baseline/baseline.js";
import { effectiveBaseline } from "../../src/baseline/overrides.js";
import { loadCase } from "./case-files.js";

describe("udr-network-contributor outside the case files", () => {
  const check = getCheck("udr-network-contributor");
  const c = loadCase("udr-network-contributor", "pass-udr-pool-network-contributor-on-resource-group.json");
  const run = (mutate: (s: typeof c.snapshot) => void) => {
    const snapshot = structuredClone(c.snapshot);
    mutate(snapshot);
    const target = snapshot.targets[0]!;
    return check?.evaluate({ snapshot, target, baseline: effectiveBaseline(emptyBaseline, target), params: {} }) ?? [];
  };

  it("does not apply to loadBalancer targets", () => {
    expect(run(() => undefined).map((r) => r.status)).toEqual(["pass", "pass", "pass"]);
    expect(run((s) => { s.targets[0]!.pool!.outboundType = "loadBalancer"; })).toEqual([]);
  });

  it("is unknown (never silent) when the egress mode cannot be told", () => {
    const results = run((s) => {
      delete s.targets[0]!.pool!.outboundType;
      s.aksClusters = {};
    });
    expect(results.map((r) => r.status)).toEqual(["unknown"]);
  });

  it("is unknown for a cluster without a managed identity principal", () => {
    const results = run((s) => {
      for (const p of Object.values(s.aksClusters)) if (p.ok) delete p.value.identityPrincipalId;
    });
    expect(results.map((r) => r.status)).toEqual(["unknown", "unknown", "unknown"]);
  });

  it("reports the unreadable subnet and does not judge its VNet, whose assignments may be hidden", () => {
    const results = run((s) => {
      s.subnets = {};
    });
    expect(results.map((r) => `${r.status} ${r.resourceId.split("/").pop()}`)).toEqual(["unknown snet-hdi-pool"]);
  });

  it("is unknown, not failed, on a route table it could not read", () => {
    const results = run((s) => {
      s.routeTables = {};
    });
    expect(results.filter((r) => r.status === "fail")).toEqual([]);
    expect(results.map((r) => r.message)).toContainEqual(expect.stringMatching(/^Route table .* could not be read/));
  });
});
