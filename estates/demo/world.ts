/**
 * The demo world's fixed facts: tenant, subscriptions, regions, hubs, tags, and where its
 * resources are collected (in the order they are built: the order of `demo.json`).
 *
 * GUIDs, deployment ids, hashes and etags come from {@link ids} (a fixed namespace), so the
 * estate is the same byte for byte on every run.
 */
import type { EstateResource } from "../../src/emulator/estate.js";
import { exampleStyle, netId, seededIds, type RouteSpec, type Tags } from "../../src/emulator/builders/index.js";

/** Deterministic identifiers of the demo. */
export const ids = seededIds({ namespace: "egress-audit-demo/" });
/** Every demo body has the whole shape of Microsoft's example. */
export const style = exampleStyle(ids);

const resources: EstateResource[] = [];

/** Adds a resource to the estate (in build order) and returns it. */
export function add<T extends EstateResource>(resource: T): T {
  resources.push(resource);
  return resource;
}

/** Adds resources to the estate, in order. */
export function addAll(list: readonly EstateResource[]): void {
  resources.push(...list);
}

/** Every resource added so far, in build order. */
export function allResources(): EstateResource[] {
  return [...resources];
}

/** The one tenant of both subscriptions. */
export const TENANT = "4c7b2e91-3d8a-4f06-b5e2-8a1c9d0f6e37";
/** Contoso Data Platform (prod). */
export const SUB_A = "3f2a8c4e-7b1d-4e59-9c0a-2d6f1b8e4a73";
/** Contoso Analytics (dev). */
export const SUB_B = "b7e4c2a9-1f3d-4e8b-a6c5-92d0f7e3b1a4";
/** Contoso Digital (prod): AKS only, `Microsoft.HDInsight` not registered. */
export const SUB_C = "5d9e1c7a-2b4f-4a83-9e61-c3f07b2d8a15";
/**
 * Contoso Connectivity: the partner hub's subscription. The scanner's identity cannot see it (it
 * is not in the subscription list, and every read in it answers 403).
 */
export const SUB_D = "e2a6f4b8-9c1d-4f7e-8a3b-6d5c0e1f2a94";

/** The Kubernetes version of every AKS cluster unless stated. */
export const K8S_VERSION = "1.29.7";
/** Who created the pools and clusters (`systemData`). */
export const CREATED_BY = "platform-pipeline@contoso.com";

/** The regions of the demo. */
export const EAST = "eastus";
export const WEST2 = "westus2";
export const WEU = "westeurope";
export const EAST2 = "eastus2";

// The eastus hub (subscription A, rg-hub).
export const HUB_RG = "rg-hub";
export const HUB_PREFIX = "10.0.0.0/16";
export const FW_PRIVATE_IP = "10.0.1.4";
export const FW_PUBLIC_IP = "20.121.84.17";
export const hubVnetId = netId(SUB_A, HUB_RG, "virtualNetworks", "vnet-hub");
export const fwId = netId(SUB_A, HUB_RG, "azureFirewalls", "fw-hub");
export const fwIpConfigId = `${fwId}/ipConfigurations/fw-hub-ipconfig`;
export const fwPolicyId = netId(SUB_A, HUB_RG, "firewallPolicies", "fwp-egress");

// The westeurope hub (subscription A, rg-hub-weu).
export const HUB_WEU_RG = "rg-hub-weu";
export const HUB_WEU_PREFIX = "10.1.0.0/16";
export const FW_WEU_PRIVATE_IP = "10.1.1.4";
export const FW_WEU_PUBLIC_IP = "51.124.78.201";
export const hubWeuVnetId = netId(SUB_A, HUB_WEU_RG, "virtualNetworks", "vnet-hub-weu");
export const fwWeuId = netId(SUB_A, HUB_WEU_RG, "azureFirewalls", "fw-hub-weu");
export const fwWeuIpConfigId = `${fwWeuId}/ipConfigurations/fw-hub-weu-ipconfig`;
export const fwpWeuBaseId = netId(SUB_A, HUB_WEU_RG, "firewallPolicies", "fwp-weu-base");
export const fwpWeuId = netId(SUB_A, HUB_WEU_RG, "firewallPolicies", "fwp-weu-egress");

// The Virtual WAN of subscription C (rg-vwan, eastus2): one secured hub.
export const VWAN_RG = "rg-vwan";
export const VHUB_PREFIX = "10.100.0.0/23";
export const VHUB_FW_PRIVATE_IP = "10.100.0.132";
export const VHUB_FW_PUBLIC_IP = "20.96.41.7";
export const virtualWanId = netId(SUB_C, VWAN_RG, "virtualWans", "vwan-contoso");
export const vhubId = netId(SUB_C, VWAN_RG, "virtualHubs", "vhub-eastus2");
export const vhubFwId = netId(SUB_C, VWAN_RG, "azureFirewalls", "fw-vhub-eastus2");
export const vhubFwPolicyId = netId(SUB_C, VWAN_RG, "firewallPolicies", "fwp-vhub-eastus2");

// The partner hub (subscription D, unreadable): a peered hub VNet with a firewall at 10.50.1.4.
export const PARTNER_HUB_RG = "rg-connectivity";
export const PARTNER_HUB_PREFIX = "10.50.0.0/16";
export const PARTNER_FW_PRIVATE_IP = "10.50.1.4";
export const partnerHubVnetId = netId(SUB_D, PARTNER_HUB_RG, "virtualNetworks", "vnet-hub-partners");

export const platformTags: Tags = { environment: "prod", costCenter: "CC-4410", owner: "data-platform" };
export const devTags: Tags = { environment: "dev", costCenter: "CC-5120", owner: "analytics" };
export const networkTagsA: Tags = { environment: "prod", owner: "network-team" };
export const networkTagsB: Tags = { environment: "dev", owner: "network-team" };
export const digitalTags: Tags = { environment: "prod", costCenter: "CC-6230", owner: "digital-commerce" };
export const networkTagsC: Tags = { environment: "prod", owner: "network-team" };

/** A spoke's default route to the eastus hub firewall. */
export const routeToFirewall: RouteSpec = { name: "default-to-fw-hub", addressPrefix: "0.0.0.0/0", nextHopType: "VirtualAppliance", nextHopIpAddress: FW_PRIVATE_IP };
/** The eastus firewall's public IP stays reachable directly (asymmetric routing otherwise). */
export const routeFwPublicIp: RouteSpec = { name: "fw-hub-pip-to-internet", addressPrefix: `${FW_PUBLIC_IP}/32`, nextHopType: "Internet" };
/** The eastus hub as spokes peer with it. */
export const eastHub = { vnetId: hubVnetId, prefix: HUB_PREFIX };
/** The westeurope hub as spokes peer with it. */
export const weuHub = { vnetId: hubWeuVnetId, prefix: HUB_WEU_PREFIX };
