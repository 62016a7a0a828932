import { lastProvidersIndex, typeOfId } from "./paths.js";

/** What a request path asks for, decided from its segments alone (before any estate look-up). */
export type Route =
  | { kind: "listSubscriptions" }
  | { kind: "getSubscription"; sub: string }
  | { kind: "listResourceGroups"; sub: string }
  | { kind: "getResourceGroup"; sub: string; rg: string }
  | { kind: "listSub"; sub: string; type: string }
  | { kind: "listRg"; sub: string; rg: string; type: string }
  | { kind: "listRoleAssignments"; scope: string; sub?: string; rg?: string }
  | { kind: "listChildren"; sub: string; rg?: string; parentPath: string; parentType: string; segment: string }
  | { kind: "get"; sub?: string; rg?: string; type: string }
  | { kind: "unknown"; sub?: string };

/** The lists a scale set answers for what its instances hold, by lower-cased segment. */
const SCALE_SET_LISTS = new Map([
  ["networkinterfaces", "networkInterfaces"],
  ["publicipaddresses", "publicIPAddresses"],
]);

/** Resource types as the estate spells them, so route keys and actions are stable whatever the request's casing. */
export class TypeCasing {
  /** Lower-cased type → the casing the estate uses. */
  readonly #typeCase = new Map<string, string>();

  /** Records `type` and each of its parent types; the first casing seen wins. */
  note(type: string): void {
    const parts = type.split("/");
    for (let n = 2; n <= parts.length; n++) {
      const prefix = parts.slice(0, n).join("/");
      if (!this.#typeCase.has(prefix.toLowerCase())) this.#typeCase.set(prefix.toLowerCase(), prefix);
    }
  }

  /** `type` in the estate's casing, or as given if the estate never names it. */
  canon(type: string): string {
    return this.#typeCase.get(type.toLowerCase()) ?? type;
  }

  /** The type of the children listed under `segment` of a `parentType` resource. */
  childType(parentType: string, segment: string): string {
    const parent = this.canon(parentType);
    if (segment.toLowerCase() === "all" && parent.toLowerCase() === "microsoft.network/privatednszones") return `${parent}/ALL`;
    // A scale set's NIC and public IP lists (the SDK asks for `publicipaddresses`): one key whatever the casing.
    const scaleSetList = SCALE_SET_LISTS.get(segment.toLowerCase());
    if (scaleSetList && parent.toLowerCase() === "microsoft.compute/virtualmachinescalesets") return `${parent}/${scaleSetList}`;
    // A managed cluster's dependency list (served from the cluster body): one key whatever the casing.
    if (segment.toLowerCase() === "outboundnetworkdependenciesendpoints" && parent.toLowerCase() === "microsoft.containerservice/managedclusters") {
      return `${parent}/outboundNetworkDependenciesEndpoints`;
    }
    return this.#typeCase.get(`${parentType}/${segment}`.toLowerCase()) ?? `${parent}/${segment}`;
  }
}

/** Classifies a request path, given as percent-decoded segments. */
export function classifyRoute(segs: string[]): Route {
  const lower = segs.map((s) => s.toLowerCase());
  const p = lastProvidersIndex(lower);
  const namespace = p >= 0 ? segs[p + 1] : undefined;
  const rest = p >= 0 ? segs.slice(p + 2) : [];
  const isRoleAssignmentList =
    namespace?.toLowerCase() === "microsoft.authorization" && rest.length === 1 && lower.at(-1) === "roleassignments";
  if (lower[0] === "providers") {
    if (isRoleAssignmentList && p === 0) return { kind: "listRoleAssignments", scope: "" };
    if (namespace !== undefined && rest.length >= 2 && rest.length % 2 === 0 && p === 0) {
      return { kind: "get", type: typeOfId(segs) ?? namespace };
    }
    return { kind: "unknown" };
  }
  if (lower[0] !== "subscriptions") return { kind: "unknown" };
  const sub = segs[1];
  if (sub === undefined) return { kind: "listSubscriptions" };
  if (segs.length === 2) return { kind: "getSubscription", sub };
  let rg: string | undefined;
  if (lower[2] === "resourcegroups") {
    rg = segs[3];
    if (rg === undefined) return { kind: "listResourceGroups", sub };
    if (segs.length === 4) return { kind: "getResourceGroup", sub, rg };
    if (lower[4] !== "providers") return { kind: "unknown", sub };
  } else if (lower[2] !== "providers") {
    return { kind: "unknown", sub };
  }
  const inRg = rg !== undefined ? { rg } : {};
  if (namespace === undefined || rest.length === 0) return { kind: "unknown", sub };
  if (isRoleAssignmentList) return { kind: "listRoleAssignments", scope: `/${segs.slice(0, p).join("/")}`, sub, ...inRg };
  if (rest.length % 2 === 0) return { kind: "get", sub, ...inRg, type: typeOfId(segs) ?? namespace };
  if (rest.length === 1) {
    const type = rest[0] as string;
    if (p === 2) return { kind: "listSub", sub, type: `${namespace}/${type}` };
    if (p === 4 && rg !== undefined) return { kind: "listRg", sub, rg, type: `${namespace}/${type}` };
    return { kind: "unknown", sub };
  }
  const parent = segs.slice(0, -1);
  return {
    kind: "listChildren",
    sub,
    ...inRg,
    parentPath: `/${parent.join("/")}`,
    parentType: typeOfId(parent) ?? namespace,
    segment: segs.at(-1) as string,
  };
}

/** The key a request is counted under, e.g. `get:Microsoft.Network/routeTables`. */
export function routeKeyOf(route: Route, types: TypeCasing): string {
  switch (route.kind) {
    case "listSubscriptions":
      return "list:subscriptions";
    case "getSubscription":
      return "get:subscription";
    case "listResourceGroups":
      return "list:resourceGroups";
    case "getResourceGroup":
      return "get:resourceGroup";
    case "listSub":
      return `list:sub:${types.canon(route.type)}`;
    case "listRg":
      return `list:rg:${types.canon(route.type)}`;
    case "listRoleAssignments":
      return "list:roleAssignments";
    case "listChildren":
      return `list:children:${types.childType(route.parentType, route.segment)}`;
    case "get":
      return `get:${types.canon(route.type)}`;
    case "unknown":
      return "unknown";
  }
}

/** The ARM action a request needs, as named in `AuthorizationFailed` messages. */
export function actionOf(route: Route, types: TypeCasing): string {
  switch (route.kind) {
    case "listSubscriptions":
    case "getSubscription":
      return "Microsoft.Resources/subscriptions/read";
    case "listResourceGroups":
    case "getResourceGroup":
      return "Microsoft.Resources/subscriptions/resourceGroups/read";
    case "listSub":
    case "listRg":
      return `${types.canon(route.type)}/read`;
    case "listRoleAssignments":
      return "Microsoft.Authorization/roleAssignments/read";
    case "listChildren":
      return `${types.childType(route.parentType, route.segment)}/read`;
    case "get":
      return `${types.canon(route.type)}/read`;
    case "unknown":
      return "Microsoft.Resources/read";
  }
}
