/**
 * The paths of the two firewall checks that case files cannot express (mixed pass/unknown,
 * parameter errors, several firewalls), and the real-shape cases against Microsoft's examples.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { emptyBaseline } from "../../src/baseline/baseline.js";
import { normalizeFirewall, normalizeRuleCollectionGroup } from "../../src/collect/normalize.js";
import { ALLOWED_ITEM, type AllowedEntry } from "../../src/checks/firewall-required-egress.js";
import type { CheckResult } from "../../src/checks/lib/types.js";
import { caseFixture as fixture, runCheck as run } from "./case-files.js";
import { HUB } from "./lib/firewall/fixtures.js";

const FRE = "firewall-required-egress";

/** The scope's one pass and the dependencies it lists as allowed, by item. */
function allowedOf(results: CheckResult[]): { pass: CheckResult | undefined; byItem: Map<string, AllowedEntry> } {
  const passes = results.filter((r) => r.status === "pass");
  expect(passes.length).toBeLessThanOrEqual(1);
  const [pass] = passes;
  if (pass !== undefined) expect(pass.item).toBe(ALLOWED_ITEM);
  const entries = (pass?.evidence.allowed ?? []) as AllowedEntry[];
  return { pass, byItem: new Map(entries.map((e) => [e.item, e])) };
}

describe("firewall-required-egress paths", () => {
  it("reports the API server unknown when the AKS cluster cannot be read, and judges the rest", () => {
    const { snapshot, target } = fixture(FRE, "pass-udr-pool-spark-complete-policy");
    for (const key of Object.keys(snapshot.aksClusters)) {
      snapshot.aksClusters[key] = { ok: false, error: { code: "AuthorizationFailed", message: "no", scope: key } };
    }
    const results = run(FRE, snapshot, target);
    const api = results.find((r) => r.item === "aks-api-server TCP:443");
    expect(api?.status).toBe("unknown");
    expect(api?.actual).toBe("unknown (AuthorizationFailed)");
    const { pass, byItem } = allowedOf(results);
    expect(pass?.actual).toBe("13 of 14 allowed");
    expect(pass?.message).toContain("allows 13 of 14 required dependencies");
    expect(byItem.size).toBe(13);
    expect(byItem.has("aks-api-server TCP:443")).toBe(false);
  });

  it("judges every cluster-type extra when the clusters cannot be read: allowed passes, missing is unknown", () => {
    const { snapshot, target } = fixture(FRE, "fail-trino-sql-redirect-partial-range");
    target.clusters = { ok: false, error: { code: "ResourceNotFound", message: "gone", scope: target.id } };
    const results = run(FRE, snapshot, target);
    const byItem = new Map(results.map((r) => [r.item, r.status]));
    const allowed = allowedOf(results).byItem;
    expect(allowed.get("fqdn *.dfs.core.windows.net Https:443")?.decidedBy).toContain("aksfwar/");
    expect(allowed.get("fqdn *.database.windows.net Mssql:1433")?.decidedBy).toContain("aksfwar/");
    expect(byItem.get("serviceTag sql.westeurope TCP:11000-11999")).toBe("unknown");
    expect(byItem.get("serviceTag storage.westeurope TCP:445")).toBe("unknown");
    expect(results.some((r) => r.status === "fail")).toBe(false);
  });

  it("names both needs of a shared dependency and drops the Hive ones on request", () => {
    const { snapshot, target } = fixture(FRE, "fail-spark-extras-missing");
    const all = run(FRE, snapshot, target);
    expect(all.map((r) => r.item)).toContain("serviceTag sql.westeurope TCP:11000-11999");
    const noHive = run(FRE, snapshot, target, emptyBaseline, { includeHiveDependencies: false });
    expect(noHive.map((r) => r.item)).not.toContain("serviceTag sql.westeurope TCP:11000-11999");
    expect(noHive.map((r) => r.item)).toContain("serviceTag storage.westeurope TCP:445");
    expect(() => run(FRE, snapshot, target, emptyBaseline, { includeHiveDependencies: "yes" })).toThrow(/includeHiveDependencies/);
  });

  it("judges each firewall separately when a target's subnets route to different firewalls", () => {
    const { snapshot, target } = fixture(FRE, "pass-plain-aks-cluster-aks-items-only");
    const second = target.subnetIds[1];
    if (second === undefined) throw new Error("fixture has one subnet");
    const rtId = `/subscriptions/3f2a1c9e-7b4d-4e8a-9c61-2d5e8f0a7b13/resourceGroups/rg-network/providers/Microsoft.Network/routeTables/rt-batch`;
    snapshot.routeTables[rtId.toLowerCase()] = {
      ok: true,
      value: { id: rtId, name: "rt-batch", routes: [{ name: "d", addressPrefix: "0.0.0.0/0", nextHopType: "VirtualAppliance", nextHopIpAddress: "10.0.2.4" }] },
    };
    const sub = snapshot.subnets[second.toLowerCase()];
    if (sub?.ok !== true) throw new Error("no subnet");
    sub.value.routeTableId = rtId;
    const classicId = `${HUB}/azureFirewalls/fw-batch`;
    snapshot.firewalls[classicId.toLowerCase()] = { ok: true, value: { id: classicId, name: "fw-batch", privateIpAddresses: ["10.0.2.4"], publicIpIds: [], provisioningState: "Succeeded", classicRuleCollections: [] } };
    const results = run(FRE, snapshot, target);
    expect(results.filter((r) => r.resourceId === classicId).map((r) => r.status)).toEqual(["fail", "fail", "fail", "fail"]);
    expect(results.filter((r) => r.resourceId !== classicId).every((r) => r.status === "pass")).toBe(true);
  });

  it("rolls the allowed dependencies of a scope into one pass that lists each with the rules that allow it", () => {
    const { snapshot, target } = fixture(FRE, "pass-required-egress-fqdn-tag-covers-core-list");
    const results = run(FRE, snapshot, target);
    expect(results).toHaveLength(1);
    const { pass, byItem } = allowedOf(results);
    expect(pass?.expected).toBe("allow every required dependency (13)");
    expect(pass?.actual).toBe("13 of 13 allowed");
    // Five distinct allowing rules: four named, then the count of the others.
    expect(pass?.message).toMatch(/allows all 13 required dependencies from subnet snet-aks-nodes of AKS cluster aks-payments \(rules: [^)]*aksfwar\/aks-fqdn-tag and 1 more\)\.$/);
    expect(pass?.evidence.requiredListSource).toMatch(/^cluster API \(read from .*managedClusters\/aks-payments\)$/);
    expect(byItem.get("fqdn mcr.microsoft.com Https:443")?.decidedBy).toBe("fwp-egress-weu/rcg-aks-egress/aksfwar/aks-fqdn-tag");
    expect(byItem.get("fqdn management.azure.com Https:443")?.category).toBe("azure-resource-management");
    expect(byItem.get("fqdn ntp.ubuntu.com UDP:123")).toEqual({
      requirement: "ntp.ubuntu.com UDP:123",
      item: "fqdn ntp.ubuntu.com UDP:123",
      decidedBy: "fwp-egress-weu/rcg-aks-egress/aksfwnr/ntp",
      neededBy: ["AKS cluster API: time-sync"],
      category: "time-sync",
    });
  });
});

// ---------------------------------------------------------------------------------------------
// The real-shape case files hold what the normalisers make of Microsoft's examples
// ---------------------------------------------------------------------------------------------

const EXAMPLES = join(import.meta.dirname, "..", "fixtures", "arm-examples", "Microsoft.Network");
type Body = Record<string, unknown> & { properties?: Record<string, unknown> };
/** What the SDK deserialiser does to these bodies: `properties` flattened into the object. */
function flat(body: Body): Record<string, unknown> {
  const { properties, ...rest } = body;
  return { ...rest, ...properties };
}
function exampleBody(path: string): Body {
  const json = JSON.parse(readFileSync(join(EXAMPLES, path), "utf8")) as { responses: Record<string, { body: Body }> };
  const body = json.responses["200"]?.body;
  if (body === undefined) throw new Error(`${path}: no 200 body`);
  return body;
}

describe("real-shape cases match the normalised Microsoft examples", () => {
  it("the fqdnTags rule collection group (FirewallPolicyRuleCollectionGroupWithHttpHeadersToInsert.json)", () => {
    const normalised = normalizeRuleCollectionGroup(flat(exampleBody("2024-03-01/FirewallPolicyRuleCollectionGroupWithHttpHeadersToInsert.json")));
    const { snapshot } = fixture(FRE, "fail-ms-example-fqdn-tag-rule-collection-group");
    const policyPart = Object.values(snapshot.firewallPolicies)[0];
    expect(policyPart?.ok && policyPart.value.ruleCollectionGroups).toEqual([normalised]);
  });

  it("the classic collections of AzureFirewallGet.json", () => {
    const body = exampleBody("2024-05-01/AzureFirewallGet.json");
    const props = body.properties ?? {};
    const firewall = flat(body);
    for (const key of ["ipConfigurations", "applicationRuleCollections", "natRuleCollections", "networkRuleCollections"]) {
      firewall[key] = ((props[key] ?? []) as Body[]).map(flat);
    }
    const normalised = normalizeFirewall(firewall).classicRuleCollections ?? [];
    expect(normalised.map((c) => c.name)).toEqual(["apprulecoll", "netrulecoll"]);
    for (const name of ["pass-classic-rules-azure-firewall-get", "fail-classic-deny-range-shadows-https"]) {
      const { snapshot } = fixture(FRE, name);
      const fwPart = Object.values(snapshot.firewalls)[0];
      const inCase = fwPart?.ok === true ? (fwPart.value.classicRuleCollections ?? []) : [];
      for (const c of normalised) expect(inCase.find((x) => x.name === c.name), `${name}: ${c.name}`).toEqual(c);
    }
  });
});
