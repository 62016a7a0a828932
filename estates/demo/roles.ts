/**
 * Role assignments: the Network Contributor grants of the AKS cluster identities (some of them
 * drifted), and inherited noise (a security group reading both subscriptions).
 */
import { BUILTIN_ROLE, rgId } from "../../src/emulator/builders/index.js";
import { assignRole } from "./layout.js";
import type { SubscriptionA } from "./subscriptionA.js";
import type { SubscriptionB } from "./subscriptionB.js";
import type { SubscriptionC } from "./subscriptionC.js";
import type { Edge } from "./edge.js";
import { ids, SUB_A, SUB_B, SUB_C } from "./world.js";
import type { Pool } from "./layout.js";

/** Adds the demo's role assignments to the estate. */
export function buildRoleAssignments(a: SubscriptionA, b: SubscriptionB, telemetry: Pool, edge: Edge, c: SubscriptionC): void {
  const nc = (scope: string, principalId: string, seed: string, description?: string) =>
    assignRole({ scope, role: BUILTIN_ROLE.networkContributor, principalId, seed, ...(description ? { description } : {}) });

  // UDR targets: the AKS cluster identity holds Network Contributor over its routing resources.
  nc(rgId(SUB_A, "rg-net-finance"), a.pools.finance.aks.principalId, "nc/finance", "pool-finance AKS: UDR network resources");
  // pool-marketing: three resource-scoped assignments (VNet, route table, NSG) instead of one on the group.
  const marketing = a.pools.marketing.aks.principalId;
  nc(a.spokes.marketing.vnetId, marketing, "nc/marketing/vnet");
  nc(a.spokes.marketing.routeTableId!, marketing, "nc/marketing/rt");
  nc(a.spokes.marketing.nsgId, marketing, "nc/marketing/nsg");
  nc(rgId(SUB_A, "rg-net-ingest"), a.pools.ingest.aks.principalId, "nc/ingest", "pool-ingest AKS: UDR network resources");
  // pool-reporting: granted on the VNet only (as for a bring-your-own-subnet loadBalancer cluster); the route
  // table and the NSG that userDefinedRouting also needs were never granted.
  nc(a.spokes.reporting.vnetId, a.pools.reporting.aks.principalId, "nc/reporting/vnet", "pool-reporting AKS: virtual network");
  nc(rgId(SUB_A, "rg-net-restricted"), a.pools.restricted.aks.principalId, "nc/restricted", "pool-restricted AKS: UDR network resources");
  nc(rgId(SUB_B, "rg-payments-network"), b.clusters.payments.principalId, "nc/payments", "aks-payments: UDR network resources");
  nc(rgId(SUB_A, "rg-net-telemetry"), telemetry.aks.principalId, "nc/telemetry", "pool-telemetry AKS: UDR network resources");
  nc(rgId(SUB_B, "rg-net-ml"), b.pools.ml.aks.principalId, "nc/ml", "pool-ml AKS: network resources (userDefinedRouting since the in-place switch)");
  nc(rgId(SUB_B, "rg-edge-network"), edge.cluster.principalId, "nc/edge", "aks-edge: UDR network resources");
  for (const t of [c.orders, c.catalog, c.checkout, c.partners]) {
    nc(rgId(SUB_C, t.spoke.rg), t.cluster.principalId, `nc/${t.spoke.rg}`, `${t.spoke.rg}: UDR network resources`);
  }
  // Bring-your-own-subnet clusters with loadBalancer egress (AKS manages LB services in the subnet).
  nc(b.spokes.sandbox.vnetId, b.pools.sandbox.aks.principalId, "nc/sandbox");
  nc(b.spokes.web.vnetId, b.clusters.web.principalId, "nc/web");
  nc(b.spokes.legacy.vnetId, b.pools.legacy.aks.principalId, "nc/legacy");
  // Network-isolated and NAT gateway clusters in their own (BYO) subnets.
  for (const t of [c.ledger, c.pricing, c.media]) nc(t.spoke.vnetId, t.cluster.principalId, `nc/${t.spoke.vnetId}`);
  // Inherited noise: a security group reads the subscriptions.
  for (const [sub, seed] of [
    [SUB_A, "reader/a"],
    [SUB_B, "reader/b"],
    [SUB_C, "reader/c"],
  ] as const) {
    assignRole({ scope: `/subscriptions/${sub}`, role: BUILTIN_ROLE.reader, principalId: ids.guid("group/security-auditors"), principalType: "Group", seed });
  }
}
