/* kimsite: registers the offline service worker (site.yaml `offline: false` leaves this file out). */
(function () {
  "use strict";
  var script = document.currentScript;
  var worker = script && script.getAttribute("data-sw");
  if (!worker || !("serviceWorker" in navigator)) return;
  window.addEventListener("load", function () {
    navigator.serviceWorker.register(worker).catch(function () { /* offline support is optional */ });
  });
})();
