// The console's one script, loaded by every page. The Content-Security-Policy (app.py) runs no
// inline code, so behaviour is attached here, by data attributes in the templates. Every page
// works without it: it prints, copies a link, and selects a read-only link on focus.
(function () {
  "use strict";

  function copy(field, button) {
    field.focus();
    field.select();
    var done = function () {
      var label = button.getAttribute("data-label") || button.textContent;
      button.setAttribute("data-label", label);
      button.textContent = "已复制";
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {
        if (document.execCommand("copy")) { done(); }
      });
    } else if (document.execCommand("copy")) {
      done();
    }
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      window.print();
      return;
    }
    var button = event.target.closest("button[data-copy]");
    var field = button && document.getElementById(button.getAttribute("data-copy"));
    if (field) {
      event.preventDefault();
      copy(field, button);
    }
  });

  // A live page (a round's coverage) reloads itself every data-refresh seconds.
  var live = document.querySelector("[data-refresh]");
  if (live) {
    setTimeout(function () { window.location.reload(); }, 1000 * parseInt(live.getAttribute("data-refresh"), 10));
  }

  // A read-only link selects itself when focused, ready for Ctrl+C even without the button.
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("input.copyable")) {
      event.target.select();
    }
  });
})();
