// Shared by the tests' Lambda servers (runtime_api.js, record_proxy.js): serve on
// 127.0.0.1 at a free port, without request time limits (a GET .../next long-polls), and
// publish the port in DIR/port (written whole: a reader never sees half of it).
'use strict';
const fs = require('fs');
const path = require('path');

function serveOnLoopback(server, dir, keepAliveMs) {
  server.requestTimeout = 0;
  server.headersTimeout = 60000;
  server.keepAliveTimeout = keepAliveMs;
  server.listen(0, '127.0.0.1', () => {
    fs.writeFileSync(path.join(dir, 'port.tmp'), String(server.address().port));
    fs.renameSync(path.join(dir, 'port.tmp'), path.join(dir, 'port'));
  });
  process.on('SIGTERM', () => process.exit(0));
}

module.exports = { serveOnLoopback };
