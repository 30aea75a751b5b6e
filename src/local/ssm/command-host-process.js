#!/usr/bin/env node
// The simulated nodes' command runner (src/local/ssm/command-host.ts): a small process of its own that starts the
// scripts the SSM emulator delivers, as each node's agent would on its own machine, and reports their output and
// exit over the IPC channel. Plain JavaScript so it starts in tens of milliseconds.
//
// Why a process of its own: starting a child forks the process that starts it, and a fork costs in proportion to
// that process's memory (page tables). From the control plane's process (DynamoDB proxy, state machine, handlers,
// emulator: ~0.5 GB) each start blocked its event loop for 20–30 ms, hundreds of times per update; from this one,
// a few milliseconds, and only here.
//
// Each script runs in a process group of its own (detached), so the emulator's cancel and timeout kill everything
// it started (process.kill(-pid)). If the emulator goes away, so does everything started here.
'use strict';
const { spawn } = require('node:child_process');

const running = new Map();

process.on('message', (message) => {
  if (message.type !== 'run') return;
  const { id, file, args, cwd, env } = message;
  let child;
  try {
    child = spawn(file, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    send({ type: 'exit', id, code: null, error: String(error && error.message) });
    return;
  }
  let ended = false;
  const end = (code, error) => {
    if (ended) return;
    ended = true;
    running.delete(id);
    send({ type: 'exit', id, code, error });
  };
  child.once('error', (error) => end(null, error.message));
  if (child.pid === undefined) return; // the spawn failed; 'error' follows
  running.set(id, child);
  send({ type: 'started', id, pid: child.pid });
  for (const stream of ['stdout', 'stderr']) {
    child[stream].setEncoding('utf8');
    child[stream].on('data', (data) => send({ type: 'output', id, stream, data }));
  }
  child.once('close', (code) => end(code));
});

function send(message) {
  if (process.connected) process.send(message);
}

process.on('disconnect', () => {
  for (const child of running.values()) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  process.exit(0);
});
