// The sync runs chart: records in, out and failed as bars, API calls as a line on its own axis.
(() => {
  const canvas = document.getElementById("runs-chart");
  const source = document.getElementById("runs-chart-data");
  if (!canvas || !source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const rtl = document.documentElement.dir === "rtl";
  const s = data.series;
  // Dates and times read left to right inside right-to-left text: each label is a left-to-right isolate.
  const labels = rtl ? data.labels.map((label) => `\u2066${label}\u2069`) : data.labels;
  new Chart(canvas, {
    data: {
      labels,
      datasets: [
        { type: "bar", label: s.records_in.label, data: s.records_in.data, backgroundColor: "#0d6efd", stack: "records", yAxisID: "records" },
        { type: "bar", label: s.records_out.label, data: s.records_out.data, backgroundColor: "#20c997", stack: "records", yAxisID: "records" },
        { type: "bar", label: s.records_failed.label, data: s.records_failed.data, backgroundColor: "#dc3545", stack: "records", yAxisID: "records" },
        { type: "line", label: s.api_calls.label, data: s.api_calls.data, borderColor: "#fd7e14", backgroundColor: "#fd7e14", tension: 0.2, yAxisID: "calls" },
      ],
    },
    options: {
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      plugins: { legend: { rtl, position: "bottom" }, tooltip: { rtl } },
      scales: {
        x: { reverse: rtl, stacked: true },
        records: { type: "linear", position: rtl ? "right" : "left", beginAtZero: true, stacked: true, title: { display: true, text: data.axes.records } },
        calls: { type: "linear", position: rtl ? "left" : "right", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: data.axes.calls } },
      },
    },
  });
})();
