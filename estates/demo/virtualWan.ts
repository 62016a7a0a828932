/**
 * The Virtual WAN of subscription C (rg-vwan, eastus2) and the partner hub of subscription D.
 *
 * vhub-eastus2 is a secured hub: its Azure Firewall fw-vhub-eastus2 (AZFW_Hub, hub address
 * 10.100.0.132) is run by fwp-vhub-eastus2, and its routing intent sends Internet and private
 * traffic to it; the default route table carries the routes routing intent writes. aks-orders and
 * aks-catalog are its spokes, each through a hub virtual network connection.
 *
 * The partner hub (rg-connectivity in subscription D) is peered with vnet-partners: a hub VNet
 * with a healthy firewall at 10.50.1.4. The scanner's identity cannot read subscription D.
 */
import {
  applicationRule,
  azureFirewall,
  filterRuleCollection,
  firewallPolicy,
  hubFirewall,
  hubRouteTable,
  hubVirtualNetworkConnection,
  lastSegment,
  netId,
  networkRule,
  publicIp,
  routingIntent,
  ruleCollectionGroup,
  subnet,
  virtualHub,
  virtualNetwork,
  virtualNetworkPeering,
  type AppRuleProtocol,
} from "../../src/emulator/builders/index.js";
import type { Spoke } from "./layout.js";
import {
  add,
  EAST,
  EAST2,
  networkTagsC,
  PARTNER_FW_PRIVATE_IP,
  PARTNER_HUB_PREFIX,
  PARTNER_HUB_RG,
  partnerHubVnetId,
  style,
  SUB_C,
  SUB_D,
  VHUB_FW_PRIVATE_IP,
  VHUB_FW_PUBLIC_IP,
  VHUB_PREFIX,
  vhubFwId,
  vhubFwPolicyId,
  vhubId,
  virtualWanId,
  VWAN_RG,
} from "./world.js";

const httpAndHttps: AppRuleProtocol[] = [
  { protocolType: "Http", port: 80 },
  { protocolType: "Https", port: 443 },
];

/** AKS egress for the given spoke subnets (private API servers: no API server FQDN rule needed). */
function aksRuleCollections(region: string, sources: string[]): Record<string, unknown>[] {
  const net = (name: string, protocol: string, port: string) =>
    networkRule(style, {
      name,
      description: "AKS node to control plane tunnel",
      ipProtocols: [protocol],
      sourceAddresses: sources,
      destinationAddresses: [`AzureCloud.${region}`],
      destinationPorts: [port],
    });
  // Node time sync (the time-sync category of the clusters' dependency lists): by FQDN, under the policy's DNS proxy.
  const ntp = networkRule(style, {
    name: "ntp",
    description: "Node time sync (AKS time-sync)",
    ipProtocols: ["UDP"],
    sourceAddresses: sources,
    destinationFqdns: ["ntp.ubuntu.com"],
    destinationPorts: ["123"],
  });
  return [
    filterRuleCollection("aks-network", 100, "Allow", [net("aks-tunnel-udp-1194", "UDP", "1194"), net("aks-tunnel-tcp-9000", "TCP", "9000"), ntp]),
    filterRuleCollection("aks-application", 200, "Allow", [
      applicationRule(style, { name: "aks-fqdn-tag", description: "AKS base requirements", protocols: httpAndHttps, sourceAddresses: sources, fqdnTags: ["AzureKubernetesService"] }),
    ]),
  ];
}

/**
 * The secured hub vhub-eastus2: `secured` is the spoke attached with enableInternetSecurity,
 * `unsecured` the one whose connection lost it. Both are the rules' sources (the rules were
 * written for both spokes; only one spoke's traffic arrives).
 */
export function buildVirtualWan(p: { secured: Spoke; unsecured: Spoke }): void {
  const rcgId = add(
    ruleCollectionGroup(style, {
      policyId: vhubFwPolicyId,
      name: "rcg-aks-egress",
      priority: 200,
      ruleCollections: aksRuleCollections("EastUS2", [p.secured.subnetPrefix, p.unsecured.subnetPrefix]),
    }),
  ).id;
  add(
    firewallPolicy(style, {
      sub: SUB_C,
      rg: VWAN_RG,
      name: lastSegment(vhubFwPolicyId),
      location: EAST2,
      size: "0.006 MB",
      ruleCollectionGroupIds: [rcgId],
      firewallIds: [vhubFwId],
      tags: networkTagsC,
    }),
  );
  add(
    virtualHub(style, {
      sub: SUB_C,
      rg: VWAN_RG,
      name: lastSegment(vhubId),
      location: EAST2,
      addressPrefix: VHUB_PREFIX,
      virtualWanId,
      virtualRouterIps: ["10.100.0.68", "10.100.0.69"],
      tags: networkTagsC,
    }),
  );
  add(
    hubFirewall(style, {
      sub: SUB_C,
      rg: VWAN_RG,
      name: lastSegment(vhubFwId),
      location: EAST2,
      hubId: vhubId,
      privateIp: VHUB_FW_PRIVATE_IP,
      publicIpAddresses: [VHUB_FW_PUBLIC_IP],
      policyId: vhubFwPolicyId,
      tags: networkTagsC,
    }),
  );
  // Routing intent: Internet and private traffic to the hub firewall.
  add(
    routingIntent(style, {
      hubId: vhubId,
      name: "hubRoutingIntent",
      policies: [
        { name: "InternetTraffic", destinations: ["Internet"], nextHop: vhubFwId },
        { name: "PrivateTrafficPolicy", destinations: ["PrivateTraffic"], nextHop: vhubFwId },
      ],
    }),
  );
  const connection = (spoke: Spoke) => `${vhubId}/hubVirtualNetworkConnections/conn-${lastSegment(spoke.vnetId)}`;
  const connections = [connection(p.secured), connection(p.unsecured)];
  const defaultTable = `${vhubId}/hubRouteTables/defaultRouteTable`;
  const noneTable = `${vhubId}/hubRouteTables/noneRouteTable`;
  // The routes routing intent writes into the default route table; every connection is associated with it
  // and, with a private traffic policy, propagates to the none table.
  add(
    hubRouteTable(style, {
      hubId: vhubId,
      name: "defaultRouteTable",
      labels: ["default"],
      routes: [
        { name: "_policy_PublicTraffic", destinations: ["0.0.0.0/0"], nextHop: vhubFwId },
        { name: "_policy_PrivateTraffic", destinations: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"], nextHop: vhubFwId },
      ],
      associatedConnectionIds: connections,
      propagatingConnectionIds: [],
    }),
  );
  add(hubRouteTable(style, { hubId: vhubId, name: "noneRouteTable", labels: ["none"], routes: [], associatedConnectionIds: [], propagatingConnectionIds: connections }));
  for (const [spoke, secured] of [
    [p.secured, true],
    [p.unsecured, false],
  ] as const) {
    add(
      hubVirtualNetworkConnection(style, {
        hubId: vhubId,
        name: lastSegment(connection(spoke)),
        remoteVnetId: spoke.vnetId,
        enableInternetSecurity: secured,
        associatedRouteTableId: defaultTable,
        propagatedRouteTableIds: [noneTable],
        propagatedLabels: ["none"],
      }),
    );
  }
}

/** The partner hub of subscription D: hub VNet peered with `spoke`, a healthy firewall at 10.50.1.4, its policy. */
export function buildPartnerHub(p: { spoke: Spoke }): void {
  const rg = PARTNER_HUB_RG;
  const fwId = netId(SUB_D, rg, "azureFirewalls", "fw-partners");
  const policyId = netId(SUB_D, rg, "firewallPolicies", "fwp-partners");
  const pip = add(publicIp(style, { sub: SUB_D, rg, name: "fw-partners-pip", location: EAST, ipAddress: "52.170.33.140", ipConfigurationId: `${fwId}/azureFirewallIpConfigurations/ipconfig1` }));
  add(
    virtualNetwork(style, {
      sub: SUB_D,
      rg,
      name: lastSegment(partnerHubVnetId),
      location: EAST,
      addressPrefixes: [PARTNER_HUB_PREFIX],
      subnets: [subnet(style, { vnetId: partnerHubVnetId, name: "AzureFirewallSubnet", addressPrefix: "10.50.1.0/26" })],
      peerings: [virtualNetworkPeering(style, { vnetId: partnerHubVnetId, remoteVnetId: p.spoke.vnetId, remoteAddressPrefixes: [p.spoke.vnetPrefix], allowForwardedTraffic: false })],
    }),
  );
  add(
    azureFirewall(style, {
      sub: SUB_D,
      rg,
      name: "fw-partners",
      location: EAST,
      privateIp: PARTNER_FW_PRIVATE_IP,
      subnetId: `${partnerHubVnetId}/subnets/AzureFirewallSubnet`,
      publicIpId: pip.id,
      policyId,
    }),
  );
  const rcgId = add(ruleCollectionGroup(style, { policyId, name: "rcg-aks-egress", priority: 200, ruleCollections: aksRuleCollections("EastUS", [p.spoke.subnetPrefix]) })).id;
  add(firewallPolicy(style, { sub: SUB_D, rg, name: "fwp-partners", location: EAST, size: "0.006 MB", ruleCollectionGroupIds: [rcgId], firewallIds: [fwId] }));
}
