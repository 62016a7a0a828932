/**
 * The AKS part of required egress (src/checks/lib/firewall/dependencies.ts): the cluster's own list
 * with its API server FQDN, the FQDN tag credited only with the core categories, the documented
 * list as floor and fallback, and one shared list per configuration.
 */
import { describe, expect, it } from "vitest";
import { AKS_FQDN_TAG, aksDependenciesOf } from "../../../../src/checks/lib/firewall/dependencies.js";
import { evaluateRequirement } from "../../../../src/checks/lib/firewall/requirements.js";
import type { AksCluster, EndpointCategory, Part, Snapshot } from "../../../../src/model/snapshot.js";
import { dependencyConfigKey, emptySnapshot } from "../../../../src/model/snapshot.js";
import { POLICY, POOL, app, coll, net, policy, ruleSet, snapshotWith } from "./fixtures.js";

const RG = "/subscriptions/3f2a1c9e-7b4d-4e8a-9c61-2d5e8f0a7b13/resourceGroups/rg-payments/providers/Microsoft.ContainerService/managedClusters";
function cluster(name: string, over: Partial<AksCluster> = {}): AksCluster {
  return {
    id: `${RG}/${name}`,
    name,
    location: "westeurope",
    fqdn: `${name}-dns-1a2b3c4d.hcp.westeurope.azmk8s.io`,
    effectiveOutboundIpIds: [],
    agentPoolSubnetIds: [],
    enabledAddons: ["azurepolicy"],
    ...over,
  };
}
const ep = (domainName: string, port = 443, protocol = "Https", ipAddress?: string) => ({
  domainName,
  endpointDetails: [{ port, protocol, ...(ipAddress !== undefined ? { ipAddress } : {}) }],
});
/** Microsoft's example list (OutboundNetworkDependenciesEndpointsList.json) with an add-on category. */
const EXAMPLE: EndpointCategory[] = [
  { category: "azure-resource-management", endpoints: [ep("management.azure.com"), ep("login.microsoftonline.com")] },
  { category: "images", endpoints: [ep("mcr.microsoft.com"), ep("*.data.mcr.microsoft.com")] },
  { category: "artifacts", endpoints: [ep("packages.microsoft.com"), ep("acs-mirror.azureedge.net")] },
  { category: "time-sync", endpoints: [ep("ntp.ubuntu.com", 123, "UDP")] },
  { category: "ubuntu-optional", endpoints: [ep("security.ubuntu.com", 80, "Http")] },
  { category: "apiserver", endpoints: [ep("*.azmk8s.io")] },
  { category: "tunnel-classic", endpoints: [ep("*.azmk8s.io", 9000, "TCP")] },
  { category: "azure-policy", endpoints: [ep("data.policy.core.windows.net"), ep("store.policy.core.windows.net", 443, "Https", "20.61.0.10")] },
];
const ok = (c: AksCluster): Part<AksCluster> => ({ ok: true, value: c });

function snapshotFor(categories: EndpointCategory[], readFrom: AksCluster): Snapshot {
  return { ...emptySnapshot(), outboundDependencies: { [dependencyConfigKey(readFrom)]: { ok: true, value: { readFromClusterId: readFrom.id, categories } } } };
}

describe("AKS dependencies from the cluster's own list", () => {
  it("requires every endpoint but the ones the documented items stand for, and credits the tag only with the core categories", () => {
    const a = cluster("aks-a");
    const deps = aksDependenciesOf(snapshotFor(EXAMPLE, a), ok(a), false, true);
    expect(deps.fromCluster).toBe(true);
    expect(deps.requiredListSource).toBe(`cluster API (read from ${a.id})`);
    const byDomain = new Map(deps.endpoints.map((e) => [`${e.req.destination} ${e.req.protocol}:${e.req.port}`, e]));
    // apiserver Https 443 and tunnel-classic TCP 9000 are the documented API server and tunnel items.
    expect([...byDomain.keys()].some((k) => k.includes("azmk8s.io"))).toBe(false);
    expect(byDomain.get("mcr.microsoft.com Https:443")?.req.fqdnTag).toBe(AKS_FQDN_TAG);
    expect(byDomain.get("security.ubuntu.com Http:80")?.req.fqdnTag).toBe(AKS_FQDN_TAG);
    expect(byDomain.get("ntp.ubuntu.com UDP:123")?.req.fqdnTag).toBeUndefined();
    expect(byDomain.get("data.policy.core.windows.net Https:443")?.req.fqdnTag).toBeUndefined();
    expect(byDomain.get("data.policy.core.windows.net Https:443")?.category).toBe("azure-policy");
    expect(byDomain.get("store.policy.core.windows.net Https:443")?.req.addresses).toEqual(["20.61.0.10"]);
    expect(aksDependenciesOf(snapshotFor(EXAMPLE, a), ok(a), false, false).endpoints.some((e) => e.category === "ubuntu-optional")).toBe(false);
  });

  it("shares one list per configuration: another cluster of the same region and add-ons gets the same requirement objects", () => {
    const a = cluster("aks-a");
    const b = cluster("aks-b", { enabledAddons: ["AzurePolicy"] });
    const s = snapshotFor(EXAMPLE, a);
    const da = aksDependenciesOf(s, ok(a), false, true);
    const db = aksDependenciesOf(s, ok(b), false, true);
    expect(db.requiredListSource).toBe(`cluster API (read from ${a.id})`);
    expect(db.endpoints.map((e) => e.req)).toEqual(da.endpoints.map((e) => e.req));
    expect(db.endpoints[0]?.req).toBe(da.endpoints[0]?.req);
  });

  it("gives a non-standard control-plane endpoint each cluster's own FQDN, and skips the API server of a private cluster", () => {
    const a = cluster("aks-a");
    const odd: EndpointCategory[] = [{ category: "apiserver", endpoints: [ep("*.azmk8s.io", 4443, "TCP")] }];
    const deps = aksDependenciesOf(snapshotFor(odd, a), ok(cluster("aks-b")), false, true);
    expect(deps.endpoints.find((e) => e.category === "apiserver")?.req.destination).toBe("aks-b-dns-1a2b3c4d.hcp.westeurope.azmk8s.io");
    const priv = cluster("aks-p", { enablePrivateCluster: true, privateFqdn: "aks-p-1a2b.privatelink.westeurope.azmk8s.io" });
    const privDeps = aksDependenciesOf(snapshotFor(odd, a), ok(priv), true, true);
    expect(privDeps.endpoints.some((e) => e.category === "apiserver")).toBe(false);
    expect(privDeps.notes[0]).toContain("aks-p-1a2b.privatelink.westeurope.azmk8s.io");
    // Also when the list's apiserver entry is the usual Https 443 (the documented API server item).
    expect(aksDependenciesOf(snapshotFor(EXAMPLE, a), ok(priv), true, true).notes[0]).toContain("is private");
  });

  it("keeps the documented core FQDNs as a floor under a list that lacks them", () => {
    const a = cluster("aks-a");
    const deps = aksDependenciesOf(snapshotFor([{ category: "images", endpoints: [ep("mcr.microsoft.com")] }], a), ok(a), false, true);
    const floor = deps.endpoints.filter((e) => e.category === "documented list (floor)").map((e) => e.req.destination);
    expect(floor).toEqual(["management.azure.com", "login.microsoftonline.com", "*.data.mcr.microsoft.com", "packages.microsoft.com"]);
  });
});

describe("the documented list as fallback", () => {
  const a = cluster("aks-a");
  it("is used silently for a snapshot written before dependency lists were read", () => {
    const deps = aksDependenciesOf(emptySnapshot(), ok(a), false, true);
    expect(deps).toMatchObject({ fromCluster: false, requiredListSource: "documented list (fallback: NotCollected)", endpoints: [] });
    expect(deps.listError).toBeUndefined();
  });

  it("names the read error when the list could not be read or was not collected", () => {
    const forbidden: Snapshot = {
      ...emptySnapshot(),
      outboundDependencies: { [dependencyConfigKey(a)]: { ok: false, error: { code: "AuthorizationFailed", message: "no" } } },
    };
    const deps = aksDependenciesOf(forbidden, ok(a), false, true);
    expect(deps.requiredListSource).toBe("documented list (fallback: AuthorizationFailed)");
    expect(deps.listError).toEqual({ code: "AuthorizationFailed", message: "no", scope: a.id });
    const missing = aksDependenciesOf({ ...emptySnapshot(), outboundDependencies: {} }, ok(a), false, true);
    expect(missing.listError?.code).toBe("NotCollected");
    const unreadable = aksDependenciesOf({ ...emptySnapshot(), outboundDependencies: {} }, { ok: false, error: { code: "ResourceNotFound", message: "gone" } }, false, true);
    expect(unreadable.requiredListSource).toBe("documented list (fallback: ResourceNotFound)");
  });
});

describe("rules against cluster-list endpoints", () => {
  const a = cluster("aks-a");
  const byDomain = (domain: string) => {
    const e = aksDependenciesOf(snapshotFor(EXAMPLE, a), ok(a), false, true).endpoints.find((x) => x.req.destination === domain);
    if (e === undefined) throw new Error(domain);
    return e.req;
  };
  const judge = (rules: Parameters<typeof coll>[3], domain: string) => {
    const s = snapshotWith([policy(POLICY, [["rcg", 100, [coll("c", 100, "Allow", rules)]]])], { outboundDependencies: {} });
    return evaluateRequirement(s, ruleSet(s), byDomain(domain), POOL).status;
  };
  const tag = app("tag", { protocols: [{ protocolType: "Http", port: 80 }, { protocolType: "Https", port: 443 }], fqdnTags: ["AzureKubernetesService"] });

  it("the FQDN tag allows core endpoints, not add-on or network-level ones", () => {
    expect(judge([tag], "mcr.microsoft.com")).toBe("allowed");
    expect(judge([tag], "security.ubuntu.com")).toBe("allowed");
    expect(judge([tag], "data.policy.core.windows.net")).toBe("missing");
    expect(judge([tag], "ntp.ubuntu.com")).toBe("missing");
  });

  it("an application rule naming the domain, or a network rule covering the endpoint's address, allows an add-on endpoint", () => {
    expect(judge([app("policy", { targetFqdns: ["*.policy.core.windows.net"] })], "data.policy.core.windows.net")).toBe("allowed");
    expect(judge([net("policy-ip", { destinationAddresses: ["20.61.0.0/24"] })], "store.policy.core.windows.net")).toBe("allowed");
    expect(judge([net("policy-ip", { destinationAddresses: ["20.62.0.0/24"] })], "store.policy.core.windows.net")).toBe("missing");
  });
});
