/**
 * Property-based fuzzing of the baseline loader (fast-check, fixed seeds, bounded runs), through
 * every way a baseline arrives: parsed JSON (`baselineFromJson`), a file (`loadBaselineFile`),
 * `BASELINE_JSON` (`readAppSettings`, then `baselineProvider`) and `BASELINE_URL`
 * (`fetchBaseline`, from a local server).
 *
 * Properties: a baseline is either accepted or refused with a `UsageError` (a stable code, a message
 * naming the source), nothing else is ever thrown; the message never echoes a URL; and a baseline
 * that is accepted judges the demo snapshot without any check crashing on it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { baselineFromJson, baselineProvider, fetchBaseline, loadBaselineFile, MAX_BASELINE_BYTES } from "../../src/app/baseline.js";
import { evaluate } from "../../src/checks/lib/engine.js";
import { checks } from "../../src/checks/index.js";
import type { Snapshot } from "../../src/model/snapshot.js";
import { readAppSettings } from "../../src/config/appSettings.js";
import { readArmSettings } from "../../src/config/settings.js";
import { UsageError } from "../../src/errors.js";
import { loadEstate } from "../../src/emulator/estate.js";
import { startEmulator } from "../../src/emulator/server.js";
import { runScan } from "../../src/app/scan.js";
import { DEMO_SUB_A, REPO } from "../setup/harness.js";

const SEED = 20250131;
const tally = { inputs: 0, accepted: 0, refused: 0 };

let snapshot: Snapshot;
const scratch = mkdtempSync(join(tmpdir(), "egress-audit-baseline-fuzz-"));

beforeAll(async () => {
  const emulator = await startEmulator({ estate: await loadEstate(join(REPO, "estates", "demo.json")) });
  try {
    ({ snapshot } = await runScan({ settings: readArmSettings({}, { endpoint: emulator.url, staticToken: "t" }), clients: { caCertificates: [emulator.caCertPem], maxRetries: 0 } }));
  } finally {
    await emulator.close();
  }
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  console.log(`baseline fuzz: ${tally.inputs} generated baselines, ${tally.accepted} accepted, ${tally.refused} refused with UsageError, 0 other errors`);
});

// ---------------------------------------------------------------------------------------------
// Arbitraries: near-valid baselines (every field, sometimes of the wrong kind) and plain JSON.

const checkIds = checks.map((c) => c.meta.id);
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join("."));
const weird = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom("", "*", "**", "[", "{a,b}", "!(x)", "../..", "\u0000", "1e999", "😀"), fc.integer(), fc.boolean(), fc.constant(null));
/** Mostly a good value, now and then a value of the wrong kind (a baseline has ~20 fields). */
const sometimes = <T>(good: fc.Arbitrary<T>) => fc.oneof({ weight: 40, arbitrary: good }, { weight: 1, arbitrary: weird });
const armIdGlob = fc.oneof(
  fc.constantFrom(
    `/subscriptions/${DEMO_SUB_A}/resourceGroups/*/providers/Microsoft.Network/publicIPAddresses/*`,
    "/subscriptions/*/**",
    "**",
    `/subscriptions/${DEMO_SUB_A}/resourceGroups/MC_hdi-*_pool-*_eastus/**`,
  ),
  fc.string({ minLength: 1, maxLength: 40 }),
);
const rules = fc.record(
  {
    outboundType: sometimes(fc.constantFrom("loadBalancer", "userDefinedRouting", "managedNATGateway", "userAssignedNATGateway", "none", "block")),
    requireFirewallEgress: sometimes(fc.boolean()),
    firewallPrivateIp: sometimes(ipv4),
    approvedApplianceIps: sometimes(fc.array(ipv4, { maxLength: 3 })),
    allowedPublicIpIds: sometimes(fc.array(armIdGlob, { maxLength: 3 })),
    allowedInternetPrefixes: sometimes(fc.array(fc.tuple(ipv4, fc.integer({ min: 0, max: 40 })).map(([a, n]) => `${a}/${n}`), { maxLength: 3 })),
    firewallResourceId: sometimes(fc.constantFrom(`/subscriptions/${DEMO_SUB_A}/resourceGroups/rg-hub/providers/Microsoft.Network/azureFirewalls/fw-hub`, `/subscriptions/x/resourceGroups/y/providers/Microsoft.Network/azureFirewalls/z`)),
    privateApiServer: sometimes(fc.boolean()),
    requireAuthorizedIpRanges: sometimes(fc.boolean()),
    privateIngress: sometimes(fc.boolean()),
    extraRequiredEgress: sometimes(
      fc.array(
        fc.record({
          kind: sometimes(fc.constantFrom("fqdn", "fqdnTag", "serviceTag", "address")),
          destination: sometimes(fc.oneof(fc.domain(), fc.constantFrom("*.blob.core.windows.net", "AzureCloud", "AzureKubernetesService", "10.0.0.0/8", "*"))),
          protocol: sometimes(fc.constantFrom("Https", "Http", "Mssql", "TCP", "UDP")),
          port: sometimes(fc.integer({ min: 0, max: 70000 })),
          description: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
        }),
        { maxLength: 3 },
      ),
    ),
    clientVnetIds: sometimes(fc.array(fc.constantFrom(`/subscriptions/${DEMO_SUB_A}/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub`), { maxLength: 2 })),
    requireNsg: sometimes(fc.boolean()),
    maxPortRangeWidth: sometimes(fc.integer({ min: -1, max: 70000 })),
  },
  { requiredKeys: [] },
);
const suppression = fc.record(
  {
    checkId: sometimes(fc.oneof({ weight: 20, arbitrary: fc.constantFrom(...checkIds) }, { weight: 1, arbitrary: fc.constant("no-such-check") })),
    resourceId: sometimes(armIdGlob),
    reason: sometimes(fc.string({ minLength: 1, maxLength: 30 })),
    owner: sometimes(fc.emailAddress()),
    expires: fc.option(sometimes(fc.oneof(fc.constantFrom("2099-12-31", "2020-01-01", "2025-02-30", "not a date", "2099-12-31T23:59:59Z"))), { nil: undefined }),
  },
  { requiredKeys: ["checkId", "resourceId", "reason", "owner"] },
);
const baselineLike = fc
  .record(
    {
      schemaVersion: fc.oneof({ weight: 8, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: weird }),
      defaults: sometimes(rules),
      overrides: sometimes(
        fc.array(fc.record({ match: sometimes(fc.record({ resourceId: armIdGlob, tag: fc.record({ name: fc.string({ minLength: 1, maxLength: 10 }), value: fc.string({ maxLength: 10 }) }) }, { requiredKeys: [] })), rules }), { maxLength: 3 }),
      ),
      checks: sometimes(
        fc.dictionary(
          fc.oneof({ weight: 20, arbitrary: fc.constantFrom(...checkIds) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) }),
          fc.record({ severity: sometimes(fc.constantFrom("critical", "high", "medium", "low", "info")), enabled: sometimes(fc.boolean()), parameters: sometimes(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }))) }, { requiredKeys: [] }),
          { maxKeys: 4 },
        ),
      ),
      suppressions: sometimes(fc.array(suppression, { maxLength: 4 })),
    },
    { requiredKeys: ["schemaVersion"] },
  )
  .map((b) => {
    // Drop undefined members (the record leaves optional keys absent or undefined).
    return JSON.parse(JSON.stringify(b)) as unknown;
  });
const anyJson = fc.oneof(
  { weight: 6, arbitrary: baselineLike },
  // An unknown top-level member: always refused (nothing is silently ignored).
  { weight: 1, arbitrary: fc.tuple(baselineLike, fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue({ maxDepth: 1 })).map(([b, k, v]) => (b && typeof b === "object" ? { ...b, [`x-${k}`]: v } : b)) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
);

/** Accepted (and then judged), or refused with a UsageError; anything else fails the property. */
function outcome(load: () => unknown): "accepted" | "refused" {
  tally.inputs += 1;
  try {
    load();
  } catch (err) {
    if (!(err instanceof UsageError)) throw new Error(`not a UsageError: ${(err as Error).stack ?? String(err)}`, { cause: err });
    expect(err.code).toMatch(/^(InvalidBaseline|BaselineNotReadable|InvalidSetting)$/);
    tally.refused += 1;
    return "refused";
  }
  tally.accepted += 1;
  return "accepted";
}

describe("baseline loader fuzz", () => {
  it("baselineFromJson: 2,000 generated baselines are accepted or refused with a UsageError; every accepted one judges the demo without a check crashing", () => {
    let judged = 0;
    fc.assert(
      fc.property(anyJson, (value) => {
        let baseline: ReturnType<typeof baselineFromJson> | undefined;
        const result = outcome(() => (baseline = baselineFromJson(value, "fuzz")));
        if (result === "accepted" && judged < 400) {
          judged += 1;
          const evaluations = evaluate(snapshot, baseline!, { now: new Date("2025-06-01T00:00:00Z") });
          expect(evaluations).toHaveLength(snapshot.targets.length);
          for (const e of evaluations) {
            for (const f of e.findings) expect(JSON.stringify(f.evidence), `${f.checkId} crashed`).not.toContain('"CheckFailed"');
          }
        }
      }),
      { numRuns: 2_000, seed: SEED, endOnFailure: true },
    );
    expect(judged).toBeGreaterThan(100);
  });

  it("overrides by a tag name no target carries (every Object.prototype member) never change a result: 150 generated baselines", () => {
    const judge = (b: Parameters<typeof evaluate>[1]) =>
      evaluate(snapshot, b, { now: new Date("2025-06-01T00:00:00Z") }).map((e) => [e.target.id, e.status, e.findings.map((f) => `${f.id}:${f.status}`)]);
    const plain = judge(baselineFromJson({ schemaVersion: 1 }, "fuzz"));
    const inherited = fc.constantFrom(...Object.getOwnPropertyNames(Object.prototype));
    // Valid rules only, each of which changes some demo result when it applies.
    const strictRules = fc.record(
      {
        outboundType: fc.constantFrom("loadBalancer", "userDefinedRouting", "managedNATGateway", "none"),
        privateApiServer: fc.boolean(),
        requireAuthorizedIpRanges: fc.boolean(),
        privateIngress: fc.boolean(),
        requireFirewallEgress: fc.boolean(),
        maxPortRangeWidth: fc.integer({ min: 1, max: 65535 }),
        firewallPrivateIp: ipv4,
      },
      { requiredKeys: [] },
    );
    let judged = 0;
    fc.assert(
      fc.property(fc.array(fc.record({ match: fc.record({ tag: fc.record({ name: inherited, value: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }) }, { requiredKeys: ["name"] }) }), rules: strictRules }), { minLength: 1, maxLength: 3 }), (overrides) => {
        let baseline: ReturnType<typeof baselineFromJson>;
        try {
          baseline = baselineFromJson(JSON.parse(JSON.stringify({ schemaVersion: 1, overrides })), "fuzz");
        } catch (err) {
          if (!(err instanceof UsageError)) throw err;
          return;
        }
        judged += 1;
        expect(judge(baseline)).toEqual(plain);
      }),
      { numRuns: 150, seed: SEED + 4, endOnFailure: true },
    );
    expect(judged).toBeGreaterThan(140);
  });

  it("BASELINE_JSON: 1,000 generated settings values (JSON and not) are accepted or refused with a UsageError naming the setting", () => {
    fc.assert(
      fc.property(fc.oneof(anyJson.map((v) => JSON.stringify(v)), fc.string({ maxLength: 60 }), fc.string({ unit: "binary", maxLength: 60 })), (json) => {
        tally.inputs += 1;
        try {
          baselineProvider(readAppSettings({ BASELINE_JSON: json }).baseline);
          tally.accepted += 1;
        } catch (err) {
          if (!(err instanceof UsageError)) throw new Error(`not a UsageError: ${(err as Error).stack ?? String(err)}`, { cause: err });
          expect(err.message).toContain("BASELINE_JSON");
          tally.refused += 1;
        }
      }),
      { numRuns: 1_000, seed: SEED + 1, endOnFailure: true },
    );
  });

  it("loadBaselineFile: 200 generated files (JSON, truncated JSON, bytes) are accepted or refused with a UsageError", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyJson.map((v) => JSON.stringify(v)), anyJson.map((v) => JSON.stringify(v).slice(0, 7)), fc.uint8Array({ maxLength: 64 })), async (content) => {
        const file = join(scratch, `b${n++}.json`);
        writeFileSync(file, content);
        tally.inputs += 1;
        try {
          await loadBaselineFile(file);
          tally.accepted += 1;
        } catch (err) {
          if (!(err instanceof UsageError)) throw new Error(`not a UsageError: ${(err as Error).stack ?? String(err)}`, { cause: err });
          tally.refused += 1;
        }
      }),
      { numRuns: 200, seed: SEED + 2, endOnFailure: true },
    );
  });

  describe("BASELINE_URL", () => {
    let server: Server;
    let url = "";
    let next: { status: number; body: string | Uint8Array; contentLength?: string; chunked?: boolean } = { status: 200, body: "{}" };
    beforeAll(async () => {
      server = createServer((req, res) => {
        req.resume();
        if (next.contentLength) {
          // Declares more than the limit and then hangs up: the loader must refuse on the header.
          res.writeHead(next.status, { "content-type": "application/json", "content-length": next.contentLength });
          res.flushHeaders();
          setTimeout(() => res.destroy(), 20);
          return;
        }
        res.writeHead(next.status, { "content-type": "application/json" });
        if (next.chunked && next.body.length > 1) {
          // In two writes, without Content-Length: chunked transfer encoding.
          const half = Math.floor(next.body.length / 2);
          res.write(next.body.slice(0, half));
          res.end(next.body.slice(half));
          return;
        }
        res.end(next.body);
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/baseline.json?sig=secret-signature`;
    });
    afterAll(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );

    it("fetchBaseline: 200 generated answers (statuses, bodies, declared lengths, chunked bodies over 1 MiB) are accepted or refused with a UsageError that never echoes the URL", async () => {
      /** A valid baseline padded with whitespace past the 1 MiB limit: refused for its size alone. */
      const oversized = fc.integer({ min: 1, max: 64 * 1024 }).map((extra) => `{"schemaVersion":1}${" ".repeat(MAX_BASELINE_BYTES + extra)}`);
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            status: fc.constantFrom(200, 200, 200, 204, 301, 403, 404, 500),
            body: fc.oneof(
              { weight: 8, arbitrary: fc.oneof(anyJson.map((v) => JSON.stringify(v)), fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 })) },
              { weight: 1, arbitrary: oversized },
            ),
            contentLength: fc.constantFrom(undefined, String(2 * 1024 * 1024)),
            chunked: fc.boolean(),
          }),
          async (answer) => {
            next = { status: answer.status, body: answer.body, chunked: answer.chunked, ...(answer.contentLength ? { contentLength: answer.contentLength } : {}) };
            const tooLarge = answer.status === 200 && !answer.contentLength && answer.body.length > MAX_BASELINE_BYTES;
            tally.inputs += 1;
            try {
              await fetchBaseline(url, { timeoutInMs: 2_000 });
              expect(tooLarge, "a body over 1 MiB was accepted").toBe(false);
              tally.accepted += 1;
            } catch (err) {
              if (!(err instanceof UsageError)) throw new Error(`not a UsageError: ${(err as Error).stack ?? String(err)}`, { cause: err });
              expect(err.message).not.toContain("secret-signature");
              expect(err.message).not.toContain("127.0.0.1");
              if (tooLarge) expect(err.code).toBe("BaselineNotReadable");
              tally.refused += 1;
            }
          },
        ),
        { numRuns: 200, seed: SEED + 3, endOnFailure: true },
      );
    });
  });
});
