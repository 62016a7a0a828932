// azure.yaml and infra/ agree: the parameters azd passes exist in main.bicep, the service azd
// deploys is the one the template tags, the package azd uploads is the one the hook stages, and
// the settings the issue asked for are there (tags, Key Vault reference, no basic publishing).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { STAGE_DIR } from "../../scripts/lib/functionAppPackage.js";

const root = join(import.meta.dirname, "..", "..");
const read = (path: string) => readFileSync(join(root, path), "utf8");
const main = read("infra/main.bicep");
const app = read("infra/modules/app.bicep");
const azureYaml = read("azure.yaml");

/** `param` declarations of a Bicep file: name -> has a default. */
function params(bicep: string): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const m of bicep.matchAll(/^param (\w+) \w+( =)?/gm)) out.set(m[1]!, m[2] !== undefined);
  return out;
}

/** Top-level `resource` blocks of a Bicep file: [symbol, type, body]. */
function resources(bicep: string): [string, string, string][] {
  return bicep.split(/^(?=resource )/m).slice(1).map((block) => {
    const m = /^resource (\w+) '([^@']+)@/.exec(block)!;
    return [m[1]!, m[2]!, block];
  });
}

describe("azd template", () => {
  it("passes only parameters main.bicep declares, and every one without a default", () => {
    const declared = params(main);
    const file = JSON.parse(read("infra/main.parameters.json")) as { parameters: Record<string, { value: unknown }> };
    const passed = Object.keys(file.parameters);
    expect(passed.filter((p) => !declared.has(p))).toEqual([]);
    expect([...declared].filter(([name, hasDefault]) => !hasDefault && !passed.includes(name)).map(([n]) => n)).toEqual([]);
    expect(file.parameters.environmentName!.value).toBe("${AZURE_ENV_NAME}");
    expect(file.parameters.location!.value).toBe("${AZURE_LOCATION}");
    expect(file.parameters.principalId!.value).toBe("${AZURE_PRINCIPAL_ID}");
    for (const name of ["tags", "scanSubscriptions", "scanFanout", "authAllowedRoles", "authAllowedGroups", "teamsWebhookUrl"]) {
      expect(declared.has(name), name).toBe(true);
    }
  });

  it("passes every parameter of the app module that main.bicep sets, and nothing else", () => {
    const block = /module app 'modules\/app\.bicep' = \{[\s\S]*?params: \{([\s\S]*?)\n {2}\}/.exec(main)![1]!;
    const given = [...block.matchAll(/^\s+(\w+):/gm)].map((m) => m[1]!);
    const declared = params(app);
    expect(given.filter((p) => !declared.has(p))).toEqual([]);
    expect([...declared].filter(([name, hasDefault]) => !hasDefault && !given.includes(name)).map(([n]) => n)).toEqual([]);
  });

  it("deploys service api to a function host from the package the prepackage hook stages", () => {
    expect(azureYaml).toMatch(/^services:\n {2}api:\n/m);
    expect(azureYaml).toMatch(/^ {4}host: function$/m);
    expect(azureYaml).toMatch(/^ {4}language: ts$/m);
    expect(azureYaml).toMatch(/^ {4}project: \.$/m);
    expect(azureYaml).toContain(`    dist: ${STAGE_DIR}\n`);
    expect(azureYaml).toMatch(/^ {4}remoteBuild: false$/m);
    const hook = /prepackage:\n(?: {8}.*\n)*? {8}run: npm run (\S+)/.exec(azureYaml);
    const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;
    expect(scripts[hook![1]!]).toContain("scripts/package-functions.ts");
    expect(app).toMatch(/tags: union\(tags, \{ 'azd-service-name': 'api' \}\)/);
    expect(main).toMatch(/var allTags = union\(tags, \{ 'azd-env-name': environmentName \}\)/);
  });

  it("tags every resource that takes tags", () => {
    const all = [...resources(main), ...resources(app)].filter(([, type]) => type !== "Microsoft.Authorization/roleAssignments");
    expect(all.length).toBeGreaterThan(8);
    expect(all.filter(([, , body]) => !/^ {2}tags: /m.test(body)).map(([name]) => name)).toEqual([]);
  });

  it("keeps the webhook in Key Vault, read through the app identity, and basic publishing off", () => {
    expect(app).toMatch(/TEAMS_WEBHOOK_URL: .*'@Microsoft\.KeyVault\(SecretUri=\$\{webhookSecret\.properties\.secretUri\}\)'/);
    expect(app).not.toMatch(/TEAMS_WEBHOOK_URL: teamsWebhookUrl/);
    expect(app).toContain("keyVaultReferenceIdentity: identity.id");
    expect(app).toContain("var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'");
    for (const name of ["ftp", "scm"]) {
      expect(app).toMatch(new RegExp(`'basicPublishingCredentialsPolicies' = \\{\\n\\s+name: '${name}'\\n\\s+properties: \\{ allow: false \\}`));
    }
    for (const setting of ["SCAN_FANOUT", "AUTH_ALLOWED_ROLES", "AUTH_ALLOWED_GROUPS"]) expect(app).toMatch(new RegExp(`^ {6}${setting}: `, "m"));
  });

  it("gives the identity Reader on each audited subscription through a subscription-scope module", () => {
    expect(main).toMatch(/module readers 'modules\/reader-subscription\.bicep' = \[for sub in readerSubscriptions: if \(assignReaderOnSubscription\) \{/);
    expect(main).toMatch(/scope: subscription\(sub\)/);
    const reader = read("infra/modules/reader-subscription.bicep");
    expect(reader).toMatch(/^targetScope = 'subscription'$/m);
    expect(reader).toContain("acdd72a7-3385-48ef-bd42-f606fba81ae7");
  });
});
