/**
 * The dashboard's browser script, shipped inline in the page (src/dashboard/page.ts) and pinned
 * by a CSP hash. It is a string, not compiled TypeScript: the project's type environment has no
 * DOM, and `tsc` copies nothing but its own output into `dist/`, so a string is what survives the
 * build unchanged. It is plain ES2020 (no template literals, so no backtick or dollar-brace may
 * appear here); test/dashboard/ compiles it and drives it in real Chromium.
 *
 * What it does: reads the function key from the page's own `?code=` (sent back as the
 * `x-functions-key` header, so it never lands in another URL), fetches `scans/latest`,
 * `scans?limit=100` and `checks` from the same API the page is served by, and renders
 * everything with DOM calls and `textContent`: no report value is ever parsed as HTML.
 * The drill-down lives in the URL fragment (`#target=<ARM id>`), so links, the back button and
 * the keyboard work as they do anywhere, and the server never sees it.
 */
export const dashboardScript = String.raw`"use strict";
(function () {
  var key = new URLSearchParams(location.search).get("code");
  // The API lives next to the page: /api/dashboard -> /api/ (behind any path prefix).
  var apiBase = location.pathname.replace(/\/dashboard\/?$/i, "/");
  var TREND_SCANS = 30;
  var TARGET_RANK = { drifted: 0, unknown: 1, compliant: 2 };
  var FINDING_RANK = { fail: 0, unknown: 1, pass: 2 };
  var SEVERITIES = ["critical", "high", "medium", "low", "info"];
  var SEVERITY_RANK = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
  var STATUSES = ["drifted", "unknown", "compliant"];
  var STATUS_LABEL = { drifted: "Drifted", unknown: "Unknown", compliant: "Compliant" };
  var KIND_LABEL = { clusterPool: "Cluster pool", aksCluster: "AKS cluster" };
  var SVG = "http://www.w3.org/2000/svg";
  var baseTitle = document.title;
  var state = { report: null, checks: new Map(), history: [], historyError: null, lastTargetId: null, busy: false };

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
  function countFindings(findings) {
    var c = { fail: 0, unknown: 0, pass: 0 };
    findings.forEach(function (f) { c[f.status] += 1; });
    return c;
  }
  function sortTargets(targets) {
    return targets.slice().sort(function (a, b) { return TARGET_RANK[a.status] - TARGET_RANK[b.status] || a.name.localeCompare(b.name); });
  }
  function sortFindings(findings) {
    return findings.slice().sort(function (a, b) {
      return FINDING_RANK[a.status] - FINDING_RANK[b.status] || SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.checkId.localeCompare(b.checkId);
    });
  }
  function checkTitle(id) { var c = state.checks.get(id); return c ? c.title : id; }
  function apiHref(path) { return apiBase + path + (key ? (path.indexOf("?") < 0 ? "?" : "&") + "code=" + encodeURIComponent(key) : ""); }

  // ------------------------------------------------------------------------------------------
  // API

  function ApiError(status, problem, message) {
    this.status = status;
    this.problem = problem;
    this.message = message;
  }
  function api(path) {
    var headers = { accept: "application/json" };
    if (key) headers["x-functions-key"] = key;
    return fetch(apiBase + path, { headers: headers, cache: "no-store", credentials: "same-origin", referrerPolicy: "no-referrer" }).then(
      function (res) {
        return res.text().then(function (text) {
          var body = null;
          try { body = JSON.parse(text); } catch (e) { body = null; }
          if (!res.ok) throw new ApiError(res.status, body, (body && body.detail) || "HTTP " + res.status);
          return body;
        });
      },
      function (err) { throw new ApiError(0, null, "the API could not be reached (" + err.message + ")"); }
    );
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
    if (err.status === 401 || err.status === 403) {
      return notice([h("strong", {}, "The API refused the function key. "), "Open this page as ", h("code", {}, location.pathname + "?code=<function key>"), "."], "error");
    }
    notice([h("strong", {}, "The latest scan could not be read: "), err.message + (err.status ? " (HTTP " + err.status + (code ? ", " + code : "") + ")" : "")], "error");
  }

  function load() {
    if (state.busy) return;
    state.busy = true;
    $("main").setAttribute("aria-busy", "true");
    notice(state.report ? "Reloading\u2026" : "Loading the latest scan\u2026");
    Promise.allSettled([api("scans/latest"), api("scans?limit=100"), api("checks")]).then(function (results) {
      state.busy = false;
      $("main").removeAttribute("aria-busy");
      var latest = results[0], index = results[1], catalog = results[2];
      if (catalog.status === "fulfilled") state.checks = new Map(catalog.value.checks.map(function (c) { return [c.id, c]; }));
      state.history = index.status === "fulfilled" ? index.value.items : [];
      state.historyError = index.status === "rejected" ? index.reason : null;
      if (latest.status === "rejected") {
        state.report = null;
        $("overview").hidden = true;
        $("target-view").hidden = true;
        $("scan-meta").textContent = "No scan to show.";
        return problemNotice(latest.reason);
      }
      var reloaded = state.report !== null;
      state.report = latest.value;
      notice(reloaded ? "Updated " + dateFormat.format(new Date()) + "." : "");
      render();
      route(false);
    });
  }

  // ------------------------------------------------------------------------------------------
  // Overview

  function render() {
    var r = state.report;
    var subs = r.scope.subscriptions;
    fill($("scan-meta"),
      "Latest scan finished ", timeEl(r.finishedAt), " \u00b7 " + plural(subs.length, "subscription") + " \u00b7 " + plural(r.summary.targets, "target")
    );
    renderLatest(r);
    renderStatusOptions(r);
    renderTargets();
  }

  function renderLatest(r) {
    var sm = r.summary;
    var tiles = [
      ["targets", "Targets", sm.targets, ""],
      ["drifted", "Drifted", sm.drifted, "drifted"],
      ["unknown", "Unknown", sm.unknown, "unknown"],
      ["compliant", "Compliant", sm.compliant, "compliant"],
      ["failing-findings", "Failing findings", sm.findings.fail, "drifted"],
      ["unknown-findings", "Unknown findings", sm.findings.unknown, "unknown"]
    ];
    fill($("tiles"), tiles.map(function (t) {
      return h("div", { class: "tile" + (t[3] && t[2] ? " " + t[3] : ""), "data-stat": t[0] }, h("dt", {}, t[1]), h("dd", {}, t[2]));
    }));

    var facts = [];
    if (r.diff) {
      facts.push(h("li", {}, "Since the previous scan of this scope: " + plural(r.diff.new.length, "new drift finding") + ", " + r.diff.resolved.length + " resolved, " + r.diff.unchanged + " unchanged."));
    } else {
      facts.push(h("li", {}, "First scan of this scope: nothing to compare with yet."));
    }
    facts.push(h("li", {}, "Scan ", h("code", {}, r.scanId), ", " + r.stats.armRequests + " ARM requests in " + (r.stats.durationMs / 1000).toFixed(1) + " s."));
    if (r.errors.length) {
      facts.push(h("li", {}, h("details", {},
        h("summary", {}, plural(r.errors.length, "read") + " failed: the findings that needed " + (r.errors.length === 1 ? "it" : "them") + " are unknown, never pass"),
        h("ul", {}, r.errors.map(function (e) { return h("li", {}, h("code", {}, e.code), " ", h("code", {}, e.scope), ": " + e.message); }))
      )));
    }
    if (r.expiredSuppressions && r.expiredSuppressions.length) {
      facts.push(h("li", {}, plural(r.expiredSuppressions.length, "baseline suppression") + " expired: the failures " + (r.expiredSuppressions.length === 1 ? "it" : "they") + " covered count as drift again."));
    }
    facts.push(h("li", {}, "Download this scan: ",
      [["JSON", ""], ["SARIF", "sarif"], ["CSV", "csv"], ["Markdown", "markdown"]].map(function (f, i) {
        return [i ? " \u00b7 " : "", h("a", { href: apiHref("scans/" + encodeURIComponent(r.scanId) + (f[1] ? "?format=" + f[1] : "")) }, f[0])];
      })
    ));
    fill($("facts"), facts);

    // Failing findings by check and severity: only the severities that occur get a column.
    var byCheck = new Map();
    r.targets.forEach(function (t) {
      t.findings.forEach(function (f) {
        if (f.status !== "fail") return;
        var row = byCheck.get(f.checkId) || { critical: 0, high: 0, medium: 0, low: 0, info: 0, total: 0 };
        row[f.severity] += 1;
        row.total += 1;
        byCheck.set(f.checkId, row);
      });
    });
    var box = $("by-check");
    if (!byCheck.size) {
      fill(box, h("p", {}, "No failing findings."));
      return;
    }
    var sevs = SEVERITIES.filter(function (sev) { return Array.from(byCheck.values()).some(function (row) { return row[sev] > 0; }); });
    function worst(row) { return SEVERITIES.findIndex(function (sev) { return row[sev] > 0; }); }
    var rows = Array.from(byCheck.entries()).sort(function (a, b) { return worst(a[1]) - worst(b[1]) || b[1].total - a[1].total || a[0].localeCompare(b[0]); });
    function inWords(row) { return sevs.filter(function (sev) { return row[sev] > 0; }).map(function (sev) { return row[sev] + " " + sev; }).join(", "); }
    fill(box, h("div", { class: "scroll", role: "region", "aria-labelledby": "h-by-check", tabindex: "0" },
      h("table", {},
        h("caption", { class: "visually-hidden" }, "Failing findings of the latest scan by check and severity, the most severe first"),
        h("thead", {}, h("tr", {},
          h("th", { scope: "col" }, "Check"),
          sevs.map(function (sev) { return h("th", { scope: "col", class: "num wide" }, sev[0].toUpperCase() + sev.slice(1)); }),
          h("th", { scope: "col", class: "narrow" }, "By severity"),
          h("th", { scope: "col", class: "num" }, "Total"))),
        h("tbody", {}, rows.map(function (e) {
          return h("tr", { "data-check": e[0] },
            h("th", { scope: "row" }, checkTitle(e[0]), " ", h("code", { class: "check-id" }, e[0])),
            sevs.map(function (sev) { return h("td", { class: "num wide" + (e[1][sev] ? "" : " zero") }, e[1][sev]); }),
            h("td", { class: "narrow" }, inWords(e[1])),
            h("td", { class: "num" }, h("strong", {}, e[1].total)));
        }))
      )
    ));
  }

  // ------------------------------------------------------------------------------------------
  // Trend: the scans of the latest scan's scope, oldest first, as stacked bars of targets by
  // status (drift at the baseline), with the same numbers as a table.

  function trendScans() {
    var r = state.report;
    var items = state.history;
    var own = items.find(function (e) { return e.scanId === r.scanId; });
    var subsKey = r.scope.subscriptions.slice().sort().join(",");
    var same = items.filter(function (e) {
      return own ? e.scopeKey === own.scopeKey : e.scope.targets.length === 0 && e.subscriptions.slice().sort().join(",") === subsKey;
    });
    return same.sort(function (a, b) { return a.startedAt.localeCompare(b.startedAt); }).slice(-TREND_SCANS);
  }

  function niceStep(max) {
    var steps = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000];
    for (var i = 0; i < steps.length; i++) if (max / steps[i] <= 5) return steps[i];
    return Math.ceil(max / 5);
  }

  function renderTrend() {
    var scans = trendScans();
    var chart = $("chart");
    var caption = $("trend-caption");
    if (state.historyError) {
      fill(chart, h("p", { class: "notice error" }, "The scan history could not be read: " + state.historyError.message));
      caption.textContent = "";
      fill($("trend-table"));
      return;
    }
    if (!scans.length) {
      fill(chart, h("p", {}, "No scan of this scope in the history yet."));
      caption.textContent = "";
      fill($("trend-table"));
      return;
    }
    var first = scans[0].summary, last = scans[scans.length - 1].summary;
    caption.textContent = "Targets by status in the last " + plural(scans.length, "scan") + " of this scope, oldest on the left; drifted targets at the bottom of each bar." +
      (scans.length === 1 ? " The trend grows with every scan." : " Drifted targets: " + first.drifted + " then " + last.drifted + "; failing findings: " + first.findings.fail + " then " + last.findings.fail + ".");
    drawChart(scans);
    var seconds = sameMinute(scans);
    fill($("trend-table"), h("div", { class: "scroll compact", role: "region", "aria-label": "Trend data", tabindex: "0" },
      h("table", {},
        h("caption", {}, "Scans of this scope, newest first"),
        h("thead", {}, h("tr", {}, ["Finished", "Drifted", "Unknown", "Compliant", "Failing", "New", "Resolved"].map(function (c, i) {
          return h("th", { scope: "col", class: i ? "num" : null }, c);
        }))),
        h("tbody", {}, scans.slice().reverse().map(function (e) {
          return h("tr", {},
            h("th", { scope: "row", class: "nowrap" }, timeEl(e.finishedAt, seconds ? compactSecondsFormat : compactFormat)),
            h("td", { class: "num" }, e.summary.drifted), h("td", { class: "num" }, e.summary.unknown), h("td", { class: "num" }, e.summary.compliant),
            h("td", { class: "num" }, e.summary.findings.fail),
            h("td", { class: "num" }, e.diff ? e.diff.new : "\u2013"), h("td", { class: "num" }, e.diff ? e.diff.resolved : "\u2013"));
        }))
      )
    ), h("p", { class: "meta" }, "Failing: failing findings. New and Resolved: drift findings against the scan before (\u2013 for the first scan of a scope)."));
  }

  function drawChart(scans) {
    var chart = $("chart");
    var width = Math.max(260, Math.floor(chart.clientWidth || 600));
    var height = 220;
    var m = { top: 12, right: 8, bottom: 40, left: 34 };
    var pw = width - m.left - m.right, ph = height - m.top - m.bottom;
    var max = Math.max(1, Math.max.apply(null, scans.map(function (e) { return e.summary.targets; })));
    var step = niceStep(max), top = Math.ceil(max / step) * step;
    function y(v) { return m.top + ph - (v / top) * ph; }
    var slot = pw / scans.length;
    var bw = Math.max(3, Math.min(56, slot * 0.7));
    var last = scans[scans.length - 1].summary;
    var svg = s("svg", { viewBox: "0 0 " + width + " " + height, width: width, height: height, role: "img", "aria-labelledby": "chart-title chart-desc", focusable: "false" },
      s("title", { id: "chart-title" }, "Drift trend"),
      s("desc", { id: "chart-desc" }, $("trend-caption").textContent + " Latest: " + last.drifted + " drifted, " + last.unknown + " unknown, " + last.compliant + " compliant.")
    );
    for (var v = 0; v <= top; v += step) {
      svg.append(s("line", { class: "grid-line", x1: m.left, x2: width - m.right, y1: y(v), y2: y(v) }));
      svg.append(s("text", { x: m.left - 6, y: y(v) + 4, "text-anchor": "end" }, v));
    }
    var labelEvery = Math.max(1, Math.ceil(scans.length / Math.max(1, Math.floor(pw / 64))));
    // Scans in the same minute would share a label: then the labels show seconds.
    var clock = sameMinute(scans) ? secondsFormat : clockFormat;
    scans.forEach(function (e, i) {
      var x = m.left + slot * i + (slot - bw) / 2;
      var g = s("g", { class: "bar" }, s("title", {}, preciseFormat.format(new Date(e.finishedAt)) + ": " + e.summary.drifted + " drifted, " + e.summary.unknown + " unknown, " + e.summary.compliant + " compliant; " + e.summary.findings.fail + " failing findings"));
      var acc = 0;
      STATUSES.forEach(function (status) {
        var n = e.summary[status];
        if (!n) return;
        g.append(s("rect", { class: "bar-" + status, x: x, width: bw, y: y(acc + n), height: Math.max(0, y(acc) - y(acc + n)) }));
        acc += n;
      });
      svg.append(g);
      if (i % labelEvery === 0 || i === scans.length - 1) {
        var d = new Date(e.finishedAt), cx = x + bw / 2;
        if (i === scans.length - 1 || (i + labelEvery) < scans.length) {
          svg.append(s("text", { x: cx, y: height - m.bottom + 16, "text-anchor": "middle" }, dayFormat.format(d)));
          svg.append(s("text", { x: cx, y: height - m.bottom + 30, "text-anchor": "middle" }, clock.format(d)));
        }
      }
    });
    svg.append(s("line", { class: "axis", x1: m.left, x2: width - m.right, y1: y(0), y2: y(0) }));
    fill(chart, svg);
  }

  // ------------------------------------------------------------------------------------------
  // Target list with its filters

  function renderStatusOptions(r) {
    var select = $("filter-status");
    var chosen = select.value;
    fill(select,
      h("option", { value: "" }, "All statuses (" + r.summary.targets + ")"),
      STATUSES.map(function (st) { return h("option", { value: st }, STATUS_LABEL[st] + " (" + r.summary[st] + ")"); })
    );
    select.value = chosen;
  }

  function matches(t, words, status) {
    if (status && t.status !== status) return false;
    if (!words.length) return true;
    var hay = [t.name, t.id, KIND_LABEL[t.kind] || t.kind, t.subscriptionId, t.status]
      .concat(t.findings.filter(function (f) { return f.status !== "pass"; }).map(function (f) { return f.checkId; }))
      .join("\n").toLowerCase();
    return words.every(function (w) { return hay.indexOf(w) >= 0; });
  }

  function renderTargets() {
    var r = state.report;
    if (!r) return;
    var words = $("filter-text").value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    var status = $("filter-status").value;
    var shown = sortTargets(r.targets).filter(function (t) { return matches(t, words, status); });
    var body = $("targets-body");
    body.replaceChildren();
    shown.forEach(function (t) {
      var c = countFindings(t.findings);
      body.append(h("tr", { "data-status": t.status },
        h("th", { scope: "row" }, h("a", { href: "#target=" + encodeURIComponent(t.id), "data-target-id": t.id }, t.name), h("span", { class: "narrow" }, h("br", {}), badge(t.status))),
        h("td", { class: "wide" }, badge(t.status)),
        h("td", { class: "num" }, c.fail),
        h("td", { class: "num" }, c.unknown),
        h("td", { class: "num wide" }, c.pass),
        h("td", { class: "wide" }, KIND_LABEL[t.kind] || t.kind),
        h("td", { class: "wide" }, h("code", {}, t.subscriptionId))
      ));
    });
    if (!shown.length) body.append(h("tr", {}, h("td", { colspan: "7" }, "No target matches the filter.")));
    $("target-count").textContent = "Showing " + shown.length + " of " + plural(r.targets.length, "target") + ".";
  }

  // ------------------------------------------------------------------------------------------
  // Target view (drill-down)

  function kv(label, value) { return [h("dt", {}, label), h("dd", {}, value)]; }

  function findingCard(f, id, open) {
    var sup = f.suppressed;
    return h("li", {}, h("article", { class: "finding " + f.status, "aria-labelledby": id, "data-finding": f.checkId },
      h("h4", { id: id }, checkTitle(f.checkId)),
      h("p", { class: "tags" }, badge(f.status), " ", h("span", { class: "sev" }, f.severity + " severity"), " ", h("code", {}, f.checkId), " on ", h("code", {}, shortId(f.resourceId))),
      h("p", {}, f.message),
      h("dl", { class: "kv" },
        kv("Expected", f.expected),
        kv("Actual", f.actual),
        sup ? kv("Suppressed", sup.reason + " (" + sup.owner + (sup.expires ? ", until " + sup.expires : "") + ")") : null,
        open ? kv("Remediation", f.remediation) : null,
        kv("Resource", h("code", {}, f.resourceId)),
        kv("Evidence", h("details", { class: "evidence" }, h("summary", {}, "Show the evidence"), h("pre", {}, JSON.stringify(f.evidence, null, 2))))
      )
    ));
  }

  function renderTarget(t) {
    var c = countFindings(t.findings);
    var open = sortFindings(t.findings.filter(function (f) { return f.status !== "pass"; }));
    var passes = sortFindings(t.findings.filter(function (f) { return f.status === "pass"; }));
    fill($("target-view"),
      h("p", {}, h("a", { href: "#", class: "back" }, h("span", { "aria-hidden": "true" }, "\u2190 "), "All targets")),
      h("h2", { id: "target-title", tabindex: "-1" }, t.name, " ", badge(t.status)),
      h("dl", { class: "kv target-meta" },
        kv("Kind", KIND_LABEL[t.kind] || t.kind),
        kv("ARM id", h("code", {}, t.id)),
        kv("Subscription", h("code", {}, t.subscriptionId)),
        kv("Findings", c.fail + " failing, " + c.unknown + " unknown, " + c.pass + " passing")
      ),
      h("h3", { id: "h-open" }, "Failing and unknown findings (" + open.length + ")"),
      open.length
        ? h("ol", { class: "findings", "aria-labelledby": "h-open", "data-list": "open" }, open.map(function (f, i) { return findingCard(f, "finding-open-" + i, true); }))
        : h("p", {}, "No failing or unknown findings."),
      passes.length
        ? h("details", { class: "passing" }, h("summary", {}, plural(passes.length, "passing finding")),
            h("ol", { class: "findings", "data-list": "pass" }, passes.map(function (f, i) { return findingCard(f, "finding-pass-" + i, false); })))
        : null
    );
  }

  function targetIdFromHash() {
    var m = /^#target=(.+)$/.exec(location.hash);
    if (!m) return null;
    try { return decodeURIComponent(m[1]); } catch (e) { return null; }
  }

  function route(focus) {
    if (!state.report) return;
    var id = targetIdFromHash();
    var overview = $("overview"), view = $("target-view");
    if (id === null) {
      view.hidden = true;
      overview.hidden = false;
      document.title = baseTitle;
      renderTrend(); // drawn to the width it has now that it is visible
      if (focus) {
        var link = Array.prototype.find.call(document.querySelectorAll("#targets-body a"), function (a) { return a.getAttribute("data-target-id") === state.lastTargetId; });
        (link || $("h-targets")).focus();
      }
      return;
    }
    var t = state.report.targets.find(function (x) { return x.id.toLowerCase() === id.toLowerCase(); });
    if (t) {
      state.lastTargetId = t.id;
      renderTarget(t);
      document.title = t.name + " (" + t.status + ") \u00b7 " + baseTitle;
    } else {
      fill($("target-view"),
        h("p", {}, h("a", { href: "#", class: "back" }, h("span", { "aria-hidden": "true" }, "\u2190 "), "All targets")),
        h("h2", { id: "target-title", tabindex: "-1" }, "Target not in the latest scan"),
        h("p", {}, "The latest scan has no target ", h("code", {}, id), ".")
      );
      document.title = "Target not found \u00b7 " + baseTitle;
    }
    overview.hidden = true;
    view.hidden = false;
    window.scrollTo(0, 0);
    if (focus) $("target-title").focus();
  }

  // ------------------------------------------------------------------------------------------

  $("filter-text").addEventListener("input", renderTargets);
  $("filter-status").addEventListener("change", renderTargets);
  $("filters").addEventListener("submit", function (e) { e.preventDefault(); });
  $("filters").addEventListener("reset", function () { setTimeout(renderTargets, 0); });
  $("reload").addEventListener("click", load);
  window.addEventListener("hashchange", function () { route(true); });
  var resizeTimer = 0;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () { if (state.report && !$("overview").hidden) renderTrend(); }, 150);
  });
  load();
})();
`;
