/** Role-assignment semantics of udr-network-contributor: scope inheritance and Microsoft.Network/* coverage (src/checks/lib/rbac.ts). */
import { describe, expect, it } from "vitest";
import { describeScope, grantsNetwork, judgeDefinition, roleGuid, scopeCovers } from "../../../src/checks/lib/rbac.js";

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
