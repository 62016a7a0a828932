/**
 * The paths of the two firewall checks that case files cannot express (mixed pass/unknown,
 * parameter errors, several firewalls), and the real-shape cases against Microsoft's examples.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { emptyBaseline } from "../../src/baseline/baseline.js";
import { normalizeFirewall, normalizeRuleCollectionGroup } from "../../src/collect/normalize.js";
import { caseFixture as fixture, runCheck as run } from "./case-files.js";
import { HUB } from "./lib/firewall/fixtures.js";

const FRE = "firewall-required-egress";

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
    expect(results.filter((r) => r.status === "pass")).toHaveLength(13);
  });

  it("judges every cluster-type extra when the clusters cannot be read: allowed passes, missing is unknown", () => {
    const { snapshot, target } = fixture(FRE, "fail-trino-sql-redirect-partial-range");
    target.clusters = { ok: false, error: { code: "ResourceNotFound", message: "gone", scope: target.id } };
    const results = run(FRE, snapshot, target);
    const byItem = new Map(results.map((r) => [r.item, r.status]));
    expect(byItem.get("fqdn *.dfs.core.windows.net Https:443")).toBe("pass");
    expect(byItem.get("fqdn *.database.windows.net Mssql:1433")).toBe("pass");
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
