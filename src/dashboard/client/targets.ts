/**
 * The targets part of the dashboard's browser script (assembled in src/dashboard/client.ts): the
 * drill-down into one target's findings (that target alone, `scans/<id>/targets?id=<ARM id>&findings=all`;
 * remediation from the check catalog), routing on the URL fragment, and the event wiring that
 * starts the first load. It closes the function src/dashboard/client/core.ts opens.
 *
 * A fragment, not a script: it parses only as part of the whole. Plain ES2020 in a raw string:
 * no backtick or dollar-brace may appear here.
 */
export const clientTargets = String.raw`
  // ------------------------------------------------------------------------------------------
  // Target view (drill-down): one target of the scan, read by its ARM id with every finding

  function kv(label, value) { return [h("dt", {}, label), h("dd", {}, value)]; }

  function findingCard(f, id, open) {
    var sup = f.suppressed;
    var remediation = open ? checkRemediation(f.checkId) : null;
    return h("li", {}, h("article", { class: "finding " + f.status, "aria-labelledby": id, "data-finding": f.checkId },
      h("h4", { id: id }, checkTitle(f.checkId)),
      h("p", { class: "tags" }, badge(f.status), " ", h("span", { class: "sev" }, f.severity + " severity"), " ", h("code", {}, f.checkId), " on ", h("code", {}, shortId(f.resourceId))),
      h("p", {}, f.message),
      h("dl", { class: "kv" },
        kv("Expected", f.expected),
        kv("Actual", f.actual),
        sup ? kv("Suppressed", sup.reason + " (" + sup.owner + (sup.expires ? ", until " + sup.expires : "") + ")") : null,
        // From the catalog (GET checks): the report keeps remediation once per check, not per finding.
        remediation ? kv("Remediation", remediation) : null,
        kv("Resource", h("code", {}, f.resourceId)),
        // A passing finding's evidence is kept only when the scan kept it (evidence "all").
        f.evidence !== undefined ? kv("Evidence", h("details", { class: "evidence" }, h("summary", {}, "Show the evidence"), h("pre", {}, JSON.stringify(f.evidence, null, 2)))) : null
      )
    ));
  }

  function backLink() {
    return h("p", {}, h("a", { href: viewHash(null), class: "back" }, h("span", { "aria-hidden": "true" }, "\u2190 "), "All targets"));
  }

  function renderTarget(t) {
    var c = t.counts;
    var open = sortFindings(t.findings.filter(function (f) { return f.status !== "pass"; }));
    var passes = sortFindings(t.findings.filter(function (f) { return f.status === "pass"; }));
    fill($("target-view"),
      backLink(),
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

  /** One target with all its findings (and pass evidence when the scan kept it). */
  function targetPath(id) {
    var p = new URLSearchParams();
    p.set("id", id);
    p.set("findings", "all");
    if (state.summary.evidence === "all") p.set("evidence", "all");
    return scanPath() + "/targets?" + p.toString();
  }

  function showTargetView(title, focus) {
    document.title = title + " \u00b7 " + baseTitle;
    $("overview").hidden = true;
    $("target-view").hidden = false;
    window.scrollTo(0, 0);
    if (focus) $("target-title").focus();
  }

  function route(focus) {
    if (!state.summary) return;
    var id = targetIdFromHash();
    var overview = $("overview"), view = $("target-view");
    state.targetSeq += 1;
    if (id === null) {
      view.hidden = true;
      view.removeAttribute("aria-busy");
      overview.hidden = false;
      document.title = baseTitle;
      renderTrend(); // drawn to the width it has now that it is visible
      if (focus) {
        var link = Array.prototype.find.call(document.querySelectorAll("#targets-body a"), function (a) { return a.getAttribute("data-target-id") === state.lastTargetId; });
        (link || $("h-targets")).focus();
      }
      return;
    }
    // The view changes when the target has arrived, so focus lands on its heading, not on a placeholder.
    var seq = state.targetSeq;
    view.setAttribute("aria-busy", "true");
    api(targetPath(id)).then(
      function (res) {
        if (seq !== state.targetSeq) return;
        view.removeAttribute("aria-busy");
        var t = res.items[0];
        if (t) {
          state.lastTargetId = t.id;
          renderTarget(t);
          return showTargetView(t.name + " (" + t.status + ")", focus);
        }
        fill(view,
          backLink(),
          h("h2", { id: "target-title", tabindex: "-1" }, state.pinned ? "Target not in this scan" : "Target not in the latest scan"),
          h("p", {}, (state.pinned ? "This scan" : "The latest scan") + " has no target ", h("code", {}, id), ".")
        );
        showTargetView("Target not found", focus);
      },
      function (err) {
        if (seq !== state.targetSeq) return;
        view.removeAttribute("aria-busy");
        fill(view,
          backLink(),
          h("h2", { id: "target-title", tabindex: "-1" }, "The target could not be read"),
          h("p", { class: "notice error" }, "Target ", h("code", {}, id), ": " + errorText(err))
        );
        errorNotice("The target could not be read: ", err);
        showTargetView("Target not read", focus);
      }
    );
  }

  // ------------------------------------------------------------------------------------------

  $("filter-text").addEventListener("input", searchSoon);
  ["filter-status", "filter-check", "filter-severity", "filter-limit"].forEach(function (id) { $(id).addEventListener("change", startTargets); });
  // Enter in the search box applies it at once.
  $("filters").addEventListener("submit", function (e) { e.preventDefault(); startTargets(); });
  $("filters").addEventListener("reset", function () { setTimeout(startTargets, 0); });
  $("page-next").addEventListener("click", nextPage);
  $("page-prev").addEventListener("click", previousPage);
  $("reload").addEventListener("click", load);
  // A fragment naming another scan (or none after a linked one) loads that scan; else it routes.
  window.addEventListener("hashchange", function () {
    if (hashParams().scan !== state.pinned) load();
    else route(true);
  });
  var resizeTimer = 0;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () { if (state.summary && !$("overview").hidden) renderTrend(); }, 150);
  });
  load();
})();
`;
