/**
 * The dashboard's browser script, shipped inline in the page (src/dashboard/page.ts) and pinned
 * by a CSP hash. It is a string, not compiled TypeScript: the project's type environment has no
 * DOM, and `tsc` copies nothing but its own output into `dist/`, so a string is what survives the
 * build unchanged. It is plain ES2020 (no template literals, so no backtick or dollar-brace may
 * appear in it); test/dashboard/ compiles it and drives it in real Chromium.
 *
 * What it does: reads the function key from the page's own `?code=`, or asks for it once per tab
 * when a link brought none (kept in sessionStorage; sent only as the `x-functions-key` header, so
 * it never lands in another URL: the report downloads too are fetched with the header and saved
 * from a `blob:` URL), fetches `scans/latest/summary` (or the summary of the scan a `#scan=` link
 * names), `scans?limit=100` and `checks` from the same API the page is served by, then the
 * target list a page at a time from `scans/<id>/targets` with the filters as query fields, and
 * one target with all its findings when it is opened. It never downloads a whole report (only
 * the download buttons do, on a click), so it stays fast on a scan of any size. It renders
 * everything with DOM calls and `textContent`: no report value is ever parsed as HTML.
 * The view lives in the URL fragment (`#scan=<id>&target=<ARM id>`, both optional; the Teams
 * card links that way), so links, the back button and the keyboard work as they do anywhere, and
 * the server never sees it.
 *
 * The script is written in parts by concern, under src/dashboard/client/, and joined here in
 * order into one string. The parts are fragments of one function scope, not modules: the page
 * has no bundler and allows exactly one inline script by hash, so the browser gets a single
 * self-contained script whose functions share their helpers and state through that scope.
 */
import { clientCore } from "./client/core.js";
import { clientOverview } from "./client/overview.js";
import { clientPaging } from "./client/paging.js";
import { clientTargets } from "./client/targets.js";

/** The whole browser script: shared helpers and API, the overview, the target list, the target view and wiring. */
export const dashboardScript = clientCore + clientOverview + clientPaging + clientTargets;
