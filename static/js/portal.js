/* The portal's only script: small behaviours wired by data attributes, so that pages hold
   no inline script and the Content-Security-Policy can forbid it. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-print]");
    if (target) {
      event.preventDefault();
      window.print();
    }
  });
})();
