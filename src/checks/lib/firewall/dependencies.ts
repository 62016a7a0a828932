/**
 * The AKS part of a target's required egress, from the cluster's own dependency list
 * (`managedClusters/{name}/outboundNetworkDependenciesEndpoints`, kept per configuration in
 * `Snapshot.outboundDependencies`) or, when that list was not read, from the documented list
 * (reference §7.1: the `AzureKubernetesService` FQDN tag, the tunnel to `AzureCloud.<region>`, the
 * API server FQDN on TCP 443), which is also the floor under the cluster's list. Pure.
 *
 * ## Why one list per region and add-on set is sound
 * Microsoft's example (`2026-08-01/OutboundNetworkDependenciesEndpointsList.json`) holds nothing
 * that names the cluster: the only cluster-specific categories, `apiserver` (Https 443) and
 * `tunnel-classic` (TCP 9000), are given as `*.azmk8s.io`; for a real cluster the `apiserver` entry
 * is its own API server FQDN (`<dnsprefix>-<hash>.hcp.<region>.azmk8s.io`, reference §8.7), which
 * the cluster body gives as `properties.fqdn`. Every other entry is a function of the cloud, the
 * region (`<region>.ingest.monitor.azure.com`) and the enabled add-ons and features (the outbound
 * rules page lists them per add-on). So clusters with equal `dependencyConfigKey` (region + add-on
 * set) have equal lists once the `apiserver`/`tunnel-*` domains are replaced by each cluster's own
 * FQDN, which is what this module does; the collector reads one list per configuration.
 *
 * ## What the `AzureKubernetesService` FQDN tag covers
 * The tag is an application-rule tag (HTTP/HTTPS) that "contains all the FQDNs listed in" the AKS
 * outbound-rules page and is updated automatically (AKS docs `limit-egress-traffic.md`; reference
 * §8.7). Credited to the tag here: the categories of that page's base-cluster FQDN sections,
 * {@link TAG_COVERED_CATEGORIES}:
 * - `azure-resource-management` (management.azure.com, login.microsoftonline.com), `images`
 *   (mcr.microsoft.com, *.data.mcr.microsoft.com), `artifacts` (packages.microsoft.com,
 *   packages.aks.azure.com / formerly acs-mirror.azureedge.net): the "Azure Global required FQDN /
 *   application rules" section;
 * - `ubuntu-optional` (security/azure.archive/changelogs.ubuntu.com on HTTP 80): the page's
 *   "optional recommended" section. (Inference: the documented tag rule opens `http=80` besides
 *   `https=443`, and these are the page's only HTTP 80 endpoints.)
 * Not credited: `apiserver` (pods outside kube-system reach the API server on TCP 443, which needs
 * a rule of its own "in addition to" the tag: `limit-egress-traffic.md`; it stays the documented
 * API server item), `tunnel-*` and `time-sync` (network-level needs: UDP 1194, TCP 9000, NTP UDP
 * 123 are not HTTP/S, §8.7), and every add-on or feature category (`gpu`, `windows`, monitoring,
 * policy, Key Vault, extensions, ... and any category not named here): whether the tag holds them
 * is not verified and users report it does not (§8.7, §8.12), so they need their own rules.
 */
import type { AksCluster, EndpointCategory, OutboundDependencyList, Part, ReadError, Snapshot } from "../../../model/snapshot.js";
import { dependencyConfigKey } from "../../../model/snapshot.js";
import type { RequiredEgress } from "../../../baseline/baseline.js";
import { errorOf, notCollected } from "../parts.js";
import type { EgressRequirement } from "./requirements.js";

/** The Azure Firewall FQDN tag for the AKS core endpoints. */
export const AKS_FQDN_TAG = "AzureKubernetesService";

/** Dependency categories the `AzureKubernetesService` tag is credited with (see the module comment). */
export const TAG_COVERED_CATEGORIES: ReadonlySet<string> = new Set(["azure-resource-management", "images", "artifacts", "ubuntu-optional"]);

/**
 * The documented core FQDNs (reference §7.1, "Azure Global required FQDN / application rules")
 * that every cluster's list must keep: the floor under a list that was read. Ones that changed
 * since (acs-mirror.azureedge.net, replaced by packages.aks.azure.com in 2025) are left out.
 */
const DOCUMENTED_CORE_FQDNS = ["management.azure.com", "login.microsoftonline.com", "mcr.microsoft.com", "*.data.mcr.microsoft.com", "packages.microsoft.com"];

/** Categories whose `*.azmk8s.io` domain stands for the cluster's own API server. */
function isControlPlaneCategory(category: string): boolean {
  const c = category.toLowerCase();
  return c === "apiserver" || c.startsWith("tunnel");
}

/** One endpoint the cluster's list requires, as a requirement. */
export interface ClusterEndpoint {
  req: EgressRequirement;
  /** The list's category (`images`, `apiserver`, an add-on's), or `documented list (floor)`. */
  category: string;
}

/** The AKS requirements of a target beyond the documented floor items the check always judges. */
export interface AksDependencies {
  /** `cluster API (read from <clusterId>)` or `documented list (fallback: <code>)`: evidence on every finding. */
  requiredListSource: string;
  /** True when the list was read: its endpoints replace the documented `AzureKubernetesService` tag item. */
  fromCluster: boolean;
  /** The endpoints of the cluster's list (empty for the fallback). */
  endpoints: ClusterEndpoint[];
  /** Why the list could not be used, when the snapshot was meant to hold it (then an `unknown` finding). */
  listError?: ReadError;
  /** Notes for the evidence (e.g. the API server is reached privately). */
  notes: string[];
}

/** Endpoint categories AKS marks optional (`ubuntu-optional`). */
export function isOptionalCategory(category: string): boolean {
  return category.toLowerCase().endsWith("-optional");
}

/**
 * The AKS dependencies of a target whose AKS cluster is `aks`. `apiServerPrivate`: the API server
 * is reached in the VNet (private cluster or pool), so the `apiserver` category is not required
 * through the firewall. `includeOptional`: judge the `*-optional` categories too.
 */
export function aksDependenciesOf(snapshot: Snapshot, aks: Part<AksCluster>, apiServerPrivate: boolean, includeOptional: boolean): AksDependencies {
  const fallback = (error: ReadError, report: boolean): AksDependencies => ({
    requiredListSource: `documented list (fallback: ${error.code})`,
    fromCluster: false,
    endpoints: [],
    ...(report ? { listError: error } : {}),
    notes: [],
  });
  const lists = snapshot.outboundDependencies;
  if (lists === undefined) {
    // Written by a version that did not read dependency lists: judged on the documented list, as then.
    return fallback({ code: "NotCollected", message: "per-cluster dependency lists were not collected by the version that wrote this snapshot" }, false);
  }
  if (!aks.ok) return fallback(aks.error, true);
  const cluster = aks.value;
  const key = dependencyConfigKey(cluster);
  const part = lists[key];
  if (part === undefined) return fallback(notCollected(cluster.id, `the outbound dependency list of configuration ${key}`), true);
  if (!part.ok) return fallback(errorOf(part, cluster.id), true);
  const shared = sharedEndpoints(snapshot, key, part.value);
  const notes: string[] = [];
  const endpoints: ClusterEndpoint[] = [];
  for (const e of shared.endpoints) {
    if (!includeOptional && isOptionalCategory(e.category)) continue;
    endpoints.push(e);
  }
  if (apiServerPrivate && shared.listsApiServer) {
    const name = cluster.privateFqdn !== undefined && cluster.privateFqdn !== "" ? ` (${cluster.privateFqdn})` : "";
    notes.push(`the API server${name} is private: reached in the virtual network, not through the firewall, so its apiserver endpoints are not required there`);
  }
  for (const c of shared.controlPlane) {
    if (apiServerPrivate && c.category.toLowerCase() === "apiserver") continue;
    if (cluster.fqdn === undefined || cluster.fqdn === "") continue; // the documented API server item reports the missing FQDN
    endpoints.push({ category: c.category, req: { ...c.req, destination: cluster.fqdn, description: `${c.req.description ?? c.category} of AKS cluster ${cluster.name}` } });
  }
  return { requiredListSource: `cluster API (read from ${part.value.readFromClusterId})`, fromCluster: true, endpoints, notes };
}

/** The requirements of one list, made once per snapshot and configuration and shared by its clusters. */
interface SharedEndpoints {
  endpoints: ClusterEndpoint[];
  /** `apiserver` / `tunnel-*` endpoints the documented items do not already cover; their domain becomes each cluster's FQDN. */
  controlPlane: ClusterEndpoint[];
  /** Whether the list has an `apiserver` category (noted as not required for a private API server). */
  listsApiServer: boolean;
}
const sharedBySnapshot = new WeakMap<Snapshot, Map<string, SharedEndpoints>>();

function sharedEndpoints(snapshot: Snapshot, key: string, list: OutboundDependencyList): SharedEndpoints {
  let byKey = sharedBySnapshot.get(snapshot);
  if (!byKey) sharedBySnapshot.set(snapshot, (byKey = new Map<string, SharedEndpoints>()));
  let shared = byKey.get(key);
  if (!shared) byKey.set(key, (shared = buildEndpoints(list.categories)));
  return shared;
}

/**
 * The documented items the check always judges stand in for these control-plane needs: the API
 * server FQDN on TCP 443 (`apiserver`), and `AzureCloud.<region>` TCP 9000 / UDP 1194 (`tunnel-*`).
 */
function coveredByDocumentedItem(category: string, protocol: RequiredEgress["protocol"], port: number): boolean {
  if (category.toLowerCase() === "apiserver") return port === 443 && protocol !== "UDP";
  return (port === 9000 && protocol === "TCP") || (port === 1194 && protocol === "UDP");
}

function buildEndpoints(categories: readonly EndpointCategory[]): SharedEndpoints {
  const endpoints: ClusterEndpoint[] = [];
  const controlPlane: ClusterEndpoint[] = [];
  const seen = new Set<string>();
  for (const cat of categories) {
    const tagCovered = TAG_COVERED_CATEGORIES.has(cat.category.toLowerCase());
    for (const ep of cat.endpoints) {
      const details = ep.endpointDetails.length > 0 ? ep.endpointDetails : [{ port: 443, protocol: "Https" }];
      // One requirement per domain, protocol and port; the addresses of its details together.
      const byPort = new Map<string, { protocol: RequiredEgress["protocol"]; port: number; addresses: string[]; description?: string }>();
      for (const d of details) {
        const protocol = protocolOf(d.protocol);
        const port = d.port ?? (protocol === "Http" ? 80 : 443);
        const k = `${protocol}:${port}`;
        const entry = byPort.get(k) ?? { protocol, port, addresses: [] };
        if (d.ipAddress !== undefined && d.ipAddress !== "") entry.addresses.push(d.ipAddress);
        if (entry.description === undefined && d.description !== undefined) entry.description = d.description;
        byPort.set(k, entry);
      }
      for (const { protocol, port, addresses, description } of byPort.values()) {
        const req: EgressRequirement = {
          kind: "fqdn",
          destination: ep.domainName,
          protocol,
          port,
          description: description !== undefined ? `${cat.category}: ${description}` : cat.category,
        };
        if (tagCovered) req.fqdnTag = AKS_FQDN_TAG;
        if (addresses.length > 0) req.addresses = addresses;
        if (isControlPlaneCategory(cat.category)) {
          if (!coveredByDocumentedItem(cat.category, protocol, port)) controlPlane.push({ category: cat.category, req });
          continue;
        }
        const k = `${ep.domainName.toLowerCase()}|${protocol}|${port}`;
        if (seen.has(k)) continue;
        seen.add(k);
        endpoints.push({ category: cat.category, req });
      }
    }
  }
  for (const fqdn of DOCUMENTED_CORE_FQDNS) {
    if (seen.has(`${fqdn}|Https|443`)) continue;
    endpoints.push({
      category: "documented list (floor)",
      req: { kind: "fqdn", destination: fqdn, protocol: "Https", port: 443, description: "documented AKS core endpoint (reference §7.1)", fqdnTag: AKS_FQDN_TAG },
    });
  }
  return { endpoints, controlPlane, listsApiServer: categories.some((c) => c.category.toLowerCase() === "apiserver") };
}

/** The requirement protocol of an endpoint detail (`Https`, `Http`, `TCP`, `UDP`; ARM's case varies). */
function protocolOf(protocol: string | undefined): RequiredEgress["protocol"] {
  switch ((protocol ?? "Https").toLowerCase()) {
    case "http":
      return "Http";
    case "udp":
      return "UDP";
    case "tcp":
      return "TCP";
    case "mssql":
      return "Mssql";
    default:
      return "Https";
  }
}
