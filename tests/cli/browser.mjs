// Opens a jvmsnap HTML page (flame or report) in headless Chromium and checks it through
// the DevTools protocol: no console errors, no network request, the flame graph's widest
// frame (by own width: frame minus its callees) is the expected hot method, hovering
// shows it, search highlights it, and a click zooms. Saves screenshots.
//
//   node browser.mjs PAGE.html OUTDIR NAME EXPECTED_HOT [MIN_CHARTS]
//
// EXPECTED_HOT "-" means the page has no flame graph (a report of statistics alone).
//
// Prints "PASS <check>" / "FAIL <check>" lines (tests/integration/60_cli.sh counts them).
// Needs no npm package: Node 20 has no WebSocket client, so a minimal one is below.
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";

const [page, outdir, name, expectHot, minCharts] = process.argv.slice(2);
if (!expectHot) {
  console.error("usage: node browser.mjs PAGE.html OUTDIR NAME EXPECTED_HOT [MIN_CHARTS]");
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

async function flameChecks(cdp, layout, nameAt, shot) {
    let l = await cdp.eval(layout);
    check("the flame graph drew frames", l.frames.length > 3, `${l.frames.length} frames`);
    const widest = l.frames.filter((f) => !f.above).sort((a, b) => b.own - a.own)[0];
    const widestName = widest ? await nameAt(widest) : null;
    check(`hovering the widest frame shows a tooltip with its method`, !!widestName, widestName);
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

    // Click a frame clearly narrower than the graph (the hot one when it is): it must then
    // span the whole graph. When one stack fills the CPU view, use the wall clock view.
    let narrow = (f) => !f.above && f.w < 0.9 * l.graphWidth && f.w > 20;
    if (!l.frames.some(narrow)) {
      await cdp.eval(`(() => { const t = document.getElementById("jf-time"); t.value = "0";
        t.dispatchEvent(new Event("change")); })()`);
      await sleep(100);
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

async function main() {
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), "jvmsnap-chromium-"));
  const chrome = spawn(process.env.CHROMIUM || "/usr/bin/chromium", [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars", "--remote-debugging-port=0",
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
    // The text of a narrow frame is empty: read the name from the model through a hover.
    const nameAt = async (f) => {
      await cdp.send("Input.dispatchMouseEvent", { type: "mouseMoved", x: f.x, y: f.y });
      await sleep(50);
      return cdp.eval(`(() => { const t = document.getElementById("jf-tip");
        return t.style.display === "block" ? t.querySelector("b").textContent : null; })()`);
    };

    if (expectHot === "-") {
      const graphs = await cdp.eval(`document.querySelectorAll("#jf-graph").length`);
      check("no flame graph on a page without a CPU profile", graphs === 0, `${graphs}`);
    } else {
      await flameChecks(cdp, layout, nameAt, shot);
    }

    if (minCharts) {
      const charts = await cdp.eval(`document.querySelectorAll("svg.chart").length`);
      check(`the report has at least ${minCharts} charts`, charts >= +minCharts, `${charts} charts`);
      const lines = await cdp.eval(`document.querySelectorAll("svg.chart polyline").length`);
      check("every chart draws a line", lines >= charts && charts > 0, `${lines} lines`);
    }
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
