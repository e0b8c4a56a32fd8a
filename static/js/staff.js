// The charts on /staff: the last 24 hours from GET /api/v1/staff/metrics (the page's session
// cookie authenticates the call), redrawn every minute. The queue and agents tables refresh
// themselves through htmx (hx-trigger="every 3s" on #live).
(function () {
  if (!window.Chart) return;
  var charts = {};
  var status = document.getElementById("charts-status");

  function hour(iso) {
    var d = new Date(iso);
    return d.getHours().toString().padStart(2, "0") + ":" + d.getMinutes().toString().padStart(2, "0");
  }

  function draw(id, type, labels, datasets) {
    if (charts[id]) {
      charts[id].data.labels = labels;
      charts[id].data.datasets.forEach(function (set, i) { set.data = datasets[i].data; });
      charts[id].update();
      return;
    }
    charts[id] = new Chart(document.getElementById(id), {
      type: type,
      data: { labels: labels, datasets: datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, stacked: type === "bar" }, x: { stacked: type === "bar" } },
        plugins: { legend: { display: datasets.length > 1 } }
      }
    });
  }

  function series(buckets, field) {
    return buckets.map(function (b) { return b[field]; });
  }

  var reasonColours = ["#2453d6", "#b45309", "#1f9d55", "#b42318", "#7c3aed", "#0e7490", "#9aa5b1", "#be185d", "#4d7c0f"];

  // One stacked bar per reason code seen in the window (the legend lists only those).
  function drawReasons(labels, buckets) {
    var seen = {};
    buckets.forEach(function (b) { Object.keys(b.reasons || {}).forEach(function (r) { seen[r] = true; }); });
    var reasons = Object.keys(seen).sort();
    var sets = reasons.map(function (r, i) {
      return {
        label: r.replace(/_/g, " "),
        data: buckets.map(function (b) { return (b.reasons || {})[r] || 0; }),
        backgroundColor: reasonColours[i % reasonColours.length]
      };
    });
    // The set of reasons can change between refreshes: draw afresh.
    if (charts["chart-reasons"]) { charts["chart-reasons"].destroy(); delete charts["chart-reasons"]; }
    draw("chart-reasons", "bar", labels, sets);
  }

  function refresh() {
    fetch("/api/v1/staff/metrics", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (m) {
        var labels = m.series.map(function (b) { return hour(b.start); });
        draw("chart-time-to-human", "line", labels, [{ label: "median s", data: series(m.series, "time_to_human_p50_s"), borderColor: "#2453d6", tension: 0.2 }]);
        draw("chart-queue", "line", labels, [{ label: "waiting", data: series(m.series, "queue_length"), borderColor: "#b45309", stepped: true }]);
        draw("chart-offers", "bar", labels, [
          { label: "accepted", data: series(m.series, "offers_accepted"), backgroundColor: "#1f9d55" },
          { label: "declined", data: series(m.series, "offers_declined"), backgroundColor: "#9aa5b1" },
          { label: "missed", data: series(m.series, "offers_missed"), backgroundColor: "#b42318" }
        ]);
        draw("chart-eta", "line", labels, [
          { label: "promised", data: series(m.series, "eta_mean_s"), borderColor: "#7c3aed", tension: 0.2 },
          { label: "actual", data: series(m.series, "wait_mean_s"), borderColor: "#1f9d55", tension: 0.2 }
        ]);
        drawReasons(labels, m.series);
        status.textContent = "Charts of the last 24 hours (" + m.escalations + " escalations), updated " + new Date().toLocaleTimeString() + ".";
        document.body.setAttribute("data-charts", "drawn");
      })
      .catch(function (e) { status.textContent = "The charts could not be loaded (" + e.message + "); retrying in a minute."; });
  }
  refresh();
  setInterval(refresh, 60000);
})();
