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
  tags?: Tags;
  /** Example bodies: default zone-redundant (`["1", "2", "3"]`). */
  zones?: string[];
  /** A DNS label (`<label>.<location>.cloudapp.azure.com`). */
  dnsLabel?: string;
}

/**
 * A static IPv4 public IP (`PublicIpAddressGet.json`; Standard SKU in example bodies). Lean: the
 * address, version, allocation and the `ipConfiguration` back-reference when attached.
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
    ...(example ? { zones: spec.zones ?? ["1", "2", "3"], sku: { name: "Standard", tier: "Regional" } } : given("zones", spec.zones)),
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
      ...ifExample(style, () => ({ ddosSettings: { protectionMode: "VirtualNetworkInherited" } })),
    },
    type: "Microsoft.Network/publicIPAddresses",
  };
}
