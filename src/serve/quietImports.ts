/**
 * Loading functions/ outside the Functions host without the "test mode" noise. Each file
 * registers itself with `app.http` / `app.timer` / `app.storageQueue`; outside the host,
 * `@azure/functions` finds no runtime and says so with `console.warn`: one "Failed to detect the
 * Azure Functions runtime" line, then a "Skipping call to register function" line per function.
 * Those read like failures, but they are exactly what `serve` expects: it routes the exported
 * handlers itself. The package has no setting to silence them, so serve filters those lines (and
 * only those) while it imports, and says in one line what happened instead.
 */

/** The package's test-mode warnings (@azure/functions 4.x, src/app.ts and src/hooks/registerHook.ts). */
const TEST_MODE_WARNING = /^WARNING: (Failed to detect the Azure Functions runtime\.|Skipping call to (register|dispose) .* because the "@azure\/functions" package is in test mode\.)/;

/** What {@link importQuietly} returns: the loaded value and the functions whose registration was skipped. */
export interface QuietImport<T> {
  value: T;
  /** Names from the "Skipping call to register function" lines, in order. */
  skipped: string[];
}

/**
 * Runs `load` (the dynamic imports of functions/) with the test-mode warnings filtered out of
 * `console.warn`; every other warning passes through unchanged. `console.warn` is restored
 * however `load` ends.
 */
export async function importQuietly<T>(load: () => Promise<T>): Promise<QuietImport<T>> {
  const original = console.warn;
  const skipped: string[] = [];
  console.warn = (...args: unknown[]) => {
    const first = args[0];
    if (args.length === 1 && typeof first === "string" && TEST_MODE_WARNING.test(first)) {
      const name = /register function "([^"]+)"/.exec(first)?.[1];
      if (name) skipped.push(name);
      return;
    }
    original.apply(console, args);
  };
  try {
    return { value: await load(), skipped };
  } finally {
    console.warn = original;
  }
}
