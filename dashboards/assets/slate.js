// slate.js draws the dashboard charts from their JSON data islands and
// turns clicks into drill-downs. It is the only script of a page besides
// ECharts: the Content-Security-Policy forbids inline scripts, so data
// shown in a chart can never run as code.
"use strict";
(function () {
  function drillURL(d, params) {
    var q = new URLSearchParams(d.params || "");
    q.set("report", d.report);
    var m = d.measures && d.measures[params.seriesName];
    if (m) { q.set("measure", m); }
    if (d.time) {
      var period = d.periods && d.periods[params.dataIndex];
      if (!period) { return null; }
      q.set("grain", d.grain);
      q.set("period", period);
    } else if (d.filters) {
      var f = d.filters[params.dataIndex];
      if (!f) { return null; }
      Object.keys(f).forEach(function (k) { q.set(k, f[k]); });
    } else if (d.dim) {
      var key = d.keys ? d.keys[params.dataIndex] : params.name;
      if (key === undefined) { return null; }
      q.set(d.dim, key);
    }
    return "/dashboards/tickets?" + q.toString();
  }
  // columnClicks makes a click anywhere in a one-series bar chart's
  // category column open that category's list, as a click on its bar
  // does: a short bar (a low compliance, a few breaches) is hard to hit.
  function columnClicks(chart, spec) {
    var series = spec.option.series || [];
    if (spec.drill.time || series.length !== 1 || series[0].type !== "bar") { return; }
    chart.getZr().on("click", function (ev) {
      if (ev.target) { return; } // on a bar or a label: its own handler
      var p = [ev.offsetX, ev.offsetY];
      if (!chart.containPixel({ gridIndex: 0 }, p)) { return; }
      var at = chart.convertFromPixel({ seriesIndex: 0 }, p);
      // the category axis is y for horizontal bars (long category lists)
      var yAxis = [].concat(spec.option.yAxis || [])[0];
      var i = Math.round(at[yAxis && yAxis.type === "category" ? 1 : 0]);
      if (!(i >= 0 && i < (series[0].data || []).length)) { return; }
      var url = drillURL(spec.drill, { seriesName: series[0].name, dataIndex: i, name: undefined });
      if (url) { window.location.href = url; }
    });
  }
  // Figures in tooltips and on value axes are written the page's way:
  // 1,234.5 in English, 1.234,5 in Vietnamese, 1 234,5 in Russian.
  var numbers = new Intl.NumberFormat(document.documentElement.lang || "en", { maximumFractionDigits: 2 });
  function figure(v) { return typeof v === "number" ? numbers.format(v) : v; }
  function localise(option) {
    option.tooltip = Object.assign({}, option.tooltip, { valueFormatter: figure });
    ["xAxis", "yAxis"].forEach(function (k) {
      [].concat(option[k] || []).forEach(function (axis) {
        if (axis.type === "value" || (k === "yAxis" && !axis.type)) {
          axis.axisLabel = Object.assign({}, axis.axisLabel, { formatter: figure });
        }
      });
    });
  }
  function draw(el) {
    var island = document.getElementById("opt-" + el.dataset.chart);
    if (!island) { return; }
    var spec = JSON.parse(island.textContent);
    localise(spec.option);
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(spec.option);
    if (spec.drill) {
      chart.on("click", function (params) {
        var url = drillURL(spec.drill, params);
        if (url) { window.location.href = url; }
      });
      columnClicks(chart, spec);
    }
    window.addEventListener("resize", function () { chart.resize(); });
    el.dataset.drawn = "1";
  }
  document.querySelectorAll("[data-chart]").forEach(draw);
  var refresh = parseInt(document.body.dataset.refresh || "0", 10);
  if (refresh > 0) {
    window.setTimeout(function () { window.location.reload(); }, refresh * 1000);
  }
})();
