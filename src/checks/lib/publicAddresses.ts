/**
 * The public addresses of a target beyond the MC group's `publicIPAddresses` (CHECKS.md "Public
 * addresses beyond `publicIPAddresses`"): public IP prefixes in the MC group, the prefixes agent
 * pools take node public IPs from (`nodePublicIPPrefixID`, wherever they live), and the
 * instance-level public IPs under the node scale sets, which subscription-wide lists do not return.
 * Pure.
 *
 * Fail closed: a part that could not be read is a gap (one `unknown` each), never "none". A
 * snapshot written before these parts were read (no `publicIpPrefixes` / `scaleSets` map at all) is
 * judged as before, with a note, except that an agent pool with `enableNodePublicIP` always needs
 * its scale set's public IPs read.
 */
import type {
  AgentPoolProfile,
  AksCluster,
  InstancePublicIp,
  McGroupContents,
  Part,
  PublicIpPrefix,
  ReadError,
  ScaleSet,
  Snapshot,
} from "../../model/snapshot.js";
import { lookup } from "../../model/snapshot.js";
import { dedupeIds, nameOf, sameText } from "./names.js";
import { errorOf, notCollected } from "./parts.js";

/** A public IP prefix to judge: one in the MC group, or one an agent pool takes node public IPs from. */
export interface PrefixEntry {
  id: string;
  /** Listed in the MC group (else only named by an agent pool). */
  inMcGroup: boolean;
  /** Agent pools with `enableNodePublicIP` whose `nodePublicIPPrefixID` is this prefix. */
  nodePools: string[];
  part: Part<PublicIpPrefix>;
}

/** An instance-level public IP of a node scale set. */
export interface InstanceIpEntry {
  ip: InstancePublicIp;
  scaleSet: ScaleSet;
  /** The agent pool of the scale set (its `aks-managed-poolName` tag), when known. */
  agentPool?: string;
}

/** A part that could not be read: one `unknown` result. */
export interface AddressGap {
  resourceId: string;
  item: string;
  message: string;
  error: ReadError;
  evidence: Record<string, unknown>;
}

/** The public addresses beyond `publicIPAddresses`, the gaps, and what an older snapshot lacked. */
export interface PublicAddressInventory {
  prefixes: PrefixEntry[];
  instanceIps: InstanceIpEntry[];
  gaps: AddressGap[];
  /** Agent pools with `enableNodePublicIP` (empty when the AKS cluster or its pools are not known). */
  nodePublicIpPools: string[];
  /** Scale sets whose instance-level public IPs were read. */
  scaleSetsRead: string[];
  /** For the evidence: parts an older snapshot did not collect. */
  notes: string[];
}

/** The ARM id of an agent pool of an AKS cluster. */
export function agentPoolIdOf(aksClusterId: string, poolName: string): string {
  return `${aksClusterId}/agentPools/${poolName}`;
}

/** Lists the public IP prefixes and node public IPs of a target whose MC group `group` was read. */
export function publicAddressInventory(snapshot: Snapshot, group: McGroupContents, aks: Part<AksCluster>): PublicAddressInventory {
  const pools: AgentPoolProfile[] = aks.ok ? (aks.value.agentPools ?? []) : [];
  const flagged = pools.filter((p) => p.enableNodePublicIP === true);
  const inventory: PublicAddressInventory = {
    prefixes: prefixesOf(snapshot, group, flagged),
    instanceIps: [],
    gaps: [],
    nodePublicIpPools: flagged.map((p) => p.name),
    scaleSetsRead: [],
    notes: [],
  };
  if (group.publicIpPrefixIds === undefined) {
    if (snapshot.publicIpPrefixes === undefined) {
      inventory.notes.push("public IP prefixes of the MC group were not collected in this snapshot (written before they were read)");
    } else {
      const scope = `${group.id}/providers/Microsoft.Network/publicIPPrefixes`;
      inventory.gaps.push({
        resourceId: group.id,
        item: "publicIPPrefixes",
        message: `The public IP prefixes of MC group ${nameOf(group.id)} were not listed, so they could not be judged.`,
        error: notCollected(scope, `the public IP prefix list of MC group ${nameOf(group.id)}`),
        evidence: { mcGroupId: group.id },
      });
    }
  }
  scaleSetAddresses(snapshot, group, aks, flagged, inventory);
  return inventory;
}

function prefixesOf(snapshot: Snapshot, group: McGroupContents, flagged: AgentPoolProfile[]): PrefixEntry[] {
  const byId = new Map<string, PrefixEntry>();
  const add = (id: string, inMcGroup: boolean, pool?: string): void => {
    const key = id.toLowerCase();
    let entry = byId.get(key);
    if (entry === undefined) {
      entry = { id, inMcGroup, nodePools: [], part: prefixPart(snapshot, id) };
      byId.set(key, entry);
    }
    entry.inMcGroup ||= inMcGroup;
    if (pool !== undefined && !entry.nodePools.includes(pool)) entry.nodePools.push(pool);
  };
  for (const id of dedupeIds(group.publicIpPrefixIds ?? [])) add(id, true);
  for (const pool of flagged) {
    if (pool.nodePublicIPPrefixId !== undefined && pool.nodePublicIPPrefixId !== "") add(pool.nodePublicIPPrefixId, false, pool.name);
  }
  return [...byId.values()];
}

function prefixPart(snapshot: Snapshot, id: string): Part<PublicIpPrefix> {
  const part = snapshot.publicIpPrefixes === undefined ? undefined : lookup(snapshot.publicIpPrefixes, id);
  if (part === undefined) return { ok: false, error: notCollected(id, `public IP prefix ${id}`) };
  return part.ok ? part : { ok: false, error: errorOf(part, id) };
}

/**
 * Instance-level public IPs of the MC group's scale sets. A scale set needs them read when its
 * network profile configures them or its agent pool has `enableNodePublicIP` (a scale set without
 * the pool tag counts for a flagged pool that no tagged scale set carries).
 */
function scaleSetAddresses(
  snapshot: Snapshot,
  group: McGroupContents,
  aks: Part<AksCluster>,
  flagged: AgentPoolProfile[],
  inventory: PublicAddressInventory,
): void {
  const poolGap = (pool: AgentPoolProfile, error: ReadError, why: string): AddressGap => {
    const aksId = aks.ok ? aks.value.id : group.id;
    return {
      resourceId: agentPoolIdOf(aksId, pool.name),
      item: "instancePublicIps",
      message: `Agent pool ${pool.name} has enableNodePublicIP, but ${why}, so its node public IPs could not be judged.`,
      error,
      evidence: { mcGroupId: group.id, agentPool: pool.name, enableNodePublicIP: true, nodePublicIPPrefixID: pool.nodePublicIPPrefixId ?? null },
    };
  };
  if (group.scaleSetIds === undefined) {
    const error = notCollected(`${group.id}/providers/Microsoft.Compute/virtualMachineScaleSets`, `the scale set list of MC group ${nameOf(group.id)}`);
    if (flagged.length > 0) {
      for (const pool of flagged) inventory.gaps.push(poolGap(pool, error, `the scale sets of MC group ${nameOf(group.id)} were not listed`));
    } else if (snapshot.scaleSets === undefined) {
      inventory.notes.push("node scale sets (instance-level public IPs) were not collected in this snapshot (written before they were read)");
    } else {
      inventory.gaps.push({
        resourceId: group.id,
        item: "virtualMachineScaleSets",
        message: `The node scale sets of MC group ${nameOf(group.id)} were not listed, so their instance-level public IPs could not be judged.`,
        error,
        evidence: { mcGroupId: group.id },
      });
    }
    return;
  }
  const scaleSets: Array<{ id: string; part: Part<ScaleSet> }> = dedupeIds(group.scaleSetIds).map((id) => {
    const part = snapshot.scaleSets === undefined ? undefined : lookup(snapshot.scaleSets, id);
    if (part === undefined) return { id, part: { ok: false, error: notCollected(id, `scale set ${id}`) } };
    return { id, part: part.ok ? part : { ok: false, error: errorOf(part, id) } };
  });
  const read = scaleSets.flatMap((s) => (s.part.ok ? [s.part.value] : []));
  const carried = (pool: AgentPoolProfile): boolean => read.some((s) => sameText(s.agentPoolName, pool.name));
  const orphanFlagged = flagged.some((p) => !carried(p));
  for (const { id, part } of scaleSets) {
    if (!part.ok) {
      inventory.gaps.push({
        resourceId: id,
        item: "instancePublicIps",
        message: `Scale set ${nameOf(id)} in MC group ${nameOf(group.id)} could not be read, so whether its nodes have public IPs is not known.`,
        error: part.error,
        evidence: { mcGroupId: group.id, scaleSetId: id },
      });
      continue;
    }
    const ss = part.value;
    const pool = flagged.find((p) => sameText(p.name, ss.agentPoolName));
    const needed = ss.instancePublicIpConfigured || pool !== undefined || (ss.agentPoolName === undefined && orphanFlagged);
    const ips = ss.instancePublicIps;
    if (ips === undefined) {
      if (!needed) continue;
      const why = ss.instancePublicIpConfigured
        ? "its network profile configures instance-level public IPs"
        : pool !== undefined
          ? `agent pool ${pool.name} has enableNodePublicIP`
          : "an agent pool with enableNodePublicIP may run on it (no aks-managed-poolName tag)";
      inventory.gaps.push({
        resourceId: ss.id,
        item: "instancePublicIps",
        message: `The instance-level public IPs of scale set ${ss.name} were not read although ${why}.`,
        error: notCollected(`${ss.id}/publicIPAddresses`, `the instance-level public IPs of scale set ${ss.name}`),
        evidence: scaleSetEvidence(group, ss),
      });
      continue;
    }
    if (!ips.ok) {
      inventory.gaps.push({
        resourceId: ss.id,
        item: "instancePublicIps",
        message: `The instance-level public IPs of scale set ${ss.name} could not be read.`,
        error: errorOf(ips, `${ss.id}/publicIPAddresses`),
        evidence: scaleSetEvidence(group, ss),
      });
      continue;
    }
    inventory.scaleSetsRead.push(ss.id);
    for (const ip of ips.value) {
      inventory.instanceIps.push({ ip, scaleSet: ss, ...(ss.agentPoolName !== undefined ? { agentPool: ss.agentPoolName } : {}) });
    }
  }
  // A flagged pool no scale set carries, while every scale set names its pool: its nodes are not in the group's list.
  const untagged = read.some((s) => s.agentPoolName === undefined);
  for (const pool of flagged) {
    if (carried(pool) || untagged) continue;
    const unreadable = scaleSets.find((s) => !s.part.ok);
    if (unreadable !== undefined) continue; // already a gap: that scale set may be the pool's
    inventory.gaps.push(
      poolGap(pool, notCollected(group.id, `the scale set of agent pool ${pool.name}`), `no scale set of MC group ${nameOf(group.id)} carries it`),
    );
  }
}

function scaleSetEvidence(group: McGroupContents, ss: ScaleSet): Record<string, unknown> {
  return {
    mcGroupId: group.id,
    scaleSetId: ss.id,
    agentPool: ss.agentPoolName ?? null,
    instancePublicIpConfigured: ss.instancePublicIpConfigured,
  };
}

/** `virtualMachines/<n>` and the NIC of an instance-level public IP, from its id. */
export function instanceOf(ip: InstancePublicIp): { instance?: string; nic?: string } {
  const source = ip.ipConfigurationId ?? ip.id;
  const instance = /\/virtualMachines\/([^/]+)/i.exec(source)?.[1];
  const nic = /\/networkInterfaces\/([^/]+)/i.exec(source)?.[1];
  return { ...(instance !== undefined ? { instance } : {}), ...(nic !== undefined ? { nic } : {}) };
}
