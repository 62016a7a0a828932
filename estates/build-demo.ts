/**
 * Builds estates/demo.json (the demo estate the emulator serves) and estates/demo.expected.json
 * (what a scan of it with no baseline must find: every failing and every unknown finding). The
 * committed artifacts are the JSON files; this script is how they were made: edit estates/demo/,
 * run `node --import tsx estates/build-demo.ts`, commit the outputs.
 *
 * Every resource body comes from the estate builders (src/emulator/builders/), in the shape of
 * Microsoft's ARM examples in shared/reference/arm-examples/. GUIDs, deployment ids, hashes and
 * etags are derived from a fixed seed, so the output is byte-for-byte stable across runs.
 *
 * The demo is AKS first: most targets are plain AKS clusters, one per egress path of 2026 (route
 * table to a hub firewall, Virtual WAN secured hub, NAT gateway, network isolated, fail open, a
 * firewall out of reach, node public IPs); the cluster pools keep their stories. What each target
 * demonstrates: estates/README.md.
 */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { stdout } from "node:process";
import { fileURLToPath } from "node:url";
import type { Estate } from "../src/emulator/estate.js";
import { rgId, withSubnetIpConfigurations } from "../src/emulator/builders/index.js";
import { expectedFindings } from "./demo/expected.js";
import { buildEastFirewallPublicIp, buildEastHub, buildWeuHub } from "./demo/hubs.js";
import { buildRoleAssignments } from "./demo/roles.js";
import { buildSubscriptionA } from "./demo/subscriptionA.js";
import { buildSubscriptionB } from "./demo/subscriptionB.js";
import { buildEdge } from "./demo/edge.js";
import { buildSubscriptionC } from "./demo/subscriptionC.js";
import { buildPartnerHub, buildVirtualWan } from "./demo/virtualWan.js";
import { buildTelemetry, buildWeuFirewallPublicIp } from "./demo/westeurope.js";
import { allResources, SUB_A, SUB_B, SUB_C, SUB_D, TENANT } from "./demo/world.js";

const here = dirname(fileURLToPath(import.meta.url));

// In the order the resources appear in demo.json.
const fwPipId = buildEastFirewallPublicIp();
const a = buildSubscriptionA();
const b = buildSubscriptionB();
const edge = buildEdge();
const c = buildSubscriptionC();
const fwWeuPipId = buildWeuFirewallPublicIp();
const telemetry = buildTelemetry();
buildVirtualWan({ secured: c.orders.spoke, unsecured: c.catalog.spoke });
buildPartnerHub({ spoke: c.partners.spoke });
// The eastus spokes of A, B and C are peered with the eastus hub (not vnet-legacy in westus2, vnet-telemetry in
// westeurope, the Virtual WAN spokes in eastus2, or vnet-partners, peered with the partner hub). Its rules'
// sources are the subnets whose default route goes to it: the UDR targets, and pool-ml since its AKS cluster
// was moved to userDefinedRouting (not aks-checkout, whose default route is gone).
buildEastHub({
  fwPipId,
  peered: [
    a.spokes.finance,
    a.spokes.marketing,
    a.spokes.ingest,
    a.spokes.reporting,
    a.spokes.restricted,
    b.spokes.sandbox,
    b.spokes.payments,
    b.spokes.web,
    b.spokes.ml,
    edge.spoke,
    c.checkout.spoke,
  ],
  routed: [a.spokes.finance, a.spokes.marketing, a.spokes.ingest, a.spokes.reporting, a.spokes.restricted, b.spokes.payments, b.spokes.ml, edge.spoke],
  apiServers: [a.pools.finance.aks, a.pools.marketing.aks, a.pools.ingest.aks, a.pools.reporting.aks, a.pools.restricted.aks, b.clusters.payments, b.pools.ml.aks, edge.cluster],
  // aks-payments runs Container insights and managed Prometheus (aks-edge's Key Vault add-on has no rule: its drift).
  monitored: [b.spokes.payments],
});
buildWeuHub({ fwPipId: fwWeuPipId, telemetry: telemetry.spoke });
buildRoleAssignments(a, b, telemetry.pool, edge, c);

// Read-only back-references: a subnet lists the IP configurations that live in it.
const resources = withSubnetIpConfigurations(allResources());

const estate: Estate = {
  $schema: "https://egress-audit.dev/schemas/estate.schema.json",
  schemaVersion: 1,
  description:
    "Demo estate, AKS first: 20 targets (11 plain AKS clusters, 9 HDInsight on AKS cluster pools) in 3 subscriptions; subscription C is AKS only " +
    "(Microsoft.HDInsight not registered). Egress through hub firewalls (eastus, westeurope), a Virtual WAN secured hub (eastus2), NAT gateways, or none " +
    "(network isolated). Compliant: pool-finance, aks-payments, aks-web, pool-legacy, aks-orders, aks-search, aks-ledger, aks-media. " +
    "Drifted: pool-marketing (stray public IPs, Flink UI exposed publicly), pool-ingest (default route to Internet, stale DNS record), " +
    "pool-reporting (default route to an address with no firewall, Network Contributor on the VNet only), pool-sandbox (unexplained public IP, SSH open to the Internet), " +
    "pool-telemetry (firewall policy misses required egress, has DNS proxy off under a network-rule FQDN, and allows Http to any FQDN), pool-ml (AKS cluster changed behind the pool), " +
    "aks-edge (node public IPs, SSH open on the node NICs, DNS servers that bypass the firewall's DNS proxy, Key Vault add-on endpoint not allowed), aks-catalog (hub connection without internet security), aks-pricing (network-isolated cluster with default outbound access), " +
    "aks-checkout (default route lost: fails open). Unknown: pool-restricted (network resources unreadable), aks-partners (firewall in a subscription the scanner cannot read). " +
    "Every check fails on at least one target and passes on at least one. See estates/README.md.",
  subscriptions: [
    { subscriptionId: SUB_A, displayName: "Contoso Data Platform (prod)", tenantId: TENANT, state: "Enabled" },
    { subscriptionId: SUB_B, displayName: "Contoso Analytics (dev)", tenantId: TENANT, state: "Enabled" },
    // AKS only: the HDInsight resource provider was never registered there (its requests answer 409).
    { subscriptionId: SUB_C, displayName: "Contoso Digital (prod)", tenantId: TENANT, state: "Enabled", unregisteredProviders: ["Microsoft.HDInsight"] },
  ],
  resources,
  // The whole network resource group is forbidden: its lists come back without it and reads
  // inside it answer 403, so a scanner must not take its silence for compliance. Subscription D (the
  // partner hub) is not in the subscription list at all, and every read in it answers 403.
  forbiddenScopes: [rgId(SUB_A, "rg-net-restricted"), `/subscriptions/${SUB_D}`],
  options: { pageSize: 5 },
};
const expected = expectedFindings(a, b, edge, c);

writeFileSync(join(here, "demo.json"), `${JSON.stringify(estate, null, 2)}\n`);
writeFileSync(join(here, "demo.expected.json"), `${JSON.stringify(expected, null, 2)}\n`);
stdout.write(`wrote ${resources.length} resources to estates/demo.json and ${Object.keys(expected.targets).length} targets to estates/demo.expected.json\n`);
