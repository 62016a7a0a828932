/**
 * Estate generator for the benchmark: N targets over S subscriptions in ARM's wire shapes, with
 * a shared hub firewall and policy, a share of private-ingress pools with their DNS zones,
 * loadBalancer pools, plain AKS clusters, and drift seeded at a known rate, so the benchmark
 * can also check that the findings are right at scale.
 *
 * Everything not seeded as drift is compliant under all checks (scanned without a baseline):
 * the expected failing findings are exactly the seeded ones.
 */
import { createHash } from "node:crypto";
import type { Estate, EstateResource } from "../src/emulator/estate.js";
import type { EmulatorFaults } from "../src/emulator/faults.js";
import { netId, publicIp, routeTable } from "../src/emulator/builders.js";

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
const NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7";

function hex(seed: string): string {
  return createHash("sha256").update(seed).digest("hex");
}
function guid(seed: string): string {
  const h = hex(seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
const rg = (sub: string, name: string) => `/subscriptions/${sub}/resourceGroups/${name}`;

/** The hub: firewall, its public IP and a policy that allows every required dependency. */
function hub(sub: string): EstateResource[] {
  const fwId = netId(sub, "rg-hub", "azureFirewalls", "fw-hub");
  const policyId = netId(sub, "rg-hub", "firewallPolicies", "fwp-hub");
  const pip = publicIp(sub, "rg-hub", "fw-hub-pip", `${fwId}/azureFirewallIpConfigurations/ipconfig1`);
  (pip.properties as Record<string, unknown>).ipAddress = FW_PUBLIC_IP;
  const src = ["10.0.0.0/8"];
  const app = (name: string, fqdns: string[], protocols = [{ protocolType: "Https", port: 443 }]) => ({
    ruleType: "ApplicationRule",
    name,
    sourceAddresses: src,
    protocols,
    targetFqdns: fqdns,
    fqdnTags: [],
  });
  const net = (name: string, protocols: string[], destinations: string[], ports: string[]) => ({
    ruleType: "NetworkRule",
    name,
    ipProtocols: protocols,
    sourceAddresses: src,
    destinationAddresses: destinations,
    destinationPorts: ports,
  });
  return [
    pip,
    {
      id: fwId,
      name: "fw-hub",
      type: "Microsoft.Network/azureFirewalls",
      location: REGION,
      properties: {
        provisioningState: "Succeeded",
        sku: { name: "AZFW_VNet", tier: "Standard" },
        firewallPolicy: { id: policyId },
        ipConfigurations: [
          {
            id: `${fwId}/azureFirewallIpConfigurations/ipconfig1`,
            name: "ipconfig1",
            properties: {
              privateIPAddress: FW_IP,
              subnet: { id: `${netId(sub, "rg-hub", "virtualNetworks", "vnet-hub")}/subnets/AzureFirewallSubnet` },
              publicIPAddress: { id: pip.id },
            },
          },
        ],
      },
    },
    {
      id: policyId,
      name: "fwp-hub",
      type: "Microsoft.Network/firewallPolicies",
      location: REGION,
      properties: {
        provisioningState: "Succeeded",
        sku: { tier: "Standard" },
        dnsSettings: { enableProxy: true },
        ruleCollectionGroups: [{ id: `${policyId}/ruleCollectionGroups/rcg-egress` }],
      },
    },
    {
      id: `${policyId}/ruleCollectionGroups/rcg-egress`,
      name: "rcg-egress",
      type: "Microsoft.Network/firewallPolicies/ruleCollectionGroups",
      properties: {
        provisioningState: "Succeeded",
        priority: 200,
        ruleCollections: [
          {
            ruleCollectionType: "FirewallPolicyFilterRuleCollection",
            name: "aksfwnr",
            priority: 100,
            action: { type: "Allow" },
            rules: [
              net("tunnel-udp", ["UDP"], ["AzureCloud.EastUS"], ["1194"]),
              net("tunnel-tcp", ["TCP"], ["AzureCloud.EastUS"], ["9000"]),
              net("azure-files", ["TCP"], ["Storage.EastUS"], ["445"]),
              net("sql-redirect", ["TCP"], ["Sql.EastUS"], ["11000-11999"]),
              net("azure-monitor", ["TCP"], ["AzureMonitor"], ["443"]),
            ],
          },
          {
            ruleCollectionType: "FirewallPolicyFilterRuleCollection",
            name: "aksfwar",
            priority: 200,
            action: { type: "Allow" },
            rules: [
              {
                ruleType: "ApplicationRule",
                name: "aks",
                sourceAddresses: src,
                protocols: [
                  { protocolType: "Https", port: 443 },
                  { protocolType: "Http", port: 80 },
                ],
                targetFqdns: [],
                fqdnTags: ["AzureKubernetesService"],
              },
              app("hdinsight", [
                "hiloprodrpacr00.azurecr.io",
                "*.blob.core.windows.net",
                "graph.microsoft.com",
                "*.servicebus.windows.net",
                "*.table.core.windows.net",
                "gcs.prod.monitoring.core.windows.net",
                "*.dfs.core.windows.net",
                `*.hcp.${REGION}.azmk8s.io`,
              ]),
              app("sql", ["*.database.windows.net"], [{ protocolType: "Mssql", port: 1433 }]),
            ],
          },
        ],
      },
    },
  ];
}

/** Generates an estate; deterministic for the same options. */
export function generateEstate(options: GenerateOptions): GeneratedEstate {
  const seed = options.seed ?? "egress-audit-bench";
  const driftRate = options.driftRate ?? 0.05;
  const privateShare = options.privateIngressShare ?? 0.2;
  const aksShare = options.aksShare ?? 0.15;
  const lbShare = options.loadBalancerShare ?? 0.15;
  const subs = Array.from({ length: options.subscriptions }, (_, i) => guid(`${seed}/sub/${i}`));
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
    const rtId = netId(sub, "rg-net", "routeTables", "rt-egress");
    const spokeSubnets: Array<Record<string, unknown>> = [];
    const lbSubnets: Array<Record<string, unknown>> = [];
    resources.push(
      routeTable(sub, "rg-net", "rt-egress", [
        { name: "default-to-firewall", prefix: "0.0.0.0/0", hop: "VirtualAppliance", ip: FW_IP },
        { name: "firewall-public-ip", prefix: `${FW_PUBLIC_IP}/32`, hop: "Internet" },
      ]),
    );

    for (let k = 0; k < n; k++) {
      const index = s * 100000 + k;
      const fraction = ((k * 7919) % 1000) / 1000; // spread kinds evenly, deterministically
      const kind = fraction < aksShare ? "aks" : fraction < aksShare + lbShare ? "lbPool" : "udrPool";
      const udr = kind !== "lbPool";
      const name = `${kind === "aks" ? "aks" : "pool"}-${s}-${k}`;
      const h = hex(`${seed}/${index}`);
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
        const driftRt = routeTable(sub, "rg-net", `rt-${name}`, [{ name: "default-to-internet", prefix: "0.0.0.0/0", hop: "Internet" }]);
        resources.push(driftRt);
        subnetRt = driftRt.id;
      }
      (udr ? spokeSubnets : lbSubnets).push({
        id: subnetId,
        name: `snet-${name}`,
        type: "Microsoft.Network/virtualNetworks/subnets",
        properties: { provisioningState: "Succeeded", addressPrefix: prefix, ...(subnetRt ? { routeTable: { id: subnetRt } } : {}) },
      });

      const hdiRg = `hdi-${h.slice(0, 32)}`;
      const mcName = kind === "aks" ? `MC_rg-aks_${name}_${REGION}` : `MC_${hdiRg}_${name}_${REGION}`;
      const mcId = rg(sub, mcName);
      const aksRg = kind === "aks" ? "rg-aks" : hdiRg;
      const aksId = `${rg(sub, aksRg)}/providers/Microsoft.ContainerService/managedClusters/${name}`;
      const principalId = guid(`${seed}/principal/${index}`);
      const outboundIpId = `${mcId}/providers/Microsoft.Network/publicIPAddresses/${guid(`${seed}/outbound/${index}`)}`;

      // The AKS agent-pool NSG AKS puts in every MC group (an MC group is never empty).
      resources.push({
        id: `${mcId}/providers/Microsoft.Network/networkSecurityGroups/aks-agentpool-${h.slice(0, 8)}-nsg`,
        name: `aks-agentpool-${h.slice(0, 8)}-nsg`,
        type: "Microsoft.Network/networkSecurityGroups",
        location: REGION,
        properties: { provisioningState: "Succeeded", securityRules: [] },
      });

      resources.push({
        id: aksId,
        name,
        type: "Microsoft.ContainerService/ManagedClusters",
        location: REGION,
        identity: { type: "SystemAssigned", principalId, tenantId: guid(`${seed}/tenant`) },
        properties: {
          provisioningState: "Succeeded",
          kubernetesVersion: "1.30.4",
          dnsPrefix: name,
          fqdn: `${name}-${h.slice(0, 8)}.hcp.${REGION}.azmk8s.io`,
          ...(udr ? { privateFQDN: `${name}-${h.slice(0, 8)}.${guid(`${seed}/pdns/${index}`)}.privatelink.${REGION}.azmk8s.io` } : {}),
          nodeResourceGroup: mcName,
          agentPoolProfiles: [{ name: "nodepool1", count: 3, vmSize: "Standard_D8ds_v5", mode: "System", vnetSubnetID: subnetId }],
          apiServerAccessProfile: { enablePrivateCluster: udr },
          networkProfile: {
            networkPlugin: "azure",
            outboundType: udr ? "userDefinedRouting" : "loadBalancer",
            loadBalancerSku: "standard",
            ...(udr ? {} : { loadBalancerProfile: { effectiveOutboundIPs: [{ id: outboundIpId }] } }),
          },
        },
      });

      if (!udr) {
        const lbId = `${mcId}/providers/Microsoft.Network/loadBalancers/kubernetes`;
        const feId = `${lbId}/frontendIPConfigurations/${guid(`${seed}/fe/${index}`)}`;
        resources.push(publicIp(sub, mcName, outboundIpId.split("/").pop()!, feId), {
          id: lbId,
          name: "kubernetes",
          type: "Microsoft.Network/loadBalancers",
          location: REGION,
          sku: { name: "Standard" },
          properties: {
            provisioningState: "Succeeded",
            frontendIPConfigurations: [{ id: feId, name: feId.split("/").pop(), properties: { publicIPAddress: { id: outboundIpId } } }],
            backendAddressPools: [{ id: `${lbId}/backendAddressPools/kubernetes`, name: "kubernetes" }],
            outboundRules: [
              {
                id: `${lbId}/outboundRules/aksOutboundRule`,
                name: "aksOutboundRule",
                properties: {
                  protocol: "All",
                  allocatedOutboundPorts: 0,
                  frontendIPConfigurations: [{ id: feId }],
                  backendAddressPool: { id: `${lbId}/backendAddressPools/kubernetes` },
                },
              },
            ],
          },
        });
      }

      if (udr && drift !== "missing-network-contributor") {
        const assignment = guid(`${seed}/ra/${index}`);
        resources.push({
          id: `${rg(sub, "rg-net")}/providers/Microsoft.Authorization/roleAssignments/${assignment}`,
          name: assignment,
          type: "Microsoft.Authorization/roleAssignments",
          properties: {
            roleDefinitionId: `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${NETWORK_CONTRIBUTOR}`,
            principalId,
            principalType: "ServicePrincipal",
            scope: rg(sub, "rg-net"),
          },
        });
      }

      if (drift === "stray-public-ip") resources.push(publicIp(sub, mcName, `stray-${name}`));

      if (kind !== "aks") {
        counts.pools += 1;
        const poolId = `${rg(sub, "rg-pools")}/providers/Microsoft.HDInsight/clusterpools/${name}`;
        resources.push({
          id: poolId,
          name,
          type: "Microsoft.HDInsight/clusterPools",
          location: REGION,
          properties: {
            provisioningState: "Succeeded",
            deploymentId: h.slice(0, 32),
            managedResourceGroupName: hdiRg,
            aksManagedResourceGroupName: mcName,
            clusterPoolProfile: { clusterPoolVersion: "1.2" },
            computeProfile: { vmSize: "Standard_D4a_v4", count: 3 },
            aksClusterProfile: { aksVersion: "1.30", aksClusterResourceId: aksId },
            networkProfile: { subnetId, outboundType: udr ? "userDefinedRouting" : "loadBalancer", enablePrivateApiServer: udr },
          },
        });
        const clusterName = privateIngress ? "spark1" : "trino1";
        const clusterId = `${poolId}/clusters/${clusterName}`;
        const webFqdn = `${clusterName}.${name}.${sub}.${REGION}.hdinsightaks.net`;
        const privateFqdn = `${clusterName}.privatelink.${name}.${sub}.${REGION}.hdinsightaks.net`;
        const plsId = `${mcId}/providers/Microsoft.Network/privateLinkServices/pls-${h.slice(0, 12)}`;
        resources.push({
          id: clusterId,
          name: clusterName,
          type: "Microsoft.HDInsight/clusterPools/clusters",
          location: REGION,
          properties: {
            provisioningState: "Succeeded",
            clusterType: privateIngress ? "Spark" : "Trino",
            clusterProfile: {
              clusterVersion: "1.2.0",
              ...(privateIngress ? { clusterAccessProfile: { enableInternalIngress: true, privateLinkServiceId: plsId } } : {}),
              connectivityProfile: { web: { fqdn: webFqdn, ...(privateIngress ? { privateFqdn } : {}) } },
            },
          },
        });
        if (privateIngress) {
          counts.privateIngressPools += 1;
          const ilbId = `${mcId}/providers/Microsoft.Network/loadBalancers/kubernetes-internal`;
          const ifeId = `${ilbId}/frontendIPConfigurations/a${h.slice(0, 31)}`;
          const ingressIp = `10.${16 + s}.${Math.floor(k / 4)}.${(k % 4) * 64 + 60}`;
          const zoneName = `privatelink.${name}.${sub}.${REGION}.hdinsightaks.net`;
          const zoneId = `${rg(sub, hdiRg)}/providers/Microsoft.Network/privateDnsZones/${zoneName}`;
          const recordIp = drift === "dns-wrong-address" ? `10.${16 + s}.255.250` : ingressIp;
          resources.push(
            {
              id: ilbId,
              name: "kubernetes-internal",
              type: "Microsoft.Network/loadBalancers",
              location: REGION,
              sku: { name: "Standard" },
              properties: {
                provisioningState: "Succeeded",
                frontendIPConfigurations: [
                  { id: ifeId, name: ifeId.split("/").pop(), properties: { privateIPAddress: ingressIp, privateIPAllocationMethod: "Static", subnet: { id: subnetId } } },
                ],
              },
            },
            {
              id: plsId,
              name: plsId.split("/").pop()!,
              type: "Microsoft.Network/privateLinkServices",
              location: REGION,
              properties: { provisioningState: "Succeeded", loadBalancerFrontendIpConfigurations: [{ id: ifeId }] },
            },
            { id: zoneId, name: zoneName, type: "Microsoft.Network/privateDnsZones", location: "global", properties: { provisioningState: "Succeeded" } },
            {
              id: `${zoneId}/A/${clusterName}`,
              name: clusterName,
              type: "Microsoft.Network/privateDnsZones/A",
              properties: { fqdn: `${clusterName}.${zoneName}.`, ttl: 10, aRecords: [{ ipv4Address: recordIp }], isAutoRegistered: false },
            },
            {
              id: `${zoneId}/virtualNetworkLinks/spoke`,
              name: "spoke",
              type: "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
              location: "global",
              properties: { virtualNetwork: { id: spokeId }, registrationEnabled: false, virtualNetworkLinkState: "Completed", provisioningState: "Succeeded" },
            },
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

    const vnet = (id: string, name: string, space: string, subnets: Array<Record<string, unknown>>): EstateResource => ({
      id,
      name,
      type: "Microsoft.Network/virtualNetworks",
      location: REGION,
      properties: { provisioningState: "Succeeded", addressSpace: { addressPrefixes: [space] }, subnets },
    });
    resources.push(vnet(spokeId, "vnet-spoke", `10.${16 + s}.0.0/16`, spokeSubnets));
    if (lbSubnets.length) resources.push(vnet(lbVnetId, "vnet-lb", `10.${128 + s}.0.0/16`, lbSubnets));
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
