import { armError } from "./armErrors.js";
import { safeDecode } from "./paths.js";

/** The parts of a list request that paging reads. */
export interface PageRequest {
  /** The path's segments as received (not decoded), so `nextLink` repeats the client's path. */
  rawSegments: string[];
  /** The query string as received, without `?`. */
  rawQuery: string;
  /** Parsed query parameters by lower-cased name. */
  query: Map<string, string>;
}

/** How lists are paged. */
export interface PageOptions {
  /** Items per page. */
  pageSize: number;
  /** The emulator's own base URL, for `nextLink`. */
  baseUrl: () => string;
}

/**
 * One page of `items` as ARM answers a list: `{ value, nextLink? }`. The `$skiptoken` is the
 * offset of the next page; `nextLink` keeps every other query parameter as the client sent it.
 */
export function pageOf(items: unknown[], request: PageRequest, options: PageOptions): unknown {
  const token = request.query.get("$skiptoken");
  let offset = 0;
  if (token !== undefined) {
    if (!/^\d+$/.test(token)) throw armError(400, "InvalidSkipToken", `The skip token '${token}' is not valid.`);
    offset = Number(token);
  }
  const value = items.slice(offset, offset + options.pageSize);
  const next = offset + options.pageSize;
  if (next >= items.length) return { value };
  const kept = request.rawQuery
    .split("&")
    .filter((piece) => piece.length > 0 && safeDecode(piece.split("=")[0] ?? "").toLowerCase() !== "$skiptoken");
  kept.push(`$skiptoken=${next}`);
  return { value, nextLink: `${options.baseUrl()}/${request.rawSegments.join("/")}?${kept.join("&")}` };
}
