/**
 * The JSON schema of the baseline file: the shape `parseBaseline` (./baseline.ts) validates against, published
 * as `schemas/baseline.schema.json`. What a schema cannot say (that a check id names a registered
 * check) is checked by the parser, which is handed the known ids.
 *
 * The TypeScript types of the same shape are in ./baseline.ts.
 */

/** The rules of `defaults` and of each override (one shape, `BaselineRules`). */
const rulesSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    outboundType: {
      type: "string",
      enum: ["loadBalancer", "userDefinedRouting", "managedNATGateway", "managedNATGatewayV2", "userAssignedNATGateway", "none", "block"],
    },
    requireFirewallEgress: { type: "boolean" },
    firewallPrivateIp: { type: "string", format: "ipv4" },
    approvedApplianceIps: { type: "array", items: { type: "string", format: "ipv4" } },
    allowedPublicIpIds: { type: "array", items: { type: "string", minLength: 1 } },
    allowedInternetPrefixes: {
      type: "array",
      items: { type: "string", pattern: "^\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}$" },
    },
    firewallResourceId: { type: "string", pattern: "^/subscriptions/[^/]+/[Rr]esource[Gg]roups/[^/]+/providers/Microsoft\\.[Nn]etwork/azureFirewalls/[^/]+$" },
    privateApiServer: { type: "boolean" },
    requireAuthorizedIpRanges: { type: "boolean" },
    privateIngress: { type: "boolean" },
    extraRequiredEgress: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["kind", "destination", "protocol", "port"],
        properties: {
          kind: { enum: ["fqdn", "fqdnTag", "serviceTag", "address"] },
          destination: { type: "string", minLength: 1 },
          protocol: { enum: ["Https", "Http", "Mssql", "TCP", "UDP"] },
          port: { type: "integer", minimum: 1, maximum: 65535 },
          description: { type: "string" },
        },
      },
    },
    clientVnetIds: {
      type: "array",
      items: { type: "string", pattern: "^/subscriptions/[^/]+/[Rr]esource[Gg]roups/[^/]+/providers/Microsoft\\.[Nn]etwork/virtualNetworks/[^/]+$" },
    },
    requireNsg: { type: "boolean" },
    maxPortRangeWidth: { type: "integer", minimum: 1, maximum: 65535 },
  },
} as const;

/** JSON schema of the baseline file (published as `schemas/baseline.schema.json` by `egress-audit`). */
export const baselineSchema = {
  $id: "https://egress-audit.dev/schemas/baseline.schema.json",
  type: "object",
  additionalProperties: false,
  required: ["schemaVersion"],
  properties: {
    $schema: { type: "string" },
    schemaVersion: { const: 1 },
    defaults: rulesSchema,
    overrides: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["match", "rules"],
        properties: {
          match: {
            type: "object",
            additionalProperties: false,
            minProperties: 1,
            properties: {
              resourceId: { type: "string", minLength: 1 },
              tag: {
                type: "object",
                additionalProperties: false,
                required: ["name"],
                properties: { name: { type: "string", minLength: 1 }, value: { type: "string" } },
              },
            },
          },
          rules: rulesSchema,
        },
      },
    },
    checks: {
      type: "object",
      propertyNames: { pattern: "^[a-z0-9]+(-[a-z0-9]+)*$" },
      additionalProperties: {
        type: "object",
        additionalProperties: false,
        properties: {
          severity: { enum: ["critical", "high", "medium", "low", "info"] },
          enabled: { type: "boolean" },
          parameters: { type: "object" },
        },
      },
    },
    suppressions: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["checkId", "resourceId", "reason", "owner"],
        properties: {
          checkId: { type: "string", minLength: 1 },
          resourceId: { type: "string", minLength: 1 },
          reason: { type: "string", minLength: 1 },
          owner: { type: "string", minLength: 1 },
          expires: { type: "string", anyOf: [{ format: "date" }, { format: "date-time" }] },
        },
      },
    },
  },
} as const;
