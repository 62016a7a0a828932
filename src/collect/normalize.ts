/**
 * Normalisers: SDK models (network, AKS: flattened, camelCase) and wire bodies (cluster pools:
 * `properties` nested) to the Snapshot's plain data. They never throw on missing properties:
 * Microsoft's own GET examples omit documented fields (a pool without `networkProfile`), so
 * absence is recorded as absence, and checks decide what it means.
 */
import type {
  AzureFirewall as SdkFirewall,
  LoadBalancer as SdkLoadBalancer,
  PublicIPAddress as SdkPublicIp,
  RouteTable as SdkRouteTable,
  Subnet as SdkSubnet,
} from "@azure/arm-network";
import type { ManagedCluster as SdkManagedCluster } from "@azure/arm-containerservice";
import type { ArmResourceBody } from "../arm/clusterPools.js";
import { parentResourceId } from "../arm/resourceId.js";
import type {
  AksCluster,
  AzureFirewall,
  ClusterPool,
  HdiCluster,
  LoadBalancer,
  PublicIp,
  PublicIpAttachment,
  RouteTable,
  Subnet,
} from "./snapshot.js";

type Json = Record<string, unknown>;

function obj(v: unknown): Json | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : undefined;
}
function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}
function bool(v: unknown): boolean | undefined {
  return typeof v === "boolean" ? v : undefined;
}
function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : undefined;
}
function uniq(values: Array<string | undefined>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const v of values) {
    if (!v) continue;
    const k = v.toLowerCase();
    if (!seen.has(k)) {
      seen.add(k);
      out.push(v);
    }
  }
  return out;
}
/** Drops undefined-valued keys so snapshots stay compact and compare cleanly. */
function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}

/** A cluster pool wire body (`2024-05-01-preview`; earlier previews lack some fields). */
export function normalizeClusterPool(body: ArmResourceBody): ClusterPool {
  const p = obj(body.properties) ?? {};
  const net = obj(p.networkProfile);
  const aks = obj(p.aksClusterProfile);
  const agentPoolIdentity = obj(aks?.aksClusterAgentPoolIdentityProfile);
  return compact({
    id: body.id,
    name: body.name,
    location: body.location ?? "",
    provisioningState: str(p.provisioningState),
    networkProfilePresent: net !== undefined,
    outboundType: str(net?.outboundType),
    enablePrivateApiServer: bool(net?.enablePrivateApiServer),
    apiServerAuthorizedIpRanges: strings(net?.apiServerAuthorizedIpRanges),
    subnetId: str(net?.subnetId),
    managedResourceGroupName: str(p.managedResourceGroupName),
    aksManagedResourceGroupName: str(p.aksManagedResourceGroupName),
    aksClusterResourceId: str(aks?.aksClusterResourceId),
    aksClusterAgentPoolObjectId: str(agentPoolIdentity?.msiObjectId),
  });
}

/** A cluster of a pool (wire body). */
export function normalizeHdiCluster(body: ArmResourceBody): HdiCluster {
  const p = obj(body.properties) ?? {};
  const profile = obj(p.clusterProfile);
  const access = obj(profile?.clusterAccessProfile);
  const web = obj(obj(profile?.connectivityProfile)?.web);
  return compact({
    id: body.id,
    name: body.name,
    clusterType: str(p.clusterType),
    enableInternalIngress: bool(access?.enableInternalIngress),
    privateLinkServiceId: str(access?.privateLinkServiceId),
    fqdn: str(web?.fqdn),
    privateFqdn: str(web?.privateFqdn),
  });
}

/** An AKS managed cluster (SDK model). */
export function normalizeAksCluster(mc: SdkManagedCluster): AksCluster {
  const net = mc.networkProfile;
  const api = mc.apiServerAccessProfile;
  const kubelet = mc.identityProfile?.["kubeletidentity"];
  return compact({
    id: mc.id ?? "",
    name: mc.name ?? "",
    location: mc.location ?? "",
    provisioningState: mc.provisioningState,
    nodeResourceGroup: mc.nodeResourceGroup,
    fqdn: mc.fqdn,
    privateFqdn: mc.privateFqdn,
    outboundType: net?.outboundType,
    enablePrivateCluster: api?.enablePrivateCluster,
    authorizedIpRanges: api?.authorizedIPRanges,
    effectiveOutboundIpIds: uniq((net?.loadBalancerProfile?.effectiveOutboundIPs ?? []).map((r) => r.id)),
    agentPoolSubnetIds: uniq((mc.agentPoolProfiles ?? []).map((a) => a.vnetSubnetID)),
    identityPrincipalId: mc.identity?.principalId,
    kubeletObjectId: kubelet?.objectId,
  });
}

/** A subnet (SDK model, from a VNet's `subnets` or a subnet GET). */
export function normalizeSubnet(s: SdkSubnet): Subnet {
  return compact({
    id: s.id ?? "",
    name: s.name ?? "",
    addressPrefixes: uniq([s.addressPrefix, ...(s.addressPrefixes ?? [])]),
    routeTableId: s.routeTable?.id,
    networkSecurityGroupId: s.networkSecurityGroup?.id,
    natGatewayId: s.natGateway?.id,
  });
}

/** A route table (SDK model). */
export function normalizeRouteTable(rt: SdkRouteTable): RouteTable {
  return compact({
    id: rt.id ?? "",
    name: rt.name ?? "",
    routes: (rt.routes ?? []).map((r) =>
      compact({
        name: r.name ?? "",
        addressPrefix: r.addressPrefix ?? "",
        nextHopType: r.nextHopType ?? "",
        nextHopIpAddress: r.nextHopIpAddress,
      }),
    ),
    disableBgpRoutePropagation: rt.disableBgpRoutePropagation,
  });
}

/** An Azure Firewall (SDK model): VNet firewalls and Virtual WAN hub firewalls. */
export function normalizeFirewall(fw: SdkFirewall): AzureFirewall {
  // The management ipConfiguration (forced tunnelling) is never a next hop for workloads: left out.
  const configs = fw.ipConfigurations ?? [];
  return compact({
    id: fw.id ?? "",
    name: fw.name ?? "",
    provisioningState: fw.provisioningState,
    privateIpAddresses: uniq([...configs.map((c) => c.privateIPAddress), fw.hubIPAddresses?.privateIPAddress]),
    publicIpIds: uniq(configs.map((c) => c.publicIPAddress?.id)),
    firewallPolicyId: fw.firewallPolicy?.id,
  });
}

/** Classifies a public IP's `ipConfiguration` back-reference by the type segment that owns it. */
export function classifyAttachment(ipConfigurationId: string): PublicIpAttachment {
  const owner = parentResourceId(ipConfigurationId) ?? ipConfigurationId;
  const lower = ipConfigurationId.toLowerCase();
  const kind: PublicIpAttachment["kind"] = lower.includes("/loadbalancers/")
    ? "loadBalancerFrontend"
    : lower.includes("/networkinterfaces/")
      ? "networkInterface"
      : lower.includes("/azurefirewalls/")
        ? "firewall"
        : lower.includes("/natgateways/")
          ? "natGateway"
          : "other";
  return { kind, id: ipConfigurationId, resourceId: owner };
}

/** A public IP (SDK model). */
export function normalizePublicIp(pip: SdkPublicIp): PublicIp {
  const attachedId = pip.ipConfiguration?.id;
  const natId = pip.natGateway?.id;
  return compact({
    id: pip.id ?? "",
    name: pip.name ?? "",
    ipAddress: pip.ipAddress,
    attachedTo: attachedId
      ? classifyAttachment(attachedId)
      : natId
        ? { kind: "natGateway" as const, id: natId, resourceId: natId }
        : undefined,
    tags: pip.tags && Object.keys(pip.tags).length ? pip.tags : undefined,
  });
}

/** A load balancer (SDK model): which frontends serve egress (outbound rules) and ingress (LB rules). */
export function normalizeLoadBalancer(lb: SdkLoadBalancer): LoadBalancer {
  return {
    id: lb.id ?? "",
    name: lb.name ?? "",
    frontends: (lb.frontendIPConfigurations ?? []).map((f) =>
      compact({ id: f.id ?? "", name: f.name ?? "", publicIpId: f.publicIPAddress?.id, privateIpAddress: f.privateIPAddress }),
    ),
    outboundFrontendIds: uniq((lb.outboundRules ?? []).flatMap((r) => (r.frontendIPConfigurations ?? []).map((f) => f.id))),
    inboundFrontendIds: uniq((lb.loadBalancingRules ?? []).map((r) => r.frontendIPConfiguration?.id)),
  };
}
