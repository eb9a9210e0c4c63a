// Deadlines: each <time data-local> is shown in the reader's time zone; one with
// data-countdown="ID" also writes the time left into the element ID.
(function () {
  const items = document.querySelectorAll("time[data-local]");
  const format = { weekday: "short", day: "numeric", month: "short", year: "numeric",
                   hour: "2-digit", minute: "2-digit", timeZoneName: "short" };
  function left(ms) {
    const m = Math.floor(ms / 60000), d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60);
    if (d > 0) return d + " d " + h + " h left";
    if (h > 0) return h + " h " + (m % 60) + " min left";
    return Math.max(m, 0) + " min left";
  }
  function tick() {
    const now = Date.now();
    items.forEach(function (t) {
      const at = new Date(t.getAttribute("datetime"));
      if (isNaN(at)) return;
      t.textContent = at.toLocaleString(undefined, format);
      const out = t.dataset.countdown && document.getElementById(t.dataset.countdown);
      if (out) out.textContent = at - now > 0 ? "(" + left(at - now) + ")" : "(passed)";
    });
  }
  tick();
  if (document.querySelector("time[data-countdown]")) setInterval(tick, 30000);
})();
