#!/usr/bin/env node
// Runs a command on a lifeline: `node lifeline.js <command> [args...]`, started with stdin a pipe
// from its owner. When the owner dies — however it dies, `kill -9` included — the kernel closes
// the pipe, stdin ends here and the command is killed, so it never outlives its owner (DynamoDB
// Local's java cannot watch its parent by itself). Plain JavaScript so it starts in milliseconds.
'use strict';
const { spawn } = require('node:child_process');
const { constants } = require('node:os');

const [command, ...args] = process.argv.slice(2);
if (!command) {
  process.stderr.write('usage: lifeline.js <command> [args...]\n');
  process.exit(2);
}
const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
let killTimer;
const stop = (signal) => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  killTimer ??= setTimeout(() => child.kill('SIGKILL'), 5000);
};
child.on('error', (error) => {
  process.stderr.write(`lifeline: ${command}: ${error.message}\n`);
  process.exit(127);
});
child.on('exit', (code, signal) => {
  clearTimeout(killTimer);
  process.exit(code ?? (signal ? 128 + (constants.signals[signal] ?? 1) : 1));
});
process.stdin.on('end', () => stop('SIGTERM'));
process.stdin.on('error', () => stop('SIGTERM'));
process.stdin.resume();
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGTERM'));
process.on('SIGHUP', () => stop('SIGTERM'));
