/**
 * The required set of a target (src/checks/lib/firewall/requiredSet.ts): for a cluster pool, the
 * HDInsight on AKS list plus its AKS cluster's own dependency list, which replaces the documented
 * FQDN-tag item; the documented list when that list could not be read.
 */
import { describe, expect, it } from "vitest";
import { DEPENDENCY_LIST_ITEM, requiredSet } from "../../../../src/checks/lib/firewall/requiredSet.js";
import { dependencyConfigKey } from "../../../../src/model/snapshot.js";
import { caseFixture } from "../../case-files.js";

const OPTIONS = { includeHive: true, includeOptional: true };

function poolFixture() {
  const { snapshot, target } = caseFixture("firewall-required-egress", "pass-udr-pool-spark-complete-policy");
  const aksId = target.pool?.aksClusterResourceId ?? "";
  const part = snapshot.aksClusters[aksId.toLowerCase()];
  if (part?.ok !== true) throw new Error("fixture has no AKS cluster");
  part.value.enabledAddons = ["omsagent"];
  return { snapshot, target, aks: part.value };
}

describe("required set of a cluster pool", () => {
  it("judges the pool's AKS cluster's own list next to the HDInsight on AKS list", () => {
    const { snapshot, target, aks } = poolFixture();
    snapshot.outboundDependencies = {
      [dependencyConfigKey(aks)]: {
        ok: true,
        value: {
          readFromClusterId: aks.id,
          categories: [
            { category: "images", endpoints: [{ domainName: "mcr.microsoft.com", endpointDetails: [{ port: 443, protocol: "Https" }] }] },
            { category: "ubuntu-optional", endpoints: [{ domainName: "security.ubuntu.com", endpointDetails: [{ port: 80, protocol: "Http" }] }] },
            { category: "azure-monitor", endpoints: [{ domainName: "westeurope.ingest.monitor.azure.com", endpointDetails: [{ port: 443, protocol: "Https" }] }] },
          ],
        },
      },
    };
    const set = requiredSet(snapshot, target, {}, OPTIONS);
    const items = set.needed.map((n) => n.item);
    expect(items).not.toContain("fqdnTag azurekubernetesservice Https:443");
    expect(items).toContain("fqdn hiloprodrpacr00.azurecr.io Https:443");
    expect(items).toContain("fqdn westeurope.ingest.monitor.azure.com Https:443");
    expect(items).toContain("fqdn security.ubuntu.com Http:80");
    expect(items).not.toContain(DEPENDENCY_LIST_ITEM);
    expect(set.listEvidence.requiredListSource).toBe(`cluster API (read from ${aks.id})`);
    const monitor = set.needed.find((n) => n.item === "fqdn westeurope.ingest.monitor.azure.com Https:443");
    expect(monitor?.neededBy).toEqual(["AKS cluster API: azure-monitor"]);
    expect(requiredSet(snapshot, target, {}, { ...OPTIONS, includeOptional: false }).needed.map((n) => n.item)).not.toContain("fqdn security.ubuntu.com Http:80");
  });

  it("falls back to the documented list, with an unknown item for the unread list, when the read failed", () => {
    const { snapshot, target, aks } = poolFixture();
    snapshot.outboundDependencies = { [dependencyConfigKey(aks)]: { ok: false, error: { code: "AuthorizationFailed", message: "no", scope: aks.id } } };
    const set = requiredSet(snapshot, target, {}, OPTIONS);
    expect(set.listEvidence.requiredListSource).toBe("documented list (fallback: AuthorizationFailed)");
    expect(set.needed.map((n) => n.item)).toContain("fqdnTag azurekubernetesservice Https:443");
    expect(set.needed.find((n) => n.item === DEPENDENCY_LIST_ITEM)?.unresolved?.code).toBe("AuthorizationFailed");
  });

  it("judges a snapshot from before dependency lists on the documented list, as then", () => {
    const { snapshot, target } = poolFixture();
    const set = requiredSet(snapshot, target, {}, OPTIONS);
    expect(set.listEvidence.requiredListSource).toBe("documented list (fallback: NotCollected)");
    expect(set.needed.map((n) => n.item)).not.toContain(DEPENDENCY_LIST_ITEM);
  });
});
