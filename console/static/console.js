// The console's one script. The Content-Security-Policy (app.py) runs no inline code, so
// behaviour is attached here, by data attributes in the templates.
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
