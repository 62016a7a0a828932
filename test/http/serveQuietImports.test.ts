/**
 * `serve`'s filter for @azure/functions' "test mode" warnings: exactly those lines are dropped
 * (the skipped registrations counted), every other warning still reaches the console, and
 * `console.warn` is restored however the imports end.
 */
import { describe, expect, it } from "vitest";
import { importQuietly } from "../../src/serve/quietImports.js";

describe("importQuietly", () => {
  it("drops the test-mode warnings, counts the skipped registrations, passes the rest, restores console.warn", async () => {
    const original = console.warn;
    const seen: unknown[][] = [];
    console.warn = (...args: unknown[]) => void seen.push(args);
    try {
      const filtered = console.warn;
      const { value, skipped } = await importQuietly(() => {
        console.warn('WARNING: Failed to detect the Azure Functions runtime. Switching "@azure/functions" package to test mode - not all features are supported.');
        console.warn('WARNING: Skipping call to register function "health" because the "@azure/functions" package is in test mode.');
        console.warn('WARNING: Skipping call to register function "scheduledScan" because the "@azure/functions" package is in test mode.');
        console.warn("a real warning", 42);
        console.warn("WARNING: something else went wrong");
        return Promise.resolve("loaded");
      });
      expect(value).toBe("loaded");
      expect(skipped).toEqual(["health", "scheduledScan"]);
      expect(seen).toEqual([["a real warning", 42], ["WARNING: something else went wrong"]]);
      expect(console.warn).toBe(filtered);
      await expect(importQuietly(() => Promise.reject(new Error("import failed")))).rejects.toThrow("import failed");
      expect(console.warn).toBe(filtered);
    } finally {
      console.warn = original;
    }
  });
});
