/* A chart drawn at its box's real width. ECharts measures its box once, at init; a chart set up before the
   admin's sidebar and styles had settled (or in a hidden tab) kept that first width: half the row in viewport
   screenshots. `followBoxSize(chart, element)` redraws it whenever the box changes size, when the page has
   loaded and when the page becomes visible again. */
window.followBoxSize = function (chart, element) {
  "use strict";
  function fit() {
    if (element.clientWidth > 0 && element.clientHeight > 0) { chart.resize(); }
  }
  if (window.ResizeObserver) { new ResizeObserver(fit).observe(element); }
  window.addEventListener("resize", fit);
  window.addEventListener("load", fit);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { fit(); } });
  fit();
  return chart;
};
