/**
 * AKS managed clusters in the 2024-09-01 GET shape: `ManagedClustersGet.json` and
 * `ManagedClustersCreate_PrivateClusterFQDNSubdomain.json`
 * (shared/reference/arm-examples/Microsoft.ContainerService/2024-09-01/), with the egress fields
 * of 2026-08-01: `natGatewayProfile` (`ManagedClustersCreate_ManagedNATGateway.json`), node public
 * IPs (`ManagedClustersCreate_NodePublicIPPrefix.json`), and `bootstrapProfile` and the NAT
 * gateway `sku` from the swagger excerpt (`swagger/managedClusters-2026-08-01.network-excerpt.json`).
 */
import type { EstateResource } from "../estate.js";
import { given, ifExample, refs, type BodyStyle, type Tags } from "./ids.js";

/** A managed cluster's id as the AKS RP returns it: `/resourcegroups/` in lower case. */
export const managedClusterId = (sub: string, rg: string, name: string): string =>
  `/subscriptions/${sub}/resourcegroups/${rg}/providers/Microsoft.ContainerService/managedClusters/${name}`;

/** The API server names of a cluster. */
export interface ManagedClusterFqdns {
  /** `<dnsPrefix>-<hash>.hcp.<location>.azmk8s.io`. */
  fqdn: string;
  /** Private clusters: `<dnsPrefix>-<hash>.<zone guid>.privatelink.<location>.azmk8s.io`. */
  privateFqdn?: string;
  /** Private clusters: AKS's own zone `<zone guid>.privatelink.<location>.azmk8s.io` (in the node resource group). */
  privateZoneName?: string;
  /** Private clusters: the API server's record name in that zone. */
  privateRecordName?: string;
}

/** The API server names of a cluster from its DNS prefix, hash, location and (private) zone GUID. */
export function managedClusterFqdns(spec: { dnsPrefix: string; fqdnHash: string; location: string; privateZoneGuid?: string }): ManagedClusterFqdns {
  const host = `${spec.dnsPrefix}-${spec.fqdnHash}`;
  const fqdn = `${host}.hcp.${spec.location}.azmk8s.io`;
  if (spec.privateZoneGuid === undefined) return { fqdn };
  const privateZoneName = `${spec.privateZoneGuid}.privatelink.${spec.location}.azmk8s.io`;
  return { fqdn, privateFqdn: `${host}.${privateZoneName}`, privateZoneName, privateRecordName: host };
}

/** An agent pool of a managed cluster. */
export interface AgentPoolSpec {
  name: string;
  count: number;
  vmSize: string;
  mode: "System" | "User";
  /** `enableNodePublicIP`: every node gets its own public IP. Example bodies: default false. */
  enableNodePublicIP?: boolean;
  /** `nodePublicIPPrefixID`: the `publicIPPrefixes` the node IPs come from. */
  nodePublicIPPrefixId?: string;
  /** The pool's own `vnetSubnetID`; default the cluster's `subnetId`. */
  subnetId?: string;
}

/** Outbound types: the stable enum of 2026-08-01, `block` (preview) and the preview spelling `managedNATGatewayV2`. */
export type OutboundType =
  | "loadBalancer"
  | "userDefinedRouting"
  | "managedNATGateway"
  | "userAssignedNATGateway"
  | "none"
  | "block"
  | "managedNATGatewayV2";

/** `networkProfile.natGatewayProfile` of a managed NAT gateway cluster. */
export interface NatGatewayProfileSpec {
  /** `sku` (`Standard` | `StandardV2`); not written when not given (as in the example, which predates it). */
  sku?: "Standard" | "StandardV2";
  /** `managedOutboundIPProfile.count`; default the number of effective outbound IPs. */
  managedOutboundIpCount?: number;
  /** `effectiveOutboundIPs[].id` (read-only): public IPs or public IP prefixes in the node resource group. */
  effectiveOutboundIpIds: string[];
  /** Example bodies: default 4 (as in the example). */
  idleTimeoutInMinutes?: number;
}

/** What {@link managedCluster} builds. */
export interface ManagedClusterSpec {
  sub: string;
  rg: string;
  name: string;
  /** Default {@link managedClusterId} (the RP's casing). */
  id?: string;
  location: string;
  dnsPrefix: string;
  /** The 8 hex characters in the API server FQDN. */
  fqdnHash: string;
  kubernetesVersion: string;
  /** The system-assigned identity. */
  principalId: string;
  tenantId: string;
  nodeResourceGroup: string;
  agentPools: AgentPoolSpec[];
  /** The agent pools' subnet (bring-your-own VNet). */
  subnetId?: string;
  outboundType: OutboundType;
  /** loadBalancer egress: the outbound public IPs (`loadBalancerProfile.effectiveOutboundIPs`). */
  effectiveOutboundIpIds?: string[];
  /** Managed NAT gateway egress: `networkProfile.natGatewayProfile`. */
  natGateway?: NatGatewayProfileSpec;
  /** Network isolation: `bootstrapProfile` (`artifactSource: Cache` with the private ACR the images come from). */
  bootstrap?: { artifactSource: "Cache" | "Direct"; containerRegistryId?: string };
  /**
   * API Server VNet Integration of a public API server (`enableVnetIntegration` + `subnetId` with
   * `enablePrivateCluster: false`); for a private one use `privateCluster.apiServerSubnetId`.
   */
  publicApiServerSubnetId?: string;
  /** `apiServerAccessProfile.authorizedIPRanges` of a public API server. */
  authorizedIpRanges?: string[];
  /**
   * `apiServerAccessProfile`: a private cluster (its zone GUID names the `privateFQDN`, and API
   * Server VNet Integration when `apiServerSubnetId` is given), or `false` for a public one.
   * Not given: no `apiServerAccessProfile` (as in `ManagedClustersGet.json`).
   */
  privateCluster?: { zoneGuid: string; apiServerSubnetId?: string } | false;
  /** The kubelet identity (`identityProfile.kubeletidentity`). */
  kubelet?: { id: string; clientId: string; principalId: string };
  tags?: Tags;
  /** Example bodies: default `Standard`. */
  tier?: "Free" | "Standard" | "Premium";
  /** Example bodies: the node image of the agent pools. */
  nodeImageVersion?: string;
  /**
   * `addonProfiles` by add-on name as ARM spells it (`omsagent`, `azurepolicy`,
   * `azureKeyvaultSecretsProvider`): `enabled` and the add-on's `config`. Not given: no
   * `addonProfiles` (as in `ManagedClustersGet.json`). Enabled add-ons add endpoints to the
   * cluster's dependency list (aksDependencies.ts).
   */
  addons?: Record<string, AddonProfileSpec>;
  /** `azureMonitorProfile.metrics.enabled`: managed Prometheus (adds the region's metrics ingestion endpoint). */
  azureMonitorMetrics?: boolean;
}

/** One entry of `addonProfiles`. */
export interface AddonProfileSpec {
  enabled: boolean;
  /** The add-on's settings (`logAnalyticsWorkspaceResourceID` for `omsagent`, ...). */
  config?: Record<string, string>;
}

/**
 * A managed cluster (`ManagedClustersGet.json`; a private cluster as
 * `ManagedClustersCreate_PrivateClusterFQDNSubdomain.json` answers it). Lean: the system identity,
 * version, names, agent pools (name, count, size, mode, subnet), node resource group, the network
 * profile's plugin, outbound type and effective outbound IPs (load balancer or NAT gateway), the
 * agent pools' node public IP flags, the API server access profile (`enablePrivateCluster`,
 * authorized ranges, VNet integration), the bootstrap profile, the add-on profiles and managed
 * Prometheus (`azureMonitorProfile.metrics`), when given.
 */
export function managedCluster(style: BodyStyle, spec: ManagedClusterSpec): EstateResource {
  const id = spec.id ?? managedClusterId(spec.sub, spec.rg, spec.name);
  const names = managedClusterFqdns({
    dnsPrefix: spec.dnsPrefix,
    fqdnHash: spec.fqdnHash,
    location: spec.location,
    ...given("privateZoneGuid", spec.privateCluster ? spec.privateCluster.zoneGuid : undefined),
  });
  const version = spec.kubernetesVersion;
  const example = style.detail === "example";
  const agentPoolProfiles = spec.agentPools.map((p) => ({
    name: p.name,
    count: p.count,
    vmSize: p.vmSize,
    ...ifExample(style, () => ({ osDiskSizeGB: 128, osDiskType: "Managed", kubeletDiskType: "OS" })),
    ...given("vnetSubnetID", p.subnetId ?? spec.subnetId),
    ...ifExample(style, (ids) => ({
      maxPods: 110,
      type: "VirtualMachineScaleSets",
      availabilityZones: ["1", "2", "3"],
      enableAutoScaling: false,
      eTag: ids.aksEtag(`${id}/${p.name}`),
      provisioningState: "Succeeded",
      powerState: { code: "Running" },
      orchestratorVersion: version,
      currentOrchestratorVersion: version,
    })),
    ...(example ? { enableNodePublicIP: p.enableNodePublicIP ?? false } : given("enableNodePublicIP", p.enableNodePublicIP)),
    ...given("nodePublicIPPrefixID", p.nodePublicIPPrefixId),
    mode: p.mode,
    ...ifExample(style, () => ({
      osType: "Linux",
      osSKU: "Ubuntu",
      nodeImageVersion: spec.nodeImageVersion ?? "AKSUbuntu-2204gen2containerd-202409.23.0",
      upgradeSettings: { maxSurge: "33%" },
      enableFIPS: false,
    })),
  }));
  const outboundIps = spec.effectiveOutboundIpIds;
  const nat = spec.natGateway;
  const networkProfile = {
    networkPlugin: "azure",
    ...ifExample(style, () => ({
      networkPluginMode: "overlay",
      networkPolicy: "none",
      networkDataplane: "azure",
      podCidr: "192.168.0.0/16",
      serviceCidr: "172.16.0.0/16",
      dnsServiceIP: "172.16.0.10",
    })),
    outboundType: spec.outboundType,
    loadBalancerSku: "standard",
    ...ifExample(style, () => ({ podCidrs: ["192.168.0.0/16"], serviceCidrs: ["172.16.0.0/16"], ipFamilies: ["IPv4"] })),
    ...(outboundIps
      ? {
          loadBalancerProfile: example
            ? {
                allocatedOutboundPorts: 0,
                idleTimeoutInMinutes: 30,
                managedOutboundIPs: { count: outboundIps.length },
                effectiveOutboundIPs: refs(outboundIps),
                backendPoolType: "nodeIPConfiguration",
              }
            : { effectiveOutboundIPs: refs(outboundIps) },
        }
      : {}),
    ...(nat
      ? {
          natGatewayProfile: {
            ...given("sku", nat.sku),
            ...(example ? { managedOutboundIPProfile: { count: nat.managedOutboundIpCount ?? nat.effectiveOutboundIpIds.length } } : {}),
            effectiveOutboundIPs: refs(nat.effectiveOutboundIpIds),
            ...ifExample(style, () => ({ idleTimeoutInMinutes: nat.idleTimeoutInMinutes ?? 4 })),
          },
        }
      : {}),
  };
  const pc = spec.privateCluster;
  const authorized = given("authorizedIPRanges", spec.authorizedIpRanges);
  const apiServerAccessProfile =
    pc === undefined
      ? undefined
      : pc === false
        ? {
            ...authorized,
            enablePrivateCluster: false,
            // API Server VNet Integration with public access: the API server's load balancer is in the subnet, still public.
            ...(spec.publicApiServerSubnetId ? { enableVnetIntegration: true, subnetId: spec.publicApiServerSubnetId } : {}),
          }
        : {
            enablePrivateCluster: true,
            ...ifExample(style, () => ({ privateDNSZone: "system", enablePrivateClusterPublicFQDN: true })),
            // API Server VNet Integration: the API server's internal load balancer sits in a delegated subnet.
            ...(pc.apiServerSubnetId ? { enableVnetIntegration: true, subnetId: pc.apiServerSubnetId } : {}),
          };
  return {
    id,
    location: spec.location,
    name: spec.name,
    ...(example ? { tags: spec.tags ?? {} } : given("tags", spec.tags)),
    type: "Microsoft.ContainerService/ManagedClusters",
    ...ifExample(style, (ids) => ({ eTag: ids.aksEtag(id), sku: { name: "Base", tier: spec.tier ?? "Standard" } })),
    identity: { type: "SystemAssigned", principalId: spec.principalId, tenantId: spec.tenantId },
    properties: {
      provisioningState: "Succeeded",
      ...ifExample(style, () => ({ powerState: { code: "Running" }, maxAgentPools: 100 })),
      kubernetesVersion: version,
      ...ifExample(style, () => ({ currentKubernetesVersion: version })),
      dnsPrefix: spec.dnsPrefix,
      fqdn: names.fqdn,
      ...ifExample(style, () => ({ azurePortalFQDN: `${spec.dnsPrefix}-${spec.fqdnHash}.portal.hcp.${spec.location}.azmk8s.io` })),
      ...given("privateFQDN", names.privateFqdn),
      agentPoolProfiles,
      ...ifExample(style, () => ({ servicePrincipalProfile: { clientId: "msi" } })),
      ...(spec.addons
        ? {
            addonProfiles: Object.fromEntries(
              Object.entries(spec.addons).map(([name, a]) => [name, { enabled: a.enabled, ...(example || a.config ? { config: a.config ?? null } : {}) }]),
            ),
          }
        : {}),
      nodeResourceGroup: spec.nodeResourceGroup,
      ...ifExample(style, () => ({ enableRBAC: true, supportPlan: "KubernetesOfficial" })),
      networkProfile,
      ...given("apiServerAccessProfile", apiServerAccessProfile),
      ...(spec.bootstrap
        ? { bootstrapProfile: { artifactSource: spec.bootstrap.artifactSource, ...given("containerRegistryId", spec.bootstrap.containerRegistryId) } }
        : {}),
      ...(spec.azureMonitorMetrics !== undefined
        ? {
            azureMonitorProfile: {
              metrics: {
                enabled: spec.azureMonitorMetrics,
                ...ifExample(style, () => ({ kubeStateMetrics: { metricLabelsAllowlist: "", metricAnnotationsAllowList: "" } })),
              },
            },
          }
        : {}),
      ...(spec.kubelet
        ? { identityProfile: { kubeletidentity: { resourceId: spec.kubelet.id, clientId: spec.kubelet.clientId, objectId: spec.kubelet.principalId } } }
        : {}),
      ...ifExample(style, () => ({ disableLocalAccounts: true, autoUpgradeProfile: { upgradeChannel: "patch", nodeOSUpgradeChannel: "NodeImage" } })),
    },
  };
}
