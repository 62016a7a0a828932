/**
 * Overrides by tag (src/baseline/overrides.ts): a target's own ARM tags, names case-insensitively
 * (as ARM treats them), values exactly, own properties only: a tag name the target does not carry
 * (`constructor`, `__proto__`, `toString`) matches nothing. Before, matching used `in`, so
 * `constructor` matched every target, and the engine passed no tags, so no real tag ever matched.
 */
import { describe, expect, it } from "vitest";
import type { Baseline, BaselineOverride } from "../../src/baseline/baseline.js";
import { effectiveBaseline, tagMatches } from "../../src/baseline/overrides.js";

const ID = "/subscriptions/3f2a8c4e-7b1d-4e59-9c0a-2d6f1b8e4a73/resourceGroups/rg-payments/providers/Microsoft.ContainerService/managedClusters/aks-payments";
const TAGS = { environment: "prod", CostCenter: "CC-4410", archv2: "" };

describe("tagMatches", () => {
  it.each([
    ["environment", undefined, true],
    ["environment", "prod", true],
    ["environment", "Prod", false], // values exactly
    ["environment", "dev", false],
    ["ENVIRONMENT", "prod", true], // names case-insensitively
    ["costcenter", "CC-4410", true],
    ["CostCenter", "cc-4410", false],
    ["archv2", undefined, true], // an empty value is a value
    ["archv2", "", true],
    ["archv2", "x", false],
    ["owner", undefined, false],
    ["", undefined, false],
  ] as const)("%s = %s: %s", (name, value, matches) => {
    expect(tagMatches(TAGS, name, value)).toBe(matches);
  });

  it.each(["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "isPrototypeOf", "__defineGetter__", "CONSTRUCTOR"])(
    "%s matches nothing on a target that does not carry it",
    (name) => {
      expect(tagMatches(TAGS, name)).toBe(false);
      expect(tagMatches({}, name)).toBe(false);
      expect(tagMatches(undefined, name)).toBe(false);
      expect(tagMatches(TAGS, name, "[object Object]")).toBe(false);
    },
  );

  it("ignores inherited properties and matches a tag literally named __proto__ or constructor when it is set", () => {
    const inherited = Object.create({ environment: "prod" }) as Record<string, string>;
    expect(tagMatches(inherited, "environment")).toBe(false);
    // As ARM's JSON arrives: JSON.parse makes `__proto__` an own property.
    const odd = JSON.parse('{"__proto__":"x","constructor":"y"}') as Record<string, string>;
    expect(tagMatches(odd, "__proto__", "x")).toBe(true);
    expect(tagMatches(odd, "constructor", "y")).toBe(true);
    expect(tagMatches(odd, "constructor", "z")).toBe(false);
    expect(tagMatches(odd, "toString")).toBe(false);
  });
});

describe("effectiveBaseline: overrides by tag", () => {
  const override = (match: BaselineOverride["match"], outboundType: string): BaselineOverride => ({ match, rules: { outboundType } });
  const baseline = (...overrides: BaselineOverride[]): Baseline => ({ schemaVersion: 1, defaults: { outboundType: "loadBalancer", requireNsg: true }, overrides });

  it("applies an override whose tag the target carries, merged over the defaults", () => {
    const eb = effectiveBaseline(baseline(override({ tag: { name: "Environment", value: "prod" } }, "userDefinedRouting")), { id: ID, tags: TAGS });
    expect(eb.rules).toEqual({ outboundType: "userDefinedRouting", requireNsg: true });
  });

  it("does not apply it to a target without that tag, or without tags", () => {
    const b = baseline(override({ tag: { name: "environment", value: "prod" } }, "userDefinedRouting"));
    expect(effectiveBaseline(b, { id: ID, tags: { environment: "dev" } }).rules.outboundType).toBe("loadBalancer");
    expect(effectiveBaseline(b, { id: ID }).rules.outboundType).toBe("loadBalancer");
  });

  it.each(["constructor", "__proto__", "toString"])("never applies an override by the tag name %s to a target that does not carry it", (name) => {
    const b = baseline(override({ tag: { name } }, "userDefinedRouting"));
    expect(effectiveBaseline(b, { id: ID, tags: TAGS }).rules.outboundType).toBe("loadBalancer");
    expect(effectiveBaseline(b, { id: ID }).rules.outboundType).toBe("loadBalancer");
  });

  it("needs both the id glob and the tag when an override names both; later overrides win", () => {
    const b = baseline(
      override({ resourceId: "/subscriptions/*/resourceGroups/rg-payments/**", tag: { name: "environment", value: "prod" } }, "userDefinedRouting"),
      override({ resourceId: "/subscriptions/*/resourceGroups/rg-other/**", tag: { name: "environment" } }, "none"),
      override({ tag: { name: "COSTCENTER" } }, "managedNATGateway"),
    );
    expect(effectiveBaseline(b, { id: ID, tags: { environment: "prod" } }).rules.outboundType).toBe("userDefinedRouting");
    expect(effectiveBaseline(b, { id: ID, tags: TAGS }).rules.outboundType).toBe("managedNATGateway");
    expect(effectiveBaseline(b, { id: ID.replace("rg-payments", "rg-other"), tags: { environment: "prod" } }).rules.outboundType).toBe("none");
    expect(effectiveBaseline(b, { id: ID.replace("rg-payments", "rg-x"), tags: { environment: "prod" } }).rules.outboundType).toBe("loadBalancer");
  });
});
