// The dashboard's chart: new contacts a day. The labels come from the server already in the account's date order
// (day before month); right to left, the days run from the right edge, as the page reads.
(() => {
  const canvas = document.getElementById("contacts-chart");
  const source = document.getElementById("contacts-chart-data");
  if (!canvas || !source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const rtl = document.documentElement.dir === "rtl";
  new Chart(canvas, {
    type: "bar",
    data: { labels: data.labels, datasets: [{ label: data.label, data: data.counts, backgroundColor: "#0d6efd" }] },
    options: {
      maintainAspectRatio: false,
      locale: document.documentElement.lang,
      plugins: { legend: { display: false }, tooltip: { rtl, textDirection: rtl ? "rtl" : "ltr" } },
      scales: {
        x: { reverse: rtl, grid: { display: false } },
        y: { position: rtl ? "right" : "left", beginAtZero: true, ticks: { precision: 0 } },
      },
    },
  });
})();
