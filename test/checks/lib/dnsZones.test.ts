/** Private DNS semantics (src/checks/lib/dnsZones.ts) over the model's DNS names. */
import { describe, expect, it } from "vitest";
import { answeringZone, candidateZones, findARecord, inventoryErrors, isLinkedTo, zonesInResourceGroup } from "../../../src/checks/lib/dnsZones.js";
import { isLabelSuffix, normalizeFqdn, parentName } from "../../../src/model/dnsNames.js";
import { emptySnapshot } from "../../../src/model/snapshot.js";
import type { PrivateDnsZone } from "../../../src/model/snapshot.js";

const RG = "/subscriptions/s1/resourceGroups/rg-dns";
const VNET = "/subscriptions/s1/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet1";
const VNET2 = "/subscriptions/s1/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet2";

function zone(name: string, records: [string, string[]][], links: [string, string?][] = [], rg = RG): PrivateDnsZone {
  const id = `${rg}/providers/Microsoft.Network/privateDnsZones/${name}`;
  return {
    id,
    name,
    aRecords: records.map(([n, a]) => ({ id: `${id}/A/${n}`, name: n, fqdn: n === "@" ? name : `${n}.${name}`, ipv4Addresses: a })),
    virtualNetworkLinks: links.map(([v, state], i) => ({ id: `${id}/virtualNetworkLinks/l${i}`, name: `l${i}`, virtualNetworkId: v, ...(state ? { state } : {}) })),
  };
}

describe("DNS names", () => {
  it("matches zones on whole labels only, case- and trailing-dot-insensitively", () => {
    expect(isLabelSuffix("c1.privatelink.pool.sub.eastus.hdinsightaks.net", "privatelink.pool.sub.eastus.hdinsightaks.net")).toBe(true);
    expect(isLabelSuffix("C1-INT.Pool.westus2.projecthilo.net.", "pool.westus2.projecthilo.net")).toBe(true);
    expect(isLabelSuffix("a.b.c", "a.b.c")).toBe(true);
    expect(isLabelSuffix("a.bb.c", "b.c")).toBe(false);
    expect(isLabelSuffix("a.xpool.net", "pool.net")).toBe(false);
    expect(isLabelSuffix("a.b.c", "")).toBe(false);
    expect(normalizeFqdn(" A.B.C. ")).toBe("a.b.c");
    expect(parentName("c1-int.pool.westus2.projecthilo.net")).toBe("pool.westus2.projecthilo.net");
    expect(parentName("single")).toBeUndefined();
  });

  it("finds the exact record, else the most specific wildcard above the name", () => {
    const z = zone("pool.example.net", [
      ["c1-int", ["10.0.0.1"]],
      ["*", ["10.0.0.9"]],
      ["*.deep", ["10.0.0.8"]],
    ]);
    expect(findARecord(z, "C1-INT.pool.example.net.")?.ipv4Addresses).toEqual(["10.0.0.1"]);
    expect(findARecord(z, "c2-int.pool.example.net")?.name).toBe("*");
    expect(findARecord(z, "x.deep.pool.example.net")?.name).toBe("*.deep");
    expect(findARecord(z, "c1-int.other.net")).toBeUndefined();
    expect(findARecord(zone("pool.example.net", [["c1-int", ["10.0.0.1"]]]), "c2-int.pool.example.net")).toBeUndefined();
  });

  it("answers from the most specific zone linked to the VNet; links not in effect do not count", () => {
    const broad = zone("example.net", [["c1-int.pool", ["10.0.0.1"]]], [[VNET]]);
    const specific = zone("pool.example.net", [], [[VNET]]);
    const pending = zone("c1-int.pool.example.net", [["@", ["10.0.0.2"]]], [[VNET, "InProgress"]]);
    expect(answeringZone([broad, specific, pending], [VNET])?.name).toBe("pool.example.net");
    expect(answeringZone([broad, specific], [VNET2])).toBeUndefined();
    expect(isLinkedTo(pending, VNET)).toBe(false);
    expect(isLinkedTo(broad, VNET.toUpperCase())).toBe(true);
  });
});

describe("DNS zones in the snapshot", () => {
  it("lists candidate zones most specific first, and the unreadable or uncollected ones as errors", () => {
    const s = emptySnapshot();
    const broad = zone("example.net", [], []);
    const specific = zone("pool.example.net", [], []);
    const other = zone("other.net", [], []);
    for (const z of [broad, specific, other]) s.privateDnsZones[z.id.toLowerCase()] = { ok: true, value: z };
    const failedId = `${RG}/providers/Microsoft.Network/privateDnsZones/c1-int.pool.example.net`;
    s.privateDnsZones[failedId.toLowerCase()] = { ok: false, error: { code: "AuthorizationFailed", message: "no" } };
    const listedId = `${RG}/providers/Microsoft.Network/privateDnsZones/int.pool.example.net`;
    s.privateDnsZoneInventory.s1 = { ok: true, value: [broad.id, specific.id, other.id, failedId, listedId] };
    const c = candidateZones(s, "c1-int.pool.example.net");
    expect(c.zones.map((z) => z.name)).toEqual(["pool.example.net", "example.net"]);
    expect(c.errors.map((e) => e.code).sort()).toEqual(["AuthorizationFailed"]);
    expect(c.failedZoneIds.map((x) => x.toLowerCase())).toEqual([failedId.toLowerCase()]);
    // A zone listed by the inventory but absent from the map is NotCollected.
    const d = candidateZones(s, "x.int.pool.example.net");
    expect(d.errors.map((e) => e.code)).toContain("NotCollected");
    expect(zonesInResourceGroup(s, RG.toUpperCase())).toHaveLength(5);
  });

  it("claims absence only when every zone inventory was read", () => {
    const s = emptySnapshot();
    expect(inventoryErrors(s).map((e) => e.code)).toEqual(["NotCollected"]);
    s.privateDnsZoneInventory.s1 = { ok: true, value: [] };
    expect(inventoryErrors(s)).toEqual([]);
    s.privateDnsZoneInventory.s2 = { ok: false, error: { code: "Throttled", message: "429" } };
    expect(inventoryErrors(s).map((e) => e.scope)).toEqual(["/subscriptions/s2"]);
  });
});
