/**
 * Shared semantics of the private-DNS and ingress checks (src/checks/dns-zones.ts, src/checks/ingress.ts),
 * and the "does not apply" paths of api-server-private, cluster-private-ingress and private-dns-a-record.
 */
import { describe, expect, it } from "vitest";
import type { Baseline } from "../../src/baseline/baseline.js";
import { answeringZone, candidateZones, findARecord, inventoryErrors, isLinkedTo, zonesInResourceGroup } from "../../src/checks/dns-zones.js";
import { isLabelSuffix, normalizeFqdn, parentName } from "../../src/model/dnsNames.js";
import { internalIngressOf, mcGroupIngressPublicIps, servicesOfPublicIp } from "../../src/checks/ingress.js";
import { emptySnapshot } from "../../src/model/snapshot.js";
import type { PrivateDnsZone } from "../../src/model/snapshot.js";
import { caseFixture as fixture, runCheck as run } from "./case-files.js";

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

describe("ingress", () => {
  it("reads the k8s-azure-service tag (any case, comma-separated)", () => {
    expect(servicesOfPublicIp({ id: "x", name: "x", tags: { "K8s-Azure-Service": "ns1/svc1, ns2/svc2" } })).toEqual([
      { namespace: "ns1", service: "svc1" },
      { namespace: "ns2", service: "svc2" },
    ]);
    expect(servicesOfPublicIp({ id: "x", name: "x" })).toEqual([]);
  });

  it("resolves the internal ingress address through the private link service, or says why not", () => {
    const { snapshot, target } = fixture("private-dns-a-record", "pass-privatelink-form-with-client-vnet");
    const cluster = target.clusters?.ok === true ? target.clusters.value[0] : undefined;
    if (cluster === undefined) throw new Error("no cluster");
    const ingress = internalIngressOf(snapshot, cluster);
    expect(ingress.ok && ingress.value.addresses).toEqual(["10.20.0.200"]);

    const { privateLinkServiceId: _pls, ...withoutPls } = cluster;
    const missing = internalIngressOf(snapshot, withoutPls);
    expect(!missing.ok && missing.error.code).toBe("NotReturned");
    const noLb = structuredClone(snapshot);
    noLb.loadBalancers = {};
    const r = internalIngressOf(noLb, cluster);
    expect(!r.ok && r.error.code).toBe("NotCollected");
    const noIp = structuredClone(snapshot);
    for (const lb of Object.values(noIp.loadBalancers)) if (lb.ok) for (const fe of lb.value.frontends) delete fe.privateIpAddress;
    const q = internalIngressOf(noIp, cluster);
    expect(!q.ok && q.error.code).toBe("NotReturned");
  });

  it("counts only public IPs on load-balancing-rule frontends as ingress; an unreadable LB is an error", () => {
    const { snapshot, target } = fixture("cluster-private-ingress", "fail-aks-cluster-baseline-private-public-ingress");
    const mc = target.mcGroupId ?? "";
    const ips = mcGroupIngressPublicIps(snapshot, mc);
    expect(ips.ok && ips.value.map((i) => i.publicIpId.split("/").pop())).toEqual(["kubernetes-a4c311589f91b97541abbe064c91b4104"]);
    snapshot.loadBalancers = {};
    const broken = mcGroupIngressPublicIps(snapshot, mc);
    expect(!broken.ok && broken.error.code).toBe("NotCollected");
  });
});

describe("checks that do not apply emit nothing", () => {
  it("private-dns-a-record: plain AKS clusters, and pools with no private cluster and no managed-group zone", () => {
    const aks = fixture("cluster-private-ingress", "pass-aks-cluster-baseline-no-public-ingress");
    expect(run("private-dns-a-record", aks.snapshot, aks.target)).toEqual([]);
    const { snapshot, target } = fixture("private-dns-a-record", "pass-no-private-cluster-clean-managed-zone");
    expect(run("private-dns-a-record", snapshot, target).map((r) => r.status)).toEqual(["pass"]);
    // Snapshots are immutable once built (checks index them): derive a new one without zones.
    const withoutZones = {
      ...snapshot,
      privateDnsZones: {},
      privateDnsZoneInventory: Object.fromEntries(Object.keys(snapshot.privateDnsZoneInventory).map((k) => [k, { ok: true as const, value: [] }])),
    };
    expect(run("private-dns-a-record", withoutZones, target)).toEqual([]);
  });

  it("cluster-private-ingress: a plain AKS cluster is judged only under a private-ingress baseline", () => {
    const { snapshot, target } = fixture("cluster-private-ingress", "fail-aks-cluster-baseline-private-public-ingress");
    expect(run("cluster-private-ingress", snapshot, target)).toEqual([]);
    const required: Baseline = { schemaVersion: 1, defaults: { privateIngress: true } };
    expect(run("cluster-private-ingress", snapshot, target, required).map((r) => r.status)).toEqual(["fail"]);
  });

  it("api-server-private always judges (pools and plain AKS)", () => {
    const { snapshot, target } = fixture("api-server-private", "pass-aks-cluster-public-with-authorized-ranges");
    expect(run("api-server-private", snapshot, target).map((r) => r.status)).toEqual(["pass"]);
  });
});
