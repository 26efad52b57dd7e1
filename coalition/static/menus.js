// The header's disclosure menus (<details>: the account, the language, and on a phone the folded main menu) work
// without this script; with it, they also close as menus do: on Escape (focus back on the menu's button), on a
// click or focus elsewhere, and one at a time. No inline script: the CSP allows only this site's own files.
(function () {
  "use strict";
  var menus = Array.prototype.slice.call(document.querySelectorAll("header.site details"));
  function closeAll(except) {
    menus.forEach(function (menu) {
      if (menu.open && !menu.contains(except)) { menu.open = false; }
    });
  }
  menus.forEach(function (menu) {
    menu.addEventListener("toggle", function () {
      if (menu.open) { closeAll(menu); }
    });
  });
  document.addEventListener("click", function (event) { closeAll(event.target); });
  document.addEventListener("focusin", function (event) { closeAll(event.target); });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var open = menus.filter(function (menu) { return menu.open && menu.contains(document.activeElement); });
    var inner = open[open.length - 1];
    if (inner) {
      inner.open = false;
      inner.querySelector("summary").focus();
    }
  });
}());
