/**
 * Azure Firewall rules in the snapshot: application and network rules, rule collections and rule
 * collection groups of a firewall policy (or a classic firewall's collections in the same form),
 * and IP groups. Part of the Snapshot contract (snapshot.ts re-exports every type).
 */
/** An application rule's protocol and port (`Https:443`, `Http:80`, `Mssql:1433`). */
export interface AppProtocol {
  protocolType: string;
  port: number;
}

/** An application rule: FQDNs, FQDN tags and web categories over HTTP(S)/MSSQL. */
export interface ApplicationRule {
  ruleType: "ApplicationRule";
  name: string;
  sourceAddresses: string[];
  sourceIpGroups: string[];
  protocols: AppProtocol[];
  targetFqdns: string[];
  fqdnTags: string[];
  webCategories: string[];
  targetUrls: string[];
}

/** A network rule: addresses, service tags, IP groups or FQDNs, with protocols and ports. */
export interface NetworkRule {
  ruleType: "NetworkRule";
  name: string;
  /** `TCP`, `UDP`, `ICMP`, `Any`. */
  ipProtocols: string[];
  sourceAddresses: string[];
  sourceIpGroups: string[];
  /** Addresses, prefixes, service tags (`AzureCloud.EastUS`) or `*`. */
  destinationAddresses: string[];
  destinationIpGroups: string[];
  destinationFqdns: string[];
  /** Ports and ranges as ARM gives them (`443`, `11000-11999`, `*`). */
  destinationPorts: string[];
}

/** A rule of any other type (NAT), kept so nothing is silently dropped. */
export interface OtherRule {
  ruleType: string;
  name: string;
}

export type FirewallRule = ApplicationRule | NetworkRule | OtherRule;

/** A rule collection (policy filter/NAT collection, or a classic collection). */
export interface RuleCollection {
  name: string;
  priority: number;
  /** `FirewallPolicyFilterRuleCollection`, `FirewallPolicyNatRuleCollection`, or `ClassicApplication` / `ClassicNetwork`. */
  kind: string;
  /** `Allow` or `Deny` (`Dnat` for NAT collections). */
  action: string;
  rules: FirewallRule[];
}

/** A rule collection group of a firewall policy. */
export interface RuleCollectionGroup {
  id: string;
  name: string;
  priority: number;
  ruleCollections: RuleCollection[];
}

/** `Microsoft.Network/firewallPolicies` with its rule collection groups (read as one part). */
export interface FirewallPolicy {
  id: string;
  name: string;
  /** Parent policy whose rules are inherited (evaluated before the child's). */
  basePolicyId?: string;
  ruleCollectionGroups: RuleCollectionGroup[];
  /** `dnsSettings.enableProxy`: FQDNs in network rules work only with it on (absent = off). */
  dnsProxyEnabled?: boolean;
  /** `dnsSettings.servers`: the DNS servers the firewall forwards to (empty = Azure DNS). */
  dnsServers?: string[];
}

/** `Microsoft.Network/ipGroups`. */
export interface IpGroup {
  id: string;
  name: string;
  ipAddresses: string[];
}
