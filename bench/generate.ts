/**
 * Estate generator for the benchmark: N targets over S subscriptions in ARM's wire shapes, with
 * a shared hub firewall and policy, a share of private-ingress pools with their DNS zones,
 * loadBalancer pools, plain AKS clusters (UDR through the hub, spokes of a Virtual WAN secured
 * hub, managed NAT gateway, network isolated), a scale set per node pool in every MC group, and
 * drift seeded at a known rate (node-public-IP pools among it), so the benchmark can also check
 * that the findings are right at scale.
 *
 * Everything not seeded as drift is compliant under all checks (scanned without a baseline):
 * the expected failing findings are exactly the seeded ones. The AKS clusters come in three add-on
 * configurations (none; Container insights with managed Prometheus; Azure Policy with the Key Vault
 * CSI driver), so the scan reads three dependency lists, one per configuration, whatever the size;
 * the hub policy allows every endpoint they list (the add-ons' by FQDN, NTP by a network-rule FQDN
 * under the policy's DNS proxy).
 *
 * The bodies come from the estate builders (src/emulator/builders/) in their lean style: what
 * the scanner reads, which keeps estates of 10,000+ targets small.
 */
import type { Estate, EstateResource } from "../src/emulator/estate.js";
import type { EmulatorFaults } from "../src/emulator/faults.js";
import {
  aksInternalLoadBalancer,
  aksPublicLoadBalancer,
  applicationRule,
  AZURE_POLICY_FQDNS,
  azureFirewall,
  azureMonitorFqdns,
  BUILTIN_ROLE,
  clusterPool,
  filterRuleCollection,
  firewallPolicy,
  HDI_COMMON_FQDNS,
  hdiCluster,
  KEY_VAULT_CSI_FQDNS,
  hdiClusterFqdns,
  LEAN,
  managedCluster,
  netId,
  networkRule,
  networkSecurityGroup,
  privateDnsZoneWith,
  privateLinkService,
  publicIp,
  rgId,
  roleAssignment,
  routeTable,
  ruleCollectionGroup,
  seededIds,
  subnet,
  virtualNetwork,
  type AddonProfileSpec,
  type AppRuleProtocol,
  type OutboundType,
  type SubnetBody,
} from "../src/emulator/builders/index.js";
import { HUB_FW_IP, managedNat, nodePublicIps, nodeScaleSet, securedHub } from "./generateShapes.js";

/** Options of {@link generateEstate}. */
export interface GenerateOptions {
  targets: number;
  subscriptions: number;
  /** Share of targets with one seeded drift (default 0.05). */
  driftRate?: number;
  /** Share of UDR pools with a private-ingress cluster and its DNS zone (default 0.2). */
  privateIngressShare?: number;
  /** Share of targets that are plain AKS clusters (default 0.15). */
  aksShare?: number;
  /** Share of targets that are loadBalancer pools (default 0.15). */
  loadBalancerShare?: number;
  /** Share of targets that are AKS clusters in a spoke of the Virtual WAN secured hub (default 0.05). */
  vwanShare?: number;
  /** Share of targets that are managed NAT gateway (StandardV2) AKS clusters (default 0.05). */
  natShare?: number;
  /** Share of targets that are network-isolated AKS clusters (outboundType none, private subnet; default 0.03). */
  isolatedShare?: number;
  pageSize?: number;
  faults?: EmulatorFaults;
  seed?: string;
}

/** A seeded drift and the failing findings it must produce. */
export interface SeededDrift {
  target: string;
  /** `node-public-ip`: a node pool with `enableNodePublicIP`, its prefix and instance-level public IPs (UDR: none is explained). */
  kind: "stray-public-ip" | "route-to-internet" | "missing-network-contributor" | "dns-wrong-address" | "node-public-ip";
  /** `checkId|resourceId` (lower-cased) of every failing finding it causes. */
  failing: string[];
  /** `checkId|resourceId` of the findings it makes undecidable (a firewall check on a subnet whose egress reaches no firewall). */
  unknown: string[];
}

/** The generated estate and what a correct scan must report. */
export interface GeneratedEstate {
  estate: Estate;
  seeded: SeededDrift[];
  counts: {
    targets: number;
    pools: number;
    aksClusters: number;
    privateIngressPools: number;
    vwanSpokes: number;
    natClusters: number;
    isolatedClusters: number;
    nodePublicIpPools: number;
    resources: number;
  };
}

const REGION = "eastus";
const FW_PUBLIC_IP = "20.30.40.50";
/** The address of every other public IP (nothing judges it). */
const ANY_PUBLIC_IP = "20.1.2.3";
/** Ids and GUIDs: SHA-256 of the seed string itself. */
const ids = seededIds({ guidVariant: "fixed" });

/** What a target is: a UDR cluster or pool behind the hub, a loadBalancer pool, or one of the AKS egress designs of 2026. */
type TargetKind = "aks" | "lbPool" | "udrPool" | "vwanAks" | "natAks" | "isolatedAks";

/**
 * The add-on configurations of the AKS clusters (by target index): none; Container insights
 * (`omsagent`) with managed Prometheus; Azure Policy with the Key Vault Secrets Store CSI driver.
 */
const ADDON_MIX: ReadonlyArray<{ addons?: Record<string, AddonProfileSpec>; azureMonitorMetrics?: boolean }> = [
  {},
  { addons: { omsagent: { enabled: true, config: { logAnalyticsWorkspaceResourceID: "/subscriptions/bench/resourceGroups/rg-monitor/providers/Microsoft.OperationalInsights/workspaces/law-bench" } } }, azureMonitorMetrics: true },
  { addons: { azurepolicy: { enabled: true }, azureKeyvaultSecretsProvider: { enabled: true, config: { enableSecretRotation: "false" } } } },
];

/** The hub: firewall, its public IP and a policy that allows every required dependency. */
function hub(sub: string): EstateResource[] {
  const fwId = netId(sub, "rg-hub", "azureFirewalls", "fw-hub");
  const policyId = netId(sub, "rg-hub", "firewallPolicies", "fwp-hub");
  const rcgId = `${policyId}/ruleCollectionGroups/rcg-egress`;
  const pip = publicIp(LEAN, {
    sub,
    rg: "rg-hub",
    name: "fw-hub-pip",
    location: REGION,
    ipAddress: FW_PUBLIC_IP,
    ipConfigurationId: `${fwId}/azureFirewallIpConfigurations/ipconfig1`,
  });
  const src = ["10.0.0.0/8"];
  const https: AppRuleProtocol[] = [{ protocolType: "Https", port: 443 }];
  const app = (name: string, targetFqdns: string[], protocols = https) => applicationRule(LEAN, { name, sourceAddresses: src, protocols, targetFqdns });
  const net = (name: string, ipProtocols: string[], destinationAddresses: string[], destinationPorts: string[], destinationFqdns?: string[]) =>
    networkRule(LEAN, { name, ipProtocols, sourceAddresses: src, destinationAddresses, destinationPorts, ...(destinationFqdns ? { destinationFqdns } : {}) });
  return [
    pip,
    azureFirewall(LEAN, {
      sub,
      rg: "rg-hub",
      name: "fw-hub",
      location: REGION,
      privateIp: HUB_FW_IP,
      subnetId: `${netId(sub, "rg-hub", "virtualNetworks", "vnet-hub")}/subnets/AzureFirewallSubnet`,
      publicIpId: pip.id,
      policyId,
    }),
    // DNS proxy on: the NTP rule below names its destination by FQDN.
    firewallPolicy(LEAN, { sub, rg: "rg-hub", name: "fwp-hub", location: REGION, ruleCollectionGroupIds: [rcgId], dnsProxy: true }),
    ruleCollectionGroup(LEAN, {
      policyId,
      name: "rcg-egress",
      priority: 200,
      ruleCollections: [
        filterRuleCollection("aksfwnr", 100, "Allow", [
          net("tunnel-udp", ["UDP"], ["AzureCloud.EastUS"], ["1194"]),
          net("tunnel-tcp", ["TCP"], ["AzureCloud.EastUS"], ["9000"]),
          net("azure-files", ["TCP"], ["Storage.EastUS"], ["445"]),
          net("sql-redirect", ["TCP"], ["Sql.EastUS"], ["11000-11999"]),
          net("azure-monitor", ["TCP"], ["AzureMonitor"], ["443"]),
          net("ntp", ["UDP"], [], ["123"], ["ntp.ubuntu.com"]),
        ]),
        filterRuleCollection("aksfwar", 200, "Allow", [
          applicationRule(LEAN, {
            name: "aks",
            sourceAddresses: src,
            protocols: [
              { protocolType: "Https", port: 443 },
              { protocolType: "Http", port: 80 },
            ],
            fqdnTags: ["AzureKubernetesService"],
          }),
          app("hdinsight", [
            ...HDI_COMMON_FQDNS,
            "*.dfs.core.windows.net",
            `*.hcp.${REGION}.azmk8s.io`,
          ]),
          app("sql", ["*.database.windows.net"], [{ protocolType: "Mssql", port: 1433 }]),
          // The add-on endpoints the FQDN tag is not credited with (see the ADDON_MIX clusters).
          app("aks-addons", [...azureMonitorFqdns(REGION, true), ...AZURE_POLICY_FQDNS, ...KEY_VAULT_CSI_FQDNS]),
        ]),
      ],
    }),
  ];
}

/** Generates an estate; deterministic for the same options. */
export function generateEstate(options: GenerateOptions): GeneratedEstate {
  const seed = options.seed ?? "egress-audit-bench";
  const outboundIpNameOf = (index: number) => ids.guid(`${seed}/outbound/${index}`);
  const driftRate = options.driftRate ?? 0.05;
  const privateShare = options.privateIngressShare ?? 0.2;
  const aksShare = options.aksShare ?? 0.15;
  const lbShare = options.loadBalancerShare ?? 0.15;
  const vwanShare = options.vwanShare ?? 0.05;
  const natShare = options.natShare ?? 0.05;
  const isolatedShare = options.isolatedShare ?? 0.03;
  // Kinds by a target's fraction: [aks | lbPool | vwanAks | natAks | isolatedAks | udrPool].
  const bounds: Array<[number, TargetKind]> = [];
  let edge = 0;
  for (const [share, kind] of [
    [aksShare, "aks"],
    [lbShare, "lbPool"],
    [vwanShare, "vwanAks"],
    [natShare, "natAks"],
    [isolatedShare, "isolatedAks"],
  ] as const) {
    edge += share;
    bounds.push([edge, kind]);
  }
  const kindOf = (fraction: number): TargetKind => bounds.find(([b]) => fraction < b)?.[1] ?? "udrPool";
  const subs = Array.from({ length: options.subscriptions }, (_, i) => ids.guid(`${seed}/sub/${i}`));
  const resources: EstateResource[] = [...hub(subs[0]!)];
  const seeded: SeededDrift[] = [];
  const counts = {
    targets: options.targets,
    pools: 0,
    aksClusters: 0,
    privateIngressPools: 0,
    vwanSpokes: 0,
    natClusters: 0,
    isolatedClusters: 0,
    nodePublicIpPools: 0,
    resources: 0,
  };
  const driftKinds: SeededDrift["kind"][] = ["stray-public-ip", "route-to-internet", "missing-network-contributor", "dns-wrong-address", "node-public-ip"];
  /** The Virtual WAN spoke VNets (one per subscription that has vWAN targets), attached to the hub at the end. */
  const vwanVnets: string[] = [];
  const driftEvery = driftRate > 0 ? Math.round(1 / driftRate) : Number.POSITIVE_INFINITY;
  let driftCursor = 0;

  const perSub = subs.map((_, s) => Math.floor(options.targets / subs.length) + (s < options.targets % subs.length ? 1 : 0));
  subs.forEach((sub, s) => {
    const n = perSub[s]!;
    const spokeId = netId(sub, "rg-net", "virtualNetworks", "vnet-spoke");
    const lbVnetId = netId(sub, "rg-net", "virtualNetworks", "vnet-lb");
    const vwanVnetId = netId(sub, "rg-net", "virtualNetworks", "vnet-vwan");
    const isolatedVnetId = netId(sub, "rg-net", "virtualNetworks", "vnet-isolated");
    const spokeSubnets: SubnetBody[] = [];
    const lbSubnets: SubnetBody[] = [];
    const vwanSubnets: SubnetBody[] = [];
    const isolatedSubnets: SubnetBody[] = [];
    const sharedRt = routeTable(LEAN, {
      sub,
      rg: "rg-net",
      name: "rt-egress",
      location: REGION,
      routes: [
        { name: "default-to-firewall", addressPrefix: "0.0.0.0/0", nextHopType: "VirtualAppliance", nextHopIpAddress: HUB_FW_IP },
        { name: "firewall-public-ip", addressPrefix: `${FW_PUBLIC_IP}/32`, nextHopType: "Internet" },
      ],
    });
    const rtId = sharedRt.id;
    resources.push(sharedRt);

    for (let k = 0; k < n; k++) {
      const index = s * 100000 + k;
      const fraction = ((k * 7919) % 1000) / 1000; // spread kinds evenly, deterministically
      const kind = kindOf(fraction);
      const isAks = kind !== "lbPool" && kind !== "udrPool";
      // Routed through the hub firewall by the shared route table (and where drift is seeded).
      const udr = kind === "aks" || kind === "udrPool";
      const firewalled = udr || kind === "vwanAks";
      const name = `${isAks ? "aks" : "pool"}-${s}-${k}`;
      const h = ids.hex(`${seed}/${index}`);
      const plan = {
        aks: { vnetId: spokeId, octet: 16 + s, list: spokeSubnets },
        udrPool: { vnetId: spokeId, octet: 16 + s, list: spokeSubnets },
        lbPool: { vnetId: lbVnetId, octet: 128 + s, list: lbSubnets },
        vwanAks: { vnetId: vwanVnetId, octet: 64 + s, list: vwanSubnets },
        isolatedAks: { vnetId: isolatedVnetId, octet: 96 + s, list: isolatedSubnets },
        natAks: undefined,
      }[kind];
      const prefix = `10.${plan?.octet ?? 0}.${Math.floor(k / 4)}.${(k % 4) * 64}/26`;
      const vnetId = plan?.vnetId ?? spokeId;
      const privateIngress = kind === "udrPool" && ((k * 104729) % 1000) / 1000 < privateShare;
      let drift: SeededDrift["kind"] | undefined;
      if (udr && index % driftEvery === driftEvery - 1) {
        drift = driftKinds[driftCursor++ % driftKinds.length];
        if (drift === "dns-wrong-address" && !privateIngress) drift = "stray-public-ip";
      }

      // Subnet (route table: the shared one, or the target's own drifted one; vWAN spokes and isolated
      // clusters have none and are private). A managed NAT gateway cluster has AKS's own VNet in its MC group.
      let subnetRt = udr ? rtId : undefined;
      if (drift === "route-to-internet") {
        const driftRt = routeTable(LEAN, {
          sub,
          rg: "rg-net",
          name: `rt-${name}`,
          location: REGION,
          routes: [{ name: "default-to-internet", addressPrefix: "0.0.0.0/0", nextHopType: "Internet" }],
        });
        resources.push(driftRt);
        subnetRt = driftRt.id;
      }
      const privateSubnet = kind === "vwanAks" || kind === "isolatedAks";
      plan?.list.push(
        subnet(LEAN, { vnetId, name: `snet-${name}`, addressPrefix: prefix, ...(subnetRt ? { routeTableId: subnetRt } : {}), ...(privateSubnet ? { defaultOutboundAccess: false } : {}) }),
      );

      const hdiRg = `hdi-${h.slice(0, 32)}`;
      const mcName = isAks ? `MC_rg-aks_${name}_${REGION}` : `MC_${hdiRg}_${name}_${REGION}`;
      const mcId = rgId(sub, mcName);
      const aksRg = isAks ? "rg-aks" : hdiRg;
      const subnetId = plan ? `${vnetId}/subnets/snet-${name}` : `${netId(sub, mcName, "virtualNetworks", `aks-vnet-${h.slice(0, 8)}`)}/subnets/aks-subnet`;
      const aksId = `${rgId(sub, aksRg)}/providers/Microsoft.ContainerService/managedClusters/${name}`;
      const principalId = ids.guid(`${seed}/principal/${index}`);
      const outboundIpName = outboundIpNameOf(index);
      const outboundIpId = netId(sub, mcName, "publicIPAddresses", outboundIpName);

      // The AKS agent-pool NSG AKS puts in every MC group (an MC group is never empty), on the NICs of the
      // node pool's scale set.
      const nsg = networkSecurityGroup(LEAN, { sub, rg: mcName, name: `aks-agentpool-${h.slice(0, 8)}-nsg`, location: REGION });
      resources.push(nsg, nodeScaleSet({ sub, mcRg: mcName, location: REGION, pool: "nodepool1", hash8: h.slice(0, 8), count: 3, subnetId, nsgId: nsg.id }));
      // A managed NAT gateway cluster: the gateway and its outbound IP in the MC group.
      const nat = kind === "natAks" ? managedNat({ sub, mcRg: mcName, location: REGION, ipName: outboundIpNameOf(index), address: ANY_PUBLIC_IP, subnetId }) : undefined;
      if (nat) resources.push(...nat.resources);
      // A node-public-IP pool (seeded drift): the prefix, the pool's scale set, its NICs and instance public IPs.
      const nodeIps =
        drift === "node-public-ip"
          ? nodePublicIps({ sub, mcRg: mcName, location: REGION, hash8: h.slice(0, 8), nodes: 2, subnetId, nsgId: nsg.id, address: (n) => `20.2.${s}.${(k % 63) * 4 + n}`,
              privateIp: (n) => `10.${plan?.octet ?? 0}.${Math.floor(k / 4)}.${(k % 4) * 64 + 40 + n}`,
            })
          : undefined;
      if (nodeIps) resources.push(...nodeIps.resources);

      resources.push(
        managedCluster(LEAN, {
          sub,
          rg: aksRg,
          name,
          id: aksId,
          location: REGION,
          dnsPrefix: name,
          fqdnHash: h.slice(0, 8),
          kubernetesVersion: "1.30.4",
          principalId,
          tenantId: ids.guid(`${seed}/tenant`),
          nodeResourceGroup: mcName,
          agentPools: [
            { name: "nodepool1", count: 3, vmSize: "Standard_D8ds_v5", mode: "System" },
            ...(nodeIps ? [{ name: "edge", count: 2, vmSize: "Standard_D8ds_v5", mode: "User" as const, enableNodePublicIP: true, nodePublicIPPrefixId: nodeIps.prefixId }] : []),
          ],
          ...(plan ? { subnetId } : {}),
          outboundType: { aks: "userDefinedRouting", udrPool: "userDefinedRouting", vwanAks: "userDefinedRouting", lbPool: "loadBalancer", natAks: "managedNATGateway", isolatedAks: "none" }[kind] as OutboundType,
          ...(kind === "lbPool" ? { effectiveOutboundIpIds: [outboundIpId] } : {}),
          ...(nat ? { natGateway: { sku: "StandardV2" as const, effectiveOutboundIpIds: [nat.publicIpId] } } : {}),
          ...(kind === "isolatedAks" ? { bootstrap: { artifactSource: "Cache" as const, containerRegistryId: `${rgId(sub, "rg-acr")}/providers/Microsoft.ContainerRegistry/registries/acrcache` } } : {}),
          privateCluster: firewalled || kind === "isolatedAks" ? { zoneGuid: ids.guid(`${seed}/pdns/${index}`) } : false,
          ...ADDON_MIX[index % ADDON_MIX.length],
        }),
      );

      if (kind === "lbPool") {
        const frontendName = ids.guid(`${seed}/fe/${index}`);
        const feId = `${netId(sub, mcName, "loadBalancers", "kubernetes")}/frontendIPConfigurations/${frontendName}`;
        resources.push(
          publicIp(LEAN, { sub, rg: mcName, name: outboundIpName, location: REGION, ipAddress: ANY_PUBLIC_IP, ipConfigurationId: feId }),
          aksPublicLoadBalancer(LEAN, {
            sub,
            rg: mcName,
            location: REGION,
            outbound: { frontendName, publicIpId: outboundIpId, backendPoolName: "kubernetes" },
          }),
        );
      }

      if (firewalled && drift !== "missing-network-contributor") {
        resources.push(
          roleAssignment(LEAN, { scope: rgId(sub, "rg-net"), name: ids.guid(`${seed}/ra/${index}`), role: BUILTIN_ROLE.networkContributor, principalId }),
        );
      }

      if (drift === "stray-public-ip") resources.push(publicIp(LEAN, { sub, rg: mcName, name: `stray-${name}`, location: REGION, ipAddress: ANY_PUBLIC_IP }));

      if (!isAks) {
        counts.pools += 1;
        const poolId = `${rgId(sub, "rg-pools")}/providers/Microsoft.HDInsight/clusterpools/${name}`;
        resources.push(
          clusterPool(LEAN, {
            sub,
            rg: "rg-pools",
            name,
            id: poolId,
            location: REGION,
            deploymentId: h.slice(0, 32),
            managedResourceGroupName: hdiRg,
            aksManagedResourceGroupName: mcName,
            clusterPoolVersion: "1.2",
            computeProfile: { vmSize: "Standard_D4a_v4", count: 3 },
            aksVersion: "1.30",
            aksClusterResourceId: aksId,
            networkProfile: { subnetId, outboundType: udr ? "userDefinedRouting" : "loadBalancer", enablePrivateApiServer: udr },
          }),
        );
        const clusterName = privateIngress ? "spark1" : "trino1";
        const clusterId = `${poolId}/clusters/${clusterName}`;
        const plsName = `pls-${h.slice(0, 12)}`;
        resources.push(
          hdiCluster(LEAN, {
            poolId,
            name: clusterName,
            location: REGION,
            clusterType: privateIngress ? "Spark" : "Trino",
            clusterVersion: "1.2.0",
            endpoints: hdiClusterFqdns({ cluster: clusterName, pool: name, sub, location: REGION, ...(privateIngress ? { privateForm: "privatelink" as const } : {}) }),
            ...(privateIngress ? { privateLinkServiceId: netId(sub, mcName, "privateLinkServices", plsName) } : {}),
          }),
        );
        if (privateIngress) {
          counts.privateIngressPools += 1;
          const frontendName = `a${h.slice(0, 31)}`;
          const ingressIp = `10.${16 + s}.${Math.floor(k / 4)}.${(k % 4) * 64 + 60}`;
          const recordIp = drift === "dns-wrong-address" ? `10.${16 + s}.255.250` : ingressIp;
          const ilb = aksInternalLoadBalancer(LEAN, { sub, rg: mcName, location: REGION, subnetId, services: [{ frontendName, privateIp: ingressIp }] });
          resources.push(
            ilb,
            privateLinkService(LEAN, { sub, rg: mcName, name: plsName, location: REGION, frontendId: `${ilb.id}/frontendIPConfigurations/${frontendName}` }),
            ...privateDnsZoneWith(LEAN, {
              sub,
              rg: hdiRg,
              zoneName: `privatelink.${name}.${sub}.${REGION}.hdinsightaks.net`,
              records: [{ name: clusterName, addresses: [recordIp] }],
              links: [{ name: "spoke", vnetId: spokeId }],
            }).resources,
          );
          if (drift === "dns-wrong-address") seeded.push({ target: name, kind: drift, failing: [`private-dns-a-record|${clusterId}`.toLowerCase()], unknown: [] });
        }
      } else {
        counts.aksClusters += 1;
        if (kind === "vwanAks") counts.vwanSpokes += 1;
        if (kind === "natAks") counts.natClusters += 1;
        if (kind === "isolatedAks") counts.isolatedClusters += 1;
      }

      if (drift === "stray-public-ip") {
        seeded.push({ target: name, kind: drift, failing: [`mc-group-public-ip|${mcId}/providers/Microsoft.Network/publicIPAddresses/stray-${name}`.toLowerCase()], unknown: [] });
      } else if (drift === "route-to-internet") {
        seeded.push({
          target: name,
          kind: drift,
          failing: [`subnet-default-route|${subnetId}`.toLowerCase(), `default-route-firewall|${subnetId}`.toLowerCase()],
          // With egress going straight to Internet there is no firewall whose rules could be judged.
          unknown: ["firewall-required-egress", "firewall-dns-proxy", "firewall-overbroad-allow"].map((checkId) => `${checkId}|${subnetId}`.toLowerCase()),
        });
      } else if (drift === "node-public-ip" && nodeIps) {
        counts.nodePublicIpPools += 1;
        // Node public IPs are never explained in UDR: the prefix and every instance-level public IP fail.
        seeded.push({
          target: name,
          kind: drift,
          failing: [nodeIps.prefixId, ...nodeIps.instancePublicIpIds].map((id) => `mc-group-public-ip|${id}`.toLowerCase()),
          unknown: [],
        });
      } else if (drift === "missing-network-contributor") {
        seeded.push({
          target: name,
          kind: drift,
          failing: [`udr-network-contributor|${spokeId}`.toLowerCase(), `udr-network-contributor|${rtId}`.toLowerCase()],
          unknown: [],
        });
      }
    }

    const vnet = (name: string, space: string, subnets: SubnetBody[]) =>
      virtualNetwork(LEAN, { sub, rg: "rg-net", name, location: REGION, addressPrefixes: [space], subnets });
    resources.push(vnet("vnet-spoke", `10.${16 + s}.0.0/16`, spokeSubnets));
    if (lbSubnets.length) resources.push(vnet("vnet-lb", `10.${128 + s}.0.0/16`, lbSubnets));
    if (vwanSubnets.length) {
      resources.push(vnet("vnet-vwan", `10.${64 + s}.0.0/16`, vwanSubnets));
      vwanVnets.push(vwanVnetId);
    }
    if (isolatedSubnets.length) resources.push(vnet("vnet-isolated", `10.${96 + s}.0.0/16`, isolatedSubnets));
  });
  // The Virtual WAN secured hub (subscription 0), its firewall run by the hub policy, one connection per spoke VNet.
  if (vwanVnets.length) resources.push(...securedHub({ sub: subs[0]!, location: REGION, policyId: netId(subs[0]!, "rg-hub", "firewallPolicies", "fwp-hub"), spokeVnetIds: vwanVnets }));

  counts.resources = resources.length;
  return {
    estate: {
      schemaVersion: 1,
      description: `Generated: ${options.targets} targets over ${options.subscriptions} subscriptions (seed ${seed}).`,
      subscriptions: subs.map((id, i) => ({ subscriptionId: id, displayName: `bench-${i}`, state: "Enabled" })),
      resources,
      options: { pageSize: options.pageSize ?? 100, ...(options.faults ? { faults: options.faults } : {}) },
    },
    seeded,
    counts,
  };
}
