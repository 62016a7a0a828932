/**
 * The events the emulator posts after writes, received by a small local HTTP server standing in
 * for the Functions host's Event Grid webhook: the exact Event Grid and CloudEvents shapes, the
 * delivery headers, no event for refused or no-op writes, retries, order per resource, and a write
 * answer that never waits for the delivery.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { TokenCredential } from "@azure/core-auth";
import { NetworkManagementClient } from "@azure/arm-network";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { isWatchedOperation } from "../../src/model/changeEvent.js";
import { rawRequest } from "./rawWrite.js";
import { HUB_VNET, PEERING, RG_NAME, RG_SECRET, RT_EGRESS, SUB, TENANT, writeEstate } from "./writeEstate.js";

const credential: TokenCredential = {
  getToken: () => Promise.resolve({ token: "test", expiresOnTimestamp: Date.now() + 3600_000 }),
};
const NET_API = "api-version=2024-05-01";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KEY = "system-key-1";

interface Delivery {
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** What the receiver got, and how it answers the next deliveries (status codes in order, then 200). */
const received: Delivery[] = [];
let answers: number[] = [];
let holdInMs = 0;
/** Deliveries the receiver has answered. */
let acknowledged = 0;
let receiver: Server;
let deliveryUrl: string;
let emu: RunningEmulator;

const network = () =>
  new NetworkManagementClient(credential, SUB, {
    endpoint: emu.url,
    credentials: { scopes: ["https://management.azure.com/.default"] },
    tlsOptions: { ca: emu.caCertPem },
    retryOptions: { maxRetries: 0 },
  });

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (text += chunk));
    req.on("end", () => {
      received.push({ url: req.url ?? "", headers: req.headers, body: JSON.parse(text) as unknown });
      const status = answers.shift() ?? 200;
      setTimeout(() => {
        acknowledged += 1;
        res.writeHead(status).end();
      }, holdInMs);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const { port } = receiver.address() as AddressInfo;
  deliveryUrl = `http://127.0.0.1:${port}/runtime/webhooks/eventgrid?functionName=onResourceChange&code=${KEY}`;
  emu = await startEmulator({ estate: writeEstate(), events: { deliveryUrl, retryDelaysInMs: [10, 10, 10] } });
});

afterAll(async () => {
  await emu.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

beforeEach(async () => {
  await emu.flushEvents();
  emu.setEventDelivery({ deliveryUrl, retryDelaysInMs: [10, 10, 10] });
  received.length = 0;
  answers = [];
  holdInMs = 0;
  acknowledged = 0;
});

describe("Event Grid schema", () => {
  it("a route PUT posts one ResourceWriteSuccess event with ARM's fields, as a Notification array", async () => {
    const routeId = `${RT_EGRESS}/routes/to-internet`;
    const before = Date.now();
    const put = await rawRequest(emu, "PUT", `${routeId}?${NET_API}`, { properties: { addressPrefix: "0.0.0.0/0", nextHopType: "Internet" } });
    expect(put.status).toBe(201);
    expect(await emu.flushEvents()).toMatchObject({ failed: 0 });
    expect(received).toHaveLength(1);
    const [delivery] = received;
    expect(delivery!.url).toBe(`/runtime/webhooks/eventgrid?functionName=onResourceChange&code=${KEY}`);
    expect(delivery!.headers["aeg-event-type"]).toBe("Notification");
    expect(delivery!.headers["content-type"]).toBe("application/json");
    expect(delivery!.headers["aeg-delivery-count"]).toBe("0");
    const events = delivery!.body as Array<Record<string, unknown>>;
    expect(Array.isArray(events) && events.length).toBe(1);
    const event = events[0]!;
    expect(event).toEqual({
      id: expect.stringMatching(UUID) as unknown,
      topic: `/subscriptions/${SUB}`,
      subject: routeId,
      eventType: "Microsoft.Resources.ResourceWriteSuccess",
      eventTime: expect.any(String) as unknown,
      dataVersion: "",
      metadataVersion: "1",
      data: {
        authorization: { scope: routeId, action: "Microsoft.Network/routeTables/routes/write", evidence: { role: "Contributor" } },
        claims: {},
        correlationId: put.headers["x-ms-correlation-request-id"],
        httpRequest: {
          clientRequestId: expect.stringMatching(UUID) as unknown,
          clientIpAddress: "127.0.0.1",
          method: "PUT",
          url: `${emu.url}${routeId}?${NET_API}`,
        },
        resourceProvider: "Microsoft.Network",
        resourceUri: routeId,
        operationName: "Microsoft.Network/routeTables/routes/write",
        status: "Succeeded",
        subscriptionId: SUB,
        tenantId: TENANT,
      },
    });
    const eventTime = Date.parse(event.eventTime as string);
    expect(eventTime).toBeGreaterThanOrEqual(before);
    expect(eventTime).toBeLessThanOrEqual(Date.now());
    expect(isWatchedOperation((event.data as { operationName: string }).operationName)).toBe(true);
  });

  it("an SDK peering delete posts ResourceDeleteSuccess; PATCH posts a write; the SDK's client request id is carried", async () => {
    await network().virtualNetworkPeerings.delete(RG_NAME, "vnet-hub", "peer-to-vnet-spoke");
    await rawRequest(emu, "PATCH", `${HUB_VNET}?${NET_API}`, { tags: { env: "prod" } });
    await emu.flushEvents();
    const events = received.map((d) => (d.body as Array<{ eventType: string; subject: string; data: { operationName: string; httpRequest: { method: string; clientRequestId: string } } }>)[0]!);
    expect(events.map((e) => [e.eventType, e.subject, e.data.operationName, e.data.httpRequest.method])).toEqual([
      ["Microsoft.Resources.ResourceDeleteSuccess", PEERING, "Microsoft.Network/virtualNetworks/virtualNetworkPeerings/delete", "DELETE"],
      ["Microsoft.Resources.ResourceWriteSuccess", HUB_VNET, "Microsoft.Network/virtualNetworks/write", "PATCH"],
    ]);
    expect(events[0]!.data.httpRequest.clientRequestId).toMatch(UUID);
  });

  it("refused writes (403, 400) and a DELETE of nothing (204) post no event", async () => {
    const secret = `/subscriptions/${SUB}/resourceGroups/${RG_SECRET}/providers/Microsoft.Network/publicIPAddresses/pip-secret?${NET_API}`;
    expect((await rawRequest(emu, "PUT", secret, { location: "westeurope", properties: {} })).status).toBe(403);
    expect((await rawRequest(emu, "PUT", `${RT_EGRESS}/routes/x?${NET_API}`, "{nope")).status).toBe(400);
    expect((await rawRequest(emu, "DELETE", `${RT_EGRESS}/routes/never-there?${NET_API}`)).status).toBe(204);
    await emu.flushEvents();
    expect(received).toEqual([]);
  });

  it("without a delivery set, writes post nothing", async () => {
    emu.setEventDelivery(undefined);
    expect((await rawRequest(emu, "PUT", `${RT_EGRESS}/routes/quiet?${NET_API}`, { properties: { addressPrefix: "7.7.7.0/24", nextHopType: "None" } })).status).toBe(201);
    await emu.flushEvents();
    expect(received).toEqual([]);
  });
});

describe("delivery", () => {
  it("CloudEvents 1.0: one event per POST with application/cloudevents+json", async () => {
    emu.setEventDelivery({ deliveryUrl, schema: "CloudEvents" });
    const routeId = `${RT_EGRESS}/routes/cloud`;
    await rawRequest(emu, "PUT", `${routeId}?${NET_API}`, { properties: { addressPrefix: "6.6.6.0/24", nextHopType: "None" } });
    await emu.flushEvents();
    expect(received).toHaveLength(1);
    expect(received[0]!.headers["content-type"]).toBe("application/cloudevents+json; charset=utf-8");
    expect(received[0]!.body).toMatchObject({
      specversion: "1.0",
      type: "Microsoft.Resources.ResourceWriteSuccess",
      source: `/subscriptions/${SUB}`,
      subject: routeId,
      id: expect.stringMatching(UUID) as unknown,
      time: expect.any(String) as unknown,
      data: { resourceUri: routeId, operationName: "Microsoft.Network/routeTables/routes/write", status: "Succeeded", subscriptionId: SUB },
    });
  });

  it("a failed delivery is retried with the same event until it is taken; 400 is not retried", async () => {
    const before = await emu.flushEvents();
    answers = [500, 503];
    await rawRequest(emu, "PUT", `${RT_EGRESS}/routes/retried?${NET_API}`, { properties: { addressPrefix: "4.4.4.0/24", nextHopType: "None" } });
    const after = await emu.flushEvents();
    expect(after.delivered - before.delivered).toBe(1);
    expect(received.map((d) => d.headers["aeg-delivery-count"])).toEqual(["0", "1", "2"]);
    const ids = received.map((d) => (d.body as Array<{ id: string }>)[0]!.id);
    expect(new Set(ids).size).toBe(1);

    received.length = 0;
    answers = [400];
    await rawRequest(emu, "PUT", `${RT_EGRESS}/routes/refused?${NET_API}`, { properties: { addressPrefix: "3.3.3.0/24", nextHopType: "None" } });
    const refused = await emu.flushEvents();
    expect(refused.failed - after.failed).toBe(1);
    expect(received).toHaveLength(1);
  });

  it("the write's answer does not wait for the delivery, and one resource's events arrive in write order, retries included", async () => {
    holdInMs = 800;
    answers = [500]; // the first event is refused once: the second must still wait for its retry
    const routeId = `${RT_EGRESS}/routes/ordered`;
    const correlations: string[] = [];
    for (const prefix of ["1.0.0.0/24", "1.0.1.0/24", "1.0.2.0/24"]) {
      const res = await rawRequest(emu, "PUT", `${routeId}?${NET_API}`, { properties: { addressPrefix: prefix, nextHopType: "None" } });
      expect(res.status).toBeLessThan(300);
      correlations.push(res.headers["x-ms-correlation-request-id"] as string);
    }
    expect(acknowledged).toBe(0); // three answers before the first delivery was even answered
    await emu.flushEvents();
    expect(received.map((d) => (d.body as Array<{ data: { correlationId: string } }>)[0]!.data.correlationId)).toEqual([
      correlations[0],
      correlations[0],
      correlations[1],
      correlations[2],
    ]);
  });

  it("delayInMs holds the first attempt back", async () => {
    emu.setEventDelivery({ deliveryUrl, delayInMs: 250 });
    await rawRequest(emu, "PUT", `${RT_EGRESS}/routes/later?${NET_API}`, { properties: { addressPrefix: "2.2.2.0/24", nextHopType: "None" } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received).toHaveLength(0);
    await emu.flushEvents();
    expect(received).toHaveLength(1);
  });

  it("rejects a delivery URL that is not http(s)", () => {
    expect(() => emu.setEventDelivery({ deliveryUrl: "ftp://127.0.0.1/x" })).toThrow(RangeError);
  });
});
