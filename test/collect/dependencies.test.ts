/**
 * Issue 13 in the collector: the normalisers of enabled add-ons, firewall-policy DNS settings and
 * the classic DNS proxy held to Microsoft's example bodies (served by the emulator, read back by
 * the real SDK clients, so a property the SDK's deserialiser drops would show as missing), the
 * dependency-list normaliser on `OutboundNetworkDependenciesEndpointsList.json`, and the
 * dependency-list reads: one per configuration (region and add-ons), a second cluster of the same
 * configuration tried after a per-cluster failure (403/404) only, the failed part kept otherwise,
 * every target reported after its configuration's list is in.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { OutboundEnvironmentEndpoint } from "@azure/arm-containerservice";
import { ArmClients } from "../../src/arm/clients.js";
import { normalizeAksCluster, normalizeEndpointCategory, normalizeFirewall, normalizeFirewallPolicy } from "../../src/collect/normalize.js";
import { readArmSettings } from "../../src/config/settings.js";
import type { EstateResource } from "../../src/emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { dependencyConfigKey, lookup, type Snapshot } from "../../src/model/snapshot.js";
import { clusterPool } from "../helpers/estate.js";
import { aks, closeEmulator, collectFrom, dir, estateOf, example, EXAMPLE_SUB, mcGroup, NET, rgOf, SUB_A, SUB_B } from "./egressEstate.js";

/** `ManagedClustersCreate_ManagedNATGateway.json` (its `addonProfiles` is `{}`) with these add-on settings. */
function withAddons(body: EstateResource, addonProfiles: Record<string, unknown>, azureMonitorProfile?: Record<string, unknown>): EstateResource {
  const b = structuredClone(body) as EstateResource & { properties: Record<string, unknown> };
  b.properties.addonProfiles = addonProfiles;
  if (azureMonitorProfile) b.properties.azureMonitorProfile = azureMonitorProfile;
  return b;
}

describe("normalisers on Microsoft's examples (arm-network 39, arm-containerservice 25.5)", () => {
  let emu: RunningEmulator;
  let clients: ArmClients;
  const mc = example("Microsoft.ContainerService/2026-08-01/ManagedClustersCreate_ManagedNATGateway.json");
  const policy = example(`${NET}/2024-03-01/FirewallPolicyGet.json`, [["/subscriptions/subid/", `/subscriptions/${EXAMPLE_SUB}/`]]);
  const classic = example(`${NET}/2024-05-01/AzureFirewallGet.json`, [["/subscriptions/subid/", `/subscriptions/${EXAMPLE_SUB}/`]]);
  const renamed = (body: EstateResource, from: string, to: string, patch: (p: Record<string, unknown>) => void = () => {}): EstateResource => {
    const b = JSON.parse(JSON.stringify(body).replaceAll(from, to)) as EstateResource & { properties: Record<string, unknown> };
    b.name = to.split("/").pop()!;
    patch(b.properties);
    return b;
  };
  beforeAll(async () => {
    const estate = estateOf(
      [
        mc,
        renamed(mc, "managedClusters/clustername1", "managedClusters/clustername2", (p) => {
          p.addonProfiles = {
            omsagent: { enabled: true, config: { logAnalyticsWorkspaceResourceID: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law" } },
            azurepolicy: { enabled: false, config: null },
            azureKeyvaultSecretsProvider: { enabled: true, config: { enableSecretRotation: "false" } },
          };
          p.azureMonitorProfile = { metrics: { enabled: true, kubeStateMetrics: { metricLabelsAllowlist: "", metricAnnotationsAllowList: "" } } };
        }),
        policy,
        renamed(policy, "firewallPolicies/firewallPolicy", "firewallPolicies/noDnsSettings", (p) => delete p.dnsSettings),
        classic,
        renamed(classic, "azureFirewalls/azurefirewall", "azureFirewalls/classicproxy", (p) => (p.additionalProperties = { "Network.DNS.EnableProxy": "true" })),
        renamed(classic, "azureFirewalls/azurefirewall", "azureFirewalls/classicoff", (p) => (p.additionalProperties = { "Network.DNS.EnableProxy": "false" })),
      ],
      { subscriptions: [{ subscriptionId: EXAMPLE_SUB, displayName: "examples" }] },
    );
    emu = await startEmulator({ estate });
    clients = new ArmClients(readArmSettings({}, { endpoint: emu.url, staticToken: "t" }), { caCertificates: [emu.caCertPem], maxRetries: 0 });
  });
  afterAll(async () => emu?.close());

  it("AKS enabledAddons: enabled addonProfiles lower-cased and sorted, plus azure-monitor-metrics for azureMonitorProfile.metrics; none in the example", async () => {
    const aksClient = clients.containerService(EXAMPLE_SUB).managedClusters;
    expect(normalizeAksCluster(await aksClient.get("rg1", "clustername1")).enabledAddons).toBeUndefined();
    const withThem = normalizeAksCluster(await aksClient.get("rg1", "clustername2"));
    expect(withThem.enabledAddons).toEqual(["azure-monitor-metrics", "azurekeyvaultsecretsprovider", "omsagent"]);
    expect(dependencyConfigKey(withThem)).toBe("location1|azure-monitor-metrics,azurekeyvaultsecretsprovider,omsagent");
  });

  it("firewall policy DNS settings from FirewallPolicyGet.json (proxy on, servers 30.3.4.5); without dnsSettings: no proxy, servers []", async () => {
    const net = clients.network(EXAMPLE_SUB).firewallPolicies;
    const p = normalizeFirewallPolicy(await net.get("rg1", "firewallPolicy"), []);
    expect(p).toMatchObject({ dnsProxyEnabled: true, dnsServers: ["30.3.4.5"] });
    const none = normalizeFirewallPolicy(await net.get("rg1", "noDnsSettings"), []);
    expect(none.dnsProxyEnabled).toBeUndefined();
    expect(none.dnsServers).toEqual([]);
  });

  it("classic DNS proxy from additionalProperties: AzureFirewallGet.json has none; the string \"true\"/\"false\" reads as on/off", async () => {
    const net = clients.network(EXAMPLE_SUB).azureFirewalls;
    expect(normalizeFirewall(await net.get("rg1", "azurefirewall")).classicDnsProxyEnabled).toBeUndefined();
    expect(normalizeFirewall(await net.get("rg1", "classicproxy")).classicDnsProxyEnabled).toBe(true);
    expect(normalizeFirewall(await net.get("rg1", "classicoff")).classicDnsProxyEnabled).toBe(false);
  });

  it("dependency categories of OutboundNetworkDependenciesEndpointsList.json keep category, domains, ports, protocols and descriptions", () => {
    const body = JSON.parse(readFileSync(join(dir, "Microsoft.ContainerService/2026-08-01/OutboundNetworkDependenciesEndpointsList.json"), "utf8")) as {
      responses: { "200": { body: { value: OutboundEnvironmentEndpoint[] } } };
    };
    const categories = body.responses["200"].body.value.map(normalizeEndpointCategory);
    expect(categories.map((c) => c.category)).toEqual(["azure-resource-management", "images", "artifacts", "time-sync", "ubuntu-optional", "gpu", "windows", "apiserver", "tunnel-classic"]);
    expect(categories.find((c) => c.category === "images")?.endpoints[1]).toEqual({
      domainName: "*.data.mcr.microsoft.com",
      endpointDetails: [{ port: 443, protocol: "Https", description: "mcr cdn" }],
    });
    expect(categories.find((c) => c.category === "time-sync")?.endpoints).toEqual([{ domainName: "ntp.ubuntu.com", endpointDetails: [{ port: 123, protocol: "UDP" }] }]);
    expect(categories.find((c) => c.category === "tunnel-classic")?.endpoints).toEqual([{ domainName: "*.azmk8s.io", endpointDetails: [{ port: 9000, protocol: "TCP" }] }]);
  });
});

describe("dependency lists: one read per configuration", () => {
  afterEach(closeEmulator);
  const aksId = (sub: string, rg: string, name: string) => `${rgOf(sub, rg)}/providers/Microsoft.ContainerService/managedClusters/${name}`;
  /** A plain AKS cluster (example body) in `location` with the add-ons enabled, and its MC group. */
  const cluster = (sub: string, name: string, location: string, addons: string[] = []): EstateResource[] => {
    const body = aks(sub, "rg-aks", name, { example: "ManagedNATGateway", nodeResourceGroup: `MC_${name}`, outboundType: "loadBalancer" }) as EstateResource & {
      properties: Record<string, unknown>;
    };
    body.location = location;
    const withThem = addons.length > 0 ? withAddons(body, Object.fromEntries(addons.map((a) => [a, { enabled: true }]))) : body;
    return [withThem, ...mcGroup(sub, `MC_${name}`, `${rgOf(sub, "rg-net")}/providers/${NET}/virtualNetworks/vnet/subnets/aks`)];
  };
  const deps = (id: string) => `${id}/outboundNetworkDependenciesEndpoints`;
  /** Dependency-list requests (the route key takes the estate's casing of the cluster type). */
  const listReads = (counts: Record<string, number>) =>
    Object.entries(counts).find(([k]) => k.toLowerCase() === "list:children:microsoft.containerservice/managedclusters/outboundnetworkdependenciesendpoints")?.[1];
  const estate = () =>
    estateOf([
      // eastus, no add-ons: three clusters, and a pool's AKS cluster of the same configuration.
      ...cluster(SUB_A, "a1", "eastus"),
      ...cluster(SUB_A, "a2", "eastus"),
      ...cluster(SUB_A, "a3", "East US"),
      // eastus with omsagent: the first cluster's list is forbidden, the second is read.
      ...cluster(SUB_A, "b1", "eastus", ["omsagent"]),
      ...cluster(SUB_A, "b2", "eastus", ["omsagent"]),
      // westeurope with Azure Policy: the only cluster's list is forbidden.
      ...cluster(SUB_A, "c1", "westeurope", ["azurepolicy"]),
      // westus2: the first cluster's list answers 503 (not the cluster's own failure: no second read).
      ...cluster(SUB_A, "d1", "westus2"),
      ...cluster(SUB_A, "d2", "westus2"),
      // A pool whose AKS cluster is in subscription B, outside the scope: read by id, then its own list.
      clusterPool(SUB_A, "rg-pools", "pool1", { aksClusterResourceId: aksId(SUB_B, "rg-aks", "e1") }),
      ...cluster(SUB_B, "e1", "centralus"),
    ]);

  it("reads one list per region and add-on set, retries a 403 on a second cluster, keeps other failures, and reports targets only after their list", async () => {
    const atReport = new Map<string, unknown>();
    const { snapshot, errors, counts } = await collectFrom(
      estate(),
      {
        subscriptionIds: [SUB_A],
        onTargetCollected: (t, s: Snapshot) => {
          const aksPart = t.aksClusterId ? lookup(s.aksClusters, t.aksClusterId) : undefined;
          atReport.set(t.name, aksPart?.ok ? s.outboundDependencies?.[dependencyConfigKey(aksPart.value)] : "no AKS cluster");
        },
      },
      {
        rules: [
          { path: "managedClusters/b1/outboundNetworkDependenciesEndpoints$", kind: "status", status: 403, code: "AuthorizationFailed" },
          { path: "managedClusters/c1/outboundNetworkDependenciesEndpoints$", kind: "status", status: 403, code: "AuthorizationFailed" },
          { path: "managedClusters/d1/outboundNetworkDependenciesEndpoints$", kind: "status", status: 503 },
        ],
      },
    );
    // a1 (eastus), b1 then b2, c1, d1 only, e1: six reads for ten clusters.
    expect(listReads(counts)).toBe(6);
    const lists = snapshot.outboundDependencies!;
    expect(Object.keys(lists).sort()).toEqual(["centralus|", "eastus|", "eastus|omsagent", "westeurope|azurepolicy", "westus2|"]);
    const okList = (key: string) => {
      const part = lists[key]!;
      if (!part.ok) throw new Error(`${key}: ${part.error.code}`);
      return part.value;
    };
    // Representatives are the first cluster of each configuration by id; "East US" and "eastus" are one region.
    expect(okList("eastus|").readFromClusterId.toLowerCase()).toBe(aksId(SUB_A, "rg-aks", "a1").toLowerCase());
    expect(okList("eastus|omsagent").readFromClusterId.toLowerCase()).toBe(aksId(SUB_A, "rg-aks", "b2").toLowerCase());
    expect(okList("centralus|").readFromClusterId.toLowerCase()).toBe(aksId(SUB_B, "rg-aks", "e1").toLowerCase());
    expect(okList("eastus|omsagent").categories.map((c) => c.category)).toContain("azure-monitor");
    expect(okList("eastus|").categories.find((c) => c.category === "apiserver")?.endpoints[0]?.domainName).toMatch(/\.azmk8s\.io$/);
    // Fail closed: the failed part carries the read error; the report names it, and not the 403 a second cluster made up for.
    const policyPart = lists["westeurope|azurepolicy"]!;
    expect(policyPart.ok).toBe(false);
    if (!policyPart.ok) {
      expect(policyPart.error).toMatchObject({ code: "AuthorizationFailed", statusCode: 403 });
      expect(policyPart.error.scope?.toLowerCase()).toBe(deps(aksId(SUB_A, "rg-aks", "c1")).toLowerCase());
      expect(policyPart.error.message).toContain("configuration westeurope|azurepolicy");
    }
    const throttled = lists["westus2|"]!;
    expect(throttled.ok ? undefined : throttled.error.statusCode).toBe(503);
    const depErrors = errors.filter((e) => /outboundNetworkDependenciesEndpoints$/i.test(e.scope)).map((e) => e.scope.toLowerCase().split("/managedclusters/")[1]);
    expect(depErrors.sort()).toEqual(["c1/outboundnetworkdependenciesendpoints", "d1/outboundnetworkdependenciesendpoints"]);
    // Every target was reported with its configuration's list already stored.
    expect([...atReport.keys()].sort()).toEqual(["a1", "a2", "a3", "b1", "b2", "c1", "d1", "d2", "pool1"]);
    for (const [name, part] of atReport) expect(part, name).toBeDefined();
    // The pool's cluster, read by id, keys its own configuration.
    const e1 = lookup(snapshot.aksClusters, aksId(SUB_B, "rg-aks", "e1"));
    expect(e1?.ok && dependencyConfigKey(e1.value)).toBe("centralus|");
  });

  it("when the second cluster's list is forbidden too, the part keeps that read error and the report names it once", async () => {
    const resources = [...cluster(SUB_A, "f1", "eastus2"), ...cluster(SUB_A, "f2", "eastus2")];
    const { snapshot, errors, counts } = await collectFrom(estateOf(resources, { forbiddenScopes: [deps(aksId(SUB_A, "rg-aks", "f1")), deps(aksId(SUB_A, "rg-aks", "f2"))] }));
    // Both are tried (f1, then f2), both 403: the part keeps f2's error.
    expect(listReads(counts)).toBe(2);
    const part = snapshot.outboundDependencies!["eastus2|"]!;
    expect(part.ok ? undefined : part.error).toMatchObject({ code: "AuthorizationFailed", statusCode: 403 });
    expect(errors.filter((e) => /outboundNetworkDependenciesEndpoints$/i.test(e.scope))).toHaveLength(1);
  });
});

describe("the snapshot a collection starts from", () => {
  afterEach(closeEmulator);
  it("holds outboundDependencies (present, so a missing entry is not collected) even with no AKS cluster", async () => {
    const { snapshot } = await collectFrom(estateOf([]));
    expect(snapshot.outboundDependencies).toEqual({});
  });
});
