// Load the vendored mermaid (3.5 MB) only on the pages that draw a diagram.
// This script runs while the page is still being parsed, before Material mounts its
// components (at DOMContentLoaded); Material then finds a global `mermaid` and uses it
// instead of fetching one from a CDN. A parser-inserted script keeps that order.
(function () {
  if (!document.querySelector("pre.mermaid")) return;
  var src = new URL("../vendor/mermaid/mermaid.min.js", document.currentScript.src).href;
  document.write('<script src="' + src + '"></scr' + 'ipt>');
})();
