// Draws every Plotly chart on the page from the JSON the server rendered beside it.
// Each chart is one image for assistive technology (role="img" with a label): nothing
// Plotly draws inside it may take the keyboard focus, and there is no mode bar.
(function () {
  function unfocusable(el) {
    el.querySelectorAll("a, button, input, select, [tabindex]").forEach(function (node) {
      node.setAttribute("tabindex", "-1");
    });
    el.querySelectorAll("svg").forEach(function (svg) {
      svg.setAttribute("focusable", "false");
      svg.setAttribute("aria-hidden", "true");
    });
  }
  function draw() {
    if (typeof Plotly === "undefined") return;
    document.querySelectorAll("[data-chart-spec]").forEach(function (el) {
      var source = document.getElementById(el.dataset.chartSpec);
      if (!source) return;
      var spec = JSON.parse(source.textContent);
      // Month names and the hover's numbers follow the page's language.
      var config = Object.assign(
        // The rest of Plotly's config comes with each spec (core.charts.CONFIG).
        { locale: document.documentElement.lang || "de" },
        spec.config || {}
      );
      Plotly.newPlot(el, spec.data || [], spec.layout || {}, config).then(function () {
        unfocusable(el);
        el.on("plotly_afterplot", function () { unfocusable(el); });
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
