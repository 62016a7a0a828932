/**
 * Virtual networks, their subnets and peerings, and network interfaces, in the shapes of
 * `VirtualNetworkGet.json`, `SubnetGet.json`, `VirtualNetworkPeeringGet.json` and
 * `VmssNetworkInterfaceList.json` (shared/reference/arm-examples/Microsoft.Network/).
 */
import type { EstateResource } from "../../estate.js";
import { given, ifExample, lastSegment, netId, type BodyStyle, type Ref, type Tags } from "../ids.js";

/** What {@link subnet} builds. */
export interface SubnetSpec {
  vnetId: string;
  name: string;
  addressPrefix: string;
  networkSecurityGroupId?: string;
  routeTableId?: string;
  /** The NAT gateway on the subnet (`natGateway.id`). */
  natGatewayId?: string;
  /** The service the subnet is delegated to (e.g. `Microsoft.ContainerService/managedClusters`). */
  delegation?: string;
  /** Example bodies: default "Enabled" (as ARM creates a subnet). */
  privateLinkServiceNetworkPolicies?: "Enabled" | "Disabled";
  /**
   * `false`: a private subnet (no default outbound access, as `SubnetGetWithSharingScope.json`);
   * not given: the property is absent (`null`: default outbound access stays on).
   */
  defaultOutboundAccess?: boolean;
}

/** A subnet as its VNet embeds it (and ARM serves it by id). */
export interface SubnetBody {
  name: string;
  id: string;
  type: string;
  properties: Record<string, unknown> & { addressPrefix: string };
  [key: string]: unknown;
}

/**
 * A subnet, shaped on `SubnetGet.json` / the subnets of `VirtualNetworkGet.json`. Lean: address
 * prefix, NSG, route table, NAT gateway, delegation and `defaultOutboundAccess` as given.
 */
export function subnet(style: BodyStyle, spec: SubnetSpec): SubnetBody {
  const id = `${spec.vnetId}/subnets/${spec.name}`;
  const delegationId = `${id}/delegations/delegation`;
  const delegations = spec.delegation
    ? [
        {
          name: "delegation",
          id: delegationId,
          ...ifExample(style, (ids) => ({ etag: ids.netEtag(delegationId), type: "Microsoft.Network/virtualNetworks/subnets/delegations" })),
          properties: {
            ...ifExample(style, () => ({ provisioningState: "Succeeded" })),
            serviceName: spec.delegation,
            actions: ["Microsoft.Network/virtualNetworks/subnets/join/action"],
          },
        },
      ]
    : [];
  return {
    name: spec.name,
    id,
    ...ifExample(style, (ids) => ({ etag: ids.netEtag(id) })),
    type: "Microsoft.Network/virtualNetworks/subnets",
    properties: {
      provisioningState: "Succeeded",
      addressPrefix: spec.addressPrefix,
      ...(spec.networkSecurityGroupId ? { networkSecurityGroup: { id: spec.networkSecurityGroupId } } : {}),
      ...(spec.routeTableId ? { routeTable: { id: spec.routeTableId } } : {}),
      ...(spec.natGatewayId ? { natGateway: { id: spec.natGatewayId } } : {}),
      ...(style.detail === "example"
        ? {
            serviceEndpoints: [],
            delegations,
            privateEndpointNetworkPolicies: "Disabled",
            privateLinkServiceNetworkPolicies: spec.privateLinkServiceNetworkPolicies ?? "Enabled",
          }
        : delegations.length
          ? { delegations }
          : {}),
      ...given("defaultOutboundAccess", spec.defaultOutboundAccess),
    },
  };
}

/** What {@link virtualNetworkPeering} builds. */
export interface PeeringSpec {
  /** The VNet the peering belongs to. */
  vnetId: string;
  remoteVnetId: string;
  remoteAddressPrefixes: string[];
  allowForwardedTraffic: boolean;
  /** Default `peer-to-<remote VNet name>`. */
  name?: string;
  /** Default `Connected`; `Initiated` while the remote side has no peering back, `Disconnected` after it was deleted. */
  peeringState?: "Connected" | "Initiated" | "Disconnected";
}

/**
 * A peering as its VNet embeds it (`VirtualNetworkPeeringGet.json`; connected unless stated).
 * Lean: state, remote network, its address space and the traffic flags.
 */
export function virtualNetworkPeering(style: BodyStyle, spec: PeeringSpec): Record<string, unknown> {
  const name = spec.name ?? `peer-to-${lastSegment(spec.remoteVnetId)}`;
  const id = `${spec.vnetId}/virtualNetworkPeerings/${name}`;
  return {
    name,
    id,
    ...ifExample(style, (ids) => ({ etag: ids.netEtag(id), type: "Microsoft.Network/virtualNetworks/virtualNetworkPeerings" })),
    properties: {
      ...ifExample(style, () => ({ provisioningState: "Succeeded" })),
      peeringState: spec.peeringState ?? "Connected",
      ...ifExample(style, () => ({ peeringSyncLevel: "FullyInSync" })),
      remoteVirtualNetwork: { id: spec.remoteVnetId },
      allowVirtualNetworkAccess: true,
      allowForwardedTraffic: spec.allowForwardedTraffic,
      allowGatewayTransit: false,
      useRemoteGateways: false,
      remoteAddressSpace: { addressPrefixes: spec.remoteAddressPrefixes },
      ...ifExample(style, () => ({ remoteVirtualNetworkAddressSpace: { addressPrefixes: spec.remoteAddressPrefixes } })),
    },
  };
}

/** What {@link virtualNetwork} builds. */
export interface VirtualNetworkSpec {
  sub: string;
  rg: string;
  name: string;
  location: string;
  addressPrefixes: string[];
  /** Built with {@link subnet} (their `vnetId` is this VNet's id). */
  subnets: SubnetBody[];
  /** Built with {@link virtualNetworkPeering}. Example bodies: default none. */
  peerings?: Record<string, unknown>[];
  /** Custom DNS servers (`dhcpOptions.dnsServers`, as in `VirtualNetworkListAll.json`); not given: Azure-provided DNS, no `dhcpOptions`. */
  dnsServers?: string[];
  tags?: Tags;
}

/**
 * A virtual network with its subnets embedded (`VirtualNetworkGet.json`). Lean: address space,
 * custom DNS servers, subnets, and peerings when given.
 */
export function virtualNetwork(style: BodyStyle, spec: VirtualNetworkSpec): EstateResource {
  const id = netId(spec.sub, spec.rg, "virtualNetworks", spec.name);
  return {
    name: spec.name,
    id,
    ...ifExample(style, (ids) => ({ etag: ids.netEtag(id) })),
    type: "Microsoft.Network/virtualNetworks",
    location: spec.location,
    ...given("tags", spec.tags),
    properties: {
      provisioningState: "Succeeded",
      ...ifExample(style, (ids) => ({ resourceGuid: ids.guid(`rguid/${id}`) })),
      addressSpace: { addressPrefixes: spec.addressPrefixes },
      ...(spec.dnsServers ? { dhcpOptions: { dnsServers: spec.dnsServers } } : {}),
      subnets: spec.subnets,
      ...(style.detail === "example"
        ? { virtualNetworkPeerings: spec.peerings ?? [], enableDdosProtection: false }
        : given("virtualNetworkPeerings", spec.peerings)),
    },
  };
}

/**
 * The read-only back-references of `VirtualNetworkGet.json`: every subnet lists the IP
 * configurations that live in it (NIC ipConfigurations, load balancer frontends, firewall
 * ipConfigurations; private link services' own ipConfigurations excepted). Returns the resources
 * with the VNets copied and their subnets' `properties.ipConfigurations` set, in the order the
 * referencing resources come.
 */
export function withSubnetIpConfigurations(resources: readonly EstateResource[]): EstateResource[] {
  const inSubnet = new Map<string, Ref[]>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(visit);
      return;
    }
    if (value === null || typeof value !== "object") return;
    const node = value as { id?: unknown; properties?: { subnet?: { id?: unknown } } };
    const subnetRef = node.properties?.subnet?.id;
    const id = typeof node.id === "string" ? node.id : "";
    const isIpConfig = /\/(ipConfigurations|frontendIPConfigurations)\/[^/]+$/i.test(id) && !/privateLinkServices/i.test(id);
    if (typeof subnetRef === "string" && isIpConfig) {
      const key = subnetRef.toLowerCase();
      const list = inSubnet.get(key) ?? [];
      list.push({ id });
      inSubnet.set(key, list);
    }
    Object.values(value).forEach(visit);
  };
  resources.forEach((r) => visit(r.properties));
  return resources.map((r) => {
    if (r.type !== "Microsoft.Network/virtualNetworks") return r;
    const properties = r.properties as { subnets: SubnetBody[] };
    const subnets = properties.subnets.map((s) => {
      const found = inSubnet.get(s.id.toLowerCase());
      return found ? { ...s, properties: { ...s.properties, ipConfigurations: found } } : s;
    });
    return { ...r, properties: { ...properties, subnets } };
  });
}

/** What {@link networkInterface} builds: a NIC with one IP configuration. */
export interface NetworkInterfaceSpec {
  sub: string;
  rg: string;
  name: string;
  location: string;
  subnetId: string;
  privateIp: string;
  publicIpId?: string;
  /** Default `ipconfig1`. */
  ipConfigurationName?: string;
  tags?: Tags;
}

/**
 * A network interface with one dynamic IP configuration (`VmssNetworkInterfaceList.json`). Lean:
 * the IP configuration's address, subnet and public IP.
 */
export function networkInterface(style: BodyStyle, spec: NetworkInterfaceSpec): EstateResource {
  const id = netId(spec.sub, spec.rg, "networkInterfaces", spec.name);
  const ipConfigName = spec.ipConfigurationName ?? "ipconfig1";
  const ipConfigId = `${id}/ipConfigurations/${ipConfigName}`;
  return {
    name: spec.name,
    id,
    ...ifExample(style, (ids) => ({ etag: ids.netEtag(id) })),
    type: "Microsoft.Network/networkInterfaces",
    location: spec.location,
    ...given("tags", spec.tags),
    properties: {
      provisioningState: "Succeeded",
      ...ifExample(style, (ids) => ({ resourceGuid: ids.guid(`rguid/${id}`) })),
      ipConfigurations: [
        {
          name: ipConfigName,
          id: ipConfigId,
          ...ifExample(style, (ids) => ({ etag: ids.netEtag(ipConfigId), type: "Microsoft.Network/networkInterfaces/ipConfigurations" })),
          properties: {
            ...ifExample(style, () => ({ provisioningState: "Succeeded" })),
            privateIPAddress: spec.privateIp,
            privateIPAllocationMethod: "Dynamic",
            ...(spec.publicIpId ? { publicIPAddress: { id: spec.publicIpId } } : {}),
            subnet: { id: spec.subnetId },
            primary: true,
            ...ifExample(style, () => ({ privateIPAddressVersion: "IPv4" })),
          },
        },
      ],
      ...ifExample(style, () => ({
        dnsSettings: { dnsServers: [], appliedDnsServers: [] },
        enableAcceleratedNetworking: false,
        enableIPForwarding: false,
        disableTcpStateTracking: false,
        nicType: "Standard",
        auxiliaryMode: "None",
      })),
    },
  };
}
