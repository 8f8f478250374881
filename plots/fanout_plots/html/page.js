// report.html's behaviour: draws each chart from the JSON the page carries, switches axes
// between log and linear, shows or hides machines, and sorts tables by any column.
// window.fanoutReport.ready is true once every chart is drawn (the browser test waits on it).
(function () {
  "use strict";
  const state = { ready: false, charts: [], errors: [] };
  window.fanoutReport = state;
  const charts = JSON.parse(document.getElementById("fanout-charts").textContent);
  const config = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"] };

  function machineShown(run) {
    const box = document.querySelector('input[data-machine="' + run + '"]');
    return !box || box.checked;
  }

  // A trace of a hidden machine is not drawn; shown again, it keeps its legend state. Each
  // legend group keeps one entry: on its first trace still drawn.
  function applyMachines(div) {
    const visible = div.data.map(function (t) {
      const run = t.meta && t.meta.run;
      if (run === null || run === undefined) return t.visible === undefined ? true : t.visible;
      if (!machineShown(run)) return false;
      return t.visible === false ? true : (t.visible === undefined ? true : t.visible);
    });
    const named = {};
    const legend = div.data.map(function (t, i) {
      if (!t.legendgroup || visible[i] === false || named[t.legendgroup]) return false;
      named[t.legendgroup] = true;
      return true;
    });
    return Plotly.restyle(div, { visible: visible, showlegend: legend });
  }

  function logButtons(div, spec) {
    const bar = div.parentElement.querySelector(".chart-tools");
    ["x", "y"].forEach(function (letter) {
      const keys = spec.switch[letter];
      if (!keys.length) return;
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.axis = letter;
      const label = function () {
        const type = div.layout[keys[0]].type;
        button.textContent = letter + " axis: " + type + " (switch to " + (type === "log" ? "linear" : "log") + ")";
      };
      button.addEventListener("click", function () {
        const next = div.layout[keys[0]].type === "log" ? "linear" : "log";
        const update = {};
        keys.forEach(function (k) {
          update[k + ".type"] = next;
          update[k + ".autorange"] = true;
          update[k + ".dtick"] = next === "log" ? spec.layout[k].dtick : null;
        });
        Plotly.relayout(div, update).then(label);
      });
      label();
      bar.appendChild(button);
    });
  }

  function draw(div) {
    const spec = charts[div.dataset.chart];
    return Plotly.newPlot(div, spec.data, spec.layout, config).then(function () {
      logButtons(div, spec);
      state.charts.push(div.id);
      return applyMachines(div);
    });
  }

  function cellValue(cell) {
    const text = cell.textContent.trim();
    const m = text.replace(/,/g, "").match(/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?/i);
    return m ? parseFloat(m[0]) : null;
  }

  // Numbers sort as numbers ("12.3 [12.1, 12.6]", "1,024", "3.1×", "5.0%"), text as text;
  // cells without a number ("n/a") go last either way.
  function sortBy(table, col, th) {
    const body = table.tBodies[0];
    const rows = Array.from(body.rows);
    const numeric = rows.every(function (r) {
      const c = r.cells[col];
      return !c || cellValue(c) !== null || /^(n\/a|)$/.test(c.textContent.trim());
    });
    const ascending = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    const sign = ascending ? 1 : -1;
    rows.sort(function (a, b) {
      const ca = a.cells[col], cb = b.cells[col];
      if (numeric) {
        const va = ca ? cellValue(ca) : null, vb = cb ? cellValue(cb) : null;
        if (va === null || vb === null) return (va === null) - (vb === null);
        return sign * (va - vb);
      }
      return sign * (ca ? ca.textContent : "").localeCompare(cb ? cb.textContent : "", undefined, { numeric: true });
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }

  document.querySelectorAll("table").forEach(function (table) {
    if (!table.tHead || !table.tBodies.length) return;
    Array.from(table.tHead.rows[0].cells).forEach(function (th, col) {
      th.tabIndex = 0;
      th.title = "sort by this column";
      th.addEventListener("click", function () { sortBy(table, col, th); });
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") sortBy(table, col, th); });
    });
  });

  document.querySelectorAll("input[data-machine]").forEach(function (box) {
    box.addEventListener("change", function () {
      document.querySelectorAll(".chart").forEach(function (div) { if (div.data) applyMachines(div); });
    });
  });

  const divs = Array.from(document.querySelectorAll(".chart"));
  divs.reduce(function (done, div) {
    return done.then(function () { return draw(div); }).catch(function (e) {
      state.errors.push(div.id + ": " + e);
      console.error(e);
    });
  }, Promise.resolve()).then(function () { state.ready = true; });
})();
