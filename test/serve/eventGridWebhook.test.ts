/**
 * `npm run serve`'s Event Grid webhook over real HTTP, answered as the Functions host answers
 * `/runtime/webhooks/eventgrid?functionName=<name>`: the system key (or the master key, never a
 * function key) first, then the function name; the subscription validation handshake; CloudEvents'
 * OPTIONS validation; a notification runs the real `onResourceChange` handler once per event and is
 * answered only after the change feed audited the batch (202, as the host; 500 when the audit
 * failed, so Event Grid redelivers); a delivery that is not what ARM sends is a 400 naming the field.
 *
 * The change feed is a recording one passed in through the services: the real feed is the app's
 * (src/app/changeFeed.ts), tested on its own.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { onResourceChange } from "../../functions/onResourceChange.js";
import type { ChangeBatchOutcome, ChangeFeed } from "../../src/app/changeFeed.js";
import { createServices, useServices, type AppServices } from "../../src/app/services.js";
import { readAppSettings } from "../../src/config/appSettings.js";
import { Problem } from "../../src/http/schemas.js";
import type { ResourceChange } from "../../src/model/changeEvent.js";
import { startLocalServer, type RunningLocalServer } from "../../src/serve/server.js";
import { ROUTE_ID, SUBSCRIPTION, VNET_ID, docsExample, retargeted } from "../http/fixtures/eventgrid/events.js";
import { schemaErrors } from "../setup/harness.js";

const FUNCTION_KEY = "test-function-key";
const MASTER_KEY = "test-master-key";
const SYSTEM_KEY = "test-eventgrid-system-key";

const AUDITED: ChangeBatchOutcome = { status: "audited", changes: 2, targets: ["t1"], armRequests: 4, newFindings: 1, resolvedFindings: 0, notification: "sent" };

let server: RunningLocalServer;
const logLines: string[] = [];
/** What the feed does with the next submissions; reset after each test. */
let answer: (changes: ResourceChange[]) => Promise<ChangeBatchOutcome> = () => Promise.resolve(AUDITED);
const submitted: ResourceChange[][] = [];
const feed: ChangeFeed = {
  submit: (changes) => {
    submitted.push(changes);
    return answer(changes);
  },
};

function services(): AppServices {
  const base = createServices(readAppSettings({ AZURE_ARM_ENDPOINT: "https://127.0.0.1:9", AZURE_ARM_TOKEN: "test-token" }));
  return { ...base, changes: feed };
}

beforeAll(async () => {
  useServices(services());
  server = await startLocalServer({
    routes: [],
    handlers: {},
    eventGrid: { onResourceChange },
    functionKey: FUNCTION_KEY,
    masterKey: MASTER_KEY,
    systemKey: SYSTEM_KEY,
    log: (line) => logLines.push(line),
  });
});

afterAll(async () => {
  useServices(undefined);
  await server?.close();
});

afterEach(() => {
  submitted.length = 0;
  answer = () => Promise.resolve(AUDITED);
});

const webhook = (query: string, init: RequestInit = {}) => fetch(`${server.url}/runtime/webhooks/eventgrid?${query}`, init);
const notify = (body: unknown, headers: Record<string, string> = {}) =>
  webhook(`functionName=onResourceChange&code=${SYSTEM_KEY}`, {
    method: "POST",
    headers: { "aeg-event-type": "Notification", "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

async function expectProblem(response: Response, status: number, code: string): Promise<{ errors?: Array<{ path: string; message: string }> }> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  const doc = (await response.json()) as { code: string; errors?: Array<{ path: string; message: string }> };
  expect(schemaErrors(Problem, doc)).toBe("");
  expect(doc.code).toBe(code);
  return doc;
}

describe("the Event Grid webhook of npm run serve", () => {
  it("needs the system key (or the master key), never a function key, before it names any function", async () => {
    const validation = JSON.stringify(docsExample("subscriptionValidation.eventgrid"));
    const handshake = (query: string, headers: Record<string, string> = {}) =>
      webhook(query, { method: "POST", headers: { "aeg-event-type": "SubscriptionValidation", ...headers }, body: validation });
    await expectProblem(await handshake("functionName=onResourceChange"), 401, "Unauthorized");
    await expectProblem(await handshake(`functionName=onResourceChange&code=${FUNCTION_KEY}`), 401, "Unauthorized");
    await expectProblem(await handshake("functionName=onResourceChange&code=wrong"), 401, "Unauthorized");
    // A valid ?code= beside a made-up header is refused: the header is the key the host checks.
    await expectProblem(await handshake(`functionName=onResourceChange&code=${SYSTEM_KEY}`, { "x-functions-key": "made-up" }), 401, "Unauthorized");
    // Without a key, an unknown function is a 401 too: no function names leak.
    await expectProblem(await handshake("functionName=nope"), 401, "Unauthorized");
    expect((await handshake(`functionName=onResourceChange&code=${SYSTEM_KEY}`)).status).toBe(200);
    expect((await handshake("functionName=onResourceChange", { "x-functions-key": SYSTEM_KEY })).status).toBe(200);
    expect((await handshake(`functionName=onResourceChange&code=${MASTER_KEY}`)).status).toBe(200);
    expect(submitted).toEqual([]);
  });

  it("answers Microsoft's subscription validation event with its code (200), and CloudEvents' OPTIONS with the allowed origin", async () => {
    const res = await webhook(`functionName=onResourceChange&code=${SYSTEM_KEY}`, {
      method: "POST",
      headers: { "aeg-event-type": "SubscriptionValidation", "content-type": "application/json" },
      body: JSON.stringify(docsExample("subscriptionValidation.eventgrid")),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ validationResponse: "512d38b6-c7b8-40c8-89fe-f46f9e9622b6" });

    const options = await webhook(`functionName=onResourceChange&code=${SYSTEM_KEY}`, { method: "OPTIONS", headers: { "WebHook-Request-Origin": "eventgrid.azure.net" } });
    expect(options.status).toBe(200);
    expect(options.headers.get("webhook-allowed-origin")).toBe("eventgrid.azure.net");
    const elsewhere = await webhook(`functionName=onResourceChange&code=${SYSTEM_KEY}`, { method: "OPTIONS", headers: { "WebHook-Request-Origin": "attacker.example" } });
    expect(elsewhere.headers.get("webhook-allowed-origin")).toBe("eventgrid.azure.net");
    expect(submitted).toEqual([]);
  });

  it("runs onResourceChange once per event of a notification and answers 202 only once the batch is audited", async () => {
    let release: () => void = () => undefined;
    const audited = new Promise<void>((resolve) => (release = resolve));
    answer = async () => {
      await audited;
      return AUDITED;
    };
    const delivery = [
      ...retargeted("resourceWriteSuccess.eventgrid", "Microsoft.Network/routeTables/routes/write", ROUTE_ID, "event-1"),
      ...docsExample("resourceWriteSuccess.eventgrid"),
      ...retargeted("resourceDeleteSuccess.eventgrid", "Microsoft.Network/virtualNetworks/delete", VNET_ID, "event-2"),
    ];
    let answered = false;
    const pending = notify(delivery).then((r) => {
      answered = true;
      return r;
    });
    const until = Date.now() + 5_000;
    while (submitted.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    expect(answered).toBe(false);
    expect(submitted.map((c) => c.map((x) => [x.eventId, x.kind, x.resourceId, x.subscriptionId]))).toEqual([
      [["event-1", "write", ROUTE_ID, SUBSCRIPTION.toLowerCase()]],
      [["event-2", "delete", VNET_ID, SUBSCRIPTION.toLowerCase()]],
    ]);
    release();
    const res = await pending;
    expect(res.status).toBe(202);
    expect(await res.text()).toBe("");
    expect(logLines.join("\n")).toContain("[eventgrid] onResourceChange: delivery of 3 event(s): 2 watched change(s), 1 unwatched operation(s), 0 of other types");
  });

  it("takes one CloudEvent (structured mode) and a CloudEvents batch", async () => {
    const [event] = retargeted("resourceDeleteSuccess.cloudevents", "Microsoft.Network/virtualNetworks/delete", VNET_ID);
    expect((await notify(event, { "content-type": "application/cloudevents+json; charset=utf-8" })).status).toBe(202);
    expect((await notify([event], { "content-type": "application/cloudevents-batch+json; charset=utf-8" })).status).toBe(202);
    expect(submitted.map((c) => c[0]!.kind)).toEqual(["delete", "delete"]);
  });

  it("answers 500 when the audit fails, so Event Grid redelivers", async () => {
    answer = () => Promise.reject(new Error("the event scan could not be stored"));
    const res = await notify(retargeted("resourceWriteSuccess.eventgrid", "Microsoft.Network/routeTables/routes/write", ROUTE_ID));
    const doc = await expectProblem(res, 500, "InternalError");
    expect(JSON.stringify(doc)).not.toContain("could not be stored");
    expect(logLines.join("\n")).toContain("the event scan could not be stored");
  });

  it("refuses a delivery that is not what ARM sends with a 400 naming the field, and runs nothing", async () => {
    const delivery = retargeted("resourceWriteSuccess.eventgrid", "Microsoft.Network/routeTables/routes/write", ROUTE_ID);
    const broken = structuredClone(delivery[0]!);
    delete broken.data.operationName;
    const doc = await expectProblem(await notify([delivery[0], broken]), 400, "ValidationFailed");
    expect(doc.errors).toEqual([{ path: "/body/1/data/operationName", message: "is required" }]);
    await expectProblem(await notify("[{"), 400, "MalformedJson");
    await expectProblem(await notify(delivery[0], { "content-type": "application/cloudevents-batch+json" }), 400, "ValidationFailed");
    const noHeader = await webhook(`functionName=onResourceChange&code=${SYSTEM_KEY}`, { method: "POST", body: JSON.stringify(delivery) });
    const headerDoc = await expectProblem(noHeader, 400, "ValidationFailed");
    expect(headerDoc.errors).toEqual([{ path: "/headers/aeg-event-type", message: "must be one of: SubscriptionValidation, Notification, Unsubscribe" }]);
    expect(submitted).toEqual([]);
  });

  it("routes like the host: unknown function 404, other methods 405, Unsubscribe 202, other paths 404", async () => {
    await expectProblem(await webhook(`functionName=scheduledScan&code=${SYSTEM_KEY}`, { method: "POST", headers: { "aeg-event-type": "Notification" }, body: "[]" }), 404, "RouteNotFound");
    await expectProblem(await webhook(`code=${SYSTEM_KEY}`, { method: "POST", headers: { "aeg-event-type": "Notification" }, body: "[]" }), 404, "RouteNotFound");
    await expectProblem(await webhook(`functionName=onResourceChange&code=${SYSTEM_KEY}`), 405, "MethodNotAllowed");
    expect((await webhook(`functionName=onResourceChange&code=${SYSTEM_KEY}`, { method: "POST", headers: { "aeg-event-type": "Unsubscribe" } })).status).toBe(202);
    await expectProblem(await fetch(`${server.url}/runtime/webhooks/other?functionName=onResourceChange&code=${SYSTEM_KEY}`, { method: "POST" }), 404, "RouteNotFound");
    // The path is matched without regard to case, as the host's routing does.
    expect((await fetch(`${server.url}/Runtime/Webhooks/EventGrid?functionName=onResourceChange&code=${SYSTEM_KEY}`, { method: "POST", headers: { "aeg-event-type": "Unsubscribe" } })).status).toBe(202);
  });
});
