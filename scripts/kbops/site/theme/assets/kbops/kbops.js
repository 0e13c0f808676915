/* kbops: report searches, result clicks, page views, feedback and contact clicks to the event collector.
 * Schema (DESIGN.md): {ts, event, session, query, results, doc, rank, helpful, locale, channel: "site"}.
 * Sent with navigator.sendBeacon as text/plain (no CORS preflight); failures are silent by design. */
(function () {
  "use strict";
  var cfg = window.__kbops || {};
  if (!cfg.endpoint) return;
  var SEARCH_DEBOUNCE_MS = 800;
  var scope = window.__md_scope || (function () {
    try { return new URL(JSON.parse(document.getElementById("__config").textContent).base, location.href); } catch (e) { return new URL(".", location.href); }
  })();

  function sessionId() {
    var key = "kbops.session", id = null;
    try { id = sessionStorage.getItem(key); } catch (e) { /* storage disabled */ }
    if (!id) {
      id = "s-" + Math.random().toString(36).slice(2, 10) + Date.now().toString(36);
      try { sessionStorage.setItem(key, id); } catch (e) { /* per-page session */ }
    }
    return id;
  }
  var session = sessionId();

  function page() {
    var el = document.querySelector("[data-kb-doc]:not(a)");
    var meta = document.querySelector('meta[name="kb:id"]');
    var locale = el ? el.getAttribute("data-kb-locale") : null;
    if (!locale) { var m = document.querySelector('meta[name="kb:locale"]'); locale = m ? m.content : null; }
    return { doc: el ? el.getAttribute("data-kb-doc") : (meta ? meta.content : null), locale: locale || document.documentElement.lang || "en" };
  }

  function send(event, fields) {
    var body = { ts: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"), event: event, session: session, locale: page().locale, channel: "site" };
    for (var k in fields) if (fields[k] !== undefined && fields[k] !== null) body[k] = fields[k];
    var data = JSON.stringify(body);
    try {
      var blob = new Blob([data], { type: "text/plain;charset=UTF-8" });
      if (navigator.sendBeacon && navigator.sendBeacon(cfg.endpoint, blob)) return;
    } catch (e) { /* fall through */ }
    try {
      fetch(cfg.endpoint, { method: "POST", body: data, keepalive: true, mode: "no-cors", headers: { "Content-Type": "text/plain;charset=UTF-8" } }).catch(function () {});
    } catch (e) { /* no collector: the site works without it */ }
  }

  /* Page URL (relative to the site root) -> document id, for result clicks. Loaded on first search. */
  var ids = null, idsLoading = null;
  function loadIds() {
    if (!idsLoading) {
      idsLoading = fetch(new URL("_kbops/ids.json", scope).href).then(function (r) { return r.ok ? r.json() : {}; })
        .then(function (m) { ids = m; }, function () { ids = {}; });
    }
    return idsLoading;
  }
  function docForHref(href) {
    var url = new URL(href, location.href), base = scope.pathname;
    var path = url.pathname.indexOf(base) === 0 ? url.pathname.slice(base.length) : url.pathname.replace(/^\//, "");
    path = path.replace(/index\.html$/, "");
    if (!ids) return null;
    try { path = decodeURI(path); } catch (e) { /* keep it encoded */ }
    return ids[path] || null;
  }

  /* Searches: debounced; the result count is read from Material's result summary once it is rendered. */
  var meta = null, initialMeta = "";
  var timer = null, lastQuery = "", pending = "";
  function translations() {
    try { return JSON.parse(document.getElementById("__config").textContent).translations || {}; } catch (e) { return {}; }
  }
  /* On `kb serve` the search box reports the engine's own count (site.js, event `kbops:search`). */
  var apiTotal = null;
  function apiMode() { return document.documentElement.classList.contains("kb-api-search"); }
  document.addEventListener("kbops:search", function (ev) {
    var d = ev.detail || {};
    if (!d.query) return;
    pending = d.query; apiTotal = d.total;
    loadIds();
    clearTimeout(timer);
    timer = setTimeout(function () { flushSearch(0); }, SEARCH_DEBOUNCE_MS);
  });
  /* Material's summary line: "No matching documents" / "1 matching document" / "# matching documents". */
  function resultCount() {
    if (apiMode()) return apiTotal;
    var t = translations(), text = meta ? meta.textContent.trim() : "";
    if (!text || text === initialMeta || text === t["search.result.initializer"] || text === t["search.result.placeholder"]) return null;
    if (text === t["search.result.none"]) return 0;
    if (text === t["search.result.one"]) return 1;
    var n = text.match(/\d[\d.,\s]*/);
    return n ? parseInt(n[0].replace(/[^\d]/g, ""), 10) : document.querySelectorAll(".md-search-result__list > li").length;
  }
  function flushSearch(retries) {
    clearTimeout(timer); timer = null;
    var q = pending.trim();
    if (!q || q === lastQuery) return;
    var count = resultCount();
    if (count === null && retries > 0) { timer = setTimeout(function () { flushSearch(retries - 1); }, 300); return; }
    lastQuery = q;
    send("search", { query: q, results: count === null ? 0 : count });
  }
  function wireSearch() {
    var form = document.forms.search, input = form ? form.query : null;
    meta = document.querySelector(".md-search-result__meta");
    initialMeta = meta ? meta.textContent.trim() : "";
    if (!input) return;
    input.addEventListener("focus", loadIds);
    input.addEventListener("input", function () {
      if (apiMode()) return; /* counted from the engine's answer instead */
      loadIds();
      pending = input.value;
      clearTimeout(timer);
      timer = setTimeout(function () { flushSearch(10); }, SEARCH_DEBOUNCE_MS);
    });
    input.addEventListener("keydown", function (ev) { if (ev.key === "Enter") flushSearch(0); });
  }

  document.addEventListener("click", function (ev) {
    var target = ev.target instanceof Element ? ev.target : null;
    if (!target) return;
    var link = target.closest(".md-search-result a");
    if (link) {
      flushSearch(0);
      var item = link.closest(".md-search-result__list > li");
      var items = item ? Array.prototype.slice.call(item.parentNode.children) : [];
      var rank = parseInt(link.getAttribute("data-kb-rank") || "", 10) || (item ? items.indexOf(item) + 1 : undefined);
      send("click", { doc: link.getAttribute("data-kb-doc") || docForHref(link.href), rank: rank, query: lastQuery || undefined });
      return;
    }
    var contact = target.closest("[data-kb-contact]");
    if (contact) { send("contact", { doc: page().doc }); return; }
    var vote = target.closest('form[name="feedback"] [type="submit"]');
    if (vote) {
      ev.preventDefault();
      var fb = vote.form, value = vote.getAttribute("data-md-value");
      send("feedback", { doc: page().doc, helpful: value === "1" });
      fb.firstElementChild.disabled = true;
      var note = fb.querySelector(".md-feedback__note [data-md-value='" + value + "']");
      if (note) note.hidden = false;
    }
  }, true);

  /* Page views: once per page load, including Material's instant navigation. */
  var lastView = null;
  function onPage() {
    var info = page();
    var fb = document.forms.feedback;
    if (fb && fb.classList.contains("kb-feedback")) fb.hidden = false;
    if (info.doc && location.pathname !== lastView) {
      lastView = location.pathname;
      send("view", { doc: info.doc });
    }
  }
  function init() {
    wireSearch();
    if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(onPage);
    else onPage();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
