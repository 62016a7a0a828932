/**
 * CHECKS.md, "Subscriptions without a provider": a subscription where `Microsoft.HDInsight` (or any
 * provider a list needs) is not registered has no resources of that kind: the list's 409
 * `MissingSubscriptionRegistration` (or `NoRegisteredProviderFound`) is an empty list and no
 * error, so an AKS-only estate comes out complete. Through the real SDK clients against the
 * emulator, whose estate declares the subscription's unregistered providers.
 */
import { afterEach, describe, expect, it } from "vitest";
import { runScan } from "../../src/app/scan.js";
import { readArmSettings } from "../../src/config/settings.js";
import { startEmulator } from "../../src/emulator/server.js";
import { lookup } from "../../src/model/snapshot.js";
import { exitCodeOf } from "../../src/report/report.js";
import { aks, closeEmulator, collectFrom, estateOf, mcGroup, netOf, rgOf, SUB_D, vnet } from "./egressEstate.js";

afterEach(closeEmulator);

describe("subscriptions without a resource provider registered", () => {
  const subnet = `${netOf(SUB_D, "rg-net", "virtualNetworks", "vnet-aks")}/subnets/aks`;
  const estate = () =>
    estateOf(
      [
        vnet(SUB_D, "rg-net", "vnet-aks", "10.5.0.0/16", [{ name: "aks", prefix: "10.5.0.0/24" }]),
        aks(SUB_D, "rg-apps", "only-aks", { example: "ManagedNATGateway", nodeResourceGroup: "MC_only", outboundType: "loadBalancer", subnetId: subnet }),
        ...mcGroup(SUB_D, "MC_only", subnet),
      ],
      { subscriptions: [{ subscriptionId: SUB_D, displayName: "AKS only", unregisteredProviders: ["Microsoft.HDInsight"] }] },
    );

  it("takes MissingSubscriptionRegistration (409) for HDInsight as no cluster pools: no error, the AKS cluster is a target", async () => {
    const { snapshot, errors, counts } = await collectFrom(estate(), {});
    expect(counts["error:409"]).toBe(1);
    expect(errors).toEqual([]);
    expect(snapshot.targets.map((t) => `${t.kind}:${t.name}`)).toEqual(["aksCluster:only-aks"]);
  });

  it("takes an unregistered Microsoft.ContainerService (or Compute) the same way: a subscription with neither kind of target is no error", async () => {
    const e = estate();
    const empty = "eeeeeeee-0000-4000-8000-000000000005";
    e.subscriptions.push({ subscriptionId: empty, displayName: "network only", unregisteredProviders: ["Microsoft.HDInsight", "Microsoft.ContainerService", "Microsoft.Compute"] });
    const { snapshot, errors, counts } = await collectFrom(e, {});
    expect(counts["error:409"]).toBe(4);
    expect(errors).toEqual([]);
    expect(snapshot.targets.map((t) => t.name)).toEqual(["only-aks"]);
  });

  it("takes NoRegisteredProviderFound the same way, on any list", async () => {
    const { snapshot, errors, counts } = await collectFrom(estate(), {}, {
      rules: [{ path: "/providers/Microsoft.Compute/virtualMachineScaleSets$", kind: "status", status: 400, code: "NoRegisteredProviderFound" }],
    });
    expect(counts["error:400"]).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    expect(lookup(snapshot.mcGroups, rgOf(SUB_D, "MC_only"))).toMatchObject({ ok: true, value: { scaleSetIds: [] } });
  });

  it("keeps other failures of the same list errors", async () => {
    const { errors } = await collectFrom(estate(), {}, { rules: [{ path: "/providers/Microsoft.Compute/virtualMachineScaleSets$", kind: "status", status: 409, code: "Conflict" }] });
    expect(errors).toContainEqual(expect.objectContaining({ code: "Conflict" }));
  });

  it("scans an AKS-only estate in that subscription complete: no error, no unknown, exit 0 as it is compliant", async () => {
    const emu = await startEmulator({ estate: estate() });
    try {
      const { report } = await runScan({ settings: readArmSettings({}, { endpoint: emu.url, staticToken: "t" }), clients: { caCertificates: [emu.caCertPem], maxRetries: 0 } });
      expect(report.errors).toEqual([]);
      expect(report.summary.targets).toBe(1);
      expect(report.summary.unknown).toBe(0);
      expect(report.summary.findings.unknown).toBe(0);
      // A loadBalancer cluster with no public address in its MC group, judged without a baseline.
      expect(report.summary.compliant).toBe(1);
      expect(exitCodeOf(report)).toBe(0);
    } finally {
      await emu.close();
    }
  });
});
