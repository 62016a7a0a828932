/**
 * Bounds on ARM list paging. The SDK clients follow `nextLink` themselves (and
 * `listClusterPools` does the same over REST), without ever asking whether the next page is one
 * they already read: a `nextLink` that points back into its own list would be followed forever,
 * and a list that never ends would hold the scan until its time limit. {@link pageGuardPolicy}
 * sees every page request of every client and ends such a list with a read error, so the list's
 * part is `unknown` (never a list cut short that could read as complete).
 */
import { RestError, type PipelinePolicy, type PipelineRequest } from "@azure/core-rest-pipeline";

/** Pages one list may have at most (ARM's largest lists run to hundreds of pages). */
export const MAX_PAGES_PER_LIST = 10_000;

/**
 * `nextLink`s handed out and not yet requested, at most. A list whose reader stops early leaves
 * its link behind; the oldest are forgotten first (their list would start a fresh count).
 */
const MAX_PENDING_LINKS = 10_000;

/** One list being read: the pages requested so far. */
interface PageChain {
  /** The first page's path, for messages. */
  readonly path: string;
  /** Keys of the pages requested, the first included. */
  readonly seen: Set<string>;
  pages: number;
}

/** Options of {@link pageGuardPolicy}. */
export interface PageGuardOptions {
  /** Pages one list may have at most (default {@link MAX_PAGES_PER_LIST}). */
  maxPagesPerList?: number;
}

/**
 * What identifies a page: the URL without `api-version` (clients add it to a `nextLink` that lacks
 * it), parameters in order, the path case-folded (ARM paths are case-insensitive; skip tokens
 * are not, so the query keeps its case).
 */
export function pageKeyOf(url: string): string {
  const u = new URL(url);
  const params = [...u.searchParams].filter(([name]) => name.toLowerCase() !== "api-version");
  params.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return `${u.origin}${u.pathname.toLowerCase()}?${new URLSearchParams(params).toString()}`;
}

/** The `nextLink` of a list page body, if any (cheap for the bodies that have none). */
function nextLinkOf(text: string | null | undefined): string | undefined {
  if (!text || !text.includes('"nextLink"')) return undefined;
  try {
    const body = JSON.parse(text) as { nextLink?: unknown };
    return typeof body?.nextLink === "string" && body.nextLink ? body.nextLink : undefined;
  } catch {
    return undefined; // not JSON: the response check refuses it
  }
}

/**
 * Pipeline policy (once per read, outside the retries) that ties each page request to the list
 * it continues, by the `nextLink` the previous page handed out, and fails a page whose `nextLink`
 * points to a page this list already requested (`NextLinkLoop`) or that would start a page past
 * the cap (`TooManyPages`). Two readers of the same list each get their own chain (links are
 * handed out first come, first served), so a legitimate list never looks like a loop.
 */
export function pageGuardPolicy(options: PageGuardOptions = {}): PipelinePolicy {
  const maxPages = options.maxPagesPerList ?? MAX_PAGES_PER_LIST;
  /** Handed-out `nextLink` keys -> the chains waiting to request them, oldest first. */
  const pending = new Map<string, PageChain[]>();
  let pendingCount = 0;

  const take = (key: string): PageChain | undefined => {
    const chains = pending.get(key);
    const chain = chains?.shift();
    if (chain) pendingCount -= 1;
    if (chains && chains.length === 0) pending.delete(key);
    return chain;
  };
  const hand = (key: string, chain: PageChain): void => {
    if (pendingCount >= MAX_PENDING_LINKS) {
      const [oldest] = pending.keys();
      if (oldest !== undefined) take(oldest);
    }
    const chains = pending.get(key);
    if (chains) chains.push(chain);
    else pending.set(key, [chain]);
    pendingCount += 1;
  };

  return {
    name: "egressAuditPageGuard",
    async sendRequest(request: PipelineRequest, next) {
      if (request.method !== "GET") return next(request);
      let key: string;
      try {
        key = pageKeyOf(request.url);
      } catch {
        return next(request); // the endpoint policy refuses a URL that does not parse
      }
      const chain = take(key) ?? { path: new URL(request.url).pathname, seen: new Set<string>(), pages: 0 };
      chain.seen.add(key);
      chain.pages += 1;
      const response = await next(request);
      if (response.status < 200 || response.status >= 300) return response;
      const link = nextLinkOf(response.bodyAsText);
      if (link === undefined) return response;
      let linkKey: string;
      try {
        linkKey = pageKeyOf(link);
      } catch {
        return response; // requesting it fails on its own (InvalidRequestUrl)
      }
      if (chain.seen.has(linkKey)) {
        throw new RestError(
          `ARM's list ${chain.path} links back to a page it already returned (after ${chain.pages} pages): the list never ends, so it is not used`,
          { code: "NextLinkLoop", statusCode: response.status },
        );
      }
      if (chain.pages >= maxPages) {
        throw new RestError(`ARM's list ${chain.path} goes on past ${maxPages} pages: it is not used`, {
          code: "TooManyPages",
          statusCode: response.status,
        });
      }
      hand(linkKey, chain);
      return response;
    },
  };
}
