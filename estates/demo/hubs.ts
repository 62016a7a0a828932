/**
 * The hubs of subscription A: VNet, Azure Firewall and firewall policies, in rg-hub (eastus) and
 * rg-hub-weu (westeurope, a child policy under the platform team's base policy).
 */
import {
  applicationRule,
  azureFirewall,
  azureMonitorFqdns,
  filterRuleCollection,
  firewallPolicy,
  HDI_COMMON_FQDNS,
  lastSegment,
  netId,
  networkRule,
  publicIp,
  ruleCollectionGroup,
  subnet,
  virtualNetwork,
  virtualNetworkPeering,
  type AppRuleProtocol,
  type FirewallRuleBody,
  type Tags,
} from "../../src/emulator/builders/index.js";
import type { Aks, Spoke } from "./layout.js";
import {
  add,
  EAST,
  FW_PRIVATE_IP,
  FW_PUBLIC_IP,
  FW_WEU_PRIVATE_IP,
  fwId,
  fwIpConfigId,
  fwPolicyId,
  fwpWeuBaseId,
  fwpWeuId,
  fwWeuId,
  fwWeuIpConfigId,
  HUB_PREFIX,
  HUB_RG,
  HUB_WEU_PREFIX,
  HUB_WEU_RG,
  hubVnetId,
  hubWeuVnetId,
  networkTagsA,
  style,
  SUB_A,
  WEU,
} from "./world.js";

/** The eastus hub firewall's public IP (the first resource of the estate). */
export function buildEastFirewallPublicIp(): string {
  return add(
    publicIp(style, { sub: SUB_A, rg: HUB_RG, name: "fw-hub-pip", location: EAST, ipAddress: FW_PUBLIC_IP, ipConfigurationId: fwIpConfigId, tags: networkTagsA }),
  ).id;
}

/** A hub VNet with its AzureFirewallSubnet, peered with the given spokes (hub side of the peering). */
function hubVnet(p: { rg: string; name: string; location: string; prefix: string; firewallSubnetPrefix: string; spokes: Spoke[]; tags: Tags }): void {
  const vnetId = netId(SUB_A, p.rg, "virtualNetworks", p.name);
  add(
    virtualNetwork(style, {
      sub: SUB_A,
      rg: p.rg,
      name: p.name,
      location: p.location,
      tags: p.tags,
      addressPrefixes: [p.prefix],
      subnets: [subnet(style, { vnetId, name: "AzureFirewallSubnet", addressPrefix: p.firewallSubnetPrefix })],
      peerings: p.spokes.map((s) =>
        virtualNetworkPeering(style, { vnetId, remoteVnetId: s.vnetId, remoteAddressPrefixes: [s.vnetPrefix], allowForwardedTraffic: false }),
      ),
    }),
  );
}

/** A rule collection group added to the estate; returns its id. */
function rcg(policyId: string, name: string, priority: number, ruleCollections: Record<string, unknown>[]): string {
  return add(ruleCollectionGroup(style, { policyId, name, priority, ruleCollections })).id;
}

const netRule = (name: string, description: string, sources: string[], destinations: string[], protocols: string[], ports: string[], kind: "addresses" | "fqdns" = "addresses") =>
  networkRule(style, {
    name,
    description,
    ipProtocols: protocols,
    sourceAddresses: sources,
    destinationAddresses: kind === "addresses" ? destinations : [],
    destinationFqdns: kind === "fqdns" ? destinations : [],
    destinationPorts: ports,
  });
const appRule = (name: string, description: string, sources: string[], protocols: AppRuleProtocol[], targets: { targetFqdns?: string[]; fqdnTags?: string[] }): FirewallRuleBody =>
  applicationRule(style, { name, description, protocols, sourceAddresses: sources, ...targets });
const https: AppRuleProtocol[] = [{ protocolType: "Https", port: 443 }];
const httpAndHttps: AppRuleProtocol[] = [{ protocolType: "Http", port: 80 }, ...https];

/** NTP (the `time-sync` category of every AKS cluster's dependency list): a network rule naming `ntp.ubuntu.com`, which needs the DNS proxy. */
const ntpRule = (sources: string[]) => netRule("ntp", "Node time sync (AKS time-sync)", sources, ["ntp.ubuntu.com"], ["UDP"], ["123"], "fqdns");

/**
 * The eastus hub (rg-hub): fw-hub run by fwp-egress (DNS proxy on: its network rules name FQDNs).
 * `peered` are the spokes peered with it; `routed` the spokes whose default route goes to it (the
 * rules' sources), `apiServers` their AKS clusters (pods reach their API servers through the
 * firewall) and `monitored` the spokes of clusters with Container insights and managed Prometheus.
 */
export function buildEastHub(p: { fwPipId: string; peered: Spoke[]; routed: Spoke[]; apiServers: Aks[]; monitored: Spoke[] }): void {
  hubVnet({ rg: HUB_RG, name: "vnet-hub", location: EAST, prefix: HUB_PREFIX, firewallSubnetPrefix: "10.0.1.0/26", spokes: p.peered, tags: networkTagsA });
  add(
    azureFirewall(style, {
      sub: SUB_A,
      rg: HUB_RG,
      name: lastSegment(fwId),
      location: EAST,
      ipConfigurationId: fwIpConfigId,
      privateIp: FW_PRIVATE_IP,
      subnetId: `${hubVnetId}/subnets/AzureFirewallSubnet`,
      publicIpId: p.fwPipId,
      policyId: fwPolicyId,
      tags: networkTagsA,
    }),
  );
  const sources = p.routed.map((s) => s.subnetPrefix);
  const apiServerFqdns = p.apiServers.flatMap((a) => [a.fqdn, ...(a.privateFqdn ? [a.privateFqdn] : [])]);
  const rcgHdi = rcg(fwPolicyId, "rcg-hdinsight-aks-egress", 200, [
    filterRuleCollection("aksfwnr", 100, "Allow", [
      netRule("aks-tunnel-udp-1194", "AKS node to control plane tunnel", sources, ["AzureCloud.EastUS"], ["UDP"], ["1194"]),
      netRule("aks-tunnel-tcp-9000", "AKS node to control plane tunnel", sources, ["AzureCloud.EastUS"], ["TCP"], ["9000"]),
      netRule("aks-api-server", "Pods to the AKS API servers of the UDR clusters", sources, apiServerFqdns, ["TCP"], ["443"], "fqdns"),
      ntpRule(sources),
      netRule("azure-monitor", "Azure Monitor (Log Analytics)", sources, ["AzureMonitor"], ["TCP"], ["443"]),
      netRule("spark-azure-files", "Spark: SMB to Azure Files", sources, ["Storage.EastUS"], ["TCP"], ["445"]),
      netRule("sql-redirect", "Spark/Trino Hive metastore: Azure SQL redirect policy", sources, ["Sql.EastUS"], ["TCP"], ["11000-11999"]),
    ]),
    filterRuleCollection("aksfwar", 200, "Allow", [
      appRule("aks-fqdn-tag", "AKS base requirements", sources, httpAndHttps, { fqdnTags: ["AzureKubernetesService"] }),
      appRule("hdinsight-on-aks-common", "HDInsight on AKS: images, setup, authentication, monitoring", sources, https, { targetFqdns: [...HDI_COMMON_FQDNS] }),
      appRule("adls-gen2", "Spark, Trino and Flink: ADLS Gen2 storage", sources, https, { targetFqdns: ["*.dfs.core.windows.net"] }),
      appRule("azure-sql", "Hive metastore on Azure SQL", sources, [{ protocolType: "Mssql", port: 1433 }], { targetFqdns: ["*.database.windows.net"] }),
      // Add-on endpoints are not the FQDN tag's: Container insights and managed Prometheus, for the clusters that run them.
      appRule("aks-monitoring", "Container insights and managed Prometheus (omsagent, azureMonitorProfile.metrics)", p.monitored.map((s) => s.subnetPrefix), https, {
        targetFqdns: azureMonitorFqdns(EAST, true),
      }),
    ]),
  ]);
  const rcgPlatform = rcg(fwPolicyId, "rcg-platform-baseline", 300, [
    filterRuleCollection("os-updates", 100, "Allow", [
      appRule(
        "ubuntu-updates",
        "Node OS security updates",
        p.peered.map((s) => s.vnetPrefix),
        [{ protocolType: "Http", port: 80 }],
        { targetFqdns: ["security.ubuntu.com", "azure.archive.ubuntu.com", "changelogs.ubuntu.com"] },
      ),
    ]),
  ]);
  add(
    firewallPolicy(style, {
      sub: SUB_A,
      rg: HUB_RG,
      name: lastSegment(fwPolicyId),
      location: EAST,
      size: "0.024 MB",
      ruleCollectionGroupIds: [rcgHdi, rcgPlatform],
      firewallIds: [fwId],
      // On: the network rules aks-api-server and ntp name FQDNs, which match only through the proxy.
      dnsProxy: true,
      tags: networkTagsA,
    }),
  );
}

/**
 * The westeurope hub (rg-hub-weu): fw-hub-weu run by fwp-weu-egress, a child of the platform
 * team's fwp-weu-base. The drift of pool-telemetry is in the child policy (its rules and its DNS
 * settings).
 */
export function buildWeuHub(p: { fwPipId: string; telemetry: Spoke }): void {
  hubVnet({ rg: HUB_WEU_RG, name: "vnet-hub-weu", location: WEU, prefix: HUB_WEU_PREFIX, firewallSubnetPrefix: "10.1.1.0/26", spokes: [p.telemetry], tags: networkTagsA });
  add(
    azureFirewall(style, {
      sub: SUB_A,
      rg: HUB_WEU_RG,
      name: lastSegment(fwWeuId),
      location: WEU,
      ipConfigurationId: fwWeuIpConfigId,
      privateIp: FW_WEU_PRIVATE_IP,
      subnetId: `${hubWeuVnetId}/subnets/AzureFirewallSubnet`,
      publicIpId: p.fwPipId,
      policyId: fwpWeuId,
      tags: networkTagsA,
    }),
  );
  // Parent policy (platform team): what every AKS spoke of the region needs, for the region's spoke range.
  const spokeRange = [p.telemetry.vnetPrefix];
  const rcgBase = rcg(fwpWeuBaseId, "rcg-platform-aks", 100, [
    filterRuleCollection("aks-control-plane", 100, "Allow", [
      netRule("aks-tunnel-udp-1194", "AKS node to control plane tunnel", spokeRange, ["AzureCloud.WestEurope"], ["UDP"], ["1194"]),
      netRule("aks-tunnel-tcp-9000", "AKS node to control plane tunnel", spokeRange, ["AzureCloud.WestEurope"], ["TCP"], ["9000"]),
      ntpRule(spokeRange),
    ]),
    filterRuleCollection("aks-fqdn-tag", 200, "Allow", [
      appRule("aks-fqdn-tag", "AKS base requirements", spokeRange, httpAndHttps, { fqdnTags: ["AzureKubernetesService"] }),
    ]),
  ]);
  const policy = (
    name: string,
    size: string,
    ruleCollectionGroupIds: string[],
    links: { firewallIds?: string[]; childPolicyIds?: string[]; basePolicyId?: string; dnsProxy?: boolean },
  ) => add(firewallPolicy(style, { sub: SUB_A, rg: HUB_WEU_RG, name: lastSegment(name), location: WEU, size, ruleCollectionGroupIds, ...links, tags: networkTagsA }));
  policy(fwpWeuBaseId, "0.008 MB", [rcgBase], { childPolicyIds: [fwpWeuId] });
  // Child policy (workload rules). The drift: the common list was copied without graph.microsoft.com; a
  // data-protection deny collection (priority 100) blocks *.blob.core.windows.net before the HDInsight
  // allow (priority 200) can match; a temporary exception allows Http:80 to any FQDN; and the policy was
  // redeployed from a template with DNS proxy off. The firewall runs the DNS settings of its own policy (the
  // child), so the parent's NTP rule, which names ntp.ubuntu.com, matches nothing.
  const sources = [p.telemetry.subnetPrefix];
  const rcgDlp = rcg(fwpWeuId, "rcg-data-protection", 100, [
    filterRuleCollection("deny-storage-uploads", 100, "Deny", [
      appRule("deny-blob-storage", "DLP-2291: no uploads to storage accounts outside the data platform", spokeRange, https, {
        targetFqdns: ["*.blob.core.windows.net"],
      }),
    ]),
  ]);
  const rcgHdi = rcg(fwpWeuId, "rcg-hdinsight-aks-egress", 200, [
    filterRuleCollection("aksfwnr", 100, "Allow", [
      netRule("spark-azure-files", "Spark: SMB to Azure Files", sources, ["Storage.WestEurope"], ["TCP"], ["445"]),
      netRule("sql-redirect", "Spark Hive metastore: Azure SQL redirect policy", sources, ["Sql.WestEurope"], ["TCP"], ["11000-11999"]),
    ]),
    filterRuleCollection("aksfwar", 200, "Allow", [
      appRule("hdinsight-on-aks-common", "HDInsight on AKS: images, setup, monitoring", sources, https, {
        targetFqdns: HDI_COMMON_FQDNS.filter((f) => f !== "graph.microsoft.com"),
      }),
      appRule("adls-gen2", "Spark: ADLS Gen2 storage", sources, https, { targetFqdns: ["*.dfs.core.windows.net"] }),
      appRule("azure-sql", "Hive metastore on Azure SQL", sources, [{ protocolType: "Mssql", port: 1433 }], { targetFqdns: ["*.database.windows.net"] }),
    ]),
  ]);
  const rcgTemp = rcg(fwpWeuId, "rcg-temporary-exceptions", 400, [
    filterRuleCollection("temp-allow", 100, "Allow", [
      appRule("allow-http-any", "TEMP INC-88412: package mirrors for the Spark image rebuild", sources, [{ protocolType: "Http", port: 80 }], {
        targetFqdns: ["*"],
      }),
    ]),
  ]);
  policy(fwpWeuId, "0.016 MB", [rcgDlp, rcgHdi, rcgTemp], { firewallIds: [fwWeuId], basePolicyId: fwpWeuBaseId, dnsProxy: false });
}
