// Progressive enhancement only: every page works without this file.
// Move focus to the error summary, or to the status message, after a page load.
document.addEventListener("DOMContentLoaded", function () {
  var target = document.getElementById("error-summary");
  if (target) { target.focus(); return; }
});
// After htmx swaps a region, announce it by moving focus there if it asks to.
document.addEventListener("htmx:afterSwap", function (e) {
  var region = e.detail.target;
  if (region && region.hasAttribute("data-focus-after-swap")) { region.setAttribute("tabindex", "-1"); region.focus(); }
});
