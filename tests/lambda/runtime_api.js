// A Lambda Runtime API (2018-06-01) emulator for tests, written from AWS's public API
// description: GET /runtime/invocation/next long-polls for queued events; POST
// /runtime/invocation/<id>/response and /error, POST /runtime/init/error answer 202;
// SnapStart's GET /runtime/restore/next answers 200 at once, POST /runtime/restore/error 202.
// Every request is recorded (raw headers and trailers, body to a file, timings).
//
//   node runtime_api.js STATE_DIR        writes the port it listens on to STATE_DIR/port
//
// Test controls (not part of the Runtime API):
//   POST /_test/event?id=ID&deadline=EPOCH_MS   body = event; request headers named
//        Lambda-Runtime-* and Content-Type are returned with the event
//   POST /_test/answer-delay?ms=N                delay answers to response/error posts
//   POST /_test/forget?id=ID                     the API is done with invocation ID on its own
//        (as AWS's RIE is once it timed out): a response post for it is answered 410
//        InvokeTimeout, an error post 400 InvalidRequestID
//   POST /_test/drop-reused?on=1|0               drop (close unanswered) every Runtime API
//        request that comes on a connection which already served one, as a server that
//        closed an idle keep-alive connection would
//   GET  /_test/log                              JSON array of the recorded requests
//   GET  /_test/stats                            {"dropped": N, "outstanding": N,
//        "max_outstanding": N, "credentials": {"init": N, "restored": N}}: events handed out
//        and not yet answered by an accepted response/error post, now and at most at once
//        (several runtime threads); credentials fetched before and after the restore
// SnapStart's restore, emulated when GET /runtime/restore/next is answered:
//   POST /_test/restore?clock_file=PATH&shift_ms=N   before that answer, write N (default 0)
//        as a little-endian int64 into PATH: the wall-clock shift tests/lambda/clockshift.c
//        applies to the runtime process, so its clock jumps as a restored sandbox's does
//   POST /_test/credentials?phase=init|restored&token=T   body = the credentials JSON served
//        in that phase (before / after the restore); T is the Authorization expected
//   GET  /_test/credentials                      the container credentials endpoint
//        (AWS_CONTAINER_CREDENTIALS_FULL_URI): that phase's JSON, or 401 without the token
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { performance } = require('perf_hooks');
const { serveOnLoopback } = require('./serve');

const dir = process.argv[2];
const MAX_BUFFERED_BYTES = 6291456; // Lambda's synchronous payload limit
const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);

const events = [];      // queued: {id, headers, body}
const waiting = [];     // parked GET next: {res, rec}
const issued = new Set();
const outstanding = new Set(); // handed out, no accepted response/error yet
const forgotten = new Set();   // /_test/forget
let maxOutstanding = 0;
const log = [];
let answerDelayMs = 0;
let dropReused = false;
let dropped = 0;
let restoreClock = null; // {file, shiftMs}
let restored = false;
const creds = { init: null, restored: null };
const credFetches = { init: 0, restored: 0 };

function json(res, status, obj) {
  const body = Buffer.from(JSON.stringify(obj));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': body.length });
  res.end(body);
}

function deliver(w, ev) {
  issued.add(ev.id);
  outstanding.add(ev.id);
  maxOutstanding = Math.max(maxOutstanding, outstanding.size);
  w.rec.event = ev.id;
  w.res.on('finish', () => { w.rec.t_answered_us = nowUs(); });
  w.res.writeHead(200, Object.assign({ 'Content-Length': ev.body.length }, ev.headers));
  w.res.end(ev.body);
}

function answerLater(res, rec, status, obj) {
  res.on('finish', () => { rec.t_answered_us = nowUs(); rec.status = status; });
  setTimeout(() => { rec.t_answer_us = nowUs(); json(res, status, obj); }, answerDelayMs);
}

const server = http.createServer((req, res) => {
  const served = (req.socket.jvmsnapServed = (req.socket.jvmsnapServed || 0) + 1);
  if (dropReused && served > 1 && !req.url.startsWith('/_test/')) {
    dropped++;
    req.socket.destroy();
    return;
  }
  const rec = { n: log.length, method: req.method, url: req.url, headers: req.rawHeaders,
    t_received_us: nowUs() };
  const chunks = [];
  let size = 0;
  req.on('data', (c) => {
    if (size === 0) rec.t_first_byte_us = nowUs();
    chunks.push(c);
    size += c.length;
  });
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    rec.t_body_us = nowUs();
    rec.trailers = req.rawTrailers;
    rec.body_len = body.length;
    rec.sha256 = crypto.createHash('sha256').update(body).digest('hex');
    const u = new URL(req.url, 'http://x');
    if (u.pathname.startsWith('/_test/')) return control(u, req, res, body);
    log.push(rec);
    rec.body_file = path.join(dir, `body-${rec.n}`);
    fs.writeFileSync(rec.body_file, body);
    route(u, req, res, rec, body);
  });
});

function control(u, req, res, body) {
  if (u.pathname === '/_test/event') {
    const headers = {
      'Lambda-Runtime-Aws-Request-Id': u.searchParams.get('id'),
      'Lambda-Runtime-Deadline-Ms': u.searchParams.get('deadline') || String(Date.now() + 60000),
      'Lambda-Runtime-Invoked-Function-Arn': 'arn:aws:lambda:us-east-1:123456789012:function:test',
      'Lambda-Runtime-Trace-Id': 'Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1',
      'Content-Type': req.headers['content-type'] || 'application/json',
    };
    for (let i = 0; i < req.rawHeaders.length; i += 2)
      if (/^lambda-runtime-/i.test(req.rawHeaders[i])) headers[req.rawHeaders[i]] = req.rawHeaders[i + 1];
    const ev = { id: u.searchParams.get('id'), headers, body };
    const w = waiting.shift();
    if (w) deliver(w, ev); else events.push(ev);
    return json(res, 200, { queued: ev.id });
  }
  if (u.pathname === '/_test/answer-delay') {
    answerDelayMs = Number(u.searchParams.get('ms')) || 0;
    return json(res, 200, { answerDelayMs });
  }
  if (u.pathname === '/_test/forget') {
    forgotten.add(u.searchParams.get('id'));
    outstanding.delete(u.searchParams.get('id'));
    return json(res, 200, { forgotten: [...forgotten] });
  }
  if (u.pathname === '/_test/drop-reused') {
    dropReused = u.searchParams.get('on') === '1';
    return json(res, 200, { dropReused });
  }
  if (u.pathname === '/_test/restore') {
    restoreClock = { file: u.searchParams.get('clock_file'), shiftMs: BigInt(u.searchParams.get('shift_ms') || '0') };
    return json(res, 200, { restoreClock: restoreClock.file });
  }
  if (u.pathname === '/_test/credentials' && req.method === 'POST') {
    const phase = u.searchParams.get('phase') === 'restored' ? 'restored' : 'init';
    creds[phase] = { token: u.searchParams.get('token') || '', body };
    return json(res, 200, { phase });
  }
  if (u.pathname === '/_test/credentials') {
    const phase = restored ? 'restored' : 'init';
    const c = creds[phase];
    if (!c || req.headers.authorization !== c.token)
      return json(res, 401, { message: 'unauthorized' });
    credFetches[phase]++;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': c.body.length });
    return res.end(c.body);
  }
  if (u.pathname === '/_test/log') return json(res, 200, log);
  if (u.pathname === '/_test/stats')
    return json(res, 200, { dropped, outstanding: outstanding.size, max_outstanding: maxOutstanding,
      credentials: credFetches });
  return json(res, 404, { errorMessage: 'unknown control', errorType: 'NotFound' });
}

function route(u, req, res, rec, body) {
  const p = u.pathname;
  let m;
  if (req.method === 'GET' && p === '/2018-06-01/runtime/invocation/next') {
    const w = { res, rec };
    const ev = events.shift();
    if (ev) deliver(w, ev); else waiting.push(w);
    req.socket.on('close', () => { const i = waiting.indexOf(w); if (i >= 0) waiting.splice(i, 1); });
    return;
  }
  if (req.method === 'POST' && (m = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(p))) {
    rec.request_id = m[1];
    if (forgotten.has(m[1]) && m[2] === 'response')
      return answerLater(res, rec, 410, { errorMessage: 'Invoke timeout', errorType: 'InvokeTimeout' });
    if (!issued.has(m[1]) || forgotten.has(m[1]))
      return answerLater(res, rec, 400, { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' });
    const streaming = /streaming/i.test(req.headers['lambda-runtime-function-response-mode'] || '');
    if (m[2] === 'response' && !streaming && body.length > MAX_BUFFERED_BYTES)
      return answerLater(res, rec, 413, {
        errorMessage: `Exceeded maximum allowed payload size (${MAX_BUFFERED_BYTES} bytes).`,
        errorType: 'RequestEntityTooLarge' });
    outstanding.delete(m[1]);
    return answerLater(res, rec, 202, { status: 'OK' });
  }
  if (req.method === 'POST' && p === '/2018-06-01/runtime/init/error')
    return answerLater(res, rec, 202, { status: 'OK' });
  // SnapStart: the sandbox is "restored" at once (an empty 200), and a failed restore hook
  // is accepted as Lambda accepts it.
  if (req.method === 'GET' && p === '/2018-06-01/runtime/restore/next') {
    restored = true;
    if (restoreClock) {
      const b = Buffer.alloc(8);
      b.writeBigInt64LE(restoreClock.shiftMs);
      const fd = fs.openSync(restoreClock.file, 'r+');
      fs.writeSync(fd, b, 0, 8, 0);
      fs.closeSync(fd);
    }
    return answerLater(res, rec, 200, {});
  }
  if (req.method === 'POST' && p === '/2018-06-01/runtime/restore/error')
    return answerLater(res, rec, 202, { status: 'OK' });
  json(res, 404, { errorMessage: `no route ${req.method} ${p}`, errorType: 'NotFound' });
}

serveOnLoopback(server, dir, 60000);
