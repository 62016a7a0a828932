/**
 * The target list of the dashboard's browser script (assembled in src/dashboard/client.ts): its
 * filters and pages, read from the server a page at a time (`scans/<id>/targets`), never from a
 * whole report.
 *
 * The filters map to the route's query: the search box to `q` (sent after a pause in typing),
 * the selects to `status`, `check` and `severity`, the page size to `limit`. The server pages in
 * the report's order (by subscription and ARM id); the list shows drifted targets first, as the
 * dashboard always has, by reading the statuses one after another: drifted, then unknown, then
 * compliant (statuses the summary counts zero of are skipped), each from its own continuation
 * token. A page's start is a cursor (status index and token); Previous goes back through the
 * pages already shown, kept with their rows, so it costs no request. Every list request carries
 * the scan id of the summary on show, so the pages and the overview are always the same scan.
 *
 * A fragment, not a script: it runs inside the function src/dashboard/client/core.ts opens and
 * uses its helpers and state. Plain ES2020 in a raw string: no backtick or dollar-brace may
 * appear here.
 */
export const clientPaging = String.raw`
  // ------------------------------------------------------------------------------------------
  // Target list: filters and pages from the server

  var SEARCH_DELAY_MS = 300;
  /** The most requests one page may take (one per status, and a margin for short server pages). */
  var MAX_PAGE_REQUESTS = 12;
  var searchTimer = 0;
  /** Numbers every list and page request, so an answer that arrives late is recognised and dropped. */
  var listSeq = 0;

  /** The scan's path in the API (the summary's scan id: the page never mixes two scans). */
  function scanPath() { return "scans/" + encodeURIComponent(state.summary.scanId); }

  /** A targets request: the filters (status apart), then the given fields (null ones left out). */
  function targetsPath(filters, status, fields) {
    var p = new URLSearchParams();
    if (status) p.set("status", status);
    if (filters.check) p.set("check", filters.check);
    if (filters.severity) p.set("severity", filters.severity);
    if (filters.q) p.set("q", filters.q);
    Object.keys(fields).forEach(function (k) { if (fields[k] !== null && fields[k] !== undefined) p.set(k, String(fields[k])); });
    return scanPath() + "/targets?" + p.toString();
  }

  function renderFilterOptions(r) {
    var status = $("filter-status"), check = $("filter-check"), severity = $("filter-severity");
    var chosen = { status: status.value, check: check.value, severity: severity.value };
    fill(status,
      h("option", { value: "" }, "All statuses (" + num(r.summary.targets) + ")"),
      STATUSES.map(function (st) { return h("option", { value: st }, STATUS_LABEL[st] + " (" + num(r.summary[st]) + ")"); })
    );
    var byCheck = r.byCheck || {};
    fill(check,
      h("option", { value: "" }, "All checks"),
      Object.keys(byCheck).filter(function (id) { return byCheck[id].targets > 0; }).map(function (id) {
        return h("option", { value: id }, (byCheck[id].title || checkTitle(id)) + " (" + plural(byCheck[id].targets, "target") + ")");
      })
    );
    var bySev = r.bySeverity || {};
    fill(severity,
      h("option", { value: "" }, "All severities"),
      SEVERITIES.map(function (sev) {
        var c = bySev[sev] || { fail: 0, unknown: 0 };
        return h("option", { value: sev }, sev[0].toUpperCase() + sev.slice(1) + " (" + plural(c.fail + c.unknown, "finding") + ")");
      })
    );
    // A choice the new scan does not offer falls back to all.
    [[status, chosen.status], [check, chosen.check], [severity, chosen.severity]].forEach(function (e) {
      e[0].value = e[1];
      if (e[0].value !== e[1]) e[0].value = "";
    });
  }

  function currentFilters() {
    return {
      q: $("filter-text").value.trim().slice(0, 200),
      status: $("filter-status").value,
      check: $("filter-check").value,
      severity: $("filter-severity").value,
      limit: Number($("filter-limit").value) || 50
    };
  }
  function filtered(f) { return Boolean(f.q || f.status || f.check || f.severity); }

  /**
   * Starts the list over from its first page with the filters as they are now: after a load, a
   * filter change or Clear. Pending responses of an earlier list are ignored when they arrive.
   */
  function startTargets() {
    clearTimeout(searchTimer);
    if (!state.summary) return;
    var f = currentFilters();
    var counts = state.summary.summary;
    // Filters only narrow: a status with no target in the scan has none under any filter.
    var streams = (f.status ? [f.status] : STATUSES).filter(function (st) { return counts[st] > 0; });
    var total = null;
    if (!f.q && !f.check && !f.severity) total = streams.reduce(function (n, st) { return n + counts[st]; }, 0);
    var seq = ++listSeq;
    state.page = { seq: seq, filters: f, streams: streams, total: total, pages: [], index: -1, error: null, loading: false };
    var start = { s: 0, token: null };
    var loading = [fetchPage(state.page, start)];
    // Under a text, check or severity filter across statuses, one small request counts them all.
    if (total === null && streams.length > 1) {
      loading.push(api(targetsPath(f, "", { limit: 1, findings: "none" })).then(function (res) { return res.total; }));
    }
    showPage(seq, start, Promise.all(loading));
  }

  /**
   * The rows of one page from its start cursor: the current status's rows from its token, then
   * the next status's from its first page, until the page is full or the statuses run out.
   * Resolves to the rows, the next page's cursor (null after the last) and what each status's
   * answer said of its total.
   */
  function fetchPage(list, start) {
    var items = [], c = { s: start.s, token: start.token }, totals = {}, requests = 0;
    function step() {
      if (items.length >= list.filters.limit || c.s >= list.streams.length || requests >= MAX_PAGE_REQUESTS) {
        return Promise.resolve({ items: items, next: c.s < list.streams.length ? c : null, totals: totals });
      }
      requests += 1;
      var status = list.streams[c.s];
      return api(targetsPath(list.filters, status, { limit: list.filters.limit - items.length, continuationToken: c.token, findings: "none" })).then(function (res) {
        items = items.concat(res.items);
        totals[status] = res.total;
        c = res.continuationToken ? { s: c.s, token: res.continuationToken } : { s: c.s + 1, token: null };
        return step();
      });
    }
    return step();
  }

  /** Shows a page once its rows arrive (unless the list has started over since). */
  function showPage(seq, start, loading) {
    var list = state.page;
    list.loading = true;
    $("targets-region").setAttribute("aria-busy", "true");
    loading.then(
      function (results) {
        if (!state.page || state.page.seq !== seq) return;
        list.loading = false;
        var page = results[0];
        if (list.total === null) list.total = results.length > 1 ? results[1] : page.totals[list.streams[0]] || 0;
        var first = list.pages.length ? list.pages[list.index].first + list.pages[list.index].items.length : 0;
        list.pages.push({ start: start, items: page.items, next: page.next, first: first });
        list.index = list.pages.length - 1;
        list.error = null;
        renderTargets();
      },
      function (err) {
        if (!state.page || state.page.seq !== seq) return;
        list.loading = false;
        list.error = err;
        renderTargets();
        errorNotice("The targets could not be read: ", err);
      }
    );
  }

  function nextPage() {
    var list = state.page;
    if (!list || list.index < 0 || list.loading) return;
    if (list.index < list.pages.length - 1) {
      list.index += 1;
      return renderTargets();
    }
    var page = list.pages[list.index];
    if (!page.next || page.first + page.items.length >= list.total) return;
    list.seq = ++listSeq;
    showPage(list.seq, page.next, fetchPage(list, page.next).then(function (p) { return [p]; }));
  }
  function previousPage() {
    var list = state.page;
    if (!list || list.index <= 0 || list.loading) return;
    list.index -= 1;
    renderTargets();
  }

  function renderTargets() {
    var list = state.page;
    var body = $("targets-body");
    $("targets-region").removeAttribute("aria-busy");
    if (!list) return;
    if (list.error) {
      fill(body, h("tr", {}, h("td", { colspan: "7" }, "The targets could not be read: " + errorText(list.error))));
      $("target-count").textContent = "";
      $("pager").hidden = true;
      return;
    }
    var page = list.pages[list.index];
    if (!page) return;
    body.replaceChildren();
    page.items.forEach(function (t) {
      var c = t.counts;
      body.append(h("tr", { "data-status": t.status },
        h("th", { scope: "row" }, h("a", { href: viewHash(t.id), "data-target-id": t.id }, t.name), h("span", { class: "narrow" }, h("br", {}), badge(t.status))),
        h("td", { class: "wide" }, badge(t.status)),
        h("td", { class: "num" }, num(c.fail)),
        h("td", { class: "num" }, num(c.unknown)),
        h("td", { class: "num wide" }, num(c.pass)),
        h("td", { class: "wide" }, KIND_LABEL[t.kind] || t.kind),
        h("td", { class: "wide" }, h("code", {}, t.subscriptionId))
      ));
    });
    var all = state.summary.summary.targets;
    if (!all) {
      body.append(h("tr", {}, h("td", { colspan: "7" }, "This scan found no target.")));
      $("target-count").textContent = "";
    } else if (!page.items.length) {
      body.append(h("tr", {}, h("td", { colspan: "7" }, "No target matches the filter.")));
      $("target-count").textContent = "No target matches the filter (" + plural(all, "target") + " in this scan).";
    } else {
      var range = num(page.first + 1) + "\u2013" + num(page.first + page.items.length);
      $("target-count").textContent = filtered(list.filters)
        ? "Showing " + range + " of " + num(list.total) + " matching (" + plural(all, "target") + " in this scan)."
        : "Showing " + range + " of " + plural(list.total, "target") + ".";
    }
    var hasNext = list.index < list.pages.length - 1 || (page.next !== null && page.first + page.items.length < list.total);
    $("page-prev").disabled = list.index <= 0;
    $("page-next").disabled = !hasNext;
    $("pager").hidden = list.index <= 0 && !hasNext;
    // On the first or last page the button just used is disabled: focus moves to the other one.
    var active = document.activeElement;
    if ((active === $("page-next") || active === $("page-prev")) && active.disabled) (active === $("page-next") ? $("page-prev") : $("page-next")).focus();
  }

  /** Typing: the list follows after a pause, not on every key. */
  function searchSoon() {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(startTargets, SEARCH_DELAY_MS);
  }
`;
