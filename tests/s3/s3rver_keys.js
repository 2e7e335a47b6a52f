// s3rver (the tests' S3 emulator) for tests whose credentials change while they run
// (49_lambda_snapstart.sh: a SnapStart restore fetches new ones), test-only.
//
//   node s3rver_keys.js DIR LOGFILE BUCKET FIRST_PUTS KEYID:SECRET...
//
// s3rver knows only its own S3RVER key; this one also accepts each KEYID:SECRET given, so
// uploads signed with either side of a change are stored and checked alike (signature and
// a request time within 15 minutes of this machine's clock, as S3 does). In front of it, each
// request is appended to LOGFILE as one JSON line once answered: method, url, the key id of
// its Authorization, its x-amz-date, the status, and the times (epoch ms) it arrived and was
// answered. FIRST_PUTS is "-" (every request goes to s3rver), "hang:N" (the first N PUTs are
// read and never answered: an upload in flight that never ends, as one whose connection a
// snapshot left dead) or "fail:N" (the first N PUTs get 503 SlowDown). Prints "listening on
// PORT".
'use strict';
const http = require('http');
const fs = require('fs');
const S3rver = require('s3rver');
const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account');

const [dir, logFile, bucket, firstPuts, ...pairs] = process.argv.slice(2);
for (const p of pairs) {
  const i = p.indexOf(':');
  DUMMY_ACCOUNT.createKeyPair(p.slice(0, i), p.slice(i + 1));
}
const [firstMode, firstN] = firstPuts.split(':');
let firstLeft = Number(firstN) || 0;

async function main() {
  const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir,
    configureBuckets: [{ name: bucket, configs: [] }] });
  const { port: s3Port } = await s3.run();
  const agent = new http.Agent({ keepAlive: true });
  const front = http.createServer((req, res) => {
    const auth = req.headers.authorization || '';
    const m = /Credential=([^/]+)\//.exec(auth);
    const rec = { method: req.method, url: req.url, key_id: m ? m[1] : null,
      amz_date: req.headers['x-amz-date'] || null, t_received_ms: Date.now() };
    if (req.method === 'PUT' && firstLeft > 0) {
      firstLeft--;
      req.resume(); // read it all
      if (firstMode === 'hang') { // and never answer
        rec.hung = true;
        fs.appendFileSync(logFile, JSON.stringify(rec) + '\n');
        return;
      }
      return req.on('end', () => {
        const body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>' +
          '<Message>Please reduce your request rate.</Message></Error>';
        res.writeHead(503, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
        rec.status = 503;
        rec.t_answered_ms = Date.now();
        fs.appendFileSync(logFile, JSON.stringify(rec) + '\n');
      });
    }
    const up = http.request({ host: '127.0.0.1', port: s3Port, method: req.method, path: req.url,
      headers: req.headers, agent }, (ur) => {
      res.writeHead(ur.statusCode, ur.headers);
      ur.pipe(res);
      ur.on('end', () => {
        rec.status = ur.statusCode;
        rec.t_answered_ms = Date.now();
        fs.appendFileSync(logFile, JSON.stringify(rec) + '\n');
      });
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  front.keepAliveTimeout = 60000;
  front.listen(0, '127.0.0.1', () => console.log('listening on ' + front.address().port));
  process.on('SIGTERM', () => process.exit(0));
}
main().catch((e) => { console.error(e); process.exit(1); });
