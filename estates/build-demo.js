#!/usr/bin/env node
/**
 * Builds estates/demo.json (the demo estate the emulator serves) and estates/demo.expected.json
 * (what a scan of it with no baseline must find: every failing and every unknown finding). The
 * committed artifacts are the JSON files; this script is how they were made: edit it, run
 * `node estates/build-demo.js`, commit the outputs.
 *
 * Every resource body copies the shape of Microsoft's ARM examples in
 * shared/reference/arm-examples/ (property names, nesting under `properties`, id formats, type
 * strings, etags). GUIDs, deployment ids, hashes and etags are derived from a fixed seed, so the
 * output is byte-for-byte stable across runs.
 *
 * What each target demonstrates: estates/README.md.
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { stdout } from "node:process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

// ---------------------------------------------------------------------------------------------
// Deterministic identifiers
// ---------------------------------------------------------------------------------------------

const hex = (seed) => createHash("sha256").update(`egress-audit-demo/${seed}`).digest("hex");
/** A v4-shaped GUID derived from a seed. */
const guid = (seed) => {
  const x = hex(seed);
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-4${x.slice(13, 16)}-${"89ab"[parseInt(x[16], 16) % 4]}${x.slice(17, 20)}-${x.slice(20, 32)}`;
};
/** Network RP etag: W/"<guid>". */
const netEtag = (seed) => `W/"${guid(`etag/${seed}`)}"`;
/** Private DNS etag: a bare guid. */
const dnsEtag = (seed) => guid(`dnsetag/${seed}`);
/** AKS eTag: a short opaque string. */
const aksEtag = (seed) => hex(`akstag/${seed}`).slice(0, 8);
/** 32 hex chars (HDInsight deploymentId, Kubernetes service uid without dashes). */
const hex32 = (seed) => hex(`hex32/${seed}`).slice(0, 32);
/** 8 hex chars (AKS fqdn hash). */
const hex8 = (seed) => hex(`hex8/${seed}`).slice(0, 8);
/** 8 decimal digits (AKS agent-pool NSG suffix). */
const digits8 = (seed) => String(parseInt(hex(`d8/${seed}`).slice(0, 8), 16) % 1e8).padStart(8, "0");

// ---------------------------------------------------------------------------------------------
// The world
// ---------------------------------------------------------------------------------------------

const TENANT = "4c7b2e91-3d8a-4f06-b5e2-8a1c9d0f6e37";
const SUB_A = "3f2a8c4e-7b1d-4e59-9c0a-2d6f1b8e4a73"; // Contoso Data Platform (prod)
const SUB_B = "b7e4c2a9-1f3d-4e8b-a6c5-92d0f7e3b1a4"; // Contoso Analytics (dev)

const ROLE = {
  networkContributor: "4d97b98b-1d4f-4787-a291-c67834d212e7",
  reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  managedIdentityOperator: "f1a07417-d97a-45cb-824c-7a7467783830",
};

const FW_PRIVATE_IP = "10.0.1.4";
const FW_PUBLIC_IP = "20.121.84.17";
const K8S_VERSION = "1.29.7";
const NODE_IMAGE = "AKSUbuntu-2204gen2containerd-202409.23.0";

const resources = [];
const add = (r) => {
  resources.push(r);
  return r;
};

const rgId = (sub, rg) => `/subscriptions/${sub}/resourceGroups/${rg}`;
const netId = (sub, rg, type, name) => `${rgId(sub, rg)}/providers/Microsoft.Network/${type}/${name}`;

const systemData = (createdAt, by = "platform-pipeline@contoso.com") => ({
  createdBy: by,
  createdByType: "User",
  createdAt,
  lastModifiedBy: by,
  lastModifiedByType: "User",
  lastModifiedAt: createdAt,
});

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------

/** The six default rules every NSG carries (NetworkSecurityGroupGet.json). */
function defaultSecurityRules(nsgId) {
  const rule = (name, description, source, destination, access, priority, direction) => ({
    name,
    id: `${nsgId}/defaultSecurityRules/${name}`,
    etag: netEtag(`${nsgId}/${name}`),
    type: "Microsoft.Network/networkSecurityGroups/defaultSecurityRules",
    properties: {
      provisioningState: "Succeeded",
      description,
      protocol: "*",
      sourcePortRange: "*",
      destinationPortRange: "*",
      sourceAddressPrefix: source,
      sourceAddressPrefixes: [],
      destinationAddressPrefix: destination,
      destinationAddressPrefixes: [],
      access,
      priority,
      direction,
    },
  });
  return [
    rule("AllowVnetInBound", "Allow inbound traffic from all VMs in VNET", "VirtualNetwork", "VirtualNetwork", "Allow", 65000, "Inbound"),
    rule("AllowAzureLoadBalancerInBound", "Allow inbound traffic from azure load balancer", "AzureLoadBalancer", "*", "Allow", 65001, "Inbound"),
    rule("DenyAllInBound", "Deny all inbound traffic", "*", "*", "Deny", 65500, "Inbound"),
    rule("AllowVnetOutBound", "Allow outbound traffic from all VMs to all VMs in VNET", "VirtualNetwork", "VirtualNetwork", "Allow", 65000, "Outbound"),
    rule("AllowInternetOutBound", "Allow outbound traffic from all VMs to Internet", "*", "Internet", "Allow", 65001, "Outbound"),
    rule("DenyAllOutBound", "Deny all outbound traffic", "*", "*", "Deny", 65500, "Outbound"),
  ];
}

/** A custom security rule. */
function securityRule(nsgId, name, p) {
  return {
    name,
    id: `${nsgId}/securityRules/${name}`,
    etag: netEtag(`${nsgId}/${name}`),
    type: "Microsoft.Network/networkSecurityGroups/securityRules",
    properties: {
      provisioningState: "Succeeded",
      ...(p.description ? { description: p.description } : {}),
      protocol: p.protocol ?? "Tcp",
      sourcePortRange: "*",
      ...(p.destinationPortRanges ? { destinationPortRanges: p.destinationPortRanges } : { destinationPortRange: p.destinationPortRange }),
      sourceAddressPrefix: p.source,
      destinationAddressPrefix: p.destination,
      access: p.access ?? "Allow",
      priority: p.priority,
      direction: p.direction ?? "Inbound",
    },
  };
}

function nsg({ sub, rg, name, location, rules = [], subnetIds = [], tags }) {
  const id = netId(sub, rg, "networkSecurityGroups", name);
  return add({
    name,
    id,
    etag: netEtag(id),
    type: "Microsoft.Network/networkSecurityGroups",
    location,
    ...(tags ? { tags } : {}),
    properties: {
      provisioningState: "Succeeded",
      resourceGuid: guid(`rguid/${id}`),
      securityRules: rules.map((r) => securityRule(id, r.name, r)),
      defaultSecurityRules: defaultSecurityRules(id),
      ...(subnetIds.length ? { subnets: subnetIds.map((s) => ({ id: s })) } : {}),
    },
  });
}

function routeTable({ sub, rg, name, location, routes, subnetIds, tags }) {
  const id = netId(sub, rg, "routeTables", name);
  return add({
    name,
    id,
    etag: netEtag(id),
    type: "Microsoft.Network/routeTables",
    location,
    ...(tags ? { tags } : {}),
    properties: {
      provisioningState: "Succeeded",
      resourceGuid: guid(`rguid/${id}`),
      disableBgpRoutePropagation: true,
      routes: routes.map((r) => ({
        name: r.name,
        id: `${id}/routes/${r.name}`,
        etag: netEtag(`${id}/${r.name}`),
        type: "Microsoft.Network/routeTables/routes",
        properties: {
          provisioningState: "Succeeded",
          addressPrefix: r.addressPrefix,
          nextHopType: r.nextHopType,
          ...(r.nextHopIpAddress ? { nextHopIpAddress: r.nextHopIpAddress } : {}),
          hasBgpOverride: false,
        },
      })),
      subnets: subnetIds.map((s) => ({ id: s })),
    },
  });
}

const routeToFirewall = { name: "default-to-fw-hub", addressPrefix: "0.0.0.0/0", nextHopType: "VirtualAppliance", nextHopIpAddress: FW_PRIVATE_IP };
const routeFwPublicIp = { name: "fw-hub-pip-to-internet", addressPrefix: `${FW_PUBLIC_IP}/32`, nextHopType: "Internet" };

function publicIp({ sub, rg, name, location, ipAddress, ipConfigurationId, tags, zones = ["1", "2", "3"], dnsLabel }) {
  const id = netId(sub, rg, "publicIPAddresses", name);
  return add({
    name,
    id,
    etag: netEtag(id),
    location,
    ...(tags ? { tags } : {}),
    zones,
    sku: { name: "Standard", tier: "Regional" },
    properties: {
      provisioningState: "Succeeded",
      resourceGuid: guid(`rguid/${id}`),
      ipAddress,
      publicIPAddressVersion: "IPv4",
      publicIPAllocationMethod: "Static",
      idleTimeoutInMinutes: 4,
      ...(dnsLabel ? { dnsSettings: { domainNameLabel: dnsLabel, fqdn: `${dnsLabel}.${location}.cloudapp.azure.com` } } : {}),
      ipTags: [],
      ...(ipConfigurationId ? { ipConfiguration: { id: ipConfigurationId } } : {}),
      ddosSettings: { protectionMode: "VirtualNetworkInherited" },
    },
    type: "Microsoft.Network/publicIPAddresses",
  });
}

function userAssignedIdentity({ sub, rg, name, location, seed }) {
  const id = `${rgId(sub, rg)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`;
  const identity = {
    id,
    name,
    type: "Microsoft.ManagedIdentity/userAssignedIdentities",
    location,
    tags: {},
    properties: { tenantId: TENANT, principalId: guid(`principal/${seed}`), clientId: guid(`client/${seed}`) },
  };
  add(identity);
  return { id, principalId: identity.properties.principalId, clientId: identity.properties.clientId };
}

function roleAssignment({ scope, role, principalId, principalType = "ServicePrincipal", seed, description }) {
  const name = guid(`ra/${seed}`);
  const sub = /^\/subscriptions\/([^/]+)/.exec(scope)[1];
  return add({
    properties: {
      roleDefinitionId: `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${role}`,
      principalId,
      principalType,
      scope,
      ...(description ? { description } : {}),
    },
    id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
    type: "Microsoft.Authorization/roleAssignments",
    name,
  });
}

/**
 * A spoke: VNet with one workload subnet, its NSG and (optionally) its route table, all in one
 * network resource group. `ingressPublicIps` opens TCP 80/443 from Internet to those addresses;
 * `extraNsgRules` are appended to the subnet NSG; `extraSubnets` ({ name, prefix, delegation })
 * are further subnets of the VNet with no NSG and no route table (e.g. an AKS API server subnet).
 */
function spoke({
  sub, rg, location, vnetName, vnetPrefix, subnetName, subnetPrefix, routes, ingressPublicIps = [], extraNsgRules = [], extraSubnets = [], tags,
}) {
  const vnetId = netId(sub, rg, "virtualNetworks", vnetName);
  const subnetId = `${vnetId}/subnets/${subnetName}`;
  const nsgName = `nsg-${subnetName}`;
  const nsgRules = [
    {
      name: "AllowHttpsInboundFromVirtualNetwork",
      description: "Cluster web endpoints and API server from peered networks",
      destinationPortRange: "443",
      source: "VirtualNetwork",
      destination: "*",
      priority: 100,
    },
    ...ingressPublicIps.map((ip, i) => ({
      name: `AllowInternetWebToIngress${i + 1}`,
      description: "Public cluster ingress (TCP 80/443) to the ingress public IP",
      destinationPortRanges: ["80", "443"],
      source: "Internet",
      destination: ip,
      priority: 200 + i * 10,
    })),
    ...extraNsgRules,
  ];
  const nsgRes = nsg({ sub, rg, name: nsgName, location, rules: nsgRules, subnetIds: [subnetId], tags });
  const rt = routes
    ? routeTable({ sub, rg, name: `rt-${subnetName}`, location, routes, subnetIds: [subnetId], tags })
    : undefined;
  const vnet = add({
    name: vnetName,
    id: vnetId,
    etag: netEtag(vnetId),
    type: "Microsoft.Network/virtualNetworks",
    location,
    ...(tags ? { tags } : {}),
    properties: {
      provisioningState: "Succeeded",
      resourceGuid: guid(`rguid/${vnetId}`),
      addressSpace: { addressPrefixes: [vnetPrefix] },
      subnets: [
        {
          name: subnetName,
          id: subnetId,
          etag: netEtag(subnetId),
          type: "Microsoft.Network/virtualNetworks/subnets",
          properties: {
            provisioningState: "Succeeded",
            addressPrefix: subnetPrefix,
            networkSecurityGroup: { id: nsgRes.id },
            ...(rt ? { routeTable: { id: rt.id } } : {}),
            serviceEndpoints: [],
            delegations: [],
            privateEndpointNetworkPolicies: "Disabled",
            privateLinkServiceNetworkPolicies: "Disabled",
            ...(routes ? { defaultOutboundAccess: false } : {}),
          },
        },
        ...extraSubnets.map((x) => {
          const id = `${vnetId}/subnets/${x.name}`;
          return {
            name: x.name,
            id,
            etag: netEtag(id),
            type: "Microsoft.Network/virtualNetworks/subnets",
            properties: {
              provisioningState: "Succeeded",
              addressPrefix: x.prefix,
              serviceEndpoints: [],
              delegations: x.delegation
                ? [
                    {
                      name: "delegation",
                      id: `${id}/delegations/delegation`,
                      etag: netEtag(`${id}/delegations/delegation`),
                      type: "Microsoft.Network/virtualNetworks/subnets/delegations",
                      properties: {
                        provisioningState: "Succeeded",
                        serviceName: x.delegation,
                        actions: ["Microsoft.Network/virtualNetworks/subnets/join/action"],
                      },
                    },
                  ]
                : [],
              privateEndpointNetworkPolicies: "Disabled",
              privateLinkServiceNetworkPolicies: "Enabled",
            },
          };
        }),
      ],
      virtualNetworkPeerings: [],
      enableDdosProtection: false,
    },
  });
  return { vnet, vnetId, subnetId, subnetPrefix, vnetPrefix, nsgId: nsgRes.id, routeTableId: rt?.id, sub, rg, location };
}

/** Peers a spoke with the hub (both directions, hub side added when the hub is built). */
function peerWithHub(spk, hubVnetId, hubPrefix) {
  const name = `peer-to-${hubVnetId.split("/").pop()}`;
  const id = `${spk.vnetId}/virtualNetworkPeerings/${name}`;
  spk.vnet.properties.virtualNetworkPeerings.push({
    name,
    id,
    etag: netEtag(id),
    type: "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
    properties: {
      provisioningState: "Succeeded",
      peeringState: "Connected",
      peeringSyncLevel: "FullyInSync",
      remoteVirtualNetwork: { id: hubVnetId },
      allowVirtualNetworkAccess: true,
      allowForwardedTraffic: true,
      allowGatewayTransit: false,
      useRemoteGateways: false,
      remoteAddressSpace: { addressPrefixes: [hubPrefix] },
    },
  });
}

/** A private DNS zone with A records and virtual network links. */
function privateDnsZone({ sub, rg, zoneName, records, links, tags }) {
  const id = `${rgId(sub, rg)}/providers/Microsoft.Network/privateDnsZones/${zoneName}`;
  add({
    id,
    name: zoneName,
    type: "Microsoft.Network/privateDnsZones",
    location: "global",
    etag: dnsEtag(id),
    ...(tags ? { tags } : {}),
    properties: {
      maxNumberOfRecordSets: 25000,
      numberOfRecordSets: records.length + 1, // + the SOA record every zone has
      maxNumberOfVirtualNetworkLinks: 1000,
      numberOfVirtualNetworkLinks: links.length,
      maxNumberOfVirtualNetworkLinksWithRegistration: 100,
      numberOfVirtualNetworkLinksWithRegistration: 0,
      provisioningState: "Succeeded",
    },
  });
  for (const r of records) {
    add({
      id: `${id}/A/${r.name}`,
      etag: dnsEtag(`${id}/A/${r.name}`),
      name: r.name,
      type: "Microsoft.Network/privateDnsZones/A",
      properties: {
        ttl: r.ttl ?? 10,
        fqdn: `${r.name}.${zoneName}.`,
        isAutoRegistered: false,
        aRecords: r.addresses.map((a) => ({ ipv4Address: a })),
      },
    });
  }
  for (const l of links) {
    add({
      id: `${id}/virtualNetworkLinks/${l.name}`,
      name: l.name,
      type: "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
      location: "global",
      etag: dnsEtag(`${id}/virtualNetworkLinks/${l.name}`),
      properties: {
        virtualNetwork: { id: l.vnetId },
        registrationEnabled: false,
        virtualNetworkLinkState: "Completed",
        provisioningState: "Succeeded",
      },
    });
  }
  return id;
}

/** The NSG AKS creates in the node resource group for the node NICs. */
function aksAgentPoolNsg({ sub, mcRg, location, seed, publicIngress = [] }) {
  return nsg({
    sub,
    rg: mcRg,
    name: `aks-agentpool-${digits8(seed)}-nsg`,
    location,
    rules: publicIngress.map((ing, i) => ({
      name: `k8s-azure-lb_allow_IPv4_${hex32(`nsgrule/${ing.address}`)}`,
      destinationPortRanges: ing.ports.map(String),
      source: "Internet",
      destination: ing.address,
      priority: 500 + i,
    })),
  });
}

/**
 * The AKS-managed public standard load balancer `kubernetes` in the MC group: one outbound
 * frontend (outbound rule `aksOutboundRule`) and the frontends of public LoadBalancer services
 * (load-balancing rules), shaped on LoadBalancerCreateWithOutboundRules.json. A userDefinedRouting
 * cluster has no outbound frontend (`outbound` absent): AKS creates the load balancer only for its
 * first public LoadBalancer service.
 */
function aksPublicLoadBalancer({ sub, mcRg, location, outbound, ingress = [], clusterName = outbound?.clusterName, clusterRg = outbound?.clusterRg }) {
  const id = netId(sub, mcRg, "loadBalancers", "kubernetes");
  const fe = (name) => `${id}/frontendIPConfigurations/${name}`;
  const pool = `${id}/backendAddressPools/kubernetes`;
  const outboundPool = `${id}/backendAddressPools/aksOutboundBackendPool`;
  const outboundRuleId = `${id}/outboundRules/aksOutboundRule`;
  const lbRules = [];
  const probes = [];
  for (const ing of ingress) {
    for (const port of ing.ports) {
      const ruleName = `${ing.frontendName}-TCP-${port}`;
      const probeName = `${ing.frontendName}-TCP-${port}`;
      lbRules.push({
        name: ruleName,
        id: `${id}/loadBalancingRules/${ruleName}`,
        etag: netEtag(`${id}/${ruleName}`),
        type: "Microsoft.Network/loadBalancers/loadBalancingRules",
        properties: {
          provisioningState: "Succeeded",
          frontendIPConfiguration: { id: fe(ing.frontendName) },
          frontendPort: port,
          backendPort: port,
          enableFloatingIP: true,
          idleTimeoutInMinutes: 4,
          protocol: "Tcp",
          enableTcpReset: true,
          loadDistribution: "Default",
          disableOutboundSnat: true,
          backendAddressPool: { id: pool },
          backendAddressPools: [{ id: pool }],
          probe: { id: `${id}/probes/${probeName}` },
        },
      });
      probes.push({
        name: probeName,
        id: `${id}/probes/${probeName}`,
        etag: netEtag(`${id}/probe/${probeName}`),
        type: "Microsoft.Network/loadBalancers/probes",
        properties: {
          provisioningState: "Succeeded",
          protocol: "Tcp",
          port: ing.nodePorts[port],
          intervalInSeconds: 5,
          numberOfProbes: 2,
          probeThreshold: 1,
          loadBalancingRules: [{ id: `${id}/loadBalancingRules/${ruleName}` }],
        },
      });
    }
  }
  return add({
    name: "kubernetes",
    id,
    etag: netEtag(id),
    type: "Microsoft.Network/loadBalancers",
    location,
    tags: { "aks-managed-cluster-name": clusterName, "aks-managed-cluster-rg": clusterRg },
    sku: { name: "Standard", tier: "Regional" },
    properties: {
      provisioningState: "Succeeded",
      resourceGuid: guid(`rguid/${id}`),
      frontendIPConfigurations: [
        ...(outbound
          ? [
              {
                name: outbound.frontendName,
                id: fe(outbound.frontendName),
                type: "Microsoft.Network/loadBalancers/frontendIPConfigurations",
                etag: netEtag(fe(outbound.frontendName)),
                properties: {
                  provisioningState: "Succeeded",
                  publicIPAddress: { id: outbound.publicIpId },
                  outboundRules: [{ id: outboundRuleId }],
                },
              },
            ]
          : []),
        ...ingress.map((ing) => ({
          name: ing.frontendName,
          id: fe(ing.frontendName),
          type: "Microsoft.Network/loadBalancers/frontendIPConfigurations",
          etag: netEtag(fe(ing.frontendName)),
          properties: {
            provisioningState: "Succeeded",
            publicIPAddress: { id: ing.publicIpId },
            loadBalancingRules: ing.ports.map((p) => ({ id: `${id}/loadBalancingRules/${ing.frontendName}-TCP-${p}` })),
          },
        })),
      ],
      backendAddressPools: [
        {
          name: "kubernetes",
          id: pool,
          etag: netEtag(pool),
          type: "Microsoft.Network/loadBalancers/backendAddressPools",
          properties: {
            provisioningState: "Succeeded",
            loadBalancingRules: lbRules.map((r) => ({ id: r.id })),
          },
        },
        ...(outbound
          ? [
              {
                name: "aksOutboundBackendPool",
                id: outboundPool,
                etag: netEtag(outboundPool),
                type: "Microsoft.Network/loadBalancers/backendAddressPools",
                properties: {
                  provisioningState: "Succeeded",
                  outboundRules: [{ id: outboundRuleId }],
                },
              },
            ]
          : []),
      ],
      loadBalancingRules: lbRules,
      probes,
      inboundNatRules: [],
      outboundRules: outbound
        ? [
            {
              name: "aksOutboundRule",
              id: outboundRuleId,
              type: "Microsoft.Network/loadBalancers/outboundRules",
              etag: netEtag(outboundRuleId),
              properties: {
                provisioningState: "Succeeded",
                allocatedOutboundPorts: 0,
                protocol: "All",
                enableTcpReset: true,
                idleTimeoutInMinutes: 30,
                backendAddressPool: { id: outboundPool },
                frontendIPConfigurations: [{ id: fe(outbound.frontendName) }],
              },
            },
          ]
        : [],
      inboundNatPools: [],
    },
  });
}

/**
 * Private cluster ingress in the MC group: the internal load balancer `kubernetes-internal` with a
 * private frontend in the pool subnet, and the private link service HDInsight exposes it through.
 */
function internalIngress({ sub, mcRg, location, subnetId, services }) {
  const id = netId(sub, mcRg, "loadBalancers", "kubernetes-internal");
  const pool = `${id}/backendAddressPools/kubernetes`;
  const lbRules = [];
  const probes = [];
  const frontends = [];
  for (const s of services) {
    const fe = `${id}/frontendIPConfigurations/${s.frontendName}`;
    const plsId = netId(sub, mcRg, "privateLinkServices", `pls-${s.frontendName}`);
    const ruleName = `${s.frontendName}-TCP-443`;
    lbRules.push({
      name: ruleName,
      id: `${id}/loadBalancingRules/${ruleName}`,
      etag: netEtag(`${id}/${ruleName}`),
      type: "Microsoft.Network/loadBalancers/loadBalancingRules",
      properties: {
        provisioningState: "Succeeded",
        frontendIPConfiguration: { id: fe },
        frontendPort: 443,
        backendPort: 443,
        enableFloatingIP: true,
        idleTimeoutInMinutes: 4,
        protocol: "Tcp",
        enableTcpReset: true,
        loadDistribution: "Default",
        disableOutboundSnat: false,
        backendAddressPool: { id: pool },
        backendAddressPools: [{ id: pool }],
        probe: { id: `${id}/probes/${ruleName}` },
      },
    });
    probes.push({
      name: ruleName,
      id: `${id}/probes/${ruleName}`,
      etag: netEtag(`${id}/probe/${ruleName}`),
      type: "Microsoft.Network/loadBalancers/probes",
      properties: {
        provisioningState: "Succeeded",
        protocol: "Tcp",
        port: 31443,
        intervalInSeconds: 5,
        numberOfProbes: 2,
        probeThreshold: 1,
        loadBalancingRules: [{ id: `${id}/loadBalancingRules/${ruleName}` }],
      },
    });
    frontends.push({
      name: s.frontendName,
      id: fe,
      type: "Microsoft.Network/loadBalancers/frontendIPConfigurations",
      etag: netEtag(fe),
      properties: {
        provisioningState: "Succeeded",
        privateIPAddress: s.privateIp,
        privateIPAllocationMethod: "Static",
        subnet: { id: subnetId },
        privateIPAddressVersion: "IPv4",
        loadBalancingRules: [{ id: `${id}/loadBalancingRules/${ruleName}` }],
      },
    });
    add({
      name: `pls-${s.frontendName}`,
      id: plsId,
      etag: netEtag(plsId),
      type: "Microsoft.Network/privateLinkServices",
      location,
      tags: { "k8s-azure-owner-service": s.k8sService, "k8s-azure-cluster-name": "kubernetes" },
      properties: {
        provisioningState: "Succeeded",
        loadBalancerFrontendIpConfigurations: [{ id: fe }],
        ipConfigurations: [
          {
            name: `${s.frontendName}-pls-ipconfig`,
            id: `${plsId}/ipConfigurations/${s.frontendName}-pls-ipconfig`,
            etag: netEtag(`${plsId}/ipconfig`),
            type: "Microsoft.Network/privateLinkServices/ipConfigurations",
            properties: {
              provisioningState: "Succeeded",
              privateIPAllocationMethod: "Dynamic",
              subnet: { id: subnetId },
              primary: true,
              privateIPAddressVersion: "IPv4",
            },
          },
        ],
        visibility: { subscriptions: [] },
        autoApproval: { subscriptions: [] },
        enableProxyProtocol: false,
        alias: `pls-${s.frontendName}.${guid(`plsalias/${plsId}`)}.${location}.azure.privatelinkservice`,
        privateEndpointConnections: [],
      },
    });
    s.privateLinkServiceId = plsId;
    s.frontendId = fe;
  }
  return add({
    name: "kubernetes-internal",
    id,
    etag: netEtag(id),
    type: "Microsoft.Network/loadBalancers",
    location,
    sku: { name: "Standard", tier: "Regional" },
    properties: {
      provisioningState: "Succeeded",
      resourceGuid: guid(`rguid/${id}`),
      frontendIPConfigurations: frontends,
      backendAddressPools: [
        {
          name: "kubernetes",
          id: pool,
          etag: netEtag(pool),
          type: "Microsoft.Network/loadBalancers/backendAddressPools",
          properties: { provisioningState: "Succeeded", loadBalancingRules: lbRules.map((r) => ({ id: r.id })) },
        },
      ],
      loadBalancingRules: lbRules,
      probes,
      inboundNatRules: [],
      outboundRules: [],
      inboundNatPools: [],
    },
  });
}

/**
 * An AKS managed cluster in its 2024-09-01 GET shape (ManagedClustersGet.json and the private
 * cluster example). Its id uses `resourcegroups` (lower case), as the AKS RP returns it.
 */
function managedCluster(c) {
  const id = `/subscriptions/${c.sub}/resourcegroups/${c.rg}/providers/Microsoft.ContainerService/managedClusters/${c.name}`;
  const h = hex8(`fqdn/${id}`);
  const fqdn = `${c.dnsPrefix}-${h}.hcp.${c.location}.azmk8s.io`;
  const apiZoneGuid = guid(`apizone/${id}`);
  const privateFqdn = c.privateCluster ? `${c.dnsPrefix}-${h}.${apiZoneGuid}.privatelink.${c.location}.azmk8s.io` : undefined;
  const principalId = guid(`aksprincipal/${id}`);
  const networkProfile = {
    networkPlugin: "azure",
    networkPluginMode: "overlay",
    networkPolicy: "none",
    networkDataplane: "azure",
    podCidr: "192.168.0.0/16",
    serviceCidr: "172.16.0.0/16",
    dnsServiceIP: "172.16.0.10",
    outboundType: c.outboundType,
    loadBalancerSku: "standard",
    podCidrs: ["192.168.0.0/16"],
    serviceCidrs: ["172.16.0.0/16"],
    ipFamilies: ["IPv4"],
    ...(c.outboundType === "loadBalancer"
      ? {
          loadBalancerProfile: {
            allocatedOutboundPorts: 0,
            idleTimeoutInMinutes: 30,
            managedOutboundIPs: { count: c.effectiveOutboundIPs.length },
            effectiveOutboundIPs: c.effectiveOutboundIPs.map((x) => ({ id: x })),
            backendPoolType: "nodeIPConfiguration",
          },
        }
      : {}),
  };
  const body = {
    id,
    location: c.location,
    name: c.name,
    tags: c.tags ?? {},
    type: "Microsoft.ContainerService/ManagedClusters",
    eTag: aksEtag(id),
    sku: { name: "Base", tier: c.tier ?? "Standard" },
    identity: { type: "SystemAssigned", principalId, tenantId: TENANT },
    properties: {
      provisioningState: "Succeeded",
      powerState: { code: "Running" },
      maxAgentPools: 100,
      kubernetesVersion: c.kubernetesVersion ?? K8S_VERSION,
      currentKubernetesVersion: c.kubernetesVersion ?? K8S_VERSION,
      dnsPrefix: c.dnsPrefix,
      fqdn,
      azurePortalFQDN: `${c.dnsPrefix}-${h}.portal.hcp.${c.location}.azmk8s.io`,
      ...(privateFqdn ? { privateFQDN: privateFqdn } : {}),
      agentPoolProfiles: c.agentPools.map((p) => ({
        name: p.name,
        count: p.count,
        vmSize: p.vmSize,
        osDiskSizeGB: 128,
        osDiskType: "Managed",
        kubeletDiskType: "OS",
        ...(c.subnetId ? { vnetSubnetID: c.subnetId } : {}),
        maxPods: 110,
        type: "VirtualMachineScaleSets",
        availabilityZones: ["1", "2", "3"],
        enableAutoScaling: false,
        eTag: aksEtag(`${id}/${p.name}`),
        provisioningState: "Succeeded",
        powerState: { code: "Running" },
        orchestratorVersion: c.kubernetesVersion ?? K8S_VERSION,
        currentOrchestratorVersion: c.kubernetesVersion ?? K8S_VERSION,
        enableNodePublicIP: false,
        mode: p.mode,
        osType: "Linux",
        osSKU: "Ubuntu",
        nodeImageVersion: NODE_IMAGE,
        upgradeSettings: { maxSurge: "33%" },
        enableFIPS: false,
      })),
      servicePrincipalProfile: { clientId: "msi" },
      nodeResourceGroup: c.nodeResourceGroup,
      enableRBAC: true,
      supportPlan: "KubernetesOfficial",
      networkProfile,
      apiServerAccessProfile: c.privateCluster
        ? {
            enablePrivateCluster: true,
            privateDNSZone: "system",
            enablePrivateClusterPublicFQDN: true,
            // API Server VNet Integration: the API server's internal load balancer sits in a delegated subnet.
            ...(c.apiServerSubnetId ? { enableVnetIntegration: true, subnetId: c.apiServerSubnetId } : {}),
          }
        : { enablePrivateCluster: false },
      identityProfile: {
        kubeletidentity: { resourceId: c.kubelet.id, clientId: c.kubelet.clientId, objectId: c.kubelet.principalId },
      },
      disableLocalAccounts: true,
      autoUpgradeProfile: { upgradeChannel: "patch", nodeOSUpgradeChannel: "NodeImage" },
    },
  };
  add(body);
  // A private cluster's API server: AKS's own private DNS zone in the node resource group.
  if (c.privateCluster) {
    privateDnsZone({
      sub: c.sub,
      rg: c.nodeResourceGroup,
      zoneName: `${apiZoneGuid}.privatelink.${c.location}.azmk8s.io`,
      records: [{ name: `${c.dnsPrefix}-${h}`, addresses: [c.apiServerPrivateIp], ttl: 300 }],
      links: [{ name: hex32(`apilink/${id}`), vnetId: c.vnetId }],
    });
  }
  return { id, fqdn, privateFqdn, principalId, body };
}

// ---------------------------------------------------------------------------------------------
// HDInsight on AKS cluster pools
// ---------------------------------------------------------------------------------------------

/**
 * A cluster pool (2024-05-01-preview GET shape) with its AKS cluster in the `hdi-<deploymentId>`
 * group, the MC group contents that every pool has, and its clusters.
 */
function clusterPool(p) {
  const deploymentId = hex32(`deployment/${p.name}`);
  const hdiRg = `hdi-${deploymentId}`;
  const mcRg = `MC_${hdiRg}_${p.name}_${p.location}`;
  const poolId = `${rgId(p.sub, p.rg)}/providers/Microsoft.HDInsight/clusterPools/${p.name}`;
  const agentPool = userAssignedIdentity({ sub: p.sub, rg: hdiRg, name: `${p.name}-agentpool`, location: p.location, seed: `agentpool/${p.name}` });
  const aks = managedCluster({
    sub: p.sub,
    rg: hdiRg,
    name: p.name,
    location: p.location,
    dnsPrefix: `${p.name}-dns`,
    nodeResourceGroup: mcRg,
    // The AKS cluster normally carries what the pool asked for; `aks*` overrides model a cluster
    // changed afterwards with `az aks update` (the pool GET still states the creation-time value).
    outboundType: p.aksOutboundType ?? p.outboundType,
    privateCluster: p.aksPrivateCluster ?? p.privateApi,
    apiServerSubnetId: p.apiServerSubnetId,
    subnetId: p.spoke.subnetId,
    vnetId: p.spoke.vnetId,
    apiServerPrivateIp: p.apiServerPrivateIp,
    effectiveOutboundIPs: p.effectiveOutboundIPs ?? [],
    kubelet: agentPool,
    kubernetesVersion: p.aksVersion,
    tags: { "hdinsight-on-aks-cluster-pool": p.name },
    agentPools: [
      { name: "systempool", count: 3, vmSize: "Standard_D4as_v4", mode: "System" },
      { name: "userpool", count: p.workerNodes ?? 5, vmSize: p.vmSize ?? "Standard_D8as_v5", mode: "User" },
    ],
  });
  const aksIdAsPoolReports = `${rgId(p.sub, hdiRg)}/providers/Microsoft.ContainerService/managedClusters/${p.name}`;
  const properties = {
    provisioningState: "Succeeded",
    deploymentId,
    managedResourceGroupName: hdiRg,
    ...(p.legacyShape ? {} : { aksManagedResourceGroupName: mcRg }),
    clusterPoolProfile: { clusterPoolVersion: p.clusterPoolVersion ?? "1.2" },
    computeProfile: p.legacyShape
      ? { vmSize: p.vmSize ?? "Standard_D4as_v4", count: 3 }
      : { vmSize: "Standard_D4as_v4", count: 3, availabilityZones: ["1", "2", "3"] },
    aksClusterProfile: {
      aksVersion: p.aksVersion ?? "1.29",
      aksClusterAgentPoolIdentityProfile: {
        msiResourceId: agentPool.id,
        msiClientId: agentPool.clientId,
        msiObjectId: agentPool.principalId,
      },
      aksClusterResourceId: aksIdAsPoolReports,
    },
    ...(p.legacyShape
      ? {}
      : {
          networkProfile: {
            subnetId: p.spoke.subnetId,
            outboundType: p.outboundType,
            enablePrivateApiServer: p.privateApi,
          },
          logAnalyticsProfile: { enabled: false },
        }),
    status: "Running",
  };
  add({
    id: poolId,
    name: p.name,
    type: "Microsoft.HDInsight/clusterPools",
    properties,
    systemData: systemData(p.createdAt),
    location: p.location,
    tags: p.tags,
  });

  // MC group: the agent-pool NSG AKS always creates (rules for public ingress services only).
  aksAgentPoolNsg({ sub: p.sub, mcRg, location: p.location, seed: aks.id, publicIngress: p.publicIngressNsg ?? [] });

  // The user-assigned MSI the clusters run as, and the agent pool's right to assign it.
  const clusterMsi = userAssignedIdentity({ sub: p.sub, rg: p.rg, name: `msi-${p.name}`, location: p.location, seed: `clustermsi/${p.name}` });
  roleAssignment({
    scope: clusterMsi.id,
    role: ROLE.managedIdentityOperator,
    principalId: agentPool.principalId,
    seed: `mio/${p.name}`,
  });
  return { poolId, deploymentId, hdiRg, mcRg, aks, agentPool, clusterMsi, ...p };
}

/** A cluster of a pool (Clusters_Get shape: CreateSparkClusterWithInternalIngress.json / GetCluster.json). */
function hdiCluster(pool, c) {
  const id = `${pool.poolId}/clusters/${c.name}`;
  const base = `${pool.name}.${pool.sub}.${pool.location}.hdinsightaks.net`;
  const fqdn = `${c.name}.${base}`;
  const privateFqdn = c.internalIngress
    ? c.privateFqdnForm === "int"
      ? `${c.name}-int.${base}`
      : `${c.name}.privatelink.${base}`
    : undefined;
  const ssh = [0, 1].slice(0, c.sshCount ?? 1).map((n) => ({
    endpoint: `${fqdn}/ssh/host/sshnode-${n}`,
    ...(privateFqdn ? { privateSshEndpoint: `${privateFqdn}/ssh/host/sshnode-${n}` } : {}),
  }));
  const identityBlock = c.legacyIdentityProfile
    ? {
        identityProfile: {
          msiResourceId: pool.clusterMsi.id,
          msiClientId: pool.clusterMsi.clientId,
          msiObjectId: pool.clusterMsi.principalId,
        },
      }
    : {
        managedIdentityProfile: {
          identityList: [
            {
              type: "cluster",
              resourceId: pool.clusterMsi.id,
              clientId: pool.clusterMsi.clientId,
              objectId: pool.clusterMsi.principalId,
            },
          ],
        },
      };
  add({
    id,
    name: c.name,
    type: "Microsoft.HDInsight/clusterPools/clusters",
    properties: {
      provisioningState: "Succeeded",
      clusterType: c.clusterType,
      deploymentId: hex32(`clusterdeployment/${id}`),
      computeProfile: {
        nodes: [
          { type: "Head", vmSize: "Standard_E8as_v5", count: 2 },
          { type: "Worker", vmSize: "Standard_E8as_v5", count: c.workers ?? 3 },
        ],
        ...(pool.legacyShape ? {} : { availabilityZones: ["1", "2", "3"] }),
      },
      clusterProfile: {
        clusterVersion: c.clusterVersion,
        ossVersion: c.ossVersion,
        components: c.components,
        ...identityBlock,
        authorizationProfile: { userIds: [guid(`user1/${id}`), guid(`user2/${id}`)] },
        connectivityProfile: { web: { fqdn, ...(privateFqdn ? { privateFqdn } : {}) }, ssh },
        ...c.profile,
        sshProfile: { count: c.sshCount ?? 1, podPrefix: "sshnode", vmSize: "Standard_E2as_v5" },
        ...(c.internalIngress
          ? { clusterAccessProfile: { enableInternalIngress: true, privateLinkServiceId: c.privateLinkServiceId } }
          : {}),
      },
      status: "Running",
    },
    systemData: systemData(c.createdAt ?? pool.createdAt),
    location: pool.location,
  });
  return { id, fqdn, privateFqdn };
}

/**
 * A private-ingress cluster's DNS: the zone HDInsight creates in the pool's `hdi-` group, with the
 * A record for the private FQDN pointing to the internal ingress address, linked to the pool VNet
 * (and the hub, where the clients are).
 */
function clusterPrivateDns(pool, cluster, ingressIp, extraLinks = [], extraRecords = []) {
  const pf = cluster.privateFqdn;
  const dot = pf.indexOf(".");
  const recordName = pf.slice(0, dot);
  const zoneName = pf.slice(dot + 1);
  const id = privateDnsZone({
    sub: pool.sub,
    rg: pool.hdiRg,
    zoneName,
    records: [{ name: recordName, addresses: [ingressIp] }, ...extraRecords],
    links: [{ name: `${pool.name}-vnet-link`, vnetId: pool.spoke.vnetId }, ...extraLinks],
  });
  return { id, zoneName };
}

// ---------------------------------------------------------------------------------------------
// Subscription A: Contoso Data Platform (prod), eastus
// ---------------------------------------------------------------------------------------------

const EAST = "eastus";
const HUB_RG = "rg-hub";
const HUB_PREFIX = "10.0.0.0/16";
const hubVnetId = netId(SUB_A, HUB_RG, "virtualNetworks", "vnet-hub");
const fwId = netId(SUB_A, HUB_RG, "azureFirewalls", "fw-hub");
const fwIpConfigId = `${fwId}/ipConfigurations/fw-hub-ipconfig`;
const fwPolicyId = netId(SUB_A, HUB_RG, "firewallPolicies", "fwp-egress");
const platformTags = { environment: "prod", costCenter: "CC-4410", owner: "data-platform" };
const devTags = { environment: "dev", costCenter: "CC-5120", owner: "analytics" };
const networkTagsA = { environment: "prod", owner: "network-team" };
const networkTagsB = { environment: "dev", owner: "network-team" };

const fwPip = publicIp({
  sub: SUB_A,
  rg: HUB_RG,
  name: "fw-hub-pip",
  location: EAST,
  ipAddress: FW_PUBLIC_IP,
  ipConfigurationId: fwIpConfigId,
  tags: networkTagsA,
});

// Spokes of subscription A (UDR: default route to the hub firewall, firewall public IP /32 to Internet).
const spokeFinance = spoke({
  sub: SUB_A, rg: "rg-net-finance", location: EAST, vnetName: "vnet-finance", vnetPrefix: "10.10.0.0/16",
  subnetName: "snet-hdi-finance", subnetPrefix: "10.10.0.0/24", routes: [routeToFirewall, routeFwPublicIp], tags: networkTagsA,
});
const spokeMarketing = spoke({
  sub: SUB_A, rg: "rg-net-marketing", location: EAST, vnetName: "vnet-marketing", vnetPrefix: "10.11.0.0/16",
  subnetName: "snet-hdi-marketing", subnetPrefix: "10.11.0.0/24", routes: [routeToFirewall, routeFwPublicIp], tags: networkTagsA,
});
// pool-ingest: someone pointed the default route straight at the Internet.
const spokeIngest = spoke({
  sub: SUB_A, rg: "rg-net-ingest", location: EAST, vnetName: "vnet-ingest", vnetPrefix: "10.12.0.0/16",
  subnetName: "snet-hdi-ingest", subnetPrefix: "10.12.0.0/24",
  routes: [{ name: "default-to-internet", addressPrefix: "0.0.0.0/0", nextHopType: "Internet" }, routeFwPublicIp], tags: networkTagsA,
});
// pool-reporting: the default route still points at the decommissioned NVA (no firewall at 10.0.1.68).
const spokeReporting = spoke({
  sub: SUB_A, rg: "rg-net-reporting", location: EAST, vnetName: "vnet-reporting", vnetPrefix: "10.13.0.0/16",
  subnetName: "snet-hdi-reporting", subnetPrefix: "10.13.0.0/24",
  routes: [{ name: "default-to-nva", addressPrefix: "0.0.0.0/0", nextHopType: "VirtualAppliance", nextHopIpAddress: "10.0.1.68" }, routeFwPublicIp],
  tags: networkTagsA,
});
// pool-restricted: correctly routed, but the scanner may not read its network resource group (forbiddenScopes).
const spokeRestricted = spoke({
  sub: SUB_A, rg: "rg-net-restricted", location: EAST, vnetName: "vnet-restricted", vnetPrefix: "10.14.0.0/16",
  subnetName: "snet-hdi-restricted", subnetPrefix: "10.14.0.0/24", routes: [routeToFirewall, routeFwPublicIp],
  tags: { environment: "prod", owner: "risk-engineering", dataClassification: "restricted" },
});

// --- 1. pool-finance: fully compliant UDR pool, private API server, private-ingress Spark cluster.
const finance = clusterPool({
  sub: SUB_A, rg: "rg-dataplatform", name: "pool-finance", location: EAST, spoke: spokeFinance,
  outboundType: "userDefinedRouting", privateApi: true, apiServerPrivateIp: "10.10.0.4",
  createdAt: "2024-06-11T09:14:22.5512871Z", tags: { ...platformTags, workload: "finance" },
});
const financeIngress = [{ frontendName: `a${hex32("svc/spark-fin")}`, privateIp: "10.10.0.200", k8sService: "spark-fin/ingress-internal" }];
internalIngress({ sub: SUB_A, mcRg: finance.mcRg, location: EAST, subnetId: spokeFinance.subnetId, services: financeIngress });
const sparkFin = hdiCluster(finance, {
  name: "spark-fin", clusterType: "spark", clusterVersion: "1.1.1", ossVersion: "3.4.1",
  components: [{ name: "Spark", version: "3.4.1" }, { name: "Hive metastore", version: "3.1.2" }],
  profile: { sparkProfile: {} }, internalIngress: true, privateLinkServiceId: financeIngress[0].privateLinkServiceId, sshCount: 2,
});
clusterPrivateDns(finance, sparkFin, "10.10.0.200", [{ name: "vnet-hub-link", vnetId: hubVnetId }]);

// --- 2. pool-marketing: correctly routed UDR pool, but a Flink debugging session left two public IPs in
//        the MC group: a debug VM's IP, and the Flink web UI exposed through a public LoadBalancer service.
const MARKETING_UI_IP = "20.185.44.12";
const marketing = clusterPool({
  sub: SUB_A, rg: "rg-dataplatform", name: "pool-marketing", location: EAST, spoke: spokeMarketing,
  outboundType: "userDefinedRouting", privateApi: true, apiServerPrivateIp: "10.11.0.4",
  publicIngressNsg: [{ address: MARKETING_UI_IP, ports: [8081] }],
  createdAt: "2024-07-02T14:40:05.1180032Z", tags: { ...platformTags, workload: "marketing" },
});
const marketingIngress = [{ frontendName: `a${hex32("svc/flink-mkt")}`, privateIp: "10.11.0.200", k8sService: "flink-mkt/ingress-internal" }];
internalIngress({ sub: SUB_A, mcRg: marketing.mcRg, location: EAST, subnetId: spokeMarketing.subnetId, services: marketingIngress });
const flinkMkt = hdiCluster(marketing, {
  name: "flink-mkt", clusterType: "Flink", clusterVersion: "1.1.1", ossVersion: "1.17.0",
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
  internalIngress: true, privateLinkServiceId: marketingIngress[0].privateLinkServiceId,
});
clusterPrivateDns(marketing, flinkMkt, "10.11.0.200", [{ name: "vnet-hub-link", vnetId: hubVnetId }]);
const debugNicId = netId(SUB_A, marketing.mcRg, "networkInterfaces", "debug-vm-nic");
const debugNicIpConfigId = `${debugNicId}/ipConfigurations/ipconfig1`;
const debugPip = publicIp({
  sub: SUB_A, rg: marketing.mcRg, name: "debug-vm-pip", location: EAST, ipAddress: "20.185.12.77",
  ipConfigurationId: debugNicIpConfigId, tags: { createdBy: "m.keller@contoso.com", purpose: "flink debugging" }, zones: [],
});
add({
  name: "debug-vm-nic",
  id: debugNicId,
  etag: netEtag(debugNicId),
  type: "Microsoft.Network/networkInterfaces",
  location: EAST,
  tags: { createdBy: "m.keller@contoso.com" },
  properties: {
    provisioningState: "Succeeded",
    resourceGuid: guid(`rguid/${debugNicId}`),
    ipConfigurations: [
      {
        name: "ipconfig1",
        id: debugNicIpConfigId,
        etag: netEtag(debugNicIpConfigId),
        type: "Microsoft.Network/networkInterfaces/ipConfigurations",
        properties: {
          provisioningState: "Succeeded",
          privateIPAddress: "10.11.0.50",
          privateIPAllocationMethod: "Dynamic",
          publicIPAddress: { id: debugPip.id },
          subnet: { id: spokeMarketing.subnetId },
          primary: true,
          privateIPAddressVersion: "IPv4",
        },
      },
    ],
    dnsSettings: { dnsServers: [], appliedDnsServers: [] },
    enableAcceleratedNetworking: false,
    enableIPForwarding: false,
    disableTcpStateTracking: false,
    nicType: "Standard",
    auxiliaryMode: "None",
  },
});
// `kubectl -n flink-mkt expose deployment flink-webui --type LoadBalancer --port 8081`: in a
// userDefinedRouting cluster AKS then creates the public load balancer `kubernetes` (no outbound rule)
// and a public IP tagged with the service. The cluster itself still has internal ingress.
const marketingUiFe = `a${hex32("svc/flink-mkt-webui")}`;
const marketingLbId = netId(SUB_A, marketing.mcRg, "loadBalancers", "kubernetes");
const marketingUiPip = publicIp({
  sub: SUB_A, rg: marketing.mcRg, name: `kubernetes-${marketingUiFe}`, location: EAST, ipAddress: MARKETING_UI_IP,
  ipConfigurationId: `${marketingLbId}/frontendIPConfigurations/${marketingUiFe}`,
  tags: { "k8s-azure-service": "flink-mkt/flink-webui-public", "k8s-azure-cluster-name": "kubernetes" },
});
aksPublicLoadBalancer({
  sub: SUB_A, mcRg: marketing.mcRg, location: EAST, clusterName: "pool-marketing", clusterRg: marketing.hdiRg,
  ingress: [{ frontendName: marketingUiFe, publicIpId: marketingUiPip.id, ports: [8081], nodePorts: { 8081: 31081 } }],
});

// --- 3. pool-ingest: default route to Internet, and a stale A record. Private FQDN in the `-int.` form.
const ingest = clusterPool({
  sub: SUB_A, rg: "rg-dataplatform", name: "pool-ingest", location: EAST, spoke: spokeIngest,
  outboundType: "userDefinedRouting", privateApi: true, apiServerPrivateIp: "10.12.0.4",
  createdAt: "2024-08-19T07:03:51.9043318Z", tags: { ...platformTags, workload: "ingest" },
});
const ingestIngress = [{ frontendName: `a${hex32("svc/spark-ingest")}`, privateIp: "10.12.0.200", k8sService: "spark-ingest/ingress-internal" }];
internalIngress({ sub: SUB_A, mcRg: ingest.mcRg, location: EAST, subnetId: spokeIngest.subnetId, services: ingestIngress });
const sparkIngest = hdiCluster(ingest, {
  name: "spark-ingest", clusterType: "Spark", clusterVersion: "1.1.1", ossVersion: "3.4.1",
  components: [{ name: "Spark", version: "3.4.1" }, { name: "Hive metastore", version: "3.1.2" }],
  profile: { sparkProfile: {} }, internalIngress: true, privateFqdnForm: "int",
  privateLinkServiceId: ingestIngress[0].privateLinkServiceId, workers: 6,
});
// The zone still holds the A record of spark-adhoc, a cluster deleted in January (stale: it names no cluster).
const ingestZone = clusterPrivateDns(ingest, sparkIngest, "10.12.0.200", [], [{ name: "spark-adhoc-int", addresses: ["10.12.0.201"] }]);
const staleRecordId = `${ingestZone.id}/A/spark-adhoc-int`;

// --- 4. pool-reporting: default route to 10.0.1.68, where no firewall lives. Public API server. Its AKS
//        identity holds Network Contributor on the VNet only (see role assignments).
const reporting = clusterPool({
  sub: SUB_A, rg: "rg-dataplatform", name: "pool-reporting", location: EAST, spoke: spokeReporting,
  outboundType: "userDefinedRouting", privateApi: false,
  createdAt: "2024-05-27T16:22:40.0021145Z", tags: { ...platformTags, workload: "reporting" },
});
const reportingIngress = [{ frontendName: `a${hex32("svc/trino-rpt")}`, privateIp: "10.13.0.200", k8sService: "trino-rpt/ingress-internal" }];
internalIngress({ sub: SUB_A, mcRg: reporting.mcRg, location: EAST, subnetId: spokeReporting.subnetId, services: reportingIngress });
const trinoRpt = hdiCluster(reporting, {
  name: "trino-rpt", clusterType: "Trino", clusterVersion: "1.2.0", ossVersion: "0.440.0",
  components: [{ name: "Trino", version: "440" }, { name: "Hive metastore", version: "3.1.2" }],
  profile: { trinoProfile: {} }, internalIngress: true, privateLinkServiceId: reportingIngress[0].privateLinkServiceId,
});
clusterPrivateDns(reporting, trinoRpt, "10.13.0.200", [{ name: "vnet-hub-link", vnetId: hubVnetId }]);

// --- 5. pool-restricted: correct, but its network resources (VNet, route table, NSG) cannot be read.
const restricted = clusterPool({
  sub: SUB_A, rg: "rg-dataplatform", name: "pool-restricted", location: EAST, spoke: spokeRestricted,
  outboundType: "userDefinedRouting", privateApi: true, apiServerPrivateIp: "10.14.0.4",
  createdAt: "2024-09-05T11:58:13.7720964Z", tags: { ...platformTags, workload: "risk", dataClassification: "restricted" },
});
const restrictedIngress = [{ frontendName: `a${hex32("svc/spark-risk")}`, privateIp: "10.14.0.200", k8sService: "spark-risk/ingress-internal" }];
internalIngress({ sub: SUB_A, mcRg: restricted.mcRg, location: EAST, subnetId: spokeRestricted.subnetId, services: restrictedIngress });
const sparkRisk = hdiCluster(restricted, {
  name: "spark-risk", clusterType: "Spark", clusterVersion: "1.1.1", ossVersion: "3.4.1",
  components: [{ name: "Spark", version: "3.4.1" }, { name: "Hive metastore", version: "3.1.2" }],
  profile: { sparkProfile: {} }, internalIngress: true, privateLinkServiceId: restrictedIngress[0].privateLinkServiceId,
});
clusterPrivateDns(restricted, sparkRisk, "10.14.0.200");

// ---------------------------------------------------------------------------------------------
// Subscription B: Contoso Analytics (dev), spokes peered to the hub in A
// ---------------------------------------------------------------------------------------------

// --- 6. pool-sandbox: loadBalancer pool, public-ingress Trino cluster, one leftover public IP, SSH open to the Internet.
const sandboxOutboundName = guid("pip/sandbox-outbound");
const sandboxIngressFe = `a${hex32("svc/trino-sbx")}`;
const spokeSandbox = spoke({
  sub: SUB_B, rg: "rg-net-sandbox", location: EAST, vnetName: "vnet-sandbox", vnetPrefix: "10.20.0.0/16",
  subnetName: "snet-hdi-sandbox", subnetPrefix: "10.20.0.0/24", routes: null,
  ingressPublicIps: ["20.242.19.58"],
  // A vendor's SSH access for the Trino PoC, opened to the whole Internet and never closed.
  extraNsgRules: [
    {
      name: "AllowSshFromInternet",
      description: "TEMP: vendor SSH access for the Trino PoC (CHG0039120)",
      destinationPortRange: "22",
      source: "Internet",
      destination: "*",
      priority: 300,
    },
  ],
  tags: networkTagsB,
});
const sandboxMc = `MC_hdi-${hex32("deployment/pool-sandbox")}_pool-sandbox_${EAST}`;
const sandboxOutboundPipId = netId(SUB_B, sandboxMc, "publicIPAddresses", sandboxOutboundName);
const sandbox = clusterPool({
  sub: SUB_B, rg: "rg-analytics-dev", name: "pool-sandbox", location: EAST, spoke: spokeSandbox,
  outboundType: "loadBalancer", privateApi: false,
  // As AKS often reports it: the node resource group lower-cased inside the id.
  effectiveOutboundIPs: [
    `/subscriptions/${SUB_B}/resourcegroups/${sandboxMc.toLowerCase()}/providers/Microsoft.Network/publicIPAddresses/${sandboxOutboundName}`,
  ],
  publicIngressNsg: [{ address: "20.242.19.58", ports: [80, 443] }],
  createdAt: "2024-10-08T08:31:47.3399120Z", tags: { ...devTags, workload: "sandbox" },
});
const sandboxLbId = netId(SUB_B, sandbox.mcRg, "loadBalancers", "kubernetes");
publicIp({
  sub: SUB_B, rg: sandbox.mcRg, name: sandboxOutboundName, location: EAST, ipAddress: "20.242.17.203",
  ipConfigurationId: `${sandboxLbId}/frontendIPConfigurations/${sandboxOutboundName}`,
  tags: { "aks-managed-type": "aks-slb-managed-outbound-ip" },
});
const sandboxIngressPip = publicIp({
  sub: SUB_B, rg: sandbox.mcRg, name: `kubernetes-${sandboxIngressFe}`, location: EAST, ipAddress: "20.242.19.58",
  ipConfigurationId: `${sandboxLbId}/frontendIPConfigurations/${sandboxIngressFe}`,
  tags: { "k8s-azure-service": "trino-sbx/trino-gateway", "k8s-azure-cluster-name": "kubernetes" },
});
const leftoverPip = publicIp({
  sub: SUB_B, rg: sandbox.mcRg, name: "leftover-pip", location: EAST, ipAddress: "20.232.91.140",
  tags: { createdBy: "a.novak@contoso.com", purpose: "trino poc (2024-03)" }, zones: [],
});
aksPublicLoadBalancer({
  sub: SUB_B, mcRg: sandbox.mcRg, location: EAST,
  outbound: { frontendName: sandboxOutboundName, publicIpId: sandboxOutboundPipId, clusterName: "pool-sandbox", clusterRg: sandbox.hdiRg },
  ingress: [{ frontendName: sandboxIngressFe, publicIpId: sandboxIngressPip.id, ports: [80, 443], nodePorts: { 80: 30880, 443: 30443 } }],
});
hdiCluster(sandbox, {
  name: "trino-sbx", clusterType: "Trino", clusterVersion: "1.2.0", ossVersion: "0.440.0",
  components: [{ name: "Trino", version: "440" }, { name: "Hive metastore", version: "3.1.2" }],
  profile: { trinoProfile: {} }, internalIngress: false, sshCount: 2,
});

// --- 7. aks-payments: plain AKS, userDefinedRouting, private cluster, routed to the hub firewall.
const spokePayments = spoke({
  sub: SUB_B, rg: "rg-payments-network", location: EAST, vnetName: "vnet-payments", vnetPrefix: "10.21.0.0/16",
  subnetName: "snet-aks-payments", subnetPrefix: "10.21.0.0/24", routes: [routeToFirewall, routeFwPublicIp], tags: networkTagsB,
});
const paymentsMc = `MC_rg-payments_aks-payments_${EAST}`;
const paymentsKubelet = userAssignedIdentity({ sub: SUB_B, rg: paymentsMc, name: "aks-payments-agentpool", location: EAST, seed: "kubelet/aks-payments" });
const payments = managedCluster({
  sub: SUB_B, rg: "rg-payments", name: "aks-payments", location: EAST, dnsPrefix: "aks-payments",
  nodeResourceGroup: paymentsMc, outboundType: "userDefinedRouting", privateCluster: true,
  subnetId: spokePayments.subnetId, vnetId: spokePayments.vnetId, apiServerPrivateIp: "10.21.0.4",
  kubelet: paymentsKubelet, tags: { environment: "dev", owner: "payments", pciScope: "true" },
  agentPools: [
    { name: "system", count: 3, vmSize: "Standard_D4ds_v5", mode: "System" },
    { name: "apps", count: 4, vmSize: "Standard_D8ds_v5", mode: "User" },
  ],
});
aksAgentPoolNsg({ sub: SUB_B, mcRg: paymentsMc, location: EAST, seed: payments.id });

// --- 8. aks-web: plain AKS, loadBalancer egress, public ingress (ManagedClustersGet.json shape).
const webMc = `MC_rg-web_aks-web_${EAST}`;
const webOutboundName = guid("pip/aks-web-outbound");
const webIngressFe = `a${hex32("svc/web-frontend")}`;
const spokeWeb = spoke({
  sub: SUB_B, rg: "rg-web-network", location: EAST, vnetName: "vnet-web", vnetPrefix: "10.22.0.0/16",
  subnetName: "snet-aks-web", subnetPrefix: "10.22.0.0/24", routes: null, ingressPublicIps: ["52.146.41.200"], tags: networkTagsB,
});
const webLbId = netId(SUB_B, webMc, "loadBalancers", "kubernetes");
const webOutboundPip = publicIp({
  sub: SUB_B, rg: webMc, name: webOutboundName, location: EAST, ipAddress: "52.146.40.12",
  ipConfigurationId: `${webLbId}/frontendIPConfigurations/${webOutboundName}`,
  tags: { "aks-managed-type": "aks-slb-managed-outbound-ip" },
});
const webIngressPip = publicIp({
  sub: SUB_B, rg: webMc, name: `kubernetes-${webIngressFe}`, location: EAST, ipAddress: "52.146.41.200",
  ipConfigurationId: `${webLbId}/frontendIPConfigurations/${webIngressFe}`,
  tags: { "k8s-azure-service": "ingress-nginx/ingress-nginx-controller", "k8s-azure-cluster-name": "kubernetes" },
});
const webKubelet = userAssignedIdentity({ sub: SUB_B, rg: webMc, name: "aks-web-agentpool", location: EAST, seed: "kubelet/aks-web" });
const web = managedCluster({
  sub: SUB_B, rg: "rg-web", name: "aks-web", location: EAST, dnsPrefix: "aks-web",
  nodeResourceGroup: webMc, outboundType: "loadBalancer", privateCluster: false,
  subnetId: spokeWeb.subnetId, vnetId: spokeWeb.vnetId, effectiveOutboundIPs: [webOutboundPip.id],
  kubelet: webKubelet, tags: { archv2: "", tier: "production" },
  agentPools: [{ name: "nodepool1", count: 3, vmSize: "Standard_DS2_v2", mode: "System" }],
});
aksPublicLoadBalancer({
  sub: SUB_B, mcRg: webMc, location: EAST,
  outbound: { frontendName: webOutboundName, publicIpId: webOutboundPip.id, clusterName: "aks-web", clusterRg: "rg-web" },
  ingress: [{ frontendName: webIngressFe, publicIpId: webIngressPip.id, ports: [80, 443], nodePorts: { 80: 31080, 443: 31443 } }],
});
aksAgentPoolNsg({ sub: SUB_B, mcRg: webMc, location: EAST, seed: web.id, publicIngress: [{ address: "52.146.41.200", ports: [80, 443] }] });

// --- 9. pool-legacy: the pool GET has no networkProfile and no aksManagedResourceGroupName
//        (GetClusterPool.json); the AKS cluster says loadBalancer. westus2, not peered.
const WEST2 = "westus2";
const legacyMc = `MC_hdi-${hex32("deployment/pool-legacy")}_pool-legacy_${WEST2}`;
const legacyOutboundName = guid("pip/legacy-outbound");
const legacyIngressFe = `a${hex32("svc/flink-legacy")}`;
const spokeLegacy = spoke({
  sub: SUB_B, rg: "rg-net-legacy", location: WEST2, vnetName: "vnet-legacy", vnetPrefix: "10.23.0.0/16",
  subnetName: "snet-hdi-legacy", subnetPrefix: "10.23.0.0/24", routes: null, ingressPublicIps: ["20.69.151.9"], tags: networkTagsB,
});
const legacyOutboundPipId = netId(SUB_B, legacyMc, "publicIPAddresses", legacyOutboundName);
const legacy = clusterPool({
  sub: SUB_B, rg: "rg-analytics-dev", name: "pool-legacy", location: WEST2, spoke: spokeLegacy,
  outboundType: "loadBalancer", privateApi: false, legacyShape: true, clusterPoolVersion: "1.1", aksVersion: "1.27",
  effectiveOutboundIPs: [legacyOutboundPipId], publicIngressNsg: [{ address: "20.69.151.9", ports: [443] }],
  createdAt: "2023-10-16T13:05:29.4410038Z", tags: { ...devTags, workload: "legacy-streaming" },
});
const legacyLbId = netId(SUB_B, legacy.mcRg, "loadBalancers", "kubernetes");
publicIp({
  sub: SUB_B, rg: legacy.mcRg, name: legacyOutboundName, location: WEST2, ipAddress: "20.69.150.33",
  ipConfigurationId: `${legacyLbId}/frontendIPConfigurations/${legacyOutboundName}`,
  tags: { "aks-managed-type": "aks-slb-managed-outbound-ip" },
});
const legacyIngressPip = publicIp({
  sub: SUB_B, rg: legacy.mcRg, name: `kubernetes-${legacyIngressFe}`, location: WEST2, ipAddress: "20.69.151.9",
  ipConfigurationId: `${legacyLbId}/frontendIPConfigurations/${legacyIngressFe}`,
  tags: { "k8s-azure-service": "flink-legacy/flink-gateway", "k8s-azure-cluster-name": "kubernetes" },
});
aksPublicLoadBalancer({
  sub: SUB_B, mcRg: legacy.mcRg, location: WEST2,
  outbound: { frontendName: legacyOutboundName, publicIpId: legacyOutboundPipId, clusterName: "pool-legacy", clusterRg: legacy.hdiRg },
  ingress: [{ frontendName: legacyIngressFe, publicIpId: legacyIngressPip.id, ports: [443], nodePorts: { 443: 32443 } }],
});
hdiCluster(legacy, {
  name: "flink-legacy", clusterType: "Flink", clusterVersion: "1.0.6", ossVersion: "1.16.0",
  components: [{ name: "Flink", version: "1.16.0" }], legacyIdentityProfile: true,
  profile: {
    flinkProfile: {
      storage: { storageUri: "abfs://flink@stlegacyflinkdev.dfs.core.windows.net" },
      jobManager: { cpu: 1, memory: 2048 },
      taskManager: { cpu: 1, memory: 2048 },
    },
  },
  internalIngress: false, createdAt: "2023-10-16T15:47:02.1208764Z",
});

// ---------------------------------------------------------------------------------------------
// Subscription B: pool-ml (a pool whose AKS cluster was changed behind its back)
// ---------------------------------------------------------------------------------------------

// --- 11. pool-ml: created as a loadBalancer pool with a public API server. The platform team later
//         hardened the AKS cluster in place: `az aks update --outbound-type userDefinedRouting` (with a
//         route table to the hub firewall) and `--enable-apiserver-vnet-integration --enable-private-cluster`.
//         The pool GET still states the creation values (both are create-only on the pool), so pool and
//         AKS disagree: pool-outbound-type and api-server-private fail. The subnet's 0.0.0.0/0 → firewall
//         route brings the firewall checks in, and fw-hub allows everything the pool needs.
const spokeMl = spoke({
  sub: SUB_B, rg: "rg-net-ml", location: EAST, vnetName: "vnet-ml", vnetPrefix: "10.24.0.0/16",
  subnetName: "snet-hdi-ml", subnetPrefix: "10.24.0.0/24", routes: [routeToFirewall, routeFwPublicIp],
  extraSubnets: [{ name: "snet-aks-apiserver", prefix: "10.24.1.0/28", delegation: "Microsoft.ContainerService/managedClusters" }],
  tags: networkTagsB,
});
const ml = clusterPool({
  sub: SUB_B, rg: "rg-analytics-dev", name: "pool-ml", location: EAST, spoke: spokeMl,
  outboundType: "loadBalancer", privateApi: false,
  aksOutboundType: "userDefinedRouting", aksPrivateCluster: true,
  apiServerSubnetId: `${spokeMl.vnetId}/subnets/snet-aks-apiserver`, apiServerPrivateIp: "10.24.1.4",
  createdAt: "2024-12-03T13:44:18.9920417Z", tags: { ...devTags, workload: "ml" },
});
const mlIngress = [{ frontendName: `a${hex32("svc/spark-ml")}`, privateIp: "10.24.0.200", k8sService: "spark-ml/ingress-internal" }];
internalIngress({ sub: SUB_B, mcRg: ml.mcRg, location: EAST, subnetId: spokeMl.subnetId, services: mlIngress });
const sparkMl = hdiCluster(ml, {
  name: "spark-ml", clusterType: "Spark", clusterVersion: "1.1.1", ossVersion: "3.4.1",
  components: [{ name: "Spark", version: "3.4.1" }, { name: "Hive metastore", version: "3.1.2" }],
  profile: { sparkProfile: {} }, internalIngress: true, privateLinkServiceId: mlIngress[0].privateLinkServiceId, workers: 4,
});
clusterPrivateDns(ml, sparkMl, "10.24.0.200", [{ name: "vnet-hub-link", vnetId: hubVnetId }]);

// ---------------------------------------------------------------------------------------------
// Subscription A, West Europe: pool-telemetry behind a second hub
// ---------------------------------------------------------------------------------------------

const WEU = "westeurope";
const HUB_WEU_RG = "rg-hub-weu";
const HUB_WEU_PREFIX = "10.1.0.0/16";
const FW_WEU_PRIVATE_IP = "10.1.1.4";
const FW_WEU_PUBLIC_IP = "51.124.78.201";
const hubWeuVnetId = netId(SUB_A, HUB_WEU_RG, "virtualNetworks", "vnet-hub-weu");
const fwWeuId = netId(SUB_A, HUB_WEU_RG, "azureFirewalls", "fw-hub-weu");
const fwWeuIpConfigId = `${fwWeuId}/ipConfigurations/fw-hub-weu-ipconfig`;
const fwpWeuBaseId = netId(SUB_A, HUB_WEU_RG, "firewallPolicies", "fwp-weu-base");
const fwpWeuId = netId(SUB_A, HUB_WEU_RG, "firewallPolicies", "fwp-weu-egress");
const fwWeuPip = publicIp({
  sub: SUB_A, rg: HUB_WEU_RG, name: "fw-hub-weu-pip", location: WEU, ipAddress: FW_WEU_PUBLIC_IP,
  ipConfigurationId: fwWeuIpConfigId, tags: networkTagsA,
});

// --- 10. pool-telemetry: a correctly routed UDR pool (private API server, private-ingress Spark cluster)
//         whose firewall policy does not let it work: fwp-weu-egress (child of fwp-weu-base) lacks
//         graph.microsoft.com, a data-protection deny collection shadows *.blob.core.windows.net, and a
//         "temporary" application rule allows Http:80 to every FQDN.
const spokeTelemetry = spoke({
  sub: SUB_A, rg: "rg-net-telemetry", location: WEU, vnetName: "vnet-telemetry", vnetPrefix: "10.16.0.0/16",
  subnetName: "snet-hdi-telemetry", subnetPrefix: "10.16.0.0/24",
  routes: [
    { name: "default-to-fw-hub-weu", addressPrefix: "0.0.0.0/0", nextHopType: "VirtualAppliance", nextHopIpAddress: FW_WEU_PRIVATE_IP },
    { name: "fw-hub-weu-pip-to-internet", addressPrefix: `${FW_WEU_PUBLIC_IP}/32`, nextHopType: "Internet" },
  ],
  tags: networkTagsA,
});
const telemetry = clusterPool({
  sub: SUB_A, rg: "rg-dataplatform", name: "pool-telemetry", location: WEU, spoke: spokeTelemetry,
  outboundType: "userDefinedRouting", privateApi: true, apiServerPrivateIp: "10.16.0.4",
  createdAt: "2024-11-12T10:27:36.4417093Z", tags: { ...platformTags, workload: "telemetry" },
});
const telemetryIngress = [{ frontendName: `a${hex32("svc/spark-tel")}`, privateIp: "10.16.0.200", k8sService: "spark-tel/ingress-internal" }];
internalIngress({ sub: SUB_A, mcRg: telemetry.mcRg, location: WEU, subnetId: spokeTelemetry.subnetId, services: telemetryIngress });
const sparkTel = hdiCluster(telemetry, {
  name: "spark-tel", clusterType: "Spark", clusterVersion: "1.1.1", ossVersion: "3.4.1",
  components: [{ name: "Spark", version: "3.4.1" }, { name: "Hive metastore", version: "3.1.2" }],
  profile: { sparkProfile: {} }, internalIngress: true, privateLinkServiceId: telemetryIngress[0].privateLinkServiceId,
});
clusterPrivateDns(telemetry, sparkTel, "10.16.0.200", [{ name: "vnet-hub-weu-link", vnetId: hubWeuVnetId }]);

// ---------------------------------------------------------------------------------------------
// The hubs: VNet, Azure Firewall, firewall policy (subscription A: rg-hub in eastus, rg-hub-weu in westeurope)
// ---------------------------------------------------------------------------------------------

/** A hub VNet with its AzureFirewallSubnet, peered with the given spokes (hub side of the peering). */
function hubVnet({ sub, rg, name, location, prefix, firewallSubnetPrefix, spokes, tags }) {
  const id = netId(sub, rg, "virtualNetworks", name);
  for (const s of spokes) peerWithHub(s, id, prefix);
  return add({
    name,
    id,
    etag: netEtag(id),
    type: "Microsoft.Network/virtualNetworks",
    location,
    tags,
    properties: {
      provisioningState: "Succeeded",
      resourceGuid: guid(`rguid/${id}`),
      addressSpace: { addressPrefixes: [prefix] },
      subnets: [
        {
          name: "AzureFirewallSubnet",
          id: `${id}/subnets/AzureFirewallSubnet`,
          etag: netEtag(`${id}/subnets/AzureFirewallSubnet`),
          type: "Microsoft.Network/virtualNetworks/subnets",
          properties: {
            provisioningState: "Succeeded",
            addressPrefix: firewallSubnetPrefix,
            serviceEndpoints: [],
            delegations: [],
            privateEndpointNetworkPolicies: "Disabled",
            privateLinkServiceNetworkPolicies: "Enabled",
          },
        },
      ],
      virtualNetworkPeerings: spokes.map((s) => {
        const peering = `peer-to-${s.vnetId.split("/").pop()}`;
        const peeringId = `${id}/virtualNetworkPeerings/${peering}`;
        return {
          name: peering,
          id: peeringId,
          etag: netEtag(peeringId),
          type: "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
          properties: {
            provisioningState: "Succeeded",
            peeringState: "Connected",
            peeringSyncLevel: "FullyInSync",
            remoteVirtualNetwork: { id: s.vnetId },
            allowVirtualNetworkAccess: true,
            allowForwardedTraffic: false,
            allowGatewayTransit: false,
            useRemoteGateways: false,
            remoteAddressSpace: { addressPrefixes: [s.vnetPrefix] },
          },
        };
      }),
      enableDdosProtection: false,
    },
  });
}

/** An Azure Firewall (AZFW_VNet Standard) run by a firewall policy; no classic rules. */
function azureFirewall({ id, name, location, ipConfigId, privateIp, vnetId, publicIpId, policyId, tags }) {
  return add({
    name,
    id,
    type: "Microsoft.Network/azureFirewalls",
    etag: netEtag(id),
    location,
    zones: ["1", "2", "3"],
    tags,
    properties: {
      provisioningState: "Succeeded",
      sku: { name: "AZFW_VNet", tier: "Standard" },
      threatIntelMode: "Alert",
      ipConfigurations: [
        {
          name: ipConfigId.split("/").pop(),
          id: ipConfigId,
          etag: netEtag(ipConfigId),
          properties: {
            provisioningState: "Succeeded",
            privateIPAddress: privateIp,
            subnet: { id: `${vnetId}/subnets/AzureFirewallSubnet` },
            publicIPAddress: { id: publicIpId },
          },
        },
      ],
      applicationRuleCollections: [],
      natRuleCollections: [],
      networkRuleCollections: [],
      firewallPolicy: { id: policyId },
      ipGroups: [],
      additionalProperties: {},
    },
  });
}

/** A firewall policy (FirewallPolicyGet.json shape); `basePolicyId` makes it a child policy. */
function firewallPolicy({ id, location, size, ruleCollectionGroupIds, firewallIds = [], basePolicyId, childPolicyIds = [], tags }) {
  return add({
    name: id.split("/").pop(),
    id,
    type: "Microsoft.Network/firewallPolicies",
    etag: netEtag(id),
    location,
    tags,
    properties: {
      size,
      provisioningState: "Succeeded",
      sku: { tier: "Standard" },
      ...(basePolicyId ? { basePolicy: { id: basePolicyId } } : {}),
      threatIntelMode: "Alert",
      threatIntelWhitelist: { ipAddresses: [], fqdns: [] },
      ruleCollectionGroups: ruleCollectionGroupIds.map((x) => ({ id: x })),
      firewalls: firewallIds.map((x) => ({ id: x })),
      childPolicies: childPolicyIds.map((x) => ({ id: x })),
      snat: { privateRanges: ["IANAPrivateRanges"] },
      dnsSettings: { servers: [], enableProxy: true },
    },
  });
}

/** A rule collection group of a firewall policy. */
function rcg(policyId, name, priority, ruleCollections) {
  const id = `${policyId}/ruleCollectionGroups/${name}`;
  add({
    name,
    id,
    type: "Microsoft.Network/firewallPolicies/ruleCollectionGroups",
    etag: netEtag(id),
    properties: { size: "0.012 MB", provisioningState: "Succeeded", priority, ruleCollections },
  });
  return id;
}

/** A filter rule collection (`action` Allow or Deny). */
const filterCollection = (name, priority, action, rules) => ({
  ruleCollectionType: "FirewallPolicyFilterRuleCollection",
  name,
  priority,
  action: { type: action },
  rules,
});
const netRule = (name, description, sources, destinations, protocols, ports, kind = "addresses") => ({
  ruleType: "NetworkRule",
  name,
  description,
  ipProtocols: protocols,
  sourceAddresses: sources,
  sourceIpGroups: [],
  destinationAddresses: kind === "addresses" ? destinations : [],
  destinationIpGroups: [],
  destinationFqdns: kind === "fqdns" ? destinations : [],
  destinationPorts: ports,
});
const appRule = (name, description, sources, protocols, { targetFqdns = [], fqdnTags = [] }) => ({
  ruleType: "ApplicationRule",
  name,
  description,
  protocols,
  sourceAddresses: sources,
  sourceIpGroups: [],
  targetFqdns,
  targetUrls: [],
  fqdnTags,
  webCategories: [],
  destinationAddresses: [],
  terminateTLS: false,
  httpHeadersToInsert: [],
});
const https = [{ protocolType: "Https", port: 443 }];
const httpAndHttps = [{ protocolType: "Http", port: 80 }, ...https];
/** The HDInsight on AKS common FQDNs (Https 443). */
const HDI_COMMON_FQDNS = [
  "hiloprodrpacr00.azurecr.io",
  "*.blob.core.windows.net",
  "graph.microsoft.com",
  "*.servicebus.windows.net",
  "*.table.core.windows.net",
  "gcs.prod.monitoring.core.windows.net",
];

// --- eastus hub (rg-hub): fw-hub run by fwp-egress. Every spoke but vnet-legacy (westus2) is peered.
const peeredSpokes = [spokeFinance, spokeMarketing, spokeIngest, spokeReporting, spokeRestricted, spokeSandbox, spokePayments, spokeWeb, spokeMl];
hubVnet({
  sub: SUB_A, rg: HUB_RG, name: "vnet-hub", location: EAST, prefix: HUB_PREFIX, firewallSubnetPrefix: "10.0.1.0/26",
  spokes: peeredSpokes, tags: networkTagsA,
});
azureFirewall({
  id: fwId, name: "fw-hub", location: EAST, ipConfigId: fwIpConfigId, privateIp: FW_PRIVATE_IP, vnetId: hubVnetId,
  publicIpId: fwPip.id, policyId: fwPolicyId, tags: networkTagsA,
});

// Egress rules: sources are the subnets whose default route goes to this firewall (the UDR targets, and
// pool-ml since its AKS cluster was moved to userDefinedRouting).
const fwHubSpokes = [spokeFinance, spokeMarketing, spokeIngest, spokeReporting, spokeRestricted, spokePayments, spokeMl];
const fwHubSources = fwHubSpokes.map((s) => s.subnetPrefix);
const apiServerFqdns = [finance.aks, marketing.aks, ingest.aks, reporting.aks, restricted.aks, payments, ml.aks].flatMap((a) =>
  [a.fqdn, a.privateFqdn].filter(Boolean),
);
const rcgHdi = rcg(fwPolicyId, "rcg-hdinsight-aks-egress", 200, [
  filterCollection("aksfwnr", 100, "Allow", [
    netRule("aks-tunnel-udp-1194", "AKS node to control plane tunnel", fwHubSources, ["AzureCloud.EastUS"], ["UDP"], ["1194"]),
    netRule("aks-tunnel-tcp-9000", "AKS node to control plane tunnel", fwHubSources, ["AzureCloud.EastUS"], ["TCP"], ["9000"]),
    netRule("aks-api-server", "Pods to the AKS API servers of the UDR clusters", fwHubSources, apiServerFqdns, ["TCP"], ["443"], "fqdns"),
    netRule("azure-monitor", "Azure Monitor (Log Analytics)", fwHubSources, ["AzureMonitor"], ["TCP"], ["443"]),
    netRule("spark-azure-files", "Spark: SMB to Azure Files", fwHubSources, ["Storage.EastUS"], ["TCP"], ["445"]),
    netRule("sql-redirect", "Spark/Trino Hive metastore: Azure SQL redirect policy", fwHubSources, ["Sql.EastUS"], ["TCP"], ["11000-11999"]),
  ]),
  filterCollection("aksfwar", 200, "Allow", [
    appRule("aks-fqdn-tag", "AKS base requirements", fwHubSources, httpAndHttps, { fqdnTags: ["AzureKubernetesService"] }),
    appRule("hdinsight-on-aks-common", "HDInsight on AKS: images, setup, authentication, monitoring", fwHubSources, https, {
      targetFqdns: HDI_COMMON_FQDNS,
    }),
    appRule("adls-gen2", "Spark, Trino and Flink: ADLS Gen2 storage", fwHubSources, https, { targetFqdns: ["*.dfs.core.windows.net"] }),
    appRule("azure-sql", "Hive metastore on Azure SQL", fwHubSources, [{ protocolType: "Mssql", port: 1433 }], { targetFqdns: ["*.database.windows.net"] }),
  ]),
]);
const rcgPlatform = rcg(fwPolicyId, "rcg-platform-baseline", 300, [
  filterCollection("os-updates", 100, "Allow", [
    appRule(
      "ubuntu-updates",
      "Node OS security updates",
      peeredSpokes.map((s) => s.vnetPrefix),
      [{ protocolType: "Http", port: 80 }],
      { targetFqdns: ["security.ubuntu.com", "azure.archive.ubuntu.com", "changelogs.ubuntu.com"] },
    ),
  ]),
]);
firewallPolicy({ id: fwPolicyId, location: EAST, size: "0.024 MB", ruleCollectionGroupIds: [rcgHdi, rcgPlatform], firewallIds: [fwId], tags: networkTagsA });

// --- westeurope hub (rg-hub-weu): fw-hub-weu run by fwp-egress-weu, a child of the platform team's fwp-weu-base.
hubVnet({
  sub: SUB_A, rg: HUB_WEU_RG, name: "vnet-hub-weu", location: WEU, prefix: HUB_WEU_PREFIX, firewallSubnetPrefix: "10.1.1.0/26",
  spokes: [spokeTelemetry], tags: networkTagsA,
});
azureFirewall({
  id: fwWeuId, name: "fw-hub-weu", location: WEU, ipConfigId: fwWeuIpConfigId, privateIp: FW_WEU_PRIVATE_IP, vnetId: hubWeuVnetId,
  publicIpId: fwWeuPip.id, policyId: fwpWeuId, tags: networkTagsA,
});
// Parent policy (platform team): what every AKS spoke of the region needs, for the region's spoke range.
const weuSpokeRange = [spokeTelemetry.vnetPrefix];
const rcgWeuBase = rcg(fwpWeuBaseId, "rcg-platform-aks", 100, [
  filterCollection("aks-control-plane", 100, "Allow", [
    netRule("aks-tunnel-udp-1194", "AKS node to control plane tunnel", weuSpokeRange, ["AzureCloud.WestEurope"], ["UDP"], ["1194"]),
    netRule("aks-tunnel-tcp-9000", "AKS node to control plane tunnel", weuSpokeRange, ["AzureCloud.WestEurope"], ["TCP"], ["9000"]),
  ]),
  filterCollection("aks-fqdn-tag", 200, "Allow", [
    appRule("aks-fqdn-tag", "AKS base requirements", weuSpokeRange, httpAndHttps, { fqdnTags: ["AzureKubernetesService"] }),
  ]),
]);
firewallPolicy({ id: fwpWeuBaseId, location: WEU, size: "0.008 MB", ruleCollectionGroupIds: [rcgWeuBase], childPolicyIds: [fwpWeuId], tags: networkTagsA });
// Child policy (workload rules). The drift: the common list was copied without graph.microsoft.com; a
// data-protection deny collection (priority 100) blocks *.blob.core.windows.net before the HDInsight
// allow (priority 200) can match; and a temporary exception allows Http:80 to any FQDN.
const telemetrySources = [spokeTelemetry.subnetPrefix];
const rcgWeuDlp = rcg(fwpWeuId, "rcg-data-protection", 100, [
  filterCollection("deny-storage-uploads", 100, "Deny", [
    appRule("deny-blob-storage", "DLP-2291: no uploads to storage accounts outside the data platform", weuSpokeRange, https, {
      targetFqdns: ["*.blob.core.windows.net"],
    }),
  ]),
]);
const rcgWeuHdi = rcg(fwpWeuId, "rcg-hdinsight-aks-egress", 200, [
  filterCollection("aksfwnr", 100, "Allow", [
    netRule("spark-azure-files", "Spark: SMB to Azure Files", telemetrySources, ["Storage.WestEurope"], ["TCP"], ["445"]),
    netRule("sql-redirect", "Spark Hive metastore: Azure SQL redirect policy", telemetrySources, ["Sql.WestEurope"], ["TCP"], ["11000-11999"]),
  ]),
  filterCollection("aksfwar", 200, "Allow", [
    appRule("hdinsight-on-aks-common", "HDInsight on AKS: images, setup, monitoring", telemetrySources, https, {
      targetFqdns: HDI_COMMON_FQDNS.filter((f) => f !== "graph.microsoft.com"),
    }),
    appRule("adls-gen2", "Spark: ADLS Gen2 storage", telemetrySources, https, { targetFqdns: ["*.dfs.core.windows.net"] }),
    appRule("azure-sql", "Hive metastore on Azure SQL", telemetrySources, [{ protocolType: "Mssql", port: 1433 }], { targetFqdns: ["*.database.windows.net"] }),
  ]),
]);
const rcgWeuTemp = rcg(fwpWeuId, "rcg-temporary-exceptions", 400, [
  filterCollection("temp-allow", 100, "Allow", [
    appRule("allow-http-any", "TEMP INC-88412: package mirrors for the Spark image rebuild", telemetrySources, [{ protocolType: "Http", port: 80 }], {
      targetFqdns: ["*"],
    }),
  ]),
]);
firewallPolicy({
  id: fwpWeuId, location: WEU, size: "0.016 MB", ruleCollectionGroupIds: [rcgWeuDlp, rcgWeuHdi, rcgWeuTemp], firewallIds: [fwWeuId],
  basePolicyId: fwpWeuBaseId, tags: networkTagsA,
});

// ---------------------------------------------------------------------------------------------
// Role assignments
// ---------------------------------------------------------------------------------------------

const nc = (scope, principalId, seed, description) =>
  roleAssignment({ scope, role: ROLE.networkContributor, principalId, seed, description });

// UDR targets: the AKS cluster identity holds Network Contributor over its routing resources.
nc(rgId(SUB_A, "rg-net-finance"), finance.aks.principalId, "nc/finance", "pool-finance AKS: UDR network resources");
// pool-marketing: three resource-scoped assignments (VNet, route table, NSG) instead of one on the group.
nc(spokeMarketing.vnetId, marketing.aks.principalId, "nc/marketing/vnet");
nc(spokeMarketing.routeTableId, marketing.aks.principalId, "nc/marketing/rt");
nc(spokeMarketing.nsgId, marketing.aks.principalId, "nc/marketing/nsg");
nc(rgId(SUB_A, "rg-net-ingest"), ingest.aks.principalId, "nc/ingest", "pool-ingest AKS: UDR network resources");
// pool-reporting: granted on the VNet only (as for a bring-your-own-subnet loadBalancer cluster); the route
// table and the NSG that userDefinedRouting also needs were never granted.
nc(spokeReporting.vnetId, reporting.aks.principalId, "nc/reporting/vnet", "pool-reporting AKS: virtual network");
nc(rgId(SUB_A, "rg-net-restricted"), restricted.aks.principalId, "nc/restricted", "pool-restricted AKS: UDR network resources");
nc(rgId(SUB_B, "rg-payments-network"), payments.principalId, "nc/payments", "aks-payments: UDR network resources");
nc(rgId(SUB_A, "rg-net-telemetry"), telemetry.aks.principalId, "nc/telemetry", "pool-telemetry AKS: UDR network resources");
nc(rgId(SUB_B, "rg-net-ml"), ml.aks.principalId, "nc/ml", "pool-ml AKS: network resources (userDefinedRouting since the in-place switch)");
// Bring-your-own-subnet clusters with loadBalancer egress (AKS manages LB services in the subnet).
nc(spokeSandbox.vnetId, sandbox.aks.principalId, "nc/sandbox");
nc(spokeWeb.vnetId, web.principalId, "nc/web");
nc(spokeLegacy.vnetId, legacy.aks.principalId, "nc/legacy");
// Inherited noise: a security group reads both subscriptions.
for (const [sub, seed] of [[SUB_A, "reader/a"], [SUB_B, "reader/b"]]) {
  roleAssignment({
    scope: `/subscriptions/${sub}`,
    role: ROLE.reader,
    principalId: guid("group/security-auditors"),
    principalType: "Group",
    seed,
  });
}

// ---------------------------------------------------------------------------------------------
// Read-only back-references: a subnet lists the IP configurations that live in it
// (NIC ipConfigurations, load balancer frontends, firewall ipConfigurations), as VirtualNetworkGet.json.
// ---------------------------------------------------------------------------------------------

{
  const inSubnet = new Map();
  const visit = (value) => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (value === null || typeof value !== "object") return;
    const subnetRef = value.properties?.subnet?.id;
    const isIpConfig = /\/(ipConfigurations|frontendIPConfigurations)\/[^/]+$/i.test(value.id ?? "") && !/privateLinkServices/i.test(value.id);
    if (typeof subnetRef === "string" && isIpConfig) {
      const key = subnetRef.toLowerCase();
      if (!inSubnet.has(key)) inSubnet.set(key, []);
      inSubnet.get(key).push({ id: value.id });
    }
    for (const v of Object.values(value)) visit(v);
  };
  resources.forEach((r) => visit(r.properties));
  for (const r of resources) {
    if (r.type !== "Microsoft.Network/virtualNetworks") continue;
    for (const s of r.properties.subnets) {
      const refs = inSubnet.get(s.id.toLowerCase());
      if (refs) s.properties.ipConfigurations = refs;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The estate and what a scan must find
// ---------------------------------------------------------------------------------------------

const estate = {
  $schema: "https://egress-audit.dev/schemas/estate.schema.json",
  schemaVersion: 1,
  description:
    "Demo estate: 11 targets (9 HDInsight on AKS cluster pools, 2 plain AKS clusters) in 2 subscriptions behind two hub Azure Firewalls (eastus, westeurope). " +
    "Compliant: pool-finance, aks-payments, aks-web, pool-legacy. Drifted: pool-marketing (stray public IPs, Flink UI exposed publicly), " +
    "pool-ingest (default route to Internet, stale DNS record), pool-reporting (default route to an address with no firewall, Network Contributor on the VNet only), " +
    "pool-sandbox (unexplained public IP, SSH open to the Internet), pool-telemetry (firewall policy misses required egress and allows Http to any FQDN), " +
    "pool-ml (AKS cluster changed behind the pool: outbound type and API server exposure disagree). Unknown: pool-restricted (network resources unreadable). " +
    "Every check fails on at least one target and passes on at least one. See estates/README.md.",
  subscriptions: [
    { subscriptionId: SUB_A, displayName: "Contoso Data Platform (prod)", tenantId: TENANT, state: "Enabled" },
    { subscriptionId: SUB_B, displayName: "Contoso Analytics (dev)", tenantId: TENANT, state: "Enabled" },
  ],
  resources,
  // The whole network resource group is forbidden: its lists come back without it and reads
  // inside it answer 403, so a scanner must not take its silence for compliance.
  forbiddenScopes: [rgId(SUB_A, "rg-net-restricted")],
  options: { pageSize: 5 },
};

// What a scan with no baseline must report: per target, every `fail` and every `unknown` finding
// (checkId + resourceId; `item` where one resource carries several). Written from the drift seeded
// above, not from a scan: a failing test then says whether the estate or the scanner is wrong.
const fwNotJudged = (subnetId) => [
  { checkId: "firewall-required-egress", resourceId: subnetId },
  { checkId: "firewall-overbroad-allow", resourceId: subnetId },
];
const expected = {
  targets: {
    "pool-finance": { kind: "clusterPool", status: "compliant", failing: [], unknown: [] },
    "pool-marketing": {
      kind: "clusterPool",
      status: "drifted",
      failing: [
        { checkId: "mc-group-public-ip", resourceId: debugPip.id },
        { checkId: "mc-group-public-ip", resourceId: marketingUiPip.id },
        { checkId: "cluster-private-ingress", resourceId: marketingUiPip.id },
      ],
      unknown: [],
    },
    "pool-ingest": {
      kind: "clusterPool",
      status: "drifted",
      failing: [
        { checkId: "subnet-default-route", resourceId: spokeIngest.subnetId },
        { checkId: "default-route-firewall", resourceId: spokeIngest.subnetId },
        { checkId: "private-dns-a-record", resourceId: staleRecordId },
      ],
      // The default route reaches no firewall (NoFirewallRoute): there are no rules to judge.
      unknown: fwNotJudged(spokeIngest.subnetId),
    },
    "pool-reporting": {
      kind: "clusterPool",
      status: "drifted",
      failing: [
        { checkId: "default-route-firewall", resourceId: spokeReporting.subnetId },
        { checkId: "udr-network-contributor", resourceId: spokeReporting.routeTableId },
        { checkId: "udr-network-contributor", resourceId: spokeReporting.nsgId },
      ],
      // No Azure Firewall at 10.0.1.68 (FirewallNotFound): there are no rules to judge.
      unknown: fwNotJudged(spokeReporting.subnetId),
    },
    "pool-restricted": {
      kind: "clusterPool",
      status: "unknown",
      failing: [],
      // Everything that needs the subnet (403 AuthorizationFailed).
      unknown: [
        "subnet-default-route",
        "default-route-firewall",
        "firewall-required-egress",
        "firewall-overbroad-allow",
        "subnet-nsg-inbound",
        "udr-network-contributor",
      ].map((checkId) => ({ checkId, resourceId: spokeRestricted.subnetId })),
    },
    "pool-sandbox": {
      kind: "clusterPool",
      status: "drifted",
      failing: [
        { checkId: "mc-group-public-ip", resourceId: leftoverPip.id },
        { checkId: "subnet-nsg-inbound", resourceId: spokeSandbox.subnetId },
      ],
      unknown: [],
    },
    "aks-payments": { kind: "aksCluster", status: "compliant", failing: [], unknown: [] },
    "aks-web": { kind: "aksCluster", status: "compliant", failing: [], unknown: [] },
    "pool-legacy": { kind: "clusterPool", status: "compliant", failing: [], unknown: [] },
    "pool-telemetry": {
      kind: "clusterPool",
      status: "drifted",
      failing: [
        { checkId: "firewall-required-egress", resourceId: fwpWeuId, item: "fqdn *.blob.core.windows.net Https:443" },
        { checkId: "firewall-required-egress", resourceId: fwpWeuId, item: "fqdn graph.microsoft.com Https:443" },
        { checkId: "firewall-overbroad-allow", resourceId: fwpWeuId, item: "fwp-weu-egress/rcg-temporary-exceptions/temp-allow/allow-http-any" },
      ],
      unknown: [],
    },
    "pool-ml": {
      kind: "clusterPool",
      status: "drifted",
      failing: [
        { checkId: "pool-outbound-type", resourceId: ml.poolId },
        { checkId: "api-server-private", resourceId: ml.poolId },
      ],
      unknown: [],
    },
  },
};

writeFileSync(join(here, "demo.json"), `${JSON.stringify(estate, null, 2)}\n`);
writeFileSync(join(here, "demo.expected.json"), `${JSON.stringify(expected, null, 2)}\n`);
stdout.write(
  `wrote ${resources.length} resources to estates/demo.json and ${Object.keys(expected.targets).length} targets to estates/demo.expected.json\n`,
);
