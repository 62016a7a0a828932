/**
 * The overview part of the dashboard's browser script (assembled in src/dashboard/client.ts):
 * the scan's tiles and facts, failing and unknown findings by check and by severity (all from the
 * scan's summary, `scans/<id>/summary`), and the drift trend (the history index, `scans`) as an
 * SVG chart with the same numbers as a table.
 *
 * A fragment, not a script: it runs inside the function src/dashboard/client/core.ts opens and
 * uses its helpers and state. Plain ES2020 in a raw string: no backtick or dollar-brace may
 * appear here.
 */
export const clientOverview = String.raw`
  // ------------------------------------------------------------------------------------------
  // Overview

  function render() {
    var r = state.summary;
    var subs = r.scope.subscriptions;
    $("h-latest").textContent = state.pinned ? "Linked scan" : "Latest scan";
    fill($("scan-meta"),
      (state.pinned ? "Linked scan finished " : "Latest scan finished "), timeEl(r.finishedAt), " \u00b7 " + plural(subs.length, "subscription") + " \u00b7 " + plural(r.summary.targets, "target")
    );
    renderLatest(r);
    renderByCheck(r);
    renderFilterOptions(r);
    startTargets();
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
      return h("div", { class: "tile" + (t[3] && t[2] ? " " + t[3] : ""), "data-stat": t[0] }, h("dt", {}, t[1]), h("dd", {}, num(t[2])));
    }));

    var facts = [];
    if (r.diff) {
      facts.push(h("li", {}, "Since the previous scan of this scope: " + plural(r.diff.new, "new drift finding") + ", " + r.diff.resolved + " resolved, " + r.diff.unchanged + " unchanged."));
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
    if (r.expiredSuppressions) {
      facts.push(h("li", {}, plural(r.expiredSuppressions, "baseline suppression") + " expired: the failures " + (r.expiredSuppressions === 1 ? "it" : "they") + " covered count as drift again."));
    }
    // Buttons, not links: a link would have to carry the key in its URL. Each fetches the report
    // with the key in the header and saves it (see download in core). The only whole-report
    // requests the page makes, and only on a click.
    facts.push(h("li", { class: "downloads" }, "Download this scan: ",
      [["JSON", "", ".json"], ["SARIF", "sarif", ".sarif"], ["CSV", "csv", ".csv"], ["Markdown", "markdown", ".md"]].map(function (f, i) {
        var button = h("button", { type: "button", "data-format": f[1] || "json" }, f[0]);
        button.addEventListener("click", function () {
          button.setAttribute("aria-busy", "true");
          download("scans/" + encodeURIComponent(r.scanId) + (f[1] ? "?format=" + f[1] : ""), "egress-audit-" + r.scanId + f[2]).then(
            function () { button.removeAttribute("aria-busy"); },
            function (err) {
              button.removeAttribute("aria-busy");
              errorNotice("The " + f[0] + " download failed: ", err);
            }
          );
        });
        return [i ? " " : "", button];
      })
    ));
    fill($("facts"), facts);
  }

  /**
   * Failing and unknown findings by check (the summary's byCheck: every catalog check, with its
   * counts), the most severe first, and the unsuppressed ones by severity (bySeverity).
   */
  function renderByCheck(r) {
    var box = $("by-check");
    var byCheck = r.byCheck || {};
    var rows = Object.keys(byCheck).filter(function (id) { return byCheck[id].fail > 0 || byCheck[id].unknown > 0; }).map(function (id) { return [id, byCheck[id]]; });
    var bySev = r.bySeverity || {};
    var sevWords = function (field) {
      return SEVERITIES.filter(function (sev) { return bySev[sev] && bySev[sev][field] > 0; }).map(function (sev) { return h("span", { "data-severity": sev, "data-count": field }, bySev[sev][field] + " " + sev); });
    };
    var join = function (parts) { return parts.map(function (p, i) { return [i ? ", " : "", p]; }); };
    var fails = sevWords("fail"), unknowns = sevWords("unknown");
    if (!rows.length) {
      fill(box, h("p", {}, "No failing or unknown findings."));
      return;
    }
    rows.sort(function (a, b) {
      return SEVERITY_RANK[a[1].severity] - SEVERITY_RANK[b[1].severity] || b[1].fail - a[1].fail || b[1].unknown - a[1].unknown || a[0].localeCompare(b[0]);
    });
    fill(box,
      h("p", { id: "by-severity" },
        fails.length ? ["Not suppressed: ", join(fails), " failing"] : "No unsuppressed failing finding",
        unknowns.length ? ["; ", join(unknowns), " unknown."] : "."),
      h("div", { class: "scroll", role: "region", "aria-labelledby": "h-by-check", tabindex: "0" },
        h("table", {},
          h("caption", { class: "visually-hidden" }, "Failing and unknown findings of this scan by check, the most severe check first"),
          h("thead", {}, h("tr", {},
            h("th", { scope: "col" }, "Check"),
            h("th", { scope: "col" }, "Severity"),
            h("th", { scope: "col", class: "num" }, "Failing"),
            h("th", { scope: "col", class: "num" }, "Unknown"),
            h("th", { scope: "col", class: "num wide" }, "Targets"))),
          h("tbody", {}, rows.map(function (e) {
            var c = e[1];
            return h("tr", { "data-check": e[0] },
              h("th", { scope: "row" }, c.title || checkTitle(e[0]), " ", h("code", { class: "check-id" }, e[0])),
              h("td", { class: "sev" }, c.severity),
              h("td", { class: "num" + (c.fail ? "" : " zero") }, h("strong", {}, num(c.fail))),
              h("td", { class: "num" + (c.unknown ? "" : " zero") }, num(c.unknown)),
              h("td", { class: "num wide" }, num(c.targets)));
          }))
        )
      ));
  }

  // ------------------------------------------------------------------------------------------
  // Trend: the scans of the latest scan's scope, oldest first, as stacked bars of targets by
  // status (drift at the baseline), with the same numbers as a table.

  function trendScans() {
    var r = state.summary;
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
`;
