/**
 * How the demo lays out an AKS cluster, as Azure does: the managed cluster with (private
 * clusters) AKS's own API server zone in the node resource group, and what AKS creates there for
 * the nodes (agent-pool NSG, a scale set per agent pool). Used by plain AKS targets and by the
 * AKS cluster behind every cluster pool (layout.ts).
 */
import {
  aksScaleSetName,
  managedCluster,
  managedClusterFqdns,
  managedClusterId,
  networkSecurityGroup,
  privateDnsZoneWith,
  virtualMachineScaleSet,
  type AgentPoolSpec,
  type ManagedClusterSpec,
  type MsiRef,
  type SecurityRuleSpec,
  type Tags,
} from "../../src/emulator/builders/index.js";
import { add, addAll, ids, K8S_VERSION, style, TENANT } from "./world.js";

/** An AKS cluster as later pieces refer to it. */
export interface Aks {
  id: string;
  fqdn: string;
  privateFqdn?: string;
  principalId: string;
}

/**
 * An AKS managed cluster (ids derived from its id); a private cluster also gets AKS's own
 * private DNS zone for its API server in the node resource group.
 */
export function aksCluster(c: {
  sub: string;
  rg: string;
  name: string;
  location: string;
  dnsPrefix: string;
  nodeResourceGroup: string;
  outboundType: ManagedClusterSpec["outboundType"];
  privateCluster: boolean;
  apiServerSubnetId?: string;
  apiServerPrivateIp?: string;
  /** The BYO subnet of the agent pools; absent for an AKS-managed VNet (in the node resource group). */
  subnetId?: string;
  /** The VNet the API server zone is linked to (private clusters). */
  vnetId?: string;
  effectiveOutboundIPs?: string[];
  natGateway?: ManagedClusterSpec["natGateway"];
  bootstrap?: ManagedClusterSpec["bootstrap"];
  publicApiServerSubnetId?: string;
  authorizedIpRanges?: string[];
  kubelet: MsiRef;
  kubernetesVersion?: string;
  tags?: Tags;
  agentPools: AgentPoolSpec[];
  /** `addonProfiles` (their endpoints join the cluster's dependency list). */
  addons?: ManagedClusterSpec["addons"];
  /** Managed Prometheus (`azureMonitorProfile.metrics.enabled`). */
  azureMonitorMetrics?: boolean;
}): Aks {
  const id = managedClusterId(c.sub, c.rg, c.name);
  const fqdnHash = ids.hex8(`fqdn/${id}`);
  const zoneGuid = ids.guid(`apizone/${id}`);
  const principalId = ids.guid(`aksprincipal/${id}`);
  add(
    managedCluster(style, {
      sub: c.sub,
      rg: c.rg,
      name: c.name,
      location: c.location,
      dnsPrefix: c.dnsPrefix,
      fqdnHash,
      kubernetesVersion: c.kubernetesVersion ?? K8S_VERSION,
      principalId,
      tenantId: TENANT,
      nodeResourceGroup: c.nodeResourceGroup,
      agentPools: c.agentPools,
      ...(c.subnetId ? { subnetId: c.subnetId } : {}),
      outboundType: c.outboundType,
      ...(c.outboundType === "loadBalancer" ? { effectiveOutboundIpIds: c.effectiveOutboundIPs ?? [] } : {}),
      ...(c.natGateway ? { natGateway: c.natGateway } : {}),
      ...(c.bootstrap ? { bootstrap: c.bootstrap } : {}),
      ...(c.publicApiServerSubnetId ? { publicApiServerSubnetId: c.publicApiServerSubnetId } : {}),
      ...(c.authorizedIpRanges ? { authorizedIpRanges: c.authorizedIpRanges } : {}),
      privateCluster: c.privateCluster ? { zoneGuid, ...(c.apiServerSubnetId ? { apiServerSubnetId: c.apiServerSubnetId } : {}) } : false,
      kubelet: c.kubelet,
      ...(c.tags ? { tags: c.tags } : {}),
      ...(c.addons ? { addons: c.addons } : {}),
      ...(c.azureMonitorMetrics !== undefined ? { azureMonitorMetrics: c.azureMonitorMetrics } : {}),
    }),
  );
  const names = managedClusterFqdns({ dnsPrefix: c.dnsPrefix, fqdnHash, location: c.location, ...(c.privateCluster ? { privateZoneGuid: zoneGuid } : {}) });
  // A private cluster's API server: AKS's own private DNS zone in the node resource group.
  if (names.privateZoneName && names.privateRecordName) {
    if (!c.apiServerPrivateIp || !c.vnetId) throw new Error(`${c.name}: a private cluster needs apiServerPrivateIp and vnetId`);
    addAll(
      privateDnsZoneWith(style, {
        sub: c.sub,
        rg: c.nodeResourceGroup,
        zoneName: names.privateZoneName,
        records: [{ name: names.privateRecordName, addresses: [c.apiServerPrivateIp], ttl: 300 }],
        links: [{ name: ids.hex32(`apilink/${id}`), vnetId: c.vnetId }],
      }).resources,
    );
  }
  return { id, fqdn: names.fqdn, ...(names.privateFqdn ? { privateFqdn: names.privateFqdn } : {}), principalId };
}

/** The node resources of an AKS cluster in its node resource group: the agent-pool NSG and a scale set per agent pool. */
export interface AksNodes {
  nsgId: string;
  /** Scale set id per agent pool name. */
  scaleSets: Record<string, string>;
}

/**
 * What AKS creates for the nodes in the node resource group: the agent-pool NSG
 * `aks-agentpool-<n>-nsg` (rules for public LoadBalancer services, plus `extraRules` someone
 * added by hand) and one scale set `aks-<pool>-<n>-vmss` per agent pool, whose NICs carry that
 * NSG, sit in the pool's subnet and, for node-public-IP pools, get instance-level public IPs.
 */
export function aksNodes(p: {
  sub: string;
  mcRg: string;
  location: string;
  seed: string;
  agentPools: AgentPoolSpec[];
  /** The pools' subnet (a BYO subnet, or AKS's own in the node resource group). */
  subnetId: string;
  publicIngress?: Array<{ address: string; ports: number[] }>;
  extraRules?: SecurityRuleSpec[];
}): AksNodes {
  const digits = ids.digits8(p.seed);
  const nsg = add(
    networkSecurityGroup(style, {
      sub: p.sub,
      rg: p.mcRg,
      name: `aks-agentpool-${digits}-nsg`,
      location: p.location,
      rules: [
        ...(p.publicIngress ?? []).map((ing, i) => ({
          name: `k8s-azure-lb_allow_IPv4_${ids.hex32(`nsgrule/${ing.address}`)}`,
          destinationPortRanges: ing.ports.map(String),
          sourceAddressPrefix: "Internet",
          destinationAddressPrefix: ing.address,
          priority: 500 + i,
        })),
        ...(p.extraRules ?? []),
      ],
    }),
  );
  const scaleSets: Record<string, string> = {};
  for (const pool of p.agentPools) {
    const vmss = add(
      virtualMachineScaleSet(style, {
        sub: p.sub,
        rg: p.mcRg,
        name: aksScaleSetName(pool.name, digits),
        location: p.location,
        poolName: pool.name,
        vmSize: pool.vmSize,
        capacity: pool.count,
        subnetId: pool.subnetId ?? p.subnetId,
        nsgId: nsg.id,
        ...(pool.enableNodePublicIP
          ? { instancePublicIp: { ...(pool.nodePublicIPPrefixId ? { publicIpPrefixId: pool.nodePublicIPPrefixId } : {}) } }
          : {}),
      }),
    );
    scaleSets[pool.name] = vmss.id;
  }
  return { nsgId: nsg.id, scaleSets };
}
