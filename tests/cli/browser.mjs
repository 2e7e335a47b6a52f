// Opens a jvmsnap HTML page (flame or report) in headless Chromium and checks it through
// the DevTools protocol: no console errors, no network request, the flame graph's widest
// frame (by own width: frame minus its callees) is the expected hot method, hovering
// shows it with its times, search highlights it, the View selector switches between the
// merged tree, the threads side by side and one thread, the Time selector between CPU and
// wall clock times, and a click zooms. On a report, the charts present by title. Saves
// screenshots.
//
//   node browser.mjs PAGE.html OUTDIR NAME EXPECTED_HOT [--charts FILE] [--totals WALL,CPU]
//
// EXPECTED_HOT "-" means the page has no flame graph (a report of statistics alone).
// --charts FILE: the titles of the charts the report must show, one a line, and no other.
// --heap-note yes|no: whether the note "Heap used reads 0" must show, under the Heap chart.
// --totals WALL,CPU: the profile's total wall and CPU ms (the sums of `jvmsnap info`'s
// thread lines) that the merged view must show in each time mode.
//
// Chromium gets a proxy that refuses everything, loopback included, so even a request
// that slipped past the page's CSP could reach nothing; 60_cli.sh also runs this script in
// a network namespace of its own when it can.
//
// Prints "PASS <check>" / "FAIL <check>" lines (tests/integration/60_cli.sh counts them).
// Needs no npm package: Node 20 has no WebSocket client, so a minimal one is below.
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";

const [page, outdir, name, expectHot, ...rest] = process.argv.slice(2);
const opt = {};
for (let i = 0; i + 1 < rest.length; i += 2) opt[rest[i].replace(/^--/, "")] = rest[i + 1];
if (!expectHot || rest.length % 2 || Object.keys(opt).some((k) => !["charts", "totals", "heap-note"].includes(k))) {
  console.error("usage: node browser.mjs PAGE.html OUTDIR NAME EXPECTED_HOT [--charts FILE] [--totals WALL,CPU] [--heap-note yes|no]");
  process.exit(2);
}
const results = [];
function check(desc, pass, detail) {
  results.push(pass);
  console.log(`${pass ? "PASS" : "FAIL"} ${desc}${detail !== undefined ? ` (${detail})` : ""}`);
}

class WebSocketClient {
  constructor(socket, head) {
    this.socket = socket;
    this.buf = head && head.length ? Buffer.from(head) : Buffer.alloc(0);
    this.frags = [];
    this.onmessage = null;
    socket.on("data", (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.parse();
    });
  }
  static connect(url) {
    return new Promise((resolve, reject) => {
      const u = new URL(url);
      const req = http.request({
        host: u.hostname, port: u.port, path: u.pathname,
        headers: { Connection: "Upgrade", Upgrade: "websocket",
          "Sec-WebSocket-Key": crypto.randomBytes(16).toString("base64"), "Sec-WebSocket-Version": "13" },
      });
      req.on("upgrade", (res, socket, head) => resolve(new WebSocketClient(socket, head)));
      req.on("error", reject);
      req.end();
    });
  }
  parse() {
    for (;;) {
      const b = this.buf;
      if (b.length < 2) return;
      const fin = b[0] & 0x80, op = b[0] & 15;
      let len = b[1] & 127, off = 2;
      if (len === 126) { if (b.length < 4) return; len = b.readUInt16BE(2); off = 4; }
      else if (len === 127) { if (b.length < 10) return; len = Number(b.readBigUInt64BE(2)); off = 10; }
      if (b[1] & 0x80) off += 4; // servers do not mask; tolerate it anyway
      if (b.length < off + len) return;
      const payload = b.subarray(off, off + len);
      this.buf = b.subarray(off + len);
      if (op === 8) { this.socket.end(); return; }
      if (op === 9) { this.send(payload, 10); continue; }
      if (op <= 2) {
        this.frags.push(payload);
        if (fin) {
          const msg = Buffer.concat(this.frags).toString("utf8");
          this.frags = [];
          if (this.onmessage) this.onmessage(msg);
        }
      }
    }
  }
  send(data, op = 1) {
    const p = Buffer.isBuffer(data) ? data : Buffer.from(data);
    const mask = crypto.randomBytes(4);
    let hdr;
    if (p.length < 126) hdr = Buffer.from([0x80 | op, 0x80 | p.length]);
    else if (p.length < 65536) { hdr = Buffer.alloc(4); hdr[0] = 0x80 | op; hdr[1] = 0x80 | 126; hdr.writeUInt16BE(p.length, 2); }
    else { hdr = Buffer.alloc(10); hdr[0] = 0x80 | op; hdr[1] = 0x80 | 127; hdr.writeBigUInt64BE(BigInt(p.length), 2); }
    const m = Buffer.alloc(p.length);
    for (let i = 0; i < p.length; i++) m[i] = p[i] ^ mask[i & 3];
    this.socket.write(Buffer.concat([hdr, mask, m]));
  }
}

class Cdp {
  constructor(ws) {
    this.ws = ws;
    this.id = 0;
    this.pending = new Map();
    this.listeners = [];
    ws.onmessage = (text) => {
      const msg = JSON.parse(text);
      if (msg.id && this.pending.has(msg.id)) {
        const { resolve, reject } = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.error) reject(new Error(JSON.stringify(msg.error)));
        else resolve(msg.result);
      } else if (msg.method) {
        for (const l of this.listeners) l(msg);
      }
    };
  }
  send(method, params = {}) {
    const id = ++this.id;
    this.ws.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }
  waitFor(method, ms = 15000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timeout waiting for ${method}`)), ms);
      const l = (msg) => {
        if (msg.method !== method) return;
        clearTimeout(timer);
        this.listeners.splice(this.listeners.indexOf(l), 1);
        resolve(msg.params);
      };
      this.listeners.push(l);
    });
  }
  async eval(expr) {
    const r = await this.send("Runtime.evaluate", { expression: expr, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) throw new Error(`evaluate failed: ${JSON.stringify(r.exceptionDetails)}`);
    return r.result.value;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The tooltip of a frame, parsed: "total T ms (P %), self S ms — CPU time".
const TIP_RE = /^total (\d+\.\d{3}) ms \((\d+(?:\.\d\d)?) %\), self (\d+\.\d{3}) ms — (CPU|wall clock) time$/;
function parseTip(t) {
  const m = t && TIP_RE.exec(t.times);
  return m ? { name: t.name, total: +m[1], pct: +m[2], self: +m[3], kind: m[4] } : null;
}
// The status line: "[Zoomed on X: ]T ms CPU|wall clock time. Click ...".
function parseStatus(s) {
  const m = /(\d+\.\d{3}) ms (CPU|wall clock) time\./.exec(s);
  return m ? { total: +m[1], kind: m[2] } : null;
}
const near = (a, b, eps = 0.0015) => Math.abs(a - b) <= eps;

async function setSelect(cdp, id, value) {
  const v = await cdp.eval(`(() => { const s = document.getElementById(${JSON.stringify(id)});
    s.value = ${JSON.stringify(value)}; s.dispatchEvent(new Event("change")); return s.value; })()`);
  await sleep(100);
  return v === value;
}

// The layout, the root frame and the root's callees (with their tooltips) of the current view.
async function viewState(cdp, layout, tipAt) {
  const l = await cdp.eval(layout);
  const root = l.frames.find((f) => !f.above && f.parent === -1);
  const kids = [];
  for (const f of l.frames.filter((f) => root && f.parent === root.id).slice(0, 30))
    kids.push({ ...f, tip: parseTip(await tipAt(f)) });
  return { l, root, rootTip: root ? parseTip(await tipAt(root)) : null, kids, status: parseStatus(l.status) };
}

// Time: CPU, then wall clock, in the merged view. The status and the root's tooltip must
// say which time they show, agree with each other, differ between the two modes, and
// (with --totals) equal the profile's totals.
async function timeChecks(cdp, layout, tipAt) {
  const hasCpu = await cdp.eval(`!document.querySelector('#jf-time option[value="1"]').disabled`);
  if (!hasCpu) return;
  const seen = {};
  for (const [value, kind] of [["1", "CPU"], ["0", "wall clock"]]) {
    const set = await setSelect(cdp, "jf-time", value);
    const v = await viewState(cdp, layout, tipAt);
    seen[kind] = v;
    check(`Time ${kind}: the status and the root's tooltip show ${kind} time and agree`,
      set && v.status && v.rootTip && v.status.kind === kind && v.rootTip.kind === kind &&
      near(v.status.total, v.rootTip.total),
      `status ${JSON.stringify(v.status)}, root ${JSON.stringify(v.rootTip)}`);
  }
  const c = seen.CPU.status, w = seen["wall clock"].status;
  check("the wall/CPU switch changes the displayed times", c && w && c.total !== w.total && w.total > 0,
    `CPU ${c && c.total} ms, wall ${w && w.total} ms`);
  if (opt.totals) {
    const [wall, cpu] = opt.totals.split(",").map(Number);
    check("the merged view's totals are the profile's (jvmsnap info)",
      c && w && near(w.total, wall, 0.01) && near(c.total, cpu, 0.01),
      `wall ${w && w.total} vs ${wall}, CPU ${c && c.total} vs ${cpu}`);
  }
}

// View, in wall clock time (every thread has a width): merged, by thread, one thread.
async function viewChecks(cdp, layout, tipAt) {
  await setSelect(cdp, "jf-time", "0");
  const threads = await cdp.eval(`[...document.querySelectorAll("#jf-view option")]
    .filter(o => /^[0-9]+$/.test(o.value)).map(o => ({ value: o.value, name: o.textContent.replace(/^Thread: /, "") }))`);
  const names = new Set(threads.map((t) => t.name));
  const isThread = (k) => k.tip && names.has(k.tip.name);
  await setSelect(cdp, "jf-view", "merged");
  const merged = await viewState(cdp, layout, tipAt);
  check("View merged: the root's callees are methods, no thread",
    merged.kids.length > 0 && !merged.kids.some(isThread), merged.kids.map((k) => k.tip && k.tip.name).join(", "));
  const set = await setSelect(cdp, "jf-view", "threads");
  const by = await viewState(cdp, layout, tipAt);
  check("View by thread: the root's callees are the threads, same total as merged",
    set && by.kids.length >= 2 && by.kids.every(isThread) && by.status && merged.status &&
    near(by.status.total, merged.status.total),
    `${by.kids.map((k) => k.tip && k.tip.name).join(", ")}; ${by.status && by.status.total} ms`);
  const widest = by.kids.filter((k) => k.tip).sort((a, b) => b.w - a.w)[0];
  if (!widest) return;
  const one = threads.find((t) => t.name === widest.tip.name);
  const set1 = await setSelect(cdp, "jf-view", one.value);
  const th = await viewState(cdp, layout, tipAt);
  check(`View one thread: the root is ${one.name} with its own total only`,
    set1 && th.rootTip && th.rootTip.name === one.name && th.status &&
    near(th.status.total, widest.tip.total) && th.status.total < merged.status.total &&
    !th.kids.some(isThread),
    `root ${th.rootTip && th.rootTip.name}, ${th.status && th.status.total} ms of ${merged.status && merged.status.total}`);
  await setSelect(cdp, "jf-view", "merged");
}

async function flameChecks(cdp, layout, tipAt, shot) {
    const nameAt = async (f) => { const t = await tipAt(f); return t && t.name; };
    const time0 = await cdp.eval(`document.getElementById("jf-time").value`);
    let l = await cdp.eval(layout);
    check("the flame graph drew frames", l.frames.length > 3, `${l.frames.length} frames`);
    const widest = l.frames.filter((f) => !f.above).sort((a, b) => b.own - a.own)[0];
    const widestTip = widest ? await tipAt(widest) : null;
    const widestName = widestTip && widestTip.name;
    check(`hovering the widest frame shows a tooltip with its method`, !!widestName, widestName);
    const wt = parseTip(widestTip);
    check("the tooltip shows the frame's total, share and self time", !!wt && wt.total > 0 && wt.self > 0 &&
      wt.self <= wt.total && wt.pct > 0, widestTip && widestTip.times);
    check(`the widest frame (own width) is ${expectHot}`, !!widestName && widestName.startsWith(expectHot),
      `${widestName}, ${widest && widest.own.toFixed(1)} px of ${l.graphWidth.toFixed(0)}`);

    // Search highlights the hot method.
    await cdp.eval(`(() => { const s = document.getElementById("jf-search");
      s.value = ${JSON.stringify(expectHot.replace(/[.$]/g, "\\$&"))}; s.dispatchEvent(new Event("input")); })()`);
    await sleep(50);
    const matches = await cdp.eval(`document.querySelectorAll("#jf-graph .f.match").length`);
    check("search highlights the hot method's frames", matches > 0, `${matches} highlighted`);
    await cdp.eval(`(() => { const s = document.getElementById("jf-search"); s.value = "";
      s.dispatchEvent(new Event("input")); })()`);

    await timeChecks(cdp, layout, tipAt);
    await viewChecks(cdp, layout, tipAt);
    await setSelect(cdp, "jf-view", "merged");
    await setSelect(cdp, "jf-time", time0);

    // Click a frame clearly narrower than the graph (the hot one when it is): it must then
    // span the whole graph. When one stack fills the CPU view, use the wall clock view.
    l = await cdp.eval(layout);
    let narrow = (f) => !f.above && f.w < 0.9 * l.graphWidth && f.w > 20;
    if (!l.frames.some(narrow)) {
      await setSelect(cdp, "jf-time", "0");
      l = await cdp.eval(layout);
      narrow = (f) => !f.above && f.w < 0.9 * l.graphWidth && f.w > 20;
    }
    const target2 = widest && narrow(widest) ? widest
      : l.frames.filter(narrow).sort((a, b) => b.w - a.w)[0] || l.frames[l.frames.length - 1];
    const clickedName = await nameAt(target2);
    const before = target2.w;
    for (const type of ["mousePressed", "mouseReleased"])
      await cdp.send("Input.dispatchMouseEvent", { type, x: target2.x, y: target2.y, button: "left", clickCount: 1 });
    await sleep(200);
    l = await cdp.eval(layout);
    const zoomed = [];
    for (const f of l.frames.filter((f) => !f.above && Math.abs(f.w - l.graphWidth) < 2).slice(0, 1))
      zoomed.push(await nameAt(f));
    check("a click zooms: the clicked frame now spans the graph",
      zoomed[0] === clickedName && before < l.graphWidth - 2 && /^Zoomed on/.test(l.status),
      `${clickedName}: ${before.toFixed(0)} px -> ${zoomed[0]} full width; status "${l.status.slice(0, 60)}"`);
    await cdp.send("Input.dispatchMouseEvent", { type: "mouseMoved", x: 5, y: 5 });
    await shot(`${name}-zoomed.png`);

}

// The report's charts by their <title>: exactly the expected ones, each drawing a line.
async function chartChecks(cdp, file) {
  const want = fs.readFileSync(file, "utf8").split("\n").filter(Boolean);
  const got = await cdp.eval(`[...document.querySelectorAll("svg.chart")].map(s => ({
    title: s.querySelector("title") ? s.querySelector("title").textContent : "",
    points: Math.max(0, ...[...s.querySelectorAll("polyline")].map(p =>
      p.getAttribute("points").trim().split(/ +/).filter(Boolean).length)) }))`);
  for (const t of want) {
    const c = got.find((g) => g.title === t);
    check(`the report has the chart "${t}", drawing a line`, !!c && c.points >= 2, c ? `${c.points} points` : "missing");
  }
  const extra = got.filter((g) => !want.includes(g.title)).map((g) => g.title);
  check(`the report has no other chart (${want.length} expected)`, got.length === want.length && !extra.length,
    `${got.length} charts${extra.length ? `; unexpected: ${extra.join(", ")}` : ""}`);
}

// The note under the Heap chart when used reads 0 while committed does not (G1 on JDK 17
// before its first collection): shown, below the chart and as wide at most, or absent.
async function heapNoteCheck(cdp, want) {
  const r = await cdp.eval(`(() => {
    const n = document.getElementById("heap-note");
    const c = [...document.querySelectorAll("svg.chart")].find(s => s.querySelector("title")?.textContent === "Heap");
    if (!n || !c) return { note: !!n, chart: !!c };
    const a = c.getBoundingClientRect(), b = n.getBoundingClientRect();
    return { note: true, chart: true, text: n.textContent, below: b.top >= a.bottom - 1 && b.top - a.bottom < 40,
             aligned: Math.abs(b.left - a.left) < 8 && b.width <= a.width + 8, visible: b.height > 0 };
  })()`);
  if (want === "yes")
    check("the heap note shows under the Heap chart", r.note && r.chart && r.below && r.aligned && r.visible &&
      /Heap used reads 0/.test(r.text), JSON.stringify(r).slice(0, 300));
  else
    check("no heap note when heap used is never 0", !r.note, JSON.stringify(r).slice(0, 300));
}

async function main() {
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), "jvmsnap-chromium-"));
  const chrome = spawn(process.env.CHROMIUM || "/usr/bin/chromium", [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars", "--remote-debugging-port=0",
    // No network: every request goes to a proxy on the discard port, loopback too.
    "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
    `--user-data-dir=${profileDir}`, "about:blank",
  ], { stdio: ["ignore", "ignore", "pipe"] });
  const exited = new Promise((resolve) => chrome.on("exit", resolve));
  const cleanup = async () => {
    try { chrome.kill("SIGKILL"); } catch (e) { /* gone */ }
    await Promise.race([exited, sleep(5000)]);
    try { fs.rmSync(profileDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }); }
    catch (e) { console.error(`note: ${profileDir} not removed: ${e.message}`); }
  };
  try {
    const browserUrl = await new Promise((resolve, reject) => {
      let err = "";
      const timer = setTimeout(() => reject(new Error(`chromium did not start: ${err}`)), 30000);
      chrome.stderr.on("data", (d) => {
        err += d;
        const m = /DevTools listening on (ws:\/\/[^\s]+)/.exec(err);
        if (m) { clearTimeout(timer); resolve(m[1]); }
      });
      chrome.on("exit", (code) => reject(new Error(`chromium exited ${code}: ${err}`)));
    });
    const port = new URL(browserUrl).port;
    const targets = await new Promise((resolve, reject) => {
      http.get(`http://127.0.0.1:${port}/json/list`, (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve(JSON.parse(body)));
      }).on("error", reject);
    });
    const target = targets.find((t) => t.type === "page");
    const cdp = new Cdp(await WebSocketClient.connect(target.webSocketDebuggerUrl));

    const errors = [], requests = [];
    cdp.listeners.push((msg) => {
      if (msg.method === "Runtime.consoleAPICalled" && (msg.params.type === "error" || msg.params.type === "assert"))
        errors.push(`console.${msg.params.type}: ${msg.params.args.map((a) => a.value ?? a.description).join(" ")}`);
      if (msg.method === "Runtime.exceptionThrown")
        errors.push(`exception: ${msg.params.exceptionDetails.exception?.description ?? msg.params.exceptionDetails.text}`);
      if (msg.method === "Log.entryAdded" && msg.params.entry.level === "error")
        errors.push(`log: ${msg.params.entry.text} ${msg.params.entry.url ?? ""}`);
      if (msg.method === "Network.requestWillBeSent" && !/^(file|data|about):/.test(msg.params.request.url))
        requests.push(msg.params.request.url);
    });
    await cdp.send("Runtime.enable");
    await cdp.send("Log.enable");
    await cdp.send("Network.enable");
    await cdp.send("Page.enable");
    await cdp.send("Emulation.setDeviceMetricsOverride", { width: 1280, height: 900, deviceScaleFactor: 1, mobile: false });
    const loaded = cdp.waitFor("Page.loadEventFired");
    await cdp.send("Page.navigate", { url: "file://" + path.resolve(page) });
    await loaded;
    await sleep(300);

    // The whole page, up to 4000 px: a deep stack makes a very tall flame graph.
    const shot = async (file) => {
      const h = Math.min(4000, await cdp.eval("document.documentElement.scrollHeight"));
      const r = await cdp.send("Page.captureScreenshot", { format: "png", captureBeyondViewport: true,
        clip: { x: 0, y: 0, width: 1280, height: h, scale: 1 } });
      fs.writeFileSync(path.join(outdir, file), Buffer.from(r.data, "base64"));
    };
    await shot(`${name}.png`);

    // Own width of every drawn frame: its width minus its drawn callees' widths.
    const layout = `(() => {
      const g = document.getElementById("jf-graph");
      const fs = [...g.querySelectorAll(".f")].map(e => { const r = e.getBoundingClientRect();
        return { id: +e.dataset.id, parent: +e.dataset.parent, above: e.classList.contains("above"),
          name: e.textContent, x: r.left + r.width / 2, y: r.top + r.height / 2, w: r.width }; });
      const own = new Map(fs.map(f => [f.id, f.w]));
      for (const f of fs) if (own.has(f.parent)) own.set(f.parent, own.get(f.parent) - f.w);
      for (const f of fs) f.own = own.get(f.id);
      return { graphWidth: g.getBoundingClientRect().width, frames: fs,
        status: document.getElementById("jf-status").textContent };
    })()`;
    // The text of a narrow frame is empty: read the name and times through a hover.
    const tipAt = async (f) => {
      await cdp.send("Input.dispatchMouseEvent", { type: "mouseMoved", x: f.x, y: f.y });
      await sleep(50);
      return cdp.eval(`(() => { const t = document.getElementById("jf-tip");
        if (t.style.display !== "block") return null;
        const d = t.querySelector("div");
        return { name: t.querySelector("b").textContent, times: d ? d.textContent : "" }; })()`);
    };

    if (expectHot === "-") {
      const graphs = await cdp.eval(`document.querySelectorAll("#jf-graph").length`);
      check("no flame graph on a page without a CPU profile", graphs === 0, `${graphs}`);
    } else {
      await flameChecks(cdp, layout, tipAt, shot);
    }

    if (opt.charts) await chartChecks(cdp, opt.charts);
    if (opt["heap-note"]) await heapNoteCheck(cdp, opt["heap-note"]);
    check("no console errors or exceptions", errors.length === 0, errors.join("; ").slice(0, 500));
    check("no network request", requests.length === 0, requests.join(" "));
    cdp.ws.socket.end();
  } catch (e) {
    check("browser session", false, e.message);
  } finally {
    await cleanup();
  }
  process.exit(results.every(Boolean) ? 0 : 1);
}
main();
