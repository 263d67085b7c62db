/* A saved segment's size over time on its admin page: members as a line, entries and exits as bars, with
   the self-hosted ECharts the dashboards use. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("segment-size-data").textContent);
  var lang = document.documentElement.lang || "ru";
  var when = new Intl.DateTimeFormat(lang, {day: "numeric", month: "short", hour: "2-digit", minute: "2-digit"});
  var names = Object.keys(data.series);
  var element = document.getElementById("segment-size-chart");
  var chart = echarts.init(element);
  chart.setOption({
    animation: false, tooltip: {trigger: "axis", confine: true}, legend: {top: 0},
    grid: {left: 16, right: 24, top: 36, bottom: 8, containLabel: true},
    xAxis: {type: "category", data: data.times, axisLabel: {hideOverlap: true, formatter: function (value) {
      return when.format(new Date(value));
    }}},
    yAxis: {type: "value", minInterval: 1},
    series: names.map(function (name, i) {
      return {name: name, type: i === 0 ? "line" : "bar", data: data.series[name], barMaxWidth: 18};
    })
  });
  window.followBoxSize(chart, element);
})();
