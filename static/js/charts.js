// Draws every Plotly chart on the page from the JSON the server rendered beside it.
(function () {
  function draw() {
    if (typeof Plotly === "undefined") return;
    document.querySelectorAll("[data-chart-spec]").forEach(function (el) {
      var source = document.getElementById(el.dataset.chartSpec);
      if (!source) return;
      var spec = JSON.parse(source.textContent);
      // Month names, decimal commas and the toolbar follow the page's language.
      var config = Object.assign(
        { responsive: true, displaylogo: false, locale: document.documentElement.lang || "de" },
        spec.config || {}
      );
      Plotly.newPlot(el, spec.data || [], spec.layout || {}, config).then(function () {
        el.dataset.chartReady = "1";
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
  // Printing: let Plotly redraw at the page width of the paper.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("[data-chart-ready]").forEach(function (el) {
      Plotly.Plots.resize(el);
    });
  });
})();
