/** The signals a long-running command tears down on (Ctrl-C, `kill`, a CI timeout). */
export type TerminationSignal = 'SIGINT' | 'SIGTERM';

/** The shell's convention: 128 + the signal number (130 for SIGINT, 143 for SIGTERM). */
export function exitCodeForSignal(signal: TerminationSignal): number {
  return signal === 'SIGINT' ? 130 : 143;
}

/**
 * Runs `teardown` once on the first SIGINT or SIGTERM. A second signal while
 * tearing down is ignored (the teardown itself bounds how long it takes), so
 * an impatient Ctrl-C cannot leave half of what a command started running.
 */
export function onTerminationSignal(teardown: (signal: TerminationSignal) => Promise<void> | void): () => void {
  let started = false;
  const handler = (signal: TerminationSignal) => {
    if (started) return;
    started = true;
    void Promise.resolve(teardown(signal)).catch((error: unknown) => {
      process.stderr.write(`cluster-update: teardown after ${signal} failed: ${(error as Error).message}\n`);
      process.exit(exitCodeForSignal(signal));
    });
  };
  const onInt = () => handler('SIGINT');
  const onTerm = () => handler('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  };
}
