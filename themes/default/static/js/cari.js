/* kimsite search: fetches cari/indeks.json once and filters it in the browser.
   Entries are [url from the site root, title, kind, meta, normalised text]. Without JavaScript the
   page shows links to the full lists instead. */
(function () {
  "use strict";
  var form = document.querySelector("form.cari");
  if (!form || !window.fetch || !String.prototype.normalize || !Element.prototype.replaceChildren) return;
  var input = form.querySelector("input[name=q]");
  var out = document.getElementById("cari-hasil");
  var d = form.dataset;
  var loading = null;
  var timer = 0;

  function norm(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^0-9a-z]+/g, " ").trim();
  }
  function load() {
    loading = loading || fetch(d.indeks).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    });
    return loading;
  }
  function say(text) {
    var p = document.createElement("p");
    p.textContent = text;
    out.replaceChildren(p);
  }
  function fill(template, n, q) {
    return template.replace("{n}", n).replace("{q}", q);
  }
  function show(index, q) {
    var terms = norm(q).split(" ").filter(Boolean);
    if (!terms.length) { out.replaceChildren(); return; }
    var hits = [];
    index.forEach(function (e, i) {
      var title = " " + norm(e[1]);
      var score = 0;
      for (var k = 0; k < terms.length; k++) {
        if ((" " + e[4]).indexOf(terms[k]) < 0) return;
        score += title.indexOf(" " + terms[k]) >= 0 ? 3 : title.indexOf(terms[k]) >= 0 ? 2 : 1;
      }
      hits.push([score, i, e]);
    });
    hits.sort(function (a, b) { return b[0] - a[0] || a[1] - b[1]; });
    if (!hits.length) { say(fill(d.tKosong, 0, q)); return; }
    var list = document.createElement("ol");
    list.className = "hasil";
    hits.slice(0, 50).forEach(function (h) {
      var e = h[2];
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = d.akar + e[0];
      a.textContent = e[1];
      var meta = document.createElement("p");
      meta.className = "meta";
      meta.textContent = (d["t" + e[2].charAt(0).toUpperCase() + e[2].slice(1)] || e[2]) + (e[3] ? " · " + e[3] : "");
      li.append(a, meta);
      list.append(li);
    });
    var count = document.createElement("p");
    count.textContent = fill(d.tHasil, hits.length, q);
    out.replaceChildren(count, list);
  }
  function run(q) {
    if (!q.trim()) { out.replaceChildren(); return; }
    say(d.tMemuat);
    load().then(function (index) { show(index, q); }, function () { loading = null; say(d.tGagal); });
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var q = input.value;
    history.replaceState(null, "", q ? "?q=" + encodeURIComponent(q) : location.pathname);
    run(q);
  });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { run(input.value); }, 200);
  });
  var start = new URLSearchParams(location.search).get("q");
  if (start) { input.value = start; run(start); }
})();
