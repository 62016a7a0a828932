/**
 * Bounded paging (issue 15, item 9): a `nextLink` back into its own list and a list past the page
 * cap end the list with a read error (never followed forever, never cut short as if complete).
 * Real SDK clients and the cluster-pool REST pager over HTTPS against the emulator.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ArmClients, type ArmClientOptions } from "../../src/arm/clients.js";
import { listClusterPools } from "../../src/arm/clusterPools.js";
import { pageKeyOf } from "../../src/arm/paging.js";
import { runScan } from "../../src/app/scan.js";
import { readArmSettings } from "../../src/config/settings.js";
import { drain } from "../../src/collect/reads.js";
import { loadEstate, parseEstate } from "../../src/emulator/estate.js";
import type { EmulatorFaults } from "../../src/emulator/faults.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { aksCluster, clusterPool, estateOf, routeTable, SUB_A } from "../helpers/estate.js";

let emu: RunningEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

const tables = (n: number) => Array.from({ length: n }, (_, i) => routeTable(SUB_A, "rg-net", `rt${i}`, [{ name: "default", prefix: "0.0.0.0/0", hop: "Internet" }]));
const ROUTE_TABLES = "/providers/Microsoft.Network/routeTables$";

async function setup(resources = tables(1), faults: EmulatorFaults = {}, options: ArmClientOptions = {}, pageSize = 100) {
  emu = await startEmulator({ estate: parseEstate(estateOf(resources)), faults, pageSize });
  return new ArmClients(readArmSettings({}, { endpoint: emu.url, staticToken: "t" }), { caCertificates: [emu.caCertPem], maxRetries: 0, ...options });
}

const loop: EmulatorFaults = { rules: [{ path: ROUTE_TABLES, kind: "loopNextLink" }] };

describe("repeated nextLink", () => {
  it("a one-page list that links to itself fails as NextLinkLoop after one request", async () => {
    const clients = await setup(tables(1), loop);
    await expect(drain(clients.network(SUB_A).routeTables.listAll())).rejects.toMatchObject({ code: "NextLinkLoop", statusCode: 200 });
    expect(clients.stats.armRequests).toBe(1);
    expect(emu!.faultCounts().loopNextLink).toBe(1);
  });

  it("a list whose last page links back to its first fails once the cycle closes", async () => {
    const clients = await setup(tables(3), loop, {}, 1);
    const err = (await drain(clients.network(SUB_A).routeTables.listAll()).catch((e: unknown) => e)) as { code?: string; message?: string };
    expect(err.code).toBe("NextLinkLoop");
    expect(err.message).toMatch(/routeTables links back to a page it already returned \(after 3 pages\)/);
    expect(clients.stats.armRequests).toBe(3);
  });

  it("the cluster-pool REST pager is bounded the same way", async () => {
    const aksId = `/subscriptions/${SUB_A}/resourceGroups/rg-hdi/providers/Microsoft.ContainerService/managedClusters/aks1`;
    const clients = await setup(
      [clusterPool(SUB_A, "rg-hdi", "pool1", { aksClusterResourceId: aksId }), aksCluster(SUB_A, "rg-hdi", "aks1", { nodeResourceGroup: "mc-1", outboundType: "loadBalancer" })],
      { rules: [{ path: "/clusterpools$", kind: "loopNextLink" }] },
    );
    await expect(drain(listClusterPools(clients.rest(), SUB_A))).rejects.toMatchObject({ code: "NextLinkLoop" });
    expect(clients.stats.armRequests).toBe(1);
  });

  it("two readers of the same multi-page list at once both read it whole (no false loop)", async () => {
    const clients = await setup(tables(4), {}, {}, 1);
    const net = clients.network(SUB_A);
    const [a, b] = await Promise.all([drain(net.routeTables.listAll()), drain(net.routeTables.listAll())]);
    expect(a.map((t) => t.name).sort()).toEqual(["rt0", "rt1", "rt2", "rt3"]);
    expect(b.map((t) => t.name).sort()).toEqual(["rt0", "rt1", "rt2", "rt3"]);
    // And again, one after the other.
    expect(await drain(net.routeTables.listAll())).toHaveLength(4);
  });

  it("keys pages without api-version, parameters in order, the path case-folded and the query not", () => {
    expect(pageKeyOf("https://h/Subscriptions/X/routeTables?$skiptoken=Ab&api-version=1")).toBe(pageKeyOf("https://h/subscriptions/x/routetables?api-version=2&%24skiptoken=Ab"));
    expect(pageKeyOf("https://h/s?$skiptoken=Ab")).not.toBe(pageKeyOf("https://h/s?$skiptoken=aB"));
  });
});

describe("page cap", () => {
  it("a list longer than the cap fails as TooManyPages after the cap's pages; at the cap it is read whole", async () => {
    const clients = await setup(tables(5), {}, { maxPagesPerList: 3 }, 1);
    await expect(drain(clients.network(SUB_A).routeTables.listAll())).rejects.toMatchObject({ code: "TooManyPages" });
    expect(clients.stats.armRequests).toBe(3);
    await emu!.close();
    const atCap = await setup(tables(5), {}, { maxPagesPerList: 5 }, 1);
    expect(await drain(atCap.network(SUB_A).routeTables.listAll())).toHaveLength(5);
  });
});

describe("a looping list in a scan", () => {
  it("is a read error on the list's scope, and the scan finishes long before its time limit", async () => {
    const estate = await loadEstate(join(import.meta.dirname, "..", "..", "estates", "demo.json"));
    emu = await startEmulator({ estate, faults: { rules: [{ path: "/providers/Microsoft.Network/virtualNetworks$", kind: "loopNextLink" }] } });
    const { report } = await runScan({
      settings: readArmSettings({}, { endpoint: emu.url, staticToken: "t" }),
      clients: { caCertificates: [emu.caCertPem], maxRetries: 0 },
      timeLimitInMs: 20_000,
    });
    const loops = report.errors.filter((e) => e.code === "NextLinkLoop");
    expect(loops.length).toBeGreaterThan(0);
    for (const e of loops) expect(e.scope).toMatch(/\/providers\/Microsoft\.Network\/virtualNetworks$/i);
    expect(report.errors.some((e) => e.code === "TimeLimitExceeded")).toBe(false);
    expect(report.targets.length).toBeGreaterThan(0);
  });
});
