// The admin's behaviour, from a file of the app's own: its Content-Security-Policy allows no
// inline script, no event attributes, no eval (htmx's allowEval is off) and no style attributes.
(function () {
  "use strict";

  // Server errors (5xx, 403) must not fail silently: tell the clerk.
  document.addEventListener("htmx:responseError", function (e) {
    var t = document.getElementById("toast");
    if (!t) return;
    t.textContent = (t.getAttribute("data-failed") || "操作失败") + " (" + e.detail.xhr.status + ")";
    t.className = "show error";
    setTimeout(function () { t.className = ""; }, 5000);
  });

  document.addEventListener("click", function (e) {
    if (!e.target.closest) return;
    // data-check-all="<selector>": tick every matching box or radio (the roster's "all present").
    var all = e.target.closest("[data-check-all]");
    if (all) {
      document.querySelectorAll(all.getAttribute("data-check-all")).forEach(function (i) { i.checked = true; });
    }
    if (e.target.closest("[data-print]")) window.print();
  });

  // A tree toggle (data-expand-once) fetches its children once, then shows them open.
  document.addEventListener("htmx:afterRequest", function (e) {
    var el = e.detail.elt;
    if (el && el.matches && el.matches("[data-expand-once]") && e.detail.successful) {
      el.setAttribute("aria-expanded", "true");
      el.textContent = "▾";
      el.removeAttribute("hx-get");
      htmx.process(el);
    }
  });

  // A field that sends its own request (data-own-request) does not also trigger its form's
  // on "change" (what an hx-trigger filter would do, which needs eval).
  document.addEventListener("change", function (e) {
    if (e.target.closest && e.target.closest("[data-own-request]")) e.stopPropagation();
  }, true);

  // data-width="<percent>": bar widths, set through the DOM (style attributes are refused).
  function widths() {
    document.querySelectorAll("[data-width]").forEach(function (el) {
      el.style.width = el.getAttribute("data-width") + "%";
    });
  }
  document.addEventListener("DOMContentLoaded", widths);
  document.addEventListener("htmx:afterSettle", widths);
})();
