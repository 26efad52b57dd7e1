// The reader's time zone, from their browser: written into the "tz" cookie, which the server reads
// (coalition/web/time_zones.py) to show times on the reader's clock until they choose a zone in their
// account. Until it is known, times are shown in UTC. No inline script: the CSP allows only this site's files.
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  if (!zone || !/^[A-Za-z0-9_+\-\/]{1,64}$/.test(zone)) { return; }
  if (document.documentElement.getAttribute("data-browser-zone") === zone) { return; }
  var secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = "tz=" + zone + "; Path=/; Max-Age=31536000; SameSite=Lax" + secure;
})();
