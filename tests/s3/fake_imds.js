// A fake EC2 instance metadata service (IMDSv2) for 65_fleet.sh, test-only, node's standard
// library only: PUT /latest/api/token (with X-aws-ec2-metadata-token-ttl-seconds) answers a
// token; GET /latest/meta-data/iam/security-credentials/ answers ROLE and
// .../ROLE the credentials JSON (KEY_ID, SECRET, a session token, expiring in an hour), both
// only with "X-aws-ec2-metadata-token: <the token>", else 401, as IMDSv2 does.
// Each request is appended to LOGFILE as one JSON line (method, url, headers).
// Prints "listening on PORT" once bound to 127.0.0.1 on a free port.
//   node fake_imds.js LOGFILE ROLE KEY_ID SECRET
'use strict';
const http = require('http');
const fs = require('fs');
const crypto = require('crypto');

const [logFile, role, keyId, secret] = process.argv.slice(2);
const token = 'imds-' + crypto.randomBytes(12).toString('hex');
const base = '/latest/meta-data/iam/security-credentials/';

http.createServer((req, res) => {
  fs.appendFileSync(logFile, JSON.stringify({ method: req.method, url: req.url, headers: req.headers }) + '\n');
  const send = (status, body) => { res.writeHead(status, { 'content-type': 'text/plain' }); res.end(body); };
  if (req.method === 'PUT' && req.url === '/latest/api/token') {
    return req.headers['x-aws-ec2-metadata-token-ttl-seconds'] ? send(200, token) : send(400, 'missing TTL');
  }
  if (req.method !== 'GET' || !req.url.startsWith(base)) return send(404, 'not found');
  if (req.headers['x-aws-ec2-metadata-token'] !== token) return send(401, 'unauthorized');
  const rest = req.url.slice(base.length);
  if (rest === '') return send(200, role);
  if (rest !== role) return send(404, 'not found');
  send(200, JSON.stringify({
    Code: 'Success', LastUpdated: new Date().toISOString(), Type: 'AWS-HMAC', AccessKeyId: keyId,
    SecretAccessKey: secret, Token: 'imds-session-token',
    Expiration: new Date(Date.now() + 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
  }));
}).listen(0, '127.0.0.1', function () {
  console.log('listening on ' + this.address().port);
});
