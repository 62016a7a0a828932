/**
 * Check parameters as the baseline sets them (defaults merged in by the engine). A bad value throws:
 * the engine turns that into a `CheckFailed` finding naming the parameter.
 */

/** Reads an integer parameter from `min` to `max`. */
export function integerParam(params: Record<string, unknown>, name: string, min: number, max: number): number {
  const value = params[name];
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`parameter ${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Reads a boolean parameter. */
export function booleanParam(params: Record<string, unknown>, name: string): boolean {
  const value = params[name];
  if (typeof value !== "boolean") throw new Error(`parameter ${name} must be a boolean, got ${JSON.stringify(value)}`);
  return value;
}

/** Reads a list of port numbers (0-65535). */
export function portListParam(params: Record<string, unknown>, name: string): number[] {
  const value = params[name];
  if (!Array.isArray(value) || !value.every((p): p is number => typeof p === "number" && Number.isInteger(p) && p >= 0 && p <= 65535)) {
    throw new Error(`parameter ${name} must be an array of port numbers, got ${JSON.stringify(value)}`);
  }
  return value;
}
