// A little plain JavaScript; every page works without it.
// Elements with data-poll="URL" are refreshed from URL (JSON {html, done}) every 2 s until done.
(function () {
  document.querySelectorAll("[data-poll]").forEach(function (box) {
    var url = box.getAttribute("data-poll");
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (body) {
          box.innerHTML = body.html;
          if (!body.done) { setTimeout(tick, 2000); }
        })
        .catch(function () { setTimeout(tick, 5000); });
    }
    setTimeout(tick, 1000);
  });
})();
