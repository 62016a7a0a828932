/**
 * An AKS cluster's outbound dependency list
 * (`GET .../managedClusters/{name}/outboundNetworkDependenciesEndpoints`), synthesised from the
 * cluster body: the emulator serves it for every managed cluster of an estate without an estate
 * entry. Shape and categories as Microsoft's example
 * (`Microsoft.ContainerService/2026-08-01/OutboundNetworkDependenciesEndpointsList.json`): the core
 * list of Azure public cloud, with `packages.aks.azure.com` where the example still names
 * `acs-mirror.azureedge.net` (replaced in 2025), `apiserver` the cluster's own API server FQDN on
 * Https 443 (the example shows only `*.azmk8s.io`; a real cluster lists its own, reference §8.7)
 * and `tunnel-classic` the same FQDN on TCP 9000 and UDP 1194 (reference §7.1). The example's `gpu`
 * and `windows` categories are left out: no estate cluster has such pools.
 *
 * Add-on endpoints come from the AKS outbound-rules page and the Azure Monitor firewall page
 * (reference §7.1, §8.7; `azure-monitor/containers/kubernetes-monitoring-firewall.md`), each in a
 * category of its own, when the body enables the add-on (`addonProfiles.<name>.enabled`, or
 * `azureMonitorProfile.metrics.enabled` for managed Prometheus). The category names are this
 * emulator's: Microsoft's example holds no add-on category.
 */

/** One endpoint of the list, as the wire carries it. */
export interface DependencyEndpointBody {
  domainName: string;
  endpointDetails: Array<{ port: number; protocol: string; description?: string }>;
}

/** One category of the list, as the wire carries it. */
export interface DependencyCategoryBody {
  category: string;
  endpoints: DependencyEndpointBody[];
}

const https = (domainName: string, description?: string): DependencyEndpointBody => ({
  domainName,
  endpointDetails: [{ ...(description !== undefined ? { description } : {}), port: 443, protocol: "Https" }],
});
const http = (domainName: string): DependencyEndpointBody => ({ domainName, endpointDetails: [{ port: 80, protocol: "Http" }] });

/** The core categories every cluster of Azure public cloud lists (before `apiserver` and `tunnel-classic`). */
const CORE: readonly DependencyCategoryBody[] = [
  { category: "azure-resource-management", endpoints: [https("management.azure.com"), https("login.microsoftonline.com")] },
  { category: "images", endpoints: [https("mcr.microsoft.com"), https("*.data.mcr.microsoft.com", "mcr cdn")] },
  { category: "artifacts", endpoints: [https("packages.microsoft.com"), https("packages.aks.azure.com")] },
  { category: "time-sync", endpoints: [{ domainName: "ntp.ubuntu.com", endpointDetails: [{ port: 123, protocol: "UDP" }] }] },
  { category: "ubuntu-optional", endpoints: [http("security.ubuntu.com"), http("azure.archive.ubuntu.com"), http("changelogs.ubuntu.com")] },
];

/** The Azure Monitor endpoints of Container insights (`omsagent`) and managed Prometheus, for a region. */
export function azureMonitorFqdns(region: string, metrics: boolean): string[] {
  return [
    "*.ods.opinsights.azure.com",
    "*.oms.opinsights.azure.com",
    "dc.services.visualstudio.com",
    "*.monitoring.azure.com",
    "global.handler.control.monitor.azure.com",
    `${regionName(region)}.handler.control.monitor.azure.com`,
    // Managed Prometheus: the region's metrics ingestion endpoint (DCE).
    ...(metrics ? [`${regionName(region)}.ingest.monitor.azure.com`] : []),
  ];
}

/** Azure Policy add-on (`azurepolicy`): policy definitions and compliance reporting. */
export const AZURE_POLICY_FQDNS: readonly string[] = ["data.policy.core.windows.net", "store.policy.core.windows.net"];

/** Key Vault Secrets Store CSI driver add-on (`azureKeyvaultSecretsProvider`): Azure public cloud. */
export const KEY_VAULT_CSI_FQDNS: readonly string[] = ["vault.azure.net"];

/** The add-on categories of a cluster with these (lower-cased) add-ons enabled, in a fixed order. */
export function addonCategories(region: string, addons: ReadonlySet<string>): DependencyCategoryBody[] {
  const out: DependencyCategoryBody[] = [];
  const metrics = addons.has("azure-monitor-metrics");
  if (addons.has("omsagent") || metrics) out.push({ category: "azure-monitor", endpoints: azureMonitorFqdns(region, metrics).map((d) => https(d)) });
  if (addons.has("azurepolicy")) out.push({ category: "azure-policy", endpoints: AZURE_POLICY_FQDNS.map((d) => https(d)) });
  if (addons.has("azurekeyvaultsecretsprovider")) {
    out.push({ category: "azure-keyvault-secrets-provider", endpoints: KEY_VAULT_CSI_FQDNS.map((d) => https(d)) });
  }
  return out;
}

/** `West Europe` → `westeurope`. */
function regionName(location: string): string {
  return location.toLowerCase().replace(/\s+/g, "");
}

const record = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** The add-ons a managed cluster body enables, lower-cased (`azure-monitor-metrics` for managed Prometheus). */
export function enabledAddonsOfBody(body: Record<string, unknown>): Set<string> {
  const props = record(body.properties) ?? {};
  const out = new Set<string>();
  for (const [name, profile] of Object.entries(record(props.addonProfiles) ?? {})) if (record(profile)?.enabled === true) out.add(name.toLowerCase());
  if (record(record(props.azureMonitorProfile)?.metrics)?.enabled === true) out.add("azure-monitor-metrics");
  return out;
}

/**
 * The dependency list of a managed cluster body: the core categories, the categories of its
 * enabled add-ons, then `apiserver` and `tunnel-classic` with its own API server FQDN (`fqdn`, or
 * `privateFQDN` when it has no public one; `*.azmk8s.io` as in the example when it has neither).
 */
export function outboundDependencyEndpoints(body: Record<string, unknown>): DependencyCategoryBody[] {
  const props = record(body.properties) ?? {};
  const region = typeof body.location === "string" ? body.location : "";
  const named = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
  const apiServer = named(props.fqdn) ?? named(props.privateFQDN) ?? "*.azmk8s.io";
  return [
    ...CORE,
    ...addonCategories(region, enabledAddonsOfBody(body)),
    { category: "apiserver", endpoints: [https(apiServer)] },
    {
      category: "tunnel-classic",
      endpoints: [{ domainName: apiServer, endpointDetails: [{ port: 9000, protocol: "TCP" }, { port: 1194, protocol: "UDP" }] }],
    },
  ];
}
