import { describe, expect, it } from "vitest";
import { beginInterning, internedIdCount, internId, internIds } from "../../src/collect/intern.js";
import { compact } from "../../src/collect/normalizeCommon.js";

const ID = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/a";

describe("ARM id interning during a collection (src/collect/intern.ts)", () => {
  it("keeps values unchanged and holds nothing outside a collection", () => {
    expect(internedIdCount()).toBe(0);
    expect(internId(ID)).toBe(ID);
    expect(compact({ id: ID, ids: [ID, undefined], n: 1, skip: undefined })).toEqual({ id: ID, ids: [ID, undefined], n: 1 });
    expect(internedIdCount()).toBe(0);
  });

  it("records each distinct id once while a collection runs, through compact, and only ids", () => {
    const end = beginInterning();
    try {
      const fromOneResponse = JSON.parse(JSON.stringify({ id: ID, name: "a", subnetIds: [ID, `${ID}b`] })) as Record<string, unknown>;
      const fromAnother = JSON.parse(JSON.stringify({ subnetId: ID, location: "eastus" })) as Record<string, unknown>;
      const a = compact(fromOneResponse);
      const b = compact(fromAnother);
      // Values are what they were; the table holds the two distinct ids, not names or locations.
      expect(a).toEqual({ id: ID, name: "a", subnetIds: [ID, `${ID}b`] });
      expect(b).toEqual({ subnetId: ID, location: "eastus" });
      expect(internedIdCount()).toBe(2);
      expect(internIds(42)).toBe(42);
    } finally {
      end();
    }
    expect(internedIdCount()).toBe(0);
  });

  it("is shared by overlapping collections and dropped when the last one ends", () => {
    const endFirst = beginInterning();
    const endSecond = beginInterning();
    internId(ID);
    endFirst();
    endFirst(); // idempotent: a second call does not end the other collection's table
    expect(internedIdCount()).toBe(1);
    endSecond();
    expect(internedIdCount()).toBe(0);
  });
});
