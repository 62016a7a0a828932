/**
 * Effective routes held to Microsoft's own example (NetworkInterfaces_GetEffectiveRouteTable,
 * 2024-03-01), whose `addressPrefix` and `nextHopIpAddress` are arrays.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { normalizeEffectiveRoutes } from "../../src/collect/effectiveRoutes.js";
import { findDefaultRoute } from "../../src/checks/common.js";

const file = join(import.meta.dirname, "..", "fixtures", "arm-examples", "Microsoft.Network", "2024-03-01", "NetworkInterfaceEffectiveRouteTableList.json");
const example = JSON.parse(readFileSync(file, "utf8")) as { responses: { "200": { body: { value: unknown[] } } } };
const value = example.responses["200"].body.value;

describe("normalizeEffectiveRoutes", () => {
  it("reads Microsoft's example: array prefixes become one route each", () => {
    // The example really uses arrays (the shape this function exists for).
    expect(Array.isArray((value[0] as { addressPrefix: unknown }).addressPrefix)).toBe(true);
    expect(normalizeEffectiveRoutes(value)).toEqual([
      { name: "Default", addressPrefix: "172.20.2.0/24", nextHopType: "VnetLocal" },
      { name: "Default", addressPrefix: "0.0.0.0/0", nextHopType: "Internet" },
      { name: "Default", addressPrefix: "10.0.0.0/8", nextHopType: "None" },
      { name: "Default", addressPrefix: "100.64.0.0/10", nextHopType: "None" },
      { name: "Default", addressPrefix: "172.16.0.0/12", nextHopType: "None" },
      { name: "Default", addressPrefix: "192.168.0.0/16", nextHopType: "None" },
    ]);
  });

  it("gives the checks the example's default route: 0.0.0.0/0 → Internet", () => {
    const route = findDefaultRoute({ id: "nic1", name: "nic1", routes: normalizeEffectiveRoutes(value) });
    expect(route).toEqual({ name: "Default", addressPrefix: "0.0.0.0/0", nextHopType: "Internet" });
  });

  it("splits several prefixes, keeps the first next-hop address and prefers the route name", () => {
    expect(
      normalizeEffectiveRoutes([
        {
          name: "to-firewall",
          source: "User",
          state: "Active",
          addressPrefix: ["0.0.0.0/1", "128.0.0.0/1"],
          nextHopType: "VirtualAppliance",
          nextHopIpAddress: ["10.0.1.4", "10.0.1.5"],
        },
      ]),
    ).toEqual([
      { name: "to-firewall", addressPrefix: "0.0.0.0/1", nextHopType: "VirtualAppliance", nextHopIpAddress: "10.0.1.4" },
      { name: "to-firewall", addressPrefix: "128.0.0.0/1", nextHopType: "VirtualAppliance", nextHopIpAddress: "10.0.1.4" },
    ]);
  });

  it("drops routes Azure marks Invalid (a system route overridden by a user route)", () => {
    const routes = normalizeEffectiveRoutes([
      { source: "Default", state: "Invalid", addressPrefix: ["0.0.0.0/0"], nextHopType: "Internet", nextHopIpAddress: [] },
      { source: "User", state: "Active", addressPrefix: ["0.0.0.0/0"], nextHopType: "VirtualAppliance", nextHopIpAddress: ["10.0.1.4"] },
    ]);
    expect(routes).toEqual([{ name: "User", addressPrefix: "0.0.0.0/0", nextHopType: "VirtualAppliance", nextHopIpAddress: "10.0.1.4" }]);
  });

  it("accepts single strings and properties-wrapped entries, and skips what is not a route", () => {
    expect(
      normalizeEffectiveRoutes([
        { properties: { source: "User", addressPrefix: "20.61.10.5/32", nextHopType: "Internet", nextHopIpAddress: "" } },
        { source: "Default", addressPrefix: [], nextHopType: "Internet" },
        { source: "Default", addressPrefix: ["10.1.0.0/16"] },
        null,
        "garbage",
        [],
      ]),
    ).toEqual([{ name: "User", addressPrefix: "20.61.10.5/32", nextHopType: "Internet" }]);
  });
});
