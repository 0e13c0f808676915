/* kbops analytics loader: defines __md_analytics() for Material's `extra.analytics.provider: kbops`.
 * Material calls it (after cookie consent when `extra.consent` is set); it loads kbops.js, which sends
 * the events. Should Material's own inline call be refused by a strict CSP, the same decision is made
 * here: start at once without a consent banner, or when the stored consent allows analytics. */
(function () {
  "use strict";
  var me = document.currentScript || document.getElementById("__kbops_analytics");
  if (!me) return;
  var endpoint = me.getAttribute("data-endpoint") || "";
  window.__md_analytics = function () {
    if (window.__kbops) return;
    window.__kbops = { endpoint: endpoint, audience: me.getAttribute("data-audience") || "public" };
    var script = document.createElement("script");
    script.src = me.getAttribute("data-src");
    script.async = true;
    me.insertAdjacentElement("afterend", script);
  };
  function consented() {
    if (!me.hasAttribute("data-consent")) return true;
    try {
      var base = JSON.parse(document.getElementById("__config").textContent).base || ".";
      var stored = JSON.parse(localStorage.getItem(new URL(base, location.href).pathname + ".__consent"));
      return !!(stored && stored.analytics);
    } catch (e) { return false; }
  }
  document.addEventListener("DOMContentLoaded", function () { if (consented()) window.__md_analytics(); });
})();
