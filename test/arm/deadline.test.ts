/**
 * The per-read deadline (issue 15, item 8): a read that gets no answer by its deadline fails as
 * `Timeout`, however many retries remain, whether its time went to stalled attempts or to waits
 * between them. Real SDK clients over HTTPS against the emulator's fault injection.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ArmClients, type ArmClientOptions } from "../../src/arm/clients.js";
import { readArmSettings } from "../../src/config/settings.js";
import { parseEstate } from "../../src/emulator/estate.js";
import type { EmulatorFaults } from "../../src/emulator/faults.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { drain } from "../../src/collect/reads.js";
import { estateOf, routeTable, SUB_A } from "../helpers/estate.js";

let emu: RunningEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

const rt = routeTable(SUB_A, "rg-net", "rt1", [{ name: "default", prefix: "0.0.0.0/0", hop: "VirtualAppliance", ip: "10.0.1.4" }]);
const LIST = "/providers/Microsoft.Network/routeTables$";

async function setup(faults: EmulatorFaults, options: ArmClientOptions) {
  emu = await startEmulator({ estate: parseEstate(estateOf([rt])), faults });
  const clients = new ArmClients(readArmSettings({}, { endpoint: emu.url, staticToken: "t" }), {
    caCertificates: [emu.caCertPem],
    retryDelayInMs: 1,
    maxRetryDelayInMs: 5,
    ...options,
  });
  return { clients, list: () => drain(clients.network(SUB_A).routeTables.listAll()) };
}

/** How long `fn` took, and what it threw (undefined when it resolved). */
async function timed(fn: () => Promise<unknown>): Promise<{ elapsedInMs: number; error: { code?: string; message?: string; name?: string } | undefined }> {
  const started = performance.now();
  let error: { code?: string; message?: string } | undefined;
  try {
    await fn();
  } catch (err) {
    error = err as { code?: string; message?: string };
  }
  return { elapsedInMs: performance.now() - started, error };
}

describe("read deadline", () => {
  it("a list that answers after 30 s fails as Timeout at the deadline, not after every attempt's timeout", async () => {
    // 4 attempts of 1 s each would take 4 s and fail as ETIMEDOUT; the 1.5 s deadline ends it first.
    const { clients, list } = await setup({ rules: [{ path: LIST, kind: "slow", delayInMs: 30_000 }] }, { requestTimeoutInMs: 1_000, maxRetries: 3, readDeadlineInMs: 1_500 });
    const { elapsedInMs, error } = await timed(list);
    expect(error?.code).toBe("Timeout");
    expect(error?.message).toMatch(/no answer to \/subscriptions\/.*\/routeTables within the read deadline of 1500 ms/);
    expect(elapsedInMs).toBeGreaterThanOrEqual(1_400);
    expect(elapsedInMs).toBeLessThan(1_500 + 1_000);
    expect(clients.stats.armRequests).toBe(2); // the first attempt timed out, the retry was cut off
  });

  it("waits count too: a Retry-After beyond the deadline ends the read at the deadline", async () => {
    const { list } = await setup({ rules: [{ path: LIST, kind: "status", status: 429, times: 1, retryAfterSeconds: 10 }] }, { maxRetries: 3, readDeadlineInMs: 1_500 });
    const { elapsedInMs, error } = await timed(list);
    expect(error?.code).toBe("Timeout");
    expect(elapsedInMs).toBeLessThan(1_500 + 1_000);
  });

  it("a read answered within the deadline is untouched: a timed-out attempt is still retried", async () => {
    const { clients, list } = await setup({ rules: [{ path: LIST, kind: "slow", delayInMs: 5_000, times: 1 }] }, { requestTimeoutInMs: 300, maxRetries: 3, readDeadlineInMs: 3_000 });
    const tables = await list();
    expect(tables.map((t) => t.name)).toEqual(["rt1"]);
    expect(clients.stats).toMatchObject({ armRequests: 2, retries: 1 });
  });

  it("the caller's abort still wins over the deadline", async () => {
    const { clients } = await setup({ rules: [{ path: LIST, kind: "slow", delayInMs: 30_000 }] }, { maxRetries: 3, readDeadlineInMs: 5_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const { elapsedInMs, error } = await timed(() => drain(clients.network(SUB_A).routeTables.listAll({ abortSignal: controller.signal })));
    expect(error?.name).toBe("AbortError");
    expect(error?.code).not.toBe("Timeout");
    expect(elapsedInMs).toBeLessThan(2_000);
  });

  it("the settings' deadline (ARM_READ_DEADLINE_SECONDS) applies when the client options name none", async () => {
    emu = await startEmulator({ estate: parseEstate(estateOf([rt])), faults: { rules: [{ path: LIST, kind: "slow", delayInMs: 30_000 }] } });
    const settings = readArmSettings({ ARM_READ_DEADLINE_SECONDS: "1" }, { endpoint: emu.url, staticToken: "t" });
    const clients = new ArmClients(settings, { caCertificates: [emu.caCertPem], maxRetries: 3, retryDelayInMs: 1 });
    const { elapsedInMs, error } = await timed(() => drain(clients.network(SUB_A).routeTables.listAll()));
    expect(error?.code).toBe("Timeout");
    expect(elapsedInMs).toBeLessThan(1_000 + 1_000);
  });
});
