/**
 * The targets part of the dashboard's browser script (assembled in src/dashboard/client.ts):
 * the filtered target list, the drill-down into one target's findings, routing on the URL
 * fragment, and the event wiring that starts the first load. It closes the function
 * src/dashboard/client/core.ts opens.
 *
 * A fragment, not a script: it parses only as part of the whole. Plain ES2020 in a raw string:
 * no backtick or dollar-brace may appear here.
 */
export const clientTargets = String.raw`
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
        h("th", { scope: "row" }, h("a", { href: viewHash(t.id), "data-target-id": t.id }, t.name), h("span", { class: "narrow" }, h("br", {}), badge(t.status))),
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
      h("p", {}, h("a", { href: viewHash(null), class: "back" }, h("span", { "aria-hidden": "true" }, "\u2190 "), "All targets")),
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

  function targetIdFromHash() { return hashParams().target; }

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
        h("p", {}, h("a", { href: viewHash(null), class: "back" }, h("span", { "aria-hidden": "true" }, "\u2190 "), "All targets")),
        h("h2", { id: "target-title", tabindex: "-1" }, state.pinned ? "Target not in this scan" : "Target not in the latest scan"),
        h("p", {}, (state.pinned ? "This scan" : "The latest scan") + " has no target ", h("code", {}, id), ".")
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
  // A fragment naming another scan (or none after a linked one) loads that scan; else it routes.
  window.addEventListener("hashchange", function () {
    if (hashParams().scan !== state.pinned) load();
    else route(true);
  });
  var resizeTimer = 0;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () { if (state.report && !$("overview").hidden) renderTrend(); }, 150);
  });
  load();
})();
`;
