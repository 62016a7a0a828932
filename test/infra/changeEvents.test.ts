// The change-event Bicep (infra/modules/changeEvents.bicep, changeEventsTopic.bicep) against the
// model (src/model/changeEvent.ts): Event Grid lets through exactly the writes and deletes the
// checks read, to the function that takes them, one event per delivery, within Event Grid's
// filter limit, and dead-letters what it cannot deliver. No Bicep compiler runs here, so the
// files are read as text: a list edited on one side only, a renamed function, a filter that
// outgrows Event Grid's limit or a lost dead-letter setting fails here.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CHANGE_EVENT_TYPES, WATCHED_RESOURCE_TYPES, isWatchedOperation } from "../../src/model/changeEvent.js";

const root = join(import.meta.dirname, "..", "..");
const read = (path: string) => readFileSync(join(root, path), "utf8");
const main = read("infra/main.bicep");
const app = read("infra/modules/app.bicep");
const events = read("infra/modules/changeEvents.bicep");
const topic = read("infra/modules/changeEventsTopic.bicep");

/** Event Grid allows 25 advanced-filter values across all the filters of one event subscription. */
const MAX_ADVANCED_FILTER_VALUES = 25;

/** The items of a Bicep array variable written one single-quoted string per line (comments skipped). */
function stringArray(bicep: string, name: string): string[] {
  const m = new RegExp(`^var ${name} = \\[\\n([\\s\\S]*?)\\n\\]$`, "m").exec(bicep);
  if (!m) throw new Error(`no array variable ${name}`);
  return m[1]!
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("//"))
    .map((line) => {
      const item = /^'([^'$]*)'$/.exec(line);
      if (!item) throw new Error(`${name}: not a plain string item: ${line}`);
      return item[1]!;
    });
}

/** A top-level block (`resource x ...`, `module x ...`) up to its closing brace in column 0. */
function block(bicep: string, opening: string): string {
  const start = bicep.indexOf(`\n${opening}`);
  if (start < 0) throw new Error(`no block ${opening}`);
  const end = bicep.indexOf("\n}", start + 1);
  return bicep.slice(start + 1, end + 2);
}

/** `param` declarations: name -> has a default. */
function params(bicep: string): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const m of bicep.matchAll(/^param (\w+) \w+( =)?/gm)) out.set(m[1]!, m[2] !== undefined);
  return out;
}

/** The names a module's `params: { ... }` sets (two-space-indented module body). */
function moduleParams(moduleBlock: string): string[] {
  const body = /\n {2}params: \{\n([\s\S]*?)\n {2}\}/.exec(moduleBlock)![1]!;
  return [...body.matchAll(/^ {4}(\w+):/gm)].map((m) => m[1]!);
}

const sorted = (items: readonly string[]) => [...items].sort();
const prefixes = stringArray(events, "operationNamePrefixes");
const eventSubscription = block(topic, "resource toFunction ");

describe("change events: the Event Grid filter", () => {
  it("begins data.operationName with exactly the watched resource types, each followed by /", () => {
    expect(sorted(prefixes)).toEqual(sorted(WATCHED_RESOURCE_TYPES.map((t) => `${t}/`)));
    expect(new Set(prefixes.map((p) => p.toLowerCase())).size).toBe(prefixes.length);
    // What the filter passes, the function takes: a type's own and its child types' operations.
    for (const prefix of prefixes) {
      expect(isWatchedOperation(`${prefix}write`), prefix).toBe(true);
      expect(isWatchedOperation(`${prefix}children/delete`), prefix).toBe(true);
    }
    // The trailing / keeps a type that shares a watched type's first letters out (Event Grid compares without case).
    const passes = (op: string) => prefixes.some((p) => op.toLowerCase().startsWith(p.toLowerCase()));
    expect(passes("Microsoft.Network/routeTables/routes/write")).toBe(true);
    expect(passes("microsoft.network/ROUTETABLES/delete")).toBe(true);
    expect(passes("Microsoft.Network/routeTablesX/write")).toBe(false);
    expect(passes("Microsoft.Network/networkInterfaces/write")).toBe(false);
  });

  it("includes exactly the two event types the function takes", () => {
    expect(sorted(stringArray(events, "changeEventTypes"))).toEqual(sorted(CHANGE_EVENT_TYPES));
  });

  it("hands both lists to the event subscription's one advanced filter, on data.operationName", () => {
    const topicModule = block(events, "module topic ");
    expect(topicModule).toMatch(/^ {4}includedEventTypes: changeEventTypes$/m);
    expect(topicModule).toMatch(/^ {4}operationNamePrefixes: operationNamePrefixes$/m);
    expect(eventSubscription).toMatch(/^ {6}includedEventTypes: includedEventTypes$/m);
    const filters = /advancedFilters: \[\n([\s\S]*?)\n {6}\]/.exec(eventSubscription)![1]!;
    expect([...filters.matchAll(/operatorType:/g)]).toHaveLength(1);
    expect(filters).toMatch(/operatorType: 'StringBeginsWith'/);
    expect(filters).toMatch(/key: 'data\.operationName'/);
    expect(filters).toMatch(/values: operationNamePrefixes/);
  });

  it("stays within Event Grid's 25 advanced-filter values, and the deployment refuses more", () => {
    // The one filter's values are all the subscription's values.
    expect(prefixes.length).toBeLessThanOrEqual(MAX_ADVANCED_FILTER_VALUES);
    expect(topic).toMatch(new RegExp(`@maxLength\\(${MAX_ADVANCED_FILTER_VALUES}\\)\\nparam operationNamePrefixes array$`, "m"));
  });
});

describe("change events: delivery", () => {
  it("delivers to the onResourceChange function of the app, one event per delivery", () => {
    const name = /^var functionName = '(\w+)'$/m.exec(topic)![1]!;
    const registered = /app\.eventGrid(?:<[^>]*>)?\("(\w+)"/.exec(read("functions/onResourceChange.ts"))![1]!;
    expect(name).toBe("onResourceChange");
    expect(registered).toBe(name);
    expect(eventSubscription).toMatch(/endpointType: 'AzureFunction'\n {6}properties: \{\n {8}resourceId: '\$\{functionAppId\}\/functions\/\$\{functionName\}'\n/);
    expect(eventSubscription).toMatch(/^ {8}maxEventsPerBatch: 1$/m);
    expect(eventSubscription).toMatch(/^ {4}eventDeliverySchema: 'EventGridSchema'$/m);
    expect(block(main, "module changeEventTopics ")).toMatch(/^ {4}functionAppId: app\.outputs\.functionAppId$/m);
    expect(app).toMatch(/^output functionAppId string = app\.id$/m);
    // App Service Authentication, when on, lets Event Grid through to the host's own key check.
    expect(app).toMatch(/excludedPaths: \[[^\]]*'\/runtime\/webhooks\/eventgrid'/);
  });

  it("creates ARM's global system topic of the subscription it is deployed into, one per audited subscription", () => {
    const systemTopic = block(topic, "resource topic ");
    expect(systemTopic).toMatch(/^resource topic 'Microsoft\.EventGrid\/systemTopics@\d{4}-\d{2}-\d{2}' = \{$/m);
    expect(systemTopic).toMatch(/^ {4}topicType: 'Microsoft\.Resources\.Subscriptions'$/m);
    expect(systemTopic).toMatch(/^ {4}source: subscription\(\)\.id$/m);
    expect(systemTopic).toMatch(/^ {2}location: 'global'$/m);
    expect(topic).toMatch(/^targetScope = 'resourceGroup'$/m);
    expect(events).toMatch(/^targetScope = 'subscription'$/m);
    expect(block(events, "module topic ")).toMatch(/^ {2}scope: eventsGroup$/m);
    const loop = block(main, "module changeEventTopics ");
    expect(loop).toMatch(/^module changeEventTopics 'modules\/changeEvents\.bicep' = \[for sub in readerSubscriptions: if \(changeEvents\) \{$/m);
    expect(loop).toMatch(/^ {2}scope: subscription\(sub\)$/m);
  });

  it("dead-letters to the app's blob container with an identity that may write only there", () => {
    const deadLetter = /deadLetterWithResourceIdentity: \{\n([\s\S]*?)\n {4}\}/.exec(eventSubscription)![1]!;
    expect(deadLetter).toMatch(/type: 'UserAssigned'\n {8}userAssignedIdentity: deadLetterIdentityId/);
    expect(deadLetter).toMatch(/endpointType: 'StorageBlob'/);
    expect(deadLetter).toMatch(/resourceId: deadLetterStorageAccountId\n {10}blobContainerName: deadLetterContainerName/);
    // The topic carries the identity it dead-letters with.
    expect(block(topic, "resource topic ")).toMatch(/userAssignedIdentities: \{ '\$\{deadLetterIdentityId\}': \{\} \}/);
    // The app's storage has the container, and the identity Storage Blob Data Contributor on it alone.
    expect(app).toMatch(/^var deadLetterContainer = 'event-deadletter'$/m);
    expect(app).toMatch(/resource deadLetter 'containers' = \{\n {6}name: deadLetterContainer\n/);
    const access = block(app, "resource deadLetterAccess ");
    expect(access).toMatch(/^ {2}scope: storage::blobs::deadLetter$/m);
    expect(access).toMatch(/principalId: eventsIdentity\.properties\.principalId/);
    expect(app).toMatch(/^var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'$/m);
    expect(access).toMatch(/roleDefinitionId: subscriptionResourceId\('Microsoft\.Authorization\/roleDefinitions', storageBlobDataContributor\)/);
    const loop = block(main, "module changeEventTopics ");
    expect(loop).toMatch(/deadLetterIdentityId: app\.outputs\.eventsIdentityId/);
    expect(loop).toMatch(/deadLetterStorageAccountId: app\.outputs\.storageAccountId/);
    expect(loop).toMatch(/deadLetterContainerName: app\.outputs\.deadLetterContainerName/);
  });

  it("retries within Event Grid's limits (1-30 attempts, 1-1440 minutes) before dead-lettering", () => {
    expect(eventSubscription).toMatch(/retryPolicy: \{\n {6}maxDeliveryAttempts: maxDeliveryAttempts\n {6}eventTimeToLiveInMinutes: eventTimeToLiveInMinutes\n/);
    for (const [bicep, attempts, ttl] of [
      [main, "changeEventsMaxDeliveryAttempts", "changeEventsTimeToLiveInMinutes"],
      [events, "maxDeliveryAttempts", "eventTimeToLiveInMinutes"],
    ] as const) {
      expect(bicep).toMatch(new RegExp(`@minValue\\(1\\)\\n@maxValue\\(30\\)\\nparam ${attempts} int = ([1-9]|[12]\\d|30)$`, "m"));
      expect(bicep).toMatch(new RegExp(`@minValue\\(1\\)\\n@maxValue\\(1440\\)\\nparam ${ttl} int = \\d+$`, "m"));
      const ttlDefault = Number(new RegExp(`param ${ttl} int = (\\d+)`).exec(bicep)![1]);
      expect(ttlDefault).toBeGreaterThanOrEqual(1);
      expect(ttlDefault).toBeLessThanOrEqual(1440);
    }
  });
});

describe("change events: the modules fit together", () => {
  it("sets every parameter each module declares without a default, and none it does not declare", () => {
    for (const [callerBlock, callee] of [
      [block(main, "module changeEventTopics "), events],
      [block(events, "module topic "), topic],
    ] as const) {
      const given = moduleParams(callerBlock);
      const declared = params(callee);
      expect(given.filter((p) => !declared.has(p))).toEqual([]);
      expect([...declared].filter(([name, hasDefault]) => !hasDefault && !given.includes(name)).map(([n]) => n)).toEqual([]);
    }
    const file = JSON.parse(read("infra/main.parameters.json")) as { parameters: Record<string, { value: unknown }> };
    expect(file.parameters.changeEvents?.value).toBe("${CHANGE_EVENTS=false}");
  });

  it("tags the resource group and the system topic, and uses one stable Event Grid API version", () => {
    expect(block(events, "resource eventsGroup ")).toMatch(/^ {2}tags: tags$/m);
    expect(block(topic, "resource topic ")).toMatch(/^ {2}tags: tags$/m);
    expect(block(main, "module changeEventTopics ")).toMatch(/^ {4}tags: allTags$/m);
    const versions = new Set([...topic.matchAll(/'Microsoft\.EventGrid\/[\w/]+@([\w-]+)'/g)].map((m) => m[1]!));
    expect(versions.size).toBe(1);
    expect([...versions][0]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});
