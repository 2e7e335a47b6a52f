// Posts FILE to URL the way a runtime streams a response: chunked, with
// Lambda-Runtime-Function-Response-Mode: streaming and the error trailers. The first half
// goes out, then PAUSE_MS later the rest. Prints the status, then the answer's body, then
// "last_chunk_us <epoch us>" (when the second half was written).
//
//   node stream_client.js URL FILE [PAUSE_MS]
'use strict';
const http = require('http');
const fs = require('fs');
const { performance } = require('perf_hooks');

const [url, file, pauseArg] = process.argv.slice(2);
const data = fs.readFileSync(file);
const pauseMs = Number(pauseArg || 300);
const req = http.request(url, {
  method: 'POST',
  headers: {
    'Lambda-Runtime-Function-Response-Mode': 'streaming',
    'Content-Type': 'application/vnd.awslambda.http-integration-response',
    'Transfer-Encoding': 'chunked',
    Trailer: 'Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body',
  },
});
let lastUs = 0;
req.on('response', (res) => {
  const parts = [];
  res.on('data', (c) => parts.push(c));
  res.on('end', () => {
    console.log(res.statusCode);
    console.log(Buffer.concat(parts).toString());
    console.log(`last_chunk_us ${lastUs}`);
  });
});
req.on('error', (e) => { console.log(`error ${e.message}`); process.exit(1); });
const half = Math.floor(data.length / 2);
req.write(data.subarray(0, half));
setTimeout(() => {
  lastUs = Math.round((performance.timeOrigin + performance.now()) * 1000);
  req.write(data.subarray(half));
  req.addTrailers({
    'Lambda-Runtime-Function-Error-Type': 'Function.StreamBroken',
    'Lambda-Runtime-Function-Error-Body': Buffer.from('{"errorMessage":"broken"}').toString('base64'),
  });
  req.end();
}, pauseMs);
