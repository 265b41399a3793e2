// onconav web: alteration autocomplete from /api/v1/normalize, and confirm before delete.
// Plain JavaScript, no build step, no network but this server.
(function () {
  "use strict";
  var search = document.getElementById("alteration-search");
  var list = document.getElementById("alteration-suggestions");
  var status = document.getElementById("alteration-status");
  var add = document.getElementById("alteration-add");
  var box = document.getElementById("alterations");
  var timer = null;

  function show(data) {
    list.innerHTML = "";
    data.suggestions.forEach(function (text) {
      var option = document.createElement("option");
      option.value = text;
      list.appendChild(option);
    });
    status.textContent = data.recognized
      ? "Read as " + data.canonical + " (" + data.kind + ")"
      : (data.suggestions.length ? data.suggestions.length + " suggestions" : "Not recognized yet");
  }

  function lookup() {
    var q = search.value.trim();
    if (!q) { status.textContent = ""; return; }
    fetch("/api/v1/normalize?q=" + encodeURIComponent(q), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { show(data); } })
      .catch(function () { status.textContent = ""; });
  }

  function append() {
    var q = search.value.trim();
    if (!q) { return; }
    box.value = (box.value.trim() ? box.value.trim() + "\n" : "") + q;
    search.value = "";
    status.textContent = "Added " + q;
    search.focus();
  }

  if (search && list && box) {
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookup, 150);
    });
    search.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); append(); }
    });
    if (add) { add.addEventListener("click", append); }
  }

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  });
})();
