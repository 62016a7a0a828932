/**
 * What bounds the scans callers can start (issue 15, item 5), on real parts (the emulator over
 * HTTPS, the shared Azurite), through the route pipeline the functions run:
 * - at most `SCAN_MAX_CONCURRENT` scans per instance (default 2): the next `POST /api/scans` or
 *   fresh target audit is a 429 `RateLimited` with `Retry-After`, and nothing was scanned;
 * - the scan lock is keyed on the subscription set, never on the target filter: two scans of the
 *   same subscriptions with different `targets` exclude each other (in one instance and across
 *   instances), and `GET /api/targets/{id}/drift` takes the same lock;
 * - one ARM read budget per process, shared by every scan the services run.
 */
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ReadBudget } from "../../src/arm/budget.js";
import { readAppSettings, DEFAULT_MAX_CONCURRENT_SCANS } from "../../src/config/appSettings.js";
import { loadEstate } from "../../src/emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { invokeRoute, type CompiledRoute } from "../../src/http/route.js";
import { getTargetDrift, startScan } from "../../src/http/routes.js";
import { lockKeyOf, scopeKeyOf } from "../../src/model/scan.js";
import { ScanSlots } from "../../src/app/scanSlots.js";
import { useServices, type AppServices } from "../../src/app/services.js";
import { DEMO_SUB_A, DEMO_SUB_B, REPO, httpRequest, invocation, readResponse, storageCounts, testServices } from "../setup/harness.js";

const MARKETING = `/subscriptions/${DEMO_SUB_A}/resourceGroups/rg-dataplatform/providers/Microsoft.HDInsight/clusterPools/pool-marketing`;
const FINANCE = `/subscriptions/${DEMO_SUB_A}/resourceGroups/rg-dataplatform/providers/Microsoft.HDInsight/clusterPools/pool-finance`;
/** Subscriptions the emulator does not know: real, quick scans that find nothing. */
const UNKNOWN = ["0c0c0c0c-0000-4000-8000-000000000001", "0c0c0c0c-0000-4000-8000-000000000002", "0c0c0c0c-0000-4000-8000-000000000003", "0c0c0c0c-0000-4000-8000-000000000004"];
const GHOST_IN = (sub: string) => `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/ghost`;

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ estate: await loadEstate(join(REPO, "estates", "demo.json")) });
});
afterAll(async () => {
  useServices(undefined);
  await emulator?.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function call(route: CompiledRoute, services: AppServices, init: Parameters<typeof httpRequest>[2] = {}, path = `/api/${route.spec.route}`) {
  useServices(services);
  const { context } = invocation(route.spec.name);
  return readResponse(await invokeRoute(route, httpRequest(route.spec.method, path, init), context));
}
const post = (services: AppServices, body: unknown) =>
  call(startScan, services, { headers: { "content-type": "application/json", "x-functions-key": "k" }, body: JSON.stringify(body) });
const drift = (services: AppServices, targetId: string) =>
  call(getTargetDrift, services, { headers: { "x-functions-key": "k" }, query: `id=${encodeURIComponent(targetId)}` }, "/api/targets/drift");

/** A promise the test resolves, and a way to wait until some number of scans are in flight. */
function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/**
 * The same services with their scans held at the gate while `hold(request)` says so: the slots,
 * the budget and the history stay the services' own (a spread copies the references).
 */
function holding(services: AppServices, hold: (subscriptionIds: readonly string[]) => boolean, g: ReturnType<typeof gate>) {
  const inFlight: string[][] = [];
  const held: AppServices = {
    ...services,
    scan: async (request) => {
      if (hold(request.subscriptionIds)) {
        inFlight.push([...request.subscriptionIds]);
        await g.opened;
      }
      return services.scan(request);
    },
  };
  return { held, inFlight };
}

async function until(condition: () => boolean, timeoutInMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutInMs) throw new Error("timed out waiting for the scans to start");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The answer, or "still running" when it has not come within `ms` (the bug: it was not refused). */
async function within<T>(p: Promise<T>, ms = 5_000): Promise<T | "still running"> {
  return Promise.race([p, new Promise<"still running">((r) => setTimeout(() => r("still running"), ms))]);
}

describe("at most SCAN_MAX_CONCURRENT scans per instance", () => {
  it("SCAN_MAX_CONCURRENT is a whole number from 1 to 50, default 2", () => {
    expect(DEFAULT_MAX_CONCURRENT_SCANS).toBe(2);
    expect(readAppSettings({}).maxConcurrentScans).toBe(2);
    expect(readAppSettings({ SCAN_MAX_CONCURRENT: " 5 " }).maxConcurrentScans).toBe(5);
    for (const bad of ["0", "51", "-1", "1.5", "two", "1e1"]) {
      expect(() => readAppSettings({ SCAN_MAX_CONCURRENT: bad }), bad).toThrow(/SCAN_MAX_CONCURRENT must be a whole number of scans from 1 to 50/);
    }
  });

  it("a third concurrent scan gets 429 RateLimited with Retry-After, and so does a fresh target audit; nothing of theirs is scanned", async () => {
    const base = testServices({ emulator, namespace: "slots" });
    const g = gate();
    const { held, inFlight } = holding(base, () => true, g);
    try {
      const first = post(held, { subscriptions: [UNKNOWN[0]] });
      const second = post(held, { subscriptions: [UNKNOWN[1]] });
      await until(() => inFlight.length === 2);
      const third = await within(post(held, { subscriptions: [UNKNOWN[2]] }));
      expect(third).not.toBe("still running");
      if (third === "still running") return;
      expect(third.status).toBe(429);
      expect(third.json).toMatchObject({ code: "RateLimited", status: 429 });
      expect((third.json as { detail: string }).detail).toMatch(/SCAN_MAX_CONCURRENT/);
      expect(Number(third.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      const audit = await within(drift(held, GHOST_IN(UNKNOWN[3]!)));
      expect(audit === "still running" ? audit : audit.status).toBe(429);
      expect(inFlight).toHaveLength(2);
      g.open();
      expect((await first).status).toBe(201);
      expect((await second).status).toBe(201);
      // The slots are free again.
      expect(base.scanSlots.running).toBe(0);
      expect((await post(held, { subscriptions: [UNKNOWN[2]] })).status).toBe(201);
    } finally {
      g.open();
    }
  }, 60_000);

  it("the slots count per instance: releasing is idempotent, a busy subscription set is told apart from a full instance", () => {
    const slots = new ScanSlots(2);
    const a = slots.tryEnter("a");
    expect(a.status).toBe("entered");
    expect(slots.tryEnter("a")).toEqual({ status: "scope-busy" });
    const b = slots.tryEnter("b");
    expect(slots.tryEnter("c")).toMatchObject({ status: "full", running: 2 });
    if (a.status === "entered") {
      a.slot.release();
      a.slot.release();
    }
    expect(slots.running).toBe(1);
    expect(slots.tryEnter("c").status).toBe("entered");
    expect(b.status).toBe("entered");
    expect(() => new ScanSlots(0)).toThrow(RangeError);
  });
});

describe("the scan lock is keyed on the subscription set", () => {
  it("lockKeyOf ignores the target filter; the history's scope key keeps it", () => {
    const subs = [DEMO_SUB_A, DEMO_SUB_B];
    expect(lockKeyOf({ subscriptions: subs, targets: [MARKETING] })).toBe(lockKeyOf({ subscriptions: [DEMO_SUB_B.toUpperCase(), DEMO_SUB_A], targets: [FINANCE] }));
    expect(lockKeyOf({ subscriptions: subs, targets: [MARKETING] })).toBe(scopeKeyOf({ subscriptions: subs }));
    expect(scopeKeyOf({ subscriptions: subs, targets: [MARKETING] })).not.toBe(scopeKeyOf({ subscriptions: subs, targets: [FINANCE] }));
  });

  it("two scans of the same subscriptions with different targets: the second gets 409 ScanInProgress while the first runs (same instance)", async () => {
    const base = testServices({ emulator, namespace: "lockone" });
    const g = gate();
    let calls = 0;
    const { held, inFlight } = holding(base, () => ++calls === 1, g);
    try {
      const first = post(held, { subscriptions: [DEMO_SUB_A], targets: [MARKETING] });
      await until(() => inFlight.length === 1);
      const second = await within(post(held, { subscriptions: [DEMO_SUB_A], targets: [FINANCE] }));
      expect(second === "still running" ? second : second.status).toBe(409);
      if (second !== "still running") expect(second.json).toMatchObject({ code: "ScanInProgress" });
      const unfiltered = await within(post(held, { subscriptions: [DEMO_SUB_A] }));
      expect(unfiltered === "still running" ? unfiltered : unfiltered.status).toBe(409);
      // The fresh audit of a target in that subscription takes the same lock.
      const audit = await within(drift(held, FINANCE));
      expect(audit === "still running" ? audit : audit.status).toBe(409);
      g.open();
      expect((await first).status).toBe(201);
    } finally {
      g.open();
    }
  }, 60_000);

  it("across instances (two services on one storage), the storage lease is the lock: different targets, same subscriptions, 409", async () => {
    const one = testServices({ emulator, namespace: "locktwo" });
    const other = testServices({ emulator, namespace: "locktwo" });
    const g = gate();
    const { held, inFlight } = holding(one, () => true, g);
    try {
      const first = post(held, { subscriptions: [DEMO_SUB_A, DEMO_SUB_B], targets: [MARKETING] });
      await until(() => inFlight.length === 1);
      const second = await within(post(other, { subscriptions: [DEMO_SUB_B, DEMO_SUB_A], targets: [FINANCE] }));
      expect(second === "still running" ? second : second.status).toBe(409);
      g.open();
      expect((await first).status).toBe(201);
      // Once it is over, the other instance scans.
      expect((await post(other, { subscriptions: [DEMO_SUB_B, DEMO_SUB_A], targets: [FINANCE] })).status).toBe(201);
    } finally {
      g.open();
    }
  }, 60_000);

  it("GET /api/targets/{id}/drift takes the subscription's lock: 409 while another instance holds it, nothing scanned or stored; it releases it after", async () => {
    const services = testServices({ emulator, namespace: "lockdrift" });
    let scans = 0;
    const counted: AppServices = { ...services, scan: (r) => ((scans += 1), services.scan(r)) };
    // Make sure the lock blob and tables exist, so the counts below see only what the audit does.
    const history = services.history!;
    const warm = await history.acquireLock(lockKeyOf({ subscriptions: [DEMO_SUB_A] }));
    await warm!.release();
    const lock = await history.acquireLock(lockKeyOf({ subscriptions: [DEMO_SUB_A] }));
    expect(lock).toBeDefined();
    try {
      const before = await storageCounts(history);
      const r = await drift(counted, MARKETING);
      expect(r.status).toBe(409);
      expect(r.json).toMatchObject({ code: "ScanInProgress", status: 409 });
      expect(scans).toBe(0);
      expect(await storageCounts(history)).toEqual(before);
    } finally {
      await lock!.release();
    }
    const ok = await drift(counted, MARKETING);
    expect(ok.status).toBe(200);
    // It let go of the lock: another scan can take it now.
    const after = await history.acquireLock(lockKeyOf({ subscriptions: [DEMO_SUB_A] }));
    expect(after).toBeDefined();
    await after!.release();
  }, 60_000);

  it("without storage, the fresh audit still takes the subscription's lock within the instance", async () => {
    const base = testServices({ emulator, namespace: "lockmem", noStorage: true });
    const g = gate();
    const { held, inFlight } = holding(base, () => inFlight.length === 0, g);
    try {
      const first = drift(held, MARKETING);
      await until(() => inFlight.length === 1);
      const second = await within(drift(held, FINANCE));
      expect(second === "still running" ? second : second.status).toBe(409);
      g.open();
      expect((await first).status).toBe(200);
    } finally {
      g.open();
    }
  }, 60_000);
});

describe("one ARM read budget per process", () => {
  it("two scans of the same services (and the subscription listing) wait on one ReadBudget, the services' own", async () => {
    const services = testServices({ emulator, namespace: "budget", noStorage: true });
    expect(services.readBudget).toBeInstanceOf(ReadBudget);
    const used = new Set<ReadBudget>();
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the recorded `this`
    const take = ReadBudget.prototype.take;
    // A spy that records which budget each request waited on, and then waits on it for real.
    vi.spyOn(ReadBudget.prototype, "take").mockImplementation(function (this: ReadBudget, ...args: Parameters<ReadBudget["take"]>) {
      used.add(this);
      return take.apply(this, args);
    });
    const [a, b] = await Promise.all([services.scan({ subscriptionIds: [DEMO_SUB_A] }), services.scan({ subscriptionIds: [DEMO_SUB_A] })]);
    await services.listSubscriptions!({});
    expect(a.stats.armRequests).toBeGreaterThan(0);
    expect(b.stats.armRequests).toBeGreaterThan(0);
    expect([...used]).toEqual([services.readBudget]);
    // Another instance (another set of services) has its own.
    const other = testServices({ emulator, namespace: "budget", noStorage: true });
    expect(other.readBudget).not.toBe(services.readBudget);
  }, 60_000);
});
