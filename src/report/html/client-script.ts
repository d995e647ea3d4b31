/**
 * The page's own script (plain browser JavaScript, inlined): reads the chart
 * specs from the JSON block and draws each with uPlot. Bands, grouped bars,
 * lanes and reference lines are drawn in uPlot's hooks on its canvas, so every
 * chart is one canvas with uPlot's axes and legend.
 */
export const CLIENT_SCRIPT = String.raw`
(function () {
  'use strict';
  var specs = JSON.parse(document.getElementById('dsys-charts').textContent);
  var px = function (n) { return n * uPlot.pxRatio; };
  var FONT = '13px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  var SMALL = function () { return Math.round(px(11)) + 'px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'; };
  var INK = '#1f2328', GRID = '#e3e6ea';

  function axis(label, extra) {
    var a = {label: label, stroke: INK, font: FONT, labelFont: 'bold ' + FONT, grid: {stroke: GRID, width: 1}, ticks: {stroke: GRID}};
    for (var k in extra) a[k] = extra[k];
    return a;
  }

  // (Each hook sets its text alignment: uPlot leaves its own last one on the context.)
  // Shaded periods behind the lines, their labels on top, staggered into rows so none overlap.
  function bandHooks(bands) {
    return {
      drawClear: [function (u) {
        var ctx = u.ctx, b = u.bbox;
        ctx.save();
        bands.forEach(function (band) {
          var x0 = Math.max(b.left, u.valToPos(band.from, 'x', true));
          var x1 = Math.min(b.left + b.width, u.valToPos(band.to, 'x', true));
          ctx.fillStyle = band.color;
          ctx.fillRect(x0, b.top, Math.max(px(3), x1 - x0), b.height);
        });
        ctx.restore();
      }],
      draw: [function (u) {
        var ctx = u.ctx, b = u.bbox, rowsEnd = [];
        ctx.save();
        ctx.font = SMALL();
        ctx.fillStyle = INK;
        ctx.textAlign = 'left';
        ctx.textBaseline = 'top';
        bands.slice().sort(function (a, c) { return a.from - c.from; }).forEach(function (band) {
          var x = Math.max(b.left, u.valToPos(band.from, 'x', true)) + px(3);
          var text = band.label + (band.open ? ' …' : '');
          var w = ctx.measureText(text).width;
          if (x + w > b.left + b.width) x = Math.max(b.left, b.left + b.width - w - px(3));
          var row = 0;
          while (rowsEnd[row] !== undefined && rowsEnd[row] > x) row++;
          rowsEnd[row] = x + w + px(8);
          ctx.fillText(text, x, b.top + px(3) + row * px(14));
        });
        ctx.restore();
      }]
    };
  }

  function xy(spec) {
    var ticks = spec.xTicks;
    var opts = {
      title: spec.title,
      scales: {x: {time: false, range: spec.xRange || [spec.x[0], spec.x[spec.x.length - 1]]}, y: spec.yAxis.log ? {distr: 3, log: 10} : {range: function (u, min, max) { return [0, max > 0 ? max * 1.08 : 1]; }}},
      axes: [
        axis(spec.xAxis.label, ticks ? {splits: function () { return ticks.map(function (t) { return t.value; }); }, values: function (u, splits) { return splits.map(function (v) { var t = ticks.find(function (t) { return t.value === v; }); return t ? t.label : ''; }); }} : {}),
        axis(spec.yAxis.label, {size: 60})
      ],
      series: [{label: spec.xAxis.label, value: function (u, v) { return v == null ? '–' : ticks ? (100 * (1 - Math.pow(10, -v))).toFixed(Math.max(1, Math.ceil(v))) + '%' : v.toFixed(1); }}].concat(spec.series.map(function (s) {
        return {label: s.label, stroke: s.color, width: 2, points: {show: false}, value: function (u, v) { return v == null ? '–' : +v.toPrecision(4) + ''; }};
      })),
      hooks: bandHooks(spec.bands)
    };
    return {opts: opts, data: [spec.x].concat(spec.series.map(function (s) { return s.values; })), height: 300};
  }

  function bars(spec) {
    var n = spec.categories.length, groups = spec.series.length, ref = spec.reference;
    var longest = spec.categories.reduce(function (m, c) { return Math.max(m, c.length); }, 0);
    var every = Math.max(1, Math.ceil(n / 40));
    function paths(si) {
      return function (u, seriesIdx, i0, i1) {
        var p = new Path2D(), data = u.data[seriesIdx];
        var slot = u.valToPos(1, 'x', true) - u.valToPos(0, 'x', true), group = slot * 0.8, w = group / groups;
        var y0 = u.valToPos(0, 'y', true);
        for (var i = i0; i <= i1; i++) {
          if (data[i] == null) continue;
          var x = u.valToPos(i, 'x', true) - group / 2 + si * w, y = u.valToPos(data[i], 'y', true);
          p.rect(x + Math.min(px(1), w * 0.1), Math.min(y, y0), Math.max(px(1), w - Math.min(px(2), w * 0.2)), Math.abs(y0 - y));
        }
        return {stroke: p, fill: p};
      };
    }
    var draw = function (u) {
      var ctx = u.ctx, b = u.bbox;
      ctx.save();
      ctx.font = SMALL();
      ctx.textAlign = 'center';
      ctx.textBaseline = 'bottom';
      ctx.fillStyle = INK;
      var slot = u.valToPos(1, 'x', true) - u.valToPos(0, 'x', true), w = slot * 0.8 / groups;
      if (w > px(28)) spec.series.forEach(function (s, si) {
        s.values.forEach(function (v, i) {
          if (v == null) return;
          var x = u.valToPos(i, 'x', true) - slot * 0.4 + (si + 0.5) * w;
          ctx.fillText(+v.toPrecision(3) + '', x, u.valToPos(v, 'y', true) - px(2));
        });
      });
      if (ref != null) {
        var y = u.valToPos(ref, 'y', true);
        ctx.strokeStyle = INK;
        ctx.setLineDash([px(5), px(4)]);
        ctx.lineWidth = px(1);
        ctx.beginPath(); ctx.moveTo(b.left, y); ctx.lineTo(b.left + b.width, y); ctx.stroke();
      }
      ctx.restore();
    };
    var opts = {
      title: spec.title,
      scales: {x: {time: false, range: [-0.5, n - 0.5]}, y: {range: function (u, min, max) { return [0, Math.max(max, ref != null ? ref : 0) * 1.15 || 1]; }}},
      axes: [
        axis(spec.xAxis.label, {
          splits: function () { return spec.categories.map(function (c, i) { return i; }); },
          values: function (u, splits) { return splits.map(function (i) { return i % every === 0 ? spec.categories[i] : ''; }); },
          rotate: longest * 7 * Math.min(n, 40) > 700 ? -30 : 0,
          size: longest * 7 * Math.min(n, 40) > 700 ? Math.min(160, 30 + longest * 5) : 50,
          grid: {show: false}
        }),
        axis(spec.yAxis.label, {size: 60})
      ],
      series: [{label: spec.xAxis.label, value: function (u, v) { return v == null ? '–' : spec.categories[v]; }}].concat(spec.series.map(function (s, si) {
        return {label: s.label, stroke: s.color, fill: s.color, width: 0, paths: paths(si), points: {show: false}};
      })),
      hooks: {draw: [draw]}
    };
    return {opts: opts, data: [spec.categories.map(function (c, i) { return i; })].concat(spec.series.map(function (s) { return s.values; })), height: 300};
  }

  function lanes(spec) {
    var n = spec.lanes.length;
    var draw = function (u) {
      var ctx = u.ctx, b = u.bbox, laneH = b.height / n, labelEnd = [];
      ctx.save();
      ctx.font = SMALL();
      ctx.textAlign = 'left';
      ctx.textBaseline = 'bottom';
      spec.bars.forEach(function (bar) {
        var yc = u.valToPos(n - 1 - bar.lane, 'y', true);
        var h = Math.min(laneH * 0.4, px(16));
        var x0 = u.valToPos(bar.start, 'x', true);
        var x1 = bar.end == null ? b.left + b.width : u.valToPos(bar.end, 'x', true);
        // A pixel's gap between back-to-back operations of one process.
        var w = Math.max(px(3), x1 - x0 - px(1)), top = yc - h / 2 + laneH * 0.12;
        ctx.globalAlpha = bar.end == null ? 0.45 : 0.9;
        ctx.fillStyle = bar.color;
        ctx.fillRect(x0, top, w, h);
        ctx.globalAlpha = 1;
        if (bar.end == null) { ctx.setLineDash([px(4), px(3)]); ctx.strokeStyle = bar.color; ctx.lineWidth = px(1.5); ctx.strokeRect(x0, top, w, h); ctx.setLineDash([]); }
        if (bar.marked) { ctx.strokeStyle = '#000'; ctx.lineWidth = px(2); ctx.strokeRect(x0, top, w, h); }
        var lx = Math.max(b.left, x0);
        if (labelEnd[bar.lane] === undefined || labelEnd[bar.lane] < lx) {
          ctx.fillStyle = bar.marked ? bar.color : INK;
          ctx.font = (bar.marked ? 'bold ' : '') + SMALL();
          ctx.fillText(bar.label, lx, top - px(2));
          labelEnd[bar.lane] = lx + ctx.measureText(bar.label).width + px(6);
        }
      });
      ctx.restore();
    };
    var opts = {
      title: spec.title,
      legend: {show: false},
      cursor: {show: false},
      scales: {x: {time: false, range: [spec.xMin, spec.xMax]}, y: {auto: false, range: [-0.5, n - 0.5]}},
      axes: [
        axis(spec.xAxis.label),
        axis(spec.laneAxis.label, {
          splits: function () { return spec.lanes.map(function (l, i) { return i; }); },
          values: function (u, splits) { return splits.map(function (i) { return spec.lanes[n - 1 - i]; }); },
          size: Math.min(200, 24 + spec.lanes.reduce(function (m, l) { return Math.max(m, l.length); }, 0) * 7),
          grid: {show: false}
        })
      ],
      series: [{}, {label: spec.title, show: true, points: {show: false}, stroke: 'transparent'}],
      hooks: {draw: [draw]}
    };
    return {opts: opts, data: [[spec.xMin, spec.xMax], [null, null]], height: Math.max(150, 56 * n + 90), key: spec.key};
  }

  var charts = [];
  specs.forEach(function (spec) {
    var el = document.getElementById(spec.id);
    var made = spec.type === 'xy' ? xy(spec) : spec.type === 'bars' ? bars(spec) : lanes(spec);
    made.opts.width = el.clientWidth;
    made.opts.height = made.height;
    charts.push({el: el, u: new uPlot(made.opts, made.data, el)});
    if (made.key) {
      var key = document.createElement('div');
      key.className = 'key';
      made.key.forEach(function (k) {
        var item = document.createElement('span');
        var swatch = document.createElement('i');
        swatch.style.background = k.color;
        item.appendChild(swatch);
        item.appendChild(document.createTextNode(k.label));
        key.appendChild(item);
      });
      el.appendChild(key);
    }
  });
  window.addEventListener('resize', function () {
    charts.forEach(function (c) { c.u.setSize({width: c.el.clientWidth, height: c.u.height}); });
  });
})();
`
