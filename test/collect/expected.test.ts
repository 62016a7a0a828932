/**
 * The collector's expected targets (src/collect/phases/expected.ts) against the emulator, through
 * the real SDK clients: a target of the previous complete scan that the lists no longer show is
 * gone only on proof; a forbidden one is unreadable and keeps its AKS cluster from becoming a new
 * plain target; a failed list proves nothing and costs no read per target; one a read by id
 * answers is audited again.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ArmClients } from "../../src/arm/clients.js";
import { collect, type ScanExpectations } from "../../src/collect/collector.js";
import { CollectionContext } from "../../src/collect/context.js";
import type { ListIndex, SubscriptionLists } from "../../src/collect/listIndex.js";
import { reconcileExpected } from "../../src/collect/phases/expected.js";
import { readArmSettings } from "../../src/config/settings.js";
import type { EmulatorFaults } from "../../src/emulator/faults.js";
import { parseEstate } from "../../src/emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { aksCluster, clusterPool, estateOf, SUB_A } from "../helpers/estate.js";

let emu: RunningEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

const poolId = `/subscriptions/${SUB_A}/resourceGroups/rg-pools/providers/Microsoft.HDInsight/clusterpools/pool1`;
const poolAksId = `/subscriptions/${SUB_A}/resourceGroups/hdi-1/providers/Microsoft.ContainerService/managedClusters/pool1`;
const plainId = `/subscriptions/${SUB_A}/resourceGroups/rg-apps/providers/Microsoft.ContainerService/managedClusters/plain1`;

function estate(opts: { forbiddenScopes?: string[] } = {}) {
  return estateOf(
    [
      clusterPool(SUB_A, "rg-pools", "pool1", { aksClusterResourceId: poolAksId }),
      aksCluster(SUB_A, "hdi-1", "pool1", { nodeResourceGroup: "MC_hdi-1_pool1_eastus", outboundType: "loadBalancer" }),
      aksCluster(SUB_A, "rg-apps", "plain1", { nodeResourceGroup: "MC_rg-apps_plain1_eastus", outboundType: "loadBalancer" }),
    ],
    opts,
  );
}

const expected: ScanExpectations = {
  subscriptionIds: [SUB_A],
  targets: [
    { id: poolId, kind: "clusterPool", name: "pool1", subscriptionId: SUB_A, aksClusterId: poolAksId },
    { id: plainId, kind: "aksCluster", name: "plain1", subscriptionId: SUB_A },
  ],
};

async function clientsFor(e: ReturnType<typeof estateOf>, faults?: EmulatorFaults): Promise<ArmClients> {
  emu = await startEmulator({ estate: parseEstate(e), ...(faults ? { faults } : {}) });
  return new ArmClients(readArmSettings({}, { endpoint: emu.url, staticToken: "t" }), { caCertificates: [emu.caCertPem], maxRetries: 0 });
}

describe("expected targets", () => {
  it("reports a pool in a forbidden group unreadable and does not audit its AKS cluster as a new target", async () => {
    const clients = await clientsFor(estate({ forbiddenScopes: [`/subscriptions/${SUB_A}/resourceGroups/rg-pools`] }));
    const r = await collect(clients, { expected });
    expect(r.snapshot.targets.map((t) => t.id)).toEqual([plainId]);
    expect(r.unreadableTargets?.map((u) => [u.target.id, u.error.code])).toEqual([[poolId, "TargetNotReadable"]]);
    const error = r.errors.find((e) => e.code === "TargetNotReadable");
    expect(error?.scope).toBe(poolId);
    expect(error?.message).toMatch(/reading it by id failed: AuthorizationFailed \(HTTP 403\)/);
    expect(emu!.requestCounts()["get:Microsoft.HDInsight/clusterPools"]).toBe(1);
  });

  it("without expectations (the CLI), the same estate gives the pool's AKS cluster as a plain target and no error", async () => {
    const clients = await clientsFor(estate({ forbiddenScopes: [`/subscriptions/${SUB_A}/resourceGroups/rg-pools`] }));
    const r = await collect(clients, {});
    expect(r.snapshot.targets.map((t) => t.id).sort()).toEqual([poolAksId, plainId].sort());
    expect(r.unreadableTargets ?? []).toEqual([]);
  });

  it("takes a failed list as no proof, and reads no target by id because of it", async () => {
    const clients = await clientsFor(estate(), { rules: [{ path: "/providers/Microsoft.HDInsight/clusterpools$", kind: "status", status: 500 }] });
    const r = await collect(clients, { expected });
    expect(r.unreadableTargets?.map((u) => u.target.id)).toEqual([poolId]);
    expect(r.errors.find((e) => e.code === "TargetNotReadable")?.message).toMatch(/the list of cluster pools of subscription .* failed/);
    expect(emu!.requestCounts()["get:Microsoft.HDInsight/clusterPools"] ?? 0).toBe(0);
    expect(r.snapshot.targets.map((t) => t.id)).toEqual([plainId]);
  });

  it("audits a pool that no list returned but a read by id answers, with its AKS cluster as its own", async () => {
    const clients = await clientsFor(estate());
    const ctx = new CollectionContext(clients, { expected });
    ctx.subscriptionIds = [SUB_A];
    // The lists as eventual consistency can leave them: the pool not (yet) listed, its group not either.
    const lists = { pools: { ok: true, value: [] }, aksClusters: { ok: true, value: [] } } as unknown as SubscriptionLists;
    const index = { lists: new Map([[SUB_A, lists]]), aksClusters: new Map(), readableGroups: new Map() } as unknown as ListIndex;
    const targets = await reconcileExpected(ctx, index, []);
    // Both read by id (the plain AKS cluster through the SDK, the pool over REST), sorted by id.
    expect(targets.map((t) => `${t.kind}:${t.id}`)).toEqual([`aksCluster:${plainId}`, `clusterPool:${poolId}`]);
    expect(targets.find((t) => t.kind === "clusterPool")?.aksClusterId).toBe(poolAksId);
    expect(ctx.errors).toEqual([]);
  });
});
