import { Ajv } from "ajv";
import { UsageError } from "../errors.js";
import { formatAjvErrors, readJsonFile } from "../config/jsonFile.js";
import { faultsSchema, type EmulatorFaults } from "./faults.js";

/**
 * An estate file: the ARM world the emulator serves. Resources are stored in the JSON shapes ARM
 * returns (see `shared/reference/arm-examples/`: `id`, `name`, `type`, `location`, `properties`,
 * ...), one entry per resource, indexed by the emulator under their lower-cased id.
 *
 * Child resources (pool clusters, rule collection groups, DNS record sets, virtual network links,
 * role assignments) are entries of their own whose id extends the parent's. Sub-resources that ARM
 * returns embedded in their parent (subnets of a VNet, routes of a route table, NSG rules) stay
 * embedded; the emulator also serves them by id.
 */
export interface Estate {
  $schema?: string;
  schemaVersion: 1;
  description?: string;
  subscriptions: EstateSubscription[];
  resources: EstateResource[];
  /**
   * Scopes (subscription, resource group or resource ids) the caller may not read: requests inside
   * them answer 403 `AuthorizationFailed`, and lists above them leave their resources out (so a
   * scanner must never take absence from a list as proof).
   */
  forbiddenScopes?: string[];
  options?: EstateOptions;
}

/** A subscription as `GET /subscriptions` returns it. */
export interface EstateSubscription {
  subscriptionId: string;
  displayName: string;
  tenantId?: string;
  state?: string;
  /**
   * Resource provider namespaces the subscription has not registered (`Microsoft.HDInsight`):
   * every request under one of them answers ARM's 409 `MissingSubscriptionRegistration`.
   */
  unregisteredProviders?: string[];
}

/** An ARM resource in its wire shape. */
export interface EstateResource {
  id: string;
  name: string;
  type: string;
  [key: string]: unknown;
}

/** Emulator behaviour stored with the estate (flags override). */
export interface EstateOptions {
  /** Items per page of a list; `nextLink` carries the rest. Default 100. */
  pageSize?: number;
  /** Faults and ARM limits the emulator applies to this estate (flags override). */
  faults?: EmulatorFaults;
}

const armId = "^/subscriptions/[0-9a-fA-F-]{36}(/.*)?$";

/** JSON schema of an estate file. */
export const estateSchema = {
  $id: "https://egress-audit.dev/schemas/estate.schema.json",
  type: "object",
  additionalProperties: false,
  required: ["schemaVersion", "subscriptions", "resources"],
  properties: {
    $schema: { type: "string" },
    schemaVersion: { const: 1 },
    description: { type: "string" },
    subscriptions: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["subscriptionId", "displayName"],
        properties: {
          subscriptionId: {
            type: "string",
            pattern: "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
          },
          displayName: { type: "string" },
          tenantId: { type: "string" },
          state: { type: "string" },
          unregisteredProviders: { type: "array", items: { type: "string", pattern: "^[A-Za-z0-9]+(\\.[A-Za-z0-9]+)+$" } },
        },
      },
    },
    resources: {
      type: "array",
      items: {
        type: "object",
        required: ["id", "name", "type"],
        properties: {
          id: { type: "string", pattern: armId },
          name: { type: "string", minLength: 1 },
          type: { type: "string", pattern: "^[A-Za-z0-9.]+/[A-Za-z0-9/]+$" },
          properties: { type: "object" },
        },
      },
    },
    forbiddenScopes: { type: "array", items: { type: "string", pattern: armId } },
    options: {
      type: "object",
      additionalProperties: false,
      properties: { pageSize: { type: "integer", minimum: 1, maximum: 5000 }, faults: faultsSchema },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: true });
const validateEstate = ajv.compile(estateSchema);

/** Validates parsed JSON as an estate; throws {@link UsageError} `InvalidEstate` naming the field. */
export function parseEstate(value: unknown, source = "estate"): Estate {
  if (!validateEstate(value)) {
    throw new UsageError("InvalidEstate", `${source} breaks the estate schema: ${formatAjvErrors(validateEstate.errors)}`);
  }
  const estate = value as Estate;
  const seen = new Set<string>();
  for (const r of estate.resources) {
    const key = r.id.toLowerCase();
    if (seen.has(key)) throw new UsageError("InvalidEstate", `${source}: duplicate resource id ${r.id}`);
    seen.add(key);
  }
  return estate;
}

/** Reads and validates an estate file. */
export async function loadEstate(path: string): Promise<Estate> {
  return parseEstate(await readJsonFile(path, "Estate"), path);
}
