/**
 * Role assignments (`RoleAssignments_ListForScope.json`, shared/reference/arm-examples/
 * Microsoft.Authorization/2022-04-01/) and the user-assigned managed identities they are given to.
 */
import type { EstateResource } from "../estate.js";
import { given, rgId, subscriptionOf, type BodyStyle, type Tags } from "./ids.js";

/** Built-in role definition ids (the same in every tenant). */
export const BUILTIN_ROLE = {
  networkContributor: "4d97b98b-1d4f-4787-a291-c67834d212e7",
  reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  managedIdentityOperator: "f1a07417-d97a-45cb-824c-7a7467783830",
} as const;

/** What {@link roleAssignment} builds. */
export interface RoleAssignmentSpec {
  /** Subscription, resource group or resource id. */
  scope: string;
  /** The assignment's name (a GUID). */
  name: string;
  /** The role definition's GUID (e.g. from {@link BUILTIN_ROLE}). */
  role: string;
  principalId: string;
  /** Default `ServicePrincipal`. */
  principalType?: "ServicePrincipal" | "User" | "Group";
  description?: string;
}

/**
 * A role assignment at its scope (`RoleAssignments_ListForScope.json`: properties first; the role
 * definition id in the scope's subscription). Both styles write the same body.
 */
export function roleAssignment(_style: BodyStyle, spec: RoleAssignmentSpec): EstateResource {
  return {
    properties: {
      roleDefinitionId: `/subscriptions/${subscriptionOf(spec.scope)}/providers/Microsoft.Authorization/roleDefinitions/${spec.role}`,
      principalId: spec.principalId,
      principalType: spec.principalType ?? "ServicePrincipal",
      scope: spec.scope,
      ...given("description", spec.description),
    },
    id: `${spec.scope}/providers/Microsoft.Authorization/roleAssignments/${spec.name}`,
    type: "Microsoft.Authorization/roleAssignments",
    name: spec.name,
  };
}

/** What {@link userAssignedIdentity} builds. */
export interface UserAssignedIdentitySpec {
  sub: string;
  rg: string;
  name: string;
  location: string;
  tenantId: string;
  principalId: string;
  clientId: string;
  /** Default none (`{}`). */
  tags?: Tags;
}

/**
 * A user-assigned managed identity (`Microsoft.ManagedIdentity/userAssignedIdentities`, as the
 * HDInsight examples reference it: `msiResourceId`, `msiClientId`, `msiObjectId`). Both styles
 * write the same body.
 */
export function userAssignedIdentity(_style: BodyStyle, spec: UserAssignedIdentitySpec): EstateResource {
  return {
    id: `${rgId(spec.sub, spec.rg)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${spec.name}`,
    name: spec.name,
    type: "Microsoft.ManagedIdentity/userAssignedIdentities",
    location: spec.location,
    tags: spec.tags ?? {},
    properties: { tenantId: spec.tenantId, principalId: spec.principalId, clientId: spec.clientId },
  };
}
