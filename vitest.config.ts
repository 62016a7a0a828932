import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One Azurite for the whole run (history, locks, alert records); see test/setup/azurite.ts.
    globalSetup: ["test/setup/azurite.ts"],
    // The suite starts real HTTPS emulators; keep it on the 2-core budget and deterministic.
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
