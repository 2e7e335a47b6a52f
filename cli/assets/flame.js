// jvmsnap flame graph (cli/assets/flame.js), compiled into the jvmsnap binary.
// Reads the profile from <script type="application/json" id="jf-data"> and draws it as
// absolutely positioned <div class="f"> frames, root at the bottom. No network, no
// dependencies. Each frame carries data-id / data-parent so tests can check its layout.
(function () {
  "use strict";
  var dataEl = document.getElementById("jf-data");
  var app = document.getElementById("jf-app");
  if (!dataEl || !app) return;
  var data = JSON.parse(dataEl.textContent);
  var ROW = 17;

  function node(name, m) { return { name: name, m: m, t: [0, 0], s: [0, 0], a: [0, 0], kids: [] }; }
  // `jvmsnap diff` adds A's self times at the paths of B's (single) tree, as [wall, cpu]
  // pairs in the same pre-order; A is scaled to B's total so the colours compare shares.
  var diffEl = document.getElementById("jf-diff");
  var diff = diffEl ? JSON.parse(diffEl.textContent) : null;

  // Per-thread trees from the flat pre-order arrays [method, depth, wall total, wall self,
  // cpu total, cpu self] * count; the root (depth 0) is the thread.
  var threads = data.threads.map(function (th) {
    var a = th.nodes, stack = [], root = null;
    for (var i = 0; i < a.length; i += 6) {
      var d = a[i + 1];
      var n = node(d === 0 ? th.name : data.methods[a[i]], d === 0 ? -1 : a[i]);
      n.t = [a[i + 2], a[i + 4]];
      n.s = [a[i + 3], a[i + 5]];
      if (diff && th === data.threads[0]) {
        for (var q = 0; q < 2; q++) {
          var scale = diff.totalA[q] > 0 ? diff.totalB[q] / diff.totalA[q] : 0;
          n.a[q] = diff.a[(i / 6) * 2 + q] * scale;
        }
      }
      if (d === 0) { root = n; stack = [n]; continue; }
      stack.length = d;
      stack[d - 1].kids.push(n);
      stack.push(n);
    }
    return root || node(th.name, -1);
  });

  // Adds `src`'s subtree into `dst` (same-method children merged), without recursion.
  function addInto(dst, src) {
    var work = [[dst, src]];
    while (work.length) {
      var p = work.pop(), d = p[0], s = p[1];
      for (var k = 0; k < 2; k++) { d.t[k] += s.t[k]; d.s[k] += s.s[k]; d.a[k] += s.a[k]; }
      var byM = d.byM || (d.byM = {});
      for (var i = 0; i < s.kids.length; i++) {
        var c = s.kids[i], x = byM[c.m];
        if (!x) { x = byM[c.m] = node(c.name, c.m); d.kids.push(x); }
        work.push([x, c]);
      }
    }
  }

  var views = {};
  function view(key) {
    if (views[key]) return views[key];
    var r;
    if (key === "merged") {
      r = node("all threads", -1);
      threads.forEach(function (t) { addInto(r, t); });
    } else if (key === "threads") {
      r = node("all threads", -1);
      threads.forEach(function (t) {
        r.kids.push(t);
        for (var k = 0; k < 2; k++) r.t[k] += t.t[k];
      });
    } else {
      r = threads[+key];
    }
    return (views[key] = r);
  }

  // ---- controls ----
  function el(tag, attrs, parent) {
    var e = document.createElement(tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  var bar = el("div", { class: "jf-bar" }, app);
  var lv = el("label", {}, bar);
  lv.appendChild(document.createTextNode("View"));
  var sel = el("select", { id: "jf-view" }, lv);
  [["merged", "All threads, merged"], ["threads", "All threads, by thread"]].concat(
    threads.map(function (t, i) { return [String(i), "Thread: " + t.name]; })
  ).forEach(function (o) { el("option", { value: o[0] }, sel).textContent = o[1]; });
  var lt = el("label", {}, bar);
  lt.appendChild(document.createTextNode("Time"));
  var tsel = el("select", { id: "jf-time" }, lt);
  el("option", { value: "0" }, tsel).textContent = "wall clock";
  var oc = el("option", { value: "1" }, tsel);
  oc.textContent = "CPU";
  if (!data.hasCpu) oc.disabled = true;
  tsel.value = data.cpu && data.hasCpu ? "1" : "0";
  var search = el("input", { type: "search", id: "jf-search", placeholder: "Search (regex)" }, bar);
  var reset = el("button", { type: "button", id: "jf-reset" }, bar);
  reset.textContent = "Reset zoom";
  var status = el("div", { class: "jf-status", id: "jf-status" }, app);
  var graph = el("div", { class: "jf-graph", id: "jf-graph" }, app);
  var tip = el("div", { class: "jf-tip", id: "jf-tip" }, document.body);

  var state = { view: "merged", time: +tsel.value, zoom: null, frames: [] };

  function ms(us) { return (us / 1000).toFixed(3) + " ms"; }
  function pct(a, b) { return b > 0 ? ((100 * a) / b).toFixed(2) + " %" : "0 %"; }
  function hash(s) {
    var h = 0;
    for (var i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
    return h >>> 0;
  }
  // Differential colour: red where B's self time exceeds A's (scaled), blue where it is
  // below, the deeper the larger the change relative to B's total; near-white when equal.
  function diffColor(n) {
    var k = state.time, total = diff.totalB[k] || 1;
    var d = (n.s[k] - n.a[k]) / total, r = Math.min(1, Math.abs(d) * 10);
    return "hsl(" + (d >= 0 ? 0 : 220) + ", 80%, " + Math.round(96 - 46 * r) + "%)";
  }
  function color(n) {
    if (n.m < 0) return "hsl(210, 30%, 82%)";
    if (diff) return diffColor(n);
    var h = hash(n.name), native = n.name.indexOf("[native]") >= 0;
    var jdk = /^(java|javax|jdk|sun|com\.sun)\./.test(n.name);
    var hue = native ? 0 : jdk ? 35 : 15 + (h % 40);
    return "hsl(" + hue + ", " + (70 + (h % 20)) + "%, " + (native ? 70 : 55 + ((h >> 5) % 15)) + "%)";
  }

  // Lays out the view: the zoomed frame spans the width, its ancestors are drawn faded
  // below it, frames narrower than 0.3 px are left out.
  function render() {
    var root = view(state.view), k = state.time;
    var zoom = state.zoom || root;
    var path = [], found = false;
    (function findPath() { // iterative DFS for the path root..zoom
      var work = [[root, 0]], trail = [];
      while (work.length) {
        var p = work.pop(), n = p[0], d = p[1];
        trail.length = d;
        trail.push(n);
        if (n === zoom) { path = trail.slice(); found = true; return; }
        for (var i = n.kids.length - 1; i >= 0; i--) work.push([n.kids[i], d + 1]);
      }
    })();
    if (!found) { zoom = root; path = [root]; }
    var width = graph.clientWidth || 1000, total = zoom.t[k];
    var frames = [];
    var maxDepth = 0, id = 0;
    for (var a = 0; a < path.length - 1; a++) {
      frames.push({ n: path[a], x: 0, w: 1, d: a, id: id, parent: id - 1, above: true });
      id++;
    }
    var work = [[zoom, 0, 1, path.length - 1, id - 1]];
    while (work.length) {
      var p = work.pop(), n = p[0], x = p[1], w = p[2], d = p[3];
      var f = { n: n, x: x, w: w, d: d, id: id++, parent: p[4], above: false };
      frames.push(f);
      if (d > maxDepth) maxDepth = d;
      var kids = n.kids.slice().sort(function (u, v) { return v.t[k] - u.t[k]; });
      var cx = x;
      for (var i = 0; i < kids.length; i++) {
        var cw = total > 0 ? kids[i].t[k] / total : 0;
        if (cw * width >= 0.3) work.push([kids[i], cx, cw, d + 1, f.id]);
        cx += cw;
      }
    }
    state.frames = frames;
    state.zoom = zoom === root ? null : zoom;
    graph.textContent = "";
    graph.style.height = (maxDepth + 1) * ROW + "px";
    var frag = document.createDocumentFragment();
    frames.forEach(function (f) {
      var e = document.createElement("div");
      e.className = "f" + (f.above ? " above" : "");
      e.style.left = (100 * f.x).toFixed(6) + "%";
      e.style.width = (100 * f.w).toFixed(6) + "%";
      e.style.bottom = f.d * ROW + "px";
      e.style.background = color(f.n);
      e.dataset.id = f.id;
      e.dataset.parent = f.parent;
      e.textContent = f.w * width > 24 ? f.n.name : "";
      f.el = e;
      frag.appendChild(e);
    });
    graph.appendChild(frag);
    applySearch();
    status.textContent = (state.zoom ? "Zoomed on " + zoom.name + ": " : "") + ms(zoom.t[k]) + " " +
      (k ? "CPU" : "wall clock") + " time. Click a frame to zoom, hover for details.";
  }

  function applySearch() {
    var q = search.value, re = null;
    if (q) {
      try { re = new RegExp(q, "i"); } catch (e) {
        var lower = q.toLowerCase();
        re = { test: function (s) { return s.toLowerCase().indexOf(lower) >= 0; } };
      }
    }
    var k = state.time, matched = 0, top = state.zoom || view(state.view), covered = [];
    state.frames.forEach(function (f) {
      var hit = !!(re && !f.above && f.n.m >= 0 && re.test(f.n.name));
      f.el.classList.toggle("match", hit);
      if (hit) covered.push(f);
    });
    // Matched time counts only the outermost matches (a match's callees are inside it).
    var ids = {};
    covered.forEach(function (f) { ids[f.id] = f; });
    covered.forEach(function (f) {
      var p = f.parent, inside = false;
      while (p >= 0 && state.frames[p]) { if (ids[p]) { inside = true; break; } p = state.frames[p].parent; }
      if (!inside) matched += f.n.t[k];
    });
    if (re) status.textContent = "Matched " + covered.length + " frames: " + ms(matched) + " (" + pct(matched, top.t[k]) + ")";
  }

  function frameOf(ev) {
    var t = ev.target;
    return t && t.classList && t.classList.contains("f") ? state.frames[+t.dataset.id] : null;
  }
  graph.addEventListener("click", function (ev) {
    var f = frameOf(ev);
    if (!f) return;
    state.zoom = f.n;
    render();
  });
  graph.addEventListener("mousemove", function (ev) {
    var f = frameOf(ev);
    if (!f) { tip.style.display = "none"; return; }
    var k = state.time, top = view(state.view);
    tip.textContent = "";
    el("b", {}, tip).textContent = f.n.name;
    el("div", {}, tip).textContent = "total " + ms(f.n.t[k]) + " (" + pct(f.n.t[k], top.t[k]) + "), self " + ms(f.n.s[k]) +
      (k ? " — CPU time" : " — wall clock time");
    if (diff) el("div", {}, tip).textContent = "A, scaled: self " + ms(f.n.a[k]) + "; change " +
      (f.n.s[k] >= f.n.a[k] ? "+" : "-") + ms(Math.abs(f.n.s[k] - f.n.a[k]));
    tip.style.display = "block";
    var x = Math.min(ev.clientX + 12, window.innerWidth - tip.offsetWidth - 4);
    var y = ev.clientY + 16 + tip.offsetHeight > window.innerHeight ? ev.clientY - tip.offsetHeight - 8 : ev.clientY + 16;
    tip.style.left = Math.max(0, x) + "px";
    tip.style.top = Math.max(0, y) + "px";
  });
  graph.addEventListener("mouseleave", function () { tip.style.display = "none"; });
  sel.addEventListener("change", function () { state.view = sel.value; state.zoom = null; render(); });
  tsel.addEventListener("change", function () { state.time = +tsel.value; render(); });
  search.addEventListener("input", applySearch);
  reset.addEventListener("click", function () { state.zoom = null; render(); });
  window.addEventListener("resize", render);
  render();
})();
