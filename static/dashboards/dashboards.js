/* Draws each dashboard chart from the table the server embedded (#dashboard-data), with Apache ECharts. */
(function () {
  "use strict";
  var charts = JSON.parse(document.getElementById("dashboard-data").textContent);

  function wideSeries(chart, type, extra) {
    return chart.columns.slice(1).map(function (name, i) {
      return Object.assign({name: name, type: type, data: chart.rows.map(function (row) { return row[i + 1]; })}, extra || {});
    });
  }

  function axes(chart) {
    return {
      tooltip: {trigger: "axis"}, legend: {type: "scroll", top: 0},
      grid: {left: 60, right: 30, top: 40, bottom: 40},
      // Every category label shown (campaign names are long: tilted rather than skipped).
      xAxis: {type: "category", data: chart.rows.map(function (row) { return row[0]; }),
              axisLabel: {interval: 0, rotate: chart.rows.length > 4 ? 20 : 0, width: 160, overflow: "truncate"}},
      yAxis: {type: "value"}
    };
  }

  var builders = {
    stacked_area: function (chart) {
      return Object.assign(axes(chart), {series: wideSeries(chart, "line", {stack: "all", areaStyle: {}, symbol: "none"})});
    },
    line: function (chart) {
      var option = axes(chart);
      var series = wideSeries(chart, "line", {connectNulls: true});
      // Money next to a count (outstanding points and their value) goes on its own axis.
      series.forEach(function (s) {
        if (/_value$/.test(s.name)) { s.yAxisIndex = 1; s.lineStyle = {type: "dashed"}; }
      });
      if (series.some(function (s) { return s.yAxisIndex === 1; })) {
        option.yAxis = [{type: "value", name: "points"}, {type: "value", name: "value"}];
      }
      return Object.assign(option, {series: series});
    },
    bar: function (chart) {
      var option = axes(chart);
      var series = wideSeries(chart, "bar");
      // Percentages and counts do not share a scale: draw a *_percent column as a line on its own axis.
      series.forEach(function (s) {
        if (/percent$/.test(s.name)) { s.type = "line"; s.yAxisIndex = 1; }
      });
      if (series.some(function (s) { return s.yAxisIndex === 1; })) {
        option.yAxis = [{type: "value"}, {type: "value", axisLabel: {formatter: "{value} %"}}];
      }
      if (chart.columns[1] === "members" && chart.columns.length > 2) {  // a count next to money: own axis
        series[0].yAxisIndex = 1; series[0].type = "line";
        option.yAxis = [{type: "value"}, {type: "value", name: "members"}];
      }
      return Object.assign(option, {series: series});
    },
    uplift: function (chart) {
      // Columns: campaign, treated %, holdout %, uplift pp, its 95 % interval low and high.
      var option = axes(chart);
      option.grid.bottom = 80;
      option.legend.data = ["Treated, %", "Holdout, %", "Uplift, pp (95 % interval)"];
      var column = function (i) { return chart.rows.map(function (r) { return r[i]; }); };
      option.series = [
        {name: "Treated, %", type: "bar", data: column(1)},
        {name: "Holdout, %", type: "bar", data: column(2)},
        {name: "Uplift, pp (95 % interval)", type: "scatter", symbolSize: 10, z: 3, data: column(3)},
        {name: "Uplift, pp (95 % interval)", type: "custom", z: 2, tooltip: {show: false},
         data: chart.rows.map(function (r, i) { return [i, r[4], r[5]]; }).filter(function (v) { return v[1] !== null; }),
         renderItem: function (params, api) {
           var low = api.coord([api.value(0), api.value(1)]), high = api.coord([api.value(0), api.value(2)]);
           var half = api.size([1, 0])[0] * 0.12;
           var style = {stroke: "#333", lineWidth: 1.5};
           return {type: "group", children: [
             {type: "line", shape: {x1: low[0], y1: low[1], x2: high[0], y2: high[1]}, style: style},
             {type: "line", shape: {x1: low[0] - half, y1: low[1], x2: low[0] + half, y2: low[1]}, style: style},
             {type: "line", shape: {x1: high[0] - half, y1: high[1], x2: high[0] + half, y2: high[1]}, style: style}
           ]};
         }}
      ];
      return option;
    },
    histogram: function (chart) {
      return {
        tooltip: {trigger: "axis"}, grid: {left: 60, right: 30, top: 20, bottom: 40},
        xAxis: {type: "category", name: "CLV", data: chart.rows.map(function (r) { return r[0] + "–" + r[1]; })},
        yAxis: {type: "value", name: "members"},
        series: [{type: "bar", barCategoryGap: "2%", data: chart.rows.map(function (r) { return r[2]; })}]
      };
    },
    heatmap: function (chart) {
      var max = Math.max.apply(null, chart.rows.map(function (r) { return r[2]; }).concat([1]));
      var scores = ["1", "2", "3", "4", "5"];
      return {
        tooltip: {formatter: function (p) { return "R " + p.value[0] + ", F " + p.value[1] + ": " + p.value[2] + " members"; }},
        grid: {left: 60, right: 90, top: 20, bottom: 50},
        xAxis: {type: "category", name: "R", data: scores}, yAxis: {type: "category", name: "F", data: scores},
        visualMap: {min: 0, max: max, calculable: true, orient: "vertical", right: 0, top: "middle"},
        series: [{type: "heatmap", label: {show: true},
                  data: chart.rows.map(function (r) { return [String(r[0]), String(r[1]), r[2]]; })
                    .map(function (v) { return [scores.indexOf(v[0]), scores.indexOf(v[1]), v[2]]; })}]
      };
    },
    sankey: function (chart) {
      // Stages repeat on both sides (moves go back and forth), so each side gets its own node.
      var nodes = {};
      var links = chart.rows.map(function (r) {
        var source = r[0] + " ", target = " " + r[1];
        nodes[source] = true; nodes[target] = true;
        return {source: source, target: target, value: r[2]};
      });
      return {
        tooltip: {trigger: "item"},
        series: [{type: "sankey", left: 20, right: 120, emphasis: {focus: "adjacency"},
                  data: Object.keys(nodes).map(function (name) { return {name: name}; }), links: links,
                  lineStyle: {color: "gradient", curveness: 0.5}}]
      };
    },
    pie: function (chart) {
      return {
        tooltip: {trigger: "item"}, legend: {top: 0},
        series: [{type: "pie", radius: ["35%", "70%"], label: {formatter: "{b}: {c} ({d}%)"},
                  data: chart.rows.map(function (r) { return {name: r[0], value: r[1]}; })}]
      };
    }
  };

  charts.forEach(function (chart) {
    var element = document.querySelector('[data-chart="' + chart.slug + '"]');
    if (!element) { return; }
    var instance = echarts.init(element);
    instance.setOption(Object.assign({animation: false}, builders[chart.kind](chart)));
    window.addEventListener("resize", function () { instance.resize(); });
  });
})();
