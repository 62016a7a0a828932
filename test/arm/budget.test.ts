/**
 * The client-side ARM read budget, alone (fake clock) and against the emulator enforcing ARM's
 * bucket: without it a burst is throttled, with it the same burst never sees a 429.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArmClients } from "../../src/arm/clients.js";
import { budgetKeyOf, ReadBudget } from "../../src/arm/budget.js";
import { readArmSettings } from "../../src/config/settings.js";
import { parseEstate } from "../../src/emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { estateOf, publicIp, SUB_A } from "../helpers/estate.js";

describe("ReadBudget", () => {
  it("lets a full bucket through, then spaces requests at the refill rate, in reservation order", () => {
    let now = 0;
    const budget = new ReadBudget({ capacity: 3, refillPerSecond: 10, now: () => now });
    expect([budget.reserve("s"), budget.reserve("s"), budget.reserve("s")]).toEqual([0, 0, 0]);
    expect(budget.reserve("s")).toBe(100);
    expect(budget.reserve("s")).toBe(200);
    now = 300; // 3 tokens refilled pay the debt of 2 reservations
    expect(budget.available("s")).toBeCloseTo(1, 5);
    now = 10_000; // never more than the capacity
    expect(budget.available("s")).toBe(3);
    expect(budget.reserve("other")).toBe(0); // buckets are per subscription
  });

  it("never believes it has more reads than ARM says remain", () => {
    const budget = new ReadBudget({ capacity: 250, refillPerSecond: 25, now: () => 0 });
    budget.observeRemaining("s", 10);
    expect(budget.available("s")).toBe(10);
    budget.observeRemaining("s", 200); // ARM's higher count does not add tokens
    expect(budget.available("s")).toBe(10);
  });

  it("keys requests by subscription, tenant-level paths apart", () => {
    expect(budgetKeyOf(`https://x/subscriptions/${SUB_A.toUpperCase()}/providers/Microsoft.Network/routeTables?api-version=1`)).toBe(SUB_A);
    expect(budgetKeyOf("https://x//subscriptions/" + SUB_A + "/resourceGroups/rg")).toBe(SUB_A);
    expect(budgetKeyOf("https://x/subscriptions?api-version=2022-12-01")).toBe("tenant");
  });
});

describe("budget against the emulator's ARM bucket", () => {
  let emu: RunningEmulator;
  const burst = 40;
  beforeAll(async () => {
    const resources = Array.from({ length: 3 }, (_, i) => publicIp(SUB_A, "rg-ips", `pip${i}`));
    emu = await startEmulator({
      estate: parseEstate(estateOf(resources)),
      faults: { armBucket: { capacity: 10, refillPerSecond: 100, preciseRetryAfter: true } },
    });
  });
  afterAll(async () => emu?.close());

  async function fire(clients: ArmClients): Promise<number> {
    const net = clients.network(SUB_A);
    const results = await Promise.allSettled(Array.from({ length: burst }, () => net.publicIPAddresses.get("rg-ips", "pip0")));
    return results.filter((r) => r.status === "rejected").length;
  }

  it("without a budget, a burst beyond the bucket is throttled", async () => {
    emu.resetCounts();
    const naive = new ArmClients(readArmSettings({}, { endpoint: emu.url, staticToken: "t" }), {
      caCertificates: [emu.caCertPem],
      readBudget: false,
      maxRetries: 0,
    });
    const failures = await fire(naive);
    expect(naive.stats.throttled).toBeGreaterThan(0);
    expect(failures).toBe(naive.stats.throttled);
    expect(emu.faultCounts().throttled).toBe(naive.stats.throttled);
  });

  it("with a budget just inside ARM's, the same burst gets no 429 at all", async () => {
    emu.resetCounts();
    const clients = new ArmClients(readArmSettings({}, { endpoint: emu.url, staticToken: "t" }), {
      caCertificates: [emu.caCertPem],
      // Inside the emulator's bucket with room for a loaded CI machine's scheduling jitter.
      readBudget: new ReadBudget({ capacity: 8, refillPerSecond: 60 }),
      maxRetries: 0,
    });
    expect(await fire(clients)).toBe(0);
    expect(clients.stats).toMatchObject({ armRequests: burst, throttled: 0, retries: 0 });
    expect(emu.faultCounts().throttled ?? 0).toBe(0);
    expect(clients.budget!.waitedInMs).toBeGreaterThan(0);
  });
});
