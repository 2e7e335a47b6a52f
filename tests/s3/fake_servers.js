// Small HTTP servers for the S3 tests (30_s3_upload.sh, 55_agent_s3.sh, 58_agent_s3_retry.sh,
// 53_lambda_s3_faults.sh, bench/lambda_faults.sh; test-only; node's standard library only). Usage: node fake_servers.js MODE LOGFILE [ARG]
//   creds   LOGFILE TOKEN [TTL_S]  container credentials endpoint: answers the credentials
//                           JSON (expiring in TTL_S seconds, default 3600) when
//                           "Authorization: TOKEN" is sent, else 401
//   capture LOGFILE SPEC    answers PUTs with the statuses in SPEC, e.g.
//                           "503:SlowDown,500:InternalError,200" (the last one repeats)
//   hang    LOGFILE         accepts connections and never answers
//   echo    LOGFILE         answers 403 AccessDenied whose <Message> quotes the request's
//                           headers (Authorization, x-amz-security-token ...) and URL,
//                           as some proxies and S3-compatible stores do
//   flaky   LOGFILE UPSTREAM_PORT
//                           answers every request with 500 InternalError until a
//                           "POST /_test/heal" arrives, then forwards each request unchanged
//                           to 127.0.0.1:UPSTREAM_PORT (an s3rver): an S3 outage that ends
//   failfirst LOGFILE UPSTREAM_PORT N
//                           answers the first N PUTs with 503 ServiceUnavailable, then
//                           forwards every request unchanged to UPSTREAM_PORT
//   reset   LOGFILE         reads each request, then closes the connection unanswered
//   slow    LOGFILE         reads request bodies at 1 KB/s, then answers 200
// Each request is appended to LOGFILE as one JSON line (method, raw url, headers, body
// sha256, and for flaky whether it was forwarded). Prints "listening on PORT" once bound
// to 127.0.0.1 on a free port. With FAKE_TLS_CERT and FAKE_TLS_KEY (PEM files) set, the
// server speaks HTTPS with that certificate instead of HTTP.
'use strict';
const http = require('http');
const https = require('https');
const fs = require('fs');
const crypto = require('crypto');

const [mode, logFile, arg, ttl] = process.argv.slice(2);
let count = 0;

function log(req, body, extra) {
  const entry = {
    method: req.method,
    url: req.url, // the raw request target: exactly what the client sent
    headers: req.headers,
    body_sha256: crypto.createHash('sha256').update(body).digest('hex'),
    body_b64: body.length <= 4096 ? body.toString('base64') : null,
    ...extra,
  };
  fs.appendFileSync(logFile, JSON.stringify(entry) + '\n');
}

function errorXml(code) {
  return '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>' + code +
    '</Code><Message>fake ' + code + ' &amp; more</Message><RequestId>1</RequestId></Error>';
}

function credentials(req, res) {
  if (req.headers.authorization !== arg) {
    res.writeHead(401, {'Content-Type': 'application/json'});
    res.end('{"message":"bad token"}');
    return;
  }
  const expiration = new Date(Date.now() + Number(ttl || 3600) * 1000).toISOString();
  res.writeHead(200, {'Content-Type': 'application/json'});
  res.end(JSON.stringify({AccessKeyId: 'S3RVER', SecretAccessKey: 'S3RVER',
    Token: 'fake-session-token/with+chars=', Expiration: expiration}));
}

function capture(req, res) {
  const spec = arg.split(',');
  const [status, code] = spec[Math.min(count, spec.length - 1)].split(':');
  count++;
  if (code) {
    res.writeHead(Number(status), {'Content-Type': 'application/xml'});
    res.end(errorXml(code));
  } else {
    res.writeHead(Number(status), {ETag: '"' + count + '"'});
    res.end();
  }
}

function xmlText(s) {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function echo(req, res) {
  const quoted = Object.entries(req.headers).map(([k, v]) => k + ': ' + v).join(', ');
  res.writeHead(403, {'Content-Type': 'application/xml'});
  res.end('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>' +
    xmlText('denied ' + req.method + ' ' + req.url + ' with ' + quoted) +
    '</Message><RequestId>1</RequestId></Error>');
}

let healed = false;
let failed = 0;

// failfirst: an S3 that is down for N PUTs, then serves from the upstream store.
function failfirst(req, res, body) {
  const failing = req.method === 'PUT' && failed < Number(ttl);
  if (failing) failed++;
  log(req, body, {forwarded: !failing});
  if (!failing) return forward(req, res, body);
  res.writeHead(503, {'Content-Type': 'application/xml'});
  res.end(errorXml('ServiceUnavailable'));
}

// slow: take in a body at 1 KB/s (TCP flow control holds the client back meanwhile).
function slowRead(req, res) {
  log(req, Buffer.alloc(0), {slow: true}); // on arrival: most bodies never finish
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    req.pause();
    setTimeout(() => req.resume(), c.length); // 1 ms per byte
  });
  req.on('end', () => {
    res.writeHead(200, {ETag: '"slow"'});
    res.end();
  });
}

// Sends the request on to the upstream store as it came (s3rver does not check
// signatures, so the Host header may stay ours) and relays the answer.
function forward(req, res, body) {
  const up = http.request({host: '127.0.0.1', port: Number(arg), method: req.method, path: req.url,
    headers: req.headers}, (ur) => {
    res.writeHead(ur.statusCode, ur.headers);
    ur.pipe(res);
  });
  up.on('error', () => { res.writeHead(502); res.end(); });
  up.end(body);
}

function flaky(req, res, body) {
  if (req.method === 'POST' && req.url === '/_test/heal') {
    healed = true;
    res.writeHead(200, {'Content-Type': 'application/json'});
    res.end('{"healed":true}');
    return;
  }
  log(req, body, {forwarded: healed});
  if (healed) return forward(req, res, body);
  res.writeHead(500, {'Content-Type': 'application/xml'});
  res.end(errorXml('InternalError'));
}

function handler(req, res) {
  if (mode === 'slow') return slowRead(req, res);
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    if (mode === 'flaky') return flaky(req, res, body);
    if (mode === 'failfirst') return failfirst(req, res, body);
    log(req, body);
    if (mode === 'reset') return req.socket.destroy();
    if (mode === 'creds') credentials(req, res);
    else if (mode === 'capture') capture(req, res);
    else if (mode === 'echo') echo(req, res);
    // hang: never answer
  });
}

const MODES = ['creds', 'capture', 'hang', 'flaky', 'failfirst', 'reset', 'slow', 'echo'];
if (!MODES.includes(mode) || !logFile) {
  console.error('usage: node fake_servers.js ' + MODES.join('|') + ' LOGFILE [ARG]');
  process.exit(2);
}
const tls = process.env.FAKE_TLS_CERT && process.env.FAKE_TLS_KEY;
const server = tls
  ? https.createServer({cert: fs.readFileSync(process.env.FAKE_TLS_CERT),
    key: fs.readFileSync(process.env.FAKE_TLS_KEY)}, handler)
  : http.createServer(handler);
// A failed TLS handshake is what the TLS tests provoke: note it, do not die.
server.on('tlsClientError', (err) =>
  fs.appendFileSync(logFile, JSON.stringify({tls_error: err.code || err.message}) + '\n'));
fs.writeFileSync(logFile, '');
server.listen(0, '127.0.0.1', () => console.log('listening on ' + server.address().port));
