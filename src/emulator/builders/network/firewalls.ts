/**
 * Azure Firewalls, firewall policies, their rule collection groups and rules, and IP groups, in
 * the shapes of `AzureFirewallGet.json`, `FirewallPolicyGet.json`,
 * `FirewallPolicyRuleCollectionGroupGet.json` and `IpGroupsGet.json`
 * (shared/reference/arm-examples/Microsoft.Network/).
 */
import type { EstateResource } from "../../estate.js";
import { given, ifExample, lastSegment, netId, refs, type BodyStyle, type Tags } from "../ids.js";

/**
 * The FQDNs every HDInsight on AKS cluster pool needs (Https 443; shared/reference
 * hdinsight-aks-network.md §3.1), as the demo and benchmark firewalls allow them.
 */
export const HDI_COMMON_FQDNS: readonly string[] = [
  "hiloprodrpacr00.azurecr.io",
  "*.blob.core.windows.net",
  "graph.microsoft.com",
  "*.servicebus.windows.net",
  "*.table.core.windows.net",
  "gcs.prod.monitoring.core.windows.net",
];

/** What {@link azureFirewall} builds. */
export interface AzureFirewallSpec {
  sub: string;
  rg: string;
  name: string;
  location: string;
  privateIp: string;
  /** The `AzureFirewallSubnet` of the hub VNet. */
  subnetId: string;
  /** Default `<firewall id>/azureFirewallIpConfigurations/ipconfig1` (as in `AzureFirewallGet.json`). */
  ipConfigurationId?: string;
  publicIpId?: string;
  /** The firewall policy that runs it (none: classic rules, of which this builder writes none). */
  policyId?: string;
  /** Default `Succeeded`. */
  provisioningState?: string;
  /** Example bodies: default zone-redundant (`["1", "2", "3"]`). */
  zones?: string[];
  /**
   * Classic DNS proxy (a firewall without a policy): `additionalProperties["Network.DNS.EnableProxy"]`
   * as the string `"true"` / `"false"`. Not given: no such key (`AzureFirewallGet.json` has
   * `additionalProperties: {}`), which is off.
   */
  classicDnsProxy?: boolean;
  tags?: Tags;
}

/**
 * An Azure Firewall (AZFW_VNet, Standard) with one IP configuration (`AzureFirewallGet.json`),
 * run by a policy; example bodies carry empty classic rule collections. Lean: provisioning state,
 * SKU, the IP configuration's private address, subnet and public IP, the policy, and the classic
 * DNS proxy setting when given.
 */
export function azureFirewall(style: BodyStyle, spec: AzureFirewallSpec): EstateResource {
  const id = netId(spec.sub, spec.rg, "azureFirewalls", spec.name);
  const ipConfigId = spec.ipConfigurationId ?? `${id}/azureFirewallIpConfigurations/ipconfig1`;
  const example = style.detail === "example";
  return {
    name: spec.name,
    id,
    type: "Microsoft.Network/azureFirewalls",
    ...ifExample(style, (ids) => ({ etag: ids.netEtag(id) })),
    location: spec.location,
    ...(example ? { zones: spec.zones ?? ["1", "2", "3"] } : given("zones", spec.zones)),
    ...given("tags", spec.tags),
    properties: {
      provisioningState: spec.provisioningState ?? "Succeeded",
      sku: { name: "AZFW_VNet", tier: "Standard" },
      ...ifExample(style, () => ({ threatIntelMode: "Alert" })),
      ipConfigurations: [
        {
          name: lastSegment(ipConfigId),
          id: ipConfigId,
          ...ifExample(style, (ids) => ({ etag: ids.netEtag(ipConfigId) })),
          properties: {
            ...ifExample(style, () => ({ provisioningState: "Succeeded" })),
            privateIPAddress: spec.privateIp,
            subnet: { id: spec.subnetId },
            ...(spec.publicIpId ? { publicIPAddress: { id: spec.publicIpId } } : {}),
          },
        },
      ],
      ...ifExample(style, () => ({ applicationRuleCollections: [], natRuleCollections: [], networkRuleCollections: [] })),
      ...(spec.policyId ? { firewallPolicy: { id: spec.policyId } } : {}),
      ...ifExample(style, () => ({ ipGroups: [] })),
      ...(example || spec.classicDnsProxy !== undefined
        ? { additionalProperties: spec.classicDnsProxy !== undefined ? { "Network.DNS.EnableProxy": String(spec.classicDnsProxy) } : {} }
        : {}),
    },
  };
}

/** What {@link hubFirewall} builds. */
export interface HubFirewallSpec {
  sub: string;
  rg: string;
  name: string;
  location: string;
  /** The Virtual WAN hub it secures (`virtualHub.id`). */
  hubId: string;
  /** `hubIPAddresses.privateIPAddress`: the hub-side next hop of routing intent and hub routes. */
  privateIp: string;
  /** `hubIPAddresses.publicIPs.addresses[].address`. */
  publicIpAddresses: string[];
  policyId: string;
  /** Default `Succeeded`. */
  provisioningState?: string;
  tags?: Tags;
}

/**
 * An Azure Firewall in a Virtual WAN hub (`AzureFirewallPutInHub.json`): SKU `AZFW_Hub`, no IP
 * configurations (its addresses are `hubIPAddresses`), run by a policy. Lean: provisioning state,
 * SKU, hub, policy and hub addresses.
 */
export function hubFirewall(style: BodyStyle, spec: HubFirewallSpec): EstateResource {
  const id = netId(spec.sub, spec.rg, "azureFirewalls", spec.name);
  return {
    name: spec.name,
    id,
    type: "Microsoft.Network/azureFirewalls",
    ...ifExample(style, (ids) => ({ etag: ids.netEtag(id) })),
    location: spec.location,
    ...ifExample(style, () => ({ zones: [] })),
    ...given("tags", spec.tags),
    properties: {
      provisioningState: spec.provisioningState ?? "Succeeded",
      sku: { name: "AZFW_Hub", tier: "Standard" },
      ...ifExample(style, () => ({ threatIntelMode: "Alert" })),
      virtualHub: { id: spec.hubId },
      firewallPolicy: { id: spec.policyId },
      hubIPAddresses: {
        publicIPs: { addresses: spec.publicIpAddresses.map((address) => ({ address })), count: spec.publicIpAddresses.length },
        privateIPAddress: spec.privateIp,
      },
      ...ifExample(style, () => ({ additionalProperties: {} })),
    },
  };
}

/** What {@link firewallPolicy} builds. */
export interface FirewallPolicySpec {
  sub: string;
  rg: string;
  name: string;
  location: string;
  ruleCollectionGroupIds: string[];
  /** The firewalls it runs (read-only back-references). */
  firewallIds?: string[];
  /** The parent policy, whose rules are processed first. */
  basePolicyId?: string;
  /** The policies that inherit from it (read-only back-references). */
  childPolicyIds?: string[];
  /** The size ARM reports, e.g. `0.024 MB` (example bodies). */
  size?: string;
  /**
   * `dnsSettings.enableProxy`: default `true` (as in `FirewallPolicyGet.json`); `false` writes it
   * off; `"absent"` leaves `enableProxy` out (how ARM returns a policy whose proxy was never set: off).
   */
  dnsProxy?: boolean | "absent";
  /** `dnsSettings.servers`: the DNS servers the firewall forwards to; example bodies default `[]` (Azure DNS). */
  dnsServers?: string[];
  tags?: Tags;
}

/**
 * A Standard firewall policy, by default with DNS proxy on (`FirewallPolicyGet.json`);
 * `basePolicyId` makes it a child policy. Lean: SKU, parent, rule collection groups, DNS settings,
 * and the firewall and child references when given.
 */
export function firewallPolicy(style: BodyStyle, spec: FirewallPolicySpec): EstateResource {
  const id = netId(spec.sub, spec.rg, "firewallPolicies", spec.name);
  const example = style.detail === "example";
  return {
    name: spec.name,
    id,
    type: "Microsoft.Network/firewallPolicies",
    ...ifExample(style, (ids) => ({ etag: ids.netEtag(id) })),
    location: spec.location,
    ...given("tags", spec.tags),
    properties: {
      ...given("size", spec.size),
      provisioningState: "Succeeded",
      sku: { tier: "Standard" },
      ...(spec.basePolicyId ? { basePolicy: { id: spec.basePolicyId } } : {}),
      ...ifExample(style, () => ({ threatIntelMode: "Alert", threatIntelWhitelist: { ipAddresses: [], fqdns: [] } })),
      ruleCollectionGroups: refs(spec.ruleCollectionGroupIds),
      ...(example || spec.firewallIds ? { firewalls: refs(spec.firewallIds ?? []) } : {}),
      ...(example || spec.childPolicyIds ? { childPolicies: refs(spec.childPolicyIds ?? []) } : {}),
      ...ifExample(style, () => ({ snat: { privateRanges: ["IANAPrivateRanges"] } })),
      dnsSettings: {
        ...(example || spec.dnsServers ? { servers: spec.dnsServers ?? [] } : {}),
        ...(spec.dnsProxy === "absent" ? {} : { enableProxy: spec.dnsProxy ?? true }),
      },
    },
  };
}

/** A rule of a filter rule collection (built with {@link networkRule} or {@link applicationRule}). */
export type FirewallRuleBody = Record<string, unknown> & { ruleType: "NetworkRule" | "ApplicationRule"; name: string };

/** What {@link ruleCollectionGroup} builds. */
export interface RuleCollectionGroupSpec {
  policyId: string;
  name: string;
  priority: number;
  /** Built with {@link filterRuleCollection}. */
  ruleCollections: Record<string, unknown>[];
  /** Example bodies: default `0.012 MB`. */
  size?: string;
}

/**
 * A rule collection group of a firewall policy (`FirewallPolicyRuleCollectionGroupGet.json`), a
 * resource of its own under the policy. Lean: priority and rule collections.
 */
export function ruleCollectionGroup(style: BodyStyle, spec: RuleCollectionGroupSpec): EstateResource {
  const id = `${spec.policyId}/ruleCollectionGroups/${spec.name}`;
  return {
    name: spec.name,
    id,
    type: "Microsoft.Network/firewallPolicies/ruleCollectionGroups",
    ...ifExample(style, (ids) => ({ etag: ids.netEtag(id) })),
    properties: {
      ...ifExample(style, () => ({ size: spec.size ?? "0.012 MB" })),
      provisioningState: "Succeeded",
      priority: spec.priority,
      ruleCollections: spec.ruleCollections,
    },
  };
}

/** A filter rule collection (`FirewallPolicyFilterRuleCollection`) that allows or denies its rules. */
export function filterRuleCollection(name: string, priority: number, action: "Allow" | "Deny", rules: FirewallRuleBody[]): Record<string, unknown> {
  return { ruleCollectionType: "FirewallPolicyFilterRuleCollection", name, priority, action: { type: action }, rules };
}

/** What {@link networkRule} builds. */
export interface NetworkRuleSpec {
  name: string;
  description?: string;
  /** `TCP`, `UDP`, `ICMP` or `Any`. */
  ipProtocols: string[];
  sourceAddresses: string[];
  sourceIpGroups?: string[];
  /** Addresses, prefixes or service tags. */
  destinationAddresses?: string[];
  destinationIpGroups?: string[];
  destinationFqdns?: string[];
  destinationPorts: string[];
}

/**
 * A network rule (`FirewallPolicyRuleCollectionGroupGet.json`). Example bodies write every list
 * (empty where not given); lean bodies the lists given.
 */
export function networkRule(style: BodyStyle, spec: NetworkRuleSpec): FirewallRuleBody {
  const list = (key: string, value: string[] | undefined) => (style.detail === "example" ? { [key]: value ?? [] } : given(key, value));
  return {
    ruleType: "NetworkRule",
    name: spec.name,
    ...given("description", spec.description),
    ipProtocols: spec.ipProtocols,
    sourceAddresses: spec.sourceAddresses,
    ...list("sourceIpGroups", spec.sourceIpGroups),
    ...list("destinationAddresses", spec.destinationAddresses),
    ...list("destinationIpGroups", spec.destinationIpGroups),
    ...list("destinationFqdns", spec.destinationFqdns),
    destinationPorts: spec.destinationPorts,
  };
}

/** An application rule protocol: `Http`, `Https` or `Mssql` and a port. */
export interface AppRuleProtocol {
  protocolType: string;
  port: number;
}

/** What {@link applicationRule} builds. */
export interface ApplicationRuleSpec {
  name: string;
  description?: string;
  protocols: AppRuleProtocol[];
  sourceAddresses: string[];
  sourceIpGroups?: string[];
  targetFqdns?: string[];
  fqdnTags?: string[];
}

/**
 * An application rule (`FirewallPolicyRuleCollectionGroupGet.json`). Lean: protocols, sources,
 * target FQDNs and FQDN tags (both always, empty where not given).
 */
export function applicationRule(style: BodyStyle, spec: ApplicationRuleSpec): FirewallRuleBody {
  return {
    ruleType: "ApplicationRule",
    name: spec.name,
    ...given("description", spec.description),
    protocols: spec.protocols,
    sourceAddresses: spec.sourceAddresses,
    ...(style.detail === "example" ? { sourceIpGroups: spec.sourceIpGroups ?? [] } : given("sourceIpGroups", spec.sourceIpGroups)),
    targetFqdns: spec.targetFqdns ?? [],
    ...ifExample(style, () => ({ targetUrls: [] })),
    fqdnTags: spec.fqdnTags ?? [],
    ...ifExample(style, () => ({ webCategories: [], destinationAddresses: [], terminateTLS: false, httpHeadersToInsert: [] })),
  };
}

/** What {@link ipGroup} builds. */
export interface IpGroupSpec {
  sub: string;
  rg: string;
  name: string;
  location: string;
  ipAddresses: string[];
  /** The firewalls and policies that use it (read-only back-references). */
  firewallIds?: string[];
  firewallPolicyIds?: string[];
  tags?: Tags;
}

/** An IP group (`IpGroupsGet.json`). Lean: the addresses, and the references when given. */
export function ipGroup(style: BodyStyle, spec: IpGroupSpec): EstateResource {
  const id = netId(spec.sub, spec.rg, "ipGroups", spec.name);
  const example = style.detail === "example";
  return {
    name: spec.name,
    type: "Microsoft.Network/ipGroups",
    ...ifExample(style, (ids) => ({ etag: ids.netEtag(id) })),
    id,
    location: spec.location,
    ...given("tags", spec.tags),
    properties: {
      ...(example || spec.firewallPolicyIds ? { firewallPolicies: refs(spec.firewallPolicyIds ?? []) } : {}),
      ...(example || spec.firewallIds ? { firewalls: refs(spec.firewallIds ?? []) } : {}),
      ipAddresses: spec.ipAddresses,
      provisioningState: "Succeeded",
    },
  };
}
