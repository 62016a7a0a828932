/**
 * Subscription A, West Europe: target 10 (pool-telemetry) behind the second hub. What it
 * demonstrates: estates/README.md.
 */
import { publicIp } from "../../src/emulator/builders/index.js";
import { clusterPrivateDns, internalIngress, pool, poolCluster, spoke, type Pool, type Spoke } from "./layout.js";
import {
  add,
  FW_WEU_PRIVATE_IP,
  FW_WEU_PUBLIC_IP,
  fwWeuIpConfigId,
  HUB_WEU_RG,
  hubWeuVnetId,
  networkTagsA,
  platformTags,
  style,
  SUB_A,
  weuHub,
  WEU,
} from "./world.js";

/** The westeurope hub firewall's public IP (added before the spoke, as the hub was built first). */
export function buildWeuFirewallPublicIp(): string {
  return add(
    publicIp(style, {
      sub: SUB_A,
      rg: HUB_WEU_RG,
      name: "fw-hub-weu-pip",
      location: WEU,
      ipAddress: FW_WEU_PUBLIC_IP,
      ipConfigurationId: fwWeuIpConfigId,
      tags: networkTagsA,
    }),
  ).id;
}

/**
 * --- 10. pool-telemetry: a correctly routed UDR pool (private API server, private-ingress Spark
 * cluster) whose firewall policy does not let it work: fwp-weu-egress (child of fwp-weu-base) lacks
 * graph.microsoft.com, a data-protection deny collection shadows *.blob.core.windows.net, and a
 * "temporary" application rule allows Http:80 to every FQDN (see hubs.ts).
 */
export function buildTelemetry(): { spoke: Spoke; pool: Pool } {
  const spokeTelemetry = spoke({
    sub: SUB_A,
    rg: "rg-net-telemetry",
    location: WEU,
    vnetName: "vnet-telemetry",
    vnetPrefix: "10.16.0.0/16",
    subnetName: "snet-hdi-telemetry",
    subnetPrefix: "10.16.0.0/24",
    routes: [
      { name: "default-to-fw-hub-weu", addressPrefix: "0.0.0.0/0", nextHopType: "VirtualAppliance", nextHopIpAddress: FW_WEU_PRIVATE_IP },
      { name: "fw-hub-weu-pip-to-internet", addressPrefix: `${FW_WEU_PUBLIC_IP}/32`, nextHopType: "Internet" },
    ],
    hub: weuHub,
    tags: networkTagsA,
  });
  const telemetry = pool({
    sub: SUB_A,
    rg: "rg-dataplatform",
    name: "pool-telemetry",
    location: WEU,
    spoke: spokeTelemetry,
    outboundType: "userDefinedRouting",
    privateApi: true,
    apiServerPrivateIp: "10.16.0.4",
    createdAt: "2024-11-12T10:27:36.4417093Z",
    tags: { ...platformTags, workload: "telemetry" },
  });
  const [ingress] = internalIngress({ pool: telemetry, services: [{ svc: "spark-tel", privateIp: "10.16.0.200", k8sService: "spark-tel/ingress-internal" }] });
  const sparkTel = poolCluster(telemetry, {
    name: "spark-tel",
    clusterType: "Spark",
    clusterVersion: "1.1.1",
    ossVersion: "3.4.1",
    components: [
      { name: "Spark", version: "3.4.1" },
      { name: "Hive metastore", version: "3.1.2" },
    ],
    profile: { sparkProfile: {} },
    ingress: ingress!,
  });
  clusterPrivateDns(telemetry, sparkTel, "10.16.0.200", [{ name: "vnet-hub-weu-link", vnetId: hubWeuVnetId }]);
  return { spoke: spokeTelemetry, pool: telemetry };
}
