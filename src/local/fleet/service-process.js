#!/usr/bin/env node
// A simulated long-running service: a small HTTP server on 127.0.0.1 that
// reports { service, release, node } on every path (so any `health.http`
// path a manifest names is answered for real): 200, or 503 when unhealthy. Plain JavaScript so it starts
// in tens of milliseconds. It exits by itself if the process that started it
// (the fleet's command host) dies, so no orphan outlives a crash.
'use strict';
const http = require('node:http');

const [service, release, node, port, unhealthyFlag] = process.argv.slice(2);
const parentPid = process.ppid; // the fleet's command host, which goes when the fleet's process does
const unhealthy = unhealthyFlag === 'unhealthy';
const startedAt = new Date().toISOString();

const server = http.createServer((request, response) => {
  const body = JSON.stringify({ service, release, node, pid: process.pid, startedAt, status: unhealthy ? 'unhealthy' : 'ok' });
  response.writeHead(unhealthy ? 503 : 200, { 'content-type': 'application/json' });
  response.end(body);
});
// Keep the port this replica had before when it is still free; another process may have taken it
// in the meantime (ports are shared with everything else on the machine), then take any free one.
// The first line on stdout tells the fleet which port it is.
let fellBack = false;
server.on('error', (error) => {
  if (error.code === 'EADDRINUSE' && !fellBack) {
    fellBack = true;
    server.listen(0, '127.0.0.1');
    return;
  }
  process.stderr.write(`${service}@${node}: ${error.message}\n`);
  process.exit(1);
});
server.on('listening', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
server.listen(Number(port), '127.0.0.1');

const shutdown = () => server.close(() => process.exit(0));
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
setInterval(() => {
  try {
    process.kill(parentPid, 0);
  } catch {
    process.exit(0);
  }
}, 500).unref();
