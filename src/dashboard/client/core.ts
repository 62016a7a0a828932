/**
 * The first part of the dashboard's browser script (assembled in src/dashboard/client.ts): it
 * opens the script's one function scope and holds what the other parts share: the constants
 * and page state, the DOM helpers (`h`, `s`, `fill`: text nodes only, never HTML), the date
 * formats and sorting, and the API calls with loading and the notice box.
 *
 * The page reads a scan's summary (`scans/latest/summary`, or `scans/<id>/summary` for a linked
 * scan), never a whole report: the target list and a target's findings come in pages from
 * `scans/<id>/targets` (client/paging.ts, client/targets.ts).
 *
 * A fragment, not a script: it opens a function the last part closes, so it parses only as part
 * of the whole. Plain ES2020 in a raw string: no backtick or dollar-brace may appear here.
 */
export const clientCore = String.raw`"use strict";
(function () {
  var KEY_STORE = "egress-audit-function-key";
  // The key: the page's own ?code=, else one typed into the key form in this tab (a link from a
  // Teams card carries none). sessionStorage: it ends with the tab, and no URL ever holds it.
  var key = new URLSearchParams(location.search).get("code") || storedKey();
  // The API lives next to the page: /api/dashboard -> /api/ (behind any path prefix).
  var apiBase = location.pathname.replace(/\/dashboard\/?$/i, "/");
  var TREND_SCANS = 30;
  var FINDING_RANK = { fail: 0, unknown: 1, pass: 2 };
  var SEVERITIES = ["critical", "high", "medium", "low", "info"];
  var SEVERITY_RANK = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
  var STATUSES = ["drifted", "unknown", "compliant"];
  var STATUS_LABEL = { drifted: "Drifted", unknown: "Unknown", compliant: "Compliant" };
  var KIND_LABEL = { clusterPool: "Cluster pool", aksCluster: "AKS cluster" };
  var SVG = "http://www.w3.org/2000/svg";
  var baseTitle = document.title;
  // summary: the scan's summary (what the overview shows; never the whole report). page: the
  // target list's filters and the page on show (client/paging.ts).
  var state = { summary: null, pinned: null, checks: new Map(), history: [], historyError: null, lastTargetId: null, busy: false, page: null, targetSeq: 0 };

  function storedKey() {
    try { return sessionStorage.getItem(KEY_STORE); } catch (e) { return null; }
  }

  /**
   * The fragment's fields: #scan=<scan id>&target=<ARM id> (either optional). A link names a scan
   * (the Teams card does) to show that scan rather than the latest.
   */
  function hashParams() {
    var out = { scan: null, target: null };
    location.hash.replace(/^#/, "").split("&").forEach(function (part) {
      var i = part.indexOf("=");
      if (i < 0) return;
      var name = part.slice(0, i), value;
      try { value = decodeURIComponent(part.slice(i + 1)); } catch (e) { return; }
      if ((name === "scan" || name === "target") && value) out[name] = value;
    });
    return out;
  }
  /** A fragment for a view: the pinned scan (if any) and the target (if any). */
  function viewHash(targetId) {
    var parts = [];
    if (state.pinned) parts.push("scan=" + encodeURIComponent(state.pinned));
    if (targetId) parts.push("target=" + encodeURIComponent(targetId));
    return "#" + parts.join("&");
  }

  function $(id) { return document.getElementById(id); }

  /** An element with attributes and children (strings become text nodes, never HTML). */
  function h(tag, attrs) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    append(node, Array.prototype.slice.call(arguments, 2));
    return node;
  }
  function s(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    setAttrs(node, attrs);
    append(node, Array.prototype.slice.call(arguments, 2));
    return node;
  }
  function setAttrs(node, attrs) {
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) return;
      node.setAttribute(k, v === true ? "" : String(v));
    });
  }
  function append(node, children) {
    children.forEach(function (c) {
      if (Array.isArray(c)) return append(node, c);
      if (c === null || c === undefined || c === false) return;
      node.append(typeof c === "object" ? c : String(c));
    });
  }

  /** Replaces a node's children (arrays flattened, null and false skipped). */
  function fill(node) {
    node.replaceChildren();
    append(node, Array.prototype.slice.call(arguments, 1));
  }

  function plural(n, one, many) { return n + " " + (n === 1 ? one : many || one + "s"); }
  var dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  var dayFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });
  var clockFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  var secondsFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  var preciseFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", year: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  var compactFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
  var compactSecondsFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  /** True when two of these scans finished within the same minute (their times then need seconds). */
  function sameMinute(scans) {
    var minutes = scans.map(function (e) { return e.finishedAt.slice(0, 16); });
    return minutes.some(function (m, i) { return minutes.indexOf(m) !== i; });
  }
  function timeEl(iso, format) {
    var d = new Date(iso);
    return h("time", { datetime: iso }, isNaN(d.getTime()) ? iso : (format || dateFormat).format(d));
  }
  function badge(status) { return h("span", { class: "status " + status }, status); }
  function shortId(id) {
    var parts = id.split("/").filter(Boolean);
    if (parts.length >= 2 && parts.length % 2 === 0) {
      var name = parts[parts.length - 1];
      var type = parts[parts.length - 2];
      if (/^resourcegroups$/i.test(type)) return "rg/" + name;
      if (parts.length >= 10) return parts[parts.length - 3] + "/" + type + "/" + name;
      return type + "/" + name;
    }
    return id;
  }
  var numberFormat = new Intl.NumberFormat();
  function num(n) { return numberFormat.format(n); }
  function sortFindings(findings) {
    return findings.slice().sort(function (a, b) {
      return FINDING_RANK[a.status] - FINDING_RANK[b.status] || SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.checkId.localeCompare(b.checkId);
    });
  }
  /** A check's title: the catalog's (GET checks), else the scan summary's, else its id. */
  function checkTitle(id) {
    var c = state.checks.get(id);
    if (c) return c.title;
    var b = state.summary && state.summary.byCheck && state.summary.byCheck[id];
    return b && b.title ? b.title : id;
  }
  /** A check's remediation, from the catalog only (the report does not repeat it per finding). */
  function checkRemediation(id) { var c = state.checks.get(id); return c ? c.remediation : null; }

  // ------------------------------------------------------------------------------------------
  // API

  function ApiError(status, problem, message) {
    this.status = status;
    this.problem = problem;
    this.message = message;
  }
  function parseJson(text) {
    try { return JSON.parse(text); } catch (e) { return null; }
  }
  /**
   * Every API call: the key goes in the x-functions-key header, never into a URL (URLs end up in
   * history, logs and proxies). Resolves to the response when it is 2xx; rejects with an ApiError.
   */
  function send(path, accept) {
    var headers = { accept: accept };
    if (key) headers["x-functions-key"] = key;
    return fetch(apiBase + path, { headers: headers, cache: "no-store", credentials: "same-origin", referrerPolicy: "no-referrer" }).then(
      function (res) {
        if (res.ok) return res;
        return res.text().then(function (text) {
          var body = parseJson(text);
          throw new ApiError(res.status, body, (body && body.detail) || "HTTP " + res.status);
        });
      },
      function (err) { throw new ApiError(0, null, "the API could not be reached (" + err.message + ")"); }
    );
  }
  function api(path) {
    return send(path, "application/json").then(function (res) { return res.text().then(parseJson); });
  }
  /**
   * Saves an API response as a file: fetched like every call (key in the header), handed to the
   * browser as a blob: URL, which holds the bytes and names no key.
   */
  function download(path, filename) {
    return send(path, "*/*").then(function (res) { return res.blob(); }).then(function (blob) {
      var url = URL.createObjectURL(blob);
      var link = h("a", { href: url, download: filename, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      // The browser has read the URL once the click's download started; free the bytes later.
      setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
    });
  }

  function notice(content, kind) {
    var box = $("notice");
    box.className = content ? "notice" + (kind ? " " + kind : "") : "";
    fill(box);
    if (content) append(box, [content]);
  }

  function problemNotice(err) {
    var code = err.problem && err.problem.code;
    if (code === "NoScans") {
      return notice([h("strong", {}, "No scan is stored yet. "), "Start one with ", h("code", {}, "POST /api/scans"), " (see the README) or wait for the scheduled scan, then reload."]);
    }
    if ((err.status === 401 || err.status === 403) && !key) return keyForm();
    if (code === "ScanNotFound") {
      return notice([h("strong", {}, "The linked scan is not in the history. "), "It may have been removed by retention. ", h("a", { href: "#" }, "Show the latest scan"), "."], "error");
    }
    if (err.status === 401 || err.status === 403) {
      return notice([h("strong", {}, "The API refused the function key. "), "Open this page as ", h("code", {}, location.pathname + "?code=<function key>"), "."], "error");
    }
    errorNotice("The latest scan could not be read: ", err);
  }

  /** What an API error says, in words: the problem's detail, the status and the problem's code. */
  function errorText(err) {
    var code = err.problem && err.problem.code;
    return err.message + (err.status ? " (HTTP " + err.status + (code ? ", " + code : "") + ")" : "");
  }
  function errorNotice(what, err) {
    notice([h("strong", {}, what), errorText(err)], "error");
  }

  /**
   * Opened without a key (a link from a Teams card, behind App Service Authentication): ask for
   * it once per tab, then load the same view. The key goes to sessionStorage, never into a URL.
   */
  function keyForm() {
    var input = h("input", { id: "key-input", type: "password", autocomplete: "off", spellcheck: "false", required: true });
    var form = h("form", { id: "key-form", class: "filters" },
      h("div", { class: "field" }, h("label", { for: "key-input" }, "Function key"), input),
      h("div", {}, h("button", { type: "submit" }, "Open the dashboard")));
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var value = input.value.trim();
      if (!value) return;
      key = value;
      try { sessionStorage.setItem(KEY_STORE, value); } catch (err) { /* private mode: this page only */ }
      load();
    });
    notice([h("p", {}, h("strong", {}, "The API needs the function key. "), "Enter it once for this tab (it is kept for this tab only), or open this page as ", h("code", {}, location.pathname + "?code=<function key>"), "."), form]);
    input.focus();
  }

  /**
   * Loads the scan's summary (the latest, or the one a #scan= link names), the history index for
   * the trend and the check catalog, then the first page of targets. Never the whole report.
   */
  function load() {
    if (state.busy) return;
    state.busy = true;
    state.pinned = hashParams().scan;
    $("main").setAttribute("aria-busy", "true");
    notice(state.summary ? "Reloading\u2026" : state.pinned ? "Loading the linked scan\u2026" : "Loading the latest scan\u2026");
    var summary = api(state.pinned ? "scans/" + encodeURIComponent(state.pinned) + "/summary" : "scans/latest/summary");
    Promise.allSettled([summary, api("scans?limit=100"), api("checks")]).then(function (results) {
      state.busy = false;
      $("main").removeAttribute("aria-busy");
      var latest = results[0], index = results[1], catalog = results[2];
      if (catalog.status === "fulfilled") state.checks = new Map(catalog.value.checks.map(function (c) { return [c.id, c]; }));
      state.history = index.status === "fulfilled" ? index.value.items : [];
      state.historyError = index.status === "rejected" ? index.reason : null;
      if (latest.status === "rejected") {
        state.summary = null;
        state.page = null;
        $("overview").hidden = true;
        $("target-view").hidden = true;
        $("scan-meta").textContent = "No scan to show.";
        return problemNotice(latest.reason);
      }
      var reloaded = state.summary !== null;
      state.summary = latest.value;
      if (state.pinned) notice([h("strong", {}, "A linked scan: "), "this is scan ", h("code", {}, state.summary.scanId), ", which may not be the latest. ", h("a", { href: "#" }, "Show the latest scan"), "."]);
      else if (catalog.status === "rejected") errorNotice("The check catalog could not be read (titles show as ids, remediation is missing): ", catalog.reason);
      else notice(reloaded ? "Updated " + dateFormat.format(new Date()) + "." : "");
      render();
      route(false);
    });
  }
`