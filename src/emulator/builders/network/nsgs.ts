/**
 * Network security groups and their rules in the shape of `NetworkSecurityGroupGet.json`
 * (shared/reference/arm-examples/Microsoft.Network/2024-05-01/).
 */
import type { EstateResource } from "../../estate.js";
import { given, ifExample, netId, refs, type BodyStyle, type Tags } from "../ids.js";

/** A security rule. */
export interface SecurityRuleSpec {
  name: string;
  description?: string;
  /** Default `Tcp`. */
  protocol?: string;
  /** One port or range; or use `destinationPortRanges`. */
  destinationPortRange?: string;
  destinationPortRanges?: string[];
  sourceAddressPrefix: string;
  destinationAddressPrefix: string;
  /** Default `Allow`. */
  access?: "Allow" | "Deny";
  priority: number;
  /** Default `Inbound`. */
  direction?: "Inbound" | "Outbound";
}

/** A custom security rule as its NSG embeds it (`securityRules` of `NetworkSecurityGroupGet.json`). Lean: no etag, type or state. */
export function securityRule(style: BodyStyle, nsgId: string, rule: SecurityRuleSpec): Record<string, unknown> {
  return {
    name: rule.name,
    id: `${nsgId}/securityRules/${rule.name}`,
    ...ifExample(style, (ids) => ({ etag: ids.netEtag(`${nsgId}/${rule.name}`), type: "Microsoft.Network/networkSecurityGroups/securityRules" })),
    properties: {
      ...ifExample(style, () => ({ provisioningState: "Succeeded" })),
      ...given("description", rule.description),
      protocol: rule.protocol ?? "Tcp",
      sourcePortRange: "*",
      ...(rule.destinationPortRanges ? { destinationPortRanges: rule.destinationPortRanges } : given("destinationPortRange", rule.destinationPortRange)),
      sourceAddressPrefix: rule.sourceAddressPrefix,
      destinationAddressPrefix: rule.destinationAddressPrefix,
      access: rule.access ?? "Allow",
      priority: rule.priority,
      direction: rule.direction ?? "Inbound",
    },
  };
}

/** The six default rules every NSG carries, as `NetworkSecurityGroupGet.json` lists them. */
export function defaultSecurityRules(ids: { netEtag(seed: string): string }, nsgId: string): Record<string, unknown>[] {
  const rule = (name: string, description: string, source: string, destination: string, access: string, priority: number, direction: string) => ({
    name,
    id: `${nsgId}/defaultSecurityRules/${name}`,
    etag: ids.netEtag(`${nsgId}/${name}`),
    type: "Microsoft.Network/networkSecurityGroups/defaultSecurityRules",
    properties: {
      provisioningState: "Succeeded",
      description,
      protocol: "*",
      sourcePortRange: "*",
      destinationPortRange: "*",
      sourceAddressPrefix: source,
      sourceAddressPrefixes: [],
      destinationAddressPrefix: destination,
      destinationAddressPrefixes: [],
      access,
      priority,
      direction,
    },
  });
  return [
    rule("AllowVnetInBound", "Allow inbound traffic from all VMs in VNET", "VirtualNetwork", "VirtualNetwork", "Allow", 65000, "Inbound"),
    rule("AllowAzureLoadBalancerInBound", "Allow inbound traffic from azure load balancer", "AzureLoadBalancer", "*", "Allow", 65001, "Inbound"),
    rule("DenyAllInBound", "Deny all inbound traffic", "*", "*", "Deny", 65500, "Inbound"),
    rule("AllowVnetOutBound", "Allow outbound traffic from all VMs to all VMs in VNET", "VirtualNetwork", "VirtualNetwork", "Allow", 65000, "Outbound"),
    rule("AllowInternetOutBound", "Allow outbound traffic from all VMs to Internet", "*", "Internet", "Allow", 65001, "Outbound"),
    rule("DenyAllOutBound", "Deny all outbound traffic", "*", "*", "Deny", 65500, "Outbound"),
  ];
}

/** What {@link networkSecurityGroup} builds. */
export interface NetworkSecurityGroupSpec {
  sub: string;
  rg: string;
  name: string;
  location: string;
  /** Default none. */
  rules?: SecurityRuleSpec[];
  /** The subnets the NSG is associated with (read-only back-references). */
  subnetIds?: string[];
  tags?: Tags;
}

/**
 * A network security group (`NetworkSecurityGroupGet.json`). Example bodies add the six default
 * rules. Lean: the custom rules (possibly none), and subnets when given.
 */
export function networkSecurityGroup(style: BodyStyle, spec: NetworkSecurityGroupSpec): EstateResource {
  const id = netId(spec.sub, spec.rg, "networkSecurityGroups", spec.name);
  return {
    name: spec.name,
    id,
    ...ifExample(style, (ids) => ({ etag: ids.netEtag(id) })),
    type: "Microsoft.Network/networkSecurityGroups",
    location: spec.location,
    ...given("tags", spec.tags),
    properties: {
      provisioningState: "Succeeded",
      ...ifExample(style, (ids) => ({ resourceGuid: ids.guid(`rguid/${id}`) })),
      securityRules: (spec.rules ?? []).map((r) => securityRule(style, id, r)),
      ...ifExample(style, (ids) => ({ defaultSecurityRules: defaultSecurityRules(ids, id) })),
      ...(spec.subnetIds?.length ? { subnets: refs(spec.subnetIds) } : {}),
    },
  };
}
