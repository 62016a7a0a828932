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

/** The Kubernetes version of every AKS cluster unless stated. */
export const K8S_VERSION = "1.29.7";
/** Who created the pools and clusters (`systemData`). */
export const CREATED_BY = "platform-pipeline@contoso.com";

/** The regions of the demo. */
export const EAST = "eastus";
export const WEST2 = "westus2";
export const WEU = "westeurope";

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

export const platformTags: Tags = { environment: "prod", costCenter: "CC-4410", owner: "data-platform" };
export const devTags: Tags = { environment: "dev", costCenter: "CC-5120", owner: "analytics" };
export const networkTagsA: Tags = { environment: "prod", owner: "network-team" };
export const networkTagsB: Tags = { environment: "dev", owner: "network-team" };

/** A spoke's default route to the eastus hub firewall. */
export const routeToFirewall: RouteSpec = { name: "default-to-fw-hub", addressPrefix: "0.0.0.0/0", nextHopType: "VirtualAppliance", nextHopIpAddress: FW_PRIVATE_IP };
/** The eastus firewall's public IP stays reachable directly (asymmetric routing otherwise). */
export const routeFwPublicIp: RouteSpec = { name: "fw-hub-pip-to-internet", addressPrefix: `${FW_PUBLIC_IP}/32`, nextHopType: "Internet" };
/** The eastus hub as spokes peer with it. */
export const eastHub = { vnetId: hubVnetId, prefix: HUB_PREFIX };
/** The westeurope hub as spokes peer with it. */
export const weuHub = { vnetId: hubWeuVnetId, prefix: HUB_WEU_PREFIX };
