/**
 * `Microsoft.Compute/virtualMachineScaleSets` over plain REST (src/arm/restLists.ts): the project
 * carries no Compute SDK, and the collector needs only the list bodies (the node NICs' network
 * profile and the AKS pool tag), read raw and normalised by src/collect.
 */
import type { Client } from "@azure-rest/core-client";
import type { AbortSignalLike } from "@azure/abort-controller";
import { listPaged } from "./restLists.js";

/** api-version of the scale set lists (Microsoft.Compute, stable). */
export const SCALE_SET_API_VERSION = "2024-07-01";

/** `VirtualMachineScaleSets_ListAll`: every scale set of a subscription. */
export function listScaleSets(client: Client, subscriptionId: string, options: { abortSignal?: AbortSignalLike } = {}) {
  return listPaged(
    client,
    `/subscriptions/${encodeURIComponent(subscriptionId)}/providers/Microsoft.Compute/virtualMachineScaleSets`,
    SCALE_SET_API_VERSION,
    options.abortSignal,
  );
}

/** `VirtualMachineScaleSets_List`: the scale sets of one resource group (an MC group). */
export function listScaleSetsInGroup(client: Client, subscriptionId: string, resourceGroup: string, options: { abortSignal?: AbortSignalLike } = {}) {
  return listPaged(
    client,
    `/subscriptions/${encodeURIComponent(subscriptionId)}/resourceGroups/${encodeURIComponent(resourceGroup)}/providers/Microsoft.Compute/virtualMachineScaleSets`,
    SCALE_SET_API_VERSION,
    options.abortSignal,
  );
}
