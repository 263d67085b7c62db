/* A journey's diagram: its nodes as boxes placed by journeys.diagram (levels by distance from the start), its
   exits as arrows, each with the members who passed it; an ECharts graph series without a force layout. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("journey-diagram-data").textContent);
  var labels = data.labels;
  var widest = Math.max.apply(null, data.edges.map(function (e) { return e.members; }).concat([1]));
  var pairs = {};

  function boxLines(node) {
    var lines = ["{name|" + node.name.replace(/[{}|]/g, " ") + "}", "{kind|" + node.kind + "}", labels.reached + ": " + node.reached];
    Object.keys(node.per_variant).forEach(function (key) { lines.push(key + ": " + node.per_variant[key]); });
    if (node.here) { lines.push(labels.here + ": " + node.here); }
    return lines;
  }

  // one unit of the layout is one pixel: the chart is as large as the diagram (the frame scrolls when it is wider)
  var xs = data.nodes.map(function (n) { return n.x; }), ys = data.nodes.map(function (n) { return n.y; });
  var minX = Math.min.apply(null, xs), maxX = Math.max.apply(null, xs);
  var minY = Math.min.apply(null, ys), maxY = Math.max.apply(null, ys);
  var element = document.getElementById("journey-diagram");
  var width = Math.max(maxX - minX + 2 * data.margin.x, element.parentNode.clientWidth);
  var height = maxY - minY + 2 * data.margin.y;
  var centreX = (minX + maxX) / 2;
  element.style.width = width + "px";
  element.style.height = height + "px";
  var chart = echarts.init(element);
  chart.setOption({
    animation: false,
    grid: {left: 0, right: 0, top: 0, bottom: 0},
    xAxis: {type: "value", show: false, min: centreX - width / 2, max: centreX + width / 2},
    yAxis: {type: "value", show: false, inverse: true, min: minY - data.margin.y, max: maxY + data.margin.y},
    tooltip: {confine: true, formatter: function (item) {
      if (item.dataType === "edge") {
        return (item.data.label ? item.data.label + " — " : "") + labels.members + ": " + item.data.members;
      }
      var node = item.data.node;
      return boxLines(node).map(function (line) { return line.replace(/^\{\w+\|(.*)\}$/, "$1"); })
        .concat([labels.ended + ": " + node.ended, labels.converted + ": " + node.converted]).join("<br>");
    }},
    series: [{
      type: "graph", layout: "none", coordinateSystem: "cartesian2d",
      symbol: "roundRect", edgeSymbol: ["none", "arrow"], edgeSymbolSize: [0, 12],
      label: {show: true, color: "#fff", fontSize: 12, lineHeight: 16, width: data.box.width - 14,
              overflow: "truncate", formatter: function (item) {
        return boxLines(item.data.node).join("\n");
      }, rich: {name: {fontWeight: "bold", fontSize: 13, color: "#fff"}, kind: {fontSize: 11, color: "#f0f0f0"}}},
      edgeLabel: {show: true, fontSize: 12, fontWeight: "bold", color: "#222", backgroundColor: "#fff",
                  borderColor: "#c8cfd6", borderWidth: 1, borderRadius: 3, padding: [2, 4],
                  formatter: function (item) {
        return (item.data.label ? item.data.label + ": " : "") + item.data.members;
      }},
      data: data.nodes.map(function (node) {
        var lines = 3 + Object.keys(node.per_variant).length + (node.here ? 1 : 0);
        return {id: node.id, name: node.name, value: [node.x, node.y], node: node,
                symbolSize: [data.box.width, 12 + 16 * lines], itemStyle: {color: node.colour}};
      }),
      links: data.edges.map(function (edge) {
        var pair = edge.source + ">" + edge.target;
        pairs[pair] = (pairs[pair] || 0) + 1;
        var source = data.nodes.filter(function (n) { return n.id === edge.source; })[0];
        var target = data.nodes.filter(function (n) { return n.id === edge.target; })[0];
        var backwards = target.y <= source.y;
        return {source: edge.source, target: edge.target, label: edge.label, members: edge.members,
                lineStyle: {color: "#7a8793", opacity: 0.9, width: 1.5 + 4 * edge.members / widest,
                            curveness: (backwards ? 0.35 : 0) + 0.15 * (pairs[pair] - 1)}};
      })
    }]
  });
})();
