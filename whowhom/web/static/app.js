/* whowhom dashboard: timeline, actor network, map, event table and evidence, all driven by
 * one set of filters that lives in the URL query string (so a view can be shared).
 * Plain browser JavaScript, no build step; libraries are vendored under static/vendor/.
 * Every piece of data is put into the page as text (textContent), never as HTML. */
(function () {
  "use strict";

  var FILTERS = ["actor", "source", "target", "country", "location_country", "code", "root",
    "plover", "quad_class", "since", "until", "place", "text", "min_mentions"];
  var FORM_FIELDS = ["actor", "source", "target", "country", "code", "quad_class", "since",
    "until", "place", "text"];
  var UPPER = { actor: 1, source: 1, target: 1, country: 1, location_country: 1, plover: 1 };
  var LABELS = { actor: "actor", source: "source", target: "target", country: "country",
    location_country: "location", code: "code", root: "root", plover: "PLOVER",
    quad_class: "quad class", since: "from", until: "to", place: "place", text: "text",
    min_mentions: "min. mentions" };
  var QUADS = { 1: "verbal cooperation", 2: "material cooperation", 3: "verbal conflict",
    4: "material conflict" };
  var QCOLORS = { 1: "#74c476", 2: "#1b7837", 3: "#f4a261", 4: "#b2182b" };
  var PAGE = 50;

  var state = { filters: {}, by: "month", level: "code", sort: "-date", event: null };
  // One request counter per panel: an answer is drawn only if no newer request was made for
  // that panel since. Answers can arrive in any order (a slow server, a busy machine), and a
  // new request for one panel (the timeline's period, the table's sort) must not throw away
  // the other panels' answers to the current filters.
  var seq = { timeline: 0, network: 0, map: 0, events: 0 };
  var pending = 0;
  var cursor = null;    // next page of the table; null while its first page is loading
  var moreOf = -1;      // the table request whose next page is loading (-1: none)
  var timelineChart = null, mapChart = null, cy = null, worldReady = null;
  var timelineRows = [];

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined) return;
        if (k === "text") node.textContent = String(v);
        else if (k === "cls") node.className = v;
        else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), v);
        else node.setAttribute(k, String(v));
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return node;
  }

  function esc(s) {  // for the few ECharts tooltips, which take HTML
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function fmt(x, d) { return x === null || x === undefined ? "–" : Number(x).toFixed(d === undefined ? 1 : d); }

  function safeUrl(u) {
    if (typeof u !== "string") return null;
    try {
      var p = new URL(u, window.location.href);
      return p.protocol === "http:" || p.protocol === "https:" ? p.href : null;
    } catch (e) { return null; }
  }

  // --- URL state ------------------------------------------------------------------------
  function readUrl() {
    var q = new URLSearchParams(window.location.search);
    var f = {};
    FILTERS.forEach(function (k) { var v = q.get(k); if (v) f[k] = v; });
    state.filters = f;
    state.by = ["day", "week", "month", "year"].indexOf(q.get("by")) >= 0 ? q.get("by") : "month";
    state.level = q.get("level") === "country" ? "country" : "code";
    state.sort = q.get("sort") || "-date";
    state.event = q.get("event") || null;
  }

  function query(extra) {
    var q = new URLSearchParams();
    FILTERS.forEach(function (k) { if (state.filters[k]) q.set(k, state.filters[k]); });
    Object.keys(extra || {}).forEach(function (k) {
      if (extra[k] !== null && extra[k] !== undefined && extra[k] !== "") q.set(k, extra[k]);
    });
    return q;
  }

  function writeUrl(push) {
    var q = query({ by: state.by !== "month" ? state.by : null,
      level: state.level !== "code" ? state.level : null,
      sort: state.sort !== "-date" ? state.sort : null, event: state.event });
    var s = q.toString();
    var url = window.location.pathname + (s ? "?" + s : "");
    if (url === window.location.pathname + window.location.search) return;
    if (push) window.history.pushState(null, "", url); else window.history.replaceState(null, "", url);
  }

  // --- API ------------------------------------------------------------------------------
  function api(path, params) {
    var s = params ? params.toString() : "";
    return fetch("api/" + path + (s ? "?" + s : ""), { headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          if (!r.ok) throw new Error(body.message || ("HTTP " + r.status));
          return body;
        });
      });
  }

  function showMessage(msg) {
    var m = $("message");
    // while a message is up, what is still drawn belongs to the previous view: grey it out
    document.querySelector("main").classList.toggle("stale", !!msg);
    if (!msg) { m.hidden = true; m.textContent = ""; return; }
    m.textContent = msg; m.hidden = false;
  }

  // Run `request` for `panel` and hand its answer to `draw`, unless a newer request for the
  // panel was made in the meantime (then the answer, or the error, is stale: dropped).
  // `again` (the table's "load more") continues the panel's current request instead of
  // starting a new one.
  function load(panel, request, draw, again) {
    var my = again ? seq[panel] : ++seq[panel];
    pending++;
    document.body.dataset.state = "loading";
    return request().then(function (data) {
      if (my === seq[panel]) draw(data || {});
    }).catch(function (err) {
      if (my === seq[panel]) showMessage(err.message);
    }).then(function () {
      pending--;
      if (pending === 0) document.body.dataset.state = "ready";
    });
  }

  // --- filters form and chips --------------------------------------------------------------
  function syncForm() {
    FORM_FIELDS.forEach(function (k) { var i = $("f-" + k); if (i) i.value = state.filters[k] || ""; });
    $("by").value = state.by;
    $("level").value = state.level;
    var chips = $("chips");
    chips.textContent = "";
    FILTERS.forEach(function (k) {
      if (!state.filters[k]) return;
      var v = state.filters[k];
      if (k === "quad_class") v = v.split(",").map(function (q) { return QUADS[q] || q; }).join(", ");
      chips.appendChild(el("span", { cls: "chip", "data-filter": k },
        LABELS[k] + ": " + v,
        el("button", { type: "button", title: "remove this filter", "aria-label": "remove " + LABELS[k],
          onclick: function () { var f = Object.assign({}, state.filters); delete f[k]; setFilters(f); } }, "×")));
    });
  }

  function formFilters() {
    var f = {};
    FILTERS.forEach(function (k) { if (FORM_FIELDS.indexOf(k) < 0 && state.filters[k]) f[k] = state.filters[k]; });
    FORM_FIELDS.forEach(function (k) {
      var v = ($("f-" + k).value || "").trim();
      if (UPPER[k]) v = v.toUpperCase().replace(/\s+/g, "");
      if (v) f[k] = v;
    });
    return f;
  }

  function setFilters(f, keepEvent) {
    state.filters = f;
    if (!keepEvent) state.event = null;
    writeUrl(true);
    syncForm();
    refresh();
    if (!keepEvent) closeEvidence(false);
  }

  // --- timeline ---------------------------------------------------------------------------
  function periodLabel(p) {
    if (state.by === "month") return p.slice(0, 7);
    if (state.by === "year") return p.slice(0, 4);
    return p.slice(0, 10);
  }

  function loadTimeline() {
    return load("timeline", function () { return api("dyads", query({ by: state.by })); }, function (data) {
      timelineRows = fillPeriods(data.series || []);
      var x = timelineRows.map(function (r) { return periodLabel(r.period); });
      var series = [1, 2, 3, 4].map(function (q) {
        return { name: QUADS[q], type: "bar", stack: "events", barMaxWidth: 28,
          itemStyle: { color: QCOLORS[q] },
          data: timelineRows.map(function (r) { return r["q" + q + "_events"]; }) };
      });
      series.push({ name: "mean Goldstein", type: "line", yAxisIndex: 1, symbolSize: 5, connectNulls: true,
        itemStyle: { color: "#334e68" }, lineStyle: { width: 2 },
        data: timelineRows.map(function (r) { return r.goldstein === null ? null : Number(r.goldstein.toFixed(2)); }) });
      timelineChart.setOption({
        animation: false,
        tooltip: { trigger: "axis" },
        legend: { top: 0, itemWidth: 14, itemHeight: 9, textStyle: { fontSize: 11 } },
        grid: { left: 44, right: 48, top: 34, bottom: 28 },
        xAxis: { type: "category", data: x },
        yAxis: [{ type: "value", name: "events", minInterval: 1, nameTextStyle: { fontSize: 11 } },
          { type: "value", name: "Goldstein", min: -10, max: 10, splitLine: { show: false },
            nameTextStyle: { fontSize: 11 } }],
        series: series
      }, true);
      setEmpty("timeline", !timelineRows.length, "No dated events match these filters.");
    });
  }

  function nextPeriod(iso) {
    var d = new Date(iso + "T00:00:00Z");
    if (state.by === "day") d.setUTCDate(d.getUTCDate() + 1);
    else if (state.by === "week") d.setUTCDate(d.getUTCDate() + 7);
    else if (state.by === "month") d.setUTCMonth(d.getUTCMonth() + 1);
    else d.setUTCFullYear(d.getUTCFullYear() + 1);
    return d.toISOString().slice(0, 10);
  }

  function fillPeriods(rows) {  // empty periods between the first and the last, as zeros
    if (rows.length < 2) return rows;
    var have = {};
    rows.forEach(function (r) { have[String(r.period).slice(0, 10)] = r; });
    var out = [], p = String(rows[0].period).slice(0, 10), last = String(rows[rows.length - 1].period).slice(0, 10);
    while (p <= last) {
      if (out.length > 3000) return rows;  // too long a range to draw every period: keep gaps
      out.push(have[p] || { period: p, events: 0, goldstein: null, q1_events: 0, q2_events: 0, q3_events: 0, q4_events: 0 });
      p = nextPeriod(p);
    }
    return out;
  }

  function addDays(iso, n) {
    var d = new Date(iso + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  }

  function zoomToPeriod(i) {
    var r = timelineRows[i];
    if (!r) return;
    var f = Object.assign({}, state.filters);
    var p = String(r.period).slice(0, 10);
    if (state.by === "week") { f.since = p; f.until = addDays(p, 6); }
    else { f.since = periodLabel(p); f.until = periodLabel(p); }
    setFilters(f);
  }

  // --- network ----------------------------------------------------------------------------
  function mix(a, b, t) {
    var pa = [1, 3, 5].map(function (i) { return parseInt(a.substr(i, 2), 16); });
    var pb = [1, 3, 5].map(function (i) { return parseInt(b.substr(i, 2), 16); });
    return "#" + pa.map(function (v, i) {
      var x = Math.round(v + (pb[i] - v) * t).toString(16);
      return x.length < 2 ? "0" + x : x;
    }).join("");
  }

  function coopColor(c) {  // 0 = all conflict (red) .. 1 = all cooperation (green)
    if (c === null || c === undefined) return "#9aa5b1";
    return c < 0.5 ? mix("#b2182b", "#9aa5b1", c * 2) : mix("#9aa5b1", "#1b7837", (c - 0.5) * 2);
  }

  function loadNetwork() {
    return load("network", function () { return api("network", query({ level: state.level, limit: 80 })); }, function (data) {
      var nodes = data.nodes || [], maxN = 1, maxE = 1;
      var known = Object.create(null);
      nodes.forEach(function (n) { known[n.id] = true; });
      // an event can lack an actor code (the store allows it) and the API lists no node for a
      // missing code: Cytoscape throws on an edge to a node it does not have, so leave it out
      var edges = (data.edges || []).filter(function (e) { return known[e.source] && known[e.target]; });
      nodes.forEach(function (n) { maxN = Math.max(maxN, n.events); });
      edges.forEach(function (e) { maxE = Math.max(maxE, e.events); });
      var focus = (state.filters.actor || "").split(",").filter(Boolean);
      var els = nodes.map(function (n) {
        var label = n.name && n.name !== n.id ? n.name + " (" + n.id + ")" : n.id;
        var hit = focus.some(function (a) { return n.id.indexOf(a) === 0; });
        return { group: "nodes", data: { id: "n:" + n.id, code: n.id, label: label,
          size: 16 + 34 * Math.sqrt(n.events / maxN), events: n.events }, classes: hit ? "focus" : "" };
      });
      edges.forEach(function (e, i) {
        els.push({ group: "edges", data: { id: "e" + i, source: "n:" + e.source, target: "n:" + e.target,
          s: e.source, t: e.target, events: e.events, width: 1.5 + 7 * Math.sqrt(e.events / maxE),
          color: coopColor(e.cooperation), goldstein: e.goldstein } });
      });
      cy.elements().remove();
      cy.add(els);
      var n = nodes.length;
      var box = $("network").getBoundingClientRect();
      var layout = n <= 2 ? { name: "grid" } : n <= 10 ? { name: "circle", avoidOverlap: true } :
        { name: "cose", randomize: true, componentSpacing: 60, gravity: 0.6,
          boundingBox: { x1: 0, y1: 0, w: Math.max(300, box.width), h: Math.max(200, box.height) },
          nodeRepulsion: function () { return 60000; }, idealEdgeLength: function () { return 70; },
          nodeOverlap: 20, numIter: 1500 };
      layout.animate = false; layout.fit = true; layout.padding = 28;
      cy.layout(layout).run();
      setEmpty("network", !edges.length, "No interactions match these filters.");
    });
  }

  function initNetwork() {
    cy = cytoscape({
      container: $("network"), minZoom: 0.2, maxZoom: 4,
      style: [
        { selector: "node", style: { "background-color": "#486581", width: "data(size)",
          height: "data(size)", label: "data(label)", "font-size": 10, color: "#243b53",
          "text-valign": "bottom", "text-margin-y": 3, "text-wrap": "ellipsis", "text-max-width": 140 } },
        { selector: "node.focus", style: { "background-color": "#2457a6", "border-width": 3,
          "border-color": "#f0b429" } },
        { selector: "edge", style: { width: "data(width)", "line-color": "data(color)",
          "target-arrow-color": "data(color)", "target-arrow-shape": "triangle", "curve-style": "bezier",
          "arrow-scale": 0.9, opacity: 0.85 } },
        { selector: "node:active, edge:active", style: { "overlay-opacity": 0.15 } }
      ]
    });
    cy.on("tap", "node", function (evt) {
      var f = Object.assign({}, state.filters);
      delete f.source; delete f.target;
      f.actor = evt.target.data("code");
      setFilters(f);
    });
    cy.on("tap", "edge", function (evt) {
      var f = Object.assign({}, state.filters);
      delete f.actor;
      f.source = evt.target.data("s"); f.target = evt.target.data("t");
      setFilters(f);
    });
    cy.on("mouseover", "edge", function (evt) {
      var d = evt.target.data();
      $("network").title = d.s + " → " + d.t + ": " + d.events + " events, mean Goldstein " + fmt(d.goldstein);
    });
    cy.on("mouseover", "node", function (evt) {
      $("network").title = evt.target.data("label") + ": " + evt.target.data("events") + " events";
    });
  }

  // --- map --------------------------------------------------------------------------------
  function loadWorld() {
    if (!worldReady) {
      worldReady = fetch("static/vendor/world-countries-110m.json").then(function (r) {
        if (!r.ok) throw new Error("the world map did not load (HTTP " + r.status + ")");
        return r.json();
      }).then(function (topo) {
        var geo = topojson.feature(topo, topo.objects.countries);
        geo.features = geo.features.filter(function (f) { return f.properties.name !== "Antarctica"; });
        fixAntimeridian(geo);
        echarts.registerMap("world", geo);
      }).catch(function (err) {
        worldReady = null;  // try again with the next view rather than fail every one after
        throw err;
      });
    }
    return worldReady;
  }

  // A flat map draws a ring that crosses the 180th meridian (Russia's far east, Fiji) as a
  // line across the whole world: pin the few points on the far side to the edge instead.
  function fixAntimeridian(geo) {
    geo.features.forEach(function (f) {
      var g = f.geometry || {};
      var polys = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
      polys.forEach(function (poly) {
        poly.forEach(function (ring) {
          var jump = false, east = 0;
          for (var i = 1; i < ring.length; i++) {
            if (Math.abs(ring[i][0] - ring[i - 1][0]) > 180) jump = true;
          }
          if (!jump) return;
          ring.forEach(function (p) { if (p[0] > 0) east++; });
          var sign = east * 2 >= ring.length ? 1 : -1;
          ring.forEach(function (p) { if (p[0] * sign < 0) p[0] = 180 * sign; });
        });
      });
    });
  }

  function goldColor(g) {  // -10 red .. +10 green
    if (g === null || g === undefined) return "#627d98";
    var t = Math.max(0, Math.min(1, (g + 10) / 20));
    return t < 0.5 ? mix("#b2182b", "#829ab1", t * 2) : mix("#829ab1", "#1b7837", (t - 0.5) * 2);
  }

  function loadMap() {
    return load("map", function () {
      return Promise.all([loadWorld(), api("places", query({ limit: 1000 }))]).then(function (res) { return res[1]; });
    }, function (data) {
      var places = (data.places || []).filter(function (p) { return p.lat != null && p.lon != null; });
      var maxN = 1;
      places.forEach(function (p) { maxN = Math.max(maxN, p.events); });
      mapChart.setOption({
        animation: false,
        tooltip: { trigger: "item", formatter: function (p) {
          var d = p.data || {};
          return esc(d.name) + (d.country ? " (" + esc(d.country) + ")" : "") + "<br>" + esc(d.events) +
            " events, mean Goldstein " + esc(fmt(d.goldstein));
        } },
        geo: { map: "world", roam: true, zoom: 1.15, itemStyle: { areaColor: "#e4e7eb", borderColor: "#ffffff" },
          emphasis: { disabled: true }, select: { disabled: true }, silent: true },
        series: [{ type: "scatter", coordinateSystem: "geo",
          data: places.map(function (p) {
            return { name: p.name, value: [p.lon, p.lat, p.events], events: p.events, country: p.country,
              goldstein: p.goldstein, itemStyle: { color: goldColor(p.goldstein), opacity: 0.85,
                borderColor: "#fff", borderWidth: 1 } };
          }),
          symbolSize: function (v) { return 7 + 23 * Math.sqrt(v[2] / maxN); } }]
      }, true);
      setEmpty("map", !places.length, "No located events match these filters.");
    });
  }

  // Charts follow the window's size, but only into a box that has one: ECharts' map throws
  // ("Cannot read properties of null (reading '0')": its view transform cannot be inverted)
  // when resized to a zero-width box. The boxes are empty when the window is very narrow, and
  // for a moment while Chromium takes a full-page screenshot (it shrinks the window to 1x1
  // px and back; a busy machine lets the page see it). A chart keeps its last size then,
  // and takes the new one at the next resize.
  function resizeCharts() {
    [["timeline", timelineChart], ["map", mapChart], ["network", cy]].forEach(function (c) {
      var box = $(c[0]);
      if (c[1] && box.clientWidth > 0 && box.clientHeight > 0) c[1].resize();
    });
  }

  function setEmpty(id, empty, note) {
    var panel = $(id).parentNode;
    var n = panel.querySelector(".empty-note");
    if (empty && !n) panel.appendChild(el("div", { cls: "empty-note", text: note }));
    if (!empty && n) n.remove();
  }

  // --- table ------------------------------------------------------------------------------
  function actorCell(name, code) {
    return el("td", null, name && name !== code ? name : "", name && name !== code ? el("br") : null,
      el("span", { cls: "code", text: code || "–" }));
  }

  function eventRow(e) {
    var date = e.date ? (e.date_precision === "month" ? e.date.slice(0, 7) :
      e.date_precision === "year" ? e.date.slice(0, 4) : e.date) : "undated";
    var tr = el("tr", { "data-event-id": e.event_id, tabindex: "0" },
      el("td", { text: date }),
      actorCell(e.source_name, e.source_code),
      el("td", null, el("span", { cls: "q q" + e.quad_class, title: QUADS[e.quad_class] || "" }),
        e.label || "", " ", el("span", { cls: "code", text: e.code })),
      actorCell(e.target_name, e.target_code),
      el("td", { text: e.location_name || "" }),
      el("td", { cls: "num", text: e.num_mentions }),
      el("td", { cls: "num", text: fmt(e.goldstein) }));
    if (e.event_id === state.event) tr.className = "selected";
    tr.addEventListener("click", function () { openEvidence(e.event_id, true); });
    tr.addEventListener("keydown", function (k) { if (k.key === "Enter") openEvidence(e.event_id, true); });
    return tr;
  }

  function loadEvents(more) {
    // "load more" adds to the current request's rows: not before its first page is in (no
    // cursor yet), nor twice at once (the same page twice)
    if (more && (!cursor || moreOf === seq.events)) return Promise.resolve();
    if (!more) cursor = null;
    var params = query({ sort: state.sort, limit: PAGE, cursor: more ? cursor : null, count: more ? "false" : null });
    var mine = more ? (moreOf = seq.events) : -1;
    return load("events", function () { return api("events", params); }, function (data) {
      var body = $("events").tBodies[0];
      if (!more) body.textContent = "";
      (data.events || []).forEach(function (e) { body.appendChild(eventRow(e)); });
      cursor = data.next_cursor || null;
      $("more").hidden = !cursor;
      if (!more) {
        $("count").textContent = data.total === 1 ? "1 event" : (data.total || 0).toLocaleString("en") + " events";
        if (!data.total) body.appendChild(el("tr", { cls: "none" }, el("td", { colspan: 7, text: "No events match these filters." })));
      }
      document.querySelectorAll("#events th.sortable").forEach(function (th) {
        var k = th.getAttribute("data-sort");
        th.classList.toggle("sorted-asc", state.sort === k);
        th.classList.toggle("sorted-desc", state.sort === "-" + k);
      });
    }, more).then(function () { if (more && moreOf === mine) moreOf = -1; });
  }

  // --- evidence ---------------------------------------------------------------------------
  function highlighted(text, spans) {
    // offsets are Unicode code points (Python str indices): index an array of code points
    var cps = Array.from(text || "");
    var n = cps.length;
    var cuts = [0, n];
    var ok = spans.filter(function (s) {
      return s.start !== null && s.end !== null && s.start >= 0 && s.end <= n && s.start < s.end;
    });
    ok.forEach(function (s) { cuts.push(s.start, s.end); });
    cuts = cuts.filter(function (v, i, a) { return a.indexOf(v) === i; }).sort(function (a, b) { return a - b; });
    var frag = document.createDocumentFragment();
    for (var i = 0; i + 1 < cuts.length; i++) {
      var a = cuts[i], b = cuts[i + 1];
      var seg = cps.slice(a, b).join("");
      var on = ok.filter(function (s) { return s.start <= a && s.end >= b; });
      if (!on.length) { frag.appendChild(document.createTextNode(seg)); continue; }
      var cls = on.map(function (s) { return s.cls; }).filter(function (v, j, arr) { return arr.indexOf(v) === j; });
      frag.appendChild(el("span", { cls: cls.join(" "), title: on.map(function (s) { return s.title; }).filter(Boolean).join("; ") || null }, seg));
    }
    return frag;
  }

  function closeEvidence(updateUrl) {
    $("evidence").hidden = true;
    document.querySelectorAll("#events tr.selected").forEach(function (tr) { tr.classList.remove("selected"); });
    if (updateUrl && state.event) { state.event = null; writeUrl(true); }
  }

  function openEvidence(id, push) {
    state.event = id;
    if (push) writeUrl(true);
    document.querySelectorAll("#events tbody tr").forEach(function (tr) {
      tr.classList.toggle("selected", tr.getAttribute("data-event-id") === id);
    });
    var box = $("evidence");
    box.hidden = false;
    box.removeAttribute("data-ready");
    $("ev-title").textContent = "Loading…";
    $("ev-body").textContent = "";
    api("events/" + encodeURIComponent(id)).then(function (ev) {
      if (state.event !== id) return;
      renderEvidence(ev);
      box.setAttribute("data-ready", id);
    }).catch(function (err) {
      if (state.event !== id) return;  // another event (or none) was opened meanwhile
      $("ev-title").textContent = "Event not available";
      $("ev-body").appendChild(el("p", { text: err.message }));
    });
  }

  function actorKey(m, side) {
    var code = m[side + "_code"], name = m[side + "_name"], by = m[side + "_resolved_by"];
    return el("span", null, el("span", { cls: "hl-" + side, text: m[side + "_text"] || "" }), " → ",
      code || "–", name && name !== m[side + "_text"] ? " (" + name + ")" : "", by ? ", " + by : "");
  }

  function renderEvidence(ev) {
    var who = function (name, code) { return (name || code || "?") + (code && name && name !== code ? " [" + code + "]" : ""); };
    $("ev-title").textContent = who(ev.source_name, ev.source_code) + " → " + (ev.label || ev.code) +
      " → " + who(ev.target_name, ev.target_code);
    var body = $("ev-body");
    body.textContent = "";
    var b = function (t) { return el("b", { text: t }); };
    body.appendChild(el("div", { cls: "ev-meta" },
      b(ev.date || "undated"), ev.date_precision ? " (" + ev.date_precision + ")" : "", " · CAMEO ", b(ev.code),
      " · ", el("span", { cls: "q q" + ev.quad_class }), QUADS[ev.quad_class] || "", " · Goldstein ", b(fmt(ev.goldstein)),
      ev.plover_event_type ? " · PLOVER " : "", ev.plover_event_type ? b(ev.plover_event_type + (ev.plover_mode ? "/" + ev.plover_mode : "")) : "",
      ev.location_name ? " · in " : "", ev.location_name ? b(ev.location_name) : "", el("br"),
      b(String(ev.num_mentions)), " mention" + (ev.num_mentions === 1 ? "" : "s") + " in ",
      b(String(ev.num_articles)), " article" + (ev.num_articles === 1 ? "" : "s") + " from ",
      b(String(ev.num_sources)), " source" + (ev.num_sources === 1 ? "" : "s")));
    (ev.mentions || []).forEach(function (m) {
      var marks = m.marks || {};
      var spans = [];
      ["source", "target", "trigger"].forEach(function (k) {
        if (marks[k]) spans.push({ start: marks[k][0], end: marks[k][1], cls: "hl-" + k, title: k });
      });
      if (m.location_start !== null && m.location_end !== null && m.location_start !== undefined) {
        var base = m.sentence_start || 0;
        spans.push({ start: m.location_start - base, end: m.location_end - base, cls: "hl-place", title: "place" });
      }
      var url = safeUrl(m.doc_url);
      var title = m.doc_title || m.doc_id;
      var docBox = el("div", { cls: "doc-text", hidden: "hidden" });
      var showBtn = el("button", { type: "button", cls: "secondary", text: "Show stored article text" });
      var docLoading = false;
      showBtn.addEventListener("click", function () {
        if (!docBox.hidden) { docBox.hidden = true; showBtn.textContent = "Show stored article text"; return; }
        if (docLoading) return;  // a second click while the text loads would only load it twice
        docLoading = true;
        api("documents/" + encodeURIComponent(m.doc_id)).then(function (doc) {
          var hs = (doc.highlights || []).map(function (h) {
            var mine = h.mention_id === m.mention_id;
            return { start: h.start, end: h.end, cls: mine ? "hl-" + h.kind : "hl-other",
              title: h.kind + " of " + (h.label || h.code) };
          });
          docBox.textContent = "";
          docBox.appendChild(highlighted(doc.text, hs));
          docBox.hidden = false;
          showBtn.textContent = "Hide article text";
        }).catch(function (err) { showMessage(err.message); })
          .then(function () { docLoading = false; });
      });
      body.appendChild(el("article", { cls: "mention", "data-mention-id": m.mention_id },
        el("h3", null, url ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: title }) : title),
        el("div", { cls: "src-line", text: [m.doc_date, m.doc_outlet, "sentence " + (m.sentence_id + 1)].filter(Boolean).join(" · ") }),
        el("p", { cls: "sentence" }, highlighted(m.sentence, spans)),
        el("div", { cls: "keys" }, actorKey(m, "source"), el("br"), actorKey(m, "target"), el("br"),
          el("span", null, "trigger ", el("span", { cls: "hl-trigger", text: m.trigger_text || "" }),
            m.date_text ? " · date from “" + m.date_text + "”" : "")),
        el("div", { cls: "rule", text: "rule " + (m.rule || "–") + " · confidence " + fmt(m.confidence, 2) }),
        showBtn, docBox));
    });
  }

  // --- the whole view ----------------------------------------------------------------------
  function refresh() {
    showMessage(null);
    loadTimeline();
    loadNetwork();
    loadMap();
    loadEvents(false);
  }

  function loadInfo() {
    api("health").then(function (h) {
      $("store-info").textContent = (h.events || 0).toLocaleString("en") + " events from " +
        (h.documents || 0).toLocaleString("en") + " documents" +
        (h.first_date ? ", " + h.first_date + " to " + h.last_date : "") + " · whowhom " + h.version;
    }).catch(function () {});
  }

  function init() {
    timelineChart = echarts.init($("timeline"));
    timelineChart.on("click", function (p) { if (p.componentType === "series") zoomToPeriod(p.dataIndex); });
    mapChart = echarts.init($("map"));
    mapChart.on("click", function (p) {
      if (p.componentType === "series" && p.data) {
        var f = Object.assign({}, state.filters); f.place = p.data.name; setFilters(f);
      }
    });
    initNetwork();

    $("filters").addEventListener("submit", function (e) { e.preventDefault(); setFilters(formFilters()); });
    $("clear").addEventListener("click", function () { setFilters({}); });
    $("by").addEventListener("change", function () { state.by = this.value; writeUrl(true); loadTimeline(); });
    $("level").addEventListener("change", function () { state.level = this.value; writeUrl(true); loadNetwork(); });
    $("more").addEventListener("click", function () { loadEvents(true); });
    document.querySelectorAll("#events th.sortable").forEach(function (th) {
      th.addEventListener("click", function () {
        var k = th.getAttribute("data-sort");
        state.sort = state.sort === "-" + k ? k : "-" + k;
        writeUrl(true);
        loadEvents(false);
      });
    });
    $("ev-close").addEventListener("click", function () { closeEvidence(true); });
    document.addEventListener("keydown", function (e) { if (e.key === "Escape" && !$("evidence").hidden) closeEvidence(true); });
    window.addEventListener("popstate", function () {
      readUrl(); syncForm(); refresh();
      if (state.event) openEvidence(state.event, false); else closeEvidence(false);
    });
    window.addEventListener("resize", resizeCharts);

    // handles for debugging in the browser console (and for the end-to-end tests)
    window.whowhom = { cy: cy, timeline: timelineChart, map: mapChart, state: state };

    readUrl();
    syncForm();
    loadInfo();
    refresh();
    if (state.event) openEvidence(state.event, false);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
