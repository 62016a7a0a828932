import type { CheckResult, Check, CheckContext } from "./lib/types.js";
import { capitalise, nameOf } from "./lib/names.js";
import { nicNsgsOf } from "./lib/nicNsgs.js";
import type { NicNsgs } from "./lib/nicNsgs.js";
import { INGRESS_PORTS_PARAM, MIN_SOURCE_PARAM, expectedInbound, ingressLookup, judgeNsgInbound, nsgSettingsOf } from "./lib/nsgInbound.js";
import type { IngressLookup, NsgSettings } from "./lib/nsgInbound.js";
import { errorOf, resolve, unknownResult } from "./lib/parts.js";
import { subnetOf, targetLabel, targetSubnets } from "./lib/target.js";

const LEGACY_NIC_NOTE = "NSGs on node NICs were not collected in this snapshot; only the subnet NSG is judged";
const NIC_NOTE = "the NSGs on the node NICs (scale sets of the MC group) are judged in findings of their own";

/** `subnet-nsg-inbound`: the pool subnet's NSG and the node NICs' NSGs admit nothing from the internet beyond TCP 80/443 to the ingress. */
export const subnetNsgInbound: Check = {
  meta: {
    id: "subnet-nsg-inbound",
    title: "Node subnet and node NIC NSGs admit nothing from the internet beyond TCP 80/443 to the cluster ingress",
    defaultSeverity: "medium",
    risk:
      "An inbound Allow from the internet on other ports (SSH, RDP, Kubernetes node ports) or to addresses other " +
      "than the cluster ingress, on the subnet NSG or on the NSG AKS puts on the node NICs, exposes nodes and services to scanning and attack.",
    remediation:
      "Delete or narrow the rule (az network nsg rule delete -g <rg> --nsg-name <nsg> -n <rule>, or az network nsg rule " +
      "update -g <rg> --nsg-name <nsg> -n <rule> --source-address-prefixes <trusted ranges> --destination-port-ranges 443); " +
      "on the AKS-managed NSG of the node NICs (in the MC group) remove hand-made rules the same way and restrict rules " +
      "AKS writes for Services of type LoadBalancer with the Service's loadBalancerSourceRanges, since AKS rewrites that NSG; " +
      "if an NSG is required and missing, create one and associate it with the pool subnet (az network nsg create -g <rg> " +
      "-n <nsg>; az network vnet subnet update -g <rg> --vnet-name <vnet> -n <subnet> --network-security-group <nsg>).",
    requires: ["pools", "aksClusters", "subnets", "networkSecurityGroups", "mcGroups", "loadBalancers", "publicIps", "scaleSets"],
    parameters: [
      {
        name: MIN_SOURCE_PARAM,
        description:
          "A public (non-RFC 1918) source prefix shorter than this length counts as the internet, like `*`, `Internet` " +
          "and 0.0.0.0/0 (catches 0.0.0.0/1 + 128.0.0.0/1); narrower public prefixes are deliberate exceptions.",
        default: 8,
      },
      {
        name: INGRESS_PORTS_PARAM,
        description: "TCP ports the internet may reach on the cluster ingress addresses (HDInsight on AKS needs 80 and 443).",
        default: [80, 443],
      },
    ],
  },
  evaluate(ctx: CheckContext): CheckResult[] {
    const { snapshot, target } = ctx;
    const settings = nsgSettingsOf(ctx.params);
    const ingress = ingressLookup(ctx);
    const nics = nicNsgsOf(snapshot, target);
    const subnets = targetSubnets(snapshot, target);
    const results: CheckResult[] = [];
    const subnetNsgIds = new Set<string>();
    if (!subnets.ok) {
      results.push(
        unknownResult(
          target.id,
          `The subnet of ${targetLabel(target)} could not be determined, so its NSG could not be checked.`,
          subnets.error,
          { expected: expectedInbound(settings), evidence: { targetId: target.id } },
        ),
      );
    } else {
      // An AKS-managed VNet has no customer subnet: only the NSG on its node NICs is judged.
      for (const subnetId of subnets.value.ids) results.push(...judgeSubnet(ctx, subnetId, settings, ingress, nics, subnetNsgIds));
    }
    // Nothing to judge for a target without a custom subnet whose NIC NSGs this snapshot did not collect.
    results.push(...judgeNicNsgs(ctx, settings, ingress, nics, subnetNsgIds));
    return results;
  },
};

function judgeSubnet(
  ctx: CheckContext,
  subnetId: string,
  settings: NsgSettings,
  ingress: IngressLookup,
  nics: NicNsgs,
  judged: Set<string>,
): CheckResult[] {
  const { snapshot, target, baseline } = ctx;
  const expected = expectedInbound(settings);
  const lower = `subnet ${nameOf(subnetId)} of ${targetLabel(target)}`;
  const evidence: Record<string, unknown> = { targetId: target.id, subnetId };
  const nicNote = nics.notCollected ? LEGACY_NIC_NOTE : NIC_NOTE;

  const subnet = subnetOf(snapshot, subnetId);
  if (!subnet.ok) {
    return [unknownResult(subnetId, `${capitalise(lower)} could not be read, so its NSG could not be checked.`, subnet.error, { expected, evidence })];
  }
  const nsgId = subnet.value.networkSecurityGroupId;
  if (nsgId === undefined || nsgId === "") {
    if (baseline.rules.requireNsg === true) {
      return [
        {
          status: "fail",
          resourceId: subnetId,
          message: `${capitalise(lower)} has no network security group, but the baseline requires one.`,
          expected: "an NSG on the subnet",
          actual: "no NSG",
          evidence: { ...evidence, networkSecurityGroupId: null, decidedBy: "subnet has no networkSecurityGroup; baseline requireNsg" },
        },
      ];
    }
    return [
      {
        status: "pass",
        resourceId: subnetId,
        message: `${capitalise(lower)} has no network security group, which the baseline does not require.`,
        expected,
        actual: "no NSG (not required)",
        evidence: {
          ...evidence,
          networkSecurityGroupId: null,
          note:
            "AKS has no inbound requirement and NSGs cannot lock down FQDN-based egress; set requireNsg in the baseline to require one. " +
            nicNote,
          decidedBy: "subnet has no networkSecurityGroup; baseline does not set requireNsg",
        },
      },
    ];
  }
  judged.add(nsgId.toLowerCase());
  evidence.networkSecurityGroupId = nsgId;
  const nsgPart = resolve(snapshot.networkSecurityGroups, nsgId, `network security group ${nsgId}`);
  if (!nsgPart.ok) {
    return [unknownResult(subnetId, `NSG ${nameOf(nsgId)} of ${lower} could not be read.`, errorOf(nsgPart, nsgId), { expected, evidence })];
  }
  return judgeNsgInbound(nsgPart.value, { resourceId: subnetId, where: lower, evidence, note: nicNote }, settings, ingress);
}

/** One finding per NSG on the node NICs (the NSG is the resource judged), and an unknown per part not read. */
function judgeNicNsgs(ctx: CheckContext, settings: NsgSettings, ingress: IngressLookup, nics: NicNsgs, judged: Set<string>): CheckResult[] {
  const { snapshot, target } = ctx;
  if (nics.notCollected) return [];
  const expected = expectedInbound(settings);
  const results: CheckResult[] = nics.gaps.map((gap) =>
    unknownResult(gap.resourceId, gap.message, gap.error, { item: "nicNetworkSecurityGroups", expected, evidence: gap.evidence }),
  );
  for (const nic of nics.nsgs) {
    const where = `the node NICs (scale set ${nic.scaleSetNames.join(", ")}) of ${targetLabel(target)}`;
    const evidence: Record<string, unknown> = {
      targetId: target.id,
      mcGroupId: nics.mcGroupId ?? null,
      networkSecurityGroupId: nic.id,
      attachedTo: "node NICs (scale set networkInterfaceConfigurations[].networkSecurityGroup)",
      scaleSetIds: nic.scaleSetIds,
    };
    if (judged.has(nic.id.toLowerCase())) continue; // the subnet's own NSG, already judged there
    const nsgPart = resolve(snapshot.networkSecurityGroups, nic.id, `network security group ${nic.id}`);
    if (!nsgPart.ok) {
      results.push(unknownResult(nic.id, `NSG ${nameOf(nic.id)} on ${where} could not be read.`, errorOf(nsgPart, nic.id), { expected, evidence }));
      continue;
    }
    results.push(...judgeNsgInbound(nsgPart.value, { resourceId: nic.id, where, evidence }, settings, ingress));
  }
  return results;
}
