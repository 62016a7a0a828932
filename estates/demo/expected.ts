/**
 * What a scan of the demo estate with no baseline must report (`demo.expected.json`): per target,
 * every `fail` and every `unknown` finding (checkId + resourceId; `item` where one resource
 * carries several). Written from the drift seeded in the estate, not from a scan: a failing test
 * then says whether the estate or the scanner is wrong.
 */
import type { Edge } from "./edge.js";
import type { SubscriptionA } from "./subscriptionA.js";
import type { SubscriptionB } from "./subscriptionB.js";
import type { SubscriptionC } from "./subscriptionC.js";
import { fwPolicyId, fwpWeuId } from "./world.js";

/** A finding the scan must report. */
export interface ExpectedFinding {
  checkId: string;
  resourceId: string;
  item?: string;
}

/** A target's expected kind, status and findings. */
export interface ExpectedTarget {
  kind: "clusterPool" | "aksCluster";
  status: "compliant" | "drifted" | "unknown";
  failing: ExpectedFinding[];
  unknown: ExpectedFinding[];
}

/** The contents of `demo.expected.json`. */
export interface ExpectedFindings {
  targets: Record<string, ExpectedTarget>;
}

const compliant = (kind: ExpectedTarget["kind"]): ExpectedTarget => ({ kind, status: "compliant", failing: [], unknown: [] });
/** The firewall checks: they judge the rules of the firewall a subnet's egress reaches. */
const FIREWALL_CHECKS = ["firewall-required-egress", "firewall-dns-proxy", "firewall-overbroad-allow"];
/** The default route reaches no firewall (or none that can be read): there are no rules to judge. */
const fwNotJudged = (subnetId: string): ExpectedFinding[] => FIREWALL_CHECKS.map((checkId) => ({ checkId, resourceId: subnetId }));

/**
 * A UDR subnet whose egress reaches no firewall: both routing checks fail on it, and the firewall
 * checks have no rules to judge.
 */
const noFirewallPath = (subnetId: string): Pick<ExpectedTarget, "failing" | "unknown"> => ({
  failing: [
    { checkId: "subnet-default-route", resourceId: subnetId },
    { checkId: "default-route-firewall", resourceId: subnetId },
  ],
  unknown: fwNotJudged(subnetId),
});

/** The expected findings, from the ids of the seeded drift. */
export function expectedFindings(a: SubscriptionA, b: SubscriptionB, edge: Edge, c: SubscriptionC): ExpectedFindings {
  const ingestSubnet = a.spokes.ingest.subnetId;
  const reportingSubnet = a.spokes.reporting.subnetId;
  return {
    targets: {
      "pool-finance": compliant("clusterPool"),
      "pool-marketing": {
        kind: "clusterPool",
        status: "drifted",
        failing: [
          { checkId: "mc-group-public-ip", resourceId: a.debugPipId },
          { checkId: "mc-group-public-ip", resourceId: a.marketingUiPipId },
          { checkId: "cluster-private-ingress", resourceId: a.marketingUiPipId },
          // The NSG rule AKS wrote for the public Flink UI service, on the node NICs: Internet to TCP 8081.
          { checkId: "subnet-nsg-inbound", resourceId: a.pools.marketing.nodes.nsgId },
        ],
        unknown: [],
      },
      "pool-ingest": {
        kind: "clusterPool",
        status: "drifted",
        failing: [
          { checkId: "subnet-default-route", resourceId: ingestSubnet },
          { checkId: "default-route-firewall", resourceId: ingestSubnet },
          { checkId: "private-dns-a-record", resourceId: a.staleRecordId },
        ],
        // NoFirewallRoute.
        unknown: fwNotJudged(ingestSubnet),
      },
      "pool-reporting": {
        kind: "clusterPool",
        status: "drifted",
        failing: [
          { checkId: "default-route-firewall", resourceId: reportingSubnet },
          { checkId: "udr-network-contributor", resourceId: a.spokes.reporting.routeTableId! },
          { checkId: "udr-network-contributor", resourceId: a.spokes.reporting.nsgId },
        ],
        // No Azure Firewall at 10.0.1.68 (FirewallNotFound).
        unknown: fwNotJudged(reportingSubnet),
      },
      "pool-restricted": {
        kind: "clusterPool",
        status: "unknown",
        failing: [],
        // Everything that needs the subnet (403 AuthorizationFailed).
        unknown: ["subnet-default-route", "default-route-firewall", ...FIREWALL_CHECKS, "subnet-nsg-inbound", "udr-network-contributor"].map((checkId) => ({
          checkId,
          resourceId: a.spokes.restricted.subnetId,
        })),
      },
      "pool-sandbox": {
        kind: "clusterPool",
        status: "drifted",
        failing: [
          { checkId: "mc-group-public-ip", resourceId: b.leftoverPipId },
          { checkId: "subnet-nsg-inbound", resourceId: b.spokes.sandbox.subnetId },
        ],
        unknown: [],
      },
      "aks-payments": compliant("aksCluster"),
      "aks-web": compliant("aksCluster"),
      "pool-legacy": compliant("clusterPool"),
      "pool-telemetry": {
        kind: "clusterPool",
        status: "drifted",
        failing: [
          { checkId: "firewall-required-egress", resourceId: fwpWeuId, item: "fqdn *.blob.core.windows.net Https:443" },
          { checkId: "firewall-required-egress", resourceId: fwpWeuId, item: "fqdn graph.microsoft.com Https:443" },
          { checkId: "firewall-overbroad-allow", resourceId: fwpWeuId, item: "fwp-weu-egress/rcg-temporary-exceptions/temp-allow/allow-http-any" },
          // DNS proxy is off in the firewall's own policy (the child), so the parent's network rule naming
          // ntp.ubuntu.com matches nothing: the rule fails firewall-dns-proxy, and NTP (the time-sync
          // category of the AKS cluster's dependency list) is missing.
          { checkId: "firewall-dns-proxy", resourceId: fwpWeuId, item: "fwp-weu-base/rcg-platform-aks/aks-control-plane/ntp: DNS proxy" },
          { checkId: "firewall-required-egress", resourceId: fwpWeuId, item: "fqdn ntp.ubuntu.com UDP:123" },
        ],
        unknown: [],
      },
      "pool-ml": {
        kind: "clusterPool",
        status: "drifted",
        failing: [
          { checkId: "pool-outbound-type", resourceId: b.pools.ml.poolId },
          { checkId: "api-server-private", resourceId: b.pools.ml.poolId },
        ],
        unknown: [],
      },
      "aks-edge": {
        kind: "aksCluster",
        status: "drifted",
        failing: [
          // Node public IPs: the prefix in the MC group and each edge node's instance-level public IP.
          { checkId: "mc-group-public-ip", resourceId: edge.prefixId },
          ...edge.instancePublicIpIds.map((resourceId) => ({ checkId: "mc-group-public-ip", resourceId })),
          // SSH from Internet on the NSG of the node NICs (the subnet NSG is clean).
          { checkId: "subnet-nsg-inbound", resourceId: edge.nodeNsgId },
          // Custom DNS servers without the firewall's address, while fw-hub's network rules name FQDNs.
          { checkId: "firewall-dns-proxy", resourceId: edge.spoke.vnetId },
          // The Key Vault Secrets Store CSI driver add-on's endpoint, listed by the cluster, allowed by no rule
          // (the AzureKubernetesService FQDN tag is not credited with add-on endpoints).
          { checkId: "firewall-required-egress", resourceId: fwPolicyId, item: "fqdn vault.azure.net Https:443" },
        ],
        unknown: [],
      },
      "aks-orders": compliant("aksCluster"),
      // The hub connection does not propagate the default route (enableInternetSecurity false).
      "aks-catalog": { kind: "aksCluster", status: "drifted", ...noFirewallPath(c.catalog.spoke.subnetId) },
      "aks-search": compliant("aksCluster"),
      "aks-ledger": compliant("aksCluster"),
      // outboundType none in a subnet with default outbound access: a public egress path.
      "aks-pricing": {
        kind: "aksCluster",
        status: "drifted",
        failing: [{ checkId: "subnet-default-route", resourceId: c.pricing.spoke.subnetId }],
        unknown: [],
      },
      "aks-media": compliant("aksCluster"),
      // No default route, default outbound access on: fail open.
      "aks-checkout": { kind: "aksCluster", status: "drifted", ...noFirewallPath(c.checkout.spoke.subnetId) },
      // The next hop lies in the partner hub of a subscription the scanner cannot read (403).
      "aks-partners": {
        kind: "aksCluster",
        status: "unknown",
        failing: [],
        unknown: ["default-route-firewall", ...FIREWALL_CHECKS].map((checkId) => ({
          checkId,
          resourceId: c.partners.spoke.subnetId,
        })),
      },
    },
  };
}
