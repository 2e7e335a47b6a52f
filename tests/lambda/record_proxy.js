// A recording HTTP relay for the RIE tests: sits just in front of a real Runtime API (the
// RIE's) and writes down every request the runtime side sends it, so that the calls that
// reach the RIE can be compared with and without the agent's proxy in between.
//
//   node record_proxy.js STATE_DIR UPSTREAM_HOST:PORT
//
// Writes the port it listens on (127.0.0.1) to STATE_DIR/port and, per request, one JSON
// line to STATE_DIR/requests.jsonl once the upstream answered it: method, url, raw headers,
// trailers, body length and sha256, the upstream's status, answer length and sha256, and
// times (epoch µs) of arrival and of the answer; and, as soon as a request arrives, its
// method, url and arrival time to STATE_DIR/arrivals.jsonl (so a long poll still waiting
// upstream shows: in arrivals.jsonl, not yet in requests.jsonl). Bodies are relayed as they
// come (chunked stays chunked), so a long poll or a large body behaves as it would without the relay.
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { performance } = require('perf_hooks');
const { serveOnLoopback } = require('./serve');

const [dir, upstream] = process.argv.slice(2);
const [upHost, upPort] = upstream.split(':');
const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);
const agent = new http.Agent({ keepAlive: true });
const out = fs.openSync(path.join(dir, 'requests.jsonl'), 'a');
const arrivals = fs.openSync(path.join(dir, 'arrivals.jsonl'), 'a');

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host', 'te', 'trailer', 'upgrade', 'expect']);

const server = http.createServer((req, res) => {
  const rec = { method: req.method, url: req.url, headers: req.rawHeaders, t_received_us: nowUs() };
  fs.writeSync(arrivals, JSON.stringify({ method: rec.method, url: rec.url, t_received_us: rec.t_received_us }) + '\n');
  const headers = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const k = req.rawHeaders[i];
    if (HOP.has(k.toLowerCase())) continue;
    (headers[k] = headers[k] || []).push(req.rawHeaders[i + 1]);
  }
  const chunked = /chunked/i.test(req.headers['transfer-encoding'] || '');
  if (!chunked && req.headers['content-length'] !== undefined) headers['Content-Length'] = req.headers['content-length'];
  const up = http.request({ host: upHost, port: upPort, method: req.method, path: req.url, headers, agent });
  const reqHash = crypto.createHash('sha256');
  let reqLen = 0;
  req.on('data', (c) => { reqHash.update(c); reqLen += c.length; up.write(c); });
  req.on('end', () => {
    rec.trailers = req.rawTrailers;
    if (chunked && req.rawTrailers.length) {
      const t = {};
      for (let i = 0; i < req.rawTrailers.length; i += 2) t[req.rawTrailers[i]] = req.rawTrailers[i + 1];
      up.addTrailers(t);
    }
    rec.body_len = reqLen;
    rec.sha256 = reqHash.digest('hex');
    up.end();
  });
  up.on('response', (ur) => {
    rec.status = ur.statusCode;
    rec.answer_headers = ur.rawHeaders;
    const h = crypto.createHash('sha256');
    let n = 0;
    const hdrs = {};
    for (let i = 0; i < ur.rawHeaders.length; i += 2) {
      const k = ur.rawHeaders[i];
      if (HOP.has(k.toLowerCase())) continue;
      (hdrs[k] = hdrs[k] || []).push(ur.rawHeaders[i + 1]);
    }
    if (!/chunked/i.test(ur.headers['transfer-encoding'] || '') && ur.headers['content-length'] !== undefined)
      hdrs['Content-Length'] = ur.headers['content-length'];
    res.writeHead(ur.statusCode, hdrs);
    ur.on('data', (c) => { h.update(c); n += c.length; res.write(c); });
    ur.on('end', () => {
      rec.answer_len = n;
      rec.answer_sha256 = h.digest('hex');
      rec.t_answered_us = nowUs();
      fs.writeSync(out, JSON.stringify(rec) + '\n');
      res.end();
    });
  });
  up.on('error', (e) => {
    rec.status = 'relay-error ' + e.code;
    rec.t_answered_us = nowUs();
    fs.writeSync(out, JSON.stringify(rec) + '\n');
    res.destroy();
  });
  req.on('aborted', () => up.destroy());
});

serveOnLoopback(server, dir, 600000);
