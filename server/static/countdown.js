// Deadlines: show each <time data-countdown> in the reader's time zone, with the time left.
(function () {
  const items = document.querySelectorAll("time[data-countdown]");
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
      t.textContent = at.toLocaleString(undefined, { weekday: "short", year: "numeric", month: "short",
        day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
      const out = document.getElementById(t.dataset.countdown);
      if (out) out.textContent = at - now > 0 ? "(" + left(at - now) + ")" : "(passed)";
    });
  }
  tick();
  setInterval(tick, 30000);
})();
