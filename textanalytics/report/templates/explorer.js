/* Interactive views of the textanalytics report: term explorer, topic explorer (LDAvis), time view.
   Vanilla JavaScript and inline SVG; data from the <script type="application/json" id="explorer-data"> block.
   Every piece of corpus text is inserted with textContent, never as markup. */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var node = document.getElementById("explorer-data");
  if (!node) return;
  var D = JSON.parse(node.textContent);
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];

  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function sv(tag, attrs, text) {
    var e = document.createElementNS(NS, tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); }
  function fmt(v, d) { return v === null || v === undefined ? "–" : Number(v).toFixed(d); }
  function pct(v) { return v === null || v === undefined ? "–" : (100 * v).toFixed(1) + "%"; }
  function option(select, value, label) { select.appendChild(el("option", {value: value}, label)); }
  function svgPoint(svg, evt) {
    var p = svg.createSVGPoint(); p.x = evt.clientX; p.y = evt.clientY;
    return p.matrixTransform(svg.getScreenCTM().inverse());
  }
  function showTip(tip, evt, lines) {
    clear(tip);
    lines.forEach(function (l, i) { tip.appendChild(el(i === 0 ? "strong" : "div", {}, l)); });
    tip.style.display = "block";
    var box = tip.parentNode.getBoundingClientRect();
    tip.style.left = (evt.clientX - box.left + 14) + "px";
    tip.style.top = (evt.clientY - box.top + 14) + "px";
  }

  /* ---------------------------------------------------------------- term explorer */
  var BIN_EDGES = [-3.29, -2.58, -1.96, -1, 1, 1.96, 2.58, 3.29];
  var BIN_COLOURS = ["#a6611a", "#d08c2f", "#e6b35c", "#f2d9a6", "#c8c8c8", "#b3d4ea", "#6baed6", "#2b83c6", "#08519c"];
  function zBin(z) { var b = 0; z = z === null ? 0 : z; while (b < BIN_EDGES.length && z > BIN_EDGES[b]) b++; return b; }
  function percentileRanks(values) {
    var n = values.length, idx = values.map(function (_, i) { return i; });
    idx.sort(function (a, b) { return values[a] - values[b]; });
    var out = new Array(n), i = 0;
    while (i < n) {
      var j = i; while (j + 1 < n && values[idx[j + 1]] === values[idx[i]]) j++;
      var r = n > 1 ? ((i + j) / 2) / (n - 1) : 0.5;
      for (var t = i; t <= j; t++) out[idx[t]] = r;
      i = j + 1;
    }
    return out;
  }
  var TE = {comp: null, pts: null, grid: null, selected: -1};
  var TW = 680, TH = 500, TM = 46, CELL = 10;
  function sideLines(term, comp, target) {
    var lines = (D.kwic.lines[term] || []), groups = D.kwic.groups[comp.group_by] || [];
    return lines.filter(function (l) {
      var g = groups[l[0]];
      if (target) return g === comp.target;
      return comp.reference === "rest" ? g !== comp.target : g === comp.reference;
    });
  }
  function kwicTable(lines) {
    var table = el("table", {"class": "kwic"}), tbody = el("tbody");
    lines.slice(0, 6).forEach(function (l) {
      var tr = el("tr");
      tr.appendChild(el("td", {"class": "s"}, D.kwic.statements[l[0]]));
      tr.appendChild(el("td", {"class": "l"}, l[1]));
      tr.appendChild(el("td", {"class": "m"}, l[2]));
      tr.appendChild(el("td", {"class": "r"}, l[3]));
      tbody.appendChild(tr);
    });
    table.appendChild(tbody);
    return table;
  }
  function termDetail(i) {
    var comp = TE.comp, box = $("te-detail"), term = D.terms.terms[comp.term[i]];
    TE.selected = i;
    clear(box);
    box.appendChild(el("h4", {"class": "te-term"}, term));
    box.appendChild(el("p", {}, comp.target + ": " + comp.ft[i] + " occurrences; " + comp.reference + ": " + comp.fr[i] +
      "; Fightin' Words z " + fmt(comp.z[i], 2) + "; log ratio " + fmt(comp.lr[i], 2) +
      "; adjusted p " + fmt(comp.p[i], 4) + (comp.key[i] ? "; key term" : "")));
    [[true, comp.target], [false, comp.reference]].forEach(function (side) {
      var lines = sideLines(term, comp, side[0]);
      box.appendChild(el("h5", {}, "In " + side[1] + " (" + lines.length + " line" + (lines.length === 1 ? "" : "s") + " embedded)"));
      if (lines.length) box.appendChild(kwicTable(lines));
      else box.appendChild(el("p", {"class": "muted"}, D.kwic.lines[term] ? "No occurrence on this side among the embedded lines." :
        "Contexts are embedded for the strongest terms of each side only; use the keywords-in-context search below."));
    });
    var ring = $("te-ring");
    ring.setAttribute("cx", TE.pts[2 * i]); ring.setAttribute("cy", TE.pts[2 * i + 1]);
    ring.style.display = "inline";
  }
  function drawTerms() {
    var comp = D.terms.comparisons[Number($("te-comparison").value)], svg = $("te-plot");
    TE.comp = comp; TE.selected = -1;
    clear(svg); clear($("te-detail"));
    var n = comp.term.length, xr = percentileRanks(comp.fr), yr = percentileRanks(comp.ft);
    var pts = new Float64Array(2 * n), paths = BIN_COLOURS.map(function () { return []; }), keyPath = [];
    var grid = {};
    for (var i = 0; i < n; i++) {
      var jx = ((comp.term[i] * 2654435761) % 1000) / 1000 - 0.5, jy = ((comp.term[i] * 40503) % 1000) / 1000 - 0.5;
      var x = TM + xr[i] * (TW - 2 * TM) + jx * 4, y = TH - TM - yr[i] * (TH - 2 * TM) + jy * 4;
      pts[2 * i] = x; pts[2 * i + 1] = y;
      var seg = "M" + x.toFixed(1) + " " + y.toFixed(1) + "m-2.5 0a2.5 2.5 0 1 0 5 0a2.5 2.5 0 1 0-5 0";
      paths[zBin(comp.z[i])].push(seg);
      if (comp.key[i]) keyPath.push("M" + x.toFixed(1) + " " + y.toFixed(1) + "m-4 0a4 4 0 1 0 8 0a4 4 0 1 0-8 0");
      var c = Math.floor(x / CELL) + "," + Math.floor(y / CELL);
      (grid[c] = grid[c] || []).push(i);
    }
    TE.pts = pts; TE.grid = grid;
    svg.appendChild(sv("rect", {x: TM, y: TM, width: TW - 2 * TM, height: TH - 2 * TM, fill: "#fafafa", stroke: "#ddd"}));
    svg.appendChild(sv("line", {x1: TM, y1: TH - TM, x2: TW - TM, y2: TM, stroke: "#ccc", "stroke-dasharray": "4 4"}));
    paths.forEach(function (p, b) { if (p.length) svg.appendChild(sv("path", {d: p.join(""), fill: BIN_COLOURS[b], "fill-opacity": 0.85, "class": "te-bin"})); });
    if (keyPath.length) svg.appendChild(sv("path", {d: keyPath.join(""), fill: "none", stroke: "#222", "stroke-width": 0.8}));
    var order = comp.z.map(function (_, i) { return i; }).sort(function (a, b) { return (comp.z[b] || 0) - (comp.z[a] || 0); });
    var placed = [];
    order.slice(0, 10).concat(order.slice(-10)).forEach(function (i) {
      var word = D.terms.terms[comp.term[i]], w = 5.5 * word.length, right = pts[2 * i] + 5 + w > TW - 4;
      var x0 = right ? pts[2 * i] - 5 - w : pts[2 * i] + 5, y0 = pts[2 * i + 1] - 13;
      var clash = placed.some(function (b) { return x0 < b[0] + b[2] && b[0] < x0 + w && y0 < b[1] + 11 && b[1] < y0 + 11; });
      if (clash) return;  // labels never overlap; hover shows the rest
      placed.push([x0, y0, w]);
      svg.appendChild(sv("text", {x: right ? pts[2 * i] - 5 : pts[2 * i] + 5, y: pts[2 * i + 1] - 4, "class": "te-label",
        "text-anchor": right ? "end" : "start"}, word));
    });
    svg.appendChild(sv("text", {x: TW / 2, y: TH - 10, "text-anchor": "middle", "class": "axis"}, "frequency rank in " + comp.reference + " (percentile) →"));
    svg.appendChild(sv("text", {x: 14, y: TH / 2, "text-anchor": "middle", "class": "axis", transform: "rotate(-90 14 " + TH / 2 + ")"},
      "frequency rank in " + comp.target + " (percentile) →"));
    svg.appendChild(sv("text", {x: TM, y: TM - 8, "class": "axis"}, n + " terms; colour: Fightin' Words z (blue: " + comp.target + ", brown: " + comp.reference + "); ringed: key terms"));
    var ring = sv("circle", {id: "te-ring", r: 7, fill: "none", stroke: "#D55E00", "stroke-width": 2});
    ring.style.display = "none";
    svg.appendChild(ring);
    $("te-status").textContent = "";
  }
  function nearestTerm(evt) {
    var p = svgPoint($("te-plot"), evt), best = -1, bestD = 64;
    var cx = Math.floor(p.x / CELL), cy = Math.floor(p.y / CELL);
    for (var dx = -1; dx <= 1; dx++) for (var dy = -1; dy <= 1; dy++) {
      (TE.grid[(cx + dx) + "," + (cy + dy)] || []).forEach(function (i) {
        var d = Math.pow(TE.pts[2 * i] - p.x, 2) + Math.pow(TE.pts[2 * i + 1] - p.y, 2);
        if (d < bestD) { bestD = d; best = i; }
      });
    }
    return best;
  }
  function setupTerms() {
    var comps = D.terms.comparisons;
    if (!comps.length) { $("term-explorer").style.display = "none"; return; }
    var gsel = $("te-grouping"), csel = $("te-comparison");
    var groupings = comps.map(function (c) { return c.group_by; }).filter(function (g, i, a) { return a.indexOf(g) === i; });
    groupings.forEach(function (g) { option(gsel, g, g); });
    function fillComparisons() {
      clear(csel);
      comps.forEach(function (c, i) { if (c.group_by === gsel.value) option(csel, i, c.target + " vs " + c.reference); });
      drawTerms();
    }
    gsel.addEventListener("change", fillComparisons);
    csel.addEventListener("change", drawTerms);
    var svg = $("te-plot"), tip = $("te-tip");
    svg.addEventListener("mousemove", function (evt) {
      var i = nearestTerm(evt), c = TE.comp;
      if (i < 0) { tip.style.display = "none"; return; }
      showTip(tip, evt, [D.terms.terms[c.term[i]], c.target + ": " + c.ft[i] + "   " + c.reference + ": " + c.fr[i],
        "z " + fmt(c.z[i], 2) + "   log ratio " + fmt(c.lr[i], 2) + "   adj. p " + fmt(c.p[i], 4) + (c.key[i] ? "   key" : "")]);
    });
    svg.addEventListener("mouseleave", function () { tip.style.display = "none"; });
    svg.addEventListener("click", function (evt) { var i = nearestTerm(evt); if (i >= 0) termDetail(i); });
    $("te-search").addEventListener("input", function () {
      var q = this.value.trim().toLowerCase(), c = TE.comp, found = -1;
      if (!q) { $("te-status").textContent = ""; return; }
      for (var i = 0; i < c.term.length && found < 0; i++) if (D.terms.terms[c.term[i]].toLowerCase() === q) found = i;
      for (i = 0; i < c.term.length && found < 0; i++) if (D.terms.terms[c.term[i]].toLowerCase().indexOf(q) === 0) found = i;
      $("te-status").textContent = found < 0 ? "No term of this comparison starts with “" + q + "”." : "Found: " + D.terms.terms[c.term[found]];
      if (found >= 0) termDetail(found);
    });
    fillComparisons();
  }

  /* ---------------------------------------------------------------- topic explorer */
  var TX = {k: 0};
  function relevanceOrder(t, lam) {
    var T = D.topics, out = t.terms.map(function (v, i) {
      var lp = Math.log(t.phi[i]);
      return {v: v, phi: t.phi[i], rel: lam * lp + (1 - lam) * (lp - Math.log(T.pw[v]))};
    });
    out.sort(function (a, b) { return b.rel - a.rel || (T.vocab[a.v] < T.vocab[b.v] ? -1 : 1); });
    return out.slice(0, 30);
  }
  function drawMap() {
    var T = D.topics, svg = $("tx-map"), W = 420, pad = 70;
    clear(svg);
    var xs = T.topics.map(function (t) { return t.x; }), ys = T.topics.map(function (t) { return t.y; });
    var span = Math.max(Math.max.apply(null, xs) - Math.min.apply(null, xs), Math.max.apply(null, ys) - Math.min.apply(null, ys)) || 1;
    var mx = (Math.max.apply(null, xs) + Math.min.apply(null, xs)) / 2, my = (Math.max.apply(null, ys) + Math.min.apply(null, ys)) / 2;
    var maxShare = Math.max.apply(null, T.topics.map(function (t) { return t.share || 0; })) || 1;
    svg.appendChild(sv("line", {x1: W / 2, y1: 10, x2: W / 2, y2: W - 10, stroke: "#e3e3e3"}));
    svg.appendChild(sv("line", {x1: 10, y1: W / 2, x2: W - 10, y2: W / 2, stroke: "#e3e3e3"}));
    T.topics.forEach(function (t, k) {
      var cx = W / 2 + (t.x - mx) / span * (W - 2 * pad), cy = W / 2 - (t.y - my) / span * (W - 2 * pad);
      var g = sv("g", {"class": "tx-topic" + (k === TX.k ? " selected" : ""), "data-topic": t.topic});
      g.appendChild(sv("circle", {cx: cx, cy: cy, r: 6 + 44 * Math.sqrt((t.share || 0) / maxShare)}));
      g.appendChild(sv("text", {x: cx, y: cy + 4, "text-anchor": "middle"}, t.topic));
      g.appendChild(sv("title", {}, "Topic " + t.topic + ": " + t.label + " (" + pct(t.share) + ")"));
      g.addEventListener("click", function () { selectTopic(k); });
      svg.appendChild(g);
    });
    svg.appendChild(sv("text", {x: 10, y: W - 4, "class": "axis"}, "PC1 / PC2 of Jensen–Shannon distances; area = share"));
  }
  function drawBars() {
    var T = D.topics, t = T.topics[TX.k], lam = Number($("tx-lambda").value), svg = $("tx-bars");
    $("tx-lambda-value").textContent = lam.toFixed(2);
    clear(svg);
    var rows = relevanceOrder(t, lam), L = 130, W = 470, RH = 15, top = 28;
    var topicTokens = (t.share || 0) * T.tokens, maxCount = Math.max.apply(null, rows.map(function (r) { return T.count[r.v]; })) || 1;
    svg.setAttribute("viewBox", "0 0 " + W + " " + (top + rows.length * RH + 10));
    svg.setAttribute("height", top + rows.length * RH + 10);
    svg.appendChild(sv("text", {x: L, y: 12, "class": "axis"}, "Top 30 terms of topic " + t.topic + " by relevance (λ = " + lam.toFixed(2) + ")"));
    svg.appendChild(sv("rect", {x: L, y: 17, width: 10, height: 8, fill: "#c8c8c8"}));
    svg.appendChild(sv("text", {x: L + 14, y: 25, "class": "axis"}, "corpus count"));
    svg.appendChild(sv("rect", {x: L + 100, y: 17, width: 10, height: 8, fill: "#D55E00"}));
    svg.appendChild(sv("text", {x: L + 114, y: 25, "class": "axis"}, "estimated count in the topic"));
    var list = $("tx-ranking");
    clear(list);
    rows.forEach(function (r, i) {
      var y = top + i * RH, total = T.count[r.v], inTopic = Math.min(total, r.phi * topicTokens);
      svg.appendChild(sv("rect", {x: L, y: y + 2, width: (W - L - 10) * total / maxCount, height: RH - 4, fill: "#c8c8c8"}));
      svg.appendChild(sv("rect", {x: L, y: y + 2, width: (W - L - 10) * inTopic / maxCount, height: RH - 4, fill: "#D55E00"}));
      var word = T.vocab[r.v], label = sv("text", {x: L - 4, y: y + RH - 4, "text-anchor": "end", "class": "tx-term"},
        word.length > 22 ? word.slice(0, 21) + "…" : word);
      label.appendChild(sv("title", {}, T.vocab[r.v] + ": corpus " + total + ", topic ≈ " + Math.round(inTopic) + ", P(term|topic) " + r.phi.toPrecision(3)));
      svg.appendChild(label);
      list.appendChild(el("li", {}, T.vocab[r.v]));
    });
  }
  function drawTopicShares() {
    var svg = $("tx-shares"), sel = $("tx-grouping"), t = D.topics.topics[TX.k];
    clear(svg);
    var view = D.shares.filter(function (s) { return s.group_by === sel.value; })[0];
    if (!view) return;
    var s = view.series.filter(function (x) { return x.topic === t.topic; })[0];
    if (!s) return;
    var L = 150, W = 470, RH = 16, top = 20, n = view.groups.length;
    var max = Math.max.apply(null, s.upper.concat(s.share).map(function (v) { return v || 0; })) || 0.01;
    svg.setAttribute("viewBox", "0 0 " + W + " " + (top + n * RH + 10));
    svg.setAttribute("height", top + n * RH + 10);
    svg.appendChild(sv("text", {x: L, y: 12, "class": "axis"}, "Share of topic " + t.topic + " by " + view.group_by + " (0 – " + pct(max) + ", with intervals)"));
    view.groups.forEach(function (g, i) {
      var y = top + i * RH + RH / 2, sc = function (v) { return L + (W - L - 20) * (v || 0) / max; };
      svg.appendChild(sv("text", {x: L - 6, y: y + 4, "text-anchor": "end", "class": "tx-term"}, g.length > 24 ? g.slice(0, 23) + "…" : g));
      if (s.lower[i] !== null) svg.appendChild(sv("line", {x1: sc(s.lower[i]), x2: sc(s.upper[i]), y1: y, y2: y, stroke: "#0072B2", "stroke-width": 2}));
      var dot = sv("circle", {cx: sc(s.share[i]), cy: y, r: 4, fill: s.n[i] === 1 ? "#fff" : "#0072B2", stroke: "#0072B2"});
      dot.appendChild(sv("title", {}, g + ": " + pct(s.share[i]) + " [" + pct(s.lower[i]) + ", " + pct(s.upper[i]) + "], " + s.n[i] + " statements"));
      svg.appendChild(dot);
    });
  }
  function selectTopic(k) {
    var t = D.topics.topics[k];
    TX.k = k;
    $("tx-topic").value = String(k);
    drawMap(); drawBars(); drawTopicShares();
    var info = $("tx-info");
    clear(info);
    info.appendChild(el("strong", {}, "Topic " + t.topic + ": " + t.label));
    info.appendChild(el("span", {}, " — " + pct(t.share) + " of words; stability across seeds " + fmt(t.stability, 2) + (t.unstable ? " (unstable)" : "")));
    var ol = $("tx-passages");
    clear(ol);
    t.passages.forEach(function (p) {
      var li = el("li");
      li.appendChild(el("span", {"class": "muted"}, p[0] + ": "));
      li.appendChild(document.createTextNode(p[1]));
      ol.appendChild(li);
    });
  }
  function setupTopics() {
    if (!D.topics) { $("topic-explorer").style.display = "none"; return; }
    var sel = $("tx-topic"), gsel = $("tx-grouping");
    D.topics.topics.forEach(function (t, k) { option(sel, k, t.topic + ". " + t.label); });
    D.shares.forEach(function (s) { option(gsel, s.group_by, s.group_by); });
    sel.addEventListener("change", function () { selectTopic(Number(sel.value)); });
    gsel.addEventListener("change", drawTopicShares);
    $("tx-lambda").addEventListener("input", drawBars);
    selectTopic(0);
  }

  /* ---------------------------------------------------------------- time view */
  function drawTime() {
    var themes = $("tv-source").value === "themes", source = themes ? (D.themes || []) : D.shares;
    var svg = $("tv-plot"), view = source.filter(function (s) { return s.group_by === $("tv-grouping").value; })[0];
    clear(svg);
    if (!view) return;
    var pick = $("tv-topic").value, series = view.series.filter(function (s) { return pick === "all" || String(s.topic) === pick; });
    var W = 760, H = 360, L = 50, R = 20, T0 = 20, B = 50, n = view.groups.length;
    var max = 0;
    series.forEach(function (s) { s.upper.concat(s.share).forEach(function (v) { if (v !== null && v > max) max = v; }); });
    max = max || 0.01;
    var X = function (i) { return L + (n > 1 ? i / (n - 1) : 0.5) * (W - L - R); }, Y = function (v) { return H - B - (v / max) * (H - T0 - B); };
    for (var q = 0; q <= 4; q++) {
      var v = max * q / 4;
      svg.appendChild(sv("line", {x1: L, x2: W - R, y1: Y(v), y2: Y(v), stroke: "#eee"}));
      svg.appendChild(sv("text", {x: L - 6, y: Y(v) + 4, "text-anchor": "end", "class": "axis"}, (100 * v).toFixed(0) + "%"));
    }
    var step = Math.max(1, Math.ceil(n / 12));
    view.groups.forEach(function (g, i) {
      if (i % step) return;
      svg.appendChild(sv("text", {x: X(i), y: H - B + 16, "text-anchor": "middle", "class": "axis"}, g.length > 12 ? g.slice(0, 11) + "…" : g));
    });
    series.forEach(function (s) {
      var colour = PALETTE[((s.topic - 1) % PALETTE.length + PALETTE.length) % PALETTE.length], up = [], down = [], line = [];
      s.share.forEach(function (v, i) {
        if (v === null) return;
        line.push((line.length ? "L" : "M") + X(i).toFixed(1) + " " + Y(v).toFixed(1));
        if (s.lower[i] !== null) { up.push(X(i).toFixed(1) + " " + Y(s.upper[i]).toFixed(1)); down.unshift(X(i).toFixed(1) + " " + Y(s.lower[i]).toFixed(1)); }
      });
      if (up.length) svg.appendChild(sv("path", {d: "M" + up.concat(down).join("L") + "Z", fill: colour, "fill-opacity": series.length > 3 ? 0.06 : 0.2}));
      svg.appendChild(sv("path", {d: line.join(""), fill: "none", stroke: colour, "stroke-width": 2, "class": "tv-line"}));
    });
    svg.appendChild(sv("text", {x: L, y: H - 8, "class": "axis"}, "share of words by " + view.group_by + "; bands: intervals (pick a topic to see its band clearly; hover for the numbers)"));
    var rule = sv("line", {y1: T0, y2: H - B, stroke: "#888", "stroke-dasharray": "3 3"});
    rule.style.display = "none";
    svg.appendChild(rule);
    svg.onmousemove = function (evt) {
      var p = svgPoint(svg, evt), i = Math.max(0, Math.min(n - 1, Math.round((p.x - L) / (W - L - R) * (n - 1))));
      rule.setAttribute("x1", X(i)); rule.setAttribute("x2", X(i)); rule.style.display = "inline";
      var lines = [view.group_by + " " + view.groups[i]];
      series.forEach(function (s) { lines.push((themes ? s.name : "Topic " + s.topic) + ": " + pct(s.share[i]) + " [" + pct(s.lower[i]) + ", " + pct(s.upper[i]) + "], " + s.n[i] + " st."); });
      showTip($("tv-tip"), evt, lines);
    };
    svg.onmouseleave = function () { rule.style.display = "none"; $("tv-tip").style.display = "none"; };
    var legend = $("tv-legend");
    clear(legend);
    series.forEach(function (s) {
      var t = !themes && D.topics ? D.topics.topics.filter(function (x) { return x.topic === s.topic; })[0] : null;
      var item = el("span", {"class": "tv-key"});
      item.appendChild(el("span", {"class": "swatch", style: "background:" + PALETTE[((s.topic - 1) % PALETTE.length + PALETTE.length) % PALETTE.length]}));
      item.appendChild(document.createTextNode(themes ? s.name : s.topic + (t ? ". " + t.label : "")));
      legend.appendChild(item);
    });
  }
  function timeViews(source) {
    var all = source === "themes" ? (D.themes || []) : D.shares;
    return all.filter(function (s) { return source === "themes" || D.time.indexOf(s.group_by) >= 0; });
  }
  function fillTimeControls() {
    var source = $("tv-source").value, views = timeViews(source), gsel = $("tv-grouping"), tsel = $("tv-topic");
    clear(gsel);
    clear(tsel);
    views.forEach(function (s) { option(gsel, s.group_by, s.group_by); });
    option(tsel, "all", source === "themes" ? "all themes" : "all topics");
    if (views.length) views[0].series.forEach(function (s) {
      option(tsel, String(s.topic), source === "themes" ? s.name : "topic " + s.topic);
    });
    drawTime();
  }
  function setupTime() {
    var ssel = $("tv-source");
    if (timeViews("topics").length) option(ssel, "topics", "topics");
    if (timeViews("themes").length) option(ssel, "themes", "themes (codebook)");
    if (!ssel.options.length) { $("time-view").style.display = "none"; return; }
    ssel.addEventListener("change", fillTimeControls);
    $("tv-grouping").addEventListener("change", drawTime);
    $("tv-topic").addEventListener("change", drawTime);
    fillTimeControls();
  }

  setupTerms();
  setupTopics();
  setupTime();
  document.body.setAttribute("data-explorer-ms", performance.now().toFixed(0));
  document.body.setAttribute("data-explorer", "ready");
})();
