/** Role-assignment semantics of udr-network-contributor: scope inheritance and Microsoft.Network/* coverage. */
import { describe, expect, it } from "vitest";
import { describeScope, grantsNetwork, judgeDefinition, roleGuid, scopeCovers } from "../../src/checks/udr-network-contributor.js";
import { getCheck } from "../../src/checks/index.js";
import { effectiveBaseline, emptyBaseline } from "../../src/baseline/baseline.js";
import { loadCase } from "./case-files.js";

const SUB = "/subscriptions/3f2a1c9e-7b4d-4e8a-9c61-2d5e8f0a7b13";
const VNET = `${SUB}/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-spoke-weu`;

describe("scopeCovers", () => {
  it("counts the resource itself and its ancestors, case-insensitively", () => {
    expect(scopeCovers(VNET, VNET)).toBe(true);
    expect(scopeCovers(VNET.toUpperCase(), VNET)).toBe(true);
    expect(scopeCovers(`${SUB}/resourcegroups/RG-NETWORK`, VNET)).toBe(true);
    expect(scopeCovers(SUB, VNET)).toBe(true);
    expect(scopeCovers(`${SUB}/`, VNET)).toBe(true);
    expect(scopeCovers("/", VNET)).toBe(true);
    expect(scopeCovers("/providers/Microsoft.Management/managementGroups/mg-platform", VNET)).toBe(true);
  });

  it("respects the / boundary and never counts children or siblings", () => {
    expect(scopeCovers(`${SUB}/resourceGroups/rg-net`, VNET)).toBe(false);
    expect(scopeCovers(`${SUB}/resourceGroups/rg-network2`, VNET)).toBe(false);
    expect(scopeCovers(`${VNET}/subnets/snet-hdi-pool`, VNET)).toBe(false);
    expect(scopeCovers("/subscriptions/other", VNET)).toBe(false);
  });

  it("describes scopes", () => {
    expect(describeScope(VNET, VNET)).toBe("the resource itself");
    expect(describeScope(`${SUB}/resourceGroups/rg-network`, VNET)).toBe("resource group rg-network");
    expect(describeScope(SUB, VNET)).toBe("subscription 3f2a1c9e-7b4d-4e8a-9c61-2d5e8f0a7b13");
    expect(describeScope("/providers/Microsoft.Management/managementGroups/mg1", VNET)).toBe("management group mg1");
  });
});

describe("role definitions", () => {
  const def = (actions: string[], notActions: string[] = []) => ({ guid: "g", roleName: "r", actions, notActions });
  it("accepts *, Microsoft.Network/* and provider wildcards that match it", () => {
    expect(judgeDefinition(def(["*"])).kind).toBe("yes");
    expect(judgeDefinition(def(["microsoft.network/*"])).kind).toBe("yes");
    expect(judgeDefinition(def(["Microsoft.*/*"])).kind).toBe("yes");
  });

  it("rejects partial network rights and roles whose notActions cut into Microsoft.Network", () => {
    expect(judgeDefinition(def(["*/read"])).kind).toBe("no");
    expect(judgeDefinition(def(["Microsoft.Network/virtualNetworks/*"])).kind).toBe("no");
    expect(judgeDefinition(def(["Microsoft.Network/*/write"])).kind).toBe("no");
    expect(judgeDefinition(def(["Microsoft.NetworkFunction/*"])).kind).toBe("no");
    expect(judgeDefinition(def(["*"], ["Microsoft.Network/*"])).kind).toBe("no");
    expect(judgeDefinition(def(["*"], ["*/delete"])).kind).toBe("no");
    expect(judgeDefinition(def(["*"], ["Microsoft.Network/routeTables/delete"])).kind).toBe("no");
    // Contributor's notActions touch Authorization, not Network.
    expect(judgeDefinition(def(["*"], ["Microsoft.Authorization/*/Write", "Microsoft.Authorization/*/Delete"])).kind).toBe("yes");
  });

  it("knows Network Contributor by GUID and needs a readable definition for anything else", () => {
    const nc = "/providers/Microsoft.Authorization/roleDefinitions/4D97B98B-1D4F-4787-A291-C67834D212E7";
    expect(roleGuid(nc)).toBe("4d97b98b-1d4f-4787-a291-c67834d212e7");
    const a = { id: "x", scope: SUB, principalId: "p", roleDefinitionId: nc };
    expect(grantsNetwork({}, a).kind).toBe("yes");
    const custom = { ...a, roleDefinitionId: `${SUB}/providers/Microsoft.Authorization/roleDefinitions/abc` };
    const missing = grantsNetwork({}, custom);
    expect(missing.kind === "unknown" && missing.error.code).toBe("NotCollected");
    const failed = grantsNetwork({ abc: { ok: false, error: { code: "AuthorizationFailed", message: "no" } } }, custom);
    expect(failed.kind === "unknown" && failed.error.code).toBe("AuthorizationFailed");
  });
});

describe("udr-network-contributor outside the case files", () => {
  const check = getCheck("udr-network-contributor");
  const c = loadCase("udr-network-contributor", "pass-udr-pool-network-contributor-on-resource-group.json");
  const run = (mutate: (s: typeof c.snapshot) => void) => {
    const snapshot = structuredClone(c.snapshot);
    mutate(snapshot);
    const target = snapshot.targets[0]!;
    return check?.evaluate({ snapshot, target, baseline: effectiveBaseline(emptyBaseline, target), params: {} }) ?? [];
  };

  it("does not apply to loadBalancer targets", () => {
    expect(run(() => undefined).map((r) => r.status)).toEqual(["pass", "pass", "pass"]);
    expect(run((s) => { s.targets[0]!.pool!.outboundType = "loadBalancer"; })).toEqual([]);
  });

  it("is unknown (never silent) when the egress mode cannot be told", () => {
    const results = run((s) => {
      delete s.targets[0]!.pool!.outboundType;
      s.aksClusters = {};
    });
    expect(results.map((r) => r.status)).toEqual(["unknown"]);
  });

  it("is unknown for a cluster without a managed identity principal", () => {
    const results = run((s) => {
      for (const p of Object.values(s.aksClusters)) if (p.ok) delete p.value.identityPrincipalId;
    });
    expect(results.map((r) => r.status)).toEqual(["unknown", "unknown", "unknown"]);
  });

  it("reports the unreadable subnet and does not judge its VNet, whose assignments may be hidden", () => {
    const results = run((s) => {
      s.subnets = {};
    });
    expect(results.map((r) => `${r.status} ${r.resourceId.split("/").pop()}`)).toEqual(["unknown snet-hdi-pool"]);
  });

  it("is unknown, not failed, on a route table it could not read", () => {
    const results = run((s) => {
      s.routeTables = {};
    });
    expect(results.filter((r) => r.status === "fail")).toEqual([]);
    expect(results.map((r) => r.message)).toContainEqual(expect.stringMatching(/^Route table .* could not be read/));
  });
});
