/** subnet-nsg-inbound outside the case files: no custom subnet, the ingressTcpPorts parameter. */
import { describe, expect, it } from "vitest";
import { getCheck } from "../../src/checks/index.js";
import { emptyBaseline } from "../../src/baseline/baseline.js";
import { effectiveBaseline } from "../../src/baseline/overrides.js";
import { loadCase } from "./case-files.js";

describe("subnet-nsg-inbound outside the case files", () => {
  const check = getCheck("subnet-nsg-inbound");
  it("emits nothing for a target without a custom subnet (AKS-managed VNet)", () => {
    const c = loadCase("subnet-nsg-inbound", "pass-aks-cluster-no-nsg-not-required.json");
    const snapshot = structuredClone(c.snapshot);
    const target = snapshot.targets[0]!;
    target.subnetIds = [];
    for (const part of Object.values(snapshot.aksClusters)) if (part.ok) part.value.agentPoolSubnetIds = [];
    const params = Object.fromEntries((check?.meta.parameters ?? []).map((p) => [p.name, p.default]));
    expect(check?.evaluate({ snapshot, target, baseline: effectiveBaseline(emptyBaseline, target), params })).toEqual([]);
  });

  it("honours the ingressTcpPorts parameter", () => {
    const c = loadCase("subnet-nsg-inbound", "fail-pool-deny-below-allow-does-not-shadow.json");
    const target = c.snapshot.targets[0]!;
    const run = (ports: number[]) =>
      check?.evaluate({ snapshot: c.snapshot, target, baseline: effectiveBaseline(emptyBaseline, target), params: { internetSourceMinPrefixLength: 8, ingressTcpPorts: ports } }).map((r) => r.status);
    expect(run([80, 443])).toEqual(["fail"]);
    expect(run([...Array.from({ length: 101 }, (_, i) => 8000 + i)])).toEqual(["pass"]);
    expect(() => run(["443"] as unknown as number[])).toThrow(/ingressTcpPorts/);
  });
});
