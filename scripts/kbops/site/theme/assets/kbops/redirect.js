/* kbops redirect pages (renamed docs): keep the #fragment, which a meta refresh drops. */
(function () {
  var target = document.querySelector('link[rel="canonical"]');
  if (target) location.replace(target.href + location.hash);
})();
