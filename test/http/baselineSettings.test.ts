/**
 * The service's baseline settings go through the same parser as the CLI's `--baseline` file,
 * check registry included: a `BASELINE_JSON` or `BASELINE_URL` that names an unknown check id is a
 * configuration error (500 `ConfigurationError`, the log naming the setting), not a baseline
 * whose typo silently leaves a finding unsuppressed.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startScan } from "../../functions/startScan.js";
import { baselineProvider } from "../../src/app/baseline.js";
import { createServices, useServices } from "../../src/app/services.js";
import { readAppSettings } from "../../src/config/appSettings.js";
import { UsageError } from "../../src/errors.js";
import { DEMO_SUB_A, azurite, httpRequest, invocation, responseOf, storageCounts } from "../setup/harness.js";

/** A baseline whose one suppression names a check that does not exist (a typo of `mc-group-public-ip`). */
const UNKNOWN_CHECK = {
  schemaVersion: 1,
  suppressions: [{ checkId: "mc-group-publicip", resourceId: "**", reason: "accepted", owner: "net-team" }],
};
const KNOWN_CHECK = { ...UNKNOWN_CHECK, suppressions: [{ ...UNKNOWN_CHECK.suppressions[0]!, checkId: "mc-group-public-ip" }] };
/** A baseline whose per-check settings name a check that does not exist. */
const UNKNOWN_CHECK_SETTING = { schemaVersion: 1, checks: { "mc-group-publicip": { severity: "low" } } };
/** Nothing listens here: a scan that got as far as ARM would fail differently. */
const ARM = { AZURE_ARM_ENDPOINT: "https://127.0.0.1:9", AZURE_ARM_TOKEN: "test-token" };
const scanRequest = () =>
  httpRequest("POST", "/api/scans", { headers: { "content-type": "application/json" }, body: JSON.stringify({ subscriptions: [DEMO_SUB_A] }) });

function expectConfigurationError(
  response: ReturnType<typeof responseOf>,
  lines: string[],
  setting: string,
  problem = '/suppressions/0/checkId "mc-group-publicip" is not a known check id',
): void {
  expect(response.status, response.text).toBe(500);
  expect((response.json as { code?: string }).code).toBe("ConfigurationError");
  const logged = lines.find((l) => l.includes("configuration error InvalidBaseline"));
  expect(logged, lines.join("\n")).toBeDefined();
  expect(logged).toContain(`${setting}: ${problem}`);
}

describe("BASELINE_JSON with an unknown check id", () => {
  it("is refused when the services are built, as the CLI refuses the same file", () => {
    const settings = readAppSettings({ ...ARM, BASELINE_JSON: JSON.stringify(UNKNOWN_CHECK) });
    let thrown: unknown;
    try {
      createServices(settings);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as UsageError).code).toBe("InvalidBaseline");
    expect((thrown as UsageError).message).toMatch(/^BASELINE_JSON: \/suppressions\/0\/checkId "mc-group-publicip" is not a known check id/);
    expect(() => createServices(readAppSettings({ ...ARM, BASELINE_JSON: JSON.stringify(KNOWN_CHECK) }))).not.toThrow();
  });

  it("is refused for an unknown check id in the per-check settings too", () => {
    expect(() => createServices(readAppSettings({ ...ARM, BASELINE_JSON: JSON.stringify(UNKNOWN_CHECK_SETTING) }))).toThrow(
      /^BASELINE_JSON: \/checks\/mc-group-publicip names an unknown check id/,
    );
  });

  it("answers POST /api/scans with 500 ConfigurationError, the log naming the setting", async () => {
    const saved = { ...process.env };
    useServices(undefined);
    Object.assign(process.env, ARM, { BASELINE_JSON: JSON.stringify(UNKNOWN_CHECK) });
    try {
      const { context, lines } = invocation("startScan");
      expectConfigurationError(responseOf(await startScan(scanRequest(), context)), lines, "BASELINE_JSON");
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});

describe("BASELINE_URL with an unknown check id", () => {
  let server: Server;
  let url = "";
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "application/json" });
      const path = new URL(req.url ?? "/", "http://localhost").pathname;
      if (path === "/endless.json") {
        // No Content-Length (chunked), and no end: only a streamed limit stops the read.
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const pump = (): void => {
          while (!res.destroyed) if (!res.write(chunk)) return void res.once("drain", pump);
        };
        pump();
        return;
      }
      const body = path === "/known.json" ? KNOWN_CHECK : path === "/unknown-setting.json" ? UNKNOWN_CHECK_SETTING : UNKNOWN_CHECK;
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/baseline.json?sig=secret-signature`;
  });
  afterAll(async () => {
    useServices(undefined);
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  });

  it("answers POST /api/scans with 500 ConfigurationError, records nothing and never logs the URL", async () => {
    const services = createServices(readAppSettings({ ...ARM, AzureWebJobsStorage: azurite(), BASELINE_URL: url }), { historyNamespace: "baselineurl" });
    useServices(services);
    const { context, lines } = invocation("startScan");
    expectConfigurationError(responseOf(await startScan(scanRequest(), context)), lines, "BASELINE_URL");
    expect(lines.join("\n")).not.toContain("secret-signature");
    expect((await storageCounts(services.history!)).scans).toBe(0);
  });

  it("refuses an unknown check id in the per-check settings the same way", async () => {
    useServices(createServices(readAppSettings({ ...ARM, AzureWebJobsStorage: azurite(), BASELINE_URL: url.replace("/baseline.json", "/unknown-setting.json") }), { historyNamespace: "baselineurl" }));
    const { context, lines } = invocation("startScan");
    expectConfigurationError(responseOf(await startScan(scanRequest(), context)), lines, "BASELINE_URL", "/checks/mc-group-publicip names an unknown check id");
    expect(lines.join("\n")).not.toContain("secret-signature");
  });

  it("accepts the same baseline with known check ids (the parser, not the URL, refused the others)", async () => {
    const provider = baselineProvider(readAppSettings({ ...ARM, BASELINE_URL: url.replace("/baseline.json", "/known.json") }).baseline);
    await expect(provider({})).resolves.toEqual(KNOWN_CHECK);
  });

  it("answers 500 ConfigurationError (BaselineNotReadable) for an endless chunked body, having stopped reading at 1 MiB", async () => {
    const services = createServices(readAppSettings({ ...ARM, AzureWebJobsStorage: azurite(), BASELINE_URL: url.replace("/baseline.json", "/endless.json") }), {
      historyNamespace: "baselineurl",
    });
    useServices(services);
    const { context, lines } = invocation("startScan");
    const response = responseOf(await startScan(scanRequest(), context));
    expect(response.status, response.text).toBe(500);
    expect((response.json as { code?: string }).code).toBe("ConfigurationError");
    expect(lines.join("\n")).toContain("configuration error BaselineNotReadable: BASELINE_URL is larger than 1048576 bytes");
    expect(lines.join("\n")).not.toContain("secret-signature");
    expect((await storageCounts(services.history!)).scans).toBe(0);
  });
});
