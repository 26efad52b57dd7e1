// "Copy link" on a published statement's share card. Without this script the address is still there to
// select and copy in its read-only field; with it, a button copies it and says so. No inline script: the CSP
// allows only this site's own files.
(function () {
  "use strict";
  function say(status, key) {
    if (status) { status.textContent = status.getAttribute(key) || ""; }
  }
  function copy(field) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(field.value);
    }
    field.focus();
    field.select();
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject(new Error("copy"));
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) { return; }
    var status = button.closest(".share") && button.closest(".share").querySelector(".copy-status");
    button.hidden = false;
    field.addEventListener("focus", function () { field.select(); });
    button.addEventListener("click", function () {
      copy(field).then(function () { say(status, "data-copied"); }, function () {
        field.focus();
        field.select();
        say(status, "data-failed");
      });
    });
  });
}());
