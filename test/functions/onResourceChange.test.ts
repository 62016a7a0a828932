/**
 * The Event Grid trigger `onResourceChange` in test mode (called as the host calls it: one event per
 * invocation, with an `InvocationContext`), against a recording change feed: the real feed
 * (src/app/changeFeed.ts) is tested on its own; here the adapter's contract is what counts. It hands
 * each watched change to the feed and waits for the batch's audit, skips what is not watched, says
 * so when no storage is configured, and fails the invocation (so Event Grid redelivers) when the
 * audit fails or the event is malformed.
 */
import { afterEach, describe, expect, it } from "vitest";
import { onResourceChange } from "../../functions/onResourceChange.js";
import type { ChangeBatchOutcome, ChangeFeed } from "../../src/app/changeFeed.js";
import { createServices, useServices, type AppServices } from "../../src/app/services.js";
import { readAppSettings } from "../../src/config/appSettings.js";
import { ProblemError } from "../../src/http/problem.js";
import type { ResourceChange } from "../../src/model/changeEvent.js";
import { ROUTE_ID, SUBSCRIPTION, VNET_ID, docsExample, retargeted } from "../http/fixtures/eventgrid/events.js";
import { invocation } from "../setup/harness.js";

const AUDITED: ChangeBatchOutcome = {
  status: "audited",
  changes: 3,
  targets: ["/subscriptions/x/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/aks"],
  armRequests: 7,
  newFindings: 1,
  resolvedFindings: 0,
  notification: "sent",
  scanId: "0f0e0d0c-0b0a-4900-8800-070605040302",
};

/** A feed that records what it is given and answers with `answer`. */
function recordingFeed(answer: (changes: ResourceChange[]) => Promise<ChangeBatchOutcome>): ChangeFeed & { calls: ResourceChange[][] } {
  const calls: ResourceChange[][] = [];
  return {
    calls,
    submit: (changes) => {
      calls.push(changes);
      return answer(changes);
    },
  };
}

/** Services with no storage (nothing reaches ARM here), plus `changes` when given. */
function servicesWith(changes: ChangeFeed | undefined): AppServices {
  const { changes: _none, ...base } = createServices(readAppSettings({ AZURE_ARM_ENDPOINT: "https://127.0.0.1:9", AZURE_ARM_TOKEN: "test-token" }));
  return changes ? { ...base, changes } : base;
}

const routeWrite = () => retargeted("resourceWriteSuccess.eventgrid", "Microsoft.Network/routeTables/routes/write", ROUTE_ID)[0]!;

afterEach(() => useServices(undefined));

describe("onResourceChange", () => {
  it("hands a watched write to the change feed, waits for the batch's audit, and logs the outcome", async () => {
    let release: (o: ChangeBatchOutcome) => void = () => undefined;
    const feed = recordingFeed(() => new Promise((resolve) => (release = resolve)));
    useServices(servicesWith(feed));
    const { context, lines } = invocation("onResourceChange");
    let settled = false;
    const running = onResourceChange(routeWrite(), context).finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 20));
    // The invocation (and so the host's answer to Event Grid) waits for the audit.
    expect(settled).toBe(false);
    expect(feed.calls).toEqual([
      [
        {
          eventId: "4db48cba-50a2-455a-93b4-de41a3b5b7f6",
          kind: "write",
          resourceId: ROUTE_ID,
          operationName: "Microsoft.Network/routeTables/routes/write",
          subscriptionId: SUBSCRIPTION.toLowerCase(),
          eventTime: "2018-07-19T18:38:04.6117357Z",
          correlationId: "b4a9c2d1-6e3f-4a8b-9c7d-1e2f3a4b5c6d",
        },
      ],
    ]);
    release(AUDITED);
    expect(await running).toEqual({ status: "submitted", outcome: AUDITED });
    expect(lines.join("\n")).toMatch(/information: onResourceChange: write .*routes\/default-to-firewall \(event 4db48cba-.*\): batch of 3 change\(s\) audited, 1 target\(s\) re-audited, 7 ARM request\(s\), 1 new and 0 resolved finding\(s\); Teams: sent; scan 0f0e0d0c-/);
  });

  it("takes a CloudEvent as the host delivers it in CloudEvents mode (one event, or its JSON text)", async () => {
    const feed = recordingFeed(() => Promise.resolve({ ...AUDITED, status: "ignored" as const, targets: [], armRequests: 0, newFindings: 0, notification: "none" }));
    useServices(servicesWith(feed));
    const event = retargeted("resourceDeleteSuccess.cloudevents", "Microsoft.Network/virtualNetworks/delete", VNET_ID)[0]!;
    expect(await onResourceChange(event, invocation("onResourceChange").context)).toMatchObject({ status: "submitted", outcome: { status: "ignored" } });
    expect(await onResourceChange(JSON.stringify(event), invocation("onResourceChange").context)).toMatchObject({ status: "submitted" });
    expect(feed.calls.map((c) => c.map((x) => [x.kind, x.resourceId]))).toEqual([[["delete", VNET_ID]], [["delete", VNET_ID]]]);
  });

  it("costs nothing for an unwatched operation or another event type: the feed is never called", async () => {
    const feed = recordingFeed(() => Promise.resolve(AUDITED));
    useServices(servicesWith(feed));
    const unwatched = invocation("onResourceChange");
    expect(await onResourceChange(docsExample("resourceWriteSuccess.eventgrid")[0], unwatched.context)).toEqual({ status: "skipped", reason: "unwatched-operation" });
    expect(unwatched.lines.join("\n")).toContain("nothing to audit (1 event(s): 0 watched change(s), 1 unwatched operation(s), 0 of other types)");
    expect(await onResourceChange(docsExample("resourceActionSuccess.eventgrid")[0], invocation("onResourceChange").context)).toEqual({ status: "skipped", reason: "other-event-type" });
    expect(feed.calls).toEqual([]);
  });

  it("without storage (no change feed) warns and returns: there is no scan to diff against", async () => {
    useServices(servicesWith(undefined));
    const { context, lines } = invocation("onResourceChange");
    expect(await onResourceChange(routeWrite(), context)).toEqual({ status: "no-storage" });
    expect(lines.join("\n")).toMatch(/^warning: onResourceChange: no storage configured .*Microsoft\.Network\/routeTables\/routes\/write on .*default-to-firewall not audited/m);
  });

  it("fails the invocation when the audit fails, so the host answers 500 and Event Grid redelivers", async () => {
    const boom = new Error("storage unavailable while storing the event scan");
    useServices(servicesWith(recordingFeed(() => Promise.reject(boom))));
    const { context, lines } = invocation("onResourceChange");
    await expect(onResourceChange(routeWrite(), context)).rejects.toBe(boom);
    expect(lines.join("\n")).toMatch(/^error: onResourceChange: the audit of the batch with .*default-to-firewall \(event 4db48cba-.*\) failed: storage unavailable/m);
  });

  it("fails on a malformed event, naming the field, and submits nothing", async () => {
    const feed = recordingFeed(() => Promise.resolve(AUDITED));
    useServices(servicesWith(feed));
    const event = routeWrite();
    delete event.data.operationName;
    const { context, lines } = invocation("onResourceChange");
    const err: unknown = await onResourceChange(event, context).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProblemError);
    expect((err as ProblemError).errors).toEqual([{ path: "/event/data/operationName", message: "is required" }]);
    expect(lines.join("\n")).toMatch(/^error: onResourceChange: the event is not one ARM's system topic sends: 1 field failed validation: \/event\/data\/operationName is required/m);
    expect(feed.calls).toEqual([]);
  });
});
