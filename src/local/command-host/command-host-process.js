#!/usr/bin/env node
// The simulated nodes' process starter (src/local/command-host/command-host.ts): a small process of its own that
// starts what runs on the simulated machines, the scripts the SSM emulator delivers (as each node's agent would on
// its own machine) and the service replicas (as its service manager would), and reports their output and exit
// over the IPC channel. Plain JavaScript so it starts in tens of milliseconds.
//
// Why a process of its own: starting a child forks the process that starts it, and a fork costs in proportion to
// that process's memory (page tables). From the control plane's process (DynamoDB proxy, state machine, handlers,
// emulator: ~0.5 GB) each start blocked its event loop for 20–30 ms, and took 65 ms of its CPU, hundreds of times
// per update; from this one, a few milliseconds, and only here.
//
// Each process runs in a process group of its own (detached), so the emulator's cancel and timeout kill everything
// a script started (process.kill(-pid)). If the process that started this host goes away, so does everything
// started here.
'use strict';
const { closeSync, openSync } = require('node:fs');
const { spawn } = require('node:child_process');

const running = new Map();

process.on('message', (message) => {
  if (message.type === 'signal') {
    const child = running.get(message.id);
    if (child) child.kill(message.signal);
    return;
  }
  if (message.type !== 'run') return;
  const { id, file, args, cwd, env, stderrFile } = message;
  let child;
  let stderr = 'pipe';
  try {
    // A replica's standard error goes to its log as it would to a journal, not through the channel.
    if (stderrFile) stderr = openSync(stderrFile, 'a');
    child = spawn(file, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', stderr] });
  } catch (error) {
    send({ type: 'exit', id, code: null, signal: null, error: String(error && error.message) });
    return;
  } finally {
    if (typeof stderr === 'number') closeSync(stderr);
  }
  let ended = false;
  const end = (code, signal, error) => {
    if (ended) return;
    ended = true;
    running.delete(id);
    send({ type: 'exit', id, code, signal, error });
  };
  child.once('error', (error) => end(null, null, error.message));
  if (child.pid === undefined) return; // the spawn failed; 'error' follows
  running.set(id, child);
  send({ type: 'started', id, pid: child.pid });
  for (const stream of ['stdout', 'stderr']) {
    if (!child[stream]) continue;
    child[stream].setEncoding('utf8');
    child[stream].on('data', (data) => send({ type: 'output', id, stream, data }));
  }
  child.once('close', (code, signal) => end(code, signal));
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
