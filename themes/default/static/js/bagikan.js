/* kimsite: the share box's "copy link" button. Without this script the button stays hidden and the
   page's address is shown as text to copy by hand; no request leaves the page. */
(function () {
  "use strict";
  function selectText(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  function copyBySelection(box, text) {
    var node = box.querySelector(".tautan");
    if (!node) { return false; }
    selectText(node);
    try { return document.execCommand("copy"); } catch (e) { return false; }
  }
  var buttons = document.querySelectorAll("button[data-salin]");
  Array.prototype.forEach.call(buttons, function (button) {
    var box = button.closest(".bagikan") || document;
    var status = box.querySelector(".salin-status");
    function report(ok) {
      if (status) { status.textContent = button.getAttribute(ok ? "data-berhasil" : "data-gagal"); }
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = button.getAttribute("data-salin");
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { report(true); },
          function () { report(copyBySelection(box, text)); });
      } else {
        report(copyBySelection(box, text));
      }
    });
  });
})();
