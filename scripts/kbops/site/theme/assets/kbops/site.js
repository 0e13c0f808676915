/* kbops site script (a file, never inline: `kb serve` sends a CSP that allows only the site's own scripts).
 *  - languages: a link to another language loads the page in full (Material's instant navigation keeps the
 *    header, which is in the old language); the language selector follows instant navigation;
 *  - sign-in: when `kb serve` answers /api/whoami, the header shows "Agent sign-in" or the audience and
 *    "Sign out"; both return the agent to the page (and language) they came from;
 *  - search: when `kb serve` answers, the search box queries /api/search (the caller's audience, the
 *    page's locale) and renders the engine's hits in Material's result list; static hosting keeps
 *    Material's own search. Results are announced as a `kbops:search` event for the analytics script;
 *  - doc-id URLs: on the 404 page, /id/<doc-id>/ resolves through the site's id map. */
(function () {
  "use strict";
  var me = document.getElementById("__kbops_site");
  var mdConfig = {};
  try { mdConfig = JSON.parse(document.getElementById("__config").textContent); } catch (e) { /* not Material */ }
  var scope = new URL(mdConfig.base || ".", location.href); /* the site root, resolved once (instant navigation moves location) */
  var translations = mdConfig.translations || {};

  function pageLocale() {
    var marker = document.querySelector("[data-kb-page-locale]");
    return (marker && marker.getAttribute("data-kb-page-locale")) || document.documentElement.lang || "en";
  }
  function here() { return location.pathname + location.search; }

  /* ---------- languages ---------- */
  var shownLocale = document.documentElement.lang;
  window.addEventListener("click", function (ev) {
    var link = ev.target instanceof Element ? ev.target.closest("a[hreflang]") : null;
    if (!link || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    if (link.getAttribute("hreflang") === shownLocale) return;
    ev.stopPropagation(); /* a full page load: the header, <html lang> and navigation switch language too */
  }, true);
  function syncAlternates() {
    var targets = {};
    document.querySelectorAll('head link[rel="alternate"][hreflang]').forEach(function (el) { targets[el.hreflang] = el.href; });
    targets[pageLocale()] = location.href.split("#")[0];
    document.querySelectorAll(".md-select__link[hreflang]").forEach(function (a) {
      var lang = a.getAttribute("hreflang"), home = a.getAttribute("data-kb-home");
      if (targets[lang]) a.href = targets[lang];
      else if (home !== null) a.href = new URL(home, scope).href; /* no version of this page: that language's home */
    });
  }

  /* ---------- sign-in state ---------- */
  var auth = document.querySelector("[data-kb-auth]");
  var served = null; /* {audience, signed_in} once `kb serve` answered; false on static hosting */
  function syncAuth() {
    if (!auth || !served) return;
    var signin = auth.querySelector("[data-kb-signin]"), state = auth.querySelector("[data-kb-signed-in]");
    var names = {};
    try { names = JSON.parse(auth.getAttribute("data-kb-names")) || {}; } catch (e) { /* keep codes */ }
    var login = new URL(signin.getAttribute("data-kb-login-path") || "login/", scope);
    login.searchParams.set("next", here());
    signin.href = login.href;
    var out = auth.querySelector("[data-kb-signout]");
    out.href = "/logout?next=" + encodeURIComponent(here());
    auth.querySelector("[data-kb-audience-name]").textContent = names[served.audience] || served.audience;
    signin.hidden = served.signed_in || !!document.querySelector("form[data-kb-login]"); /* not on the sign-in page itself */
    state.hidden = !served.signed_in;
    auth.hidden = false;
  }
  function setupLoginForm() {
    var form = document.querySelector("form[data-kb-login]");
    if (!form) return;
    var next = new URLSearchParams(location.search).get("next");
    if (next && next.charAt(0) === "/" && next.charAt(1) !== "/" && next.indexOf("\\") < 0) form.elements.next.value = next;
    if (served === false) {
      var notice = form.querySelector('[data-kb-error="static"]');
      if (notice) notice.hidden = false;
      form.querySelector("[type=submit]").disabled = true;
    }
  }

  /* ---------- the search box on `kb serve` ---------- */
  var searchEndpoint = me ? me.getAttribute("data-search") : null;
  var input = document.querySelector("input.md-search__input");
  var box = null, seq = 0, timer = null, inflight = null, filters = {}, ui = {}, uiLoaded = {};
  function words(key) { return (ui[pageLocale()] && ui[pageLocale()].search && ui[pageLocale()].search[key]) || ""; }
  function loadUi(locale) {
    if (!uiLoaded[locale]) {
      uiLoaded[locale] = fetch(new URL("_kbops/ui." + locale + ".json", scope).href)
        .then(function (r) { return r.ok ? r.json() : {}; }).catch(function () { return {}; })
        .then(function (data) { ui[locale] = data; });
    }
    return uiLoaded[locale];
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  /* The engine's snippet is escaped text with <mark> around matches: keep exactly that, nothing else. */
  function snippet(html) {
    var out = el("p"), tpl = document.createElement("template");
    tpl.innerHTML = html || "";
    tpl.content.childNodes.forEach(function (node) {
      if (node.nodeType === 1 && node.tagName === "MARK") out.appendChild(el("mark", "", node.textContent));
      else out.appendChild(document.createTextNode(node.textContent));
    });
    return out;
  }
  function countText(total) {
    if (total === 0) return translations["search.result.none"] || "No matching documents";
    if (total === 1) return translations["search.result.one"] || "1 matching document";
    return (translations["search.result.other"] || "# matching documents").replace("#", String(total));
  }
  function setupApiSearch() {
    if (!input || !searchEndpoint) return;
    var material = document.querySelector(".md-search-result");
    if (!material) return;
    document.documentElement.classList.add("kb-api-search");
    box = el("div", "md-search-result kb-search-result");
    box.setAttribute("aria-live", "polite");
    box.appendChild(el("div", "md-search-result__meta", translations["search.result.placeholder"] || ""));
    box.appendChild(el("div", "kb-search-extra"));
    var list = el("ol", "md-search-result__list");
    list.setAttribute("role", "presentation");
    box.appendChild(list);
    material.parentNode.insertBefore(box, material.nextSibling); /* Material's own list stays, hidden by CSS */
    /* Material reads the box on keyup: keep those keys to ourselves, so its search never runs. */
    window.addEventListener("keyup", function (ev) { if (ev.target === input) ev.stopPropagation(); }, true);
    window.addEventListener("keydown", onKey, true);
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 120); });
    input.addEventListener("focus", function () { loadUi(pageLocale()); });
    if (input.form) input.form.addEventListener("reset", function () { filters = {}; seq++; render(null); });
    if (input.value.trim()) run();
  }
  function links() { return box ? Array.prototype.slice.call(box.querySelectorAll(".md-search-result__link")) : []; }
  function onKey(ev) {
    if (!box || !document.querySelector("[data-md-toggle=search]:checked")) return;
    var all = links(), at = all.indexOf(document.activeElement);
    if (ev.key === "Enter" && ev.target === input) {
      ev.preventDefault(); ev.stopPropagation();
      clearTimeout(timer);
      if (all.length) all[0].click();
    } else if ((ev.key === "ArrowDown" || ev.key === "ArrowUp") && (ev.target === input || at >= 0)) {
      ev.preventDefault(); ev.stopPropagation();
      var next = ev.key === "ArrowDown" ? at + 1 : at - 1;
      if (next < 0) input.focus(); else if (all[next]) all[next].focus();
    } else if (ev.key === "Enter" && at >= 0) {
      ev.stopPropagation(); /* the link's own click */
    }
  }
  function run() {
    clearTimeout(timer);
    var query = input.value.trim();
    var mine = ++seq;
    if (inflight) inflight.abort();
    if (!query) { render(null); return; }
    var locale = pageLocale();
    var params = new URLSearchParams({ q: query, locale: locale, limit: "10", log: "false" });
    Object.keys(filters).forEach(function (name) { params.set(name, filters[name]); });
    inflight = typeof AbortController === "function" ? new AbortController() : null;
    Promise.all([
      fetch(searchEndpoint + "?" + params.toString(), {
        credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" },
        signal: inflight ? inflight.signal : undefined,
      }).then(function (r) { return r.ok ? r.json() : Promise.reject(new Error("HTTP " + r.status)); }),
      loadUi(locale),
    ]).then(function (done) {
      if (mine !== seq) return;
      render(done[0], locale);
      box.setAttribute("data-kb-query", query); /* what the list now answers (tests and assistive tech wait on it) */
      box.setAttribute("data-kb-filters", Object.keys(filters).sort().map(function (k) { return k + "=" + filters[k]; }).join("&"));
      document.dispatchEvent(new CustomEvent("kbops:search", { detail: { query: done[0].query, total: done[0].total, locale: locale } }));
    }, function (err) {
      if (mine !== seq || (err && err.name === "AbortError")) return;
      box.querySelector(".md-search-result__meta").textContent = words("unavailable") || "Search is not available right now.";
      box.querySelector(".md-search-result__list").textContent = "";
      box.setAttribute("data-kb-query", query);
    });
  }
  function facetRow(data, name, locale) {
    var counts = (data.facets || {})[name] || {};
    var keys = Object.keys(counts);
    if (!filters[name] && keys.length < 2) return null;
    var names = (ui[locale] && ui[locale][name]) || {};
    var row = el("div", "kb-facet");
    row.appendChild(el("span", "kb-facet__name", words(name) || name));
    function chip(value, text) {
      var button = el("button", "md-tag kb-facet__chip" + ((filters[name] || "") === value ? " kb-facet__chip--on" : ""), text);
      button.type = "button";
      button.setAttribute("aria-pressed", String((filters[name] || "") === value));
      button.addEventListener("click", function () {
        if (value) filters[name] = value; else delete filters[name];
        input.focus();
        run();
      });
      row.appendChild(button);
    }
    chip("", words("all") || "All");
    keys.sort(function (a, b) { return counts[b] - counts[a]; }).forEach(function (key) {
      chip(key, (names[key] || key) + " (" + counts[key] + ")");
    });
    return row;
  }
  function render(data, locale) {
    if (!box) return;
    var meta = box.querySelector(".md-search-result__meta"), extra = box.querySelector(".kb-search-extra");
    var list = box.querySelector(".md-search-result__list");
    extra.textContent = ""; list.textContent = "";
    if (!data) { meta.textContent = translations["search.result.placeholder"] || ""; return; }
    meta.textContent = countText(data.total);
    if (data.suggestion) {
      var line = el("p", "kb-suggestion");
      var template = words(data.corrected ? "showing_for" : "did_you_mean") || (data.corrected ? "Showing results for {q}" : "Did you mean {q}?");
      var parts = template.split("{q}");
      line.appendChild(document.createTextNode(parts[0]));
      var term = el(data.corrected ? "strong" : "button", data.corrected ? "" : "kb-suggestion__term", data.suggestion);
      if (!data.corrected) {
        term.type = "button";
        term.addEventListener("click", function () { input.value = data.suggestion; input.focus(); run(); });
      }
      line.appendChild(term);
      line.appendChild(document.createTextNode(parts[1] || ""));
      extra.appendChild(line);
    }
    var filtersBox = el("div", "kb-facets");
    filtersBox.setAttribute("role", "group");
    filtersBox.setAttribute("aria-label", words("filters") || "Filter results");
    ["type", "product"].forEach(function (name) { var row = facetRow(data, name, locale); if (row) filtersBox.appendChild(row); });
    if (filtersBox.childNodes.length) extra.appendChild(filtersBox);
    var languages = (ui[locale] && ui[locale].locales) || {};
    (data.hits || []).forEach(function (hit, index) {
      var item = el("li", "md-search-result__item");
      var link = el("a", "md-search-result__link");
      link.href = new URL(hit.url, location.origin).href;
      link.tabIndex = -1;
      link.setAttribute("data-kb-doc", hit.id);
      link.setAttribute("data-kb-rank", String(index + 1));
      var article = el("article", "md-search-result__article md-typeset");
      article.setAttribute("data-md-score", String(hit.score));
      article.appendChild(el("div", "md-search-result__icon md-icon"));
      article.appendChild(el("h1", "", hit.title));
      if (hit.snippet) article.appendChild(snippet(hit.snippet));
      if (hit.locale && hit.locale !== locale) {
        link.setAttribute("hreflang", hit.locale);
        article.setAttribute("lang", hit.locale);
        var tags = el("nav", "md-tags");
        tags.appendChild(el("span", "md-tag kb-hit-lang", languages[hit.locale] || hit.locale));
        article.appendChild(tags);
      }
      link.appendChild(article);
      item.appendChild(link);
      list.appendChild(item);
    });
  }

  /* ---------- doc-id URLs on static hosts (kb serve redirects them itself) ---------- */
  function resolveDocId() {
    if (!document.querySelector("[data-kb-404]")) return;
    var path = location.pathname.slice(scope.pathname.length - 1);
    var found = /^\/id\/([a-z0-9][a-z0-9._-]*)\/?$/.exec(path);
    if (!found) return;
    fetch(new URL("_kbops/ids.json", scope).href).then(function (r) { return r.ok ? r.json() : {}; }).then(function (ids) {
      for (var url in ids) if (ids[url] === found[1]) { location.replace(new URL(url, scope).href + location.hash); return; }
    }, function () { /* no map: the 404 page stays */ });
  }

  /* ---------- wiring ---------- */
  function onPage() {
    if (pageLocale() !== shownLocale) { location.reload(); return; } /* instant navigation crossed a language */
    syncAlternates();
    syncAuth();
    setupLoginForm();
  }
  var whoami = auth && auth.getAttribute("data-kb-whoami");
  function start() {
    resolveDocId();
    (whoami ? fetch(whoami, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; }).catch(function () { return null; }) : Promise.resolve(null))
      .then(function (who) {
        served = who && typeof who.audience === "string" ? who : false;
        if (served) setupApiSearch();
        if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(onPage);
        else onPage();
      });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
