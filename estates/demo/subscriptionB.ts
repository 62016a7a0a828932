/**
 * Subscription B (Contoso Analytics, dev): targets 6 to 9 and 11 (pool-sandbox, aks-payments,
 * aks-web, pool-legacy, pool-ml). Its eastus spokes are peered with the hub in subscription A;
 * pool-legacy is in westus2 and not peered. What each demonstrates: estates/README.md.
 */
import { aksPublicLoadBalancer, netId, publicIp, type AgentPoolSpec, type Tags } from "../../src/emulator/builders/index.js";
import { aksCluster, aksNodes, clusterPrivateDns, identity, internalIngress, pool, poolCluster, spoke, type Aks, type Pool, type Spoke } from "./layout.js";
import { add, devTags, EAST, eastHub, FW_PRIVATE_IP, hubVnetId, ids, networkTagsB, routeFwPublicIp, routeToFirewall, style, SUB_B, WEST2 } from "./world.js";

/** What later parts (hub rules, role assignments, expected findings) need from subscription B. */
export interface SubscriptionB {
  spokes: { sandbox: Spoke; payments: Spoke; web: Spoke; legacy: Spoke; ml: Spoke };
  pools: { sandbox: Pool; legacy: Pool; ml: Pool };
  clusters: { payments: Aks; web: Aks };
  /** pool-sandbox's unexplained public IP. */
  leftoverPipId: string;
}

const outboundTags: Tags = { "aks-managed-type": "aks-slb-managed-outbound-ip" };
const serviceTags = (service: string): Tags => ({ "k8s-azure-service": service, "k8s-azure-cluster-name": "kubernetes" });

/**
 * The outbound and public ingress IPs of a loadBalancer cluster's MC group and its load balancer
 * `kubernetes` (the IPs first, as AKS creates them).
 */
function publicLoadBalancing(p: {
  mcRg: string;
  location: string;
  clusterName: string;
  clusterRg: string;
  outbound: { name: string; ip: string };
  ingress: { fe: string; ip: string; service: string; ports: number[]; nodePorts: Record<number, number> };
  /** Between the IPs and the load balancer (e.g. a leftover public IP). */
  between?: () => void;
}): void {
  const lbId = netId(SUB_B, p.mcRg, "loadBalancers", "kubernetes");
  const outboundPip = add(
    publicIp(style, {
      sub: SUB_B,
      rg: p.mcRg,
      name: p.outbound.name,
      location: p.location,
      ipAddress: p.outbound.ip,
      ipConfigurationId: `${lbId}/frontendIPConfigurations/${p.outbound.name}`,
      tags: outboundTags,
    }),
  );
  const ingressPip = add(
    publicIp(style, {
      sub: SUB_B,
      rg: p.mcRg,
      name: `kubernetes-${p.ingress.fe}`,
      location: p.location,
      ipAddress: p.ingress.ip,
      ipConfigurationId: `${lbId}/frontendIPConfigurations/${p.ingress.fe}`,
      tags: serviceTags(p.ingress.service),
    }),
  );
  p.between?.();
  add(
    aksPublicLoadBalancer(style, {
      sub: SUB_B,
      rg: p.mcRg,
      location: p.location,
      clusterName: p.clusterName,
      clusterRg: p.clusterRg,
      outbound: { frontendName: p.outbound.name, publicIpId: outboundPip.id },
      ingress: [{ frontendName: p.ingress.fe, publicIpId: ingressPip.id, ports: p.ingress.ports, nodePorts: p.ingress.nodePorts }],
    }),
  );
}

/** Adds subscription B's targets to the estate. */
export function buildSubscriptionB(): SubscriptionB {
  // --- 6. pool-sandbox: loadBalancer pool, public-ingress Trino cluster, one leftover public IP, SSH open to the Internet.
  const sandboxOutboundName = ids.guid("pip/sandbox-outbound");
  const spokeSandbox = spoke({
    sub: SUB_B,
    rg: "rg-net-sandbox",
    location: EAST,
    vnetName: "vnet-sandbox",
    vnetPrefix: "10.20.0.0/16",
    subnetName: "snet-hdi-sandbox",
    subnetPrefix: "10.20.0.0/24",
    routes: null,
    hub: eastHub,
    ingressPublicIps: ["20.242.19.58"],
    // A vendor's SSH access for the Trino PoC, opened to the whole Internet and never closed.
    extraNsgRules: [
      {
        name: "AllowSshFromInternet",
        description: "TEMP: vendor SSH access for the Trino PoC (CHG0039120)",
        destinationPortRange: "22",
        sourceAddressPrefix: "Internet",
        destinationAddressPrefix: "*",
        priority: 300,
      },
    ],
    tags: networkTagsB,
  });
  const sandboxMc = `MC_hdi-${ids.hex32("deployment/pool-sandbox")}_pool-sandbox_${EAST}`;
  const sandbox = pool({
    sub: SUB_B,
    rg: "rg-analytics-dev",
    name: "pool-sandbox",
    location: EAST,
    spoke: spokeSandbox,
    outboundType: "loadBalancer",
    privateApi: false,
    // As AKS often reports it: the node resource group lower-cased inside the id.
    effectiveOutboundIPs: [
      `/subscriptions/${SUB_B}/resourcegroups/${sandboxMc.toLowerCase()}/providers/Microsoft.Network/publicIPAddresses/${sandboxOutboundName}`,
    ],
    publicIngressNsg: [{ address: "20.242.19.58", ports: [80, 443] }],
    createdAt: "2024-10-08T08:31:47.3399120Z",
    tags: { ...devTags, workload: "sandbox" },
  });
  let leftoverPipId = "";
  publicLoadBalancing({
    mcRg: sandbox.mcRg,
    location: EAST,
    clusterName: "pool-sandbox",
    clusterRg: sandbox.hdiRg,
    outbound: { name: sandboxOutboundName, ip: "20.242.17.203" },
    ingress: { fe: `a${ids.hex32("svc/trino-sbx")}`, ip: "20.242.19.58", service: "trino-sbx/trino-gateway", ports: [80, 443], nodePorts: { 80: 30880, 443: 30443 } },
    between: () => {
      leftoverPipId = add(
        publicIp(style, {
          sub: SUB_B,
          rg: sandbox.mcRg,
          name: "leftover-pip",
          location: EAST,
          ipAddress: "20.232.91.140",
          tags: { createdBy: "a.novak@contoso.com", purpose: "trino poc (2024-03)" },
          zones: [],
        }),
      ).id;
    },
  });
  const trinoComponents = [
    { name: "Trino", version: "440" },
    { name: "Hive metastore", version: "3.1.2" },
  ];
  poolCluster(sandbox, {
    name: "trino-sbx",
    clusterType: "Trino",
    clusterVersion: "1.2.0",
    ossVersion: "0.440.0",
    components: trinoComponents,
    profile: { trinoProfile: {} },
    sshCount: 2,
  });

  // --- 7. aks-payments: plain AKS, userDefinedRouting, private cluster, routed to the hub firewall, with
  // Container insights (omsagent) and managed Prometheus, whose endpoints fwp-egress allows from its subnet.
  const spokePayments = spoke({
    sub: SUB_B,
    rg: "rg-payments-network",
    location: EAST,
    vnetName: "vnet-payments",
    vnetPrefix: "10.21.0.0/16",
    subnetName: "snet-aks-payments",
    subnetPrefix: "10.21.0.0/24",
    routes: [routeToFirewall, routeFwPublicIp],
    hub: eastHub,
    // Names resolve through the hub firewall's DNS proxy, as its network rules with FQDNs require.
    dnsServers: [FW_PRIVATE_IP],
    tags: networkTagsB,
  });
  const paymentsMc = `MC_rg-payments_aks-payments_${EAST}`;
  const paymentsPools: AgentPoolSpec[] = [
    { name: "system", count: 3, vmSize: "Standard_D4ds_v5", mode: "System" },
    { name: "apps", count: 4, vmSize: "Standard_D8ds_v5", mode: "User" },
  ];
  const paymentsKubelet = identity(SUB_B, paymentsMc, "aks-payments-agentpool", EAST, "kubelet/aks-payments");
  const payments = aksCluster({
    sub: SUB_B,
    rg: "rg-payments",
    name: "aks-payments",
    location: EAST,
    dnsPrefix: "aks-payments",
    nodeResourceGroup: paymentsMc,
    outboundType: "userDefinedRouting",
    privateCluster: true,
    subnetId: spokePayments.subnetId,
    vnetId: spokePayments.vnetId,
    apiServerPrivateIp: "10.21.0.4",
    kubelet: paymentsKubelet,
    tags: { environment: "dev", owner: "payments", pciScope: "true" },
    agentPools: paymentsPools,
    addons: {
      omsagent: {
        enabled: true,
        config: { logAnalyticsWorkspaceResourceID: `/subscriptions/${SUB_B}/resourceGroups/rg-monitoring/providers/Microsoft.OperationalInsights/workspaces/law-analytics-dev`, useAADAuth: "true" },
      },
    },
    azureMonitorMetrics: true,
  });
  aksNodes({ sub: SUB_B, mcRg: paymentsMc, location: EAST, seed: payments.id, agentPools: paymentsPools, subnetId: spokePayments.subnetId });

  // --- 8. aks-web: plain AKS, loadBalancer egress, public ingress (ManagedClustersGet.json shape).
  const webMc = `MC_rg-web_aks-web_${EAST}`;
  const webOutboundName = ids.guid("pip/aks-web-outbound");
  const spokeWeb = spoke({
    sub: SUB_B,
    rg: "rg-web-network",
    location: EAST,
    vnetName: "vnet-web",
    vnetPrefix: "10.22.0.0/16",
    subnetName: "snet-aks-web",
    subnetPrefix: "10.22.0.0/24",
    routes: null,
    hub: eastHub,
    ingressPublicIps: ["52.146.41.200"],
    tags: networkTagsB,
  });
  const webLbId = netId(SUB_B, webMc, "loadBalancers", "kubernetes");
  const webOutboundPip = add(
    publicIp(style, {
      sub: SUB_B,
      rg: webMc,
      name: webOutboundName,
      location: EAST,
      ipAddress: "52.146.40.12",
      ipConfigurationId: `${webLbId}/frontendIPConfigurations/${webOutboundName}`,
      tags: outboundTags,
    }),
  );
  const webIngressFe = `a${ids.hex32("svc/web-frontend")}`;
  const webIngressPip = add(
    publicIp(style, {
      sub: SUB_B,
      rg: webMc,
      name: `kubernetes-${webIngressFe}`,
      location: EAST,
      ipAddress: "52.146.41.200",
      ipConfigurationId: `${webLbId}/frontendIPConfigurations/${webIngressFe}`,
      tags: serviceTags("ingress-nginx/ingress-nginx-controller"),
    }),
  );
  const webPools: AgentPoolSpec[] = [{ name: "nodepool1", count: 3, vmSize: "Standard_DS2_v2", mode: "System" }];
  const webKubelet = identity(SUB_B, webMc, "aks-web-agentpool", EAST, "kubelet/aks-web");
  const web = aksCluster({
    sub: SUB_B,
    rg: "rg-web",
    name: "aks-web",
    location: EAST,
    dnsPrefix: "aks-web",
    nodeResourceGroup: webMc,
    outboundType: "loadBalancer",
    privateCluster: false,
    subnetId: spokeWeb.subnetId,
    vnetId: spokeWeb.vnetId,
    effectiveOutboundIPs: [webOutboundPip.id],
    kubelet: webKubelet,
    tags: { archv2: "", tier: "production" },
    agentPools: webPools,
  });
  add(
    aksPublicLoadBalancer(style, {
      sub: SUB_B,
      rg: webMc,
      location: EAST,
      clusterName: "aks-web",
      clusterRg: "rg-web",
      outbound: { frontendName: webOutboundName, publicIpId: webOutboundPip.id },
      ingress: [{ frontendName: webIngressFe, publicIpId: webIngressPip.id, ports: [80, 443], nodePorts: { 80: 31080, 443: 31443 } }],
    }),
  );
  aksNodes({
    sub: SUB_B,
    mcRg: webMc,
    location: EAST,
    seed: web.id,
    agentPools: webPools,
    subnetId: spokeWeb.subnetId,
    publicIngress: [{ address: "52.146.41.200", ports: [80, 443] }],
  });

  // --- 9. pool-legacy: the pool GET has no networkProfile and no aksManagedResourceGroupName
  //        (GetClusterPool.json); the AKS cluster says loadBalancer. westus2, not peered.
  const legacyMc = `MC_hdi-${ids.hex32("deployment/pool-legacy")}_pool-legacy_${WEST2}`;
  const legacyOutboundName = ids.guid("pip/legacy-outbound");
  const spokeLegacy = spoke({
    sub: SUB_B,
    rg: "rg-net-legacy",
    location: WEST2,
    vnetName: "vnet-legacy",
    vnetPrefix: "10.23.0.0/16",
    subnetName: "snet-hdi-legacy",
    subnetPrefix: "10.23.0.0/24",
    routes: null,
    ingressPublicIps: ["20.69.151.9"],
    tags: networkTagsB,
  });
  const legacy = pool({
    sub: SUB_B,
    rg: "rg-analytics-dev",
    name: "pool-legacy",
    location: WEST2,
    spoke: spokeLegacy,
    outboundType: "loadBalancer",
    privateApi: false,
    legacyShape: true,
    clusterPoolVersion: "1.1",
    aksVersion: "1.27",
    effectiveOutboundIPs: [netId(SUB_B, legacyMc, "publicIPAddresses", legacyOutboundName)],
    publicIngressNsg: [{ address: "20.69.151.9", ports: [443] }],
    createdAt: "2023-10-16T13:05:29.4410038Z",
    tags: { ...devTags, workload: "legacy-streaming" },
  });
  publicLoadBalancing({
    mcRg: legacy.mcRg,
    location: WEST2,
    clusterName: "pool-legacy",
    clusterRg: legacy.hdiRg,
    outbound: { name: legacyOutboundName, ip: "20.69.150.33" },
    ingress: { fe: `a${ids.hex32("svc/flink-legacy")}`, ip: "20.69.151.9", service: "flink-legacy/flink-gateway", ports: [443], nodePorts: { 443: 32443 } },
  });
  poolCluster(legacy, {
    name: "flink-legacy",
    clusterType: "Flink",
    clusterVersion: "1.0.6",
    ossVersion: "1.16.0",
    components: [{ name: "Flink", version: "1.16.0" }],
    legacyIdentityProfile: true,
    profile: {
      flinkProfile: {
        storage: { storageUri: "abfs://flink@stlegacyflinkdev.dfs.core.windows.net" },
        jobManager: { cpu: 1, memory: 2048 },
        taskManager: { cpu: 1, memory: 2048 },
      },
    },
    createdAt: "2023-10-16T15:47:02.1208764Z",
  });

  // --- 11. pool-ml: created as a loadBalancer pool with a public API server. The platform team later
  //         hardened the AKS cluster in place: `az aks update --outbound-type userDefinedRouting` (with a
  //         route table to the hub firewall) and `--enable-apiserver-vnet-integration --enable-private-cluster`.
  //         The pool GET still states the creation values (both are create-only on the pool), so pool and
  //         AKS disagree: pool-outbound-type and api-server-private fail. The subnet's 0.0.0.0/0 → firewall
  //         route brings the firewall checks in, and fw-hub allows everything the pool needs.
  const spokeMl = spoke({
    sub: SUB_B,
    rg: "rg-net-ml",
    location: EAST,
    vnetName: "vnet-ml",
    vnetPrefix: "10.24.0.0/16",
    subnetName: "snet-hdi-ml",
    subnetPrefix: "10.24.0.0/24",
    routes: [routeToFirewall, routeFwPublicIp],
    hub: eastHub,
    extraSubnets: [{ name: "snet-aks-apiserver", prefix: "10.24.1.0/28", delegation: "Microsoft.ContainerService/managedClusters" }],
    tags: networkTagsB,
  });
  const ml = pool({
    sub: SUB_B,
    rg: "rg-analytics-dev",
    name: "pool-ml",
    location: EAST,
    spoke: spokeMl,
    outboundType: "loadBalancer",
    privateApi: false,
    aksOutboundType: "userDefinedRouting",
    aksPrivateCluster: true,
    apiServerSubnetId: `${spokeMl.vnetId}/subnets/snet-aks-apiserver`,
    apiServerPrivateIp: "10.24.1.4",
    createdAt: "2024-12-03T13:44:18.9920417Z",
    tags: { ...devTags, workload: "ml" },
  });
  const [mlIngress] = internalIngress({ pool: ml, services: [{ svc: "spark-ml", privateIp: "10.24.0.200", k8sService: "spark-ml/ingress-internal" }] });
  const sparkMl = poolCluster(ml, {
    name: "spark-ml",
    clusterType: "Spark",
    clusterVersion: "1.1.1",
    ossVersion: "3.4.1",
    components: [
      { name: "Spark", version: "3.4.1" },
      { name: "Hive metastore", version: "3.1.2" },
    ],
    profile: { sparkProfile: {} },
    ingress: mlIngress!,
    workers: 4,
  });
  clusterPrivateDns(ml, sparkMl, "10.24.0.200", [{ name: "vnet-hub-link", vnetId: hubVnetId }]);

  return {
    spokes: { sandbox: spokeSandbox, payments: spokePayments, web: spokeWeb, legacy: spokeLegacy, ml: spokeMl },
    pools: { sandbox, legacy, ml },
    clusters: { payments, web },
    leftoverPipId,
  };
}
