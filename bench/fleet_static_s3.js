// A trivially fast S3 peer for bench/fleet.sh, NOT a test server: it keeps objects in memory
// and answers PutObject, GetObject and ListObjectsV2 (prefix, delimiter, max-keys,
// start-after, continuation-token) path-style, ignoring SigV4 (any signature is accepted). Its only use
// is to time jvmsnap's client with a server that costs next to nothing, apart from s3rver's
// own cost. Listens on 127.0.0.1, port 0; prints "listening on 127.0.0.1:PORT".
//
//   node bench/fleet_static_s3.js
'use strict';
const http = require('http');
const crypto = require('crypto');

const buckets = new Map(); // name -> Map(key -> {body, etag})
let sorted = new Map();    // name -> sorted key array, rebuilt lazily after a PUT

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function keysOf(name) {
  if (!sorted.has(name)) sorted.set(name, [...buckets.get(name).keys()].sort());
  return sorted.get(name);
}

function list(res, name, q) {
  const objects = buckets.get(name);
  const prefix = q.get('prefix') || '', delim = q.get('delimiter') || '';
  const max = Math.min(parseInt(q.get('max-keys') || '1000', 10), 1000);
  const token = q.get('continuation-token');
  const after = token ? Buffer.from(token, 'base64').toString() : q.get('start-after') || '';
  const keys = keysOf(name);
  let lo = 0, hi = keys.length; // first key > after and >= prefix
  const from = after > prefix ? after : prefix;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (keys[mid] < from || keys[mid] === after) lo = mid + 1; else hi = mid; }
  const contents = [], common = [];
  let last = '', truncated = false;
  for (let i = lo; i < keys.length && keys[i].startsWith(prefix); i++) {
    if (contents.length + common.length === max) { truncated = true; break; }
    const k = keys[i];
    const cut = delim ? k.indexOf(delim, prefix.length) : -1;
    if (cut >= 0) {
      const p = k.slice(0, cut + delim.length);
      if (common[common.length - 1] !== p) common.push(p);
      while (i + 1 < keys.length && keys[i + 1].startsWith(p)) i++; // skip the folder
      last = keys[i];
      continue;
    }
    const o = objects.get(k);
    contents.push(`<Contents><Key>${esc(k)}</Key><LastModified>2026-12-02T00:00:00.000Z</LastModified>` +
      `<ETag>&quot;${o.etag}&quot;</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`);
    last = k;
  }
  res.writeHead(200, { 'content-type': 'application/xml' });
  res.end('<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>' + esc(name) + '</Name><Prefix>' +
    esc(prefix) + '</Prefix><KeyCount>' + (contents.length + common.length) + '</KeyCount><MaxKeys>' + max +
    '</MaxKeys><IsTruncated>' + truncated + '</IsTruncated>' +
    (truncated ? '<NextContinuationToken>' + Buffer.from(last).toString('base64') + '</NextContinuationToken>' : '') +
    contents.join('') + common.map((p) => `<CommonPrefixes><Prefix>${esc(p)}</Prefix></CommonPrefixes>`).join('') +
    '</ListBucketResult>');
}

function error(res, status, code) {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`);
}

http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const path = url.pathname.slice(1);
  const slash = path.indexOf('/');
  const name = slash < 0 ? path : path.slice(0, slash);
  const key = slash < 0 ? '' : decodeURIComponent(path.slice(slash + 1));
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.method === 'PUT' && !key) { buckets.set(name, buckets.get(name) || new Map()); res.end(); return; }
    if (!buckets.has(name)) return error(res, 404, 'NoSuchBucket');
    if (req.method === 'PUT') {
      const body = Buffer.concat(chunks);
      buckets.get(name).set(key, { body, etag: crypto.createHash('md5').update(body).digest('hex') });
      sorted.delete(name);
      res.writeHead(200, { etag: '"' + buckets.get(name).get(key).etag + '"' });
      return res.end();
    }
    if (!key) return list(res, name, url.searchParams);
    const o = buckets.get(name).get(key);
    if (!o) return error(res, 404, 'NoSuchKey');
    res.writeHead(200, { 'content-length': o.body.length, etag: '"' + o.etag + '"' });
    res.end(o.body);
  });
}).listen(0, '127.0.0.1', function () {
  console.log('listening on 127.0.0.1:' + this.address().port);
});
