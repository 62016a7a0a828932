/**
 * Subscription A (Contoso Data Platform, prod), eastus: the spokes and pools of targets 1 to 5
 * (pool-finance, pool-marketing, pool-ingest, pool-reporting, pool-restricted). What each
 * demonstrates: estates/README.md.
 */
import { aksPublicLoadBalancer, netId, networkInterface, publicIp } from "../../src/emulator/builders/index.js";
import { clusterPrivateDns, internalIngress, pool, poolCluster, spoke, type Pool, type Spoke } from "./layout.js";
import { add, EAST, eastHub, hubVnetId, ids, networkTagsA, platformTags, routeFwPublicIp, routeToFirewall, style, SUB_A } from "./world.js";

/** What later parts (hub rules, role assignments, expected findings) need from subscription A. */
export interface SubscriptionA {
  spokes: { finance: Spoke; marketing: Spoke; ingest: Spoke; reporting: Spoke; restricted: Spoke };
  pools: { finance: Pool; marketing: Pool; ingest: Pool; reporting: Pool; restricted: Pool };
  /** pool-marketing's public IPs: the debug VM's and the Flink web UI's. */
  debugPipId: string;
  marketingUiPipId: string;
  /** pool-ingest's stale A record. */
  staleRecordId: string;
}

const sparkComponents = [
  { name: "Spark", version: "3.4.1" },
  { name: "Hive metastore", version: "3.1.2" },
];
const trinoComponents = [
  { name: "Trino", version: "440" },
  { name: "Hive metastore", version: "3.1.2" },
];

/** Adds subscription A's eastus targets to the estate. */
export function buildSubscriptionA(): SubscriptionA {
  // Spokes (UDR: default route to the hub firewall, firewall public IP /32 to Internet).
  const toFirewall = [routeToFirewall, routeFwPublicIp];
  const net = (name: string, n: number, routes: typeof toFirewall, tags = networkTagsA) =>
    spoke({
      sub: SUB_A,
      rg: `rg-net-${name}`,
      location: EAST,
      vnetName: `vnet-${name}`,
      vnetPrefix: `10.${n}.0.0/16`,
      subnetName: `snet-hdi-${name}`,
      subnetPrefix: `10.${n}.0.0/24`,
      routes,
      hub: eastHub,
      tags,
    });
  const spokeFinance = net("finance", 10, toFirewall);
  const spokeMarketing = net("marketing", 11, toFirewall);
  // pool-ingest: someone pointed the default route straight at the Internet.
  const spokeIngest = net("ingest", 12, [{ name: "default-to-internet", addressPrefix: "0.0.0.0/0", nextHopType: "Internet" }, routeFwPublicIp]);
  // pool-reporting: the default route still points at the decommissioned NVA (no firewall at 10.0.1.68).
  const spokeReporting = net("reporting", 13, [
    { name: "default-to-nva", addressPrefix: "0.0.0.0/0", nextHopType: "VirtualAppliance", nextHopIpAddress: "10.0.1.68" },
    routeFwPublicIp,
  ]);
  // pool-restricted: correctly routed, but the scanner may not read its network resource group (forbiddenScopes).
  const spokeRestricted = net("restricted", 14, toFirewall, { environment: "prod", owner: "risk-engineering", dataClassification: "restricted" });

  const udrPool = (name: string, spk: Spoke, extra: { privateApi: boolean; apiServerPrivateIp?: string; createdAt: string; workload: string; classification?: string }) =>
    pool({
      sub: SUB_A,
      rg: "rg-dataplatform",
      name,
      location: EAST,
      spoke: spk,
      outboundType: "userDefinedRouting",
      privateApi: extra.privateApi,
      ...(extra.apiServerPrivateIp ? { apiServerPrivateIp: extra.apiServerPrivateIp } : {}),
      createdAt: extra.createdAt,
      tags: { ...platformTags, workload: extra.workload, ...(extra.classification ? { dataClassification: extra.classification } : {}) },
    });
  const hubLink = [{ name: "vnet-hub-link", vnetId: hubVnetId }];

  // --- 1. pool-finance: fully compliant UDR pool, private API server, private-ingress Spark cluster.
  const finance = udrPool("pool-finance", spokeFinance, { privateApi: true, apiServerPrivateIp: "10.10.0.4", createdAt: "2024-06-11T09:14:22.5512871Z", workload: "finance" });
  const [financeIngress] = internalIngress({ pool: finance, services: [{ svc: "spark-fin", privateIp: "10.10.0.200", k8sService: "spark-fin/ingress-internal" }] });
  const sparkFin = poolCluster(finance, {
    name: "spark-fin",
    clusterType: "spark",
    clusterVersion: "1.1.1",
    ossVersion: "3.4.1",
    components: sparkComponents,
    profile: { sparkProfile: {} },
    ingress: financeIngress!,
    sshCount: 2,
  });
  clusterPrivateDns(finance, sparkFin, "10.10.0.200", hubLink);

  // --- 2. pool-marketing: correctly routed UDR pool, but a Flink debugging session left two public IPs in
  //        the MC group: a debug VM's IP, and the Flink web UI exposed through a public LoadBalancer service.
  const MARKETING_UI_IP = "20.185.44.12";
  const marketing = pool({
    sub: SUB_A,
    rg: "rg-dataplatform",
    name: "pool-marketing",
    location: EAST,
    spoke: spokeMarketing,
    outboundType: "userDefinedRouting",
    privateApi: true,
    apiServerPrivateIp: "10.11.0.4",
    publicIngressNsg: [{ address: MARKETING_UI_IP, ports: [8081] }],
    createdAt: "2024-07-02T14:40:05.1180032Z",
    tags: { ...platformTags, workload: "marketing" },
  });
  const [marketingIngress] = internalIngress({ pool: marketing, services: [{ svc: "flink-mkt", privateIp: "10.11.0.200", k8sService: "flink-mkt/ingress-internal" }] });
  const flinkMkt = poolCluster(marketing, {
    name: "flink-mkt",
    clusterType: "Flink",
    clusterVersion: "1.1.1",
    ossVersion: "1.17.0",
    components: [{ name: "Flink", version: "1.17.0" }],
    profile: {
      flinkProfile: {
        storage: { storageUri: "abfs://flink@stmktflinkprod.dfs.core.windows.net" },
        jobManager: { cpu: 1, memory: 2048 },
        taskManager: { cpu: 2, memory: 4096 },
        numReplicas: 2,
        deploymentMode: "Session",
      },
    },
    ingress: marketingIngress!,
  });
  clusterPrivateDns(marketing, flinkMkt, "10.11.0.200", hubLink);
  const debugNicId = netId(SUB_A, marketing.mcRg, "networkInterfaces", "debug-vm-nic");
  const debugPip = add(
    publicIp(style, {
      sub: SUB_A,
      rg: marketing.mcRg,
      name: "debug-vm-pip",
      location: EAST,
      ipAddress: "20.185.12.77",
      ipConfigurationId: `${debugNicId}/ipConfigurations/ipconfig1`,
      tags: { createdBy: "m.keller@contoso.com", purpose: "flink debugging" },
      zones: [],
    }),
  );
  add(
    networkInterface(style, {
      sub: SUB_A,
      rg: marketing.mcRg,
      name: "debug-vm-nic",
      location: EAST,
      tags: { createdBy: "m.keller@contoso.com" },
      subnetId: spokeMarketing.subnetId,
      privateIp: "10.11.0.50",
      publicIpId: debugPip.id,
    }),
  );
  // `kubectl -n flink-mkt expose deployment flink-webui --type LoadBalancer --port 8081`: in a
  // userDefinedRouting cluster AKS then creates the public load balancer `kubernetes` (no outbound rule)
  // and a public IP tagged with the service. The cluster itself still has internal ingress.
  const marketingUiFe = `a${ids.hex32("svc/flink-mkt-webui")}`;
  const marketingLbId = netId(SUB_A, marketing.mcRg, "loadBalancers", "kubernetes");
  const marketingUiPip = add(
    publicIp(style, {
      sub: SUB_A,
      rg: marketing.mcRg,
      name: `kubernetes-${marketingUiFe}`,
      location: EAST,
      ipAddress: MARKETING_UI_IP,
      ipConfigurationId: `${marketingLbId}/frontendIPConfigurations/${marketingUiFe}`,
      tags: { "k8s-azure-service": "flink-mkt/flink-webui-public", "k8s-azure-cluster-name": "kubernetes" },
    }),
  );
  add(
    aksPublicLoadBalancer(style, {
      sub: SUB_A,
      rg: marketing.mcRg,
      location: EAST,
      clusterName: "pool-marketing",
      clusterRg: marketing.hdiRg,
      ingress: [{ frontendName: marketingUiFe, publicIpId: marketingUiPip.id, ports: [8081], nodePorts: { 8081: 31081 } }],
    }),
  );

  // --- 3. pool-ingest: default route to Internet, and a stale A record. Private FQDN in the `-int.` form.
  const ingest = udrPool("pool-ingest", spokeIngest, { privateApi: true, apiServerPrivateIp: "10.12.0.4", createdAt: "2024-08-19T07:03:51.9043318Z", workload: "ingest" });
  const [ingestIngress] = internalIngress({ pool: ingest, services: [{ svc: "spark-ingest", privateIp: "10.12.0.200", k8sService: "spark-ingest/ingress-internal" }] });
  const sparkIngest = poolCluster(ingest, {
    name: "spark-ingest",
    clusterType: "Spark",
    clusterVersion: "1.1.1",
    ossVersion: "3.4.1",
    components: sparkComponents,
    profile: { sparkProfile: {} },
    ingress: ingestIngress!,
    privateFqdnForm: "int",
    workers: 6,
  });
  // The zone still holds the A record of spark-adhoc, a cluster deleted in January (stale: it names no cluster).
  const ingestZoneId = clusterPrivateDns(ingest, sparkIngest, "10.12.0.200", [], [{ name: "spark-adhoc-int", addresses: ["10.12.0.201"] }]);

  // --- 4. pool-reporting: default route to 10.0.1.68, where no firewall lives. Public API server. Its AKS
  //        identity holds Network Contributor on the VNet only (see roles.ts).
  const reporting = udrPool("pool-reporting", spokeReporting, { privateApi: false, createdAt: "2024-05-27T16:22:40.0021145Z", workload: "reporting" });
  const [reportingIngress] = internalIngress({ pool: reporting, services: [{ svc: "trino-rpt", privateIp: "10.13.0.200", k8sService: "trino-rpt/ingress-internal" }] });
  const trinoRpt = poolCluster(reporting, {
    name: "trino-rpt",
    clusterType: "Trino",
    clusterVersion: "1.2.0",
    ossVersion: "0.440.0",
    components: trinoComponents,
    profile: { trinoProfile: {} },
    ingress: reportingIngress!,
  });
  clusterPrivateDns(reporting, trinoRpt, "10.13.0.200", hubLink);

  // --- 5. pool-restricted: correct, but its network resources (VNet, route table, NSG) cannot be read.
  const restricted = udrPool("pool-restricted", spokeRestricted, {
    privateApi: true,
    apiServerPrivateIp: "10.14.0.4",
    createdAt: "2024-09-05T11:58:13.7720964Z",
    workload: "risk",
    classification: "restricted",
  });
  const [restrictedIngress] = internalIngress({ pool: restricted, services: [{ svc: "spark-risk", privateIp: "10.14.0.200", k8sService: "spark-risk/ingress-internal" }] });
  const sparkRisk = poolCluster(restricted, {
    name: "spark-risk",
    clusterType: "Spark",
    clusterVersion: "1.1.1",
    ossVersion: "3.4.1",
    components: sparkComponents,
    profile: { sparkProfile: {} },
    ingress: restrictedIngress!,
  });
  clusterPrivateDns(restricted, sparkRisk, "10.14.0.200");

  return {
    spokes: { finance: spokeFinance, marketing: spokeMarketing, ingest: spokeIngest, reporting: spokeReporting, restricted: spokeRestricted },
    pools: { finance, marketing, ingest, reporting, restricted },
    debugPipId: debugPip.id,
    marketingUiPipId: marketingUiPip.id,
    staleRecordId: `${ingestZoneId}/A/spark-adhoc-int`,
  };
}
