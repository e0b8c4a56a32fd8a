// /staff/coverage: draws agents required against agents scheduled or booked from the JSON the
// page carries (no extra request).
(function () {
  var source = document.getElementById("coverage-data");
  var canvas = document.getElementById("chart-coverage");
  if (!source || !canvas || typeof Chart === "undefined") return;
  var points = JSON.parse(source.textContent || "[]");
  var labels = points.map(function (p) {
    var d = new Date(p.at);
    return d.toLocaleString("en-GB", { weekday: "short", hour: "2-digit", minute: "2-digit", timeZone: "UTC" });
  });
  new Chart(canvas, {
    type: "line",
    data: {
      labels: labels,
      datasets: [
        { label: "Required", data: points.map(function (p) { return p.required; }), borderColor: "#b42318", pointRadius: 0, stepped: true },
        { label: "Scheduled or booked", data: points.map(function (p) { return p.supplied; }), borderColor: "#1570ef", backgroundColor: "rgba(21,112,239,.12)", fill: true, pointRadius: 0, stepped: true }
      ]
    },
    options: { animation: false, responsive: true, interaction: { mode: "index", intersect: false }, scales: { y: { beginAtZero: true, title: { display: true, text: "agents" } }, x: { ticks: { maxTicksLimit: 14 } } } }
  });
  canvas.dataset.drawn = "true";
})();
