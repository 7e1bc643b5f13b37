/* Operations dashboard charts: reads the figures from the JSON block the page renders (no inline script). */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof window.Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var palette = ["#1f5fbf", "#1e7b3c", "#a86400", "#b3261e", "#7a3db8", "#2b8a9b", "#5b6575"];
  var common = { responsive: true, maintainAspectRatio: false, animation: false,
                 plugins: { legend: { position: "bottom" } } };

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) { return null; }
    var chart = new window.Chart(canvas, config);
    canvas.setAttribute("data-rendered", "true");
    return chart;
  }

  var t = data.throughput || { labels: [], series: {} };
  draw("chart-throughput", {
    type: "line",
    data: { labels: t.labels, datasets: [
      { label: "Documents received", data: t.series.received || [], borderColor: palette[0], backgroundColor: palette[0], tension: 0.2 },
      { label: "Lines posted", data: t.series.lines_posted || [], borderColor: palette[1], backgroundColor: palette[1], tension: 0.2 }
    ] },
    options: Object.assign({}, common, { scales: { y: { beginAtZero: true } } })
  });

  var o = data.outcomes || { labels: [], values: [] };
  draw("chart-outcomes", {
    type: "doughnut",
    data: { labels: o.labels, datasets: [{ data: o.values, backgroundColor: [palette[1], palette[2], palette[3], palette[4]] }] },
    options: common
  });

  var l = data.latency || { labels: [], values: [] };
  draw("chart-latency", {
    type: "bar",
    data: { labels: l.labels, datasets: [{ label: "Documents posted", data: l.values, backgroundColor: palette[0] }] },
    options: Object.assign({}, common, { scales: { y: { beginAtZero: true } } })
  });

  var e = data.exceptions || { labels: [], ages: [], values: [] };
  draw("chart-exceptions", {
    type: "bar",
    data: { labels: e.labels, datasets: e.ages.map(function (age, i) {
      return { label: age, data: e.values.map(function (row) { return row[i]; }), backgroundColor: palette[(i + 1) % palette.length] };
    }) },
    options: Object.assign({}, common, { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } })
  });
}());
