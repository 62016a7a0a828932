import type { Check } from "./types.js";
import { poolOutboundType } from "./pool-outbound-type.js";
import { mcGroupPublicIp } from "./mc-group-public-ip.js";
import { subnetDefaultRoute } from "./subnet-default-route.js";
import { defaultRouteFirewall } from "./default-route-firewall.js";

/** Every check, in report order (the order of `CHECKS.md`). */
export const checks: readonly Check[] = Object.freeze([
  poolOutboundType,
  mcGroupPublicIp,
  subnetDefaultRoute,
  defaultRouteFirewall,
]);

/** The check with this id, or undefined. */
export function getCheck(id: string): Check | undefined {
  return checks.find((c) => c.meta.id === id);
}
