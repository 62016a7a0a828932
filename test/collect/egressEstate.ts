/**
 * Small estates for the collector's tests of the egress paths of 2026 (egress.test.ts,
 * providerRegistration.test.ts): Microsoft's example bodies (test/fixtures/arm-examples/) moved to
 * the tests' ids, and a collect through the real SDK clients against the emulator.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ArmClients } from "../../src/arm/clients.js";
import { collect } from "../../src/collect/collector.js";
import type { CollectOptions } from "../../src/collect/options.js";
import { readArmSettings } from "../../src/config/settings.js";
import type { EmulatorFaults } from "../../src/emulator/faults.js";
import { parseEstate, type Estate, type EstateResource } from "../../src/emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { agentPoolNsg, SUB_A, SUB_B } from "../helpers/estate.js";

export { SUB_A, SUB_B };

let emu: RunningEmulator | undefined;

/** Closes the emulator of the last {@link collectFrom}. */
export async function closeEmulator(): Promise<void> {
  await emu?.close();
  emu = undefined;
}

export const SUB_C = "cccccccc-0000-4000-8000-000000000003";
export const SUB_D = "dddddddd-0000-4000-8000-000000000004";
export const EXAMPLE_SUB = "00000000-0000-0000-0000-000000000000";
export const dir = join(import.meta.dirname, "..", "fixtures", "arm-examples");
export const NET = "Microsoft.Network";

/** The 200 body of an example, with each `[from, to]` replaced in its JSON (moving it to the test's ids). */
export function example(path: string, moves: Array<[string, string]> = []): EstateResource {
  let text = JSON.stringify((JSON.parse(readFileSync(join(dir, path), "utf8")) as { responses: Record<string, { body: unknown }> }).responses["200"]!.body);
  for (const [from, to] of moves) text = text.replaceAll(from, to);
  return JSON.parse(text) as EstateResource;
}
export const rgOf = (sub: string, rg: string) => `/subscriptions/${sub}/resourceGroups/${rg}`;
export const netOf = (sub: string, rg: string, type: string, name: string) => `${rgOf(sub, rg)}/providers/${NET}/${type}/${name}`;
export const exampleRg1 = rgOf(EXAMPLE_SUB, "rg1");

/**
 * An AKS cluster from `ManagedClustersCreate_<example>.json`, moved to `sub/rg/name`, with its
 * node resource group, outbound type and agent pool subnet set (the NAT profile dropped unless kept).
 */
export function aks(
  sub: string,
  rg: string,
  name: string,
  opts: { example: "ManagedNATGateway" | "NodePublicIPPrefix"; nodeResourceGroup: string; outboundType: string; subnetId?: string; keepNat?: boolean; moves?: Array<[string, string]> },
): EstateResource {
  const body = example(`Microsoft.ContainerService/2026-08-01/ManagedClustersCreate_${opts.example}.json`, [
    [`${exampleRg1}/providers/Microsoft.ContainerService/managedClusters/clustername1`, `${rgOf(sub, rg)}/providers/Microsoft.ContainerService/managedClusters/${name}`],
    [`${rgOf(EXAMPLE_SUB, "MC_rg1")}/`, `${rgOf(sub, opts.nodeResourceGroup)}/`],
    ...(opts.moves ?? []),
  ]) as EstateResource & { properties: Record<string, Record<string, unknown>> & { agentPoolProfiles: Array<Record<string, unknown>> } };
  body.name = name;
  body.location = "eastus";
  const p = body.properties;
  p.nodeResourceGroup = opts.nodeResourceGroup as unknown as Record<string, unknown>;
  p.networkProfile = { ...p.networkProfile, outboundType: opts.outboundType };
  if (!opts.keepNat) delete p.networkProfile.natGatewayProfile;
  if (opts.subnetId) for (const pool of p.agentPoolProfiles) pool.vnetSubnetID = opts.subnetId;
  return body;
}

/** A VNet in the shape of `VirtualNetworkListAll.json`, with subnets and embedded peerings. */
export function vnet(sub: string, rg: string, name: string, prefix: string, subnets: Array<{ name: string; prefix: string; natGatewayId?: string }>, peerings: Record<string, unknown>[] = []): EstateResource {
  const id = netOf(sub, rg, "virtualNetworks", name);
  return {
    name,
    type: `${NET}/virtualNetworks`,
    id,
    location: "eastus",
    properties: {
      addressSpace: { addressPrefixes: [prefix] },
      dhcpOptions: { dnsServers: [] },
      provisioningState: "Succeeded",
      subnets: subnets.map((s) => ({
        name: s.name,
        id: `${id}/subnets/${s.name}`,
        properties: { addressPrefix: s.prefix, provisioningState: "Succeeded", ...(s.natGatewayId ? { natGateway: { id: s.natGatewayId } } : {}) },
      })),
      virtualNetworkPeerings: peerings,
    },
  };
}

/** A peering (`VirtualNetworkPeeringGet.json`) of `vnetId` to `remoteId` with the remote's address space. */
export function peering(vnetId: string, remoteId: string, remotePrefix: string): Record<string, unknown> {
  const body = example(`${NET}/2026-03-01/VirtualNetworkPeeringGet.json`, [
    [`${rgOf(EXAMPLE_SUB, "peerTest")}/providers/${NET}/virtualNetworks/vnet1/virtualNetworkPeerings/peer`, `${vnetId}/virtualNetworkPeerings/peer-${remoteId.split("/").pop()}`],
    [`${rgOf(EXAMPLE_SUB, "peerTest")}/providers/${NET}/virtualNetworks/vnet2`, remoteId],
    ["12.0.0.0/8", remotePrefix],
  ]);
  return { ...body, name: `peer-${remoteId.split("/").pop()}` };
}

/** An AKS node scale set (Compute API shape) with the pool tag, the NIC NSG, the subnet, and optionally instance public IPs. */
export function scaleSet(sub: string, rg: string, name: string, opts: { pool: string; nsgId: string; subnetId: string; publicIp?: boolean }): EstateResource {
  return {
    id: `${rgOf(sub, rg)}/providers/Microsoft.Compute/virtualMachineScaleSets/${name}`,
    name,
    type: "Microsoft.Compute/virtualMachineScaleSets",
    location: "eastus",
    tags: { "aks-managed-poolName": opts.pool },
    properties: {
      virtualMachineProfile: {
        networkProfile: {
          networkInterfaceConfigurations: [
            {
              name,
              properties: {
                primary: true,
                networkSecurityGroup: { id: opts.nsgId },
                ipConfigurations: [
                  { name: "ipconfig1", properties: { subnet: { id: opts.subnetId }, ...(opts.publicIp ? { publicIPAddressConfiguration: { name: "pub1", properties: { idleTimeoutInMinutes: 4 } } } : {}) } },
                ],
              },
            },
          ],
        },
      },
    },
  };
}

export const nsgOf = (sub: string, mc: string) => netOf(sub, mc, "networkSecurityGroups", "aks-agentpool-12345678-nsg");

/** An MC group as AKS leaves it: one node scale set of pool `nodepool1` with the agent pool NSG. */
export function mcGroup(sub: string, mc: string, subnetId: string, extra: { publicIp?: boolean } = {}): EstateResource[] {
  return [agentPoolNsg(sub, mc), scaleSet(sub, mc, "aks-nodepool1-12345678-vmss", { pool: "nodepool1", nsgId: nsgOf(sub, mc), subnetId, ...extra })];
}

export function estateOf(resources: EstateResource[], opts: { subscriptions?: Estate["subscriptions"]; forbiddenScopes?: string[] } = {}): Estate {
  return parseEstate({
    schemaVersion: 1,
    subscriptions: opts.subscriptions ?? [SUB_A, SUB_B, SUB_C].map((s, i) => ({ subscriptionId: s, displayName: `sub ${i + 1}` })),
    resources,
    ...(opts.forbiddenScopes ? { forbiddenScopes: opts.forbiddenScopes } : {}),
  });
}

/** Starts an emulator for the estate (closed by {@link closeEmulator}) and collects it through the real SDK clients. */
export async function collectFrom(estate: Estate, options: CollectOptions = { subscriptionIds: [SUB_A] }, faults?: EmulatorFaults) {
  emu = await startEmulator({ estate, ...(faults ? { faults } : {}) });
  const clients = new ArmClients(readArmSettings({}, { endpoint: emu.url, staticToken: "t" }), { caCertificates: [emu.caCertPem], maxRetries: 0 });
  const result = await collect(clients, options);
  return { ...result, counts: emu.requestCounts() };
}

