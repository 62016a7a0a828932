/**
 * Facts about an estate file that tests derive instead of hard-coding (the demo keeps growing):
 * its targets (cluster pools, and AKS clusters no pool owns) with the subnets each one's checks
 * judge, and per subnet its route table and that table's default route, and the Virtual WAN hub
 * connection of its VNet. Read from the ARM wire
 * shapes the estate holds (VNets embed their subnets), the way the collector would find them.
 */
import type { Estate, EstateResource } from "../../src/emulator/estate.js";

/** A target as the estate defines it. */
export interface EstateTarget {
  name: string;
  kind: "clusterPool" | "aksCluster";
  id: string;
  /** The AKS cluster behind it (the target itself for a plain AKS cluster). */
  aksClusterId?: string;
  /** The pool's `networkProfile.subnetId`, else its AKS cluster's agent-pool `vnetSubnetID`s (lower-cased). */
  subnetIds: string[];
}

/** A subnet's egress-relevant references (ids lower-cased). */
export interface EstateSubnet {
  id: string;
  vnetId: string;
  /** The Virtual WAN hub connection that attaches the subnet's VNet, if any. */
  hubConnectionId?: string;
  routeTableId?: string;
  /** The route table's `0.0.0.0/0` route, when it has one. */
  defaultRoute?: { nextHopType: string; nextHopIpAddress?: string };
  networkSecurityGroupId?: string;
  natGatewayId?: string;
}

/** The body properties read here (ARM's wire names). */
interface Props {
  agentPoolProfiles?: Array<{ vnetSubnetID?: string }>;
  aksClusterProfile?: { aksClusterResourceId?: string };
  networkProfile?: { subnetId?: string };
  subnets?: Array<{ id: string; properties?: SubnetProps }>;
  routes?: Array<{ properties?: RouteProps } & RouteProps>;
  remoteVirtualNetwork?: { id: string };
}
interface SubnetProps {
  routeTable?: { id: string };
  networkSecurityGroup?: { id: string };
  natGateway?: { id: string };
}
interface RouteProps {
  addressPrefix?: string;
  nextHopType?: string;
  nextHopIpAddress?: string;
}

const props = (r: EstateResource): Props => (r.properties ?? {});
const isType = (r: EstateResource, type: string): boolean => r.type.toLowerCase() === type.toLowerCase();

/** The estate's targets, in estate order: pools first, then AKS clusters no pool owns. */
export function estateTargets(estate: Estate): EstateTarget[] {
  const aksSubnets = new Map<string, string[]>();
  const aksNames = new Map<string, string>();
  for (const r of estate.resources) {
    if (!isType(r, "Microsoft.ContainerService/managedClusters")) continue;
    const subnets = (props(r).agentPoolProfiles ?? []).map((p) => p.vnetSubnetID?.toLowerCase()).filter((s): s is string => !!s);
    aksSubnets.set(r.id.toLowerCase(), [...new Set(subnets)]);
    aksNames.set(r.id.toLowerCase(), r.name);
  }
  const out: EstateTarget[] = [];
  const owned = new Set<string>();
  for (const r of estate.resources) {
    if (!isType(r, "Microsoft.HDInsight/clusterPools")) continue;
    const aksId = props(r).aksClusterProfile?.aksClusterResourceId;
    if (aksId) owned.add(aksId.toLowerCase());
    const own = props(r).networkProfile?.subnetId?.toLowerCase();
    out.push({
      name: r.name,
      kind: "clusterPool",
      id: r.id,
      ...(aksId ? { aksClusterId: aksId } : {}),
      subnetIds: own ? [own] : (aksSubnets.get(aksId?.toLowerCase() ?? "") ?? []),
    });
  }
  for (const r of estate.resources) {
    if (!isType(r, "Microsoft.ContainerService/managedClusters") || owned.has(r.id.toLowerCase())) continue;
    out.push({ name: r.name, kind: "aksCluster", id: r.id, aksClusterId: r.id, subnetIds: aksSubnets.get(r.id.toLowerCase()) ?? [] });
  }
  return out;
}

/** Every subnet the estate's VNets embed, by lower-cased id. */
export function estateSubnets(estate: Estate): Map<string, EstateSubnet> {
  const tables = new Map<string, RouteProps[]>();
  const hubConnections = new Map<string, string>();
  for (const r of estate.resources) {
    if (isType(r, "Microsoft.Network/routeTables")) tables.set(r.id.toLowerCase(), (props(r).routes ?? []).map((x) => x.properties ?? x));
    const remote = props(r).remoteVirtualNetwork?.id;
    if (isType(r, "Microsoft.Network/virtualHubs/hubVirtualNetworkConnections") && remote) hubConnections.set(remote.toLowerCase(), r.id.toLowerCase());
  }
  const out = new Map<string, EstateSubnet>();
  for (const r of estate.resources) {
    if (!isType(r, "Microsoft.Network/virtualNetworks")) continue;
    for (const s of props(r).subnets ?? []) {
      const p = s.properties ?? {};
      const routeTableId = p.routeTable?.id.toLowerCase();
      const route = routeTableId ? tables.get(routeTableId)?.find((x) => x.addressPrefix === "0.0.0.0/0") : undefined;
      const hubConnectionId = hubConnections.get(r.id.toLowerCase());
      out.set(s.id.toLowerCase(), {
        id: s.id.toLowerCase(),
        vnetId: r.id.toLowerCase(),
        ...(hubConnectionId ? { hubConnectionId } : {}),
        ...(routeTableId ? { routeTableId } : {}),
        ...(route?.nextHopType ? { defaultRoute: { nextHopType: route.nextHopType, ...(route.nextHopIpAddress ? { nextHopIpAddress: route.nextHopIpAddress } : {}) } } : {}),
        ...(p.networkSecurityGroup ? { networkSecurityGroupId: p.networkSecurityGroup.id.toLowerCase() } : {}),
        ...(p.natGateway ? { natGatewayId: p.natGateway.id.toLowerCase() } : {}),
      });
    }
  }
  return out;
}

/** The names of the targets one of whose subnets satisfies `test` (a subnet the estate does not hold never does). */
export function targetsWhoseSubnet(estate: Estate, test: (s: EstateSubnet) => boolean): Set<string> {
  const subnets = estateSubnets(estate);
  return new Set(
    estateTargets(estate)
      .filter((t) => t.subnetIds.some((id) => {
        const s = subnets.get(id);
        return s !== undefined && test(s);
      }))
      .map((t) => t.name),
  );
}
