/**
 * ARM lists over plain REST, for the resource types without an installed SDK (HDInsight on AKS
 * cluster pools, whose SDK Microsoft withdrew; Compute scale sets, whose SDK the project does not
 * carry). They go through `@azure-rest/core-client` on the same pipeline as the SDK clients
 * (retries, bearer token, read budget, request counting, page guard).
 */
import { createRestError, type Client } from "@azure-rest/core-client";
import type { AbortSignalLike } from "@azure/abort-controller";

/** A resource as ARM returns it (wire shape, `properties` nested). */
export interface ArmResourceBody {
  id: string;
  name: string;
  type: string;
  location?: string;
  tags?: Record<string, string>;
  properties?: Record<string, unknown>;
  [key: string]: unknown;
}

interface ListPage {
  value?: ArmResourceBody[];
  nextLink?: string;
}

/**
 * Follows a list and its `nextLink`s; throws the ARM error (a RestError, with ARM's `code`) of a
 * failed page. The clients' page guard (src/arm/paging.ts) sees every page and ends a list whose
 * `nextLink` loops or that runs past the page cap, so this loop always ends.
 */
export async function* listPaged(client: Client, path: string, apiVersion: string, abortSignal?: AbortSignalLike): AsyncGenerator<ArmResourceBody> {
  let next: string | undefined = path;
  let first = true;
  while (next) {
    // nextLink already carries api-version (and the skip token): send it verbatim.
    const response = await client.pathUnchecked(next).get({
      ...(first ? { queryParameters: { "api-version": apiVersion } } : {}),
      ...(abortSignal ? { abortSignal } : {}),
    });
    if (!/^2\d\d$/.test(response.status)) throw createRestError(response);
    const page = response.body as ListPage;
    for (const item of page.value ?? []) yield item;
    next = page.nextLink || undefined;
    first = false;
  }
}
