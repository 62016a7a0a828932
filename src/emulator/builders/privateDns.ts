/**
 * Private DNS zones, their A record sets and virtual network links, in the shapes of
 * `PrivateZoneGet.json`, `RecordSetAGet.json` and `VirtualNetworkLinkGet.json`
 * (shared/reference/arm-examples/Microsoft.Network.privateDns/2024-06-01/). Record sets and links
 * are resources of their own under the zone.
 */
import type { EstateResource } from "../estate.js";
import { given, ifExample, rgId, type BodyStyle, type Tags } from "./ids.js";

/** The id of a private DNS zone. */
export const privateDnsZoneId = (sub: string, rg: string, zoneName: string): string =>
  `${rgId(sub, rg)}/providers/Microsoft.Network/privateDnsZones/${zoneName}`;

/** What {@link privateDnsZone} builds. */
export interface PrivateDnsZoneSpec {
  sub: string;
  rg: string;
  zoneName: string;
  /** Record sets other than the SOA (example bodies count them, plus the SOA). Default 0. */
  recordSets?: number;
  /** Virtual network links (example bodies count them). Default 0. */
  virtualNetworkLinks?: number;
  tags?: Tags;
}

/** A private DNS zone (`PrivateZoneGet.json`). Lean: the provisioning state only. */
export function privateDnsZone(style: BodyStyle, spec: PrivateDnsZoneSpec): EstateResource {
  const id = privateDnsZoneId(spec.sub, spec.rg, spec.zoneName);
  return {
    id,
    name: spec.zoneName,
    type: "Microsoft.Network/privateDnsZones",
    location: "global",
    ...ifExample(style, (ids) => ({ etag: ids.dnsEtag(id) })),
    ...given("tags", spec.tags),
    properties: {
      ...ifExample(style, () => ({
        maxNumberOfRecordSets: 25000,
        numberOfRecordSets: (spec.recordSets ?? 0) + 1, // + the SOA record every zone has
        maxNumberOfVirtualNetworkLinks: 1000,
        numberOfVirtualNetworkLinks: spec.virtualNetworkLinks ?? 0,
        maxNumberOfVirtualNetworkLinksWithRegistration: 100,
        numberOfVirtualNetworkLinksWithRegistration: 0,
      })),
      provisioningState: "Succeeded",
    },
  };
}

/** An A record set: its relative name and addresses. */
export interface ARecordSpec {
  name: string;
  addresses: string[];
  /** Default 10 (seconds). */
  ttl?: number;
}

/** An A record set of a zone (`RecordSetAGet.json`); not auto-registered. Lean: the same without the etag. */
export function aRecordSet(style: BodyStyle, zone: { id: string; name: string }, record: ARecordSpec): EstateResource {
  const id = `${zone.id}/A/${record.name}`;
  return {
    id,
    ...ifExample(style, (ids) => ({ etag: ids.dnsEtag(id) })),
    name: record.name,
    type: "Microsoft.Network/privateDnsZones/A",
    properties: {
      ttl: record.ttl ?? 10,
      fqdn: `${record.name}.${zone.name}.`,
      isAutoRegistered: false,
      aRecords: record.addresses.map((ipv4Address) => ({ ipv4Address })),
    },
  };
}

/** A virtual network link: its name and the VNet. */
export interface VirtualNetworkLinkSpec {
  name: string;
  vnetId: string;
}

/** A completed virtual network link of a zone, without auto-registration (`VirtualNetworkLinkGet.json`). Lean: the same without the etag. */
export function virtualNetworkLink(style: BodyStyle, zoneId: string, link: VirtualNetworkLinkSpec): EstateResource {
  const id = `${zoneId}/virtualNetworkLinks/${link.name}`;
  return {
    id,
    name: link.name,
    type: "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
    location: "global",
    ...ifExample(style, (ids) => ({ etag: ids.dnsEtag(id) })),
    properties: {
      virtualNetwork: { id: link.vnetId },
      registrationEnabled: false,
      virtualNetworkLinkState: "Completed",
      provisioningState: "Succeeded",
    },
  };
}

/** What {@link privateDnsZoneWith} builds. */
export interface PrivateDnsZoneWithSpec {
  sub: string;
  rg: string;
  zoneName: string;
  records: ARecordSpec[];
  links: VirtualNetworkLinkSpec[];
  tags?: Tags;
}

/** A zone, then its A record sets, then its virtual network links (see the builders of each). */
export function privateDnsZoneWith(style: BodyStyle, spec: PrivateDnsZoneWithSpec): { id: string; resources: EstateResource[] } {
  const zone = privateDnsZone(style, {
    sub: spec.sub,
    rg: spec.rg,
    zoneName: spec.zoneName,
    recordSets: spec.records.length,
    virtualNetworkLinks: spec.links.length,
    ...given("tags", spec.tags),
  });
  return {
    id: zone.id,
    resources: [
      zone,
      ...spec.records.map((r) => aRecordSet(style, { id: zone.id, name: spec.zoneName }, r)),
      ...spec.links.map((l) => virtualNetworkLink(style, zone.id, l)),
    ],
  };
}
