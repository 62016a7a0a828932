/**
 * The emulator's fault injection, seen through the real SDK clients: what each fault looks like
 * to a caller, and that retries and errors are counted.
 */
import { get as httpsGet } from "node:https";
import { afterEach, describe, expect, it } from "vitest";
import { ArmClients } from "../../src/arm/clients.js";
import { readArmSettings } from "../../src/config/settings.js";
import { parseEstate } from "../../src/emulator/estate.js";
import type { EmulatorFaults } from "../../src/emulator/faults.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { normalizeRouteTable } from "../../src/collect/normalize.js";
import { estateOf, routeTable, SUB_A } from "../helpers/estate.js";

let emu: RunningEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

const rt = routeTable(SUB_A, "rg-net", "rt1", [{ name: "default", prefix: "0.0.0.0/0", hop: "VirtualAppliance", ip: "10.0.1.4" }]);

async function setup(faults: EmulatorFaults, maxRetries = 0) {
  emu = await startEmulator({ estate: parseEstate(estateOf([rt])), faults });
  const clients = new ArmClients(readArmSettings({}, { endpoint: emu.url, staticToken: "t" }), {
    caCertificates: [emu.caCertPem],
    maxRetries,
    retryDelayInMs: 1,
    maxRetryDelayInMs: 5,
  });
  return { clients, get: () => clients.network(SUB_A).routeTables.get("rg-net", "rt1") };
}

describe("emulator faults", () => {
  it("a 5xx burst is retried by the SDK and counted as retries", async () => {
    const { clients, get } = await setup({ rules: [{ path: "/routeTables/rt1$", kind: "status", status: 503, times: 2, retryAfterSeconds: 0 }] }, 3);
    const table = normalizeRouteTable(await get());
    expect(table.routes[0]?.nextHopIpAddress).toBe("10.0.1.4");
    expect(clients.stats).toMatchObject({ armRequests: 3, retries: 2, throttled: 0 });
    expect(emu!.faultCounts()["status:503"]).toBe(2);
  });

  it("a 429 carries Retry-After and counts as throttled", async () => {
    const { clients, get } = await setup({ rules: [{ path: "rt1", kind: "status", status: 429, times: 1, retryAfterSeconds: 0 }] }, 1);
    await get();
    expect(clients.stats).toMatchObject({ armRequests: 2, retries: 1, throttled: 1 });
  });

  it("a connection reset surfaces as a transport error without a status", async () => {
    const { get } = await setup({ rules: [{ path: "rt1", kind: "reset" }] });
    const err = (await get().catch((e: unknown) => e)) as { statusCode?: number; code?: string };
    expect(err.statusCode).toBeUndefined();
    expect(err.code).toMatch(/ECONNRESET|socket hang up|REQUEST_SEND_ERROR/i);
  });

  it("truncated and malformed bodies are errors, never data", async () => {
    for (const kind of ["truncate", "malformed"] as const) {
      const { get } = await setup({ rules: [{ path: "rt1", kind }] });
      // Refused by the clients' response check (src/arm/policies.ts) before the SDK parses it.
      await expect(get()).rejects.toMatchObject({ code: "MalformedResponse", statusCode: 200 });
      await emu!.close();
    }
  });

  it("dropProperties returns resources without their properties, which the clients refuse as data", async () => {
    const { get } = await setup({ rules: [{ path: "rt1", kind: "dropProperties" }] });
    // Read as data, it would be a route table with no routes: a read error instead (src/arm/policies.ts).
    await expect(get()).rejects.toMatchObject({ code: "PropertiesMissing", statusCode: 200 });
    expect(emu!.faultCounts().dropProperties).toBe(1);
  });

  it("loopNextLink: a list's last page links back to its first, a one-page list to itself", async () => {
    const tables = ["rt1", "rt2"].map((name) => routeTable(SUB_A, "rg-net", name, [{ name: "default", prefix: "0.0.0.0/0", hop: "Internet" }]));
    emu = await startEmulator({ estate: parseEstate(estateOf(tables)), faults: { rules: [{ path: "/routeTables$", kind: "loopNextLink" }] }, pageSize: 1 });
    const first = `${emu.url}/subscriptions/${SUB_A}/providers/Microsoft.Network/routeTables?api-version=2024-05-01`;
    const page1 = await getJson(first, emu.caCertPem);
    expect(page1.value).toHaveLength(1);
    expect(page1.nextLink).toMatch(/\$skiptoken=1$/);
    const page2 = await getJson(page1.nextLink!, emu.caCertPem);
    expect(page2.value).toHaveLength(1);
    expect(page2.nextLink).toBe(first);
    await emu.close();
    emu = await startEmulator({ estate: parseEstate(estateOf(tables)), faults: { rules: [{ path: "/routeTables$", kind: "loopNextLink" }] } });
    const only = `${emu.url}/subscriptions/${SUB_A}/providers/Microsoft.Network/routeTables?api-version=2024-05-01`;
    expect((await getJson(only, emu.caCertPem)).nextLink).toBe(only);
  });

  it("a random 5xx rate is seeded: the same seed injects the same faults", async () => {
    const run = async () => {
      const { get } = await setup({ serverErrorRate: 0.5, seed: 42 });
      const outcomes: boolean[] = [];
      for (let i = 0; i < 12; i++) outcomes.push(await get().then(() => true, () => false));
      await emu!.close();
      return outcomes;
    };
    const a = await run();
    expect(a).toContain(true);
    expect(a).toContain(false);
    expect(await run()).toEqual(a);
  });
});

/** GET a list page from the emulator with a bearer token, trusting its CA. */
function getJson(url: string, ca: string): Promise<{ value?: unknown[]; nextLink?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsGet(url, { ca, headers: { authorization: "Bearer t" } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => {
        try {
          resolve(JSON.parse(text) as { value?: unknown[]; nextLink?: string });
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
    req.on("error", reject);
  });
}
