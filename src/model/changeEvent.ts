/**
 * Change events (DESIGN.md, "Change events"): what ARM's subscription system topic tells us about
 * a write or a delete, reduced to what the targeted re-audit needs, and the resource types whose
 * changes can move a finding (the Event Grid filter, infra/modules/changeEvents.bicep, is held
 * equal to {@link WATCHED_RESOURCE_TYPES} by a test).
 */

/** The two event types the function takes. */
export const CHANGE_EVENT_TYPES = ["Microsoft.Resources.ResourceWriteSuccess", "Microsoft.Resources.ResourceDeleteSuccess"] as const;

/**
 * The resource types the checks read (with their child types): an event whose `data.operationName`
 * starts with one of these followed by `/` is delivered (`Microsoft.Network/routeTables/write`,
 * `Microsoft.Network/routeTables/routes/delete`, ...). Load balancers and scale sets are here
 * although the issue does not name them: the MC group's checks read them (outbound rules, NIC
 * NSGs, instance public IPs).
 */
export const WATCHED_RESOURCE_TYPES = [
  "Microsoft.ContainerService/managedClusters",
  "Microsoft.HDInsight/clusterpools",
  "Microsoft.Network/routeTables",
  "Microsoft.Network/virtualNetworks",
  "Microsoft.Network/virtualHubs",
  "Microsoft.Network/azureFirewalls",
  "Microsoft.Network/firewallPolicies",
  "Microsoft.Network/ipGroups",
  "Microsoft.Network/publicIPAddresses",
  "Microsoft.Network/publicIPPrefixes",
  "Microsoft.Network/natGateways",
  "Microsoft.Network/networkSecurityGroups",
  "Microsoft.Network/loadBalancers",
  "Microsoft.Network/privateDnsZones",
  "Microsoft.Compute/virtualMachineScaleSets",
  "Microsoft.Authorization/roleAssignments",
] as const;

/** Write or delete. */
export type ChangeKind = "write" | "delete";

/** One change, from either event schema (Event Grid or CloudEvents 1.0). */
export interface ResourceChange {
  /** The event's `id`: Event Grid redelivers with the same id, so it de-duplicates. */
  eventId: string;
  kind: ChangeKind;
  /** The ARM id written or deleted (`data.resourceUri`, else `subject`), as sent. */
  resourceId: string;
  /** `data.operationName`, e.g. `Microsoft.Network/routeTables/routes/write`. */
  operationName: string;
  /** Lower-cased. */
  subscriptionId: string;
  /** `eventTime` (Event Grid) or `time` (CloudEvents), ISO 8601. */
  eventTime: string;
  /** `data.correlationId`: one ARM operation, several events. */
  correlationId?: string;
}

/** Whether an operation name is one of the watched types' writes or deletes (case-insensitive). */
export function isWatchedOperation(operationName: string): boolean {
  const op = operationName.toLowerCase();
  if (!op.endsWith("/write") && !op.endsWith("/delete")) return false;
  return WATCHED_RESOURCE_TYPES.some((t) => op.startsWith(`${t.toLowerCase()}/`));
}
