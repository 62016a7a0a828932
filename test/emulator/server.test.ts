import { request } from "node:https";
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { TokenCredential } from "@azure/core-auth";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { NetworkManagementClient } from "@azure/arm-network";
import { ContainerServiceClient } from "@azure/arm-containerservice";
import { PrivateDnsManagementClient } from "@azure/arm-privatedns";
import { SubscriptionClient } from "@azure/arm-resources-subscriptions";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { getClient } from "@azure-rest/core-client";
import { startEmulator, type RunningEmulator } from "../../src/emulator/server.js";
import { estate, OTHER_PRINCIPAL, POOL, PRINCIPAL, RA_APP, RA_RG, RA_SECRET, RA_SUB, RA_SUBNET_OTHER, RA_VNET, RG, SUB, SUB_LOCKED, TENANT, VNET } from "./fixtures.js";

const credential: TokenCredential = {
  getToken: () => Promise.resolve({ token: "test", expiresOnTimestamp: Date.now() + 3600_000 }),
};
const SCOPES = ["https://management.azure.com/.default"];
const PAGE_SIZE = 2;

let emu: RunningEmulator;
/** Every URL the SDK clients sent, in order. */
const sent: string[] = [];
const recorder: PipelinePolicy = {
  name: "recordUrls",
  sendRequest(req, next) {
    sent.push(req.url);
    return next(req);
  },
};

function modularOptions() {
  return {
    endpoint: emu.url,
    credentials: { scopes: SCOPES },
    tlsOptions: { ca: emu.caCertPem },
    retryOptions: { maxRetries: 0 },
    additionalPolicies: [{ policy: recorder, position: "perCall" as const }],
  };
}

const network = () => new NetworkManagementClient(credential, SUB, modularOptions());
const aks = () => new ContainerServiceClient(credential, SUB, modularOptions());
const dns = () => new PrivateDnsManagementClient(credential, SUB, modularOptions());
const subscriptions = () => new SubscriptionClient(credential, modularOptions());
const authorization = () =>
  new AuthorizationManagementClient(credential, SUB, {
    endpoint: emu.url,
    credentialScopes: SCOPES,
    tlsOptions: { ca: emu.caCertPem },
    retryOptions: { maxRetries: 0 },
    additionalPolicies: [{ policy: recorder, position: "perCall" }],
  });

async function collect<T>(iter: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iter) out.push(item);
  return out;
}

async function rejection(promise: Promise<unknown>): Promise<{ statusCode?: number; code?: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    return err as { statusCode?: number; code?: string; message: string };
  }
  throw new Error("expected a rejection");
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: { value?: { id: string }[]; nextLink?: string; error?: { code: string; message: string } } & Record<string, unknown>;
}

function raw(path: string, init: { method?: string; auth?: string | null } = {}): Promise<RawResponse> {
  const url = new URL(emu.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: init.method ?? "GET",
        ca: emu.caCertPem,
        headers: init.auth === null ? {} : { authorization: init.auth ?? "Bearer test" },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: JSON.parse(text) as RawResponse["json"] }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

beforeAll(async () => {
  emu = await startEmulator({ estate, pageSize: PAGE_SIZE });
});

afterAll(async () => {
  await emu.close();
});

beforeEach(() => {
  emu.resetCounts();
  sent.length = 0;
});

describe("startEmulator", () => {
  it("serves HTTPS on loopback with a CA written to files", () => {
    expect(emu.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(emu.caCertPem).toContain("BEGIN CERTIFICATE");
    expect(readFileSync(emu.caCertPath, "utf8")).toBe(emu.caCertPem);
    expect(readFileSync(emu.bundlePath, "utf8")).toContain(emu.caCertPem);
  });

  it("trusts the certificate for localhost as well as 127.0.0.1", async () => {
    const port = new URL(emu.url).port;
    const status = await new Promise<number>((resolve, reject) => {
      request(
        { host: "localhost", port, path: `/subscriptions?api-version=2022-12-01`, ca: emu.caCertPem, headers: { authorization: "Bearer x" } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      )
        .on("error", reject)
        .end();
    });
    expect(status).toBe(200);
  });
});

describe("subscriptions", () => {
  it("lists every subscription, a forbidden one included, across pages", async () => {
    const subs = await collect(subscriptions().subscriptions.list());
    expect(subs.map((s) => s.subscriptionId).sort()).toEqual([SUB, SUB_LOCKED]);
    const first = subs.find((s) => s.subscriptionId === SUB);
    expect(first).toMatchObject({ id: `/subscriptions/${SUB}`, displayName: "Contoso Networking", tenantId: TENANT, state: "Enabled" });
    expect(emu.requestCounts()["list:subscriptions"]).toBe(1);
  });

  it("gets one subscription; a forbidden subscription answers 403 inside", async () => {
    const sub = await subscriptions().subscriptions.get(SUB);
    expect(sub.displayName).toBe("Contoso Networking");
    const err = await rejection(subscriptions().subscriptions.get(SUB_LOCKED));
    expect(err.statusCode).toBe(403);
    const listErr = await rejection(collect(new NetworkManagementClient(credential, SUB_LOCKED, modularOptions()).publicIPAddresses.listAll()));
    expect(listErr).toMatchObject({ statusCode: 403, code: "AuthorizationFailed" });
  });

  it("answers 404 SubscriptionNotFound for an unknown subscription", async () => {
    const other = "99999999-9999-4999-8999-999999999999";
    const err = await rejection(collect(new NetworkManagementClient(credential, other, modularOptions()).publicIPAddresses.listAll()));
    expect(err).toMatchObject({ statusCode: 404, code: "SubscriptionNotFound" });
  });
});

describe("resource lists and gets", () => {
  it("pages a subscription-level list, every item once, leaving out the forbidden RG", async () => {
    const pips = await collect(network().publicIPAddresses.listAll());
    expect(pips.map((p) => p.name).sort()).toEqual(["pip-1", "pip-2", "pip-3", "pip-4", "pip-5"]);
    expect(emu.requestCounts()["list:sub:Microsoft.Network/publicIPAddresses"]).toBe(3);
    expect(sent).toHaveLength(3);
    for (const url of sent.slice(1)) expect(new URL(url).host).toBe(new URL(emu.url).host);
  });

  it("lists within one resource group", async () => {
    const pips = await collect(network().publicIPAddresses.list("rg-app"));
    expect(pips.map((p) => p.name)).toEqual(["pip-4", "pip-5"]);
    expect(emu.requestCounts()["list:rg:Microsoft.Network/publicIPAddresses"]).toBe(1);
  });

  it("answers 403 AuthorizationFailed inside a forbidden scope", async () => {
    const err = await rejection(network().publicIPAddresses.get("rg-secret", "pip-secret"));
    expect(err.statusCode).toBe(403);
    expect(err.code).toBe("AuthorizationFailed");
    expect(err.message).toContain("Microsoft.Network/publicIPAddresses/read");
    const listErr = await rejection(collect(network().publicIPAddresses.list("rg-secret")));
    expect(listErr).toMatchObject({ statusCode: 403, code: "AuthorizationFailed" });
    expect(emu.requestCounts()["error:403"]).toBe(2);
  });

  it("answers 404 ResourceNotFound for a missing id", async () => {
    const err = await rejection(network().routeTables.get("rg-net", "rt-missing"));
    expect(err).toMatchObject({ statusCode: 404, code: "ResourceNotFound" });
    expect(err.message).toContain("Microsoft.Network/routeTables/rt-missing");
    expect(err.message).toContain("rg-net");
    const counts = emu.requestCounts();
    expect(counts["get:Microsoft.Network/routeTables"]).toBe(1);
    expect(counts["error:404"]).toBe(1);
  });

  it("answers 404 ResourceGroupNotFound in an unknown resource group", async () => {
    const err = await rejection(network().routeTables.get("rg-nope", "rt"));
    expect(err).toMatchObject({ statusCode: 404, code: "ResourceGroupNotFound" });
  });

  it("gets a resource as stored, with its embedded routes", async () => {
    const rt = await network().routeTables.get("rg-net", "rt-egress");
    expect(rt.id).toBe(`${RG}/providers/Microsoft.Network/routeTables/rt-egress`);
    expect(rt.routes?.[0]?.nextHopType).toBe("VirtualAppliance");
    expect(emu.requestCounts()).toEqual({ "get:Microsoft.Network/routeTables": 1 });
  });

  it("serves an embedded subnet by id and lists embedded subnets", async () => {
    const subnet = await network().subnets.get("rg-net", "vnet-hub", "aks");
    expect(subnet.id).toBe(`${VNET}/subnets/aks`);
    expect(subnet.routeTable?.id).toContain("rt-egress");
    const subnets = await collect(network().subnets.list("rg-net", "vnet-hub"));
    expect(subnets.map((s) => s.name)).toEqual(["aks", "AzureFirewallSubnet"]);
    const route = await network().routes.get("rg-net", "rt-egress", "default");
    expect(route.nextHopIpAddress).toBe("10.0.0.4");
    const counts = emu.requestCounts();
    expect(counts["get:Microsoft.Network/virtualNetworks/subnets"]).toBe(1);
    expect(counts["list:children:Microsoft.Network/virtualNetworks/subnets"]).toBe(1);
  });

  it("lists firewall policy rule collection groups", async () => {
    const groups = await collect(network().firewallPolicyRuleCollectionGroups.list("rg-net", "fwpol"));
    expect(groups.map((g) => g.name)).toEqual(["rcg-aks", "rcg-net"]);
    expect(emu.requestCounts()["list:children:Microsoft.Network/firewallPolicies/ruleCollectionGroups"]).toBe(1);
  });

  it("answers 404 for the children of a missing parent", async () => {
    const err = await rejection(collect(network().firewallPolicyRuleCollectionGroups.list("rg-net", "nope")));
    expect(err).toMatchObject({ statusCode: 404, code: "ResourceNotFound" });
  });

  it("gets and lists AKS managed clusters", async () => {
    const cluster = await aks().managedClusters.get("rg-app", "aks1");
    expect(cluster.networkProfile?.outboundType).toBe("userDefinedRouting");
    const all = await collect(aks().managedClusters.list());
    expect(all.map((c) => c.name)).toEqual(["aks1"]);
  });
});

describe("private DNS", () => {
  it("lists record sets by type, all record sets and virtual network links", async () => {
    const zone = "privatelink.westeurope.azmk8s.io";
    const a = await collect(dns().recordSets.listByType("rg-net", zone, "A"));
    expect(a.map((r) => r.name)).toEqual(["aks-api", "aks-api2"]);
    expect(a[0]?.aRecords?.[0]?.ipv4Address).toBe("10.0.1.10");
    const all = await collect(dns().recordSets.list("rg-net", zone));
    expect(all.map((r) => r.name)).toEqual(["aks-api", "aks-api2", "alias"]);
    const links = await collect(dns().virtualNetworkLinks.list("rg-net", zone));
    expect(links.map((l) => l.virtualNetwork?.id)).toEqual([VNET]);
    const record = await dns().recordSets.get("rg-net", zone, "A", "aks-api");
    expect(record.fqdn).toBe("aks-api.privatelink.westeurope.azmk8s.io.");
    const counts = emu.requestCounts();
    expect(counts["list:children:Microsoft.Network/privateDnsZones/A"]).toBe(1); // 2 items = 1 full page
    expect(counts["list:children:Microsoft.Network/privateDnsZones/ALL"]).toBe(2);
    expect(counts["list:children:Microsoft.Network/privateDnsZones/virtualNetworkLinks"]).toBe(1);
    expect(counts["get:Microsoft.Network/privateDnsZones/A"]).toBe(1);
  });
});

describe("role assignments", () => {
  it("lists inherited, at-scope and descendant assignments for a scope", async () => {
    const onSubnet = await collect(authorization().roleAssignments.listForScope(`${VNET}/subnets/aks`));
    expect(onSubnet.map((r) => r.name).sort()).toEqual([RA_SUB, RA_RG, RA_VNET, RA_SUBNET_OTHER].sort());
    const onVnet = await collect(authorization().roleAssignments.listForScope(VNET));
    expect(onVnet.map((r) => r.name).sort()).toEqual([RA_SUB, RA_RG, RA_VNET, RA_SUBNET_OTHER].sort());
    expect(onVnet.find((r) => r.name === RA_RG)?.scope).toBe(RG);
    expect(emu.requestCounts()["list:roleAssignments"]).toBe(4);
  });

  it("honours atScope() and principalId filters", async () => {
    const atRg = await collect(authorization().roleAssignments.listForScope(RG, { filter: "atScope()" }));
    expect(atRg.map((r) => r.name).sort()).toEqual([RA_SUB, RA_RG].sort());
    const mine = await collect(authorization().roleAssignments.listForScope(VNET, { filter: `principalId eq '${PRINCIPAL}'` }));
    expect(mine.map((r) => r.name).sort()).toEqual([RA_SUB, RA_RG, RA_VNET].sort());
    const both = await collect(
      authorization().roleAssignments.listForScope(`${VNET}/subnets/aks`, { filter: `atScope() and principalId eq '${OTHER_PRINCIPAL}'` }),
    );
    expect(both.map((r) => r.name)).toEqual([RA_SUBNET_OTHER]);
  });

  it("leaves out assignments inside forbidden scopes from a subscription-wide list", async () => {
    const all = await collect(authorization().roleAssignments.listForSubscription());
    const names = all.map((r) => r.name);
    expect(names).toContain(RA_APP);
    expect(names).not.toContain(RA_SECRET);
    expect(names).toHaveLength(5);
  });

  it("gets one assignment by id", async () => {
    const ra = await authorization().roleAssignments.getById(`${RG}/providers/Microsoft.Authorization/roleAssignments/${RA_RG}`);
    expect(ra.principalId).toBe(PRINCIPAL);
    expect(emu.requestCounts()["get:Microsoft.Authorization/roleAssignments"]).toBe(1);
  });
});

describe("HDInsight on AKS through @azure-rest/core-client", () => {
  it("lists cluster pools and their clusters", async () => {
    const client = getClient(emu.url, credential, {
      credentials: { scopes: SCOPES },
      tlsOptions: { ca: emu.caCertPem },
      retryOptions: { maxRetries: 0 },
    });
    const query = { queryParameters: { "api-version": "2024-05-01-preview" } };
    const pools = await client.pathUnchecked("/subscriptions/{subscriptionId}/providers/Microsoft.HDInsight/clusterpools", SUB).get(query);
    expect(pools.status).toBe("200");
    const body = pools.body as { value: { id: string }[] };
    expect(body.value.map((p) => p.id)).toEqual([POOL]);
    const clusters = await client
      .pathUnchecked("/subscriptions/{subscriptionId}/resourceGroups/{rg}/providers/Microsoft.HDInsight/clusterpools/{pool}/clusters", SUB, "rg-app", "pool1")
      .get(query);
    expect((clusters.body as { value: { name: string }[] }).value.map((c) => c.name)).toEqual(["trino1"]);
    const counts = emu.requestCounts();
    expect(counts["list:sub:Microsoft.HDInsight/clusterpools"]).toBe(1);
    expect(counts["list:children:Microsoft.HDInsight/clusterpools/clusters"]).toBe(1);
  });

  it("follows an absolute nextLink verbatim with pathUnchecked", async () => {
    const client = getClient(emu.url, credential, { credentials: { scopes: SCOPES }, tlsOptions: { ca: emu.caCertPem } });
    let next: string | undefined = `/subscriptions/${SUB}/providers/Microsoft.Network/publicIPAddresses`;
    let first = true;
    const names: string[] = [];
    while (next) {
      const res = await client.pathUnchecked(next).get(first ? { queryParameters: { "api-version": "2024-05-01" } } : {});
      expect(res.status).toBe("200");
      const page = res.body as { value: { name: string }[]; nextLink?: string };
      names.push(...page.value.map((p) => p.name));
      next = page.nextLink;
      first = false;
    }
    expect(names).toEqual(["pip-1", "pip-2", "pip-3", "pip-4", "pip-5"]);
  });
});

describe("protocol details", () => {
  it("requires api-version", async () => {
    const res = await raw(`/subscriptions/${SUB}`);
    expect(res.status).toBe(400);
    expect(res.json.error?.code).toBe("MissingApiVersionParameter");
    expect(emu.requestCounts()).toEqual({ "get:subscription": 1, "error:400": 1 });
  });

  it("requires a bearer token", async () => {
    const res = await raw(`/subscriptions?api-version=2022-12-01`, { auth: null });
    expect(res.status).toBe(401);
    expect(res.json.error?.code).toBe("AuthenticationFailed");
    const empty = await raw(`/subscriptions?api-version=2022-12-01`, { auth: "Bearer " });
    expect(empty.status).toBe(401);
  });

  it("refuses other methods with 405", async () => {
    const res = await raw(`/subscriptions?api-version=2022-12-01`, { method: "POST" });
    expect(res.status).toBe(405);
    expect(res.json.error?.code).toBe("MethodNotAllowed");
  });

  it("normalises repeated slashes, trailing slashes and case", async () => {
    const res = await raw(`//SUBSCRIPTIONS/${SUB}//resourcegroups/RG-NET/providers/microsoft.network/ROUTETABLES/rt-egress/?api-version=x`);
    expect(res.status).toBe(200);
    expect(res.json.id).toBe(`${RG}/providers/Microsoft.Network/routeTables/rt-egress`);
  });

  it("sets the ARM headers on every response", async () => {
    const ok = await raw(`/subscriptions/${SUB}?api-version=x`);
    const err = await raw(`/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/routeTables/x?api-version=x`);
    for (const res of [ok, err]) {
      expect(res.headers["content-type"]).toBe("application/json; charset=utf-8");
      expect(res.headers["x-ms-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
      expect(Number(res.headers["x-ms-ratelimit-remaining-subscription-reads"])).toBeGreaterThan(0);
    }
    expect(Number(err.headers["x-ms-ratelimit-remaining-subscription-reads"])).toBeLessThan(
      Number(ok.headers["x-ms-ratelimit-remaining-subscription-reads"]),
    );
  });

  it("builds nextLink from its own URL, keeping the query", async () => {
    const res = await raw(`/subscriptions/${SUB}/providers/Microsoft.Network/publicIPAddresses?api-version=2024-05-01`);
    expect(res.json.value).toHaveLength(PAGE_SIZE);
    const next = new URL(res.json.nextLink ?? "");
    expect(next.origin).toBe(emu.url);
    expect(next.searchParams.get("api-version")).toBe("2024-05-01");
    expect(next.searchParams.get("$skiptoken")).toBe("2");
    const last = await raw(`${next.pathname}${next.search.replace("skiptoken=2", "skiptoken=4")}`);
    expect(last.json.value).toHaveLength(1);
    expect(last.json.nextLink).toBeUndefined();
  });

  it("answers a resource group only if the estate has something in it", async () => {
    const rg = await raw(`/subscriptions/${SUB}/resourceGroups/rg-net?api-version=x`);
    expect(rg.json).toMatchObject({ id: RG, name: "rg-net", location: "westeurope", properties: { provisioningState: "Succeeded" } });
    const none = await raw(`/subscriptions/${SUB}/resourceGroups/rg-none?api-version=x`);
    expect(none.json.error?.code).toBe("ResourceGroupNotFound");
    const secret = await raw(`/subscriptions/${SUB}/resourceGroups/rg-secret?api-version=x`);
    expect(secret.status).toBe(403);
    expect(emu.requestCounts()["get:resourceGroup"]).toBe(3);
  });

  it("counts requests and resets", async () => {
    await raw(`/subscriptions?api-version=x`);
    expect(emu.totalRequests()).toBe(1);
    emu.resetCounts();
    expect(emu.totalRequests()).toBe(0);
    expect(emu.requestCounts()).toEqual({});
  });
});

describe("close", () => {
  it("removes its temp dir and frees the port", async () => {
    const other = await startEmulator({ estate });
    const before = existsSync(other.caCertPath);
    await other.close();
    expect(before).toBe(true);
    expect(existsSync(other.caCertPath)).toBe(false);
    await other.close();
  });
});
