/**
 * Which ARM endpoints an Azure token may go to (issue 15, item 7): the three clouds' Resource
 * Managers, each with its own token scope and Entra authority; any other host only with a static
 * token. And the read deadline's setting (item 8).
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import { describe, expect, it } from "vitest";
import { ArmClients } from "../../src/arm/clients.js";
import { armScopesOf, azureCredentialOptionsOf, createCredential, StaticTokenCredential } from "../../src/arm/credential.js";
import { describeAppSettings, readAppSettings } from "../../src/config/appSettings.js";
import { ARM_CLOUDS, cloudOfEndpoint, DEFAULT_READ_DEADLINE_IN_MS, readArmSettings } from "../../src/config/settings.js";
import { UsageError } from "../../src/errors.js";

const SUB = "aaaaaaaa-0000-4000-8000-000000000001";

/** What a settings read throws, or undefined. */
function thrown(fn: () => unknown): UsageError | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err as UsageError;
  }
}

describe("ARM clouds", () => {
  it.each([
    ["https://management.azure.com", "AzureCloud", "https://management.azure.com/.default", "https://login.microsoftonline.com"],
    ["https://management.usgovcloudapi.net/", "AzureUSGovernment", "https://management.usgovcloudapi.net/.default", "https://login.microsoftonline.us"],
    ["https://MANAGEMENT.chinacloudapi.cn:443", "AzureChinaCloud", "https://management.chinacloudapi.cn/.default", "https://login.chinacloudapi.cn"],
  ])("%s is %s: its clients ask for %s from %s", (endpoint, name, scope, authorityHost) => {
    const settings = readArmSettings({ AZURE_ARM_ENDPOINT: endpoint });
    expect(settings.cloud?.name).toBe(name);
    expect(armScopesOf(settings)).toEqual([scope]);
    expect(azureCredentialOptionsOf(settings)).toEqual({ authorityHost });
    expect(azureCredentialOptionsOf(readArmSettings({ AZURE_ARM_ENDPOINT: endpoint, AZURE_CLIENT_ID: "cid" }))).toEqual({ authorityHost, managedIdentityClientId: "cid" });
  });

  it("the default endpoint is the public cloud's", () => {
    expect(readArmSettings({}).cloud).toBe(ARM_CLOUDS[0]);
    expect(readArmSettings({}).endpoint).toBe("https://management.azure.com");
  });

  it("matches hosts exactly: look-alikes, other ports, a trailing dot and paths are no cloud", () => {
    for (const endpoint of [
      "https://management.azure.com.evil.example",
      "https://evil-management.azure.com",
      "https://management.azure.com:8443",
      "https://management.azure.com.",
      "https://management.azure.com/proxy",
      "https://127.0.0.1:8443",
      "https://management.usgovcloudapi.net.attacker.cn",
    ]) {
      expect(cloudOfEndpoint(new URL(endpoint).toString().replace(/\/+$/, "")), endpoint).toBeUndefined();
    }
  });

  it("refuses a host outside the clouds without a static token, naming the setting (usage error, nothing made)", () => {
    const fromEnv = thrown(() => readArmSettings({ AZURE_ARM_ENDPOINT: "https://arm.attacker.example" }));
    expect(fromEnv).toBeInstanceOf(UsageError);
    expect(fromEnv?.code).toBe("InvalidArmEndpoint");
    expect(fromEnv?.message).toMatch(/^AZURE_ARM_ENDPOINT names arm\.attacker\.example, which is not the Resource Manager of an Azure cloud/);
    expect(fromEnv?.message).toContain("AZURE_ARM_TOKEN");
    const fromFlag = thrown(() => readArmSettings({}, { endpoint: "https://management.azure.com:8443" }));
    expect(fromFlag?.code).toBe("InvalidArmEndpoint");
    expect(fromFlag?.message).toMatch(/^--arm-endpoint names management\.azure\.com:8443/);
    // The service's settings refuse the same (a configuration error at start-up).
    expect(thrown(() => readAppSettings({ AZURE_ARM_ENDPOINT: "https://127.0.0.1:9" }))?.code).toBe("InvalidArmEndpoint");
  });

  it("accepts any https host with a static token (emulators, tests): that token has no audience to leak", () => {
    const s = readArmSettings({ AZURE_ARM_ENDPOINT: "https://127.0.0.1:8443", AZURE_ARM_TOKEN: "t" });
    expect(s.cloud).toBeUndefined();
    expect(createCredential(s)).toBeInstanceOf(StaticTokenCredential);
    expect(readArmSettings({}, { endpoint: "https://127.0.0.1:1", staticToken: "demo" }).staticToken).toBe("demo");
  });

  it("never makes an Azure credential for a host outside the clouds, even from settings built by hand", () => {
    const forged = Object.freeze({ endpoint: "https://arm.attacker.example" });
    expect(thrown(() => createCredential(forged))?.code).toBe("InvalidArmEndpoint");
    expect(thrown(() => new ArmClients(forged))?.code).toBe("InvalidArmEndpoint");
  });

  it("refuses user info in the endpoint", () => {
    expect(thrown(() => readArmSettings({ AZURE_ARM_ENDPOINT: "https://user:pw@management.azure.com", AZURE_ARM_TOKEN: "t" }))?.code).toBe("InvalidArmEndpoint");
  });
});

/** A credential that records the scopes it is asked for and refuses, so nothing is sent. */
class RecordingCredential implements TokenCredential {
  readonly scopes: string[][] = [];
  getToken(scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken | null> {
    this.scopes.push([scopes].flat());
    return Promise.reject(new Error("recording only"));
  }
}

describe("every ARM client asks for the token of its endpoint's cloud", () => {
  it.each(ARM_CLOUDS.map((c) => [c.name, c] as const))("%s", async (_name, cloud) => {
    const credential = new RecordingCredential();
    const clients = new ArmClients(readArmSettings({ AZURE_ARM_ENDPOINT: cloud.endpoint }), { credential, maxRetries: 0 });
    const reads: Array<Promise<unknown>> = [
      clients.subscriptions().subscriptions.list().next(),
      clients.network(SUB).routeTables.listAll().next(),
      clients.containerService(SUB).managedClusters.list().next(),
      clients.privateDns(SUB).privateZones.list().next(),
      clients.authorization(SUB).roleAssignments.listForSubscription().next(),
      Promise.resolve(clients.rest().pathUnchecked(`/subscriptions/${SUB}/resourcegroups`).get()),
    ];
    const outcomes = await Promise.allSettled(reads);
    expect(outcomes.every((o) => o.status === "rejected")).toBe(true);
    expect(credential.scopes).toHaveLength(reads.length);
    for (const scopes of credential.scopes) expect(scopes).toEqual([cloud.scope]);
  });
});

describe("read deadline setting", () => {
  it("defaults to 90 s; ARM_READ_DEADLINE_SECONDS sets it; an override (CLI flag) wins", () => {
    expect(DEFAULT_READ_DEADLINE_IN_MS).toBe(90_000);
    expect(readArmSettings({}).readDeadlineInMs).toBeUndefined();
    expect(readArmSettings({ ARM_READ_DEADLINE_SECONDS: " 30 " }).readDeadlineInMs).toBe(30_000);
    expect(readArmSettings({ ARM_READ_DEADLINE_SECONDS: "30" }, { readDeadlineInMs: 5_000 }).readDeadlineInMs).toBe(5_000);
    expect(describeAppSettings(readAppSettings({}))).toContain("armReadDeadline=90s");
    expect(describeAppSettings(readAppSettings({ ARM_READ_DEADLINE_SECONDS: "45" }))).toContain("armReadDeadline=45s");
  });

  it("refuses anything but whole seconds from 1 to 3600, naming the setting", () => {
    for (const bad of ["0", "3601", "1.5", "-1", "90s", "abc", "99999"]) {
      const err = thrown(() => readAppSettings({ ARM_READ_DEADLINE_SECONDS: bad }));
      expect(err?.code, bad).toBe("InvalidSetting");
      expect(err?.message, bad).toMatch(/^ARM_READ_DEADLINE_SECONDS must be a whole number of seconds from 1 to 3600$/);
    }
  });
});
