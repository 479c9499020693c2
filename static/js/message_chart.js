// A message's report chart: recipients sent, delivered and failed per minute, hour or day. While the message
// sends, the figures above it are fetched again (htmx) with fresh chart data, and the chart follows them.
(() => {
  const rtl = document.documentElement.dir === "rtl";
  let chart = null;

  const read = () => {
    const source = document.getElementById("message-chart-data");
    return source ? JSON.parse(source.textContent) : null;
  };
  // Times read left to right inside right-to-left text: each label is a left-to-right isolate.
  const labels = (data) => (rtl ? data.labels.map((label) => `\u2066${label}\u2069`) : data.labels);
  const datasets = (data) => {
    const s = data.series;
    return [
      { label: s.sent.label, data: s.sent.data, backgroundColor: "#0d6efd" },
      { label: s.delivered.label, data: s.delivered.data, backgroundColor: "#198754" },
      { label: s.failed.label, data: s.failed.data, backgroundColor: "#dc3545" },
    ];
  };

  const draw = () => {
    const data = read();
    const canvas = document.getElementById("message-chart");
    if (!data || !canvas || typeof Chart === "undefined") return;
    const empty = data.labels.length === 0;
    document.getElementById("message-chart-box")?.classList.toggle("d-none", empty);
    document.getElementById("message-chart-empty")?.classList.toggle("d-none", !empty);
    const unit = document.getElementById("message-chart-unit");
    if (unit) unit.textContent = data.title;
    if (chart) {
      chart.data.labels = labels(data);
      chart.data.datasets.forEach((set, i) => { set.data = datasets(data)[i].data; });
      chart.update("none");
      return;
    }
    chart = new Chart(canvas, {
      type: "bar",
      data: { labels: labels(data), datasets: datasets(data) },
      options: {
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { rtl, position: "bottom" }, tooltip: { rtl } },
        scales: {
          x: { reverse: rtl },
          y: { position: rtl ? "right" : "left", beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: data.axis } },
        },
      },
    });
  };

  draw();
  document.body.addEventListener("htmx:afterSettle", draw);
})();
