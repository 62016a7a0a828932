/**
 * The Event Grid ingress parser (src/http/eventGrid.ts) on Microsoft's documented deliveries: both
 * schemas, the watched-operation filter, other event types, the validation handshakes, and a 400
 * problem naming every field that is not what ARM sends.
 */
import { describe, expect, it } from "vitest";
import {
  aegEventTypeOf,
  parseDelivery,
  parseTriggerEvent,
  subscriptionValidationResponse,
  webhookAllowedOrigin,
} from "../../src/http/eventGrid.js";
import { ProblemError } from "../../src/http/problem.js";
import { CORRELATION_ID, ROUTE_ID, SUBSCRIPTION, VNET_ID, docsExample, retargeted, type JsonEvent } from "./fixtures/eventgrid/events.js";

/** The problem `fn` throws (fails the test when it throws none or another error). */
function problemOf(fn: () => unknown): ProblemError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProblemError);
    return err as ProblemError;
  }
  throw new Error("expected a ProblemError, got none");
}

const paths = (err: ProblemError) => (err.errors ?? []).map((e) => e.path);

describe("parseDelivery: Event Grid schema", () => {
  it("reads Microsoft's ResourceWriteSuccess example retargeted at a route: one write, every field from the event", () => {
    const parsed = parseDelivery(retargeted("resourceWriteSuccess.eventgrid", "Microsoft.Network/routeTables/routes/write", ROUTE_ID));
    expect(parsed).toEqual({
      events: 1,
      ignoredTypes: 0,
      unwatched: 0,
      changes: [
        {
          eventId: "4db48cba-50a2-455a-93b4-de41a3b5b7f6",
          kind: "write",
          resourceId: ROUTE_ID,
          operationName: "Microsoft.Network/routeTables/routes/write",
          subscriptionId: SUBSCRIPTION.toLowerCase(),
          eventTime: "2018-07-19T18:38:04.6117357Z",
          correlationId: CORRELATION_ID,
        },
      ],
    });
  });

  it("drops Microsoft's examples as printed: a storage account is not watched, a listKeys action is another event type", () => {
    expect(parseDelivery(docsExample("resourceWriteSuccess.eventgrid"))).toEqual({ events: 1, ignoredTypes: 0, unwatched: 1, changes: [] });
    expect(parseDelivery(docsExample("resourceDeleteSuccess.eventgrid"))).toEqual({ events: 1, ignoredTypes: 0, unwatched: 1, changes: [] });
    expect(parseDelivery(docsExample("resourceActionSuccess.eventgrid"))).toEqual({ events: 1, ignoredTypes: 1, unwatched: 0, changes: [] });
  });

  it("reads a mixed delivery in order, counting what it skipped", () => {
    const body = [
      ...retargeted("resourceDeleteSuccess.eventgrid", "Microsoft.Network/virtualNetworks/delete", VNET_ID, "e-1"),
      ...docsExample("resourceActionSuccess.eventgrid"),
      ...docsExample("resourceWriteSuccess.eventgrid"),
      ...retargeted("resourceWriteSuccess.eventgrid", "Microsoft.Network/routeTables/routes/write", ROUTE_ID, "e-2"),
      ...docsExample("subscriptionValidation.eventgrid"),
    ];
    const parsed = parseDelivery(body, { contentType: "application/json" });
    expect(parsed.events).toBe(5);
    expect(parsed.ignoredTypes).toBe(2);
    expect(parsed.unwatched).toBe(1);
    expect(parsed.changes.map((c) => [c.eventId, c.kind, c.resourceId])).toEqual([
      ["e-1", "delete", VNET_ID],
      ["e-2", "write", ROUTE_ID],
    ]);
  });

  it("takes the resource id from the subject and the subscription from the topic when data lacks them", () => {
    const [event] = retargeted("resourceWriteSuccess.eventgrid", "Microsoft.Network/routeTables/routes/write", ROUTE_ID) as [JsonEvent];
    delete event.data.resourceUri;
    delete event.data.subscriptionId;
    delete event.data.correlationId;
    const [change] = parseDelivery(event).changes;
    expect(change).toEqual({
      eventId: "4db48cba-50a2-455a-93b4-de41a3b5b7f6",
      kind: "write",
      resourceId: ROUTE_ID,
      operationName: "Microsoft.Network/routeTables/routes/write",
      subscriptionId: SUBSCRIPTION.toLowerCase(),
      eventTime: "2018-07-19T18:38:04.6117357Z",
    });
  });

  it("matches watched operations case-insensitively (ARM's casing varies)", () => {
    const parsed = parseDelivery(retargeted("resourceWriteSuccess.eventgrid", "microsoft.network/ROUTETABLES/write", ROUTE_ID.split("/routes/")[0]!));
    expect(parsed.changes).toHaveLength(1);
  });

  it("is a 400 naming each bad field, with the event's index, and nothing parsed", () => {
    const good = retargeted("resourceWriteSuccess.eventgrid", "Microsoft.Network/routeTables/routes/write", ROUTE_ID)[0]!;
    const noOperation = structuredClone(good);
    delete noOperation.data.operationName;
    const badTime = { ...structuredClone(good), eventTime: "yesterday" };
    const badResource = structuredClone(good);
    badResource.data.resourceUri = "https://management.azure.com/subscriptions/x";
    const noData = { ...structuredClone(good), data: "Microsoft.Network/routeTables/write" };
    const err = problemOf(() => parseDelivery([good, noOperation, badTime, badResource, noData, 42]));
    expect(err.status).toBe(400);
    expect(err.code).toBe("ValidationFailed");
    expect(paths(err)).toEqual(["/body/1/data/operationName", "/body/2/eventTime", "/body/3/data/resourceUri", "/body/4/data", "/body/5"]);
    expect(err.errors![0]!.message).toBe("is required");
    expect(err.errors![2]!.message).toBe("must be an ARM resource id (/subscriptions/<guid>/...)");
    expect(err.detail).toMatch(/^5 fields failed validation: \/body\/1\/data\/operationName is required; /);
  });

  it("is a 400 when neither data nor topic names the subscription, or neither resourceUri nor subject the resource", () => {
    const [event] = retargeted("resourceWriteSuccess.eventgrid", "Microsoft.Network/routeTables/routes/write", ROUTE_ID) as [JsonEvent];
    delete event.data.subscriptionId;
    delete event.data.resourceUri;
    event.topic = "/providers/Microsoft.Management/managementGroups/mg";
    event.subject = "";
    expect(paths(problemOf(() => parseDelivery([event])))).toEqual(["/body/0/data/resourceUri", "/body/0/data/subscriptionId"]);
  });

  it("does not judge the fields of an unwatched operation or another event type beyond the envelope", () => {
    const [event] = docsExample("resourceWriteSuccess.eventgrid") as [JsonEvent];
    event.data.resourceUri = "not an id";
    event.subject = "";
    expect(parseDelivery([event]).unwatched).toBe(1);
    // The envelope is still checked: an event with no id is refused whatever its type.
    const [action] = docsExample("resourceActionSuccess.eventgrid") as [JsonEvent];
    delete action.id;
    expect(paths(problemOf(() => parseDelivery([action])))).toEqual(["/body/0/id"]);
  });

  it("refuses a body that is no event at all", () => {
    expect(paths(problemOf(() => parseDelivery("events")))).toEqual(["/body"]);
    expect(paths(problemOf(() => parseDelivery(null)))).toEqual(["/body"]);
    expect(parseDelivery([])).toEqual({ events: 0, ignoredTypes: 0, unwatched: 0, changes: [] });
  });
});

describe("parseDelivery: CloudEvents 1.0", () => {
  const cloudDelete = () => retargeted("resourceDeleteSuccess.cloudevents", "Microsoft.Network/virtualNetworks/delete", VNET_ID);

  it("reads Microsoft's ResourceDeleteSuccess example (batch mode) retargeted at a VNet", () => {
    const parsed = parseDelivery(cloudDelete(), { contentType: "application/cloudevents-batch+json; charset=utf-8" });
    expect(parsed.changes).toEqual([
      {
        eventId: "19a69642-1aad-4a96-a5ab-8d05494513ce",
        kind: "delete",
        resourceId: VNET_ID,
        operationName: "Microsoft.Network/virtualNetworks/delete",
        subscriptionId: SUBSCRIPTION.toLowerCase(),
        eventTime: "2018-07-19T19:24:12.763881Z",
        correlationId: CORRELATION_ID,
      },
    ]);
    expect(parseDelivery(docsExample("resourceDeleteSuccess.cloudevents"))).toMatchObject({ unwatched: 1, changes: [] });
  });

  it("reads one event (structured mode) and takes the subscription from the source when data lacks it", () => {
    const [event] = cloudDelete() as [JsonEvent];
    delete event.data.subscriptionId;
    const parsed = parseDelivery(event, { contentType: "application/cloudevents+json; charset=utf-8" });
    expect(parsed.changes.map((c) => [c.kind, c.subscriptionId])).toEqual([["delete", SUBSCRIPTION.toLowerCase()]]);
  });

  it("holds the Content-Type to its mode, and names CloudEvents' own fields", () => {
    const [event] = cloudDelete() as [JsonEvent];
    expect(paths(problemOf(() => parseDelivery(event, { contentType: "application/cloudevents-batch+json" })))).toEqual(["/body"]);
    expect(paths(problemOf(() => parseDelivery([event], { contentType: "application/cloudevents+json" })))).toEqual(["/body"]);
    const old = { ...structuredClone(event), specversion: "0.3" };
    const err = problemOf(() => parseDelivery(old));
    expect(err.errors).toEqual([{ path: "/body/specversion", message: "must be equal to constant" }]);
    const untimed = structuredClone(event);
    delete untimed.time;
    delete untimed.source;
    expect(paths(problemOf(() => parseDelivery([untimed])))).toEqual(["/body/0/source"]);
    untimed.source = "/subscriptions/" + SUBSCRIPTION;
    expect(paths(problemOf(() => parseDelivery([untimed])))).toEqual(["/body/0/time"]);
  });
});

describe("the function trigger's event", () => {
  it("reads one event, as an object or its JSON text, naming fields under /event", () => {
    const [event] = retargeted("resourceWriteSuccess.eventgrid", "Microsoft.Network/routeTables/routes/write", ROUTE_ID) as [JsonEvent];
    expect(parseTriggerEvent(event).changes).toHaveLength(1);
    expect(parseTriggerEvent(JSON.stringify(event)).changes).toHaveLength(1);
    delete event.data.operationName;
    expect(paths(problemOf(() => parseTriggerEvent(event)))).toEqual(["/event/data/operationName"]);
    expect(paths(problemOf(() => parseTriggerEvent([event])))).toEqual(["/event"]);
    expect(problemOf(() => parseTriggerEvent("{")).code).toBe("MalformedJson");
  });
});

describe("validation handshakes", () => {
  it("answers Microsoft's SubscriptionValidationEvent example with its validation code", () => {
    expect(subscriptionValidationResponse(docsExample("subscriptionValidation.eventgrid"))).toEqual({ validationResponse: "512d38b6-c7b8-40c8-89fe-f46f9e9622b6" });
    expect(subscriptionValidationResponse(docsExample("subscriptionValidation.eventgrid")[0])).toEqual({ validationResponse: "512d38b6-c7b8-40c8-89fe-f46f9e9622b6" });
  });

  it("is a 400 naming the field when the body is no validation event", () => {
    const [event] = docsExample("subscriptionValidation.eventgrid") as [JsonEvent];
    delete event.data.validationCode;
    expect(paths(problemOf(() => subscriptionValidationResponse([event])))).toEqual(["/body/0/data/validationCode"]);
    expect(paths(problemOf(() => subscriptionValidationResponse(docsExample("resourceWriteSuccess.eventgrid"))))).toEqual(["/body/0/eventType"]);
    expect(paths(problemOf(() => subscriptionValidationResponse([])))).toEqual(["/body/0"]);
  });

  it("reads aeg-event-type as the host does (any case) and answers CloudEvents' origin with Event Grid's own", () => {
    expect(aegEventTypeOf("subscriptionvalidation")).toBe("SubscriptionValidation");
    expect(aegEventTypeOf("Notification")).toBe("Notification");
    expect(aegEventTypeOf("Unsubscribe")).toBe("Unsubscribe");
    expect(aegEventTypeOf("Other")).toBeUndefined();
    expect(aegEventTypeOf(null)).toBeUndefined();
    expect(webhookAllowedOrigin("eventgrid.azure.net")).toBe("eventgrid.azure.net");
    expect(webhookAllowedOrigin("eventgrid.azure.cn")).toBe("eventgrid.azure.cn");
    // Never echoes an origin that is not Event Grid's.
    expect(webhookAllowedOrigin("attacker.example")).toBe("eventgrid.azure.net");
    expect(webhookAllowedOrigin(null)).toBe("eventgrid.azure.net");
  });
});
