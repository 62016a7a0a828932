/** Cluster ingress as the snapshot shows it (src/checks/lib/ingress.ts). */
import { describe, expect, it } from "vitest";
import { internalIngressOf, mcGroupIngressPublicIps, servicesOfPublicIp } from "../../../src/checks/lib/ingress.js";
import { caseFixture as fixture } from "../case-files.js";

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
