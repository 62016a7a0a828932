import { idMatches } from "../baseline/baseline.js";
import type { PublicIpAttachment } from "../model/snapshot.js";
import type { Check, CheckContext, CheckResult } from "./lib/types.js";
import { addressEnvironment, explainPrefix, explainPublicIp } from "./lib/explainAddress.js";
import type { AddressEnvironment, Explanation } from "./lib/explainAddress.js";
import { dedupeIds, nameOf } from "./lib/names.js";
import { errorOf, resolve, unknownResult } from "./lib/parts.js";
import { instanceOf, publicAddressInventory } from "./lib/publicAddresses.js";
import type { AddressGap, InstanceIpEntry, PrefixEntry } from "./lib/publicAddresses.js";
import { aksClusterOf, egressMode, mcGroupIdOf, targetLabel } from "./lib/target.js";

/** `mc-group-public-ip`: every public address of the MC group (and every node public IP) is explained by the egress mode. */
export const mcGroupPublicIp: Check = {
  meta: {
    id: "mc-group-public-ip",
    title: "No unexplained public IP, public IP prefix or node public IP in the AKS node (MC) resource group",
    defaultSeverity: "high",
    risk:
      "A public address the egress mode does not explain is a path to or from the internet that bypasses the firewall: " +
      "a node with its own public IP (enableNodePublicIP), a stray public IP prefix or load balancer frontend can send data out uninspected.",
    remediation:
      "Find what the address is attached to (az network public-ip show --ids <publicIpId> --query ipConfiguration.id; " +
      "az network public-ip prefix show --ids <prefixId> --query \"{natGateway: natGateway.id, ips: publicIPAddresses[].id}\"); " +
      "remove the Kubernetes Service of type LoadBalancer or the NIC ip-config that uses it " +
      "(az network nic ip-config update -g <mcGroup> --nic-name <nic> -n <ipconfig> --remove publicIpAddress), " +
      "then delete it (az network public-ip delete --ids <publicIpId>; az network public-ip prefix delete --ids <prefixId>). " +
      "Node public IPs (an agent pool with enableNodePublicIP, its nodePublicIPPrefixID prefix, the instance-level IPs under " +
      "its scale set) cannot be switched off on an existing node pool: add a new pool without --enable-node-public-ip " +
      "(az aks nodepool add -g <rg> --cluster-name <cluster> -n <newpool> --vnet-subnet-id <subnetId>), move the workloads " +
      "(kubectl cordon / kubectl drain the old nodes), delete the old pool (az aks nodepool delete -g <rg> --cluster-name " +
      "<cluster> -n <oldpool>), then delete the prefix if nothing else uses it. If the address is intended, list its id " +
      "(globs allowed, e.g. .../virtualMachineScaleSets/aks-gaming-*/**) in the baseline's allowedPublicIpIds.",
    requires: ["pools", "clusters", "aksClusters", "mcGroups", "publicIps", "loadBalancers", "publicIpPrefixes", "scaleSets", "natGateways", "subnets"],
    parameters: [],
  },
  evaluate(ctx: CheckContext): CheckResult[] {
    const { snapshot, target } = ctx;
    const mcId = mcGroupIdOf(snapshot, target);
    if (!mcId.ok) {
      return [
        unknownResult(
          target.id,
          `The MC group of ${targetLabel(target)} could not be derived, so its public IPs could not be listed.`,
          mcId.error,
          { expected: "no unexplained public IP", evidence: { targetId: target.id } },
        ),
      ];
    }
    const contents = resolve(snapshot.mcGroups, mcId.value, `MC group ${mcId.value}`);
    if (!contents.ok) {
      return [
        unknownResult(
          mcId.value,
          `The public IPs of MC group ${nameOf(mcId.value)} of ${targetLabel(target)} could not be read.`,
          errorOf(contents, mcId.value),
          { expected: "no unexplained public IP", evidence: { targetId: target.id, mcGroupId: mcId.value } },
        ),
      ];
    }
    const group = contents.value;
    const mode = egressMode(snapshot, target);
    const aks = aksClusterOf(snapshot, target);
    const inventory = publicAddressInventory(snapshot, group, aks);
    const pipIds = dedupeIds(group.publicIpIds);
    const context = {
      ...(inventory.nodePublicIpPools.length > 0 ? { nodePublicIpPools: inventory.nodePublicIpPools } : {}),
      ...(inventory.notes.length > 0 ? { notCollected: inventory.notes } : {}),
    };
    if (pipIds.length === 0 && inventory.prefixes.length === 0 && inventory.instanceIps.length === 0 && inventory.gaps.length === 0) {
      const beyond = group.publicIpPrefixIds !== undefined || group.scaleSetIds !== undefined;
      return [
        {
          status: "pass",
          resourceId: group.id,
          message: `MC group ${nameOf(group.id)} of ${targetLabel(target)} holds no public IP${beyond ? ", no public IP prefix and no node public IP" : ""}.`,
          expected: "no unexplained public IP",
          actual: beyond ? "no public IP, no public IP prefix, no node public IP" : "no public IP",
          evidence: {
            targetId: target.id,
            mcGroupId: group.id,
            publicIpIds: [],
            ...(group.publicIpPrefixIds !== undefined ? { publicIpPrefixIds: [] } : {}),
            ...(group.scaleSetIds !== undefined ? { scaleSetIds: group.scaleSetIds, instancePublicIpsReadOn: inventory.scaleSetsRead } : {}),
            ...context,
            ...mode.evidence,
          },
        },
      ];
    }
    const env = addressEnvironment(ctx, group, pipIds, mode, aks);
    return [
      ...pipIds.map((pipId) => judgePublicIp(env, pipId, context)),
      ...inventory.prefixes.map((entry) => judgePrefix(env, entry, context)),
      ...inventory.instanceIps.map((entry) => judgeInstanceIp(env, entry, context)),
      ...inventory.gaps.map((gap) => gapResult(env, gap)),
    ];
  },
};

function describeAttachment(a: PublicIpAttachment | undefined): string {
  if (a === undefined) return "nothing";
  switch (a.kind) {
    case "loadBalancerFrontend":
      return `LB frontend ${nameOf(a.id)} of ${nameOf(a.resourceId)}`;
    case "networkInterface":
      return `NIC ${nameOf(a.resourceId)}`;
    case "firewall":
      return `firewall ${nameOf(a.resourceId)}`;
    case "natGateway":
      return `NAT gateway ${nameOf(a.resourceId)}`;
    default:
      return `${nameOf(a.resourceId)}`;
  }
}

/** The designs under which no public address is expected at all, and how to say so. */
interface NothingExpected {
  expected: string;
  /** `of <this> <target>` in a message. */
  modeLabel: string;
  /** Why it fails, after the semicolon. */
  tail: string;
  decidedBy: string;
}

function nothingExpected(env: AddressEnvironment): NothingExpected | undefined {
  const mode = env.mode;
  if (!mode.ok) return undefined;
  switch (env.design) {
    case "udr":
      return {
        expected: "no public IP (userDefinedRouting)",
        modeLabel: "userDefinedRouting",
        tail: "a UDR target should have no public IP",
        decidedBy: "userDefinedRouting: no public IP expected",
      };
    case "isolated":
      return {
        expected: `no public address (${mode.mode}: network isolated)`,
        modeLabel: `network-isolated (outbound type ${mode.mode})`,
        tail: "a network-isolated target should have no public address",
        decidedBy: `outbound type ${mode.mode} (network isolated): no public address expected`,
      };
    case "other":
      return {
        expected: `no public address (outbound type ${mode.mode} is no known egress design)`,
        modeLabel: `outbound type ${mode.mode}`,
        tail: `${mode.mode} is not an egress design this version knows, so it explains no public address`,
        decidedBy: `outbound type ${mode.mode}: no known egress design explains a public address`,
      };
    default:
      return undefined;
  }
}

/** What a design expects of an address, for `expected`. */
function expectedOf(env: AddressEnvironment, what: "IP" | "prefix"): string {
  const none = nothingExpected(env);
  if (none !== undefined) return none.expected;
  if (env.design === "natGateway") return what === "IP" ? "NAT gateway outbound IP or ingress IP" : "NAT gateway outbound prefix";
  return what === "IP" ? "AKS outbound or ingress IP" : "AKS outbound prefix";
}

function allowedBy(env: AddressEnvironment, id: string): string | undefined {
  return (env.ctx.baseline.rules.allowedPublicIpIds ?? []).find((glob) => idMatches(glob, id));
}

/** Pass, unknown or fail from an explanation, once the mode-independent rules did not decide. */
function fromExplanation(
  env: AddressEnvironment,
  id: string,
  explanation: Explanation,
  text: { label: string; attached: string; expected: string; unexplained: string },
  evidence: Record<string, unknown>,
): CheckResult {
  const { target } = env.ctx;
  const mode = env.mode;
  const withRef = {
    ...evidence,
    ...(explanation.reference !== undefined ? { reference: explanation.reference } : {}),
    ...(explanation.note !== undefined ? { note: explanation.note } : {}),
  };
  if (explanation.explainedBy !== undefined) {
    if (mode.ok) {
      return {
        status: "pass",
        resourceId: id,
        item: id,
        message: `${text.label} is the ${explanation.explainedBy} of ${targetLabel(target)} (${mode.mode}).`,
        expected: text.expected,
        actual: `${explanation.explainedBy}, attached to ${text.attached}`,
        evidence: { ...withRef, explainedBy: explanation.explainedBy },
      };
    }
    // Explained for loadBalancer or NAT egress, a failure for userDefinedRouting: the mode decides.
    return unknownResult(
      id,
      `${text.label} is the ${explanation.explainedBy} of ${targetLabel(target)}, but the egress mode that decides whether it is expected could not be read.`,
      mode.error,
      { item: id, expected: "an outbound or ingress address of the egress design (none for userDefinedRouting)", evidence: { ...withRef, explainedBy: explanation.explainedBy } },
    );
  }
  const [first] = explanation.errors;
  if (first !== undefined) {
    return unknownResult(id, `${text.label} of ${targetLabel(target)} could not be explained because a read failed.`, first, {
      item: id,
      expected: text.expected,
      evidence: { ...withRef, readErrors: explanation.errors },
    });
  }
  // Unexplained with every read in hand: a failure whatever the egress mode (UDR would fail it too).
  return {
    status: "fail",
    resourceId: id,
    item: id,
    message: `${text.label} of ${targetLabel(target)}${mode.ok ? ` (${mode.mode})` : ""} is attached to ${text.attached} and ${text.unexplained}.`,
    expected: text.expected,
    actual: `unexplained, attached to ${text.attached}`,
    evidence: { ...withRef, decidedBy: text.unexplained },
  };
}

function judgePublicIp(env: AddressEnvironment, pipId: string, context: Record<string, unknown>): CheckResult {
  const { snapshot, target } = env.ctx;
  const pipPart = resolve(snapshot.publicIps, pipId, `public IP ${pipId}`);
  const pip = pipPart.ok ? pipPart.value : undefined;
  const pipError = pipPart.ok ? undefined : errorOf(pipPart, pipId);
  const attached = pipPart.ok ? describeAttachment(pip?.attachedTo) : "unknown (public IP not readable)";
  const address = pip?.ipAddress !== undefined ? `${pip.ipAddress} ` : "";
  const label = `Public IP ${nameOf(pipId)}${pip?.ipAddress !== undefined ? ` (${pip.ipAddress})` : ""}`;
  const inGroup = `${label} in MC group ${nameOf(env.mcGroupId)}`;
  const evidence: Record<string, unknown> = {
    targetId: target.id,
    mcGroupId: env.mcGroupId,
    addressKind: "publicIPAddress",
    publicIpId: pipId,
    ipAddress: pip?.ipAddress ?? null,
    attachedTo: pipPart.ok ? (pip?.attachedTo ?? "nothing") : { readError: pipError },
    ...context,
    ...env.mode.evidence,
  };
  const base = { resourceId: pipId, item: pipId };
  const expected = expectedOf(env, "IP");

  const allowed = allowedBy(env, pipId);
  if (allowed !== undefined) {
    return {
      ...base,
      status: "pass",
      message: `${inGroup} is allowed by the baseline.`,
      expected,
      actual: `baseline-allowed, attached to ${attached}`,
      evidence: { ...evidence, explainedBy: "baseline allowedPublicIpIds", allowedBy: allowed },
    };
  }
  const none = nothingExpected(env);
  if (none !== undefined) {
    return {
      ...base,
      status: "fail",
      message: `${inGroup} of ${none.modeLabel} ${targetLabel(target)} is attached to ${attached}; ${none.tail}.`,
      expected,
      actual: `public IP ${address}on ${attached}`,
      evidence: { ...evidence, decidedBy: none.decidedBy },
    };
  }
  const unexplained =
    env.design === "natGateway"
      ? "is neither a NAT gateway outbound IP of the cluster nor a cluster ingress IP"
      : "is neither an AKS outbound IP nor a cluster ingress IP";
  return fromExplanation(env, pipId, explainPublicIp(env, pipId, pip, pipError), { label: inGroup, attached, expected, unexplained }, evidence);
}

function judgePrefix(env: AddressEnvironment, entry: PrefixEntry, context: Record<string, unknown>): CheckResult {
  const { target } = env.ctx;
  const id = entry.id;
  const prefix = entry.part.ok ? entry.part.value : undefined;
  const prefixError = entry.part.ok ? undefined : entry.part.error;
  const label = `Public IP prefix ${nameOf(id)}${prefix?.ipPrefix !== undefined ? ` (${prefix.ipPrefix})` : ""}`;
  const where = entry.inMcGroup ? `${label} in MC group ${nameOf(env.mcGroupId)}` : `${label} (outside the MC group)`;
  const attachedParts = [
    ...(entry.nodePools.length > 0 ? [`node public IPs of agent pool ${entry.nodePools.join(", ")}`] : []),
    ...(prefix?.natGatewayId !== undefined ? [`NAT gateway ${nameOf(prefix.natGatewayId)}`] : []),
    ...(prefix !== undefined && prefix.publicIpIds.length > 0 ? [`${prefix.publicIpIds.length} public IP(s) allocated from it`] : []),
  ];
  const attached = attachedParts.length > 0 ? attachedParts.join("; ") : prefix !== undefined ? "nothing" : "unknown (prefix not readable)";
  const evidence: Record<string, unknown> = {
    targetId: target.id,
    mcGroupId: env.mcGroupId,
    addressKind: "publicIPPrefix",
    publicIpPrefixId: id,
    ipPrefix: prefix?.ipPrefix ?? null,
    inMcGroup: entry.inMcGroup,
    ...(entry.nodePools.length > 0 ? { nodePublicIpPrefixOf: entry.nodePools } : {}),
    natGatewayId: prefix?.natGatewayId ?? null,
    ...(prefix !== undefined ? { allocatedPublicIpIds: prefix.publicIpIds } : { prefixRead: `failed (${prefixError?.code ?? "NotCollected"})` }),
    ...context,
    ...env.mode.evidence,
  };
  const base = { resourceId: id, item: id };
  const expected = entry.nodePools.length > 0 ? "no node public IP prefix" : expectedOf(env, "prefix");
  const allowed = allowedBy(env, id);
  if (allowed !== undefined) {
    return {
      ...base,
      status: "pass",
      message: `${where} is allowed by the baseline.`,
      expected,
      actual: `baseline-allowed, attached to ${attached}`,
      evidence: { ...evidence, explainedBy: "baseline allowedPublicIpIds", allowedBy: allowed },
    };
  }
  if (entry.nodePools.length > 0) {
    const mode = env.mode.ok ? env.mode.mode : "egress mode not read";
    return {
      ...base,
      status: "fail",
      message:
        `${where} is the nodePublicIPPrefixID of agent pool ${entry.nodePools.join(", ")} (enableNodePublicIP) of ` +
        `${targetLabel(target)}: node public IPs are never explained by an egress design (${mode}).`,
      expected,
      actual: `node public IP prefix of agent pool ${entry.nodePools.join(", ")}`,
      evidence: {
        ...evidence,
        ...(prefixError !== undefined ? { prefixReadError: prefixError } : {}),
        decidedBy: "agentPoolProfiles[].enableNodePublicIP with nodePublicIPPrefixID: node public IPs are never explained",
      },
    };
  }
  const none = nothingExpected(env);
  if (none !== undefined) {
    return {
      ...base,
      status: "fail",
      message: `${where} of ${none.modeLabel} ${targetLabel(target)} is attached to ${attached}; ${none.tail}.`,
      expected,
      actual: `public IP prefix ${prefix?.ipPrefix !== undefined ? `${prefix.ipPrefix} ` : ""}on ${attached}`,
      evidence: { ...evidence, ...(prefixError !== undefined ? { prefixReadError: prefixError } : {}), decidedBy: none.decidedBy },
    };
  }
  const unexplained =
    env.design === "natGateway"
      ? "is not an outbound prefix of the cluster's NAT gateway"
      : "is not an outbound address of the cluster's load balancer egress";
  return fromExplanation(env, id, explainPrefix(env, id, prefix, prefixError), { label: where, attached, expected, unexplained }, evidence);
}

function judgeInstanceIp(env: AddressEnvironment, entry: InstanceIpEntry, context: Record<string, unknown>): CheckResult {
  const { target } = env.ctx;
  const { ip, scaleSet } = entry;
  const where = instanceOf(ip);
  const attached = `scale set ${scaleSet.name}${where.instance !== undefined ? ` instance ${where.instance}` : ""}${where.nic !== undefined ? ` NIC ${where.nic}` : ""}`;
  const pool = entry.agentPool !== undefined ? ` (agent pool ${entry.agentPool})` : "";
  const label = `Instance-level public IP ${ip.name}${ip.ipAddress !== undefined ? ` (${ip.ipAddress})` : ""} on ${attached}${pool}`;
  const mode = env.mode.ok ? env.mode.mode : "egress mode not read";
  const evidence: Record<string, unknown> = {
    targetId: target.id,
    mcGroupId: env.mcGroupId,
    addressKind: "instancePublicIP",
    instancePublicIpId: ip.id,
    ipAddress: ip.ipAddress ?? null,
    scaleSetId: scaleSet.id,
    agentPool: entry.agentPool ?? null,
    ipConfigurationId: ip.ipConfigurationId ?? null,
    instancePublicIpConfigured: scaleSet.instancePublicIpConfigured,
    ...context,
    ...env.mode.evidence,
  };
  const base = { resourceId: ip.id, item: ip.id };
  const allowed = allowedBy(env, ip.id);
  if (allowed !== undefined) {
    return {
      ...base,
      status: "pass",
      message: `${label} of ${targetLabel(target)} is allowed by the baseline.`,
      expected: "no node public IP",
      actual: `baseline-allowed node public IP on ${attached}`,
      evidence: { ...evidence, explainedBy: "baseline allowedPublicIpIds", allowedBy: allowed },
    };
  }
  return {
    ...base,
    status: "fail",
    message: `${label} of ${targetLabel(target)} is a node public IP: no egress design explains it (${mode}).`,
    expected: "no node public IP",
    actual: `node public IP ${ip.ipAddress !== undefined ? `${ip.ipAddress} ` : ""}on ${attached}`,
    evidence: { ...evidence, decidedBy: "instance-level public IP of a node scale set: node public IPs are never explained by an egress design" },
  };
}

function gapResult(env: AddressEnvironment, gap: AddressGap): CheckResult {
  const { target } = env.ctx;
  return unknownResult(gap.resourceId, `${gap.message.replace(/\.$/, "")} (${targetLabel(target)}).`, gap.error, {
    item: gap.item,
    expected: "no unexplained public address",
    evidence: { targetId: target.id, ...gap.evidence, ...env.mode.evidence },
  });
}
