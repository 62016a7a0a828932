/**
 * What a scan of the demo estate with no baseline must report (`demo.expected.json`): per target,
 * every `fail` and every `unknown` finding (checkId + resourceId; `item` where one resource
 * carries several). Written from the drift seeded in the estate, not from a scan: a failing test
 * then says whether the estate or the scanner is wrong.
 */
import type { SubscriptionA } from "./subscriptionA.js";
import type { SubscriptionB } from "./subscriptionB.js";
import { fwpWeuId } from "./world.js";

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
/** The default route reaches no firewall: there are no rules to judge. */
const fwNotJudged = (subnetId: string): ExpectedFinding[] => [
  { checkId: "firewall-required-egress", resourceId: subnetId },
  { checkId: "firewall-overbroad-allow", resourceId: subnetId },
];

/** The expected findings, from the ids of the seeded drift. */
export function expectedFindings(a: SubscriptionA, b: SubscriptionB): ExpectedFindings {
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
        unknown: [
          "subnet-default-route",
          "default-route-firewall",
          "firewall-required-egress",
          "firewall-overbroad-allow",
          "subnet-nsg-inbound",
          "udr-network-contributor",
        ].map((checkId) => ({ checkId, resourceId: a.spokes.restricted.subnetId })),
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
    },
  };
}
