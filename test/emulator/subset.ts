/** Test helper shared by the builder tests: deep-subset comparison of a lean body with an example body. */
/** Where `lean` is not a deep subset of `full`: the path of the first difference, or undefined. */
export function notSubset(lean: unknown, full: unknown, path = "$"): string | undefined {
  if (Array.isArray(lean)) {
    if (!Array.isArray(full) || full.length !== lean.length) return path;
    for (let i = 0; i < lean.length; i++) {
      const d = notSubset(lean[i], full[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (lean !== null && typeof lean === "object") {
    if (full === null || typeof full !== "object" || Array.isArray(full)) return path;
    for (const [k, v] of Object.entries(lean)) {
      const d = notSubset(v, (full as Record<string, unknown>)[k], `${path}.${k}`);
      if (d) return d;
    }
    return undefined;
  }
  return Object.is(lean, full) ? undefined : path;
}
