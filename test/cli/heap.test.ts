import { describe, expect, it } from "vitest";
import { CLI_HEAP_GROWING_PERCENT, tuneHeapGrowth } from "../../src/cli/heap.js";

describe("the CLI's heap growth (src/cli/heap.ts)", () => {
  it("asks V8 for a growing factor of 1.3 when the process was started without one", () => {
    expect(CLI_HEAP_GROWING_PERCENT).toBe(30);
    expect(tuneHeapGrowth(["--enable-source-maps"], "--max-old-space-size=4096")).toBe("--heap-growing-percent=30");
    expect(tuneHeapGrowth([], undefined)).toBe("--heap-growing-percent=30");
  });

  it("leaves a user's own value alone, on the command line or in NODE_OPTIONS, in either spelling", () => {
    expect(tuneHeapGrowth(["--heap-growing-percent=100"], undefined)).toBeUndefined();
    expect(tuneHeapGrowth([], "--inspect --heap_growing_percent=20")).toBeUndefined();
  });

  it("is not fooled by other flags that merely start alike", () => {
    expect(tuneHeapGrowth(["--heap-prof"], "--heapsnapshot-signal=SIGUSR2")).toBe("--heap-growing-percent=30");
  });
});
