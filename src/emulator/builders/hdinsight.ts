/**
 * HDInsight on AKS cluster pools and their clusters in the 2024-05-01-preview GET shapes:
 * `GetClusterPool.json`, `CreateClusterPoolWithUDRAks.json`, `GetCluster.json`,
 * `CreateSparkClusterWithInternalIngress.json` (shared/reference/arm-examples/Microsoft.HDInsight/).
 */
import type { EstateResource } from "../estate.js";
import { given, ifExample, rgId, type BodyStyle, type Tags } from "./ids.js";

/** A cluster pool's id as `GetClusterPool.json` spells it (`clusterPools`). */
export const clusterPoolId = (sub: string, rg: string, name: string): string =>
  `${rgId(sub, rg)}/providers/Microsoft.HDInsight/clusterPools/${name}`;

/** A user-assigned identity as the HDInsight profiles reference it. */
export interface MsiRef {
  id: string;
  clientId: string;
  principalId: string;
}

/** A cluster pool's `networkProfile` (2023-11-01-preview and later). */
export interface ClusterPoolNetworkProfile {
  subnetId?: string;
  outboundType?: string;
  enablePrivateApiServer?: boolean;
  apiServerAuthorizedIpRanges?: string[];
}

/** What {@link clusterPool} builds. */
export interface ClusterPoolSpec {
  sub: string;
  rg: string;
  name: string;
  /** Default {@link clusterPoolId}. */
  id?: string;
  location: string;
  deploymentId: string;
  /** The `hdi-<deploymentId>` group. */
  managedResourceGroupName: string;
  /** The AKS node resource group; absent from `GetClusterPool.json`. */
  aksManagedResourceGroupName?: string;
  clusterPoolVersion: string;
  computeProfile: { vmSize: string; count: number; availabilityZones?: string[] };
  aksVersion: string;
  aksClusterResourceId: string;
  /** `aksClusterAgentPoolIdentityProfile` (the agent pool's identity). */
  agentPoolIdentity?: MsiRef;
  /** Absent from `GetClusterPool.json`. */
  networkProfile?: ClusterPoolNetworkProfile;
  /** `logAnalyticsProfile.enabled`. */
  logAnalytics?: boolean;
  /** See `systemData` in ids.ts. */
  systemData?: Record<string, string>;
  tags?: Tags;
}

/**
 * A cluster pool (`GetClusterPool.json`, with the `networkProfile` of
 * `CreateClusterPoolWithUDRAks.json` when given). Example bodies add `status: Running`. Lean:
 * everything given.
 */
export function clusterPool(style: BodyStyle, spec: ClusterPoolSpec): EstateResource {
  return {
    id: spec.id ?? clusterPoolId(spec.sub, spec.rg, spec.name),
    name: spec.name,
    type: "Microsoft.HDInsight/clusterPools",
    properties: {
      provisioningState: "Succeeded",
      deploymentId: spec.deploymentId,
      managedResourceGroupName: spec.managedResourceGroupName,
      ...given("aksManagedResourceGroupName", spec.aksManagedResourceGroupName),
      clusterPoolProfile: { clusterPoolVersion: spec.clusterPoolVersion },
      computeProfile: spec.computeProfile,
      aksClusterProfile: {
        aksVersion: spec.aksVersion,
        ...(spec.agentPoolIdentity
          ? {
              aksClusterAgentPoolIdentityProfile: {
                msiResourceId: spec.agentPoolIdentity.id,
                msiClientId: spec.agentPoolIdentity.clientId,
                msiObjectId: spec.agentPoolIdentity.principalId,
              },
            }
          : {}),
        aksClusterResourceId: spec.aksClusterResourceId,
      },
      ...given("networkProfile", spec.networkProfile),
      ...(spec.logAnalytics !== undefined ? { logAnalyticsProfile: { enabled: spec.logAnalytics } } : {}),
      ...ifExample(style, () => ({ status: "Running" })),
    },
    ...given("systemData", spec.systemData),
    location: spec.location,
    ...given("tags", spec.tags),
  };
}

/** The web endpoints of a pool's cluster. */
export interface HdiClusterFqdns {
  /** `<cluster>.<pool>.<subscription>.<location>.hdinsightaks.net`. */
  fqdn: string;
  /** Private ingress: the `.privatelink.` form or the `-int.` form. */
  privateFqdn?: string;
}

/** The web endpoints of a cluster; `privateForm` for private ingress (both forms occur in Microsoft's examples). */
export function hdiClusterFqdns(spec: { cluster: string; pool: string; sub: string; location: string; privateForm?: "privatelink" | "int" }): HdiClusterFqdns {
  const base = `${spec.pool}.${spec.sub}.${spec.location}.hdinsightaks.net`;
  const fqdn = `${spec.cluster}.${base}`;
  if (spec.privateForm === undefined) return { fqdn };
  return { fqdn, privateFqdn: spec.privateForm === "int" ? `${spec.cluster}-int.${base}` : `${spec.cluster}.privatelink.${base}` };
}

/** What {@link hdiCluster} builds. */
export interface HdiClusterSpec {
  poolId: string;
  name: string;
  location: string;
  /** As the RP spells it: `spark` in Microsoft's example, `Spark`, `Trino`, `Flink`. */
  clusterType: string;
  clusterVersion: string;
  ossVersion?: string;
  deploymentId?: string;
  components?: Array<{ name: string; version: string }>;
  /** `computeProfile.nodes`. */
  nodes?: Array<{ type: string; vmSize: string; count: number }>;
  /** `computeProfile.availabilityZones` (with `nodes`). */
  availabilityZones?: string[];
  /** The identity the cluster runs as: `managedIdentityProfile`, or the deprecated `identityProfile` (`ListClustersByClusterPoolName.json`). */
  msi?: MsiRef & { legacyIdentityProfile?: boolean };
  /** `authorizationProfile.userIds`. */
  userIds?: string[];
  endpoints: HdiClusterFqdns;
  /** SSH pods: endpoints per pod (private ones with private ingress) and `sshProfile`. */
  sshPods?: number;
  /** The workload profile (`sparkProfile`, `trinoProfile`, `flinkProfile`, ...), merged into `clusterProfile`. */
  profile?: Record<string, unknown>;
  /** Private ingress: the private link service (`clusterAccessProfile`). */
  privateLinkServiceId?: string;
  systemData?: Record<string, string>;
}

/**
 * A cluster of a pool (`GetCluster.json`; private ingress as
 * `CreateSparkClusterWithInternalIngress.json` answers it: `clusterAccessProfile`, `privateFqdn`,
 * `privateSshEndpoint`). Example bodies add `status: Running`. Lean: everything given.
 */
export function hdiCluster(style: BodyStyle, spec: HdiClusterSpec): EstateResource {
  const id = `${spec.poolId}/clusters/${spec.name}`;
  const { fqdn, privateFqdn } = spec.endpoints;
  const msi = spec.msi;
  const identity = msi
    ? msi.legacyIdentityProfile
      ? { identityProfile: { msiResourceId: msi.id, msiClientId: msi.clientId, msiObjectId: msi.principalId } }
      : { managedIdentityProfile: { identityList: [{ type: "cluster", resourceId: msi.id, clientId: msi.clientId, objectId: msi.principalId }] } }
    : {};
  const pods = spec.sshPods === undefined ? undefined : Array.from({ length: spec.sshPods }, (_, n) => n);
  return {
    id,
    name: spec.name,
    type: "Microsoft.HDInsight/clusterPools/clusters",
    properties: {
      provisioningState: "Succeeded",
      clusterType: spec.clusterType,
      ...given("deploymentId", spec.deploymentId),
      ...(spec.nodes ? { computeProfile: { nodes: spec.nodes, ...given("availabilityZones", spec.availabilityZones) } } : {}),
      clusterProfile: {
        clusterVersion: spec.clusterVersion,
        ...given("ossVersion", spec.ossVersion),
        ...given("components", spec.components),
        ...identity,
        ...(spec.userIds ? { authorizationProfile: { userIds: spec.userIds } } : {}),
        connectivityProfile: {
          web: { fqdn, ...given("privateFqdn", privateFqdn) },
          ...given(
            "ssh",
            pods?.map((n) => ({
              endpoint: `${fqdn}/ssh/host/sshnode-${n}`,
              ...(privateFqdn ? { privateSshEndpoint: `${privateFqdn}/ssh/host/sshnode-${n}` } : {}),
            })),
          ),
        },
        ...spec.profile,
        ...(pods ? { sshProfile: { count: pods.length, podPrefix: "sshnode", vmSize: "Standard_E2as_v5" } } : {}),
        ...(spec.privateLinkServiceId ? { clusterAccessProfile: { enableInternalIngress: true, privateLinkServiceId: spec.privateLinkServiceId } } : {}),
      },
      ...ifExample(style, () => ({ status: "Running" })),
    },
    ...given("systemData", spec.systemData),
    location: spec.location,
  };
}
