/**
 * Named errors with stable codes. The CLI maps {@link UsageError} to exit code 3; the HTTP layer
 * maps it to 400 problem+json. Codes are part of the contract: never rename one.
 */

/** Bad input or configuration: a flag, a file, a setting. Nothing was done. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  constructor(
    /** Stable code, e.g. `InvalidSubscriptionId`, `InvalidEstate`, `InvalidBaseline`. */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The ARM endpoint could not be reached at all (DNS, TCP, TLS). */
export class EndpointUnreachableError extends Error {
  override readonly name = "EndpointUnreachableError";
  readonly code = "EndpointUnreachable";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
