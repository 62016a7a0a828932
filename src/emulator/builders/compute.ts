/**
 * The node scale sets AKS creates in a cluster's node resource group (one per agent pool), and
 * the network interfaces and instance-level public IPs of their instances, which ARM serves only
 * under the scale set: `VmssNetworkInterfaceList.json` and `VmssPublicIpListAll.json`
 * (shared/reference/arm-examples/Microsoft.Network/2024-07-01/).
 *
 * No Microsoft.Compute example is in the reference; the scale set carries what AKS sets and a
 * scanner reads: the pool tag and the network profile of its NICs (NSG, subnet, public IP
 * configuration), in the property names of the Compute API (`virtualMachineProfile.networkProfile.
 * networkInterfaceConfigurations`).
 */
import type { EstateResource } from "../estate.js";
import { ifExample, rgId, type BodyStyle, type Tags } from "./ids.js";

/** A scale set's id: `<rg>/providers/Microsoft.Compute/virtualMachineScaleSets/<name>`. */
export const scaleSetId = (sub: string, rg: string, name: string): string =>
  `${rgId(sub, rg)}/providers/Microsoft.Compute/virtualMachineScaleSets/${name}`;

/** The name AKS gives an agent pool's scale set: `aks-<pool>-<8 digits>-vmss`. */
export const aksScaleSetName = (poolName: string, digits8: string): string => `aks-${poolName}-${digits8}-vmss`;

/** The NIC of instance `n` of a scale set (`…/virtualMachines/<n>/networkInterfaces/<nic>`). */
export const scaleSetNicId = (vmssId: string, instance: number, nicName: string): string =>
  `${vmssId}/virtualMachines/${instance}/networkInterfaces/${nicName}`;

/** What {@link virtualMachineScaleSet} builds. */
export interface ScaleSetSpec {
  sub: string;
  /** The node resource group. */
  rg: string;
  name: string;
  location: string;
  /** The agent pool (`aks-managed-poolName` tag). */
  poolName: string;
  vmSize: string;
  capacity: number;
  /** The node subnet (a customer subnet, or AKS's own in the node resource group). */
  subnetId: string;
  /** The NSG AKS puts on every node NIC (`aks-agentpool-<n>-nsg`). */
  nsgId?: string;
  /**
   * Instance-level public IPs (node public IPs): the `publicIPAddressConfiguration` (name default
   * `pub1`, idle timeout default 4) and, with `nodePublicIPPrefixID`, the Compute API's
   * `publicIPPrefix` reference the addresses come from.
   */
  instancePublicIp?: { name?: string; idleTimeoutInMinutes?: number; publicIpPrefixId?: string };
  /** The NIC configuration's name; default the scale set's name. */
  nicConfigurationName?: string;
  /** Extra tags (AKS also tags with the cluster); `aks-managed-poolName` is always written. */
  tags?: Tags;
}

/**
 * An AKS node scale set: `sku` (size, capacity), the `aks-managed-poolName` tag, and one primary
 * NIC configuration with the NSG and one IP configuration in the node subnet (with a
 * `publicIPAddressConfiguration` for node public IPs). Lean and example bodies differ only in
 * what AKS adds beside the network profile (orchestration mode, provisioning state).
 */
export function virtualMachineScaleSet(style: BodyStyle, spec: ScaleSetSpec): EstateResource {
  const id = scaleSetId(spec.sub, spec.rg, spec.name);
  const pip = spec.instancePublicIp;
  const ipConfiguration = {
    name: "ipconfig1",
    properties: {
      ...ifExample(style, () => ({ primary: true, privateIPAddressVersion: "IPv4" })),
      subnet: { id: spec.subnetId },
      ...(pip
        ? {
            publicIPAddressConfiguration: {
              name: pip.name ?? "pub1",
              properties: {
                idleTimeoutInMinutes: pip.idleTimeoutInMinutes ?? 4,
                ...(pip.publicIpPrefixId ? { publicIPPrefix: { id: pip.publicIpPrefixId } } : {}),
              },
            },
          }
        : {}),
    },
  };
  return {
    name: spec.name,
    id,
    type: "Microsoft.Compute/virtualMachineScaleSets",
    location: spec.location,
    tags: { ...spec.tags, "aks-managed-poolName": spec.poolName },
    sku: { name: spec.vmSize, ...ifExample(style, () => ({ tier: "Standard" })), capacity: spec.capacity },
    properties: {
      ...ifExample(style, () => ({ orchestrationMode: "Uniform", singlePlacementGroup: false })),
      provisioningState: "Succeeded",
      virtualMachineProfile: {
        networkProfile: {
          networkInterfaceConfigurations: [
            {
              name: spec.nicConfigurationName ?? spec.name,
              properties: {
                primary: true,
                ...ifExample(style, () => ({ enableAcceleratedNetworking: true, enableIPForwarding: true })),
                ...(spec.nsgId ? { networkSecurityGroup: { id: spec.nsgId } } : {}),
                ipConfigurations: [ipConfiguration],
              },
            },
          ],
        },
      },
    },
  };
}

/** What {@link scaleSetNetworkInterface} builds. */
export interface ScaleSetNicSpec {
  vmssId: string;
  /** The instance id (`virtualMachines/<n>`). */
  instance: number;
  /** The NIC's name: the scale set's NIC configuration name. */
  nicName: string;
  subnetId: string;
  privateIp: string;
  nsgId?: string;
  /** The instance public IP's name under the IP configuration (`publicIPAddresses/<name>`), when it has one. */
  publicIpName?: string;
  /** Default `ipconfig1`. */
  ipConfigurationName?: string;
}

/**
 * The NIC of one scale set instance (`VmssNetworkInterfaceList.json`; load balancer references
 * left out). ARM's list carries no `type`; the estate needs one, so the builder writes the child
 * type the id denotes. Lean: the IP configuration's address, subnet and public IP, the NSG, and
 * the instance it belongs to.
 */
export function scaleSetNetworkInterface(style: BodyStyle, spec: ScaleSetNicSpec): EstateResource {
  const id = scaleSetNicId(spec.vmssId, spec.instance, spec.nicName);
  const ipConfigId = `${id}/ipConfigurations/${spec.ipConfigurationName ?? "ipconfig1"}`;
  return {
    name: spec.nicName,
    id,
    type: "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/networkInterfaces",
    properties: {
      provisioningState: "Succeeded",
      ipConfigurations: [
        {
          name: spec.ipConfigurationName ?? "ipconfig1",
          id: ipConfigId,
          properties: {
            provisioningState: "Succeeded",
            privateIPAddress: spec.privateIp,
            privateIPAllocationMethod: "Dynamic",
            ...(spec.publicIpName ? { publicIPAddress: { id: `${ipConfigId}/publicIPAddresses/${spec.publicIpName}` } } : {}),
            subnet: { id: spec.subnetId },
            primary: true,
            ...ifExample(style, () => ({ privateIPAddressVersion: "IPv4" })),
          },
        },
      ],
      ...ifExample(style, () => ({ dnsSettings: { dnsServers: [], appliedDnsServers: [] }, enableAcceleratedNetworking: true, enableIPForwarding: true })),
      ...(spec.nsgId ? { networkSecurityGroup: { id: spec.nsgId } } : {}),
      primary: true,
      virtualMachine: { id: `${spec.vmssId}/virtualMachines/${spec.instance}` },
    },
  };
}

/** What {@link scaleSetInstancePublicIp} builds. */
export interface ScaleSetPublicIpSpec {
  /** The instance NIC's IP configuration id (`…/networkInterfaces/<nic>/ipConfigurations/<ip>`). */
  ipConfigurationId: string;
  /** The scale set's `publicIPAddressConfiguration` name. */
  name: string;
  ipAddress: string;
  /** Example bodies: default 4 (ARM's default). */
  idleTimeoutInMinutes?: number;
  /** A DNS label, when the configuration has one. */
  dnsLabel?: string;
  location?: string;
}

/**
 * An instance-level public IP of a scale set (`VmssPublicIpListAll.json`): its id lies under the
 * scale set, never under `Microsoft.Network/publicIPAddresses`. ARM's list carries no `type`;
 * the builder writes the child type the id denotes. Lean: address, version, allocation and the
 * IP configuration it is on.
 */
export function scaleSetInstancePublicIp(style: BodyStyle, spec: ScaleSetPublicIpSpec): EstateResource {
  return {
    id: `${spec.ipConfigurationId}/publicIPAddresses/${spec.name}`,
    name: spec.name,
    type: "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/networkInterfaces/ipConfigurations/publicIPAddresses",
    properties: {
      publicIPAllocationMethod: "Static",
      publicIPAddressVersion: "IPv4",
      ipConfiguration: { id: spec.ipConfigurationId },
      ...(spec.dnsLabel && spec.location
        ? { dnsSettings: { domainNameLabel: spec.dnsLabel, fqdn: `${spec.dnsLabel}.${spec.location}.cloudapp.azure.com` } }
        : {}),
      ipAddress: spec.ipAddress,
      ...ifExample(style, () => ({ idleTimeoutInMinutes: spec.idleTimeoutInMinutes ?? 4 })),
      provisioningState: "Succeeded",
    },
  };
}
