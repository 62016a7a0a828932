/**
 * The required outbound endpoints AKS publishes per cluster
 * (`ManagedClusters_ListOutboundNetworkDependenciesEndpoints`; Microsoft's example:
 * `shared/reference/arm-examples/Microsoft.ContainerService/2026-08-01/OutboundNetworkDependenciesEndpointsList.json`),
 * normalised. Part of the Snapshot contract (snapshot.ts re-exports every type).
 */
/** One endpoint detail: a port and protocol (and an address where AKS gives one). */
export interface EndpointDetail {
  port?: number;
  protocol?: string;
  ipAddress?: string;
  description?: string;
}

/** One domain AKS says the cluster must reach. */
export interface EndpointDependency {
  domainName: string;
  endpointDetails: EndpointDetail[];
}

/** A category of required endpoints (`apiserver`, `images`, `artifacts`, `time-sync`, ...). */
export interface EndpointCategory {
  category: string;
  endpoints: EndpointDependency[];
}

/** The dependency list read for one cluster configuration, and which cluster it was read from. */
export interface OutboundDependencyList {
  /** The cluster whose list was read (the others of the configuration share it). */
  readFromClusterId: string;
  categories: EndpointCategory[];
}

/**
 * The configuration key of a cluster's dependency list: region and enabled add-ons, lower-cased
 * (`westeurope|azurepolicy,omsagent`, the add-ons named by their `addonProfiles` keys). Clusters
 * with equal keys get equal lists apart from their own API server FQDN.
 */
export function dependencyConfigKey(cluster: { location: string; enabledAddons?: string[] }): string {
  const region = cluster.location.toLowerCase().replace(/\s+/g, "");
  return `${region}|${[...(cluster.enabledAddons ?? [])].map((a) => a.toLowerCase()).sort().join(",")}`;
}
