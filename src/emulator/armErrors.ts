import { lastProvidersIndex, segmentsOf } from "./paths.js";

/** An ARM error answer, thrown inside the router and turned into `{ error: { code, message } }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

/** Builds an ARM error answer to throw. */
export function armError(status: number, code: string, message: string, headers?: Record<string, string>): HttpError {
  return new HttpError(status, code, message, headers);
}

/** 405: lists are read-only; resources (and resource groups) also take PUT, PATCH and DELETE. */
export function methodNotAllowed(method: string, allow = "GET"): HttpError {
  return armError(405, "MethodNotAllowed", `The requested resource does not support http method '${method}'.`, { allow });
}

/** ARM's 400 for a request body that is not JSON, or not the shape a write takes. */
export function invalidRequestContent(detail: string): HttpError {
  return armError(400, "InvalidRequestContent", `The request content was invalid and could not be deserialized: '${detail}'.`);
}

/** 413 for a write body above the emulator's cap (ARM refuses bodies above 4 MB). */
export function requestTooLarge(limitInBytes: number): HttpError {
  return armError(413, "RequestEntityTooLarge", `The request content exceeds the maximum size of ${limitInBytes} bytes.`);
}

/** ARM's 404 for a write to a child whose parent resource does not exist. */
export function parentResourceNotFound(parentName: string): HttpError {
  return armError(404, "ParentResourceNotFound", `Can not perform requested operation on nested resource. Parent resource '${parentName}' not found.`);
}

/** 400: every ARM request must name an `api-version`. */
export function missingApiVersion(): HttpError {
  return armError(
    400,
    "MissingApiVersionParameter",
    "The api-version query parameter (?api-version=) is required for all requests.",
  );
}

/** 404 for a subscription the estate does not hold. */
export function subscriptionNotFound(sub: string): HttpError {
  return armError(404, "SubscriptionNotFound", `The subscription '${sub}' could not be found.`);
}

/** 404 for a resource group the estate does not hold. */
export function resourceGroupNotFound(rg: string): HttpError {
  return armError(404, "ResourceGroupNotFound", `Resource group '${rg}' could not be found.`);
}

/** 404 for a path the emulator has no route for. */
export function noRoute(path: string): HttpError {
  return armError(404, "NotFound", `The emulator serves no route for '${path}'.`);
}

/** ARM's 404 `ResourceNotFound` for a resource (or a list's parent) missing from the estate. */
export function resourceNotFound(path: string, rg: string | undefined, sub: string | undefined): HttpError {
  const segs = segmentsOf(path);
  const p = lastProvidersIndex(segs.map((s) => s.toLowerCase()));
  const name = p >= 0 ? segs.slice(p + 1).join("/") : path;
  const where = rg !== undefined ? `resource group '${rg}'` : `subscription '${sub ?? ""}'`;
  return armError(
    404,
    "ResourceNotFound",
    `The Resource '${name}' under ${where} was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

/**
 * ARM's 409 for a request under a resource provider the subscription has not registered, with
 * ARM's own message (the namespace as the estate spells it).
 */
export function missingSubscriptionRegistration(namespace: string): HttpError {
  return armError(
    409,
    "MissingSubscriptionRegistration",
    `The subscription is not registered to use namespace '${namespace}'. See https://aka.ms/rps-not-found for how to register subscriptions.`,
  );
}
