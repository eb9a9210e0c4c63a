// Gradebook: sort by any column (click its header), filter students by email, show only late work.
(function () {
  const table = document.querySelector("table.gradebook");
  if (!table) return;
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  const filter = document.getElementById("gb-filter");
  const lateOnly = document.getElementById("gb-late");
  const count = document.getElementById("gb-count");

  function apply() {
    const q = (filter.value || "").trim().toLowerCase();
    let shown = 0;
    for (const r of rows) {
      const ok = (!q || r.dataset.email.includes(q)) && (!lateOnly.checked || r.querySelector(".late"));
      r.hidden = !ok;
      if (ok) shown++;
    }
    count.textContent = shown + " of " + rows.length + " students";
  }
  filter.addEventListener("input", apply);
  lateOnly.addEventListener("change", apply);

  table.querySelectorAll("thead th[data-col]").forEach(function (th) {
    const button = th.querySelector("button");
    button.addEventListener("click", function () {
      const col = Number(th.dataset.col);
      const numeric = th.dataset.type === "num";
      const asc = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("thead th[aria-sort]").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      const key = function (r) {
        const v = r.cells[col].dataset.v;
        return numeric ? (v === "" || v === undefined ? -1 : Number(v)) : (v || "");
      };
      rows.sort(function (a, b) {
        const x = key(a), y = key(b);
        const c = numeric ? x - y : String(x).localeCompare(String(y));
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  apply();
})();
