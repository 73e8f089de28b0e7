// The admin UI's few interactions, from a file (the CSP allows no inline script): confirm
// before destructive forms, copy the shown-once key, draw the usage charts.
"use strict";

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const text = document.getElementById(button.dataset.copy).textContent;
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = "Copied";
  } catch (err) {
    const range = document.createRange(); // no clipboard access (plain http): select it instead
    range.selectNodeContents(document.getElementById(button.dataset.copy));
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(range);
    button.textContent = "Selected: press Ctrl+C";
  }
});

window.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("usage-data");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  document.querySelectorAll("canvas[data-series]").forEach((canvas) => {
    new Chart(canvas, {
      type: "line",
      data: { labels: data.dates, datasets: data[canvas.dataset.series].map((s) => ({ label: s.label, data: s.data, tension: 0.2 })) },
      options: { animation: false, responsive: true, interaction: { mode: "index", intersect: false }, scales: { y: { beginAtZero: true } } },
    });
  });
  document.body.dataset.chartsDrawn = "yes";
});
