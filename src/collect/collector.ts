/**
 * The collector: the only code that talks to ARM. It discovers the scope (subscriptions, then
 * cluster pools and AKS clusters) and reads what the checks need into a {@link Snapshot}.
 *
 * Strategy: subscription-level lists joined locally; a resource that a list did not return is
 * fetched by id (which tells "not found" from "forbidden"); shared resources are read once. The
 * MC group is read with resource-group-scoped lists, because its checks judge by absence ("no
 * public IP") and absence in a subscription-wide list proves nothing when the caller may not
 * read every resource group: a forbidden group must come out `unknown`, never compliant.
 *
 * This file is the table of contents: the public API and the order of the phases, each in
 * src/collect/phases/ and each a function over one {@link CollectionContext}.
 */
import type { ArmClients } from "../arm/clients.js";
import { CollectionContext } from "./context.js";
import { beginInterning } from "./intern.js";
import { reconcileExpected } from "./phases/expected.js";
import { startDependencyReads } from "./phases/dependencies.js";
import { startSharedReads } from "./phases/hubs.js";
import { readPeeredSubscriptions } from "./phases/references.js";
import { discoverSubscriptions } from "./phases/scope.js";
import { roleDefinitionFinder } from "./phases/sharedResources.js";
import { readSubscriptionLists } from "./phases/subscriptionLists.js";
import { findTargets, readTargets } from "./phases/targets.js";
import { zoneFinder } from "./phases/zones.js";

export { toReadError } from "./context.js";
export { isScannableState } from "./phases/scope.js";
export type { CollectOptions, CollectProgress, CollectResult, ExpectedTarget, ScanExpectations, UnreadableTarget } from "./options.js";
import type { CollectOptions, CollectResult } from "./options.js";

/**
 * Reads one scan's snapshot. Throws `EndpointUnreachableError` (src/errors.ts) when ARM cannot be reached at
 * all; every other failure is recorded on the snapshot part it left empty and in `errors`.
 */
export async function collect(clients: ArmClients, options: CollectOptions = {}): Promise<CollectResult> {
  // One copy of each ARM id while the collection runs (./intern.ts).
  const endInterning = beginInterning();
  try {
    return await collectInto(new CollectionContext(clients, options));
  } finally {
    endInterning();
  }
}

async function collectInto(ctx: CollectionContext): Promise<CollectResult> {
  // 1. Scope: the subscriptions the credential can see. This is also the reachability probe.
  ctx.subscriptionIds = await discoverSubscriptions(ctx);
  // 2. Subscription-level lists (and the shared lists of context subscriptions), indexed.
  const index = await readSubscriptionLists(ctx);
  // 3. Targets: every cluster pool, and every AKS cluster that is not a pool's own; then what the
  // previous complete scan knew and the lists no longer show: gone only on proof, else unreadable.
  const targets = await reconcileExpected(ctx, index, findTargets(ctx, index));
  // 3b. The shared lists of subscriptions outside the scope that the targets' VNets peer into
  // (hub firewalls, policies, IP groups, DNS zones, Virtual WAN hubs), as for context ones.
  await readPeeredSubscriptions(ctx, index, targets);
  // 4. Per target: pool clusters, the AKS cluster, the MC group and its scale sets, subnets with
  // their VNets, route tables, NSGs and NAT gateways, and the shared resources it names (DNS
  // zones, role definitions). Firewall policies and Virtual WAN hubs are shared by many targets:
  // their reads start first and run alongside the target reads. So do the AKS dependency lists,
  // one per cluster configuration (region and add-ons), however many clusters share it.
  const zonesOf = zoneFinder(index.dnsZones);
  const roleDefinitionsOf = roleDefinitionFinder(ctx.snapshot.roleAssignments);
  startSharedReads(ctx, index);
  const dependencyListOf = startDependencyReads(ctx, index, targets);
  await readTargets(ctx, targets, { index, zonesOf, roleDefinitionsOf, dependencyListOf });
  // 5. Shared resources were read alongside the targets (policies, hubs, dependency lists, zones, role definitions).
  await ctx.sharedSettled();
  ctx.noteStop();
  return ctx.result();
}
