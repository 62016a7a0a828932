/**
 * Estate generator for the benchmark: N targets over S subscriptions in ARM's wire shapes, with
 * a shared hub firewall and policy, a share of private-ingress pools with their DNS zones,
 * loadBalancer pools, plain AKS clusters, and drift seeded at a known rate, so the benchmark
 * can also check that the findings are right at scale.
 *
 * Everything not seeded as drift is compliant under all checks (scanned without a baseline):
 * the expected failing findings are exactly the seeded ones.
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
  azureFirewall,
  BUILTIN_ROLE,
  clusterPool,
  filterRuleCollection,
  firewallPolicy,
  HDI_COMMON_FQDNS,
  hdiCluster,
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
  type AppRuleProtocol,
  type SubnetBody,
} from "../src/emulator/builders/index.js";

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
  pageSize?: number;
  faults?: EmulatorFaults;
  seed?: string;
}

/** A seeded drift and the failing findings it must produce. */
export interface SeededDrift {
  target: string;
  kind: "stray-public-ip" | "route-to-internet" | "missing-network-contributor" | "dns-wrong-address";
  /** `checkId|resourceId` (lower-cased) of every failing finding it causes. */
  failing: string[];
  /** `checkId|resourceId` of the findings it makes undecidable (a firewall check on a subnet whose egress reaches no firewall). */
  unknown: string[];
}

/** The generated estate and what a correct scan must report. */
export interface GeneratedEstate {
  estate: Estate;
  seeded: SeededDrift[];
  counts: { targets: number; pools: number; aksClusters: number; privateIngressPools: number; resources: number };
}

const REGION = "eastus";
const FW_IP = "10.0.1.4";
const FW_PUBLIC_IP = "20.30.40.50";
/** The address of every other public IP (nothing judges it). */
const ANY_PUBLIC_IP = "20.1.2.3";
/** Ids and GUIDs: SHA-256 of the seed string itself. */
const ids = seededIds({ guidVariant: "fixed" });

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
  const net = (name: string, ipProtocols: string[], destinationAddresses: string[], destinationPorts: string[]) =>
    networkRule(LEAN, { name, ipProtocols, sourceAddresses: src, destinationAddresses, destinationPorts });
  return [
    pip,
    azureFirewall(LEAN, {
      sub,
      rg: "rg-hub",
      name: "fw-hub",
      location: REGION,
      privateIp: FW_IP,
      subnetId: `${netId(sub, "rg-hub", "virtualNetworks", "vnet-hub")}/subnets/AzureFirewallSubnet`,
      publicIpId: pip.id,
      policyId,
    }),
    firewallPolicy(LEAN, { sub, rg: "rg-hub", name: "fwp-hub", location: REGION, ruleCollectionGroupIds: [rcgId] }),
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
        ]),
      ],
    }),
  ];
}

/** Generates an estate; deterministic for the same options. */
export function generateEstate(options: GenerateOptions): GeneratedEstate {
  const seed = options.seed ?? "egress-audit-bench";
  const driftRate = options.driftRate ?? 0.05;
  const privateShare = options.privateIngressShare ?? 0.2;
  const aksShare = options.aksShare ?? 0.15;
  const lbShare = options.loadBalancerShare ?? 0.15;
  const subs = Array.from({ length: options.subscriptions }, (_, i) => ids.guid(`${seed}/sub/${i}`));
  const resources: EstateResource[] = [...hub(subs[0]!)];
  const seeded: SeededDrift[] = [];
  const counts = { targets: options.targets, pools: 0, aksClusters: 0, privateIngressPools: 0, resources: 0 };
  const driftKinds: SeededDrift["kind"][] = ["stray-public-ip", "route-to-internet", "missing-network-contributor", "dns-wrong-address"];
  const driftEvery = driftRate > 0 ? Math.round(1 / driftRate) : Number.POSITIVE_INFINITY;
  let driftCursor = 0;

  const perSub = subs.map((_, s) => Math.floor(options.targets / subs.length) + (s < options.targets % subs.length ? 1 : 0));
  subs.forEach((sub, s) => {
    const n = perSub[s]!;
    const spokeId = netId(sub, "rg-net", "virtualNetworks", "vnet-spoke");
    const lbVnetId = netId(sub, "rg-net", "virtualNetworks", "vnet-lb");
    const spokeSubnets: SubnetBody[] = [];
    const lbSubnets: SubnetBody[] = [];
    const sharedRt = routeTable(LEAN, {
      sub,
      rg: "rg-net",
      name: "rt-egress",
      location: REGION,
      routes: [
        { name: "default-to-firewall", addressPrefix: "0.0.0.0/0", nextHopType: "VirtualAppliance", nextHopIpAddress: FW_IP },
        { name: "firewall-public-ip", addressPrefix: `${FW_PUBLIC_IP}/32`, nextHopType: "Internet" },
      ],
    });
    const rtId = sharedRt.id;
    resources.push(sharedRt);

    for (let k = 0; k < n; k++) {
      const index = s * 100000 + k;
      const fraction = ((k * 7919) % 1000) / 1000; // spread kinds evenly, deterministically
      const kind = fraction < aksShare ? "aks" : fraction < aksShare + lbShare ? "lbPool" : "udrPool";
      const udr = kind !== "lbPool";
      const name = `${kind === "aks" ? "aks" : "pool"}-${s}-${k}`;
      const h = ids.hex(`${seed}/${index}`);
      const prefix = udr
        ? `10.${16 + s}.${Math.floor(k / 4)}.${(k % 4) * 64}/26`
        : `10.${128 + s}.${Math.floor(k / 4)}.${(k % 4) * 64}/26`;
      const vnetId = udr ? spokeId : lbVnetId;
      const subnetId = `${vnetId}/subnets/snet-${name}`;
      const privateIngress = kind === "udrPool" && ((k * 104729) % 1000) / 1000 < privateShare;
      let drift: SeededDrift["kind"] | undefined;
      if (udr && index % driftEvery === driftEvery - 1) {
        drift = driftKinds[driftCursor++ % driftKinds.length];
        if (drift === "dns-wrong-address" && !privateIngress) drift = "stray-public-ip";
      }

      // Subnet (route table: the shared one, or the target's own drifted one).
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
      (udr ? spokeSubnets : lbSubnets).push(subnet(LEAN, { vnetId, name: `snet-${name}`, addressPrefix: prefix, ...(subnetRt ? { routeTableId: subnetRt } : {}) }));

      const hdiRg = `hdi-${h.slice(0, 32)}`;
      const mcName = kind === "aks" ? `MC_rg-aks_${name}_${REGION}` : `MC_${hdiRg}_${name}_${REGION}`;
      const mcId = rgId(sub, mcName);
      const aksRg = kind === "aks" ? "rg-aks" : hdiRg;
      const aksId = `${rgId(sub, aksRg)}/providers/Microsoft.ContainerService/managedClusters/${name}`;
      const principalId = ids.guid(`${seed}/principal/${index}`);
      const outboundIpName = ids.guid(`${seed}/outbound/${index}`);
      const outboundIpId = netId(sub, mcName, "publicIPAddresses", outboundIpName);

      // The AKS agent-pool NSG AKS puts in every MC group (an MC group is never empty).
      resources.push(networkSecurityGroup(LEAN, { sub, rg: mcName, name: `aks-agentpool-${h.slice(0, 8)}-nsg`, location: REGION }));

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
          agentPools: [{ name: "nodepool1", count: 3, vmSize: "Standard_D8ds_v5", mode: "System" }],
          subnetId,
          outboundType: udr ? "userDefinedRouting" : "loadBalancer",
          ...(udr ? {} : { effectiveOutboundIpIds: [outboundIpId] }),
          privateCluster: udr ? { zoneGuid: ids.guid(`${seed}/pdns/${index}`) } : false,
        }),
      );

      if (!udr) {
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

      if (udr && drift !== "missing-network-contributor") {
        resources.push(
          roleAssignment(LEAN, { scope: rgId(sub, "rg-net"), name: ids.guid(`${seed}/ra/${index}`), role: BUILTIN_ROLE.networkContributor, principalId }),
        );
      }

      if (drift === "stray-public-ip") resources.push(publicIp(LEAN, { sub, rg: mcName, name: `stray-${name}`, location: REGION, ipAddress: ANY_PUBLIC_IP }));

      if (kind !== "aks") {
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
      }

      if (drift === "stray-public-ip") {
        seeded.push({ target: name, kind: drift, failing: [`mc-group-public-ip|${mcId}/providers/Microsoft.Network/publicIPAddresses/stray-${name}`.toLowerCase()], unknown: [] });
      } else if (drift === "route-to-internet") {
        seeded.push({
          target: name,
          kind: drift,
          failing: [`subnet-default-route|${subnetId}`.toLowerCase(), `default-route-firewall|${subnetId}`.toLowerCase()],
          // With egress going straight to Internet there is no firewall whose rules could be judged.
          unknown: [`firewall-required-egress|${subnetId}`.toLowerCase(), `firewall-overbroad-allow|${subnetId}`.toLowerCase()],
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
  });

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
