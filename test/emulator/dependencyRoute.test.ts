/**
 * The emulator's `managedClusters/{name}/outboundNetworkDependenciesEndpoints` route: served for
 * every managed cluster of an estate, synthesised from its body (no estate entry), in the shape of
 * Microsoft's `OutboundNetworkDependenciesEndpointsList.json`: the core categories, the cluster's
 * own API server FQDN in `apiserver` and `tunnel-classic`, and add-on categories for what the body
 * enables. Counted under its own route key; forbidden scopes and faults apply as to any read. Also
 * the builders' DNS and add-on fields (policy `dnsSettings`, classic `additionalProperties`, VNet
 * `dhcpOptions`, `addonProfiles`, `azureMonitorProfile`).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import * as b from "../../src/emulator/builders/index.js";
import { parseEstate, type EstateResource } from "../../src/emulator/estate.js";
import type { EmulatorFaults } from "../../src/emulator/faults.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { rawGet } from "./rawGet.js";

const SUB = "aaaaaaaa-0000-4000-8000-000000000001";
const LEAN = b.LEAN;
const example = (): { value: Array<{ category: string; endpoints: Array<{ domainName: string; endpointDetails: Array<Record<string, unknown>> }> }> } =>
  (
    JSON.parse(
      readFileSync(join(import.meta.dirname, "..", "fixtures", "arm-examples", "Microsoft.ContainerService", "2026-08-01", "OutboundNetworkDependenciesEndpointsList.json"), "utf8"),
    ) as { responses: { "200": { body: ReturnType<typeof example> } } }
  ).responses["200"].body;

function cluster(name: string, location: string, extra: Partial<b.ManagedClusterSpec> = {}): EstateResource {
  return b.managedCluster(LEAN, {
    sub: SUB,
    rg: "rg-aks",
    name,
    location,
    dnsPrefix: name,
    fqdnHash: "1a2b3c4d",
    kubernetesVersion: "1.31.2",
    principalId: "0f0f0f0f-0000-4000-8000-00000000000f",
    tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
    nodeResourceGroup: `MC_rg-aks_${name}_${location}`,
    agentPools: [{ name: "nodepool1", count: 3, vmSize: "Standard_D4ds_v5", mode: "System" }],
    outboundType: "userDefinedRouting",
    ...extra,
  });
}
const depsPath = (name: string) => `${b.managedClusterId(SUB, "rg-aks", name)}/outboundNetworkDependenciesEndpoints`;
const ROUTE_KEY = "list:children:Microsoft.ContainerService/ManagedClusters/outboundNetworkDependenciesEndpoints";

let emu: RunningEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});
async function serve(resources: EstateResource[], opts: { forbiddenScopes?: string[]; faults?: EmulatorFaults } = {}): Promise<RunningEmulator> {
  emu = await startEmulator({
    estate: parseEstate({
      schemaVersion: 1,
      subscriptions: [{ subscriptionId: SUB, displayName: "aks" }],
      resources,
      ...(opts.forbiddenScopes ? { forbiddenScopes: opts.forbiddenScopes } : {}),
    }),
    ...(opts.faults ? { faults: opts.faults } : {}),
  });
  return emu;
}

interface Raw {
  status: number;
  json: { value?: ReturnType<typeof example>["value"]; nextLink?: string; error?: { code: string; message: string } };
}
function get(e: RunningEmulator, path: string): Promise<Raw> {
  return rawGet<Raw["json"]>(e, path);
}
const API = "api-version=2026-06-01";
const domains = (r: Raw, category: string) => r.json.value?.find((c) => c.category === category)?.endpoints.map((e) => e.domainName);

describe("outboundNetworkDependenciesEndpoints", () => {
  it("lists the core categories of Microsoft's example, packages.aks.azure.com instead of acs-mirror, and the cluster's own API server FQDN", async () => {
    const e = await serve([cluster("aks-core", "eastus")]);
    const r = await get(e, `${depsPath("aks-core")}?${API}`);
    expect(r.status).toBe(200);
    const fqdn = "aks-core-1a2b3c4d.hcp.eastus.azmk8s.io";
    expect(r.json.value?.map((c) => c.category)).toEqual(["azure-resource-management", "images", "artifacts", "time-sync", "ubuntu-optional", "apiserver", "tunnel-classic"]);
    // The example's categories, entry shape included, except what a real cluster lists differently.
    const ex = example().value;
    for (const category of ["azure-resource-management", "images", "time-sync", "ubuntu-optional"]) {
      expect(r.json.value?.find((c) => c.category === category)).toEqual(ex.find((c) => c.category === category));
    }
    expect(domains(r, "artifacts")).toEqual(["packages.microsoft.com", "packages.aks.azure.com"]);
    expect(r.json.value?.find((c) => c.category === "apiserver")).toEqual({ category: "apiserver", endpoints: [{ domainName: fqdn, endpointDetails: [{ port: 443, protocol: "Https" }] }] });
    expect(r.json.value?.find((c) => c.category === "tunnel-classic")?.endpoints).toEqual([
      { domainName: fqdn, endpointDetails: [{ port: 9000, protocol: "TCP" }, { port: 1194, protocol: "UDP" }] },
    ]);
    expect(r.json.nextLink).toBeUndefined();
    expect(e.requestCounts()[ROUTE_KEY]).toBe(1);
  });

  it("adds the endpoints of the add-ons the body enables (not of disabled ones), with the region's own monitoring endpoints", async () => {
    const e = await serve([
      cluster("aks-addons", "West Europe", {
        addons: {
          omsagent: { enabled: true, config: { logAnalyticsWorkspaceResourceID: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law" } },
          azurepolicy: { enabled: true },
          azureKeyvaultSecretsProvider: { enabled: false },
        },
        azureMonitorMetrics: true,
      }),
      cluster("aks-kv", "eastus", { addons: { azureKeyvaultSecretsProvider: { enabled: true } } }),
    ]);
    const r = await get(e, `${depsPath("aks-addons")}?${API}`);
    expect(r.json.value?.map((c) => c.category)).toEqual([
      "azure-resource-management",
      "images",
      "artifacts",
      "time-sync",
      "ubuntu-optional",
      "azure-monitor",
      "azure-policy",
      "apiserver",
      "tunnel-classic",
    ]);
    expect(domains(r, "azure-monitor")).toEqual([
      "*.ods.opinsights.azure.com",
      "*.oms.opinsights.azure.com",
      "dc.services.visualstudio.com",
      "*.monitoring.azure.com",
      "global.handler.control.monitor.azure.com",
      "westeurope.handler.control.monitor.azure.com",
      "westeurope.ingest.monitor.azure.com",
    ]);
    expect(domains(r, "azure-policy")).toEqual(["data.policy.core.windows.net", "store.policy.core.windows.net"]);
    const kv = await get(e, `${depsPath("aks-kv")}?${API}`);
    expect(domains(kv, "azure-keyvault-secrets-provider")).toEqual(["vault.azure.net"]);
    expect(domains(kv, "azure-monitor")).toBeUndefined();
  });

  it("answers any casing of the segment under one route key; 404 for a cluster that does not exist", async () => {
    const e = await serve([cluster("aks-1", "eastus")]);
    const lower = await get(e, `${depsPath("aks-1").toLowerCase()}?${API}`.replace("outboundnetworkdependenciesendpoints", "OUTBOUNDnetworkDependenciesEndpoints"));
    expect(lower.status).toBe(200);
    const missing = await get(e, `${depsPath("aks-gone")}?${API}`);
    expect(missing.status).toBe(404);
    expect(missing.json.error?.code).toBe("ResourceNotFound");
    expect(e.requestCounts()[ROUTE_KEY]).toBe(2);
  });

  it("is forbidden where a forbidden scope covers it (the cluster, or the list alone), and faults apply", async () => {
    const e = await serve([cluster("aks-locked", "eastus"), cluster("aks-list-locked", "eastus"), cluster("aks-faulty", "eastus"), cluster("aks-open", "eastus")], {
      forbiddenScopes: [b.managedClusterId(SUB, "rg-aks", "aks-locked"), depsPath("aks-list-locked")],
      faults: { rules: [{ path: "aks-faulty/outboundNetworkDependenciesEndpoints$", kind: "status", status: 503 }] },
    });
    const locked = await get(e, `${depsPath("aks-locked")}?${API}`);
    expect(locked.status).toBe(403);
    expect(locked.json.error?.code).toBe("AuthorizationFailed");
    expect(locked.json.error?.message).toContain("Microsoft.ContainerService/ManagedClusters/outboundNetworkDependenciesEndpoints/read");
    expect((await get(e, `${depsPath("aks-list-locked")}?${API}`)).status).toBe(403);
    // The cluster itself stays readable when only its list is forbidden.
    expect((await get(e, `${b.managedClusterId(SUB, "rg-aks", "aks-list-locked")}?${API}`)).status).toBe(200);
    expect((await get(e, `${depsPath("aks-faulty")}?${API}`)).status).toBe(503);
    expect((await get(e, `${depsPath("aks-open")}?${API}`)).status).toBe(200);
    expect(e.requestCounts()[ROUTE_KEY]).toBe(4);
  });
});

describe("builders: DNS settings and add-ons", () => {
  const policy = (dnsProxy?: boolean | "absent", dnsServers?: string[]) =>
    b.firewallPolicy(LEAN, { sub: SUB, rg: "rg-hub", name: "fwp", location: "eastus", ruleCollectionGroupIds: [], ...(dnsProxy !== undefined ? { dnsProxy } : {}), ...(dnsServers ? { dnsServers } : {}) })
      .properties as Record<string, unknown>;

  it("firewall policy dnsSettings: proxy on by default (FirewallPolicyGet.json), off, or left out; servers when given", () => {
    expect(policy().dnsSettings).toEqual({ enableProxy: true });
    expect(policy(false).dnsSettings).toEqual({ enableProxy: false });
    expect(policy("absent").dnsSettings).toEqual({});
    expect(policy(true, ["10.0.2.4"]).dnsSettings).toEqual({ servers: ["10.0.2.4"], enableProxy: true });
    const example = b.firewallPolicy(b.exampleStyle(b.seededIds()), { sub: SUB, rg: "rg-hub", name: "fwp", location: "eastus", ruleCollectionGroupIds: [] }).properties as Record<string, unknown>;
    expect(example.dnsSettings).toEqual({ servers: [], enableProxy: true });
  });

  it("classic firewall: additionalProperties Network.DNS.EnableProxy as a string when given; {} in example bodies otherwise", () => {
    const spec = { sub: SUB, rg: "rg-hub", name: "fw", location: "eastus", privateIp: "10.0.1.4", subnetId: `${b.netId(SUB, "rg-hub", "virtualNetworks", "vnet-hub")}/subnets/AzureFirewallSubnet` };
    const props = (style: b.BodyStyle, classicDnsProxy?: boolean) => b.azureFirewall(style, { ...spec, ...(classicDnsProxy !== undefined ? { classicDnsProxy } : {}) }).properties as Record<string, unknown>;
    expect(props(LEAN, true).additionalProperties).toEqual({ "Network.DNS.EnableProxy": "true" });
    expect(props(LEAN, false).additionalProperties).toEqual({ "Network.DNS.EnableProxy": "false" });
    expect(props(LEAN).additionalProperties).toBeUndefined();
    expect(props(b.exampleStyle(b.seededIds())).additionalProperties).toEqual({});
  });

  it("VNet dhcpOptions.dnsServers when given, none otherwise", () => {
    const vnet = (dnsServers?: string[]) =>
      b.virtualNetwork(LEAN, { sub: SUB, rg: "rg-net", name: "vnet", location: "eastus", addressPrefixes: ["10.1.0.0/16"], subnets: [], ...(dnsServers ? { dnsServers } : {}) }).properties as Record<string, unknown>;
    expect(vnet(["10.0.1.4"]).dhcpOptions).toEqual({ dnsServers: ["10.0.1.4"] });
    expect(vnet().dhcpOptions).toBeUndefined();
  });

  it("managed cluster addonProfiles and azureMonitorProfile.metrics when given", () => {
    const props = cluster("aks", "eastus", { addons: { omsagent: { enabled: true, config: { logAnalyticsWorkspaceResourceID: "law" } }, azurepolicy: { enabled: false } }, azureMonitorMetrics: true })
      .properties as Record<string, unknown>;
    expect(props.addonProfiles).toEqual({ omsagent: { enabled: true, config: { logAnalyticsWorkspaceResourceID: "law" } }, azurepolicy: { enabled: false } });
    expect(props.azureMonitorProfile).toEqual({ metrics: { enabled: true } });
    const plain = cluster("aks", "eastus").properties as Record<string, unknown>;
    expect(plain.addonProfiles).toBeUndefined();
    expect(plain.azureMonitorProfile).toBeUndefined();
  });
});
