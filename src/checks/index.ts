import type { Check } from "./lib/types.js";
import { poolOutboundType } from "./pool-outbound-type.js";
import { mcGroupPublicIp } from "./mc-group-public-ip.js";
import { subnetDefaultRoute } from "./subnet-default-route.js";
import { defaultRouteFirewall } from "./default-route-firewall.js";
import { firewallRequiredEgress } from "./firewall-required-egress.js";
import { firewallDnsProxy } from "./firewall-dns-proxy.js";
import { firewallOverbroadAllow } from "./firewall-overbroad-allow.js";
import { apiServerPrivate } from "./api-server-private.js";
import { clusterPrivateIngress } from "./cluster-private-ingress.js";
import { privateDnsARecord } from "./private-dns-a-record.js";
import { subnetNsgInbound } from "./subnet-nsg-inbound.js";
import { udrNetworkContributor } from "./udr-network-contributor.js";

/** Every check, in report order (the order of `CHECKS.md`). */
export const checks: readonly Check[] = Object.freeze([
  poolOutboundType,
  mcGroupPublicIp,
  subnetDefaultRoute,
  defaultRouteFirewall,
  firewallRequiredEgress,
  firewallDnsProxy,
  firewallOverbroadAllow,
  apiServerPrivate,
  clusterPrivateIngress,
  privateDnsARecord,
  subnetNsgInbound,
  udrNetworkContributor,
]);

/** The check with this id, or undefined. */
export function getCheck(id: string): Check | undefined {
  return checks.find((c) => c.meta.id === id);
}
