/* Renders the prompt's math (span.math, div.math.display, escaped TeX from the server) with
   the vendored KaTeX; a formula KaTeX cannot parse stays as its source text. */
(function () {
  "use strict";
  if (!window.katex) { return; }
  Array.prototype.forEach.call(document.querySelectorAll(".prompt .math"), function (el) {
    try {
      window.katex.render(el.textContent, el, {
        displayMode: el.classList.contains("display"), throwOnError: false
      });
    } catch (e) { /* leave the TeX source visible */ }
  });
}());
