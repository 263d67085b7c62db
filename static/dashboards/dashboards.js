/* Draws each dashboard chart from the table the server embedded (#dashboard-data), with Apache ECharts.
   #dashboard-meta carries the reader's language and currency, the words for column names and the one
   colour of each lifecycle stage, so every chart formats and colours alike. */
(function () {
  "use strict";
  var charts = JSON.parse(document.getElementById("dashboard-data").textContent);
  var meta = JSON.parse(document.getElementById("dashboard-meta").textContent);
  var lang = meta.language || "ru";
  var ISO_DAY = /^\d{4}-\d{2}-\d{2}$/, ISO_MONTH = /^\d{4}-\d{2}$/;

  var numberFormat = new Intl.NumberFormat(lang, {maximumFractionDigits: 1});
  var moneyFormat = new Intl.NumberFormat(lang, {style: "currency", currency: meta.currency, maximumFractionDigits: 0});
  var compactMoney = new Intl.NumberFormat(lang, {style: "currency", currency: meta.currency, notation: "compact",
                                                  maximumFractionDigits: 1});
  var compactNumber = new Intl.NumberFormat(lang, {notation: "compact", maximumFractionDigits: 1});
  var dayFormat = new Intl.DateTimeFormat(lang, {day: "numeric", month: "short"});
  var fullDayFormat = new Intl.DateTimeFormat(lang, {day: "numeric", month: "long", year: "numeric"});
  var monthFormat = new Intl.DateTimeFormat(lang, {month: "short"});

  function label(name) { return meta.labels[name] || name; }
  function money(value) { return value === null || value === undefined ? "—" : moneyFormat.format(value); }
  function count(value) { return value === null || value === undefined ? "—" : numberFormat.format(value); }
  function moneyAxis(value) { return Math.abs(value) >= 10000 ? compactMoney.format(value) : moneyFormat.format(value); }
  function countAxis(value) { return Math.abs(value) >= 10000 ? compactNumber.format(value) : numberFormat.format(value); }
  function currencySign() {
    var part = moneyFormat.formatToParts(0).filter(function (p) { return p.type === "currency"; })[0];
    return part ? part.value : meta.currency;
  }
  function asDate(text) { var p = text.split("-"); return new Date(+p[0], +p[1] - 1, p[2] ? +p[2] : 1); }

  // A category value as people read it, on one line: "30 июн" for a day ("1 июл 2025" on the first and
  // where the year changes), "июн 2026" for a month; anything else as it is.
  function category(value, index, all) {
    if (ISO_DAY.test(value)) {
      var day = asDate(value), previous = index > 0 ? asDate(all[index - 1]) : null;
      var text = dayFormat.format(day).replace(".", "");
      return (!previous || previous.getFullYear() !== day.getFullYear()) ? text + " " + day.getFullYear() : text;
    }
    if (ISO_MONTH.test(value)) {
      var month = asDate(value);
      return monthFormat.format(month).replace(".", "") + " " + month.getFullYear();
    }
    return label(value);
  }
  function categoryTitle(value) {
    if (ISO_DAY.test(value)) { return fullDayFormat.format(asDate(value)); }
    if (ISO_MONTH.test(value)) { var m = asDate(value); return new Intl.DateTimeFormat(lang, {month: "long", year: "numeric"}).format(m); }
    return label(value);
  }

  function isMoneyColumn(chart, name) {
    return /_value$|clv/.test(name) || (chart.unit === "money" && name !== "members" && !/percent$/.test(name));
  }
  function formatColumn(chart, name, value) {
    if (/percent$|_pct$|_pp$/.test(name)) { return value === null || value === undefined ? "—" : numberFormat.format(value) + " %"; }
    return isMoneyColumn(chart, name) ? money(value) : count(value);
  }

  function tooltip(chart) {
    return {
      trigger: "axis", confine: true,
      formatter: function (items) {
        var head = categoryTitle(chart.rows[items[0].dataIndex][0]);
        return [head].concat(items.map(function (item) {
          var column = chart.columns[item.seriesIndex + 1];
          var value = chart.rows[item.dataIndex][item.seriesIndex + 1];
          return item.marker + label(column) + ": <b>" + formatColumn(chart, column, value) + "</b>";
        })).join("<br>");
      }
    };
  }

  // Empty cells (no value, or a zero bar) are not drawn; a small non-zero bar keeps a visible height.
  function cell(value, type) { return value === null || (type === "bar" && value === 0) ? "-" : value; }

  function wideSeries(chart, type, extra) {
    return chart.columns.slice(1).map(function (name, i) {
      var colour = meta.stage_colours[name];
      return Object.assign({name: label(name), type: type, barMinHeight: type === "bar" ? 3 : undefined,
                            itemStyle: colour ? {color: colour} : undefined,
                            data: chart.rows.map(function (row) { return cell(row[i + 1], type); })}, extra || {});
    });
  }

  function axes(chart) {
    var values = chart.rows.map(function (row) { return row[0]; });
    var dates = values.length && (ISO_DAY.test(values[0]) || ISO_MONTH.test(values[0]));
    var long = !dates && values.some(function (v) { return String(v).length > 14; });
    return {
      tooltip: tooltip(chart), legend: {type: "scroll", top: 0},
      grid: {left: 16, right: 24, top: 40, bottom: 8, containLabel: true},
      // Dates: as many as fit, never tilted. Names (campaigns, segments): all shown, tilted when long.
      xAxis: {type: "category", data: values,
              axisLabel: dates ? {hideOverlap: true, formatter: function (v, i) { return category(v, i, values); }}
                               : {interval: 0, rotate: long && values.length > 3 ? 25 : 0, width: 150, overflow: "truncate",
                                  formatter: function (v) { return label(v); }}},
      yAxis: {type: "value", axisLabel: {formatter: chart.unit === "money" ? moneyAxis : countAxis}}
    };
  }

  var builders = {
    stacked_area: function (chart) {
      return Object.assign(axes(chart), {series: wideSeries(chart, "line", {stack: "all", areaStyle: {opacity: 0.85},
                                                                            symbol: "none", lineStyle: {width: 1}})});
    },
    line: function (chart) {
      var option = axes(chart);
      var series = wideSeries(chart, "line", {connectNulls: true});
      // Money next to a count (outstanding points and their value) goes on its own axis.
      chart.columns.slice(1).forEach(function (name, i) {
        if (/_value$/.test(name)) { series[i].yAxisIndex = 1; series[i].lineStyle = {type: "dashed"}; }
      });
      if (series.some(function (s) { return s.yAxisIndex === 1; })) {
        option.yAxis = [{type: "value", name: label("outstanding_points"), axisLabel: {formatter: countAxis}},
                        // named by its column: each label already carries the currency ("7 млн ₽"), so a "₽" title doubled it
                        {type: "value", name: label("outstanding_value"), axisLabel: {formatter: moneyAxis}}];
      }
      return Object.assign(option, {series: series});
    },
    bar: function (chart) {
      var option = axes(chart);
      var series = wideSeries(chart, "bar");
      var columns = chart.columns.slice(1);
      // Percentages and counts do not share a scale: draw a *_percent column as a line on its own axis.
      columns.forEach(function (name, i) {
        if (/percent$/.test(name)) { series[i].type = "line"; series[i].yAxisIndex = 1; series[i].barMinHeight = undefined; }
      });
      if (series.some(function (s) { return s.yAxisIndex === 1; })) {
        option.yAxis = [{type: "value", axisLabel: {formatter: countAxis}},
                        {type: "value", axisLabel: {formatter: "{value} %"}}];
      }
      if (columns[0] === "members" && columns.length > 1) {  // a count next to money: its own axis, as a line
        series[0].yAxisIndex = 1; series[0].type = "line"; series[0].barMinHeight = undefined;
        series[0].data = chart.rows.map(function (r) { return r[1]; });
        option.yAxis = [{type: "value", axisLabel: {formatter: moneyAxis}},
                        {type: "value", name: label("members"), axisLabel: {formatter: countAxis}}];
      }
      return Object.assign(option, {series: series});
    },
    uplift: function (chart) {
      // Columns: campaign, treated %, holdout %, uplift pp, its 95 % interval low and high.
      var option = axes(chart);
      var names = [label("treated_conversion_pct"), label("holdout_conversion_pct"), label("uplift_pp")];
      option.legend.data = names;
      option.yAxis.axisLabel = {formatter: "{value}"};
      var column = function (i) { return chart.rows.map(function (r) { return r[i]; }); };
      option.tooltip = {trigger: "axis", confine: true, formatter: function (items) {
        var row = chart.rows[items[0].dataIndex];
        return [label(row[0]),
                names[0] + ": <b>" + formatColumn(chart, "x_pct", row[1]) + "</b>",
                names[1] + ": <b>" + formatColumn(chart, "x_pct", row[2]) + "</b>",
                names[2] + ": <b>" + count(row[3]) + "</b>" + (row[4] === null ? "" : " [" + count(row[4]) + "; " + count(row[5]) + "]")
               ].join("<br>");
      }};
      option.series = [
        {name: names[0], type: "bar", barMinHeight: 3, data: column(1).map(function (v) { return cell(v, "bar"); })},
        {name: names[1], type: "bar", barMinHeight: 3, data: column(2).map(function (v) { return cell(v, "bar"); })},
        {name: names[2], type: "scatter", symbolSize: 10, z: 3, data: column(3)},
        {name: names[2], type: "custom", z: 2, tooltip: {show: false},
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
      // Bins of a round width (the server picks it): "0–500 ₽", the last one "от 9 500 ₽" when it holds the tail.
      var bins = chart.rows.map(function (r) { return numberFormat.format(r[0]) + "–" + money(r[1]); });
      return {
        tooltip: {trigger: "axis", confine: true, formatter: function (items) {
          return bins[items[0].dataIndex] + ": <b>" + count(items[0].value === "-" ? 0 : items[0].value) + "</b> " +
                 label("members").toLowerCase();
        }},
        grid: {left: 16, right: 24, top: 30, bottom: 8, containLabel: true},
        xAxis: {type: "category", name: "", data: bins, axisLabel: {hideOverlap: true}},
        yAxis: {type: "value", name: label("members"), axisLabel: {formatter: countAxis}},
        series: [{type: "bar", barCategoryGap: "8%", barMinHeight: 3, label: {show: true, position: "top",
                  formatter: function (p) { return p.value === "-" ? "" : count(p.value); }},
                  data: chart.rows.map(function (r) { return cell(r[2], "bar"); })}]
      };
    },
    heatmap: function (chart) {
      var max = Math.max.apply(null, chart.rows.map(function (r) { return r[2]; }).concat([1]));
      var scores = ["1", "2", "3", "4", "5"];
      return {
        tooltip: {formatter: function (p) {
          return "R " + (p.value[0] + 1) + ", F " + (p.value[1] + 1) + ": <b>" + count(p.value[2]) + "</b>";
        }},
        grid: {left: 16, right: 90, top: 30, bottom: 36, containLabel: true},
        xAxis: {type: "category", name: label("r_score"), nameLocation: "middle", nameGap: 28, data: scores},
        yAxis: {type: "category", name: label("f_score"), data: scores},
        visualMap: {min: 0, max: max, calculable: true, orient: "vertical", right: 0, top: "middle"},
        series: [{type: "heatmap", label: {show: true},
                  data: chart.rows.map(function (r) { return [String(r[0]), String(r[1]), r[2]]; })
                    .map(function (v) { return [scores.indexOf(v[0]), scores.indexOf(v[1]), v[2]]; })}]
      };
    },
    sankey: function (chart) {
      // Stages repeat on both sides (moves go back and forth), so each side gets its own node, both in the
      // stage's one colour.
      var nodes = {};
      var links = chart.rows.map(function (r) {
        var source = label(r[0]) + " ", target = " " + label(r[1]);
        nodes[source] = r[0]; nodes[target] = r[1];
        return {source: source, target: target, value: r[2]};
      });
      return {
        tooltip: {trigger: "item", confine: true, formatter: function (p) {
          return p.dataType === "edge" ? p.data.source.trim() + " → " + p.data.target.trim() + ": <b>" + count(p.value) + "</b>"
                                       : p.name.trim() + ": <b>" + count(p.value) + "</b>";
        }},
        series: [{type: "sankey", left: 20, right: 140, nodeGap: 14, emphasis: {focus: "adjacency"},
                  data: Object.keys(nodes).map(function (name) {
                    return {name: name, itemStyle: {color: meta.stage_colours[nodes[name]] || "#999", borderColor: "#fff"}};
                  }),
                  links: links, label: {color: "#222"}, lineStyle: {color: "gradient", curveness: 0.5, opacity: 0.35}}]
      };
    },
    pie: function (chart) {
      return {
        tooltip: {trigger: "item", formatter: function (p) { return p.name + ": <b>" + count(p.value) + "</b> (" + numberFormat.format(p.percent) + " %)"; }},
        legend: {top: 0},
        series: [{type: "pie", radius: ["35%", "70%"], top: 30,
                  label: {formatter: function (p) { return p.name + ": " + count(p.value) + " (" + numberFormat.format(p.percent) + " %)"; }},
                  data: chart.rows.map(function (r) { return {name: label(r[0]), value: r[1]}; })}]
      };
    }
  };

  charts.forEach(function (chart) {
    var element = document.querySelector('[data-chart="' + chart.slug + '"]');
    if (!element) { return; }
    var instance = echarts.init(element);
    instance.setOption(Object.assign({animation: false}, builders[chart.kind](chart)));
    window.followBoxSize(instance, element);
  });
})();
