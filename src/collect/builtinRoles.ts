import type { RoleDefinition } from "../model/snapshot.js";

/**
 * Built-in Azure roles whose permissions the checks need, known without a read: their GUIDs are
 * the same in every tenant and their `Microsoft.Network` reach is documented (Azure built-in
 * roles reference). Any other role an assignment names is read from ARM.
 */
export const BUILTIN_ROLES: Readonly<Record<string, RoleDefinition>> = Object.freeze({
  "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": { guid: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", roleName: "Owner", actions: ["*"], notActions: [] },
  "b24988ac-6180-42a0-ab88-20f7382dd24c": {
    guid: "b24988ac-6180-42a0-ab88-20f7382dd24c",
    roleName: "Contributor",
    actions: ["*"],
    notActions: [
      "Microsoft.Authorization/*/Delete",
      "Microsoft.Authorization/*/Write",
      "Microsoft.Authorization/elevateAccess/Action",
      "Microsoft.Blueprint/blueprintAssignments/write",
      "Microsoft.Blueprint/blueprintAssignments/delete",
      "Microsoft.Compute/galleries/share/action",
      "Microsoft.Purview/consents/write",
      "Microsoft.Purview/consents/delete",
    ],
  },
  "4d97b98b-1d4f-4787-a291-c67834d212e7": {
    guid: "4d97b98b-1d4f-4787-a291-c67834d212e7",
    roleName: "Network Contributor",
    actions: [
      "Microsoft.Authorization/*/read",
      "Microsoft.Insights/alertRules/*",
      "Microsoft.Network/*",
      "Microsoft.ResourceHealth/availabilityStatuses/read",
      "Microsoft.Resources/deployments/*",
      "Microsoft.Resources/subscriptions/resourceGroups/read",
      "Microsoft.Support/*",
    ],
    notActions: [],
  },
  "acdd72a7-3385-48ef-bd42-f606fba81ae7": { guid: "acdd72a7-3385-48ef-bd42-f606fba81ae7", roleName: "Reader", actions: ["*/read"], notActions: [] },
});
