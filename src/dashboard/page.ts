/**
 * The dashboard page: a static HTML shell with its stylesheet and script inline, served by
 * `GET /api/dashboard` (src/http/dashboard.ts). The shell holds no data: the script reads the
 * same API every other client reads (a scan's summary, its targets in pages, `/api/scans`,
 * `/api/checks`), so the dashboard can never disagree with the API, the page itself needs no
 * storage to render, and it never downloads a whole report however large the scan.
 *
 * Nothing is loaded from anywhere else (no CDN, font, image or stylesheet URL): the page works in
 * a closed network. The Content-Security-Policy allows exactly the inline stylesheet and script
 * (by hash) and `fetch` to the page's own origin; see {@link dashboardCsp}.
 *
 * Accessibility: `lang`, a skip link, landmarks (header, main, footer, a search form), one `h1`
 * and a heading per section, table captions and `th` scopes, labelled form controls, a live
 * region for loading, errors and the filter's result count, statuses always in words (colour
 * only repeats them), the chart as `role="img"` with a text description and the same numbers as
 * a table, a keyboard-operable drill-down made of ordinary links (focus moves to the target's
 * heading and back to its link), page buttons in a labelled navigation, visible focus, and the report's palette ({@link htmlPalette},
 * WCAG AA in light and dark schemes). The layout reflows from 1280 px down to a 390 px phone
 * without page-level horizontal scrolling (wide tables scroll inside a focusable region).
 */
import { createHash } from "node:crypto";
import { escapeHtml as h } from "../report/render/common.js";
import { htmlPalette } from "../report/render/html.js";
import { toolInfo } from "../report/render/tool.js";
import { dashboardScript } from "./client.js";

/** `--fail-fg:#a40e26;...`: the report palette as CSS custom properties. */
function cssVariables(palette: Record<string, string>): string {
  return Object.entries(palette)
    .map(([k, v]) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}:${v}`)
    .join(";");
}

/** The stylesheet (exported for tests). */
export const dashboardCss = [
  `:root{color-scheme:light dark;${cssVariables(htmlPalette.light)}}`,
  `@media (prefers-color-scheme: dark){:root{${cssVariables(htmlPalette.dark)}}}`,
  "*{box-sizing:border-box}[hidden]{display:none!important}",
  "html{-webkit-text-size-adjust:100%;text-size-adjust:100%}",
  "body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}",
  ".wrap{max-width:80rem;margin:0 auto;padding-left:1rem;padding-right:1rem}",
  ".skip{position:absolute;left:-10000px;top:.5rem;padding:.5rem .75rem;background:var(--bg);color:var(--fg);border:2px solid var(--fg);border-radius:.25rem;z-index:10}",
  ".skip:focus{left:.5rem}",
  ".visually-hidden{position:absolute!important;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}",
  "header.site{background:var(--panel);border-bottom:1px solid var(--border)}",
  "header.site .wrap{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.5rem 1rem;padding-top:.75rem;padding-bottom:.75rem}",
  "h1{font-size:1.5rem;line-height:1.25;margin:0}",
  "h2{font-size:1.25rem;line-height:1.3;margin:0 0 .75rem}",
  "h3{font-size:1.0625rem;margin:1.25rem 0 .5rem}",
  "h4{font-size:1rem;margin:0 0 .25rem}",
  "h2:focus,main:focus{outline:none}",
  ".meta{color:var(--muted);margin:.25rem 0 0}",
  "p{margin:.5rem 0}",
  "code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.875em}",
  "code{overflow-wrap:anywhere}",
  "pre{margin:0;padding:.5rem;background:var(--bg);border:1px solid var(--border);border-radius:.25rem;white-space:pre-wrap;overflow-wrap:anywhere}",
  "a{color:inherit;text-underline-offset:.15em}",
  ":focus-visible{outline:3px solid var(--fg);outline-offset:2px}",
  "button,input,select{font:inherit;color:var(--fg);background:var(--bg);border:1px solid var(--muted);border-radius:.375rem;padding:.375rem .625rem;min-height:2.5rem;max-width:100%}",
  "button{background:var(--panel);cursor:pointer;font-weight:600}",
  "main{display:block;padding-top:1rem;padding-bottom:2rem}",
  ".notice{padding:.75rem 1rem;margin:0 0 1rem;border:1px solid var(--border);border-left:.375rem solid var(--muted);border-radius:.5rem;background:var(--panel)}",
  ".notice.error{border-left-color:var(--fail-fg)}",
  ".grid{display:grid;gap:1rem;grid-template-columns:minmax(0,1fr);margin-bottom:1rem}",
  "@media (min-width:64rem){.grid{grid-template-columns:minmax(0,2fr) minmax(0,3fr)}}",
  ".card{background:var(--panel);border:1px solid var(--border);border-radius:.5rem;padding:1rem;min-width:0;margin:0 0 1rem}",
  ".grid>.card{margin:0}",
  ".tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(8.5rem,1fr));gap:.5rem;margin:0 0 .75rem}",
  ".tile{background:var(--bg);border:1px solid var(--border);border-left:.375rem solid var(--border);border-radius:.5rem;padding:.5rem .625rem}",
  ".tile.drifted{border-left-color:var(--fail-fg)}.tile.unknown{border-left-color:var(--unknown-fg)}.tile.compliant{border-left-color:var(--pass-fg)}",
  ".tile dt{color:var(--muted);font-size:.8125rem}",
  ".tile dd{margin:0;font-size:1.75rem;font-weight:650;line-height:1.2;font-variant-numeric:tabular-nums}",
  ".facts{margin:0 0 .5rem;padding-left:1.25rem}.facts li{margin:.25rem 0}",
  ".downloads button{min-height:2rem;padding:.125rem .625rem;margin:.125rem 0;font-weight:400}.downloads button[aria-busy=true]{cursor:progress}",
  ".scroll{overflow-x:auto;max-width:100%}",
  "table{border-collapse:collapse;width:100%;font-size:.9375rem}",
  "caption{text-align:left;font-weight:600;padding:0 0 .25rem}",
  "th,td{border-bottom:1px solid var(--border);padding:.4rem .5rem;text-align:left;vertical-align:top}",
  "thead th{border-bottom:2px solid var(--border);white-space:nowrap}",
  "tbody th{font-weight:600}",
  ".num{text-align:right;font-variant-numeric:tabular-nums}.nowrap{white-space:nowrap}",
  ".compact table{font-size:.875rem}.compact th,.compact td{padding:.3rem .375rem}",
  "td.zero{color:var(--muted)}#targets-body a{white-space:nowrap}",
  ".check-id{display:block;color:var(--muted);font-weight:400}",
  ".narrow{display:none}",
  ".evidence{margin:0}.evidence pre{margin-top:.25rem}",
  ".status{display:inline-block;padding:0 .4rem;border-radius:.25rem;font-weight:600;font-size:.875rem;white-space:nowrap}",
  ".fail,.drifted{color:var(--fail-fg);background:var(--fail-bg)}",
  ".unknown{color:var(--unknown-fg);background:var(--unknown-bg)}",
  ".pass,.compliant{color:var(--pass-fg);background:var(--pass-bg)}",
  ".tile.drifted,.tile.unknown,.tile.compliant,.finding.fail,.finding.unknown,.finding.pass{color:var(--fg);background:var(--bg)}",
  "figure{margin:0}",
  "#chart{min-height:220px}#chart svg{display:block;max-width:100%;height:auto}",
  "#chart text{fill:var(--muted);font-size:12px;font-family:inherit}",
  "#chart .grid-line{stroke:var(--border)}#chart .axis{stroke:var(--muted)}",
  ".bar-drifted{fill:var(--fail-fg)}.bar-unknown{fill:var(--unknown-fg)}.bar-compliant{fill:var(--pass-fg)}",
  "#chart rect{stroke:var(--panel);stroke-width:1}",
  ".legend{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;padding:0;margin:.5rem 0;font-size:.875rem}",
  ".swatch{display:inline-block;width:.875rem;height:.875rem;border-radius:.125rem;margin-right:.375rem;vertical-align:-.1em}",
  ".swatch.drifted{background:var(--fail-fg)}.swatch.unknown{background:var(--unknown-fg)}.swatch.compliant{background:var(--pass-fg)}",
  "figcaption{color:var(--muted);font-size:.875rem}",
  "details{margin:.5rem 0}summary{cursor:pointer}",
  ".filters{display:flex;flex-wrap:wrap;gap:.75rem;align-items:flex-end;margin:0 0 .5rem}",
  ".filters label{display:block;font-weight:600;font-size:.875rem;margin-bottom:.125rem}",
  ".filters .field{flex:1 1 16rem;min-width:0;max-width:26rem}.filters .field input{width:100%}",
  ".filters select{max-width:16rem}",
  ".pager{display:flex;flex-wrap:wrap;gap:.5rem;margin:.75rem 0 0}.pager button:disabled{cursor:default;opacity:.6}",
  "#target-count{margin:.25rem 0 .5rem;color:var(--muted)}",
  ".back{font-weight:600}",
  ".findings{list-style:none;padding:0;margin:0;display:grid;gap:.75rem}",
  ".finding{border:1px solid var(--border);border-left:.375rem solid var(--border);border-radius:.5rem;padding:.75rem 1rem}",
  ".finding.fail{border-left-color:var(--fail-fg)}.finding.unknown{border-left-color:var(--unknown-fg)}.finding.pass{border-left-color:var(--pass-fg)}",
  ".tags{margin:.25rem 0}.sev{font-weight:600}",
  ".kv{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.25rem 1rem;margin:.5rem 0 0}",
  ".kv dt{font-weight:600}.kv dd{margin:0;min-width:0}",
  ".target-meta{margin-bottom:.5rem}",
  "footer{border-top:1px solid var(--border);padding-top:.5rem;padding-bottom:1rem}",
  "@media (max-width:40rem){body{font-size:15px}.wrap{padding-left:.75rem;padding-right:.75rem}.card{padding:.75rem}" +
    ".wide{display:none}.narrow{display:initial}th.narrow,td.narrow{display:table-cell}th.narrow{white-space:normal}td.narrow{white-space:nowrap}th,td{padding:.35rem .375rem}.kv{grid-template-columns:minmax(0,1fr);gap:0}.kv dd{margin-bottom:.5rem}.finding{padding:.625rem .75rem}}",
  "@media print{header.site button,.filters,.pager{display:none}.scroll{overflow:visible}}",
].join("\n");

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("base64");
}

/**
 * The page's Content-Security-Policy: the inline stylesheet and script by hash, `fetch` to its
 * own origin, an empty `data:` favicon, and nothing else (no other script, style, frame, form
 * target, base URL or embedding).
 */
export const dashboardCsp = [
  "default-src 'none'",
  `script-src 'sha256-${sha256(dashboardScript)}'`,
  `style-src 'sha256-${sha256(dashboardCss)}'`,
  "connect-src 'self'",
  "img-src data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Headers the page is served with, besides the API's own (`cache-control`, `nosniff`). */
export const dashboardHeaders: Readonly<Record<string, string>> = {
  "content-security-policy": dashboardCsp,
  // The page URL may carry the function key (`?code=`): never send it on as a referrer.
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
};

let cachedPage: string | undefined;

/** The dashboard's HTML (built once: it holds no data). */
export function dashboardHtml(): string {
  cachedPage ??= buildPage();
  return cachedPage;
}

function buildPage(): string {
  // The script and stylesheet are inlined as they are: neither may end its element early.
  if (/<\/script/i.test(dashboardScript) || /<\/style/i.test(dashboardCss)) throw new Error("an inline asset would close its element");
  const tool = toolInfo();
  const title = "Egress drift dashboard";
  const legend = (["drifted", "unknown", "compliant"] as const)
    .map((st) => `<li><span class="swatch ${st}" aria-hidden="true"></span>${st[0]!.toUpperCase()}${st.slice(1)}</li>`)
    .join("");
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    '<meta name="referrer" content="no-referrer">',
    '<link rel="icon" href="data:,">',
    `<title>${title}</title>`,
    `<style>${dashboardCss}</style>`,
    "</head>",
    "<body>",
    '<a class="skip" href="#main">Skip to the dashboard</a>',
    '<header class="site"><div class="wrap">',
    `<div><h1>${title}</h1><p id="scan-meta" class="meta">Loading the latest scan…</p></div>`,
    '<button type="button" id="reload">Reload</button>',
    "</div></header>",
    '<main id="main" class="wrap" tabindex="-1">',
    "<noscript><p class=\"notice error\">This dashboard needs JavaScript to read the API. The same data is at " +
      "<code>/api/scans/latest?format=markdown</code>, or as one HTML file with <code>egress-audit scan --format html</code>.</p></noscript>",
    '<div id="notice" role="status" aria-live="polite"></div>',
    '<div id="overview" hidden>',
    '<div class="grid">',
    '<section class="card" aria-labelledby="h-latest"><h2 id="h-latest">Latest scan</h2>',
    '<dl class="tiles" id="tiles"></dl>',
    '<ul class="facts" id="facts"></ul>',
    "</section>",
    '<section class="card" aria-labelledby="h-trend"><h2 id="h-trend">Drift trend</h2>',
    `<figure><div id="chart"></div><ul class="legend" aria-label="Legend">${legend}</ul><figcaption id="trend-caption"></figcaption></figure>`,
    '<details><summary>The trend as a table</summary><div id="trend-table"></div></details>',
    "</section>",
    "</div>",
    '<section class="card" aria-labelledby="h-by-check"><h2 id="h-by-check">Failing and unknown findings by check and severity</h2>',
    '<div id="by-check"></div>',
    "</section>",
    '<section class="card" aria-labelledby="h-targets"><h2 id="h-targets" tabindex="-1">Targets</h2>',
    '<form id="filters" class="filters" role="search" aria-label="Filter targets">',
    '<div class="field"><label for="filter-text">Name, ARM id, subscription or tag</label>' +
      '<input id="filter-text" type="search" maxlength="200" autocomplete="off" spellcheck="false" placeholder="e.g. pool-ingest"></div>',
    '<div><label for="filter-status">Status</label><select id="filter-status"><option value="">All statuses</option></select></div>',
    '<div><label for="filter-check">Failing or unknown check</label><select id="filter-check"><option value="">All checks</option></select></div>',
    '<div><label for="filter-severity">Severity</label><select id="filter-severity"><option value="">All severities</option></select></div>',
    `<div><label for="filter-limit">Rows per page</label><select id="filter-limit">${[10, 25, 50, 100, 200]
      .map((n) => `<option value="${n}"${n === 50 ? " selected" : ""}>${n}</option>`)
      .join("")}</select></div>`,
    '<div><button type="reset">Clear</button></div>',
    "</form>",
    '<p id="target-count" aria-live="polite"></p>',
    '<div class="scroll" id="targets-region" role="region" aria-labelledby="h-targets" tabindex="0">',
    "<table><caption>Targets, drifted first; open one for its findings</caption><thead><tr>" +
      '<th scope="col">Target</th><th scope="col" class="wide">Status</th><th scope="col" class="num">Failing</th><th scope="col" class="num">Unknown</th>' +
      '<th scope="col" class="num wide">Passing</th><th scope="col" class="wide">Kind</th><th scope="col" class="wide">Subscription</th>' +
      '</tr></thead><tbody id="targets-body"></tbody></table>',
    "</div>",
    '<nav id="pager" class="pager" aria-label="Pages of targets" hidden>' +
      '<button type="button" id="page-prev" disabled>Previous page</button><button type="button" id="page-next" disabled>Next page</button></nav>',
    "</section>",
    "</div>",
    '<section id="target-view" class="card" aria-labelledby="target-title" hidden></section>',
    "</main>",
    `<footer class="wrap"><p class="meta">${h(tool.name)} ${h(tool.version)}. The data comes from this app's API: ` +
      "<code>/api/scans/latest/summary</code>, <code>/api/scans/{scanId}/targets</code>, <code>/api/scans</code> and <code>/api/checks</code>.</p></footer>",
    `<script>${dashboardScript}</script>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
