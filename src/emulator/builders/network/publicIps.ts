/** Public IP addresses in the shape of `PublicIpAddressGet.json` (shared/reference/arm-examples/Microsoft.Network/2024-05-01/). */
import type { EstateResource } from "../../estate.js";
import { given, ifExample, netId, type BodyStyle, type Tags } from "../ids.js";

/** What {@link publicIp} builds. */
export interface PublicIpSpec {
  sub: string;
  rg: string;
  name: string;
  location: string;
  ipAddress: string;
  /** The IP configuration it is attached to (NIC ipconfig, load balancer frontend, firewall ipconfig). */
  ipConfigurationId?: string;
  /** The NAT gateway it serves (`natGateway.id`, swagger `PublicIPAddressPropertiesFormat`; not in the example). */
  natGatewayId?: string;
  tags?: Tags;
  /** Example bodies: default zone-redundant (`["1", "2", "3"]`). */
  zones?: string[];
  /** A DNS label (`<label>.<location>.cloudapp.azure.com`). */
  dnsLabel?: string;
  /** Default `Standard` (written by example bodies; lean bodies write it only when given). `StandardV2` for a StandardV2 NAT gateway. */
  skuName?: "Standard" | "StandardV2";
}

/**
 * A static IPv4 public IP (`PublicIpAddressGet.json`; Standard SKU in example bodies). Lean: the
 * address, version, allocation and the `ipConfiguration` / `natGateway` back-reference when attached.
 */
export function publicIp(style: BodyStyle, spec: PublicIpSpec): EstateResource {
  const id = netId(spec.sub, spec.rg, "publicIPAddresses", spec.name);
  const example = style.detail === "example";
  return {
    name: spec.name,
    id,
    ...ifExample(style, (ids) => ({ etag: ids.netEtag(id) })),
    location: spec.location,
    ...given("tags", spec.tags),
    ...(example
      ? { zones: spec.zones ?? ["1", "2", "3"], sku: { name: spec.skuName ?? "Standard", tier: "Regional" } }
      : { ...given("zones", spec.zones), ...(spec.skuName ? { sku: { name: spec.skuName } } : {}) }),
    properties: {
      provisioningState: "Succeeded",
      ...ifExample(style, (ids) => ({ resourceGuid: ids.guid(`rguid/${id}`) })),
      ipAddress: spec.ipAddress,
      publicIPAddressVersion: "IPv4",
      publicIPAllocationMethod: "Static",
      ...ifExample(style, () => ({ idleTimeoutInMinutes: 4 })),
      ...(spec.dnsLabel ? { dnsSettings: { domainNameLabel: spec.dnsLabel, fqdn: `${spec.dnsLabel}.${spec.location}.cloudapp.azure.com` } } : {}),
      ...ifExample(style, () => ({ ipTags: [] })),
      ...(spec.ipConfigurationId ? { ipConfiguration: { id: spec.ipConfigurationId } } : {}),
      ...(spec.natGatewayId ? { natGateway: { id: spec.natGatewayId } } : {}),
      ...ifExample(style, () => ({ ddosSettings: { protectionMode: "VirtualNetworkInherited" } })),
    },
    type: "Microsoft.Network/publicIPAddresses",
  };
}

/** What {@link publicIpPrefix} builds. */
export interface PublicIpPrefixSpec {
  sub: string;
  rg: string;
  name: string;
  location: string;
  /** `ipPrefix`, e.g. `20.119.200.16/30`. */
  ipPrefix: string;
  /** The public IP resources allocated from it (read-only back-references). */
  publicIpIds?: string[];
  /** `natGateway.id` (swagger `PublicIPPrefixPropertiesFormat`; not in the example), when a NAT gateway uses it. */
  natGatewayId?: string;
  /** Default `Standard`; `StandardV2` for a StandardV2 NAT gateway. */
  skuName?: "Standard" | "StandardV2";
  tags?: Tags;
}

/**
 * A static IPv4 public IP prefix (`PublicIpPrefixGet.json`, 2026-03-01). Lean: prefix, length,
 * version, SKU, and the address and NAT gateway references when given.
 */
export function publicIpPrefix(style: BodyStyle, spec: PublicIpPrefixSpec): EstateResource {
  const id = netId(spec.sub, spec.rg, "publicIPPrefixes", spec.name);
  const example = style.detail === "example";
  const length = Number(spec.ipPrefix.split("/")[1]);
  return {
    name: spec.name,
    type: "Microsoft.Network/publicIPPrefixes",
    ...ifExample(style, (ids) => ({ etag: ids.netEtag(id) })),
    id,
    location: spec.location,
    ...given("tags", spec.tags),
    properties: {
      ipPrefix: spec.ipPrefix,
      ...ifExample(style, () => ({ ipTags: [] })),
      ...(spec.natGatewayId ? { natGateway: { id: spec.natGatewayId } } : {}),
      prefixLength: length,
      provisioningState: "Succeeded",
      publicIPAddressVersion: "IPv4",
      ...(example || spec.publicIpIds ? { publicIPAddresses: (spec.publicIpIds ?? []).map((x) => ({ id: x })) } : {}),
      ...ifExample(style, (ids) => ({ resourceGuid: ids.guid(`rguid/${id}`) })),
    },
    sku: { name: spec.skuName ?? "Standard" },
  };
}
