/* The transitions page's chart: moves into each stage per day, stacked, in the stages' one colour each. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("transitions-data").textContent);
  var lang = document.documentElement.lang || "ru";
  var dayFormat = new Intl.DateTimeFormat(lang, {day: "numeric", month: "short"});
  var element = document.getElementById("transitions-chart");
  var chart = echarts.init(element);
  chart.setOption({
    animation: false, tooltip: {trigger: "axis", confine: true}, legend: {type: "scroll", top: 0},
    grid: {left: 16, right: 24, top: 36, bottom: 8, containLabel: true},
    xAxis: {type: "category", data: data.days, axisLabel: {hideOverlap: true, formatter: function (value) {
      var p = value.split("-"); return dayFormat.format(new Date(+p[0], +p[1] - 1, +p[2])).replace(".", "");
    }}},
    yAxis: {type: "value", minInterval: 1},
    series: data.stages.map(function (name, i) {
      return {name: name, type: "bar", stack: "moves", itemStyle: {color: data.colours[i]},
              data: data.counts.map(function (row) { return row[i] || "-"; })};
    })
  });
  window.followBoxSize(chart, element);
})();
