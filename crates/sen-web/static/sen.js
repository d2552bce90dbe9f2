// Progressive enhancement only: every page works without this file.
// Move focus to the error summary, or to the region marked data-focus, after a page load.
document.addEventListener("DOMContentLoaded", function () {
  var target = document.getElementById("error-summary");
  if (target) { target.focus(); return; }
  // A region that reports the outcome of the form just sent (e.g. a new
  // password, a merge to confirm) asks for the focus with data-focus.
  var region = document.querySelector("[data-focus]");
  if (region) { region.focus(); }
});
// After htmx swaps a region, announce it by moving focus there if it asks to.
document.addEventListener("htmx:afterSwap", function (e) {
  var region = e.detail.target;
  if (region && region.hasAttribute("data-focus-after-swap")) { region.setAttribute("tabindex", "-1"); region.focus(); }
});
