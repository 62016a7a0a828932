/**
 * vitest globalSetup: one Azurite (in memory, free ports) for the whole run, shared by every test
 * file; each file isolates itself with its own history namespace. The connection string reaches
 * the tests through `provide`/`inject`; Azurite is stopped (by pid, SIGTERM) at teardown.
 */
import type { TestProject } from "vitest/node";
import { startAzurite } from "../../src/serve/azurite.js";

declare module "vitest" {
  export interface ProvidedContext {
    azuriteConnectionString: string;
    azuritePid: number;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const azurite = await startAzurite();
  project.provide("azuriteConnectionString", azurite.connectionString);
  project.provide("azuritePid", azurite.pid);
  return () => azurite.stop();
}
