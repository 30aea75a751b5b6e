#!/usr/bin/env node
// `cu-node`: the simulated node's package and service manager. A thin client
// of the fleet controller (CU_FLEET_URL) acting for this node (CU_NODE_ID).
// Exit codes like a real tool: 0 ok, 1 failed, 2 bad usage.
'use strict';
const http = require('node:http');

const USAGE = `usage: cu-node platform install <step> <release>
       cu-node service update|stop|start <service> [<release>]
       cu-node service health <service> [<release>]
       cu-node service port <service>
       cu-node oneoff run|rollback <service> <release>
       cu-node drain | rejoin
       cu-node hook <name>`;

const [group, action, name, release] = process.argv.slice(2);
const node = process.env.CU_NODE_ID;
const fleet = process.env.CU_FLEET_URL;
if (!node || !fleet) {
  process.stderr.write('cu-node: CU_NODE_ID and CU_FLEET_URL must be set (run me through the step runner)\n');
  process.exit(2);
}

function route() {
  switch (group) {
    case 'platform':
      if (action === 'install' && name && release) return { op: 'platform-install', name, release };
      break;
    case 'service':
      if (['update', 'stop', 'start', 'health'].includes(action) && name) {
        if (action === 'update' && !release) break;
        return { op: `service-${action}`, name, release };
      }
      break;
    case 'oneoff':
      if (['run', 'rollback'].includes(action) && name && release) return { op: `oneoff-${action}`, name, release };
      break;
    case 'drain':
    case 'rejoin':
      return { op: group };
    case 'hook':
      if (action) return { op: 'hook', name: action };
      break;
    default:
  }
  return undefined;
}

// `service port` only reads what the node reports (its replicas' ports): no operation, nothing logged.
if (group === 'service' && action === 'port' && name) {
  http
    .get(`${fleet}/nodes`, (response) => {
      let text = '';
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => {
        const self = (JSON.parse(text) || []).find((n) => n.id === node);
        const service = self && self.services.find((s) => s.name === name);
        if (!service) {
          process.stderr.write(`cu-node: ${node} does not host ${name}\n`);
          process.exit(1);
        }
        process.stdout.write(`${service.port}\n`);
        process.exit(0);
      });
    })
    .on('error', (error) => {
      process.stderr.write(`cu-node: cannot reach the node agent at ${fleet}: ${error.message}\n`);
      process.exit(1);
    });
  return;
}

const request = route();
if (!request) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}
const body = JSON.stringify({ node, ...request });
const call = http.request(`${fleet}/operations`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
  let text = '';
  response.on('data', (chunk) => (text += chunk));
  response.on('end', () => {
    let answer;
    try {
      answer = JSON.parse(text);
    } catch {
      answer = { ok: false, message: text };
    }
    if (answer.ok) {
      process.stdout.write(`${answer.message}\n`);
      process.exit(0);
    }
    process.stderr.write(`cu-node: ${answer.message}\n`);
    process.exit(response.statusCode === 400 ? 2 : 1);
  });
});
call.on('error', (error) => {
  process.stderr.write(`cu-node: cannot reach the node agent at ${fleet}: ${error.message}\n`);
  process.exit(1);
});
call.end(body);
